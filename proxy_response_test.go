package frontdesk

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRateLimit(t *testing.T) {
	start := time.Unix(100, 0)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	l := rateLimit{rate: 1000, start: start}

	// A full second's worth at once.
	n, wait := l.allow(at(0), 1500)
	assert.Equal(t, 1000, n)
	assert.Zero(t, wait)
	l.add(n)

	// Then nothing until the second ends: the excess drains at rate, and
	// nginx adds a millisecond.
	n, wait = l.allow(at(10), 500)
	assert.Equal(t, 0, n)
	assert.Equal(t, time.Millisecond, wait)

	// Whole seconds count, as ngx_time() does: at 1.0s another second's
	// worth is allowed.
	n, wait = l.allow(at(1000), 1500)
	assert.Equal(t, 1000, n)
	assert.Zero(t, wait)
	l.add(n)

	// Over the limit by 500 bytes waits half a second and a millisecond.
	l.add(500)
	n, wait = l.allow(at(1200), 10)
	assert.Equal(t, 0, n)
	assert.Equal(t, 501*time.Millisecond, wait)

	// Seconds are those of the clock, not of the elapsed time: a start
	// late in a second gets the next second's allowance early.
	late := rateLimit{rate: 100, start: time.Unix(100, 900_000_000)}
	n, _ = late.allow(time.Unix(101, 0), 1000)
	assert.Equal(t, 200, n)
}

func TestParseUnsafeURI(t *testing.T) {
	tests := []struct {
		in, uri, args string
		hasArgs, ok   bool
	}{
		{in: "/a/b", uri: "/a/b", ok: true},
		{in: "/a?x=1&y", uri: "/a", args: "x=1&y", hasArgs: true, ok: true},
		{in: "/a%20b", uri: "/a b", ok: true},
		{in: "/a%3Fb?c", uri: "/a?b", args: "c", hasArgs: true, ok: true},
		{in: "/a/./b", uri: "/a/./b", ok: true},
		{in: "/a/..b", uri: "/a/..b", ok: true},
		{in: "http://x/y", uri: "http://x/y", ok: true},
		{in: "", ok: false},
		{in: "?a", ok: false},
		{in: "..", ok: false},
		{in: "../a", ok: false},
		{in: "/a/..", ok: false},
		{in: "/a/../b", ok: false},
		{in: "/a/%2e%2e/b", ok: false},
		{in: "/a/%252e%252e/b", ok: false}, // decoded twice, as nginx's recursion does
		{in: "/a\x00b", ok: false},
		{in: "/a%00b", ok: false},
	}
	for _, tt := range tests {
		uri, args, hasArgs, ok := parseUnsafeURI(tt.in)
		assert.Equalf(t, tt.ok, ok, "%q", tt.in)
		if tt.ok {
			assert.Equalf(t, tt.uri, uri, "%q", tt.in)
			assert.Equalf(t, tt.args, args, "%q", tt.in)
			assert.Equalf(t, tt.hasArgs, hasArgs, "%q", tt.in)
		}
	}
}

func TestEditCookieFlags(t *testing.T) {
	tests := []struct {
		in    string
		flags uint16
		want  string
	}{
		{"a=1", flagSecure | flagHTTPOnly | flagLax, "a=1; Secure; HttpOnly; SameSite=Lax"},
		{"a=1; secure; SameSite=strict", flagSecure | flagStrict, "a=1; secure; SameSite=strict"},
		{"a=1; SameSite=Lax", flagNone, "a=1; SameSite=None"},
		{"a=1; Secure; HttpOnly; SameSite=None; path=/", flagNoSecure | flagNoHTTPOnly | flagNoSameSite, "a=1; path=/"},
		{"a = 1 ;path=/x;  secure", flagHTTPOnly, "a=1; path=/x; secure; HttpOnly"},
	}
	for _, tt := range tests {
		attrs := editCookieFlags(parseCookie(tt.in), tt.flags)
		var parts []string
		for _, a := range attrs {
			if a.drop {
				continue
			}
			if a.hasValue {
				parts = append(parts, a.key+"="+a.value)
			} else {
				parts = append(parts, a.key)
			}
		}
		assert.Equalf(t, tt.want, strings.Join(parts, "; "), "%q", tt.in)
	}
}

func TestResponseConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"default without proxy_pass", []Option{Location("/", nil, ProxyRedirectDefault())},
			`"proxy_redirect default" should be placed after the "proxy_pass" directive`},
		{"default at server level", []Option{ProxyRedirectDefault(), Location("/", ProxyPass("http://127.0.0.1:1"))},
			`"proxy_redirect default" should be placed after the "proxy_pass" directive`},
		{"off after rules", []Option{Location("/", ProxyPass("http://127.0.0.1:1"), ProxyRedirect("/a", "/b"), ProxyRedirectOff())},
			"proxy_redirect: is duplicate"},
		{"rules after off", []Option{Location("/", ProxyPass("http://127.0.0.1:1"), ProxyCookiePathOff(), ProxyCookiePath("/a", "/b"))},
			"proxy_cookie_path: is duplicate"},
		{"bad regex", []Option{Location("/", ProxyPass("http://127.0.0.1:1"), ProxyRedirect("~(x", "/"))}, "proxy_redirect: invalid regex"},
		{"unknown variable", []Option{Location("/", ProxyPass("http://127.0.0.1:1"), ProxyCookieDomain("$nope", "x"))}, `unknown "nope" variable`},
		{"flags missing", []Option{Location("/", ProxyPass("http://127.0.0.1:1"), ProxyCookieFlags("a"))}, `invalid parameter "a"`},
		{"too many flags", []Option{Location("/", ProxyPass("http://127.0.0.1:1"), ProxyCookieFlags("a", "secure", "httponly", "nosamesite", "secure"))},
			"invalid number of arguments"},
		{"unknown ignored header", []Option{Location("/", ProxyPass("http://127.0.0.1:1"), ProxyIgnoreHeaders("X-Bogus"))}, `invalid value "X-Bogus"`},
		{"negative rate", []Option{ProxyLimitRate(-1)}, "proxy_limit_rate: invalid value -1"},
		{"nil callback", []Option{OnUpstreamAttempt(nil)}, "OnUpstreamAttempt: nil function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(append([]Option{Logger(slog.New(slog.DiscardHandler))}, tt.opts...)...)
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

// recordingHandler keeps the slog records at Warn and above.
type recordingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r)
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

func (h *recordingHandler) find(msg string) (map[string]string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.records {
		if r.Message == msg {
			attrs := map[string]string{}
			r.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value.String(); return true })
			return attrs, true
		}
	}
	return nil, false
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// oneConnUpstream is a loopback upstream that accepts one connection and
// runs serve on it; the test's cleanup closes it and waits for serve.
func oneConnUpstream(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var conns sync.WaitGroup
	t.Cleanup(func() { ln.Close(); conns.Wait() })
	conns.Add(1)
	go func() {
		defer conns.Done()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		serve(c)
	}()
	return ln.Addr().String()
}

func listenProxy(t *testing.T, p *Proxy) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: p}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
		_ = p.Close()
	})
	return ln.Addr().String()
}

func TestUpstreamAttemptReports(t *testing.T) {
	dead := closedPort(t)
	live := rawBackend(t, okResponse)
	var mu sync.Mutex
	var attempts []UpstreamAttempt
	logs := &recordingHandler{}
	p, err := New(
		Logger(slog.New(logs)),
		OnUpstreamAttempt(func(a UpstreamAttempt) {
			mu.Lock()
			defer mu.Unlock()
			attempts = append(attempts, a)
		}),
		Upstream("app", []Server{{Addr: dead}, {Addr: live}}),
		Location("/", ProxyPass("http://app"), AddHeader("X-UA", "$upstream_addr|$upstream_status")),
	)
	require.NoError(t, err)
	addr := listenProxy(t, p)

	resp, err := http.Get("http://" + addr + "/x")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "ok", string(body))
	assert.Equal(t, dead+", "+live+"|502, 200", resp.Header.Get("X-UA"))

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, attempts, 2)
	first, second := attempts[0], attempts[1]
	assert.Equal(t, UpstreamAttempt{Location: "/", Upstream: "app", Addr: dead, Status: 502,
		ConnectTime: -1, HeaderTime: -1, ResponseTime: first.ResponseTime, Err: first.Err, Request: first.Request}, first)
	assert.Error(t, first.Err)
	assert.NotNil(t, first.Request, "the client's request, to tell concurrent requests apart")
	assert.GreaterOrEqual(t, first.ResponseTime, time.Duration(0))
	assert.Equal(t, live, second.Addr)
	assert.Equal(t, 200, second.Status)
	assert.NoError(t, second.Err)
	assert.GreaterOrEqual(t, second.ConnectTime, time.Duration(0))
	assert.GreaterOrEqual(t, second.HeaderTime, second.ConnectTime)
	assert.GreaterOrEqual(t, second.ResponseTime, second.HeaderTime)

	// nginx's message and context for the failed try.
	attrs, ok := logs.find("connect() failed (111: Connection refused) while connecting to upstream")
	require.True(t, ok, "a failed attempt is logged")
	assert.Equal(t, map[string]string{LogClient: "127.0.0.1", LogServer: "", LogRequest: "GET /x HTTP/1.1",
		LogUpstream: "http://" + dead + "/x", LogHost: addr}, attrs)
}

