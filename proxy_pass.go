package frontdesk

// proxy_pass: the request nginx's proxy module sends upstream, and the
// response it returns to the client.
//
// The upstream request line and headers are built as
// ngx_http_proxy_create_request builds them (classic profile, nginx ≤
// 1.29.6): HTTP/1.0, proxy_set_header lines first in configuration order,
// then nginx's own Host and Connection: close (and Content-Length when
// there is a body), then the client's headers except those nginx replaces.
// The URI follows proxy_pass's rules: without a URI part the client's raw
// $request_uri is passed (or the escaped $uri after an internal redirect);
// with one, the location's name is replaced by it in $uri.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/h1"
)

// ProxyPassHandler is the handler [ProxyPass] returns.
type ProxyPassHandler struct {
	raw string

	standalone
}

// ProxyPass mirrors nginx's proxy_pass: url is "http://host[:port][/uri]",
// "http://NAME[/uri]" naming an [UpstreamPool] given to [New], or
// "http://unix:/path.sock:[/uri]". A host that is neither a pool nor an
// address is resolved when the Proxy is built (see [SystemResolver]),
// every address becoming a peer of an implicit pool that every location
// naming the same host and port shares.
//
// A url with variables ("http://$host_var$request_uri", or https://
// with the proxy_ssl_* directives applied to the evaluated host) is
// evaluated for each request, as in nginx: its URI part, when it has one, is sent as it
// is (the request's arguments are not added); its host is an upstream
// name (when no port is written), the address of an implicit pool, an IP
// address, or a name resolved then with the location's [Resolver] — and
// without one the request is answered 502. proxy_redirect default does
// not apply to such a url.
func ProxyPass(url string) *ProxyPassHandler { return &ProxyPassHandler{raw: url} }

func (h *ProxyPassHandler) bind(c *compiler, l *location) http.Handler {
	return c.bindProxy(l, h)
}

// ServeHTTP proxies r; used outside a Proxy it builds one with a single
// "/" location.
func (h *ProxyPassHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.serveStandalone(h, w, r)
}

// proxyHandler is a compiled proxy_pass.
type proxyHandler struct {
	loc       *location
	pool      *UpstreamPool
	proxyHost string // $proxy_host
	proxyPort string // $proxy_port
	uriPart   string // U: the URI part of the URL, "" when none
	hasURI    bool
	url       string // the URL as written, for proxy_redirect default
	conf      *proxyConf
	tls       bool // an https URL (proxy_tls.go)

	// A URL with variables (hasVars) is evaluated per request (see
	// evaluate); the upstream and implicit pools are where its host is
	// looked up first.
	hasVars  bool
	urlTmpl  *template
	pools    map[string]*UpstreamPool
	implicit map[string]*UpstreamPool
	// Set on the per-request copy of a URL with variables: the URI part
	// is sent as it is (verbatimURI), and a host that is no pool has a
	// pool state of its own for this request (state).
	verbatimURI bool
	state       *poolState
}

func (h *proxyHandler) autoRedirects() bool { return true }

func (c *compiler) registerPool(u *UpstreamPool) {
	if c.pools == nil {
		c.pools = map[string]*UpstreamPool{}
	}
	if prev, ok := c.pools[u.name]; ok {
		if prev != u {
			c.errorf("", "upstream", "duplicate upstream %q", u.name)
		}
		return
	}
	c.pools[u.name] = u
	if c.sb.profile == Nginx130 {
		u.defaultKeepalive(32)
	}
}

