package frontdesk_test

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/frontdesk-go/frontdesk"
)

// OnUpstreamAttempt reports every try against an upstream server, here a
// failed one and the retry that answered: the values behind nginx's
// $upstream_addr, $upstream_status and $upstream_response_time, for
// metrics.
func ExampleOnUpstreamAttempt() {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello\n")
	}))
	defer app.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // connecting to it is refused

	p, err := frontdesk.New(
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
		frontdesk.OnUpstreamAttempt(func(a frontdesk.UpstreamAttempt) {
			fmt.Println("upstream", a.Upstream, "status", a.Status, "failed:", a.Err != nil)
		}),
		frontdesk.Upstream("app", []frontdesk.Server{{Addr: gone.Listener.Addr().String()}, {Addr: app.Listener.Addr().String()}}),
		frontdesk.Location("/", frontdesk.ProxyPass("http://app")),
	)
	if err != nil {
		log.Fatal(err)
	}
	front := httptest.NewServer(p)
	defer front.Close()

	resp, err := http.Get(front.URL + "/")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(string(body))
	// Output:
	// upstream app status 502 failed: true
	// upstream app status 200 failed: false
	// hello
}

// ProxyRedirect rewrites the Location an application sends with its own
// idea of where it lives; here a regex keeps the path and drops the
// internal host name. add_header shows what the upstream answered.
func ExampleProxyRedirect() {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://app.internal:8000/app/login?next=/", http.StatusFound)
	}))
	defer app.Close()

	p := frontdesk.MustNew(
		frontdesk.Location("/shop/", frontdesk.ProxyPass(app.URL+"/app/"),
			frontdesk.ProxyRedirect(`~^http://app\.internal:8000/app/(.*)$`, "/shop/$1"),
			frontdesk.AbsoluteRedirect(false),
			frontdesk.AddHeader("X-Upstream-Status", "$upstream_status")),
	)
	front := httptest.NewServer(p)
	defer front.Close()

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(front.URL + "/shop/")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("X-Upstream-Status"))
	// Output:
	// 302 /shop/login?next=/ 302
}
