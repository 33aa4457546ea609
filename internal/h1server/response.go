package h1server

// The response side: nginx's status lines (ngx_http_status_lines) and
// header order (ngx_http_header_filter), chunked framing when the length
// is unknown (ngx_http_chunked_filter), and the keep-alive decision.

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// reasons are nginx 1.22.1's reason phrases. A status without one is
// written as "HTTP/1.1 NNN " (with the space), as nginx does.
var reasons = map[int]string{
	200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 206: "Partial Content",
	301: "Moved Permanently", 302: "Moved Temporarily", 303: "See Other", 304: "Not Modified",
	307: "Temporary Redirect", 308: "Permanent Redirect",
	400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
	404: "Not Found", 405: "Not Allowed", 406: "Not Acceptable", 408: "Request Time-out",
	409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed",
	413: "Request Entity Too Large", 414: "Request-URI Too Large", 415: "Unsupported Media Type",
	416: "Requested Range Not Satisfiable", 421: "Misdirected Request", 429: "Too Many Requests",
	500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
	503: "Service Temporarily Unavailable", 504: "Gateway Time-out",
	505: "HTTP Version Not Supported", 507: "Insufficient Storage",
}

// statusLines are the lines of the codes in reasons, made once.
var statusLines = func() map[int]string {
	m := make(map[int]string, len(reasons))
	for code, reason := range reasons {
		m[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + reason
	}
	return m
}()

// StatusLine is nginx's status line for code, without CRLF.
func StatusLine(code int) string {
	if l, ok := statusLines[code]; ok {
		return l
	}
	return "HTTP/1.1 " + strconv.Itoa(code) + " "
}

// SetStatusLine makes the status line of w's response, if it is sent with
// status code, "HTTP/1.1 " + line: a proxied response keeps its
// upstream's reason phrase in nginx. It reports whether w (or a writer it
// wraps, through Unwrap) belongs to this loop.
func SetStatusLine(w http.ResponseWriter, code int, line string) bool {
	v := own(w)
	if v != nil {
		v.lineCode, v.line = code, line
	}
	return v != nil
}

// own is the response of this loop that w is or wraps (through Unwrap),
// nil when none.
func own(w http.ResponseWriter) *response {
	for {
		switch v := w.(type) {
		case *response:
			return v
		case interface{ Unwrap() http.ResponseWriter }:
			w = v.Unwrap()
		default:
			return nil
		}
	}
}

// HeaderOrder is where the handler answering w records the order of its
// header fields, one name per field, as nginx keeps them in its list
// (r->headers_out.headers): those fields go out in that order after
// nginx's own, and the names it does not list after them, sorted. Of a
// header of nginx's own (Server, Date, Last-Modified, Location), the
// last values, as many as are listed, go out in their list places, the
// others in its own. The list is the connection's, reused from request
// to request; nil when w (or a writer it wraps, through Unwrap) does not
// belong to this loop.
func HeaderOrder(w http.ResponseWriter) *[]string {
	if v := own(w); v != nil {
		return &v.c.order
	}
	return nil
}

// Limits is c with nginx's defaults, for [SetLimits]: made once per
// configuration, not per request.
func Limits(c Config) *Config {
	c = c.withDefaults()
	return &c
}

// SetLimits applies the limits of lim (from [Limits]) that nginx takes
// from the location serving a request — keepalive_timeout,
// keepalive_requests, send_timeout, client_body_timeout, lingering_* —
// to the request w answers, and to the wait for the connection's next
// request; the client header limits stay the connection's. A handler
// calls it each time it selects a location, before the response header:
// as ngx_http_update_location_config, a location that ends keep-alive
// ends it for the request, and a later one does not restore it. It
// reports whether w (or a writer it wraps, through Unwrap) belongs to
// this loop.
func SetLimits(w http.ResponseWriter, lim *Config) bool {
	v := own(w)
	if v == nil {
		return false
	}
	v.c.lim.Store(lim)
	if !v.wroteHeader {
		// The connection's limits decided before; the location's
		// replace them.
		v.limitClose = v.limitClose || !v.withinLimits(lim)
		v.closeAfter = v.limitClose || !v.clientKeepalive() || RequestError(v.req.Context()) != 0
	}
	return true
}

// limits are the limits of the request being served.
func (c *conn) limits() *Config {
	if l := c.lim.Load(); l != nil {
		return l
	}
	return c.cfg
}

// firstHeaders are the headers nginx's header filter writes itself, in
// its order, before the rest of the list.
var firstHeaders = []string{"Server", "Date", "Content-Type", "Content-Length", "Last-Modified", "Location"}

// response implements http.ResponseWriter, http.Flusher and
// http.Hijacker, and the deadline methods of http.ResponseController.
type response struct {
	c   *conn
	req *http.Request

	header      http.Header
	wroteHeader bool
	status      int
	headOnly    bool // no body may be sent (HEAD, 1xx, 204, 304)
	chunked     bool
	length      int64 // declared Content-Length, -1 none
	written     int64
	closeAfter  bool
	ended       bool // the last chunk is written
	limitClose  bool // a location's limits ended keep-alive (SetLimits)
	// line replaces the status line for status lineCode (SetStatusLine).
	lineCode int
	line     string
}

func newResponse(c *conn, r *http.Request) *response {
	c.order = c.order[:0]
	return &response{c: c, req: r, header: http.Header{}, length: -1}
}

// keepalive is ngx_http_process_request_header's decision, before the
// response: HTTP/1.1 unless "Connection: close", HTTP/1.0 only with
// "Connection: keep-alive"; never past keepalive_requests, nor with
// keepalive_timeout 0, nor while shutting down.
func (w *response) keepalive() bool {
	return w.withinLimits(w.c.limits()) && w.clientKeepalive()
}

// withinLimits is the limits' part of the decision.
func (w *response) withinLimits(lim *Config) bool {
	return lim.KeepaliveTimeout >= 0 && w.c.requests < lim.KeepaliveRequests
}

// clientKeepalive is the request's part of the decision.
func (w *response) clientKeepalive() bool {
	r := w.req
	if r.ProtoMajor == 0 || w.c.srv.shutting.Load() {
		return false
	}
	conn := strings.ToLower(strings.Join(r.Header["Connection"], ","))
	if r.ProtoAtLeast(1, 1) {
		return !strings.Contains(conn, "close")
	}
	return strings.Contains(conn, "keep-alive")
}

// Header implements http.ResponseWriter.
func (w *response) Header() http.Header { return w.header }

// WriteHeader implements http.ResponseWriter.
func (w *response) WriteHeader(code int) {
	if w.wroteHeader || w.c.hijacked {
		return
	}
	h := w.header
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		// An interim response: headers go with it, the final one follows.
		b := w.c.bw
		if code == http.StatusContinue {
			// ngx_http_test_expect's own line; the body need not
			// send another.
			b.WriteString("HTTP/1.1 100 Continue")
			if rb, ok := w.req.Body.(*body); ok {
				rb.sentCont = true
			}
		} else {
			b.WriteString(StatusLine(code))
		}
		b.WriteString("\r\n")
		writeFields(b, h, nil, nil)
		b.WriteString("\r\n")
		_ = b.Flush()
		w.account()
		return
	}
	w.wroteHeader = true
	w.status = code
	if b, ok := w.req.Body.(*body); ok && b.expect && !b.sentCont && code != http.StatusRequestEntityTooLarge {
		// nginx discards an unread body before any final response
		// (ngx_http_discard_request_body), and that answers the
		// client's Expect first; but not before a 413 for
		// client_max_body_size, which marks the expectation tested.
		b.sendContinue()
	}
	if w.req.ProtoMajor == 0 {
		// HTTP/0.9: the body alone.
		return
	}
	if v := h.Get("Connection"); strings.EqualFold(v, "close") {
		w.closeAfter = true
	}
	delete(h, "Connection")
	delete(h, "Transfer-Encoding")
	delete(h, "Keep-Alive")
	w.headOnly = w.req.Method == http.MethodHead || code < 200 || code == http.StatusNoContent || code == http.StatusNotModified
	if cl := h.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			w.length = n
		}
	}
	if w.length < 0 && !w.headOnly {
		if w.req.ProtoAtLeast(1, 1) {
			w.chunked = true
		} else {
			// An HTTP/1.0 client learns the end of the body from the
			// close (ngx_http_chunked_header_filter).
			w.closeAfter = true
		}
	}
	if w.c.srv.shutting.Load() {
		w.closeAfter = true
	}
	if _, ok := h["Date"]; !ok {
		h["Date"] = httpDate()
	}
	b := w.c.bw
	headStart := w.c.sent()
	if w.lineCode == code && w.line != "" {
		b.WriteString("HTTP/1.1 " + w.line)
	} else {
		b.WriteString(StatusLine(code))
	}
	b.WriteString("\r\n")
	order := w.c.order
	for _, name := range firstHeaders {
		vs := h[name]
		for _, v := range vs[:len(vs)-listedValues(vs, order, name)] {
			writeField(b, name, v)
		}
	}
	if w.chunked {
		b.WriteString("Transfer-Encoding: chunked\r\n")
	}
	switch {
	case code == http.StatusSwitchingProtocols:
		b.WriteString("Connection: upgrade\r\n")
	case w.closeAfter:
		b.WriteString("Connection: close\r\n")
	default:
		b.WriteString("Connection: keep-alive\r\n")
		if t := w.c.limits().KeepaliveHeader; t > 0 {
			b.WriteString("Keep-Alive: timeout=" + strconv.Itoa(int(t/time.Second)) + "\r\n")
		}
	}
	writeListed(b, h, order)
	writeFields(b, h, firstHeaders, order)
	b.WriteString("\r\n")
	w.c.counts.head.Store(w.c.sent() - headStart)
	w.account()
}

