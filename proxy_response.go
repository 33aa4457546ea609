package frontdesk

// The response side of proxy_pass: what nginx 1.22 passes back to the
// client from the upstream's response (ngx_http_upstream_process_header,
// ngx_http_upstream_process_headers, ngx_http_upstream_send_response and
// the proxy module's header rules).
//
// Once the upstream head is read, in nginx's order:
//
//  1. A 101 to a request that asked for an upgrade becomes a tunnel
//     (proxy_upgrade.go).
//  2. With proxy_intercept_errors on, a status of 300 or more that has an
//     error_page ends the upstream part and becomes that error.
//  3. X-Accel-Redirect (unless ignored) turns the response into an
//     internal redirect to a URI or a named location, keeping only
//     Content-Type, Set-Cookie, Content-Disposition, Cache-Control,
//     Expires and Accept-Ranges.
//  4. Otherwise the headers are copied: hidden ones dropped (Date, Server,
//     X-Pad, X-Accel-* unless proxy_pass_header), framing ones consumed,
//     Location and Refresh rewritten by proxy_redirect, Set-Cookie by
//     proxy_cookie_*; then the body is streamed, buffered or not.
//
// Buffered (proxy_buffering on, the default) the body is held until 32
// KiB are in (nginx's 8 × 4k proxy_buffers) or the upstream is done, so
// a slow upstream's first bytes are not seen early; unbuffered, the head
// goes out at once and every read is sent and flushed as it arrives.
// When the upstream fails mid-body the client connection is cut, after
// what nginx would still send (see sendBody).

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/h1"
	"github.com/frontdesk-go/frontdesk/internal/h1server"
	"github.com/frontdesk-go/frontdesk/internal/uri"
)

// hiddenByDefault are the upstream response headers nginx does not pass
// (ngx_http_proxy_hide_headers).
var hiddenByDefault = []string{"date", "server", "x-pad", "x-accel-expires", "x-accel-redirect",
	"x-accel-limit-rate", "x-accel-buffering", "x-accel-charset"}

// ignoreMask is proxy_ignore_headers: header fields whose processing is
// disabled (they are still hidden or passed as proxy_hide_header says).
type ignoreMask uint16

const (
	ignoreXARedirect ignoreMask = 1 << iota
	ignoreXAExpires
	ignoreXALimitRate
	ignoreXABuffering
	ignoreXACharset
	ignoreExpires
	ignoreCacheControl
	ignoreSetCookie
	ignoreVary
)

var ignoreNames = map[string]ignoreMask{
	"x-accel-redirect": ignoreXARedirect, "x-accel-expires": ignoreXAExpires,
	"x-accel-limit-rate": ignoreXALimitRate, "x-accel-buffering": ignoreXABuffering,
	"x-accel-charset": ignoreXACharset, "expires": ignoreExpires,
	"cache-control": ignoreCacheControl, "set-cookie": ignoreSetCookie, "vary": ignoreVary,
}

// responseConfSet is the raw form of the response-side proxy directives;
// nil (or false) means "not set at this level". An empty, non-nil
// cookie rule list is "off".
type responseConfSet struct {
	hideHeaders     []string
	passHeaders     []string
	ignoreHeaders   *ignoreMask
	redirects       []rewriteDef
	redirectOff     bool
	redirectOwner   *location // the level that declared redirects or off
	cookieDomains   []rewriteDef
	cookiePaths     []rewriteDef
	cookieFlags     []cookieFlagsDef
	buffering       *bool
	interceptErrors *bool
	limitRate       *int64
	bufferSize      *int
}

func (c responseConfSet) inherit(p responseConfSet) responseConfSet {
	if c.hideHeaders == nil {
		c.hideHeaders = p.hideHeaders
	}
	if c.passHeaders == nil {
		c.passHeaders = p.passHeaders
	}
	if c.redirects == nil && !c.redirectOff {
		c.redirects, c.redirectOff, c.redirectOwner = p.redirects, p.redirectOff, p.redirectOwner
	}
	if c.cookieDomains == nil {
		c.cookieDomains = p.cookieDomains
	}
	if c.cookiePaths == nil {
		c.cookiePaths = p.cookiePaths
	}
	if c.cookieFlags == nil {
		c.cookieFlags = p.cookieFlags
	}
	inheritPtr(&c.ignoreHeaders, p.ignoreHeaders)
	inheritPtr(&c.buffering, p.buffering)
	inheritPtr(&c.interceptErrors, p.interceptErrors)
	inheritPtr(&c.limitRate, p.limitRate)
	inheritPtr(&c.bufferSize, p.bufferSize)
	return c
}

