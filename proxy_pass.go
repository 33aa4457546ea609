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
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/h1"
	"github.com/frontdesk-go/frontdesk/internal/uri"
)

// ProxyPassHandler is the handler [ProxyPass] returns.
type ProxyPassHandler struct {
	raw string

	standalone
}

// ProxyPass mirrors nginx's proxy_pass: url is "http://host[:port][/uri]",
// "http://NAME[/uri]" naming an [UpstreamPool] given to [New], or
// "http://unix:/path.sock:[/uri]". A host that is neither a pool nor an
// address is resolved when the Proxy is built, every address becoming a
// peer of an implicit pool.
func ProxyPass(url string) *ProxyPassHandler { return &ProxyPassHandler{raw: url} }

func (h *ProxyPassHandler) bind(c *compiler, l *location) http.Handler {
	return c.bindProxy(l, h)
}

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
}

func (h *proxyHandler) autoRedirects() bool { return true }

func (c *compiler) registerPool(u *UpstreamPool) {
	if c.pools == nil {
		c.pools = map[string]*UpstreamPool{}
	}
	if prev, ok := c.pools[u.name]; ok && prev != u {
		c.errorf("", "upstream", "duplicate upstream %q", u.name)
		return
	}
	c.pools[u.name] = u
}

func (c *compiler) bindProxy(l *location, h *ProxyPassHandler) http.Handler {
	ph := &proxyHandler{loc: l, url: h.raw, conf: l.conf.proxy}
	rest, ok := strings.CutPrefix(h.raw, "http://")
	if !ok {
		if strings.HasPrefix(h.raw, "https://") {
			c.errorf(l.pattern, "proxy_pass", "https upstreams are not implemented yet")
		} else {
			c.errorf(l.pattern, "proxy_pass", "invalid URL prefix in %q", h.raw)
		}
		return ph
	}
	if strings.Contains(h.raw, "$") {
		c.errorf(l.pattern, "proxy_pass", "variables in proxy_pass are not implemented yet")
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
			c.errorf(l.pattern, "proxy_pass", "\"proxy_pass\" cannot have URI part in location given by regular expression, or inside named location, or inside \"if\" statement, or inside \"limit_except\" block")
		}
	}
	c.later(func() {
		if pool := c.pools[host]; pool != nil {
			ph.pool = pool
			ph.proxyHost, ph.proxyPort = host, "80"
		} else if ph.pool == nil {
			ph.pool = Upstream(host, []Server{{Addr: host}})
			if ph.proxyHost == "" {
				ph.proxyHost = host
				if hn, port, err := net.SplitHostPort(host); err == nil {
					ph.proxyPort = port
					if port == "80" {
						ph.proxyHost = hn
						if strings.IndexByte(hn, ':') >= 0 {
							ph.proxyHost = "[" + hn + "]"
						}
					}
				} else {
					ph.proxyPort = "80"
				}
			}
		}
		if _, err := ph.pool.build(); err != nil {
			c.errorf(l.pattern, "proxy_pass", "%v", err)
		}
	})
	return ph
}

// proxyConf holds the proxy module's directives for a location.
type proxyConf struct {
	setHeaders         []proxyHeader
	httpVersion        string
	connectTimeout     time.Duration
	sendTimeout        time.Duration
	readTimeout        time.Duration
	hideHeaders        map[string]bool // lower-case names not passed to the client
	redirectOff        bool
	redirects          []redirectRule
	buffering          bool
	passRequestHeaders bool
	passRequestBody    bool
	clientMaxBodySize  int64
	nextUpstream       nextUpstream
}

type proxyHeader struct {
	name  string
	value *template
}

type redirectRule struct {
	from, to string
}

// nextUpstream is the set of proxy_next_upstream conditions.
type nextUpstream struct {
	error, timeout, invalidHeader, nonIdempotent bool
	statuses                                     []int
}

// proxyConfSet is the raw form of the proxy directives, nil when unset.
type proxyConfSet struct {
	setHeaders         []headerDef
	httpVersion        *string
	connectTimeout     *time.Duration
	sendTimeout        *time.Duration
	readTimeout        *time.Duration
	hideHeaders        []string
	passHeaders        []string
	redirect           []redirectRule
	redirectOff        *bool
	buffering          *bool
	passRequestHeaders *bool
	passRequestBody    *bool
	clientMaxBodySize  *int64
}