func (c *compiler) bindProxy(l *location, h *ProxyPassHandler) http.Handler {
	ph := &proxyHandler{loc: l, url: h.raw, conf: l.conf.proxy}
	if strings.Contains(h.raw, "$") {
		// As in nginx, the URL is checked only once evaluated, and
		// "proxy_redirect default" has no URL to work from.
		ph.url, ph.hasVars = "", true
		if c.pools == nil {
			c.pools = map[string]*UpstreamPool{}
		}
		if c.implicit == nil {
			c.implicit = map[string]*UpstreamPool{}
		}
		ph.pools, ph.implicit = c.pools, c.implicit
		c.tmpl(l, "proxy_pass", h.raw, &ph.urlTmpl)
		c.later(func() {
			// The pools this URL may name are resolved now, as nginx
			// resolves every upstream at startup.
			for _, u := range c.pools {
				if _, err := u.buildWith(ph.conf.dns.system); err != nil {
					c.errorf(l.pattern, "proxy_pass", "%v", err)
				}
			}
		})
		return ph
	}
	rest, ok := strings.CutPrefix(h.raw, "http://")
	defPort := "80"
	if !ok {
		rest, ok = strings.CutPrefix(h.raw, "https://")
		ph.tls, defPort = ok, "443"
	}
	if !ok {
		c.errorf(l.pattern, "proxy_pass", "invalid URL prefix in %q", h.raw)
		return ph
	}
	var host string
	if path, ok := strings.CutPrefix(rest, "unix:"); ok {
		sock, tail, _ := strings.Cut(path, ":")
		host, rest = "unix:"+sock, tail
		ph.proxyHost, ph.proxyPort = "localhost", ""
	} else {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			i = len(rest)
		}
		host, rest = rest[:i], rest[i:]
	}
	if rest != "" {
		ph.uriPart, ph.hasURI = rest, true
		if l.kind == kindRegex || l.kind == kindNamed {
			c.errorf(l.pattern, "proxy_pass", "%s", uriPartRefused)
		}
	}
	c.later(func() {
		if pool := c.pools[host]; pool != nil {
			ph.pool = pool
			ph.proxyHost, ph.proxyPort = host, defPort
		} else if ph.pool == nil {
			addr := host
			if _, _, err := net.SplitHostPort(host); err != nil && ph.tls && !strings.HasPrefix(host, "unix:") {
				// An https URL's default port.
				addr = net.JoinHostPort(strings.Trim(host, "[]"), defPort)
			}
			ph.pool = c.implicitPool(addr)
			if ph.proxyHost == "" {
				ph.proxyHost = host
				if hn, port, err := net.SplitHostPort(addr); err == nil {
					ph.proxyPort = port
					if port == defPort {
						ph.proxyHost = hn
						if strings.IndexByte(hn, ':') >= 0 {
							ph.proxyHost = "[" + hn + "]"
						}
					}
				} else {
					ph.proxyPort = defPort
				}
			}
		}
		if _, err := ph.pool.buildWith(ph.conf.dns.system); err != nil {
			c.errorf(l.pattern, "proxy_pass", "%v", err)
		}
	})
	return ph
}

// uriPartRefused is nginx's message for a proxy_pass URL with a URI part
// where the location name cannot be replaced.
const uriPartRefused = "\"proxy_pass\" cannot have URI part in location given by regular expression, or inside named location, or inside \"if\" statement, or inside \"limit_except\" block"

// implicitPool is the pool of a literal proxy_pass address, one per
// address for the whole configuration, as nginx's implicit upstreams.
func (c *compiler) implicitPool(host string) *UpstreamPool {
	key := implicitKey(host)
	if u := c.implicit[key]; u != nil {
		return u
	}
	if c.implicit == nil {
		c.implicit = map[string]*UpstreamPool{}
	}
	u := Upstream(host, []Server{{Addr: host}})
	c.implicit[key] = u
	return u
}

// implicitKey names an implicit pool: lower-case host and the port, 80
// when none is written.
func implicitKey(host string) string {
	if strings.HasPrefix(host, "unix:") {
		return host
	}
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(strings.Trim(host, "[]"), "80")
	}
	return strings.ToLower(host)
}