// responseConf is the compiled form of responseConfSet.
type responseConf struct {
	hide            []string // lower-case names not passed to the client
	ignore          ignoreMask
	redirects       []*rewriteRule // nil: no rewriting
	cookieDomains   []*rewriteRule
	cookiePaths     []*rewriteRule
	cookieFlags     []*cookieFlagsRule
	buffering       bool
	interceptErrors bool
	limitRate       int64 // proxy_limit_rate, bytes per second; 0: none
	bufferSize      int   // proxy_buffer_size: the largest response head
}

// compileResponseConf compiles s for location l. s is the merged set of
// l, which its nested locations inherit: a level that declares
// proxy_redirect is recorded as the owner of the rules.
func (c *compiler) compileResponseConf(l *location, s *responseConfSet) responseConf {
	if (s.redirects != nil || s.redirectOff) && s.redirectOwner == nil {
		s.redirectOwner = l
	}
	rc := responseConf{
		ignore:          valueOr(s.ignoreHeaders, 0),
		buffering:       valueOr(s.buffering, true),
		interceptErrors: valueOr(s.interceptErrors, false),
		limitRate:       valueOr(s.limitRate, 0),
		bufferSize:      valueOr(s.bufferSize, defaultBufferSize),
	}
	hide := map[string]bool{}
	for _, h := range hiddenByDefault {
		hide[h] = true
	}
	for _, h := range s.passHeaders {
		delete(hide, strings.ToLower(h))
	}
	for _, h := range s.hideHeaders {
		hide[strings.ToLower(h)] = true
	}
	// A short list: comparing lengths first, a scan beats hashing.
	rc.hide = slices.Sorted(maps.Keys(hide))
	// Declared rules compile now, so that their regexes' named captures
	// are known to every template; redirectRules assembles them later.
	for i := range s.redirects {
		if !s.redirects[i].isDefault {
			c.compileRewrite(l, "proxy_redirect", &s.redirects[i], false)
		}
	}
	for i := range s.cookieDomains {
		rc.cookieDomains = append(rc.cookieDomains, c.compileRewrite(l, "proxy_cookie_domain", &s.cookieDomains[i], true))
	}
	for i := range s.cookiePaths {
		rc.cookiePaths = append(rc.cookiePaths, c.compileRewrite(l, "proxy_cookie_path", &s.cookiePaths[i], false))
	}
	for i := range s.cookieFlags {
		rc.cookieFlags = append(rc.cookieFlags, c.compileCookieFlags(l, &s.cookieFlags[i]))
	}
	return rc
}

// rewritesCookies reports whether any proxy_cookie_* rule applies.
func (rc *responseConf) rewritesCookies() bool {
	return len(rc.cookieDomains)+len(rc.cookiePaths)+len(rc.cookieFlags) > 0
}

func respDirective(name string, f func(*responseConfSet) error) Directive {
	return proxyDirective(name, func(c *proxyConfSet) error { return f(&c.resp) })
}

// ProxyHideHeader mirrors proxy_hide_header: an upstream response header
// not passed to the client, besides the ones nginx hides by default
// (Date, Server, X-Pad and X-Accel-*). A level with any proxy_hide_header
// inherits none from outer levels.
func ProxyHideHeader(name string) Directive {
	return respDirective("proxy_hide_header", func(c *responseConfSet) error {
		c.hideHeaders = append(c.hideHeaders, name)
		return nil
	})
}

// ProxyPassHeader mirrors proxy_pass_header: pass a header nginx hides by
// default. A passed Date or Server replaces the one nginx would send; if
// the upstream sends none, the response has none (nginx's HD-08).
func ProxyPassHeader(name string) Directive {
	return respDirective("proxy_pass_header", func(c *responseConfSet) error {
		c.passHeaders = append(c.passHeaders, name)
		return nil
	})
}

// ProxyIgnoreHeaders mirrors proxy_ignore_headers: the upstream header
// fields whose meaning is ignored — "X-Accel-Redirect",
// "X-Accel-Expires", "X-Accel-Limit-Rate", "X-Accel-Buffering",
// "X-Accel-Charset", "Expires", "Cache-Control", "Set-Cookie", "Vary"
// (any case). Ignoring does not pass a hidden header; see
// [ProxyPassHeader]. The last four only matter to a cache, which
// frontdesk has not, as does X-Accel-Expires; X-Accel-Charset changes
// nothing without nginx's charset module, which frontdesk has not either.
func ProxyIgnoreHeaders(fields ...string) Directive {
	return respDirective("proxy_ignore_headers", func(c *responseConfSet) error {
		var m ignoreMask
		for _, f := range fields {
			bit, ok := ignoreNames[strings.ToLower(f)]
			if !ok {
				return fmt.Errorf("invalid value %q", f)
			}
			m |= bit
		}
		c.ignoreHeaders = &m
		return nil
	})
}