// account updates the request's BytesSent: what went into the
// connection's writer since the request began, and the last chunk still
// to come, which nginx has counted when it logs.
func (w *response) account() {
	c := w.c
	n := c.sent() - c.outStart
	if w.chunked && !w.ended {
		n += int64(len(lastChunk))
	}
	c.counts.out.Store(n)
}

const lastChunk = "0\r\n\r\n"

// listedValues is how many of the values vs of one of nginx's own
// headers order lists: the last ones, the first being nginx's own (its
// Server, a Location it made absolute) when there are more.
func listedValues(vs, order []string, name string) int {
	n := 0
	for _, k := range order {
		if k == name {
			n++
		}
	}
	return min(n, len(vs))
}

// writeListed writes the fields of h that order lists, in its order: the
// i-th listing of a name is its i-th value (of those listedValues leaves
// to the list, for nginx's own headers), and its last listing writes the
// values left, so that one replaced in place keeps its place and none is
// lost.
func writeListed(b *bufio.Writer, h http.Header, order []string) {
	for i, k := range order {
		vs := h[k]
		if slices.Contains(firstHeaders, k) {
			vs = vs[len(vs)-listedValues(vs, order, k):]
		}
		seen := 0
		for _, p := range order[:i] {
			if p == k {
				seen++
			}
		}
		if seen >= len(vs) {
			continue
		}
		if slices.Contains(order[i+1:], k) {
			vs = vs[seen : seen+1]
		} else {
			vs = vs[seen:]
		}
		for _, v := range vs {
			writeField(b, k, v)
		}
	}
}