// proxyConf holds the proxy module's directives for a location.
type proxyConf struct {
	setHeaders []proxyHeader
	// connectionClose: nginx's default "Connection: close" (the classic
	// profile; nginx 1.29.7 dropped it).
	connectionClose bool
	// ownHeaders: the canonical names proxy_set_header and nginx's own
	// defaults send, which a client's header never overrides.
	ownHeaders map[string]bool
	// replaces says which of nginx's own defaults a proxy_set_header
	// replaces (ownHeaders' "\x00"+name entries), looked up once.
	replaces           struct{ host, connection, contentLength, transferEncoding bool }
	httpVersion        string
	connectTimeout     time.Duration
	sendTimeout        time.Duration
	readTimeout        time.Duration
	resp               responseConf
	passRequestHeaders bool
	passRequestBody    bool
	nextUpstream       nextUpstream
	dns                resolverUse
	ssl                *upstreamTLS // proxy_ssl_* (proxy_tls.go)
}

type proxyHeader struct {
	name  string
	value *template
}

// nextUpstream is proxy_next_upstream: the conditions that pass a request
// to the next server, and the tries and time allowed.
type nextUpstream struct {
	error, timeout, invalidHeader, nonIdempotent bool
	statuses                                     map[int]bool // http_500 …
	tries                                        int          // 0: as many as peers
	timeout_                                     time.Duration
}

// proxyConfSet is the raw form of the proxy directives, nil when unset.
type proxyConfSet struct {
	setHeaders         []headerDef
	httpVersion        *string
	connectTimeout     *time.Duration
	sendTimeout        *time.Duration
	readTimeout        *time.Duration
	resp               responseConfSet
	passRequestHeaders *bool
	passRequestBody    *bool
	nextUpstream       *nextUpstream
	nextTries          *int
	nextTimeout        *time.Duration
	dns                resolverSet
	ssl                proxySSLSet
	// setHeadersInherited: setHeaders came from an outer level;
	// droppedHeaders: the outer names this level's own list does not
	// repeat (both for the lint).
	setHeadersInherited bool
	droppedHeaders      []string
}

type headerDef struct{ name, value string }

func (c proxyConfSet) inherit(p proxyConfSet) proxyConfSet {
	if c.setHeaders == nil {
		c.setHeaders, c.setHeadersInherited = p.setHeaders, p.setHeaders != nil
	} else {
		c.droppedHeaders = droppedHeaders(c.setHeaders, p.setHeaders)
	}
	c.resp = c.resp.inherit(p.resp)
	inheritPtr(&c.httpVersion, p.httpVersion)
	inheritPtr(&c.connectTimeout, p.connectTimeout)
	inheritPtr(&c.sendTimeout, p.sendTimeout)
	inheritPtr(&c.readTimeout, p.readTimeout)
	inheritPtr(&c.passRequestHeaders, p.passRequestHeaders)
	inheritPtr(&c.passRequestBody, p.passRequestBody)
	inheritPtr(&c.nextUpstream, p.nextUpstream)
	inheritPtr(&c.nextTries, p.nextTries)
	inheritPtr(&c.nextTimeout, p.nextTimeout)
	c.dns = c.dns.inherit(p.dns)
	c.ssl = c.ssl.inherit(p.ssl)
	return c
}

// httpVersion is the profile's proxy_http_version default.
func (p NginxProfile) httpVersion() string {
	if p == Nginx130 {
		return "1.1"
	}
	return "1.0"
}

func (c *compiler) compileProxyConf(l *location, s *proxyConfSet) *proxyConf {
	pc := &proxyConf{
		httpVersion:        valueOr(s.httpVersion, c.sb.profile.httpVersion()),
		connectionClose:    c.sb.profile == Nginx122,
		connectTimeout:     valueOr(s.connectTimeout, 60*time.Second),
		sendTimeout:        valueOr(s.sendTimeout, 60*time.Second),
		readTimeout:        valueOr(s.readTimeout, 60*time.Second),
		passRequestHeaders: valueOr(s.passRequestHeaders, true),
		passRequestBody:    valueOr(s.passRequestBody, true),
		nextUpstream:       valueOr(s.nextUpstream, nextUpstream{error: true, timeout: true}),
		resp:               c.compileResponseConf(l, &s.resp),
		dns:                s.dns.compile(),
	}
	pc.ssl = c.compileProxySSL(l, &s.ssl)
	resp := s.resp
	c.later(func() { pc.resp.redirects = c.redirectRules(l, resp) })
	pc.nextUpstream.tries = valueOr(s.nextTries, 0)
	pc.nextUpstream.timeout_ = valueOr(s.nextTimeout, 0)
	pc.setHeaders = make([]proxyHeader, len(s.setHeaders))
	for i, d := range s.setHeaders {
		pc.setHeaders[i].name = d.name
		c.tmpl(l, "proxy_set_header", d.value, &pc.setHeaders[i].value)
	}
	pc.ownHeaders = ownHeaderNames(s.setHeaders)
	r := &pc.replaces
	r.host, r.connection = pc.ownHeaders["\x00Host"], pc.ownHeaders["\x00Connection"]
	r.contentLength, r.transferEncoding = pc.ownHeaders["\x00Content-Length"], pc.ownHeaders["\x00Transfer-Encoding"]
	c.lintSetHeaders(l, s)
	return pc
}

