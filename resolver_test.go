package frontdesk

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/net/dns/dnsmessage"
)

// fakeLookup answers from a table that tests change, counting queries.
type fakeLookup struct {
	mu    sync.Mutex
	addrs map[string][]string
	ttl   time.Duration
	err   error
	calls atomic.Int32
}

func (f *fakeLookup) set(host string, addrs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.addrs == nil {
		f.addrs = map[string][]string{}
	}
	f.addrs[host] = addrs
}

func (f *fakeLookup) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *fakeLookup) lookup(_ context.Context, host string) ([]netip.Addr, time.Duration, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, 0, f.err
	}
	a, ok := f.addrs[host]
	if !ok {
		return nil, 0, errNameNotFound
	}
	out := make([]netip.Addr, len(a))
	for i, s := range a {
		out[i] = netip.MustParseAddr(s)
	}
	return out, f.ttl, nil
}

// nginx counts fail_timeout in whole seconds of its cached clock: a
// failure late in second T keeps the server out until second T+2 with
// fail_timeout=1s.
func TestFailTimeoutCountsWholeSeconds(t *testing.T) {
	now := time.Unix(1000, 900_000_000)
	ps, err := Upstream("t", []Server{
		{Addr: "127.0.0.1:9001", FailTimeout: time.Second},
		{Addr: "127.0.0.1:9002", FailTimeout: 500 * time.Millisecond},
		{Addr: "127.0.0.1:9003"},
	}, WithClock(func() time.Time { return now })).build()
	require.NoError(t, err)
	a, b := ps.primary.peers[0], ps.primary.peers[1]
	ps.free(&ps.primary, a, true, now)
	ps.free(&ps.primary, b, true, now)
	later := time.Unix(1001, 500_000_000)
	assert.False(t, a.available(later), "1.6s after, but one second on nginx's clock")
	assert.False(t, b.available(later), "fail_timeout is rounded up to whole seconds")
	assert.True(t, a.available(time.Unix(1002, 0)))
	assert.True(t, b.available(time.Unix(1002, 0)))
}

func TestResolverCache(t *testing.T) {
	now := time.Unix(1000, 0)
	f := &fakeLookup{ttl: 5 * time.Second}
	f.set("a.test", "10.0.0.1")
	rc := &resolverConf{lookup: f.lookup, now: func() time.Time { return now }}
	ctx := t.Context()

	addrs, err := rc.resolve(ctx, "a.test")
	require.NoError(t, err)
	assert.Equal(t, []netip.Addr{netip.MustParseAddr("10.0.0.1")}, addrs)
	_, _ = rc.resolve(ctx, "A.Test")
	assert.Equal(t, int32(1), f.calls.Load(), "cached for the TTL, names compared without case")

	f.set("a.test", "10.0.0.2")
	now = now.Add(5 * time.Second)
	addrs, _ = rc.resolve(ctx, "a.test")
	assert.Equal(t, []netip.Addr{netip.MustParseAddr("10.0.0.2")}, addrs, "asked again once the TTL is over")
	assert.Equal(t, int32(2), f.calls.Load())

	_, err = rc.resolve(ctx, "missing.test")
	assert.ErrorIs(t, err, errNameNotFound)
	_, _ = rc.resolve(ctx, "missing.test")
	assert.Equal(t, int32(3), f.calls.Load(), "a missing name is cached too")
	now = now.Add(negativeTTL)
	_, _ = rc.resolve(ctx, "missing.test")
	assert.Equal(t, int32(4), f.calls.Load())

	f.fail(errors.New("server failure"))
	_, err = rc.resolve(ctx, "b.test")
	assert.Error(t, err)
	_, _ = rc.resolve(ctx, "b.test")
	assert.Equal(t, int32(6), f.calls.Load(), "a failed query is not cached")

	valid := &resolverConf{lookup: f.lookup, valid: time.Hour, now: func() time.Time { return now }}
	f.fail(nil)
	_, _ = valid.resolve(ctx, "a.test")
	now = now.Add(time.Minute)
	_, _ = valid.resolve(ctx, "a.test")
	assert.Equal(t, int32(7), f.calls.Load(), "valid= replaces the TTL")
}

// Requests for a name being resolved wait for that query instead of
// sending their own.
func TestResolverSharesQueries(t *testing.T) {
	started, unblock := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	rc := &resolverConf{lookup: func(ctx context.Context, host string) ([]netip.Addr, time.Duration, error) {
		if calls.Add(1) == 1 {
			close(started)
			<-unblock
		}
		return []netip.Addr{netip.MustParseAddr("10.0.0.1")}, time.Minute, nil
	}}
	var wg sync.WaitGroup
	results := make(chan error, 5)
	resolve := func() {
		defer wg.Done()
		_, err := rc.resolve(t.Context(), "a.test")
		results <- err
	}
	wg.Add(1)
	go resolve()
	<-started
	for range 4 {
		wg.Add(1)
		go resolve()
	}
	close(unblock)
	wg.Wait()
	close(results)
	for err := range results {
		assert.NoError(t, err)
	}
	assert.Equal(t, int32(1), calls.Load())
}