// writeFields writes h but the names in skip and in listed, in sorted
// order: the handler's header map has no order of its own.
func writeFields(b *bufio.Writer, h http.Header, skip, listed []string) {
	var buf [16]string
	names := buf[:0]
	for k := range h {
		if !slices.Contains(skip, k) && !slices.Contains(listed, k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range h[k] {
			writeField(b, k, v)
		}
	}
}

// headerNewlines keeps a value from splitting the head (as net/http).
var headerNewlines = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")

func writeField(b *bufio.Writer, name, value string) {
	b.WriteString(name)
	b.WriteString(": ")
	if strings.ContainsAny(value, "\r\n") {
		value = headerNewlines.Replace(value)
	}
	b.WriteString(value)
	b.WriteString("\r\n")
}

// Write implements http.ResponseWriter.
func (w *response) Write(p []byte) (int, error) {
	if err := w.startWrite(len(p)); err != nil || len(p) == 0 {
		return 0, err
	}
	n, err := w.c.bw.Write(p)
	return w.endWrite(n, err)
}

// WriteString is Write for a string, without copying it (io.StringWriter).
func (w *response) WriteString(s string) (int, error) {
	if err := w.startWrite(len(s)); err != nil || len(s) == 0 {
		return 0, err
	}
	n, err := w.c.bw.WriteString(s)
	return w.endWrite(n, err)
}

// startWrite checks that n more body bytes may be sent, and starts their
// chunk.
func (w *response) startWrite(n int) error {
	if w.c.hijacked {
		return http.ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.headOnly {
		return http.ErrBodyNotAllowed
	}
	if n == 0 {
		return nil
	}
	if w.length >= 0 && w.written+int64(n) > w.length {
		return http.ErrContentLength
	}
	w.written += int64(n)
	if w.chunked {
		w.c.bw.WriteString(strconv.FormatInt(int64(n), 16))
		w.c.bw.WriteString("\r\n")
	}
	return nil
}

// endWrite ends the chunk startWrite began.
func (w *response) endWrite(n int, err error) (int, error) {
	if w.chunked && err == nil {
		_, err = w.c.bw.WriteString("\r\n")
	}
	w.account()
	return n, err
}

// finish ends the response body.
func (w *response) finish() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.chunked && !w.ended {
		w.c.bw.WriteString(lastChunk)
		w.ended = true
		w.account()
	}
	if w.length >= 0 && w.written < w.length && !w.headOnly {
		// The client waits for bytes that will never come: only the
		// close can tell it.
		w.closeAfter = true
	}
	if !w.closeAfter && !w.bodyDone() {
		if b, ok := w.req.Body.(*body); ok && !discard(b) {
			w.closeAfter = true
		}
	}
}

// bodyDone reports whether the request body was read to its end, so
// that the next request starts where it ended.
func (w *response) bodyDone() bool {
	b, ok := w.req.Body.(*body)
	return !ok || b.eof
}

// Flush implements http.Flusher.
func (w *response) Flush() {
	_ = w.FlushError()
}

// FlushError is Flush for http.ResponseController.
func (w *response) FlushError() error {
	if w.c.hijacked {
		return http.ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.c.bw.Flush()
}

// Hijack implements http.Hijacker: the connection leaves the loop (for
// WebSocket and other upgraded tunnels) with the bytes already read.
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.c.hijacked {
		return nil, nil, http.ErrHijacked
	}
	w.c.stopBackgroundRead()
	if w.wroteHeader && w.req.ProtoMajor != 0 {
		// Headers already buffered go out first, as net/http does not
		// (it refuses); the handler has said all it wanted to.
		if err := w.c.bw.Flush(); err != nil {
			return nil, nil, err
		}
	}
	w.c.hijacked = true
	w.c.phase = phaseNone
	_ = w.c.nc.SetDeadline(time.Time{})
	return w.c.nc, bufio.NewReadWriter(w.c.br, bufio.NewWriter(w.c.nc)), nil
}

// SetReadDeadline is for http.ResponseController.
func (w *response) SetReadDeadline(t time.Time) error {
	// The background read's start arms the read deadline too.
	w.c.bgMu.Lock()
	defer w.c.bgMu.Unlock()
	w.c.rdArmed, w.c.rdKind = t, armOther
	return w.c.nc.SetReadDeadline(t)
}

// SetWriteDeadline is for http.ResponseController; send_timeout still
// applies to each write.
func (w *response) SetWriteDeadline(t time.Time) error {
	w.c.wrArmed = t
	return w.c.nc.SetWriteDeadline(t)
}

// dateCache is the Date header's value for the current second, as nginx
// caches its formatted time.
var dateCache atomic.Pointer[cachedDate]

type cachedDate struct {
	sec int64
	val []string
}

// httpDate is the Date header's value, shared by the responses of one
// second (the loop writes it and nothing changes it).
func httpDate() []string {
	now := time.Now()
	if d := dateCache.Load(); d != nil && d.sec == now.Unix() {
		return d.val
	}
	v := now.UTC().Format(http.TimeFormat)
	d := &cachedDate{now.Unix(), []string{v}[:1:1]}
	dateCache.Store(d)
	return d.val
}

// ReadFrom implements io.ReaderFrom: a file, a file's io.LimitedReader or
// an io.SectionReader of a file goes out with sendfile once the head is
// written, as nginx's sendfile on; anything else is copied.
func (w *response) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if n, ok := pendingLength(src); ok && n <= int64(w.c.bw.Available()) && !w.chunked && !w.headOnly {
		// A small body goes out with the head in one write, cheaper
		// than a sendfile after it.
		buf := w.c.bw.AvailableBuffer()[:n]
		m, err := io.ReadFull(src, buf)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = nil
		}
		if _, werr := w.Write(buf[:m]); werr != nil {
			return 0, werr
		}
		return int64(m), err
	}
	f, off, n, done := fileRange(src)
	if f == nil || w.c.hijacked || w.headOnly || w.chunked || w.length >= 0 && w.written+n > w.length {
		return io.Copy(writerOnly{w}, src)
	}
	if n == 0 {
		return 0, nil
	}
	if err := w.c.bw.Flush(); err != nil {
		return 0, err
	}
	sent, handled, err := w.c.sendFile(f, off, n)
	if !handled {
		return io.Copy(writerOnly{w}, src)
	}
	w.c.outTotal += sent
	w.account()
	w.written += sent
	done(sent)
	return sent, err
}