func proxyDirective(name string, f func(*proxyConfSet) error) Directive {
	return directive(name, func(c *confSet) error { return f(&c.proxy) })
}

// UpstreamDialer replaces how connections to upstream servers are opened
// (a net.Dialer bounded by proxy_connect_timeout by default). network is
// "tcp" or "unix" and addr the server's resolved address as it appears in
// $upstream_addr. Tests use it to send a configuration's fixed addresses
// to test servers without editing the configuration.
func UpstreamDialer(fn func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return serverOption(func(s *serverBuilder) error {
		if fn == nil {
			return errors.New("UpstreamDialer: nil function")
		}
		s.dial = fn
		return nil
	})
}

// ProxySetHeader mirrors proxy_set_header: the header sent upstream, with
// variables; an empty value removes it. A level with any proxy_set_header
// inherits none from outer levels, as in nginx.
func ProxySetHeader(name, value string) Directive {
	return proxyDirective("proxy_set_header", func(c *proxyConfSet) error {
		if name == "" || strings.ContainsAny(name, " :\r\n") {
			return fmt.Errorf("invalid header name %q", name)
		}
		c.setHeaders = append(c.setHeaders, headerDef{name: name, value: value})
		return nil
	})
}

// ProxyHTTPVersion mirrors proxy_http_version: "1.0" (default) or "1.1".
func ProxyHTTPVersion(v string) Directive {
	return proxyDirective("proxy_http_version", func(c *proxyConfSet) error {
		if v != "1.0" && v != "1.1" {
			return fmt.Errorf("invalid value %q", v)
		}
		c.httpVersion = &v
		return nil
	})
}

func durationDirective(name string, d time.Duration, dst func(*proxyConfSet) **time.Duration) Directive {
	return proxyDirective(name, func(c *proxyConfSet) error {
		if d <= 0 {
			return fmt.Errorf("invalid value %v", d)
		}
		*dst(c) = &d
		return nil
	})
}

// ProxyConnectTimeout mirrors proxy_connect_timeout (default 60s).
func ProxyConnectTimeout(d time.Duration) Directive {
	return durationDirective("proxy_connect_timeout", d, func(c *proxyConfSet) **time.Duration { return &c.connectTimeout })
}

// ProxySendTimeout mirrors proxy_send_timeout (default 60s): the limit
// between two successive writes to the upstream.
func ProxySendTimeout(d time.Duration) Directive {
	return durationDirective("proxy_send_timeout", d, func(c *proxyConfSet) **time.Duration { return &c.sendTimeout })
}

// ProxyReadTimeout mirrors proxy_read_timeout (default 60s): the limit
// between two successive reads from the upstream.
func ProxyReadTimeout(d time.Duration) Directive {
	return durationDirective("proxy_read_timeout", d, func(c *proxyConfSet) **time.Duration { return &c.readTimeout })
}

// ProxyPassRequestHeaders mirrors proxy_pass_request_headers (default on).
func ProxyPassRequestHeaders(on bool) Directive {
	return proxyDirective("proxy_pass_request_headers", func(c *proxyConfSet) error { c.passRequestHeaders = &on; return nil })
}

