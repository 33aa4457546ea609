package frontdesk_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/frontdesk-go/frontdesk"
)

// nameServer starts a backend that answers with its name.
func nameServer(name string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, name)
	}))
}

// failing starts a backend that answers every request with code.
func failing(code int) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, http.StatusText(code), code)
	}))
}

// bodyOf sends a GET through h and returns the body.
func bodyOf(h http.Handler, target string) string {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	return rec.Body.String()
}

// An upstream pool balances requests over its servers with nginx's
// smooth weighted round-robin: weights 5, 1 and 1 interleave the light
// servers instead of sending them requests in bursts.
func ExampleUpstream() {
	a, b, c := nameServer("a"), nameServer("b"), nameServer("c")
	defer a.Close()
	defer b.Close()
	defer c.Close()
	app := frontdesk.Upstream("app", []frontdesk.Server{
		{Addr: a.Listener.Addr().String(), Weight: 5},
		{Addr: b.Listener.Addr().String()},
		{Addr: c.Listener.Addr().String()},
	})
	p, err := frontdesk.New(
		app,
		frontdesk.Location("/", frontdesk.ProxyPass("http://app")),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	var seq []string
	for range 7 {
		seq = append(seq, bodyOf(p, "/"))
	}
	fmt.Println(strings.Join(seq, " "))
	// Output:
	// a a b a c a a
}

// SetServers changes a pool's servers while it serves, keeping the state
// of the servers it keeps; State reports each peer.
func ExampleUpstreamPool_SetServers() {
	a, b := nameServer("a"), nameServer("b")
	defer a.Close()
	defer b.Close()
	app := frontdesk.Upstream("app", []frontdesk.Server{{Addr: a.Listener.Addr().String()}})
	// A pool is also a location's target, as "proxy_pass http://app".
	p := frontdesk.MustNew(frontdesk.Location("/", app), frontdesk.Logger(slog.New(slog.DiscardHandler)))
	defer p.Close()
	fmt.Println(bodyOf(p, "/"))

	// Drain a: requests in flight finish there, new ones go to b.
	err := app.SetServers([]frontdesk.Server{
		{Addr: a.Listener.Addr().String(), Down: true},
		{Addr: b.Listener.Addr().String()},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(bodyOf(p, "/"), bodyOf(p, "/"))
	st, _ := app.State()
	for i, s := range st {
		fmt.Printf("peer %d: down=%v available=%v\n", i, s.Down, s.Available)
	}
	// Output:
	// a
	// b b
	// peer 0: down=true available=false
	// peer 1: down=false available=true
}

// With set_real_ip_from, the client address ($remote_addr, allow, deny)
// is taken from the forwarding header only when the connection comes
// from a trusted proxy; anyone else's header is ignored.
func ExampleSetRealIPFrom() {
	p, err := frontdesk.New(
		frontdesk.SetRealIPFrom("192.0.2.0/24"),
		frontdesk.RealIPHeader("X-Forwarded-For"),
		frontdesk.Location("/", frontdesk.Return(200, "$remote_addr")),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	for _, peer := range []string{"192.0.2.1:4711", "198.51.100.7:4711"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = peer
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		fmt.Printf("from %s: %s\n", peer, rec.Body)
	}
	// Output:
	// from 192.0.2.1:4711: 203.0.113.9
	// from 198.51.100.7:4711: 198.51.100.7
}

// proxy_next_upstream decides which failures a request is retried on:
// here a 503 from one server sends it on to the next.
func ExampleProxyNextUpstream() {
	busy := failing(http.StatusServiceUnavailable)
	defer busy.Close()
	ok := nameServer("ok")
	defer ok.Close()
	app := frontdesk.Upstream("app", []frontdesk.Server{
		{Addr: busy.Listener.Addr().String(), MaxFails: frontdesk.Unlimited},
		{Addr: ok.Listener.Addr().String()},
	})
	p, err := frontdesk.New(
		app,
		frontdesk.Location("/", frontdesk.ProxyPass("http://app"),
			frontdesk.ProxyNextUpstream("error", "timeout", "http_503")),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	fmt.Println(bodyOf(p, "/"), bodyOf(p, "/"))
	// Output:
	// ok ok
}

// Hash sends equal keys to the same server (here by a user argument),
// so a cache or session behind each server sees the same users.
func ExampleHash() {
	a, b, c := nameServer("a"), nameServer("b"), nameServer("c")
	defer a.Close()
	defer b.Close()
	defer c.Close()
	app := frontdesk.Upstream("app", []frontdesk.Server{
		{Addr: a.Listener.Addr().String()},
		{Addr: b.Listener.Addr().String()},
		{Addr: c.Listener.Addr().String()},
	}, frontdesk.WithBalancer(frontdesk.Hash("$arg_user")))
	p := frontdesk.MustNew(frontdesk.Location("/", app), frontdesk.Logger(slog.New(slog.DiscardHandler)))
	defer p.Close()
	// The server follows from the key and the servers' order and
	// weights, as in nginx, not from their addresses.
	for _, user := range []string{"ann", "bob", "cid", "dee", "ann", "bob"} {
		fmt.Print(user, ":", bodyOf(p, "/?user="+user), " ")
	}
	fmt.Println()
	// Output:
	// ann:a bob:c cid:a dee:b ann:a bob:c
}

// WithClock gives a pool the time its failure accounting reads, so a
// test moves fail_timeout on instead of waiting for it.
func ExampleWithClock() {
	flaky := failing(http.StatusInternalServerError)
	defer flaky.Close()
	ok := nameServer("ok")
	defer ok.Close()

	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	app := frontdesk.Upstream("app", []frontdesk.Server{
		{Addr: flaky.Listener.Addr().String(), FailTimeout: 10 * time.Second},
		{Addr: ok.Listener.Addr().String()},
	}, frontdesk.WithClock(func() time.Time { return now }))
	p := frontdesk.MustNew(
		frontdesk.Location("/", app, frontdesk.ProxyNextUpstream("error", "timeout", "http_500")),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	defer p.Close()
	available := func() bool {
		st, err := app.State()
		return err == nil && st[0].Available
	}
	fmt.Println(bodyOf(p, "/"), available()) // flaky failed once: max_fails=1 reached
	now = now.Add(5 * time.Second)
	fmt.Println(available())
	now = now.Add(6 * time.Second) // nginx counts whole seconds
	fmt.Println(available())
	// Output:
	// ok false
	// false
	// true
}