// ProxyInterceptErrors mirrors proxy_intercept_errors (default off): an
// upstream response with status 300 or more for which the location has an
// [ErrorPage] is replaced by that error page, as if frontdesk had
// produced the status; the upstream's headers are dropped (but a 401's
// WWW-Authenticate). The status is kept unless the error page says
// otherwise ([ErrorPageAs]).
func ProxyInterceptErrors(on bool) Directive {
	return respDirective("proxy_intercept_errors", func(c *responseConfSet) error { c.interceptErrors = &on; return nil })
}

// ProxyBuffering mirrors proxy_buffering (default on). Buffered, the body
// reaches the client in 32 KiB pieces or when the upstream is done; off,
// or with an upstream "X-Accel-Buffering: no", the head is sent at once
// and every read is flushed to the client as it arrives (server-sent
// events, long polling). "X-Accel-Buffering: yes" buffers a location that
// has it off.
func ProxyBuffering(on bool) Directive {
	return respDirective("proxy_buffering", func(c *responseConfSet) error { c.buffering = &on; return nil })
}

// ProxyLimitRate mirrors proxy_limit_rate (default 0, no limit): the
// bytes per second read from the upstream for one request, with nginx's
// arithmetic (a full second's worth at once, then paced). As in nginx
// 1.22 it applies to buffered responses only.
func ProxyLimitRate(bytesPerSecond int64) Directive {
	return respDirective("proxy_limit_rate", func(c *responseConfSet) error {
		if bytesPerSecond < 0 {
			return fmt.Errorf("invalid value %d", bytesPerSecond)
		}
		c.limitRate = &bytesPerSecond
		return nil
	})
}

// defaultBufferSize is proxy_buffer_size's default, one memory page.
const defaultBufferSize = 4096

// ProxyBufferSize mirrors proxy_buffer_size (default 4k, a memory page):
// an upstream response head larger than this is refused with 502, as
// nginx refuses it ("upstream sent too big header").
func ProxyBufferSize(n int) Directive {
	return respDirective("proxy_buffer_size", func(c *responseConfSet) error {
		if n < 16 {
			return fmt.Errorf("invalid value %d", n)
		}
		c.bufferSize = &n
		return nil
	})
}

// UpstreamAttempt describes one try of a request against one upstream
// server, as given to the [OnUpstreamAttempt] callback: the values behind
// one entry of nginx's $upstream_addr, $upstream_status,
// $upstream_connect_time, $upstream_header_time and
// $upstream_response_time.
type UpstreamAttempt struct {
	// Location is the pattern of the location that proxied.
	Location string
	// Upstream is the upstream's name: the upstream block, or the host
	// of proxy_pass.
	Upstream string
	// Addr is the server tried ("127.0.0.1:8080", "unix:/run/app.sock"),
	// or the upstream's name when no server was live.
	Addr string
	// Status is the upstream's status; without one, 502 for an error, 504
	// for a timeout, or 499 when the client left first.
	Status int
	// ConnectTime, HeaderTime and ResponseTime are measured from the start
	// of the try to the connection, to the end of the response head and
	// to the end of the response; a negative value means the try did not
	// get that far (nginx's "-").
	ConnectTime, HeaderTime, ResponseTime time.Duration
	// Err says why the try failed, or why the response was cut short;
	// nil for a complete response.
	Err error
	// Request is the client's request being proxied, valid only during
	// the call: its context tells the requests of concurrent attempts
	// apart.
	Request *http.Request
}

// OnUpstreamAttempt registers fn to be called at the end of every try of
// a proxied request against an upstream server (retries included), for
// metrics. It runs on the request's goroutine: it must be quick and safe
// for concurrent use.
func OnUpstreamAttempt(fn func(UpstreamAttempt)) Option {
	return serverOption(func(s *serverBuilder) error {
		if fn == nil {
			return errors.New("OnUpstreamAttempt: nil function")
		}
		s.onAttempt = fn
		return nil
	})
}

// upstreamAttempt is one try of a request against one peer, for the
// $upstream_* variables and OnUpstreamAttempt.
type upstreamAttempt struct {
	addr   string
	status int
	// group counts proxy_pass runs in the request: nginx separates the
	// tries of different runs (after an internal redirect) with " : ".
	group                     int
	start                     time.Time
	connect, header, response time.Duration // -1: none
}

// newAttempt starts the record of a try against addr at start.
func (st *reqState) newAttempt(addr string, start time.Time) upstreamAttempt {
	return upstreamAttempt{addr: addr, group: st.upstreamGroup, start: start, connect: -1, header: -1, response: -1}
}