// ProxyPassRequestBody mirrors proxy_pass_request_body (default on).
func ProxyPassRequestBody(on bool) Directive {
	return proxyDirective("proxy_pass_request_body", func(c *proxyConfSet) error { c.passRequestBody = &on; return nil })
}

// ProxyNextUpstream mirrors proxy_next_upstream (default "error",
// "timeout"): the conditions on which a request is passed to the next
// server — "error", "timeout", "invalid_header", "http_500", "http_502",
// "http_503", "http_504", "http_403", "http_404", "http_429",
// "non_idempotent" (retry POST, LOCK and PATCH too), or "off". As in
// nginx, 403 and 404 never count as a server failure, and a status
// condition on the last try passes that response to the client.
func ProxyNextUpstream(conditions ...string) Directive {
	return proxyDirective("proxy_next_upstream", func(c *proxyConfSet) error {
		nu := nextUpstream{statuses: map[int]bool{}}
		for _, cond := range conditions {
			switch cond {
			case "error":
				nu.error = true
			case "timeout":
				nu.timeout = true
			case "invalid_header":
				nu.invalidHeader = true
			case "non_idempotent":
				nu.nonIdempotent = true
			case "http_500", "http_502", "http_503", "http_504", "http_403", "http_404", "http_429":
				code, _ := strconv.Atoi(cond[5:])
				nu.statuses[code] = true
			case "off":
				if len(conditions) > 1 {
					return fmt.Errorf("invalid value %q", cond)
				}
			default:
				return fmt.Errorf("invalid value %q", cond)
			}
		}
		c.nextUpstream = &nu
		return nil
	})
}

// ProxyNextUpstreamTries mirrors proxy_next_upstream_tries (default 0:
// as many tries as there are servers).
func ProxyNextUpstreamTries(n int) Directive {
	return proxyDirective("proxy_next_upstream_tries", func(c *proxyConfSet) error {
		if n < 0 {
			return fmt.Errorf("invalid value %d", n)
		}
		c.nextTries = &n
		return nil
	})
}

// ProxyNextUpstreamTimeout mirrors proxy_next_upstream_timeout (default
// 0: unlimited), counted from the first try.
func ProxyNextUpstreamTimeout(d time.Duration) Directive {
	return proxyDirective("proxy_next_upstream_timeout", func(c *proxyConfSet) error {
		if d < 0 {
			return fmt.Errorf("invalid value %v", d)
		}
		c.nextTimeout = &d
		return nil
	})
}

// ServeHTTP proxies the request.
func (h *proxyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := stateFrom(r)
	if st == nil {
		http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
		return
	}
	h.serve(st)
}

// serve proxies the request of st.
func (h *proxyHandler) serve(st *reqState) {
	if h.urlTmpl != nil {
		var status int
		if h, status = h.evaluate(st); status != 0 {
			st.finalize(status)
			return
		}
	}
	st.proxyHost, st.proxyPort = h.proxyHost, h.proxyPort
	st.serveProxy(h)
}

