// Command django runs the layout of a typical Django deployment behind
// frontdesk instead of nginx: /static/ served from disk with alias, the
// application reached over a unix socket (as gunicorn binds it), the
// forwarding headers Django's SECURE_PROXY_SSL_HEADER and
// get_host() rely on, and a 502 page when the application is down.
//
//	go run ./examples/django
package main

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/frontdesk-go/frontdesk"
)

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(out io.Writer) error {
	dir, err := os.MkdirTemp("", "frontdesk-django")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// collectstatic's output.
	static := filepath.Join(dir, "staticfiles")
	if err := os.MkdirAll(filepath.Join(static, "admin", "css"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(static, "admin", "css", "base.css"), []byte("body{}\n"), 0o644); err != nil {
		return err
	}

	// The application: gunicorn --bind unix:/run/gunicorn.sock.
	sock := filepath.Join(dir, "gunicorn.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return err
	}
	app := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "django saw %s %s host=%s x-forwarded-for=%s x-forwarded-proto=%s\n",
			r.Method, r.URL.RequestURI(), r.Host, r.Header.Get("X-Forwarded-For"), r.Header.Get("X-Forwarded-Proto"))
	})}
	go app.Serve(ln)

	p, err := frontdesk.New(
		frontdesk.Upstream("django", []frontdesk.Server{{Addr: "unix:" + sock}}),
		frontdesk.ClientMaxBodySize(10<<20),
		frontdesk.Location("/static/", frontdesk.Static(static+"/", frontdesk.Expires("30d"))),
		frontdesk.Location("/", frontdesk.ProxyPass("http://django"),
			frontdesk.ProxySetHeader("Host", "$host"),
			frontdesk.ProxySetHeader("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
			frontdesk.ProxySetHeader("X-Forwarded-Proto", "$scheme")),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		return err
	}
	defer p.Close()
	front := httptest.NewServer(p)
	defer front.Close()

	show := func(path string) error {
		resp, err := http.Get(front.URL + path)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(out, "GET %-28s %d %-24s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), firstLine(body))
		return nil
	}
	for _, path := range []string{"/static/admin/css/base.css", "/admin/login/?next=/", "/static/missing.js"} {
		if err := show(path); err != nil {
			return err
		}
	}
	app.Close() // gunicorn goes down
	return show("/admin/")
}

func firstLine(b []byte) string {
	for i, c := range b {
		if c == '\n' {
			return string(b[:i+1])
		}
	}
	return string(b) + "\n"
}
