package frontdesktest

// Starting: load, substitute, build one frontdesk.Proxy, and serve it on a
// loopback listener per listen address.

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/accesslog"
	"github.com/frontdesk-go/frontdesk/nginxconf"
)

// Config says which nginx.conf to run and what to substitute in its
// environment. Exactly one of File and Text is set.
type Config struct {
	// File is the nginx.conf to load: a path of the operating system, or
	// of FS when FS is set. A relative path is resolved against Prefix.
	File string
	// Text is the nginx.conf itself; its includes are read from FS (or
	// the operating system). It is named "nginx.conf" in messages, in
	// Prefix.
	Text string
	// FS, if set, is where the configuration and its includes are read
	// (see nginxconf.Options.FS). Static files are always read from the
	// operating system; Paths maps them.
	FS fs.FS
	// Prefix is nginx's -p prefix.
	Prefix string
	// Ignore lists directives frontdesk does not implement that the test
	// accepts to run without (nginxconf.Options.Ignore); the ones met are
	// in [Nginx.Config].Ignored.
	Ignore []string

	// Vars gives values to ${NAME} placeholders in the configuration and
	// its includes, as envsubst does in the Docker images. Only the names
	// listed are replaced, so nginx's own ${var} syntax is left alone.
	Vars map[string]string
	// Backends sends connections for a configured address to a test
	// address ("127.0.0.1:PORT" or "unix:/path"). A key is what the
	// configuration writes in proxy_pass or an upstream's server line:
	// "127.0.0.1:8000", "unix:/run/gunicorn.sock", "django:5000", or a host
	// name alone for every port. $upstream_addr keeps the configured
	// address.
	Backends map[string]string
	// Upstreams replaces the servers of the named upstream blocks, in
	// order, keeping each server line's parameters (weight, max_fails,
	// backup …); the number of addresses must match the block's.
	Upstreams map[string][]string
	// Paths maps a configured directory to a fixture directory of the
	// operating system: static files under root and alias, and the files
	// the loader reads (includes, certificates, htpasswd), even when FS
	// is set. The longest matching prefix wins.
	Paths map[string]string
	// Clock, if set, is the clock every upstream block's failure
	// accounting reads (max_fails, fail_timeout, keepalive_timeout):
	// the test moves it with [Clock.Advance] instead of waiting.
	Clock *Clock
}

// Nginx is a configuration being served. Its methods are safe for
// concurrent use.
type Nginx struct {
	conf     *nginxconf.Config
	logs     *accesslog.Config
	proxy    *frontdesk.Proxy
	env      *env
	listens  []*listener
	client   *http.Client
	seq      atomic.Uint64
	mu       sync.Mutex
	pending  map[string]chan *Explanation // by request id, until answered
	explains []*Explanation               // every request served, in order of completion
	serving  sync.WaitGroup               // handlers running, waited for by close
	closed   bool                         // set by close, under mu
}

// listener is one listen address of the configuration, served on loopback.
type listener struct {
	listen string   // as the configuration gives it, "0.0.0.0:80"
	local  net.Addr // what frontdesk is told the connection arrived on
	addr   string   // the real loopback address
	srv    *http.Server
}

// idHeader carries the id that ties a test's request to its explanation;
// the listener removes it before frontdesk (or any upstream) sees it.
const idHeader = "Frontdesktest-Request"

// RemoteAddrHeader, set on a test's request, is the client IP address
// frontdesk sees the request come from ($remote_addr, allow and deny,
// set_real_ip_from) instead of loopback. The listener removes it before
// frontdesk sees the request.
const RemoteAddrHeader = "Frontdesktest-Remote-Addr"

// Start loads and serves conf for the test, and stops it in t.Cleanup.
// It fails the test if the configuration does not load.
func Start(t testing.TB, conf Config) *Nginx {
	t.Helper()
	n, err := Open(conf)
	if err != nil {
		t.Fatalf("frontdesktest: %v", err)
	}
	t.Cleanup(n.Close)
	return n
}