func (st *reqState) serveProxy(h *proxyHandler) {
	pc := h.conf
	body, status := st.readRequestBody(pc)
	if status != 0 {
		st.finalize(status)
		return
	}
	ps := h.state
	if ps == nil {
		var err error
		if ps, err = h.pool.current(); err != nil {
			st.srv.proxy.logger.Error("upstream unavailable", "location", st.loc.pattern, "err", err)
			st.finalize(http.StatusBadGateway)
			return
		}
	}
	head, ub := st.buildUpstreamHead(h, body)
	defer func() { st.keep.head = head }()
	cursor := st.takeCursor(ps, st.balancerKey(ps.balancer))
	defer st.putCursor()
	if n := pc.nextUpstream.tries; n > 0 && n < cursor.tries {
		cursor.tries = n
	}
	// One clock read starts the first try, and is the request's time when
	// nothing read the clock before; each try's end starts the next.
	now := time.Now()
	if st.started.IsZero() {
		st.started = now
	}
	start := now
	nu := &pc.nextUpstream
	st.upstreamGroup++
	for {
		p, t := cursor.next(ps.at(now))
		if p == nil {
			// nginx: "no live upstreams"; $upstream_addr shows the group.
			if st.logging(slog.LevelError) {
				st.logRequest(slog.LevelError, "no live upstreams while "+phaseConnect, upstreamURL(h.tls, ps.name, head))
			}
			a := st.newAttempt(ps.name, now)
			a.status = http.StatusBadGateway
			st.recordAttempt(h, a, errors.New("no live upstreams"), now)
			st.finalize(http.StatusBadGateway)
			return
		}
		res := st.tryPeer(h, ps, p, head, ub, now, cursor.tries > 1 && !timedOut(nu, start, ps.at(now)))
		if res.failure == failStaleConn && ub.replayable() {
			// A cached connection the upstream had closed does not use up
			// a try, as in nginx: the same server on a fresh connection.
			res = st.tryPeer(h, ps, p, head, ub, res.end, cursor.tries > 1 && !timedOut(nu, start, ps.at(res.end)))
		}
		now = res.end
		// 403 and 404 pass to the next server without counting as a
		// failure, and neither does a try cut short because the client
		// left: nginx frees the peer as successful then.
		clientGone := st.r.Context().Err() != nil
		disabled := ps.free(t, p, !clientGone && res.failure != failNone && res.status != http.StatusForbidden && res.status != http.StatusNotFound, ps.at(now))
		cursor.tries--
		if res.failure == failNone {
			return
		}
		if clientGone {
			// The client left: nginx logs 499 and sends nothing. Marking
			// the status as sent keeps ServeHTTP from answering 200.
			st.w.status, st.w.wroteHeader = 499, true
			return
		}
		// nginx logs each failed try (ngx_http_upstream_next), but not
		// a status that passes to the next server.
		if res.failure != failStatus && st.logging(slog.LevelError) {
			st.logRequest(slog.LevelError, upstreamEvent(res.failure, res.phase, res.err), upstreamURL(h.tls, p.name, head))
		}
		if disabled && st.logging(slog.LevelWarn) {
			st.logRequest(slog.LevelWarn, "upstream server temporarily disabled while "+res.phase, upstreamURL(h.tls, p.name, head))
		}
		if cursor.tries == 0 || !nu.allows(res) || timedOut(nu, start, ps.at(now)) ||
			(res.sent && !idempotent(st.method) && !nu.nonIdempotent) || !ub.replayable() {
			st.finalize(res.finalStatus())
			return
		}
	}
}

// putCursor gives back the last cursor takeCursor handed out.
func (st *reqState) putCursor() { st.keep.cursorsInUse-- }

// takeCursor starts a walk of ps for this request, in the state's own
// storage; putCursor gives it back.
func (st *reqState) takeCursor(ps *poolState, key []byte) *attemptCursor {
	i := st.keep.cursorsInUse
	st.keep.cursorsInUse++
	if i >= len(st.keep.cursors) {
		return newCursor(ps, key)
	}
	c := &st.keep.cursors[i]
	c.reset(ps, key)
	return c
}

// balancerKey is what ip_hash and hash choose by: the client address
// bytes nginx hashes (three octets of IPv4, all of IPv6), or the expanded
// hash key.
func (st *reqState) balancerKey(b Balancer) []byte {
	switch b := b.(type) {
	case ipHash:
		// nginx keys IPv4 on three octets and anything else on all 16
		// bytes, an IPv4-mapped IPv6 address included.
		ip := st.remote().addr
		switch {
		case !ip.IsValid():
			return nil
		case ip.Is4():
			a := ip.As4()
			return a[:3]
		}
		a := ip.As16()
		return a[:]
	case *hashBalancer:
		if b.key == nil {
			return nil
		}
		return b.key.expand(st, nil)
	}
	return nil
}

func timedOut(nu *nextUpstream, start, now time.Time) bool {
	return nu.timeout_ > 0 && now.Sub(start) >= nu.timeout_
}

