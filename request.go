package frontdesk

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/h1"
	"github.com/frontdesk-go/frontdesk/internal/h1server"
	"github.com/frontdesk-go/frontdesk/internal/uri"
)

// nginx allows ten internal redirects (NGX_HTTP_MAX_URI_CHANGES) before it
// answers 500 "rewrite or internal redirection cycle".
const maxURIChanges = 10

// reqState is one request's progress through the server: nginx's
// ngx_http_request_t, reduced to what frontdesk needs. It is pooled.
type reqState struct {
	srv    *server
	r      *http.Request // as received
	rr     *http.Request // r with this state in its context
	w      *respWriter
	target uri.Target

	uri       string
	args      string
	hasArgs   bool
	method    string
	loc       *location
	internal  bool // reached by an internal redirect: internal locations allowed
	uriChange int

	capSubject string
	caps       []int
	capRe      *nginxRegexp
	named      map[string]string // named captures, by lower-case name

	// headersFiltered: the static handler already ran the headers filter
	// for the response being sent (before the range filter, as in nginx).
	headersFiltered bool
	gz              gzipState

	// errStatus is r->err_status: the status of a response nginx
	// generates, kept or replaced by error_page; it overrides whatever an
	// error page's handler answers. 0 = none.
	errStatus int
	// addURIToAlias: try_files found a file in a regex location with
	// alias, and nginx then appends $uri to the alias.
	addURIToAlias bool
	errorPaged    bool // error_page already used (recursive_error_pages off)
	requestID     string
	proxyHost     string // $proxy_host of the proxy_pass serving the request
	proxyPort     string
	attempts      []upstreamAttempt
	// upstreamGroup numbers the request's proxy_pass runs; upstream is
	// the head of the last upstream response ($upstream_http_NAME).
	upstreamGroup int
	upstream      *h1.Response
	// The client address ($remote_addr): the connection's, until
	// realip replaces it (origPeer then keeps the connection's).
	peer, origPeer peerAddr
	peerSet        bool
	realipDone     bool
	// body is the client body once a proxy_pass read it; bodyDiscarded:
	// an error response discarded it (nginx then counts it as empty).
	body          *requestBody
	bodyDiscarded bool
	// uriRedirected: an internal redirect replaced the URI, so
	// proxy_pass no longer sends the client's raw one (nginx clears
	// valid_unparsed_uri).
	uriRedirected bool
	vars          map[string]string       // set variables
	mapCache      map[*mapVariable]string // map results, computed once
	uriChanged    bool                    // a rewrite changed $uri: select the location again
	// rewrittenInPlace: "rewrite … break" changed $uri inside the
	// location (nginx clears valid_location).
	rewrittenInPlace bool
	started          time.Time
	scratch          []byte
	// keep is storage reused from one request to the next.
	keep *reqStorage
}

// reqStorage is what a pooled reqState keeps between requests, so that a
// proxied request allocates none of it.
type reqStorage struct {
	head     []byte      // the upstream request head
	expand   []byte      // template.string's buffer
	upstream h1.Response // upstream response heads are read into it
	attempts []upstreamAttempt
	names    []string // client header names, sorted
	// cursors walk the pool, one per proxy_pass in progress: an error
	// page may proxy again while the first one's cursor is in use.
	cursors      [2]attemptCursor
	cursorsInUse int
}

var statePool = sync.Pool{New: func() any { return &reqState{w: &respWriter{}, keep: new(reqStorage)} }}

func newReqState(srv *server, w http.ResponseWriter, r *http.Request) *reqState {
	st := statePool.Get().(*reqState)
	rw := st.w
	*rw = respWriter{ResponseWriter: w, st: st, order: h1server.HeaderOrder(w)}
	scratch := st.scratch[:0]
	keep := st.keep
	// The request as nginx's parser keeps it: without the header lines
	// it ignores.
	r = filterClientHeaders(&srv.conf.req, r)
	*st = reqState{srv: srv, r: r, w: rw, method: r.Method, scratch: scratch, keep: keep}
	st.attempts = st.keep.attempts[:0]
	st.keep.cursorsInUse = 0
	// nginx's post-read phase: realip configured at server level.
	st.realipAt(srv.conf.realip)
	return st
}