// Open is [Start] for callers without a testing.TB (examples, TestMain,
// benchmark harnesses): the caller must call [Nginx.Close]. The error is
// the loader's, each message with its file:line.
func Open(conf Config) (*Nginx, error) {
	if (conf.File == "") == (conf.Text == "") {
		return nil, errors.New("set exactly one of Config.File and Config.Text")
	}
	e := newEnv(conf)
	o := nginxconf.Options{Prefix: conf.Prefix, FS: conf.FS, Ignore: conf.Ignore, LookupHost: e.lookupHost}
	if conf.FS == nil {
		// The loader reads through FS so that Vars and Paths apply to
		// includes; paths of the operating system must then be absolute.
		if o.Prefix != "" {
			abs, err := filepath.Abs(o.Prefix)
			if err != nil {
				return nil, err
			}
			o.Prefix = abs + "/"
		} else if conf.File != "" && !filepath.IsAbs(conf.File) {
			wd, err := os.Getwd()
			if err != nil {
				return nil, err
			}
			o.Prefix = wd + "/"
		}
	}
	o.FS = e.fsys(conf.FS)
	// The directives themselves too, for the access logs.
	l := &nginxconf.Loader{FS: o.FS, Prefix: o.Prefix}
	var ds []*nginxconf.Directive
	var err error
	if conf.File != "" {
		ds, err = l.Load(conf.File)
	} else {
		ds, err = l.LoadString(o.Prefix+"nginx.conf", e.subst(conf.Text))
	}
	cfg, err := nginxconf.Build(ds, err, o)
	if err != nil {
		return nil, err
	}
	var httpBlock *nginxconf.Directive
	for _, d := range ds {
		if d.Name == "http" {
			httpBlock = d
		}
	}
	logs, err := accesslog.Read(httpBlock, cfg)
	if err != nil {
		return nil, err
	}
	if conf.Clock != nil {
		for _, u := range Pools(cfg) {
			if err := frontdesk.WithClock(conf.Clock.Now)(u); err != nil {
				return nil, err
			}
			// The loader's check has already built the pool's state,
			// which took the real clock: rebuild it so the test's
			// clock is read (replaceUpstreams does the same for the
			// pools it replaces).
			if err := u.SetServers(u.Servers()); err != nil {
				return nil, err
			}
		}
	}
	if err := replaceUpstreams(cfg, conf.Upstreams); err != nil {
		return nil, err
	}
	n := &Nginx{conf: cfg, logs: logs, env: e, pending: map[string]chan *Explanation{}}
	opts := append([]frontdesk.Option(nil), cfg.Options()...)
	opts = append(opts,
		frontdesk.Logger(slog.New(slog.DiscardHandler)), // quiet for tests; Explanation reports outcomes
		frontdesk.Observe(n.observe),
		frontdesk.OnUpstreamAttempt(n.attempt),
		frontdesk.Trace(n.trace),
		frontdesk.UpstreamDialer(e.dial),
		frontdesk.SystemResolver(e.lookupAddrs),
	)
	if len(e.paths) > 0 {
		opts = append(opts, frontdesk.MapPath(e.mapPath))
	}
	p, err := frontdesk.New(opts...)
	if err != nil {
		return nil, err
	}
	n.proxy = p
	if err := n.listen(); err != nil {
		n.Close()
		return nil, err
	}
	tr := &http.Transport{DialContext: n.dialListener, DisableCompression: true, ResponseHeaderTimeout: 30 * time.Second,
		// https:// URLs reach the "ssl" listeners. The certificates are
		// the configuration's, usually not trusted by the test, which
		// is about the nginx layer, not about the PKI; h2 is used where
		// the listener offers it, as browsers do.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}
	n.client = &http.Client{
		Transport: tr,
		// A test asserts nginx's redirects; it does not follow them.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
	return n, nil
}

// replaceUpstreams points the named upstream blocks at test addresses.
func replaceUpstreams(cfg *nginxconf.Config, ups map[string][]string) error {
	if len(ups) == 0 {
		return nil
	}
	pools := Pools(cfg)
	for name, addrs := range ups {
		u := pools[name]
		if u == nil {
			return fmt.Errorf("upstreams: no upstream %q in the configuration", name)
		}
		servers := u.Servers()
		if len(servers) != len(addrs) {
			return fmt.Errorf("upstreams: upstream %q has %d servers; got %d addresses", name, len(servers), len(addrs))
		}
		for i := range servers {
			servers[i].Addr = addrs[i]
		}
		if err := u.SetServers(servers); err != nil {
			return fmt.Errorf("upstreams: upstream %q: %w", name, err)
		}
	}
	return nil
}

// Pools returns the upstream blocks of a loaded configuration by name,
// for their peer state ([frontdesk.UpstreamPool.State]).
func Pools(cfg *nginxconf.Config) map[string]*frontdesk.UpstreamPool {
	out := map[string]*frontdesk.UpstreamPool{}
	for _, s := range cfg.Servers {
		for _, o := range s.Options {
			if u, ok := o.(*frontdesk.UpstreamPool); ok {
				out[u.Name()] = u
			}
		}
	}
	return out
}

// listen opens a loopback listener per distinct listen address.
func (n *Nginx) listen() error {
	seen := map[string]bool{}
	for _, s := range n.conf.Servers {
		for _, l := range s.Listen {
			if seen[l.Addr] || strings.HasPrefix(l.Addr, "unix:") {
				continue
			}
			seen[l.Addr] = true
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			li := &listener{listen: l.Addr, local: localAddr(l.Addr), addr: ln.Addr().String()}
			li.srv = &http.Server{Handler: n.handler(li), ReadHeaderTimeout: 10 * time.Second, HTTP2: n.conf.HTTP2(l.Addr),
				// HTTP/2 with prior knowledge on a plain "listen ... http2".
				Protocols: n.conf.Protocols(l.Addr),
				// Connections numbered for $connection in access logs.
				ConnContext: accesslog.WithConn}
			n.listens = append(n.listens, li)
			if tc := n.conf.TLS(l.Addr); tc != nil {
				// "listen 443 ssl": the configuration's certificates,
				// SNI and ALPN (h2 with "http2").
				ln = tls.NewListener(ln, tc)
			} else {
				ln = n.conf.Listener(l.Addr, ln)
			}
			go li.srv.Serve(ln)
		}
	}
	return nil
}

// localAddr is the address frontdesk sees a connection arrive on: the
// configured one, so that virtual servers are chosen by the configured
// port and $server_port, $server_addr and redirects are what production
// sends. A wildcard address is reported as loopback, the address a
// loopback connection really arrives on.
func localAddr(listen string) net.Addr {
	host, port, _ := net.SplitHostPort(listen)
	p, _ := strconv.Atoi(port)
	ip := net.ParseIP(host)
	switch {
	case ip == nil || ip.Equal(net.IPv4zero):
		ip = net.IPv4(127, 0, 0, 1)
	case ip.Equal(net.IPv6unspecified):
		ip = net.IPv6loopback
	}
	return &net.TCPAddr{IP: ip, Port: p}
}

// handler serves one listener: it presents the configured address to
// frontdesk and ties the request to its explanation.
func (n *Nginx) handler(li *listener) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.mu.Lock()
		if n.closed {
			n.mu.Unlock()
			http.Error(w, "frontdesktest: stopped", http.StatusServiceUnavailable)
			return
		}
		n.serving.Add(1) // under mu, so never concurrent with close's Wait
		n.mu.Unlock()
		defer n.serving.Done()
		id := r.Header.Get(idHeader)
		r.Header.Del(idHeader)
		if ip := r.Header.Get(RemoteAddrHeader); ip != "" {
			_, port, _ := net.SplitHostPort(r.RemoteAddr)
			r.RemoteAddr = net.JoinHostPort(ip, port)
			r.Header.Del(RemoteAddrHeader)
		}
		ex := &Explanation{Listen: li.listen}
		ctx := context.WithValue(r.Context(), http.LocalAddrContextKey, li.local)
		ctx = context.WithValue(ctx, explainKey{}, ex)
		n.proxy.ServeHTTP(w, accesslog.WithRequest(r.WithContext(ctx)))
		n.mu.Lock()
		n.explains = append(n.explains, ex)
		ch := n.pending[id]
		delete(n.pending, id)
		n.mu.Unlock()
		if ch != nil {
			ch <- ex
		}
	})
}