// attemptResult is the outcome of one try.
type attemptResult struct {
	failure failure
	status  int  // the upstream status that made a status condition fail
	sent    bool // the request reached the upstream
	err     error
	phase   string    // what the try was doing when it failed, for the log
	end     time.Time // when the try ended, by the request's clock
}

// allows reports whether the condition of a failed try is one to retry on.
func (nu *nextUpstream) allows(r attemptResult) bool {
	switch r.failure {
	case failError:
		return nu.error
	case failTimeout:
		return nu.timeout
	case failInvalidHeader:
		return nu.invalidHeader
	case failStatus:
		return nu.statuses[r.status]
	}
	return false
}

// finalStatus is what nginx answers when it gives up after this try.
func (r attemptResult) finalStatus() int {
	switch r.failure {
	case failTimeout:
		return http.StatusGatewayTimeout
	case failStatus:
		switch r.status {
		case 500, 503, 504, 403, 404, 429:
			return r.status
		}
	}
	return http.StatusBadGateway
}

func idempotent(method string) bool {
	switch method {
	case http.MethodPost, "LOCK", http.MethodPatch:
		return false
	}
	return true
}

type failure uint8

const (
	failNone failure = iota
	failError
	failTimeout
	failInvalidHeader
	failStatus    // a status listed in proxy_next_upstream, with tries left
	failStaleConn // a reused keep-alive connection turned out closed
)

// tryPeer runs one attempt against p, started at start. With
// retryStatus, a response whose status is a proxy_next_upstream condition
// is not passed to the client but reported as a failure (nginx's
// ngx_http_upstream_test_next, which applies only while tries remain).
func (st *reqState) tryPeer(h *proxyHandler, ps *poolState, p *peer, head []byte, body upstreamBody, start time.Time, retryStatus bool) attemptResult {
	pc := h.conf
	p.conns.Add(1)
	lease := upstreamLease{h: h, ps: ps, p: p, head: head}
	defer lease.release(false, time.Time{})
	t := tryState{st: st, h: h, attempt: st.newAttempt(p.name, start), phase: phaseConnect}
	ctx := st.r.Context()
	uc, reused := ps.idle.get(p, ps.at(start))
	if !reused {
		conn, err := st.dialPeer(ctx, h, p)
		if err != nil {
			if isTimeout(err) {
				return t.fail(failTimeout, http.StatusGatewayTimeout, false, err)
			}
			return t.fail(failError, http.StatusBadGateway, false, err)
		}
		if h.tls {
			t.phase = "SSL handshaking to upstream"
			if conn, err = st.upstreamHandshake(ctx, h, p, conn); err != nil {
				// nginx counts a failed handshake as an "error".
				return t.fail(failError, http.StatusBadGateway, false, err)
			}
		}
		uc = newUpstreamConn(conn, p, pc.resp.bufferSize, ps.at(start))
		t.attempt.connect = time.Since(start)
	} else {
		// A cached connection is there at once, as nginx reports it.
		t.attempt.connect = 0
	}
	// A TLS connection cannot resume a write that timed out, so it is
	// watched the slow way from the start.
	uc.begin(ctx, start, pc.sendTimeout, pc.readTimeout, h.tls)
	lease.uc = uc

	t.phase = phaseSend
	err := body.send(uc, head)
	if ce := asClientBodyError(err); ce != nil {
		// The client's body failed while it was streamed: nginx ends
		// the request with the client's error, not the upstream's.
		st.bodyDiscarded = true
		st.finalize(ce.status)
		return attemptResult{sent: true, end: time.Now()}
	}
	if err != nil {
		if reused && !isTimeout(err) && ctx.Err() == nil {
			return attemptResult{failure: failStaleConn, sent: true, err: err, end: time.Now()}
		}
		return t.ioFailure(err)
	}
	t.phase = phaseHeader
	br := uc.br
	resp := &st.keep.upstream
	err = h1.ReadResponseInto(br, pc.resp.bufferSize, resp)
	switch {
	case errors.Is(err, h1.ErrNoStatusLine):
		now := time.Now()
		t.attempt.status = http.StatusOK
		st.recordAttempt(h, t.attempt, nil, now)
		uc.end()
		_ = uc.conn.SetReadDeadline(now.Add(pc.readTimeout))
		st.sendHTTP09(resp, br)
		return attemptResult{sent: true, end: now}
	case errors.Is(err, h1.ErrInvalidHeader) || errors.Is(err, h1.ErrHeaderTooBig):
		return t.fail(failInvalidHeader, http.StatusBadGateway, true, err)
	case err != nil && reused && !isTimeout(err) && ctx.Err() == nil:
		// A cached connection the upstream closed meanwhile.
		return attemptResult{failure: failStaleConn, sent: true, err: err, end: time.Now()}
	case err != nil:
		return t.ioFailure(err)
	}
	header := time.Now()
	t.attempt.header = header.Sub(start)
	if retryStatus && pc.nextUpstream.statuses[resp.Status] && (idempotent(st.method) || pc.nextUpstream.nonIdempotent) {
		return t.fail(failStatus, resp.Status, true, fmt.Errorf("upstream answered %d", resp.Status))
	}
	t.attempt.status = resp.Status
	st.attempts = append(st.attempts, t.attempt)
	lease.cacheable = ps.idle != nil && pc.httpVersion == "1.1" && resp.Major == 1 && resp.Minor == 1 && !resp.Close
	ok, end := st.sendUpstreamResponse(h, resp, &lease, header)
	lease.release(ok, end)
	return attemptResult{sent: true, end: end}
}