// dnsTestServer answers over UDP on the loopback: a.test has an A
// record, alias.test is a CNAME to it, v6.test has only AAAA; any other
// name does not exist.
func dnsTestServer(t *testing.T) string {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	t.Cleanup(func() { conn.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			name := q.Name.String()
			rh := dnsmessage.Header{ID: h.ID, Response: true}
			switch name {
			case "a.test.", "alias.test.", "v6.test.":
			default:
				rh.RCode = dnsmessage.RCodeNameError
			}
			b := dnsmessage.NewBuilder(nil, rh)
			b.StartQuestions()
			b.Question(q)
			b.StartAnswers()
			hdr := func(n string, ttl uint32) dnsmessage.ResourceHeader {
				return dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(n), Class: dnsmessage.ClassINET, TTL: ttl}
			}
			if name == "alias.test." {
				b.CNAMEResource(hdr("alias.test.", 60), dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName("a.test.")})
			}
			switch {
			case q.Type == dnsmessage.TypeA && name != "v6.test.":
				b.AResource(hdr("a.test.", 7), dnsmessage.AResource{A: [4]byte{127, 0, 0, 9}})
				b.AResource(hdr("other.test.", 1), dnsmessage.AResource{A: [4]byte{127, 0, 0, 10}})
			case q.Type == dnsmessage.TypeAAAA && name == "v6.test.":
				b.AAAAResource(hdr("v6.test.", 3), dnsmessage.AAAAResource{AAAA: netip.IPv6Loopback().As16()})
			}
			msg, _ := b.Finish()
			conn.WriteTo(msg, from)
		}
	}()
	return conn.LocalAddr().String()
}

func TestDNSLookup(t *testing.T) {
	server := dnsTestServer(t)
	rc := &resolverConf{servers: []string{server}, ipv6: true}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()

	addrs, ttl, err := rc.dnsLookup(ctx, "a.test")
	require.NoError(t, err)
	assert.Equal(t, []netip.Addr{netip.MustParseAddr("127.0.0.9")}, addrs, "records of other names are ignored")
	assert.Equal(t, 7*time.Second, ttl)

	addrs, ttl, err = rc.dnsLookup(ctx, "alias.test")
	require.NoError(t, err)
	assert.Equal(t, []netip.Addr{netip.MustParseAddr("127.0.0.9")}, addrs, "CNAMEs are followed")
	assert.Equal(t, 7*time.Second, ttl, "the smallest TTL of the chain")

	addrs, _, err = rc.dnsLookup(ctx, "v6.test")
	require.NoError(t, err)
	assert.Equal(t, []netip.Addr{netip.IPv6Loopback()}, addrs)
	rc.ipv6 = false
	_, _, err = rc.dnsLookup(ctx, "v6.test")
	assert.ErrorIs(t, err, errNoAddresses, "ipv6=off asks for A records only")

	_, _, err = rc.dnsLookup(ctx, "missing.test")
	assert.ErrorIs(t, err, errNameNotFound)
}

func TestResolverDirective(t *testing.T) {
	var c confSet
	require.NoError(t, Resolver("127.0.0.1", "[::1]:5353", "valid=30s", "ipv6=off").run(&c))
	rc := c.proxy.dns.resolver
	assert.Equal(t, []string{"127.0.0.1:53", "[::1]:5353"}, rc.servers)
	assert.Equal(t, 30*time.Second, rc.valid)
	assert.False(t, rc.ipv6)
	for _, bad := range [][]string{{}, {"valid=30s"}, {"127.0.0.1", "ipv6=maybe"}, {"127.0.0.1", "valid=x"},
		{"foo=bar"}, {"127.0.0.1:http"}, {"127.0.0.1:70000"}} {
		assert.Errorf(t, Resolver(bad...).run(&confSet{}), "%q", bad)
	}
	assert.Error(t, ResolverTimeout(0).run(&confSet{}))
	assert.Error(t, ResolverFunc(nil).run(&confSet{}))
	assert.Error(t, SystemResolver(nil).run(&confSet{}))
}