// endAttempt completes a try's record at now: its response time, 499 when
// the client went away, and the OnUpstreamAttempt report.
func (st *reqState) endAttempt(h *proxyHandler, a *upstreamAttempt, err error, now time.Time) {
	if a.response < 0 {
		a.response = now.Sub(a.start)
	}
	if err != nil && st.r.Context().Err() != nil {
		a.status, err = 499, context.Cause(st.r.Context())
	}
	fn := st.srv.proxy.onAttempt
	if fn == nil {
		return
	}
	fn(UpstreamAttempt{
		Location: st.loc.pattern, Upstream: h.pool.name, Addr: a.addr, Status: a.status,
		ConnectTime: a.connect, HeaderTime: a.header, ResponseTime: a.response, Err: err,
		Request: st.r,
	})
}

// recordAttempt ends a try that did not reach the client.
func (st *reqState) recordAttempt(h *proxyHandler, a upstreamAttempt, err error, now time.Time) {
	st.endAttempt(h, &a, err, now)
	st.attempts = append(st.attempts, a)
}

// registerUpstreamVariables adds the upstream module's variables.
func registerUpstreamVariables(v map[string]varGetter) {
	v["upstream_addr"] = func(st *reqState, _ string, d []byte) []byte {
		return st.appendAttempts(d, func(d []byte, a *upstreamAttempt) []byte { return append(d, a.addr...) })
	}
	v["upstream_status"] = func(st *reqState, _ string, d []byte) []byte {
		return st.appendAttempts(d, func(d []byte, a *upstreamAttempt) []byte {
			if a.status == 0 {
				return append(d, '-')
			}
			return strconv.AppendInt(d, int64(a.status), 10)
		})
	}
	v["upstream_connect_time"] = attemptTime(func(a *upstreamAttempt) time.Duration { return a.connect })
	v["upstream_header_time"] = attemptTime(func(a *upstreamAttempt) time.Duration { return a.header })
	v["upstream_response_time"] = attemptTime(func(a *upstreamAttempt) time.Duration { return a.response })
}

// attemptTime formats a duration of every try as nginx does: seconds with
// milliseconds ("0.004"), "-" when there is none.
func attemptTime(get func(*upstreamAttempt) time.Duration) varGetter {
	return func(st *reqState, _ string, d []byte) []byte {
		return st.appendAttempts(d, func(d []byte, a *upstreamAttempt) []byte {
			t := get(a)
			if t < 0 {
				return append(d, '-')
			}
			ms := t.Milliseconds()
			d = strconv.AppendInt(d, ms/1000, 10)
			return append(d, '.', byte('0'+ms%1000/100), byte('0'+ms%100/10), byte('0'+ms%10))
		})
	}
}

// appendAttempts joins one value per try: ", " within a proxy_pass run,
// " : " between runs.
func (st *reqState) appendAttempts(d []byte, f func([]byte, *upstreamAttempt) []byte) []byte {
	for i := range st.attempts {
		if i > 0 {
			if st.attempts[i].group != st.attempts[i-1].group {
				d = append(d, " : "...)
			} else {
				d = append(d, ", "...)
			}
		}
		d = f(d, &st.attempts[i])
	}
	return d
}

// varUpstreamHTTP is $upstream_http_NAME: the first upstream header of
// that name (nginx 1.22 does not join repeated ones).
func varUpstreamHTTP(st *reqState, name string, d []byte) []byte {
	if st.upstream != nil {
		if v, ok := st.upstream.Get(name); ok {
			return append(d, v...)
		}
	}
	return d
}

// varUpstreamCookie is $upstream_cookie_NAME: the value of the first
// upstream Set-Cookie for the cookie NAME (caseless), as
// ngx_http_parse_set_cookie_lines finds it.
func varUpstreamCookie(st *reqState, name string, d []byte) []byte {
	if st.upstream == nil {
		return d
	}
	for _, f := range st.upstream.Fields {
		if !strings.EqualFold(f.Name, "Set-Cookie") || len(f.Value) <= len(name) || !strings.EqualFold(f.Value[:len(name)], name) {
			continue
		}
		rest := strings.TrimLeft(f.Value[len(name):], " ")
		rest, ok := strings.CutPrefix(rest, "=")
		if !ok {
			continue
		}
		rest, _, _ = strings.Cut(strings.TrimLeft(rest, " "), ";")
		return append(d, strings.TrimRight(rest, " ")...)
	}
	return d
}

