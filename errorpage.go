package frontdesk

// Responses frontdesk generates itself: return, error_page, redirects and
// nginx's built-in error pages (ngx_http_special_response.c).

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/frontdesk-go/frontdesk/internal/fileserve"
)

type errorPageDef struct {
	codes     []int
	overwrite int // -1: keep the error's status; 0: the target's status ("="); >0: that status
	uri       string
}

type errorPage struct {
	codes     []int
	overwrite int
	uri       *template
}

// StatusOfTarget, given to [ErrorPageAs], makes the response status that
// of the error page's target (nginx's bare "=").
const StatusOfTarget = 0

// ErrorPage mirrors nginx's error_page: responses with one of codes are
// replaced by uri (a URI served through an internal redirect, an "@named"
// location, or a URL redirected to with 302). The response keeps the
// original status.
func ErrorPage(uri string, codes ...int) Directive {
	return errorPageDirective(-1, uri, codes)
}

// ErrorPageAs is error_page with "=status": the response carries status
// instead of the original code; [StatusOfTarget] takes the status the
// target produces.
func ErrorPageAs(status int, uri string, codes ...int) Directive {
	if status < 0 {
		return directive("error_page", func(*confSet) error { return fmt.Errorf("invalid value \"=%d\"", status) })
	}
	return errorPageDirective(status, uri, codes)
}

func errorPageDirective(overwrite int, target string, codes []int) Directive {
	return directive("error_page", func(c *confSet) error {
		if len(codes) == 0 {
			return errors.New("no status codes")
		}
		if target == "" {
			return errors.New("empty uri")
		}
		for _, code := range codes {
			if code < 300 || code > 599 || code == 499 {
				return fmt.Errorf("value \"%d\" must be between 300 and 599", code)
			}
		}
		c.errorPages = append(c.errorPages, errorPageDef{codes: codes, overwrite: overwrite, uri: target})
		return nil
	})
}

func (c *locConf) errorPageFor(code int) *errorPage {
	for i := range c.errorPages {
		for _, ec := range c.errorPages[i].codes {
			if ec == code {
				return &c.errorPages[i]
			}
		}
	}
	return nil
}

// finalize ends the request with an nginx-generated status, as
// ngx_http_finalize_request and ngx_http_special_response_handler do: the
// location's error_page if one applies, nginx's built-in page otherwise.
func (st *reqState) finalize(code int) {
	switch code {
	case http.StatusRequestTimeout, 444, 499:
		// nginx closes the connection without a response for these
		// (NGX_HTTP_REQUEST_TIME_OUT, NGX_HTTP_CLOSE and
		// NGX_HTTP_CLIENT_CLOSED_REQUEST); error_page never sees them.
		panic(http.ErrAbortHandler)
	}
	if st.srv.proxy.trace != nil {
		st.srv.proxy.trace(st.r, TraceStep{Kind: TraceStatus, Location: st.tracePattern(), URI: st.uri, Args: st.args, Status: code})
	}
	// r->err_status: the status sent, whatever the content handler of an
	// error page answers, unless error_page says otherwise.
	st.errStatus = code
	c := st.conf()
	// After a redirection cycle nginx has no URI changes left and serves
	// the built-in page.
	if !st.errorPaged && len(c.errorPages) > 0 && st.uriChange <= maxURIChanges {
		// The first error in a location with error pages ends error_page
		// processing for the request, whether or not one matches, unless
		// that location has recursive_error_pages on.
		if !c.recursiveErrorPages {
			st.errorPaged = true
		}
		if ep := c.errorPageFor(code); ep != nil {
			st.sendErrorPage(ep)
			return
		}
	}
	st.sendSpecial(code)
}

// sendErrorPage is ngx_http_send_error_page.
func (st *reqState) sendErrorPage(ep *errorPage) {
	if ep.overwrite >= 0 {
		st.errStatus = ep.overwrite
	}
	target := ep.uri.string(st)
	switch {
	case strings.HasPrefix(target, "/"):
		u, args, hasArgs := target, "", false
		if i := strings.IndexByte(target, '?'); i >= 0 {
			u, args, hasArgs = target[:i], target[i+1:], true
		}
		if st.method != http.MethodHead {
			st.method = http.MethodGet
		}
		st.internalRedirect(u, args, hasArgs)
	case strings.HasPrefix(target, "@"):
		st.namedRedirect(target)
	default:
		switch ep.overwrite {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
			http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		default:
			st.errStatus = http.StatusFound
		}
		st.w.Header().Set("Location", target)
		st.sendSpecial(st.errStatus)
	}
}

