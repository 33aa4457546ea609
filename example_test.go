package frontdesk_test

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/frontdesk-go/frontdesk"
)

// show sends a GET through h and prints the status, a header and the body.
func show(h http.Handler, target string, header string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	line := fmt.Sprintf("%s -> %d", target, res.StatusCode)
	if header != "" {
		line += fmt.Sprintf(" %s=%q", header, res.Header.Get(header))
	}
	if len(body) > 0 && len(body) < 60 {
		line += fmt.Sprintf(" %q", body)
	}
	fmt.Println(line)
}

func ExampleNew() {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "app saw %s\n", r.URL.Path)
	})
	p, err := frontdesk.New(
		frontdesk.Location("= /healthz", frontdesk.Return(200, "ok\n")),
		frontdesk.Location("/old/", frontdesk.Return(301, "/new/")),
		frontdesk.Location("/", app),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	show(p, "/healthz", "")
	show(p, "/old/page", "Location")
	show(p, "/users/42", "")
	// Output:
	// /healthz -> 200 "ok\n"
	// /old/page -> 301 Location="http://example.com/new/"
	// /users/42 -> 200 "app saw /users/42\n"
}

func ExampleNew_errors() {
	_, err := frontdesk.New(
		frontdesk.Location("/a", nil),
		frontdesk.Location("/a", nil),
		frontdesk.Location("~ ^/(unclosed", nil),
	)
	fmt.Println(err != nil)
	// Output:
	// true
}

// Location patterns are nginx's: exact, prefix, "^~", regexes in order.
func ExampleLocation() {
	p := frontdesk.MustNew(
		frontdesk.Location("= /", frontdesk.Return(200, "exact root")),
		frontdesk.Location("/", frontdesk.Return(200, "prefix")),
		frontdesk.Location("^~ /images/", frontdesk.Return(200, "images, no regex")),
		frontdesk.Location(`~* \.(gif|jpe?g)$`, frontdesk.Return(200, "regex: $1")),
		frontdesk.Location("/app/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info, _ := frontdesk.Info(r)
			fmt.Fprintf(w, "%s matched %s", info.URI(), info.Location())
		})),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	show(p, "/", "")
	show(p, "/index.html", "")
	show(p, "/images/a.gif", "")
	show(p, "/docs/a.JPG", "")
	show(p, "/app//x/../y", "")
	// Output:
	// / -> 200 "exact root"
	// /index.html -> 200 "prefix"
	// /images/a.gif -> 200 "images, no regex"
	// /docs/a.JPG -> 200 "regex: JPG"
	// /app//x/../y -> 200 "/app/y matched /app/"
}

// Static serves a directory with nginx's alias semantics.
func ExampleStatic() {
	dir, _ := os.MkdirTemp("", "static")
	defer os.RemoveAll(dir)
	_ = os.MkdirAll(filepath.Join(dir, "css"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "css", "site.css"), []byte("body{}"), 0o644)

	p := frontdesk.MustNew(
		frontdesk.Location("/static/", frontdesk.Static(dir+"/")),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	show(p, "/static/css/site.css", "Content-Type")
	show(p, "/static/css", "Location")
	show(p, "/static/missing.css", "")
	show(p, "/static/../../etc/passwd", "")
	// Output:
	// /static/css/site.css -> 200 Content-Type="text/css" "body{}"
	// /static/css -> 301 Location="http://example.com/static/css/"
	// /static/missing.css -> 404
	// /static/../../etc/passwd -> 400
}

// TryFiles serves a single-page application: files when they exist, the
// app shell otherwise.
func ExampleTryFiles() {
	dir, _ := os.MkdirTemp("", "spa")
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "index.html"), []byte("<app>"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "main.js"), []byte("js"), 0o644)

	p := frontdesk.MustNew(
		frontdesk.Root(dir),
		frontdesk.Location("/", nil, frontdesk.TryFiles("$uri", "$uri/", "/index.html")),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	show(p, "/main.js", "")
	show(p, "/users/42", "")
	// Output:
	// /main.js -> 200 "js"
	// /users/42 -> 200 "<app>"
}

func ExampleErrorPage() {
	p := frontdesk.MustNew(
		frontdesk.ErrorPage("/oops", 404, 500),
		frontdesk.Location("= /oops", frontdesk.Return(200, "sorry: $request_uri\n"), frontdesk.Internal()),
		frontdesk.Location("/", frontdesk.Return(404, "")),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	show(p, "/nothing", "")
	show(p, "/oops", "")
	// Output:
	// /nothing -> 404 "sorry: /nothing\n"
	// /oops -> 404 "sorry: /oops\n"
}

func ExampleAddHeader() {
	p := frontdesk.MustNew(
		frontdesk.AddHeader("X-Frame-Options", "DENY"),
		frontdesk.AddHeaderAlways("X-Request-Path", "$uri"),
		frontdesk.Location("/", frontdesk.Return(200, "ok")),
		frontdesk.Location("/gone", frontdesk.Return(410, "")),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	show(p, "/", "X-Frame-Options")
	show(p, "/gone", "X-Frame-Options")
	show(p, "/gone", "X-Request-Path")
	// Output:
	// / -> 200 X-Frame-Options="DENY" "ok"
	// /gone -> 410 X-Frame-Options=""
	// /gone -> 410 X-Request-Path="/gone"
}