// sendUpstreamResponse passes the response whose head is resp, read by
// header, to the client, as nginx does from
// ngx_http_upstream_process_header on. The last entry of st.attempts is
// this try. It reports whether the upstream connection was read to the
// end of the response and may be reused, and when the try ended.
func (st *reqState) sendUpstreamResponse(h *proxyHandler, resp *h1.Response, lease *upstreamLease, header time.Time) (reusable bool, end time.Time) {
	rc := &h.conf.resp
	a := &st.attempts[len(st.attempts)-1]
	st.upstream = resp
	uc := lease.uc
	br := uc.br
	switch {
	case resp.Status < http.StatusOK:
		// A 101 (upgrade) or other 1xx is the final response for nginx;
		// the connection is a plain one for what follows.
		uc.end()
		_ = uc.conn.SetReadDeadline(header.Add(h.conf.readTimeout))
		err := st.sendInformational(h, resp, br, uc.conn)
		end = time.Now()
		st.endAttempt(h, a, err, end)
		if errors.Is(err, errNoHijack) {
			panic(http.ErrAbortHandler)
		}
		return false, end
	case resp.Status >= http.StatusMultipleChoices && rc.interceptErrors && st.conf().errorPageFor(resp.Status) != nil:
		if resp.Status == http.StatusUnauthorized {
			for _, f := range resp.Fields {
				if strings.EqualFold(f.Name, "WWW-Authenticate") {
					st.w.Header()[f.Name] = append(st.w.Header()[f.Name], f.Value)
					st.w.list(f.Name)
				}
			}
		}
		st.endUpstream(h, a, lease, header)
		st.finalize(resp.Status)
		return false, header
	}
	if target, ok := resp.Get("X-Accel-Redirect"); ok && rc.ignore&ignoreXARedirect == 0 {
		st.copyRedirectHeaders(rc, resp)
		st.endUpstream(h, a, lease, header)
		st.accelRedirect(target)
		return false, header
	}
	st.w.upstreamStatus = true
	// nginx passes the upstream's status line as it came; only the
	// binary's server loop can send one (net/http writes its own).
	h1server.SetStatusLine(st.w.ResponseWriter, resp.Status, resp.StatusLine)
	out := st.w.Header()
	bodyAllowed := h1.BodyAllowed(st.method, resp.Status)
	st.copyResponseHeaders(rc, resp, out, bodyAllowed)
	buffering, clientRate := accelControls(rc, resp)
	st.w.WriteHeader(resp.Status)
	if !buffering && (br.Buffered() == 0 || !bodyAllowed) {
		// Unbuffered, nginx sends the head at once when no body came
		// with it; otherwise with the first part of the body.
		st.w.Flush()
	}
	var err error
	if bodyAllowed {
		b := respBody{r: resp.Body(br, st.method), lease: lease, chunked: resp.Chunked}
		if buffering {
			b.rate = rc.limitRate
		}
		err = st.sendBody(b, buffering, clientRate)
	}
	end = time.Now()
	if !lease.released {
		st.endAttempt(h, a, err, end)
	}
	if err != nil {
		// The response is cut short: close the client connection.
		panic(http.ErrAbortHandler)
	}
	return true, end
}

// endUpstream closes the upstream part before the request goes on
// elsewhere (error page, internal redirect), as
// ngx_http_upstream_finalize_request does: the peer is free again for
// wherever the request goes next.
func (st *reqState) endUpstream(h *proxyHandler, a *upstreamAttempt, lease *upstreamLease, now time.Time) {
	st.endAttempt(h, a, nil, now)
	lease.release(false, now)
}

// accelControls reads what the X-Accel headers decide, unless ignored:
// whether the body is buffered (X-Accel-Buffering: yes or no, the last
// one wins) and the client rate limit (X-Accel-Limit-Rate, bytes per
// second, 0 for none).
func accelControls(rc *responseConf, resp *h1.Response) (buffering bool, limitRate int64) {
	buffering = rc.buffering
	for _, f := range resp.Fields {
		switch {
		case strings.EqualFold(f.Name, "X-Accel-Buffering") && rc.ignore&ignoreXABuffering == 0:
			if strings.EqualFold(f.Value, "yes") {
				buffering = true
			} else if strings.EqualFold(f.Value, "no") {
				buffering = false
			}
		case strings.EqualFold(f.Name, "X-Accel-Limit-Rate") && rc.ignore&ignoreXALimitRate == 0:
			// ngx_atoi: digits only; anything else is ignored.
			if n, err := strconv.ParseInt(f.Value, 10, 64); err == nil && n >= 0 && f.Value[0] != '+' {
				limitRate = n
			}
		}
	}
	return buffering, limitRate
}