// writerOnly hides a writer's ReadFrom, for io.Copy.
type writerOnly struct{ io.Writer }

// pendingLength is what is left to read of a limited or section reader.
func pendingLength(src io.Reader) (int64, bool) {
	switch v := src.(type) {
	case *io.LimitedReader:
		return max(v.N, 0), true
	case *io.SectionReader:
		pos, _ := v.Seek(0, io.SeekCurrent)
		return max(v.Size()-pos, 0), true
	}
	return 0, false
}

// fileRange finds the file, offset and length src reads, and done, which
// moves src past what was sent; f nil when src is no file.
func fileRange(src io.Reader) (f *os.File, off, n int64, done func(int64)) {
	limit := int64(-1)
	lr, _ := src.(*io.LimitedReader)
	if lr != nil {
		limit, src = lr.N, lr.R
	}
	switch v := src.(type) {
	case *os.File:
		pos, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, 0, 0, nil
		}
		// A limited file needs no size: sendfile stops at its end.
		n = limit
		if n < 0 {
			fi, err := v.Stat()
			if err != nil {
				return nil, 0, 0, nil
			}
			n = max(fi.Size()-pos, 0)
		}
		return v, pos, n, func(sent int64) {
			_, _ = v.Seek(pos+sent, io.SeekStart)
			if lr != nil {
				lr.N -= sent
			}
		}
	case *io.SectionReader:
		ra, base, size := v.Outer()
		file, ok := ra.(*os.File)
		if !ok || lr != nil {
			return nil, 0, 0, nil
		}
		pos, _ := v.Seek(0, io.SeekCurrent)
		return file, base + pos, max(size-pos, 0), func(sent int64) {
			_, _ = v.Seek(pos+sent, io.SeekStart)
		}
	}
	return nil, 0, 0, nil
}