// Addr returns the loopback address serving a configured listen address:
// "8080", "127.0.0.1:8080", "*:80" or "80" as written in the
// configuration, matched by port when the address differs. It panics for
// a port the configuration does not listen on.
func (n *Nginx) Addr(listen string) string {
	if li := n.find(listen); li != nil {
		return li.addr
	}
	panic(fmt.Sprintf("frontdesktest: the configuration does not listen on %q", listen))
}

// URL is "http://" + [Nginx.Addr](listen), or "https://" for a listen
// address with "ssl".
func (n *Nginx) URL(listen string) string {
	if li := n.find(listen); li != nil && n.conf.TLS(li.listen) != nil {
		return "https://" + li.addr
	}
	return "http://" + n.Addr(listen)
}

func (n *Nginx) find(listen string) *listener {
	port := listen
	if _, p, err := net.SplitHostPort(listen); err == nil {
		port = p
	}
	var byPort *listener
	for _, li := range n.listens {
		if li.listen == listen {
			return li
		}
		if _, p, _ := net.SplitHostPort(li.listen); p == port && byPort == nil {
			byPort = li
		}
	}
	return byPort
}

// Config is the loaded configuration (its Warnings and Ignored
// directives).
func (n *Nginx) Config() *nginxconf.Config { return n.conf }