// responseFields is the upstream header as nginx passes it
// (ngx_http_upstream_process_headers): hidden and framing fields dropped,
// Location and Refresh rewritten by proxy_redirect, Set-Cookie by
// proxy_cookie_*. own is the index of the Location nginx rewrote and so
// made its own (made absolute when sent), -1 when none.
func (st *reqState) responseFields(rc *responseConf, resp *h1.Response) (fields []h1.Field, own int) {
	own = -1
	fields = make([]h1.Field, 0, len(resp.Fields))
	for _, f := range resp.Fields {
		var pass bool
		if f, pass = st.passField(rc, f); !pass {
			continue
		}
		if f.Name == "" {
			own = len(fields)
			f.Name = "Location"
		}
		fields = append(fields, f)
	}
	return fields, own
}

// passField is one upstream header field as nginx passes it, and whether
// it does. A Location that proxy_redirect rewrote comes back with an
// empty name, for the caller to mark it as nginx's own.
func (st *reqState) passField(rc *responseConf, f h1.Field) (h1.Field, bool) {
	if rc.hidden(f.Name) {
		return f, false
	}
	switch {
	case h1.EqualFold(f.Name, "Content-Length"), h1.EqualFold(f.Name, "Transfer-Encoding"),
		h1.EqualFold(f.Name, "Connection"), h1.EqualFold(f.Name, "Keep-Alive"):
		// Framing: consumed here, regenerated for the client.
		return f, false
	case h1.EqualFold(f.Name, "Location"):
		v, rewritten := applyRules(st, rc.redirects, f.Value)
		if rewritten {
			f.Name = ""
		}
		f.Value = v
	case h1.EqualFold(f.Name, "Refresh"):
		f.Value = st.rewriteRefresh(rc.redirects, f.Value)
	case h1.EqualFold(f.Name, "Set-Cookie"):
		if rc.rewritesCookies() {
			f.Value = st.rewriteCookie(rc, f.Value)
		}
	}
	return f, true
}