// upstreamLease is a try's hold on its peer (max_conns, least_conn) and
// on its connection. It is given up once, where nginx's
// ngx_http_upstream_finalize_request frees the peer: when the upstream's
// part of the request is over. For a buffered response that is when its
// last byte has been read, before the rest of it has reached the client
// (see finishUpstream), so that a slow client does not keep the
// connection from the keep-alive cache.
type upstreamLease struct {
	h         *proxyHandler
	ps        *poolState
	p         *peer
	uc        *upstreamConn // nil until connected
	head      []byte        // the request head sent, for the log's context
	cacheable bool          // the response head allows keeping the connection
	released  bool
}

// release frees the peer and, when the response was read whole
// (complete) and nothing followed it, caches the connection idle from
// now; otherwise it closes it. Later calls do nothing.
func (l *upstreamLease) release(complete bool, now time.Time) {
	if l.released {
		return
	}
	l.released = true
	l.p.conns.Add(-1)
	uc := l.uc
	if uc == nil {
		return
	}
	if complete && l.cacheable && uc.br.Buffered() == 0 && uc.end() {
		// Ended before it is cached: another request may take it at once.
		uc.requests++
		if l.ps.idle.put(uc, l.ps.at(now)) {
			return
		}
	}
	uc.end()
	uc.conn.Close()
}

// tryState is what a failing try needs to record itself.
type tryState struct {
	st      *reqState
	h       *proxyHandler
	attempt upstreamAttempt
	phase   string
}

func (t *tryState) fail(f failure, status int, sent bool, err error) attemptResult {
	now := time.Now()
	t.attempt.status = status
	t.st.recordAttempt(t.h, t.attempt, err, now)
	return attemptResult{failure: f, status: status, sent: sent, err: err, phase: t.phase, end: now}
}

func (t *tryState) ioFailure(err error) attemptResult {
	if isTimeout(err) {
		return t.fail(failTimeout, http.StatusGatewayTimeout, true, err)
	}
	return t.fail(failError, http.StatusBadGateway, true, err)
}

// dialPeer opens a connection to p within proxy_connect_timeout.
func (st *reqState) dialPeer(ctx context.Context, h *proxyHandler, p *peer) (net.Conn, error) {
	timeout := h.conf.connectTimeout
	if dial := st.srv.proxy.dial; dial != nil {
		// The connect timeout bounds a replaced dialer too.
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return dial(ctx, p.network, p.addr)
	}
	return (&net.Dialer{Timeout: timeout}).DialContext(ctx, p.network, p.addr)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}