// request is r with this state in its context, for the handlers that
// look it up (stateFrom). It is built on first use: the proxy handler,
// given the state directly, never needs it. A handler may keep the
// request and its context, so neither is pooled.
func (st *reqState) request() *http.Request {
	if st.rr == nil {
		st.rr = st.r.WithContext(context.WithValue(st.r.Context(), stateKey{}, st))
	}
	return st.rr
}

func (st *reqState) release() {
	if st.body != nil {
		st.body.release()
		st.body = nil
	}
	if cap(st.attempts) <= 64 {
		st.keep.attempts = st.attempts[:0]
	}
	st.keep.upstream.Fields = st.keep.upstream.Fields[:0]
	st.r, st.rr, st.loc, st.caps, st.named, st.upstream = nil, nil, nil, nil, nil, nil
	st.w.ResponseWriter, st.w.st = nil, nil
	if cap(st.scratch) > 64<<10 {
		st.scratch = nil
	}
	if cap(st.keep.head) > 64<<10 {
		st.keep.head = nil
	}
	statePool.Put(st)
}

type stateKey struct{}

func stateFrom(r *http.Request) *reqState {
	st, _ := r.Context().Value(stateKey{}).(*reqState)
	return st
}

// RequestInfo is what frontdesk decided about a request, for the handler
// serving it: the location, its regex captures, and nginx's $uri.
type RequestInfo struct {
	st *reqState
}

// Info returns the frontdesk request data of r, and false when r is not
// being served by a [Proxy].
func Info(r *http.Request) (RequestInfo, bool) {
	st := stateFrom(r)
	return RequestInfo{st: st}, st != nil
}

// Location is the pattern of the matched location as declared ("~ \.php$",
// "/static/"); "" when no location matched.
func (i RequestInfo) Location() string {
	if i.st.loc == nil {
		return ""
	}
	return i.st.loc.pattern
}

// URI is nginx's $uri: the decoded, normalised path, after any internal
// redirect.
func (i RequestInfo) URI() string { return i.st.uri }

// Request is the request as the client sent it (its context included),
// before any rewrite.
func (i RequestInfo) Request() *http.Request { return i.st.r }

// Status is the response status sent, 0 before it is sent.
func (i RequestInfo) Status() int { return i.st.w.status }

// Args is nginx's $args: the raw query string.
func (i RequestInfo) Args() string { return i.st.args }

// Capture returns regex capture n ($1 … $9; 0 is the whole match) of the
// last regex that matched, "" when there is none.
func (i RequestInfo) Capture(n int) string { return string(i.st.appendCapture(nil, n)) }

// NamedCapture returns the named regex capture, "" when there is none.
func (i RequestInfo) NamedCapture(name string) string {
	return string(i.st.appendNamedCapture(nil, name))
}

// Variable expands an nginx variable such as "host" or "arg_page" for
// this request; ok is false for a variable frontdesk does not know.
func (i RequestInfo) Variable(name string) (value string, ok bool) {
	p, err := lookupVariable(name, nil)
	if err != nil {
		return "", false
	}
	t := &template{parts: []tpart{p}}
	return string(t.expand(i.st, nil)), true
}

func (st *reqState) matchRegex(re *nginxRegexp, subject string) bool {
	ok, idx := re.match(subject)
	if ok {
		st.setCaptures(subject, idx, re)
	}
	return ok
}