// Pool returns the named upstream block, for its peer state; nil when
// there is none.
func (n *Nginx) Pool(name string) *frontdesk.UpstreamPool { return Pools(n.conf)[name] }

// Client returns a client that reaches the configuration as production
// clients reach nginx: a URL's host is kept as the Host header and its
// port (80 by default) chooses the listener, so
// client.Get("http://api.example.com/x") reaches the server block for
// api.example.com on port 80. It does not follow redirects.
func (n *Nginx) Client() *http.Client { return n.client }

func (n *Nginx) dialListener(ctx context.Context, network, addr string) (net.Conn, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var li *listener
	for _, l := range n.listens {
		if l.addr == addr {
			li = l // a listener's own address, as URL gives it
		}
	}
	if li == nil {
		li = n.find(port)
	}
	if li == nil {
		return nil, fmt.Errorf("frontdesktest: the configuration does not listen on port %s", port)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", li.addr)
}

// Do sends req through [Nginx.Client] and returns the response, its body
// read into memory, with the explanation of how it was served.
func (n *Nginx) Do(req *http.Request) (*http.Response, *Explanation, error) {
	id := strconv.FormatUint(n.seq.Add(1), 10)
	ch := make(chan *Explanation, 1)
	n.mu.Lock()
	n.pending[id] = ch
	n.mu.Unlock()
	forget := func() {
		n.mu.Lock()
		delete(n.pending, id)
		n.mu.Unlock()
	}
	req = req.Clone(req.Context())
	req.Header.Set(idHeader, id)
	res, err := n.client.Do(req)
	if err != nil {
		forget()
		return nil, nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		forget()
		return res, nil, err
	}
	// The handler finishes (and the explanation is complete) right after
	// the last byte of the body; the bound is for a handler stuck after
	// its response, which would be a bug worth a failure.
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case ex := <-ch:
		return res, ex, nil
	case <-timer.C:
		forget()
		return res, nil, errors.New("frontdesktest: the request's handler did not finish")
	}
}

// Result is a response read whole, with its explanation.
type Result struct {
	Status      int          // the response's status code
	Header      http.Header  // the response's header fields
	Body        string       // the whole body, decoded from any chunking
	Explanation *Explanation // how frontdesk served the request
}

// Get requests target (a URL, or a path for the first listen address)
// and fails the test if no response arrives.
func (n *Nginx) Get(t testing.TB, target string) *Result {
	t.Helper()
	return n.Request(t, http.MethodGet, target, nil, nil)
}

// Request sends a request with the given header and body (either may be
// nil) and fails the test if no response arrives.
func (n *Nginx) Request(t testing.TB, method, target string, header http.Header, body io.Reader) *Result {
	t.Helper()
	if strings.HasPrefix(target, "/") {
		if len(n.listens) == 0 {
			t.Fatalf("frontdesktest: the configuration has no TCP listen address for %s", target)
		}
		target = "http://" + n.listens[0].addr + target
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatalf("frontdesktest: %v", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if h := header.Get("Host"); h != "" {
		req.Host = h
	}
	res, ex, err := n.Do(req)
	if err != nil {
		t.Fatalf("frontdesktest: %s %s: %v", method, target, err)
	}
	b, _ := io.ReadAll(res.Body)
	return &Result{Status: res.StatusCode, Header: res.Header, Body: string(b), Explanation: ex}
}

// Explanations returns the explanation of every request served so far,
// including those not made through Do, in the order they finished.
func (n *Nginx) Explanations() []*Explanation {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]*Explanation(nil), n.explains...)
}

// Close stops the listeners, waits for their requests, and releases the
// proxy's pools. [Start] calls it in t.Cleanup.
func (n *Nginx) Close() {
	if n.client != nil {
		n.client.CloseIdleConnections()
	}
	for _, li := range n.listens {
		// Close, not Shutdown: a test's hanging backend must not hold the
		// cleanup; requests in flight fail like a stopped nginx's.
		li.srv.Close()
	}
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	// Closing the client connections cancels the requests' contexts;
	// closing the upstream ones ends a try even when the cancellation
	// came just before frontdesk set the try's read deadline (which
	// would then hold the request for proxy_read_timeout). Waiting
	// leaves no goroutine behind the test.
	n.env.closeConns()
	n.serving.Wait()
	if n.proxy != nil {
		n.proxy.Close()
	}
}