// redirectTo answers code with a Location header. It is made absolute
// when the header is sent, as nginx's header filter does when
// absolute_redirect is on: add_header's $sent_http_location still sees it
// as given.
func (st *reqState) redirectTo(code int, location string, viaSpecial bool) {
	st.w.Header()["Location"] = []string{location}
	st.w.absLocation = true
	if viaSpecial {
		st.sendSpecial(code)
		return
	}
	st.finalize(code)
}

func (st *reqState) absoluteLocation(loc string) string {
	c := st.conf()
	if !strings.HasPrefix(loc, "/") || !c.absoluteRedirect {
		return loc
	}
	host := ""
	switch {
	case c.serverNameInRedirect:
		host = st.srv.name
	case st.target.Host != "":
		host = st.target.Host
	default:
		host = hostWithoutPort(st.r.Host)
	}
	local, port := splitAddr(st.localAddr())
	// nginx's header filter takes server_name as it is, even empty
	// ("server_name "";" gives "http://:port/…"); only without
	// server_name_in_redirect does a missing host fall back to the local
	// address.
	if host == "" && !c.serverNameInRedirect {
		host = local
		if strings.IndexByte(host, ':') >= 0 {
			host = "[" + host + "]"
		}
	}
	scheme := st.scheme()
	if !c.portInRedirect || (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	var b strings.Builder
	b.Grow(len(scheme) + 3 + len(host) + 1 + len(port) + len(loc))
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	if port != "" {
		b.WriteByte(':')
		b.WriteString(port)
	}
	b.WriteString(loc)
	return b.String()
}

// sendSpecial writes nginx's built-in response for code.
func (st *reqState) sendSpecial(code int) {
	c := st.conf()
	h := st.w.Header()
	switch code {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusRequestURITooLong,
		http.StatusInternalServerError, 494, 495, 496, 497:
		// nginx stops keep-alive after these.
		h.Set("Connection", "close")
	}
	page := errorPages[code]
	var body []byte
	if page != "" {
		tail := st.signature(c)
		body = make([]byte, 0, len(page)+len(tail)+len(errorPageTail)+len(msiePadding))
		body = append(body, page...)
		body = append(body, "<hr><center>"...)
		body = append(body, tail...)
		body = append(body, errorPageTail...)
		if code >= 400 && c.msiePadding && msieOrChrome(st.r.UserAgent()) {
			body = append(body, msiePadding...)
		}
		h["Content-Type"] = []string{"text/html"}
		// ngx_http_send_special_response: the page is no entity a
		// client could range over or revalidate (headers an upstream
		// left before an X-Accel-Redirect).
		delete(h, "Accept-Ranges")
		delete(h, "Last-Modified")
		delete(h, "ETag")
	} else {
		delete(h, "Content-Type")
	}
	if code != http.StatusNoContent && code != http.StatusNotModified {
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	switch code {
	case 494, 495, 496, 497:
		// nginx's own codes for TLS and header errors go out as 400.
		st.errStatus = http.StatusBadRequest
	default:
		st.errStatus = code
	}
	st.w.WriteHeader(st.errStatus)
	if st.method != http.MethodHead && len(body) > 0 {
		_, _ = st.w.Write(body)
	}
}

func (st *reqState) signature(c *locConf) string {
	if c.serverTokens {
		return st.srv.signature
	}
	return st.srv.signatureOff
}

const errorPageTail = "</center>\r\n</body>\r\n</html>\r\n"

const msiePadding = "<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n"

// msieOrChrome reproduces nginx's user-agent classification that turns on
// error page padding.
func msieOrChrome(ua string) bool {
	if strings.Contains(ua, "Opera") {
		return false
	}
	if i := strings.Index(ua, "MSIE "); i >= 0 && i+7 < len(ua) {
		return true
	}
	return !strings.Contains(ua, "Gecko/") && strings.Contains(ua, "Chrome/")
}

// errorPages are nginx 1.22.1's built-in pages, without the signature
// tail. Codes nginx has no page for answer with an empty body.
var errorPages = func() map[int]string {
	page := func(title, h1, extra string) string {
		s := "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + h1 + "</h1></center>\r\n"
		if extra != "" {
			s += "<center>" + extra + "</center>\r\n"
		}
		return s
	}
	pages := map[int]string{}
	for code, title := range map[int]string{
		301: "Moved Permanently", 302: "Found", 303: "See Other", 307: "Temporary Redirect",
		308: "Permanent Redirect", 400: "Bad Request", 401: "Authorization Required",
		402: "Payment Required", 403: "Forbidden", 404: "Not Found", 405: "Not Allowed",
		406: "Not Acceptable", 408: "Request Time-out", 409: "Conflict", 410: "Gone",
		411: "Length Required", 412: "Precondition Failed", 413: "Request Entity Too Large",
		414: "Request-URI Too Large", 415: "Unsupported Media Type",
		416: "Requested Range Not Satisfiable", 421: "Misdirected Request",
		429: "Too Many Requests", 500: "Internal Server Error", 501: "Not Implemented",
		502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out",
		505: "HTTP Version Not Supported", 507: "Insufficient Storage",
	} {
		t := strconv.Itoa(code) + " " + title
		pages[code] = page(t, t, "")
	}
	for code, extra := range map[int]string{
		494: "Request Header Or Cookie Too Large",
		495: "The SSL certificate error",
		496: "No required SSL certificate was sent",
		497: "The plain HTTP request was sent to HTTPS port",
	} {
		pages[code] = page("400 "+extra, "400 Bad Request", extra)
	}
	pages[498] = pages[404]
	return pages
}()

// Return mirrors nginx's return: code with an optional text. For 301,
// 302, 303, 307 and 308 the text is the redirect URL (made absolute as
// nginx does); for other codes below 400, or any code given a text, the
// text is the body; a code of 400 or more without text sends nginx's
// error page (and honours error_page); 444 closes the connection without
// a response. The text may use nginx variables.
//
// The value is both a handler (the content of a location, as in
// Location("/old", Return(301, "/new"))) and a directive of the rewrite
// phase, valid at server level, in a location and in [If], where it
// answers before the location's content handler runs, as in nginx.
func Return(code int, text string) *ReturnHandler {
	return &ReturnHandler{code: code, text: text}
}

// ReturnHandler is nginx's return; see [Return].
type ReturnHandler struct {
	code int
	text string
	t    *template

	standalone
}

func (h *ReturnHandler) bind(c *compiler, l *location) http.Handler {
	if h.code < 0 || h.code > 999 {
		c.errorf(l.pattern, "return", "invalid return code \"%d\"", h.code)
	}
	b := &ReturnHandler{code: h.code, text: h.text}
	c.tmpl(l, "return", h.text, &b.t)
	return b
}

func (h *ReturnHandler) applyServer(s *serverBuilder) error {
	s.conf.script = append(s.conf.script, scriptDef{kind: opReturn, ret: h})
	return nil
}

func (h *ReturnHandler) applyLocation(l *locBuilder) error {
	l.conf.script = append(l.conf.script, scriptDef{kind: opReturn, ret: h})
	return nil
}

// ServeHTTP answers as the return directive does.
func (h *ReturnHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := stateFrom(r)
	if st == nil || h.t == nil {
		h.serveStandalone(h, w, r)
		return
	}
	st.serveReturn(h.code, h.t)
}

// serveReturn is ngx_http_script_return_code: a code below 400, or any
// code with a text (even one that expands to nothing), is sent by
// ngx_http_send_response; other codes end the request as errors, so
// error_page applies and 408, 444 and 499 close the connection.
func (st *reqState) serveReturn(code int, t *template) {
	if code >= 400 && t.raw == "" {
		st.finalize(code)
		return
	}
	// ngx_http_send_response sets the status before it expands the text,
	// so $status in the text is the code.
	st.w.pending = code
	text := t.string(st)
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		st.redirectTo(code, text, false)
		return
	}
	h := st.w.Header()
	// ngx_http_set_content_type keeps a type already set (by the
	// upstream response an X-Accel-Redirect replaced).
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = []string{st.contentType(st.uri)}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(text))}
	st.w.WriteHeader(code)
	if st.method != http.MethodHead && text != "" {
		_, _ = st.w.Write([]byte(text))
	}
}

// contentType is the type nginx picks for u: by the extension of its last
// path segment in the location's types, else default_type.
func (st *reqState) contentType(u string) string {
	c := st.conf()
	return fileserve.TypeFor(u, c.types, c.defaultType)
}

// standalone lets a handler built by frontdesk serve outside a Proxy (for
// example mounted in a ServeMux): it is then wrapped in a Proxy with a
// single "/" location, built on first use.
type standalone struct {
	once sync.Once
	p    *Proxy
	err  error
}

func (s *standalone) serveStandalone(h http.Handler, w http.ResponseWriter, r *http.Request) {
	s.once.Do(func() { s.p, s.err = New(Location("/", h)) })
	if s.err != nil {
		http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
		return
	}
	s.p.ServeHTTP(w, r)
}