// setCaptures records a successful match as nginx 1.22.1's
// ngx_http_regex_exec does: every match replaces $0…$9, a regex without
// groups too (it leaves them all empty), and each named group becomes a
// variable of its own that keeps its value until a regex with the same
// name matches again, whatever else matches in between.
func (st *reqState) setCaptures(subject string, idx []int, re *nginxRegexp) {
	if re.groups() == 0 {
		idx = nil
	}
	st.capSubject, st.caps, st.capRe = subject, idx, re
	for i, n := range re.names {
		if n == "" {
			continue
		}
		if st.named == nil {
			st.named = map[string]string{}
		}
		v := ""
		if 2*i+1 < len(idx) && idx[2*i] >= 0 {
			v = subject[idx[2*i]:idx[2*i+1]]
		}
		st.named[strings.ToLower(n)] = v
	}
}

func (st *reqState) appendCapture(d []byte, n int) []byte {
	if 2*n+1 >= len(st.caps) || st.caps[2*n] < 0 {
		return d
	}
	return append(d, st.capSubject[st.caps[2*n]:st.caps[2*n+1]]...)
}

func (st *reqState) appendNamedCapture(d []byte, name string) []byte {
	// Variable names are case-insensitive.
	return append(d, st.named[strings.ToLower(name)]...)
}

func (st *reqState) now() time.Time {
	if st.started.IsZero() {
		st.started = time.Now()
	}
	return st.started
}

func (st *reqState) localAddr() string {
	if a, ok := st.r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return a.String()
	}
	return ""
}

func (st *reqState) scheme() string {
	if st.r.TLS != nil {
		return "https"
	}
	return "http"
}

// host is nginx's $host: the request-line host, else the Host header
// lower-cased without its port, else the server name.
func (st *reqState) host() string {
	if st.target.Host != "" {
		return st.target.Host
	}
	if h := hostWithoutPort(st.r.Host); h != "" {
		return h
	}
	return st.srv.name
}

func hostWithoutPort(h string) string {
	if h == "" {
		return ""
	}
	if h[0] == '[' {
		if i := strings.IndexByte(h, ']'); i > 0 {
			h = h[:i+1]
		}
	} else if i := strings.IndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	for i := 0; i < len(h); i++ {
		if c := h[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(h)
		}
	}
	return h
}

// process selects the location for st.uri and runs it: nginx's
// find-config phase through the content phase.
func (st *reqState) process() {
	// nginx's server rewrite phase runs again after every internal redirect.
	st.loc = nil
	st.locationSelected()
	if st.runScript(st.srv.script, false) == scriptAnswered {
		return
	}
	st.locationPhases(nil)
}

// locationSelected tells OnLocation's callback of st's server block or
// location.
func (st *reqState) locationSelected() {
	if f := st.srv.proxy.onLocation; f != nil {
		f(st.w.ResponseWriter, RequestInfo{st: st})
	}
}

// locationPhases runs nginx's phases from location selection on: find the
// location (skipped for a named location, which is given), run its rewrite
// directives — selecting the location again when they change $uri — then
// try_files and the content handler.
func (st *reqState) locationPhases(loc *location) {
	st.uriChanged = false
	for {
		if loc == nil {
			var rc matchResult
			loc, rc = st.srv.locations.find(st, st.uri)
			if rc == matchNone {
				loc = st.srv.noMatch
			}
			st.loc = loc
			if st.srv.proxy.trace != nil {
				st.traceLocation(rc)
			}
			// nginx's find-config phase: internal, then the body size,
			// then the auto-redirect.
			if loc.internal && !st.internal {
				st.finalize(http.StatusNotFound)
				return
			}
			if st.bodyTooLarge() {
				st.finalize(http.StatusRequestEntityTooLarge)
				return
			}
			if rc == matchRedirect {
				st.redirectTo(http.StatusMovedPermanently, uri.Escape(loc.name, uri.EscapeURI), true)
				return
			}
		}
		// A limit_except block's configuration for the methods it
		// does not list (ngx_http_update_location_config).
		loc = loc.forMethod(st.method)
		st.loc = loc
		st.locationSelected()
		switch st.runScript(loc.conf.script, true) {
		case scriptAnswered:
			return
		case scriptDone, scriptLast:
			if st.uriChanged {
				// nginx's post-rewrite phase: find the location again.
				st.uriChanged = false
				if !st.countURIChange("processing", st.uri) {
					return
				}
				loc = nil
				continue
			}
		}
		break
	}
	st.realipPreaccess(st.loc)
	if !st.accessPhase() {
		return
	}
	if len(st.loc.conf.tryFiles) > 0 && !st.tryFiles() {
		return
	}
	if ph, ok := st.loc.handler.(*proxyHandler); ok {
		ph.serve(st)
		return
	}
	st.loc.handler.ServeHTTP(st.w, st.request())
}