// Server.Resolve: the name is looked up again once its TTL is over, in
// the background; kept addresses keep their state, a failed lookup keeps
// the old addresses.
func TestServerResolve(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	f := &fakeLookup{ttl: 5 * time.Second}
	f.set("svc.test", "10.0.0.1")
	f.set("static.test", "127.0.0.1")
	pool := Upstream("svc", []Server{{Addr: "svc.test:8080", Resolve: true}, {Addr: "static.test:9"}},
		WithResolver(f.lookup), WithClock(clock))
	defer pool.Close()
	addrs := func() []string {
		st, err := pool.State()
		require.NoError(t, err)
		var out []string
		for _, p := range st {
			out = append(out, p.Addr)
		}
		return out
	}
	assert.Equal(t, []string{"10.0.0.1:8080", "127.0.0.1:9"}, addrs())
	ps, _ := pool.current()
	ps.free(&ps.primary, ps.primary.peers[0], true, clock())

	f.set("svc.test", "10.0.0.1", "10.0.0.2")
	advance(4 * time.Second)
	pool.current()
	pool.refreshWG.Wait()
	assert.Equal(t, int32(2), f.calls.Load(), "not before the TTL is over")
	advance(time.Second)
	pool.current()
	pool.refreshWG.Wait()
	assert.Equal(t, []string{"10.0.0.1:8080", "10.0.0.2:8080", "127.0.0.1:9"}, addrs())
	st, _ := pool.State()
	assert.Equal(t, 1, st[0].Fails, "a kept address keeps its failures")
	assert.Equal(t, int32(3), f.calls.Load(), "names without Resolve are not looked up again")

	f.fail(errors.New("timeout"))
	advance(5 * time.Second)
	pool.current()
	pool.refreshWG.Wait()
	assert.Equal(t, []string{"10.0.0.1:8080", "10.0.0.2:8080", "127.0.0.1:9"}, addrs(), "a failed lookup keeps the addresses")

	f.fail(nil)
	f.set("svc.test", "10.0.0.2")
	advance(retryResolve)
	pool.current()
	pool.refreshWG.Wait()
	assert.Equal(t, []string{"10.0.0.2:8080", "127.0.0.1:9"}, addrs(), "a removed address leaves the pool")
}

func TestServerResolveNeedsResolver(t *testing.T) {
	_, err := Upstream("svc", []Server{{Addr: "svc.test:80", Resolve: true}}).build()
	assert.ErrorContains(t, err, "no resolver defined")

	// A name that does not resolve yet leaves the server without peers:
	// no live upstreams until it does.
	f := &fakeLookup{ttl: time.Minute}
	pool := Upstream("svc", []Server{{Addr: "svc.test:80", Resolve: true}}, WithResolver(f.lookup))
	defer pool.Close()
	var addr string
	p := MustNew(pool, Location("/", pool), quiet, Observe(func(i RequestInfo) { addr, _ = i.Variable("upstream_addr") }))
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, http.StatusBadGateway, rec.Code)
	assert.Equal(t, "svc", addr)
}

// A literal proxy_pass host with several addresses is a pool of them,
// one for every location naming it, as nginx's implicit upstreams.
func TestImplicitPoolSeveralAddresses(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer backend.Close()
	_, port, _ := net.SplitHostPort(backend.Listener.Addr().String())
	f := &fakeLookup{}
	// Nothing listens on 127.0.0.2 at the backend's port: refused.
	f.set("multi.test", "127.0.0.2", "127.0.0.1")
	var addr string
	p := MustNew(quiet, SystemResolver(f.lookup),
		Observe(func(i RequestInfo) { addr, _ = i.Variable("upstream_addr") }),
		Location("/a/", ProxyPass("http://multi.test:"+port)),
		Location("/b/", ProxyPass("http://multi.test:"+port)))
	defer p.Close()
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, addr
	}
	code, a := get("/a/")
	assert.Equal(t, 200, code)
	assert.Equal(t, "127.0.0.2:"+port+", 127.0.0.1:"+port, a)
	code, a = get("/b/")
	assert.Equal(t, 200, code)
	assert.Equal(t, "127.0.0.1:"+port, a, "the failure counted in /a/ counts for /b/: one pool")
	assert.Equal(t, int32(1), f.calls.Load(), "resolved once, when the Proxy was built")
}

func TestProxyPassVariablesResolverFunc(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Host+" "+r.RequestURI)
	}))
	defer backend.Close()
	_, port, _ := net.SplitHostPort(backend.Listener.Addr().String())
	f := &fakeLookup{ttl: time.Minute}
	f.set("app.test", "127.0.0.1")
	p := MustNew(quiet,
		Location("/r/", ProxyPass("http://$arg_h:"+port+"/fixed"), ResolverFunc(f.lookup), ResolverTimeout(time.Second)),
		Location("/none/", ProxyPass("http://$arg_h:"+port)))
	defer p.Close()
	get := func(target string) (int, string) {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		return rec.Code, rec.Body.String()
	}
	code, body := get("/r/x?h=app.test")
	assert.Equal(t, 200, code)
	assert.Equal(t, "app.test:"+port+" /fixed", body, "the URI part is the whole URI; $proxy_host keeps the port")
	get("/r/y?h=app.test")
	assert.Equal(t, int32(1), f.calls.Load(), "the answer is cached for its TTL")
	code, _ = get("/r/?h=nothing.test")
	assert.Equal(t, http.StatusBadGateway, code)
	code, _ = get("/none/?h=app.test")
	assert.Equal(t, http.StatusBadGateway, code, "no resolver: 502, as nginx")
	assert.True(t, strings.HasPrefix(backend.URL, "http://127.0.0.1:"))
}