type headerDef struct{ name, value string }

func (c proxyConfSet) inherit(p proxyConfSet) proxyConfSet {
	if c.setHeaders == nil {
		c.setHeaders = p.setHeaders
	}
	if c.hideHeaders == nil {
		c.hideHeaders = p.hideHeaders
	}
	if c.passHeaders == nil {
		c.passHeaders = p.passHeaders
	}
	if c.redirect == nil && c.redirectOff == nil {
		c.redirect, c.redirectOff = p.redirect, p.redirectOff
	}
	inheritPtr(&c.httpVersion, p.httpVersion)
	inheritPtr(&c.connectTimeout, p.connectTimeout)
	inheritPtr(&c.sendTimeout, p.sendTimeout)
	inheritPtr(&c.readTimeout, p.readTimeout)
	inheritPtr(&c.buffering, p.buffering)
	inheritPtr(&c.passRequestHeaders, p.passRequestHeaders)
	inheritPtr(&c.passRequestBody, p.passRequestBody)
	inheritPtr(&c.clientMaxBodySize, p.clientMaxBodySize)
	return c
}

// hiddenByDefault are the upstream response headers nginx does not pass
// (ngx_http_proxy_hide_headers), plus the hop-by-hop ones it consumes.
var hiddenByDefault = []string{"date", "server", "x-pad", "x-accel-expires", "x-accel-redirect",
	"x-accel-limit-rate", "x-accel-buffering", "x-accel-charset"}

var hopByHop = map[string]bool{"connection": true, "keep-alive": true, "transfer-encoding": true,
	"upgrade": true, "te": true, "trailer": true, "proxy-connection": false}

func (c *compiler) compileProxyConf(l *location, s proxyConfSet) *proxyConf {
	pc := &proxyConf{
		httpVersion:        valueOr(s.httpVersion, "1.0"),
		connectTimeout:     valueOr(s.connectTimeout, 60*time.Second),
		sendTimeout:        valueOr(s.sendTimeout, 60*time.Second),
		readTimeout:        valueOr(s.readTimeout, 60*time.Second),
		buffering:          valueOr(s.buffering, true),
		passRequestHeaders: valueOr(s.passRequestHeaders, true),
		passRequestBody:    valueOr(s.passRequestBody, true),
		clientMaxBodySize:  valueOr(s.clientMaxBodySize, 1<<20),
		redirectOff:        valueOr(s.redirectOff, false),
		redirects:          s.redirect,
		nextUpstream:       nextUpstream{error: true, timeout: true},
		hideHeaders:        map[string]bool{},
	}
	for _, h := range hiddenByDefault {
		pc.hideHeaders[h] = true
	}
	for _, h := range s.passHeaders {
		delete(pc.hideHeaders, strings.ToLower(h))
	}
	for _, h := range s.hideHeaders {
		pc.hideHeaders[strings.ToLower(h)] = true
	}
	pc.setHeaders = make([]proxyHeader, len(s.setHeaders))
	for i, d := range s.setHeaders {
		pc.setHeaders[i].name = d.name
		c.tmpl(l, "proxy_set_header", d.value, &pc.setHeaders[i].value)
	}
	return pc
}