// internalRedirect restarts location selection with a new URI and args,
// as ngx_http_internal_redirect does.
func (st *reqState) internalRedirect(newURI, args string, hasArgs bool) {
	if st.srv.proxy.trace != nil {
		st.traceRedirect(newURI, args, nil)
	}
	if !st.countURIChange("internally redirecting to", newURI) {
		return
	}
	st.uri, st.args, st.hasArgs = newURI, args, hasArgs
	st.uriRedirected = true
	// Captures of the last regex match survive the redirect, as in
	// nginx: $1 still reads the old URI until another regex matches.
	st.internal, st.addURIToAlias = true, false
	// ngx_http_handler: the new URI is the location's again
	// (valid_location).
	st.rewrittenInPlace = false
	st.process()
}

// namedRedirect runs a named location, as ngx_http_named_location does.
func (st *reqState) namedRedirect(name string) {
	l := st.srv.named[name]
	if l == nil {
		if st.logging(slog.LevelError) {
			st.logRequest(slog.LevelError, `could not find named location "`+name+`"`, "")
		}
		st.finalize(http.StatusInternalServerError)
		return
	}
	if st.srv.proxy.trace != nil {
		st.traceRedirect(name, "", l)
	}
	if !st.countURIChange("redirect to named location", name) {
		return
	}
	st.internal = true
	st.locationPhases(l)
}

// countURIChange counts a change of URI, which nginx limits; while says
// what the change was, for the log.
func (st *reqState) countURIChange(while, to string) bool {
	st.uriChange++
	if st.uriChange > maxURIChanges {
		if st.logging(slog.LevelError) {
			st.logRequest(slog.LevelError, "rewrite or internal redirection cycle while "+while+` "`+to+`"`, "")
		}
		st.finalize(http.StatusInternalServerError)
		return false
	}
	return true
}

// conf is the configuration in force: the matched location's, or the
// server's before matching.
func (st *reqState) conf() *locConf {
	if st.loc != nil {
		return st.loc.conf
	}
	return st.srv.conf
}

// aliasAfterRewrite refuses to map a URI that "rewrite … break" changed
// inside a location with alias, as ngx_http_map_uri_to_path does (the
// alias no longer corresponds to the URI): it answers 500 and reports
// true.
func (st *reqState) aliasAfterRewrite() bool {
	if !st.rewrittenInPlace || !st.conf().isAlias {
		return false
	}
	if st.logging(logAlert) {
		st.logRequest(logAlert, `"alias" cannot be used in location "`+st.loc.pattern+`" where URI was rewritten`, "")
	}
	st.finalize(http.StatusInternalServerError)
	return true
}

// mapURIToPath maps u to a file path under the location's root or alias,
// as ngx_http_map_uri_to_path does. root is the directory prefix
// (root, or alias after capture substitution).
func (st *reqState) mapURIToPath(u string) (path, root string) {
	c := st.conf()
	if c.root.static() {
		root = c.root.raw
	} else {
		buf := c.root.expand(st, st.scratch[:0])
		st.scratch = buf
		root = string(buf)
	}
	if c.isAlias {
		if c.aliasRegex {
			if st.addURIToAlias {
				return root + u, root
			}
			return root, root
		}
		return root + u[min(c.aliasLen, len(u)):], root
	}
	return root + u, root
}

func evalSymlinks(p string) (string, error) { return filepath.EvalSymlinks(p) }

func osHostname() (string, error) { return os.Hostname() }