// hidden reports whether the field name is one nginx does not pass.
func (rc *responseConf) hidden(name string) bool {
	for _, h := range rc.hide {
		if h1.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// copyResponseHeaders sets out to the upstream header as nginx passes it,
// with the framing for the client. The values share one allocation.
func (st *reqState) copyResponseHeaders(rc *responseConf, resp *h1.Response, out http.Header, bodyAllowed bool) {
	// One slot per field, for the framing line, and for Date and Server.
	vals := make([]string, 0, len(resp.Fields)+3)
	add := func(name, v string) {
		if old, ok := out[name]; ok && len(old) > 0 {
			out[name] = append(old, v)
			return
		}
		vals = append(vals, v)
		out[name] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	for _, f := range resp.Fields {
		f, pass := st.passField(rc, f)
		if !pass {
			continue
		}
		// The fields net/http and the header filter look at go under
		// their canonical names; the others keep the upstream's spelling.
		name := f.Name
		// The fields go out in the upstream's order, but for the ones
		// nginx's header filter writes itself.
		listed := true
		switch {
		case name == "":
			name = "Location"
			if len(out[name]) == 0 {
				st.w.absLocation = true
				// nginx's own, written with its fixed headers when
				// made absolute.
				listed = !strings.HasPrefix(f.Value, "/") || !st.conf().absoluteRedirect
			}
		case h1.EqualFold(name, "Content-Type"):
			// One Content-Type, the last one sent.
			delete(out, "Content-Type")
			name = "Content-Type"
			listed = false
		case h1.EqualFold(name, "Location"):
			name = "Location"
		case h1.EqualFold(name, "Server"):
			name = "Server"
		case h1.EqualFold(name, "Date"):
			name = "Date"
		}
		add(name, f.Value)
		if listed {
			st.w.list(name)
		}
	}
	// A Date or Server that is passed but not sent leaves the response
	// without one: nginx then adds none of its own either.
	for _, name := range [...]string{"Date", "Server"} {
		if _, ok := out[name]; !ok && !rc.hidden(name) {
			out[name] = nil
		}
	}
	switch {
	case resp.ContentLength >= 0:
		delete(out, "Content-Length")
		add("Content-Length", contentLength(resp))
	case bodyAllowed:
		// Stream without a length: chunked to HTTP/1.1 clients, until
		// close to HTTP/1.0 ones, and never the Content-Length net/http
		// would compute for a short body nginx sends without one.
		delete(out, "Transfer-Encoding")
		add("Transfer-Encoding", "chunked")
	}
	if _, ok := out["Content-Type"]; !ok {
		// net/http would sniff a type nginx never sends.
		out["Content-Type"] = nil
	}
}

// contentLength is the Content-Length nginx sends for resp: the
// upstream's own text when it is the number written plainly, as it
// usually is, so that no new string is made. The last Content-Length
// field is the one that set resp.ContentLength.
func contentLength(resp *h1.Response) string {
	for i := len(resp.Fields) - 1; i >= 0; i-- {
		if f := resp.Fields[i]; h1.EqualFold(f.Name, "Content-Length") {
			if plainNumber(f.Value) {
				return f.Value
			}
			break
		}
	}
	return strconv.FormatInt(resp.ContentLength, 10)
}

// plainNumber reports whether v is decimal digits without a leading zero
// (or "0").
func plainNumber(v string) bool {
	if v == "" || len(v) > 1 && v[0] == '0' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// copyRedirectHeaders copies what nginx keeps of a response that
// X-Accel-Redirect replaces (the headers marked "redirect" in
// ngx_http_upstream_headers_in), hidden or not.
func (st *reqState) copyRedirectHeaders(rc *responseConf, resp *h1.Response) {
	out := st.w.Header()
	for _, f := range resp.Fields {
		switch strings.ToLower(f.Name) {
		case "content-type":
			out["Content-Type"] = []string{f.Value}
		case "set-cookie":
			v := f.Value
			if rc.rewritesCookies() {
				v = st.rewriteCookie(rc, v)
			}
			out[f.Name] = append(out[f.Name], v)
			st.w.list(f.Name)
		case "content-disposition", "cache-control", "expires", "accept-ranges":
			out[f.Name] = append(out[f.Name], f.Value)
			st.w.list(f.Name)
		}
	}
}

// accelRedirect follows X-Accel-Redirect: "@name" runs a named location,
// anything else is an internal redirect to a URI (with "?args"), which
// nginx refuses with 404 when it could climb up the tree. The method
// becomes GET, HEAD stays HEAD.
func (st *reqState) accelRedirect(target string) {
	if strings.HasPrefix(target, "@") {
		st.namedRedirect(target)
		return
	}
	u, args, hasArgs, ok := parseUnsafeURI(target)
	if !ok {
		st.srv.proxy.logger.Error("unsafe URI was detected", "location", st.loc.pattern, "uri", target)
		st.finalize(http.StatusNotFound)
		return
	}
	if st.method != http.MethodHead {
		st.method = http.MethodGet
	}
	st.internalRedirect(u, args, hasArgs)
}

// parseUnsafeURI is ngx_http_parse_unsafe_uri: it splits "?args" off and
// decodes %XX, refusing an empty URI, a leading "..", a "/.." segment and
// NUL bytes, before and after decoding ("%3F" stays in the URI).
func parseUnsafeURI(s string) (u, args string, hasArgs, ok bool) {
	return parseUnsafe(s, true)
}

func parseUnsafe(s string, splitArgs bool) (u, args string, hasArgs, ok bool) {
	if s == "" || s[0] == '?' || s == ".." || strings.HasPrefix(s, "../") {
		return "", "", false, false
	}
	u = s
	quoted := false
scan:
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			quoted = true
		case c == '?' && splitArgs:
			u, args, hasArgs = s[:i], s[i+1:], true
			break scan
		case c == 0:
			return "", "", false, false
		case c == '/' && len(s)-i > 2 && s[i+1] == '.' && s[i+2] == '.' && (len(s)-i == 3 || s[i+3] == '/'):
			return "", "", false, false
		}
	}
	if !quoted {
		return u, args, hasArgs, true
	}
	dec, _, _, ok := parseUnsafe(unescapeAll(u), false)
	return dec, args, hasArgs, ok
}

func unescapeAll(s string) string {
	d, _ := uri.Unescape(s, uri.UnescapeAll)
	return d
}

// bodyChunk is the size of nginx's response buffering, 8 proxy_buffers
// of 4k, and of one unbuffered read.
const bodyChunk = 32 << 10

// copyBufPool holds the buffers response bodies are copied through.
var copyBufPool = sync.Pool{New: func() any { b := make([]byte, bodyChunk); return &b }}

// respBody is an upstream response body being read.
type respBody struct {
	r       io.Reader
	lease   *upstreamLease // its connection's buffer holds what nginx got in the same read
	chunked bool
	rate    int64 // proxy_limit_rate, bytes per second
}

// sendBody streams the upstream body to the client, clientRate
// (X-Accel-Limit-Rate) pacing the writes. A nil error means the whole
// body was passed; otherwise what nginx would still send has been
// flushed, and the caller cuts the client connection.
//
// What nginx sends of a body cut short depends on how far its event pipe
// got. After an early close or a read error it passes everything it holds
// on. After a timeout only what its input filter has seen: a chunked body
// is filtered as it arrives, one with a length or none only by full
// buffers, so a partial one is dropped. Unbuffered, nginx filters each
// read whole: a read that holds invalid chunked framing sends nothing of
// itself.
func (st *reqState) sendBody(b respBody, buffering bool, clientRate int64) error {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	buf := *bp
	var up, down rateLimit
	if b.rate > 0 {
		up = rateLimit{rate: b.rate, start: time.Now()}
	}
	if clientRate > 0 {
		down = rateLimit{rate: clientRate, start: st.now()}
	}
	held := 0 // read and not yet sent
	for {
		room := len(buf) - held
		if up.rate > 0 {
			n, wait := up.allow(time.Now(), room)
			if wait > 0 {
				if err := st.pause(wait); err != nil {
					return err
				}
				continue
			}
			room = n
		}
		// proxy_read_timeout is the upstreamConn's to keep.
		n, err := b.r.Read(buf[held : held+room])
		up.add(n)
		held += n
		full := held == len(buf)
		if err == io.EOF && buffering {
			st.finishUpstream(b.lease)
		}
		if held > 0 && err == nil && (full || (!buffering && b.lease.uc.br.Buffered() == 0)) || held > 0 && err == io.EOF {
			if werr := st.writeBody(buf[:held], &down, !buffering); werr != nil {
				return werr
			}
			held = 0
		}
		if err == nil {
			continue
		}
		if err == io.EOF {
			return nil
		}
		send := true
		switch {
		case errors.Is(err, h1.ErrInvalidChunk):
			// Nothing more: not even a head still waiting to go out.
			send = false
		case isTimeout(err):
			if !b.chunked {
				held = 0
			}
		}
		if send {
			if held > 0 {
				_ = st.writeBody(buf[:held], &down, false)
			}
			st.w.Flush()
		}
		if st.logging(slog.LevelError) {
			msg := "upstream sent invalid chunked response while " + phaseBody
			if !errors.Is(err, h1.ErrInvalidChunk) {
				msg = upstreamEvent(failError, phaseBody, err)
			}
			st.logRequest(slog.LevelError, msg, upstreamURL(b.lease.h.tls, b.lease.p.name, b.lease.head))
		}
		return err
	}
}

// finishUpstream ends a buffered response's try once its body has been
// read to the end, before what is left of it is written to the client:
// nginx finalizes the upstream part there (ngx_http_upstream_process_request
// on upstream_done), which sets $upstream_response_time, frees the peer
// and caches the connection, while its writer goes on with the client.
// Unbuffered, nginx finalizes only once the last byte is sent, where
// sendUpstreamResponse does.
func (st *reqState) finishUpstream(l *upstreamLease) {
	now := time.Now()
	st.endAttempt(l.h, &st.attempts[len(st.attempts)-1], nil, now)
	l.release(true, now)
}

// writeBody writes p to the client, paced by l, flushing when asked.
func (st *reqState) writeBody(p []byte, l *rateLimit, flush bool) error {
	for len(p) > 0 {
		n := len(p)
		if l.rate > 0 {
			var wait time.Duration
			if n, wait = l.allow(time.Now(), n); wait > 0 {
				// nginx has sent what the limit allowed before it waits.
				st.w.Flush()
				if err := st.pause(wait); err != nil {
					return err
				}
				continue
			}
		}
		if _, err := st.w.Write(p[:n]); err != nil {
			return err
		}
		l.add(n)
		p = p[n:]
	}
	if flush {
		st.w.Flush()
	}
	return nil
}

// pause waits for d, or returns the reason the client went away.
func (st *reqState) pause(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-st.r.Context().Done():
		return context.Cause(st.r.Context())
	}
}

// rateLimit is nginx's limit_rate arithmetic (ngx_http_write_filter for
// the client, ngx_event_pipe_read_upstream for proxy_limit_rate): by the
// end of the whole second s after the start second, rate × (s+1) bytes
// may have passed; past that, the next transfer waits until the excess
// has drained at rate, plus a millisecond. Time is passed in, so that
// the arithmetic is tested without a clock.
type rateLimit struct {
	rate  int64 // bytes per second; 0: no limit
	start time.Time
	sent  int64
}

// allow returns how many of n bytes may pass at now or, when none may,
// how long to wait.
func (l *rateLimit) allow(now time.Time, n int) (int, time.Duration) {
	limit := l.rate*(now.Unix()-l.start.Unix()+1) - l.sent
	if limit <= 0 {
		return 0, time.Duration(-limit*1000/l.rate+1) * time.Millisecond
	}
	if int64(n) > limit {
		n = int(limit)
	}
	return n, 0
}

func (l *rateLimit) add(n int) { l.sent += int64(n) }

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
