package frontdesk_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/frontdesk-go/frontdesk"
)

// Trace tells why a request ended where it did: each location selected
// with the precedence step that chose it, each rewrite with the URI
// before and after, each internal redirect with its cause.
func ExampleTrace() {
	p := frontdesk.MustNew(
		frontdesk.Rewrite(`^/docs/(.*)\.html$`, "/manual/$1", frontdesk.RewriteLast),
		frontdesk.Location("^~ /manual/", frontdesk.Return(200, "manual\n"),
			frontdesk.Location(`~ /old/`, frontdesk.Return(410, "gone\n"))),
		frontdesk.Location(`~ \.html$`, frontdesk.Return(200, "page\n")),
		frontdesk.Location("/", nil, frontdesk.TryFiles("$uri", "@app")),
		frontdesk.Location("@app", frontdesk.Return(200, "app\n")),
		frontdesk.Trace(func(_ *http.Request, s frontdesk.TraceStep) { fmt.Println(s) }),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	defer p.Close()
	for _, target := range []string{"/docs/intro.html", "/manual/old/a", "/cart"} {
		fmt.Println("GET", target)
		p.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", target, nil))
	}
	// Output:
	// GET /docs/intro.html
	// rewrite "rewrite ^/docs/(.*)\\.html$ /manual/$1 last" on "/docs/intro.html": → "/manual/intro"
	// location "^~ /manual/" for "/manual/intro": longest prefix with ^~, regexes not tried
	// GET /manual/old/a
	// rewrite "rewrite ^/docs/(.*)\\.html$ /manual/$1 last" on "/manual/old/a": no match
	// location "~ /old/" for "/manual/old/a": first matching regex in configuration order, nested in ["^~ /manual/"]
	// GET /cart
	// rewrite "rewrite ^/docs/(.*)\\.html$ /manual/$1 last" on "/cart": no match
	// location "/" for "/cart": longest prefix, no regex matched; regexes not matching: ["~ \\.html$"]
	// internal redirect by try_files: "/cart" → "@app" (in "/")
	// location "@app" for "/cart": named location
}