func TestUpstreamTimeoutIs504(t *testing.T) {
	// A listener that accepts and never answers: the read times out.
	addr := oneConnUpstream(t, func(c net.Conn) {
		_, _ = io.Copy(io.Discard, c) // until the proxy gives up
	})
	got := make(chan UpstreamAttempt, 1)
	p, err := New(Logger(slog.New(slog.DiscardHandler)),
		OnUpstreamAttempt(func(a UpstreamAttempt) { got <- a }),
		Location("/", ProxyPass("http://"+addr), ProxyReadTimeout(100*time.Millisecond)))
	require.NoError(t, err)
	resp, err := http.Get("http://" + listenProxy(t, p) + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusGatewayTimeout, resp.StatusCode)
	a := <-got
	assert.Equal(t, http.StatusGatewayTimeout, a.Status)
	assert.True(t, isTimeout(a.Err), "%v", a.Err)
	assert.GreaterOrEqual(t, a.ConnectTime, time.Duration(0))
	assert.Equal(t, time.Duration(-1), a.HeaderTime)
}

func TestClientGoneIs499(t *testing.T) {
	received := make(chan struct{})
	upstreamClosed := make(chan struct{})
	addr := oneConnUpstream(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		close(received)
		_, _ = io.Copy(io.Discard, br) // until the proxy closes
		close(upstreamClosed)
	})
	observed := make(chan int, 1)
	attempt := make(chan UpstreamAttempt, 1)
	p, err := New(Logger(slog.New(slog.DiscardHandler)),
		Observe(func(i RequestInfo) { observed <- i.Status() }),
		OnUpstreamAttempt(func(a UpstreamAttempt) { attempt <- a }),
		Location("/", ProxyPass("http://"+addr)))
	require.NoError(t, err)
	c, err := net.Dial("tcp", listenProxy(t, p))
	require.NoError(t, err)
	_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	<-received
	require.NoError(t, c.Close())

	assert.Equal(t, 499, <-observed)
	a := <-attempt
	assert.Equal(t, 499, a.Status)
	assert.ErrorIs(t, a.Err, context.Canceled)
	<-upstreamClosed
}

func TestTunnelIdleTimeout(t *testing.T) {
	// The upstream switches protocols and then says nothing: the tunnel
	// closes after proxy_read_timeout without traffic.
	backend := oneConnUpstream(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n")
		_, _ = io.Copy(io.Discard, br) // silent until the proxy closes
	})
	p, err := New(Logger(slog.New(slog.DiscardHandler)),
		Location("/", ProxyPass("http://"+backend), ProxyHTTPVersion("1.1"),
			ProxySetHeader("Upgrade", "$http_upgrade"), ProxySetHeader("Connection", "upgrade"),
			ProxyReadTimeout(100*time.Millisecond)))
	require.NoError(t, err)
	c, err := net.Dial("tcp", listenProxy(t, p))
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
	_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	assert.Equal(t, "upgrade", resp.Header.Get("Connection"))
	_, err = io.ReadAll(c)
	assert.False(t, errors.Is(err, context.DeadlineExceeded) || isTimeout(err), "the proxy closed the idle tunnel: %v", err)
}