func proxyDirective(name string, f func(*proxyConfSet) error) Directive {
	return directive(name, func(c *confSet) error { return f(&c.proxy) })
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

// ProxyHideHeader mirrors proxy_hide_header: an upstream response header
// not passed to the client.
func ProxyHideHeader(name string) Directive {
	return proxyDirective("proxy_hide_header", func(c *proxyConfSet) error {
		c.hideHeaders = append(c.hideHeaders, name)
		return nil
	})
}

// ProxyPassHeader mirrors proxy_pass_header: pass a header nginx hides by
// default (Date, Server, X-Accel-*).
func ProxyPassHeader(name string) Directive {
	return proxyDirective("proxy_pass_header", func(c *proxyConfSet) error {
		c.passHeaders = append(c.passHeaders, name)
		return nil
	})
}

// ProxyRedirect mirrors "proxy_redirect from to": an upstream Location or
// Refresh starting with from has that prefix replaced by to. With no
// ProxyRedirect, nginx's "default" applies: the proxy_pass URL is replaced
// by the location's name.
func ProxyRedirect(from, to string) Directive {
	return proxyDirective("proxy_redirect", func(c *proxyConfSet) error {
		c.redirect = append(c.redirect, redirectRule{from: from, to: to})
		return nil
	})
}

// ProxyRedirectOff mirrors "proxy_redirect off".
func ProxyRedirectOff() Directive {
	return proxyDirective("proxy_redirect", func(c *proxyConfSet) error {
		off := true
		c.redirectOff = &off
		return nil
	})
}

// ProxyBuffering mirrors proxy_buffering (default on). Off, or an upstream
// "X-Accel-Buffering: no", sends every read to the client at once.
func ProxyBuffering(on bool) Directive {
	return proxyDirective("proxy_buffering", func(c *proxyConfSet) error { c.buffering = &on; return nil })
}

// ProxyPassRequestHeaders mirrors proxy_pass_request_headers (default on).
func ProxyPassRequestHeaders(on bool) Directive {
	return proxyDirective("proxy_pass_request_headers", func(c *proxyConfSet) error { c.passRequestHeaders = &on; return nil })
}

// ProxyPassRequestBody mirrors proxy_pass_request_body (default on).
func ProxyPassRequestBody(on bool) Directive {
	return proxyDirective("proxy_pass_request_body", func(c *proxyConfSet) error { c.passRequestBody = &on; return nil })
}

// ClientMaxBodySize mirrors client_max_body_size (default 1 MiB; 0 means
// no limit): larger request bodies are answered 413.
func ClientMaxBodySize(n int64) Directive {
	return proxyDirective("client_max_body_size", func(c *proxyConfSet) error {
		if n < 0 {
			return fmt.Errorf("invalid value %d", n)
		}
		c.clientMaxBodySize = &n
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
	st.proxyHost, st.proxyPort = h.proxyHost, h.proxyPort
	st.serveProxy(h)
}

// upstreamAttempt is one try of a request against one peer, for the
// $upstream_* variables.
type upstreamAttempt struct {
	addr   string
	status int
}

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (st *reqState) serveProxy(h *proxyHandler) {
	pc := h.conf
	body, status := st.readBody(pc)
	if status != 0 {
		st.finalize(status)
		return
	}
	if body != nil {
		defer bodyPool.Put(body)
	}
	ps, err := h.pool.build()
	if err != nil {
		st.srv.proxy.logger.Error("upstream unavailable", "location", st.loc.pattern, "err", err)
		st.finalize(http.StatusBadGateway)
		return
	}
	head := st.buildUpstreamHead(h, body)
	cursor := newCursor(ps)
	start := time.Now()
	var lastErr error
	lastStatus := http.StatusBadGateway
	for attempt := 0; attempt < cursor.tries; attempt++ {
		p, t := cursor.next(time.Now())
		if p == nil {
			if attempt == 0 {
				st.srv.proxy.logger.Error("no live upstreams", "location", st.loc.pattern, "upstream", ps.name)
				st.attempts = append(st.attempts, upstreamAttempt{addr: ps.name, status: http.StatusBadGateway})
			}
			break
		}
		done, failure, sent, err := st.tryPeer(h, p, head, body)
		failed := failure != 0
		ps.free(t, p, failed && failure != failInvalidHeader || failure == failInvalidHeader, time.Now())
		if done {
			return
		}
		lastErr = err
		lastStatus = http.StatusBadGateway
		if failure == failTimeout {
			lastStatus = http.StatusGatewayTimeout
		}
		if st.r.Context().Err() != nil {
			st.w.status = 499
			return
		}
		retry := (failure == failError && pc.nextUpstream.error) || (failure == failTimeout && pc.nextUpstream.timeout)
		if sent && !idempotent(st.method) && !pc.nextUpstream.nonIdempotent {
			retry = false
		}
		st.srv.proxy.logger.LogAttrs(context.Background(), slog.LevelWarn, "upstream attempt failed",
			slog.String("location", st.loc.pattern), slog.String("upstream", p.name), slog.Any("err", err))
		if !retry {
			break
		}
	}
	_ = start
	st.srv.proxy.logger.LogAttrs(context.Background(), slog.LevelError, "upstream request failed",
		slog.String("location", st.loc.pattern), slog.String("upstream", ps.name), slog.Any("err", lastErr))
	st.finalize(lastStatus)
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
)

// readBody buffers the client's request body, answering 413 past
// client_max_body_size as nginx does (from Content-Length before reading,
// or while reading a chunked body).
func (st *reqState) readBody(pc *proxyConf) (*bytes.Buffer, int) {
	r := st.r
	if r.ContentLength > 0 && pc.clientMaxBodySize > 0 && r.ContentLength > pc.clientMaxBodySize {
		return nil, http.StatusRequestEntityTooLarge
	}
	if r.Body == nil || r.Body == http.NoBody || (r.ContentLength == 0 && len(r.TransferEncoding) == 0) {
		return nil, 0
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	limit := pc.clientMaxBodySize
	var src io.Reader = r.Body
	if limit > 0 {
		src = io.LimitReader(r.Body, limit+1)
	}
	if _, err := buf.ReadFrom(src); err != nil {
		bodyPool.Put(buf)
		return nil, http.StatusBadRequest
	}
	if limit > 0 && int64(buf.Len()) > limit {
		bodyPool.Put(buf)
		return nil, http.StatusRequestEntityTooLarge
	}
	return buf, 0
}

// buildUpstreamHead renders the request line and headers nginx would send.
func (st *reqState) buildUpstreamHead(h *proxyHandler, body *bytes.Buffer) []byte {
	pc := h.conf
	fields := make([]h1.Field, 0, 8+len(st.r.Header))
	set := make(map[string]bool, len(pc.setHeaders)+8)
	for i := range pc.setHeaders {
		ph := &pc.setHeaders[i]
		set[strings.ToLower(ph.name)] = true
		if v := ph.value.string(st); v != "" {
			fields = append(fields, h1.Field{Name: ph.name, Value: v})
		}
	}
	addDefault := func(name, value string) {
		if set[strings.ToLower(name)] {
			return
		}
		set[strings.ToLower(name)] = true
		if value != "" {
			fields = append(fields, h1.Field{Name: name, Value: value})
		}
	}
	addDefault("Host", h.proxyHost)
	addDefault("Connection", "close")
	bodyLen := ""
	if body != nil && pc.passRequestBody {
		bodyLen = strconv.Itoa(body.Len())
	} else if st.r.ContentLength == 0 && st.r.Header.Get("Content-Length") != "" && pc.passRequestBody {
		bodyLen = "0"
	}
	addDefault("Content-Length", bodyLen)
	for _, n := range []string{"Transfer-Encoding", "TE", "Keep-Alive", "Expect", "Upgrade"} {
		addDefault(n, "")
	}
	if pc.passRequestHeaders {
		for _, name := range clientHeaderOrder(st.r.Header) {
			if set[strings.ToLower(name)] || strings.IndexByte(name, '_') >= 0 {
				continue
			}
			for _, v := range st.r.Header[name] {
				fields = append(fields, h1.Field{Name: name, Value: v})
			}
		}
	}
	return h1.AppendRequestHead(nil, st.method, st.upstreamURI(h), "HTTP/"+pc.httpVersion, fields)
}

// clientHeaderOrder lists the client's header names. net/http keeps them
// in a map, so the order nginx would keep (the client's) is not known
// here: names are sorted, a documented difference of the library path.
func clientHeaderOrder(h http.Header) []string {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// upstreamURI is the request-target nginx sends upstream.
func (st *reqState) upstreamURI(h *proxyHandler) string {
	if !h.hasURI {
		if !st.internal && st.target.RequestURI != "" {
			return st.target.RequestURI
		}
		return st.escapedURIWithArgs(st.uri)
	}
	locLen := len(st.loc.name)
	if st.loc != h.loc {
		locLen = len(h.loc.name)
	}
	tail := st.uri[min(locLen, len(st.uri)):]
	var b strings.Builder
	b.WriteString(h.uriPart)
	if st.target.Escaped || st.internal {
		b.WriteString(uri.Escape(tail, uri.EscapeURI))
	} else {
		b.WriteString(tail)
	}
	if st.args != "" {
		b.WriteByte('?')
		b.WriteString(st.args)
	}
	return b.String()
}

func (st *reqState) escapedURIWithArgs(u string) string {
	s := uri.Escape(u, uri.EscapeURI)
	if st.args != "" {
		s += "?" + st.args
	}
	return s
}

// tryPeer runs one attempt. done reports that a response (or an abort)
// reached the client; otherwise failure says why the attempt failed and
// sent whether the request reached the upstream.
func (st *reqState) tryPeer(h *proxyHandler, p *peer, head []byte, body *bytes.Buffer) (done bool, f failure, sent bool, err error) {
	pc := h.conf
	p.conns.Add(1)
	defer p.conns.Add(-1)
	attempt := upstreamAttempt{addr: p.name}
	ctx := st.r.Context()
	d := net.Dialer{Timeout: pc.connectTimeout}
	conn, err := d.DialContext(ctx, p.network, p.addr)
	if err != nil {
		attempt.status = http.StatusBadGateway
		if isTimeout(err) {
			attempt.status = http.StatusGatewayTimeout
			st.attempts = append(st.attempts, attempt)
			return false, failTimeout, false, err
		}
		st.attempts = append(st.attempts, attempt)
		return false, failError, false, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	_ = conn.SetWriteDeadline(time.Now().Add(pc.sendTimeout))
	if _, err = conn.Write(head); err == nil && body != nil && pc.passRequestBody {
		_, err = conn.Write(body.Bytes())
	}
	if err != nil {
		return st.attemptFailed(attempt, err, false)
	}
	_ = conn.SetReadDeadline(time.Now().Add(pc.readTimeout))
	br := bufio.NewReaderSize(conn, 4096)
	resp, err := h1.ReadResponse(br, 4096)
	if errors.Is(err, h1.ErrNoStatusLine) {
		attempt.status = http.StatusOK
		st.attempts = append(st.attempts, attempt)
		st.sendHTTP09(resp, br)
		return true, failNone, true, nil
	}
	if err != nil {
		if errors.Is(err, h1.ErrInvalidHeader) || errors.Is(err, h1.ErrHeaderTooBig) {
			attempt.status = http.StatusBadGateway
			st.attempts = append(st.attempts, attempt)
			st.srv.proxy.logger.Error(err.Error(), "location", st.loc.pattern, "upstream", p.name)
			st.finalize(http.StatusBadGateway)
			return true, failInvalidHeader, true, err
		}
		return st.attemptFailed(attempt, err, true)
	}
	attempt.status = resp.Status
	st.attempts = append(st.attempts, attempt)
	st.sendUpstreamResponse(h, resp, br, conn)
	return true, failNone, true, nil
}

func (st *reqState) attemptFailed(a upstreamAttempt, err error, sent bool) (bool, failure, bool, error) {
	if isTimeout(err) {
		a.status = http.StatusGatewayTimeout
		st.attempts = append(st.attempts, a)
		return false, failTimeout, sent, err
	}
	a.status = http.StatusBadGateway
	st.attempts = append(st.attempts, a)
	return false, failError, sent, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// sendUpstreamResponse passes the upstream response to the client with
// nginx's header rules, then streams the body.
func (st *reqState) sendUpstreamResponse(h *proxyHandler, resp *h1.Response, br *bufio.Reader, conn net.Conn) {
	pc := h.conf
	out := st.w.Header()
	buffering := pc.buffering
	for _, f := range resp.Fields {
		lname := strings.ToLower(f.Name)
		if lname == "x-accel-buffering" {
			buffering = !strings.EqualFold(f.Value, "no") && (buffering || strings.EqualFold(f.Value, "yes"))
		}
		if pc.hideHeaders[lname] || hopByHop[lname] || lname == "content-length" {
			continue
		}
		value := f.Value
		if lname == "location" || lname == "refresh" {
			value = st.rewriteRedirect(h, value, lname == "refresh")
		}
		out[f.Name] = append(out[f.Name], value)
	}
	// The one Content-Length nginx honoured (the last valid one, none when
	// chunked) is the one the client gets.
	if resp.ContentLength >= 0 {
		out["Content-Length"] = []string{strconv.FormatInt(resp.ContentLength, 10)}
	}
	if _, ok := out["Content-Type"]; !ok {
		// net/http would sniff a type nginx never sends.
		out["Content-Type"] = nil
	}
	st.w.WriteHeader(resp.Status)
	if !h1.BodyAllowed(st.method, resp.Status) {
		return
	}
	// Without a length nginx streams (chunked, or until close for HTTP/1.0
	// clients); flushing once body bytes are out keeps net/http from
	// computing a Content-Length nginx would not send. Like nginx's
	// postpone_output, nothing is flushed before the first body bytes, so
	// a body that fails at once leaves the client with no response.
	unknownLength := resp.ContentLength < 0
	body := resp.Body(br, st.method)
	buf := make([]byte, 32<<10)
	wrote := false
	for {
		_ = conn.SetReadDeadline(time.Now().Add(pc.readTimeout))
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := st.w.Write(buf[:n]); werr != nil {
				panic(http.ErrAbortHandler)
			}
			if !buffering || (unknownLength && !wrote) {
				st.w.Flush()
			}
			wrote = true
		}
		if err == io.EOF {
			if unknownLength && !wrote {
				st.w.Flush()
			}
			return
		}
		if err != nil {
			if errors.Is(err, h1.ErrInvalidChunk) {
				st.srv.proxy.logger.Error("upstream sent invalid chunked response", "location", st.loc.pattern)
				panic(http.ErrAbortHandler)
			}
			st.srv.proxy.logger.Error("upstream prematurely closed connection while reading upstream", "location", st.loc.pattern, "err", err)
			// Send what was received, then cut the connection as nginx
			// does: the client sees a short body, not a complete one.
			st.w.Flush()
			panic(http.ErrAbortHandler)
		}
	}
}

// rewriteRedirect applies proxy_redirect to a Location or Refresh value.
func (st *reqState) rewriteRedirect(h *proxyHandler, v string, refresh bool) string {
	pc := h.conf
	if pc.redirectOff {
		return v
	}
	prefix, target := "", v
	if refresh {
		i := strings.Index(strings.ToLower(v), "url=")
		if i < 0 {
			return v
		}
		prefix, target = v[:i+4], v[i+4:]
	}
	rules := pc.redirects
	if rules == nil {
		from := h.url
		if !h.hasURI {
			from += "/"
		}
		to := h.loc.name
		if !h.hasURI {
			to = "/"
		}
		rules = []redirectRule{{from: from, to: to}}
	}
	for _, r := range rules {
		if rest, ok := strings.CutPrefix(target, r.from); ok {
			return st.absoluteLocation(prefix + r.to + rest)
		}
	}
	return v
}

// registerProxyVariables adds the proxy module's variables ($proxy_host,
// $proxy_port, $proxy_add_x_forwarded_for) and the upstream ones.
func registerProxyVariables(variables map[string]varGetter) {
	variables["proxy_host"] = func(st *reqState, _ string, d []byte) []byte { return append(d, st.proxyHost...) }
	variables["proxy_port"] = func(st *reqState, _ string, d []byte) []byte { return append(d, st.proxyPort...) }
	variables["proxy_add_x_forwarded_for"] = varProxyAddXFF
	variables["upstream_addr"] = func(st *reqState, _ string, d []byte) []byte {
		for i, a := range st.attempts {
			if i > 0 {
				d = append(d, ", "...)
			}
			d = append(d, a.addr...)
		}
		return d
	}
	variables["upstream_status"] = func(st *reqState, _ string, d []byte) []byte {
		for i, a := range st.attempts {
			if i > 0 {
				d = append(d, ", "...)
			}
			d = strconv.AppendInt(d, int64(a.status), 10)
		}
		return d
	}
}

// varProxyAddXFF is the client's X-Forwarded-For with $remote_addr
// appended, as nginx builds it: every header line joined with ", ".
func varProxyAddXFF(st *reqState, _ string, d []byte) []byte {
	for _, v := range st.r.Header.Values("X-Forwarded-For") {
		d = append(d, v...)
		d = append(d, ", "...)
	}
	host, _ := splitAddr(st.r.RemoteAddr)
	return append(d, host...)
}

// sendHTTP09 passes an upstream response without a status line to the
// client as nginx does: the raw bytes, on a connection closed after them,
// nothing at all for HEAD.
func (st *reqState) sendHTTP09(resp *h1.Response, br *bufio.Reader) {
	st.w.status = http.StatusOK
	st.w.wroteHeader = true
	conn, bufw, err := http.NewResponseController(st.w.ResponseWriter).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	if st.method == http.MethodHead {
		return
	}
	_, _ = bufw.Write(resp.Consumed())
	_, _ = io.Copy(bufw, br)
	_ = bufw.Flush()
}
