package h1server

// Reading a request head as nginx 1.22.1's ngx_http_parse_request_line
// and ngx_http_parse_header_line do, with its header buffer accounting.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/frontdesk-go/frontdesk/internal/h1"
)

// Field is one client header line, its name as the client spelled it.
type Field = h1.Field

type ctxKey int

const (
	fieldsKey ctxKey = iota
	errorKey
	countsKey
)

// ClientFields returns the request's header lines in the client's order
// and spelling, when the request came through this loop.
func ClientFields(ctx context.Context) ([]Field, bool) {
	h, ok := ctx.Value(fieldsKey).(*head)
	if !ok {
		return nil, false
	}
	return h.fields, true
}

// head holds a request's header lines and backs the header map's
// one-value slices: for most heads, one allocation for both, and a
// pointer the context holds without another.
type head struct {
	fields   []Field
	fieldBuf [8]Field
	values   [8]string
}

// Counts are a request's bytes on the wire, as nginx's $request_length
// and $bytes_sent count them; safe to read from any goroutine while the
// request is served. The loop keeps one per connection, reset for each
// request.
type Counts struct {
	in, out, head atomic.Int64
}

// RequestLength is the request line, header lines and empty line as
// received (not the empty lines before the request line), plus the body
// bytes read for the handler so far, chunked framing included. A body
// the loop discards after the handler is not counted, nor bytes of a
// pipelined next request.
func (c *Counts) RequestLength() int64 { return c.in.Load() }

// BytesSent is the response's bytes: the status line and header once
// committed (even if still buffered), the body with its chunked framing,
// interim responses, and the last chunk the loop writes when the
// handler returns.
func (c *Counts) BytesSent() int64 { return c.out.Load() }

// BodyBytesSent is BytesSent without the final response's status line
// and header (nginx's $body_bytes_sent: chunked framing included).
func (c *Counts) BodyBytesSent() int64 { return c.out.Load() - c.head.Load() }

// RequestCounts returns the byte counts of the request ctx belongs to,
// when it came through this loop.
func RequestCounts(ctx context.Context) (*Counts, bool) {
	c, ok := ctx.Value(countsKey).(*Counts)
	return c, ok
}

// RequestError returns the status (400, 414, 494, 497, 501, 505) the loop
// found the request to deserve before any handler ran, or 0. A handler
// answers such a request with its error page for that status and nothing
// else; the request's method, target and headers are only what could be
// read.
func RequestError(ctx context.Context) int {
	code, _ := ctx.Value(errorKey).(int)
	return code
}

// parseError is a request the loop refuses; code 0: the connection is
// gone (closed, reset, timed out) and nothing is answered.
type parseError struct {
	code int
	msg  string
}

func (e *parseError) Error() string { return e.msg }

// headBudget is nginx's header buffer accounting: the head is read into
// a client_header_buffer_size buffer, and when a line does not fit, the
// part read is moved to a large_client_header_buffers buffer, of which
// there are a fixed number. A line longer than one large buffer, or one
// needing a buffer beyond the last, is refused: 414 while in the request
// line, 494 in a header.
type headBudget struct {
	cap, used, large int
	cfg              *Config
}

func (b *headBudget) take(n int) bool {
	if b.used+n <= b.cap {
		b.used += n
		return true
	}
	if n > b.cfg.LargeHeaderBufferSize || b.large == b.cfg.LargeHeaderBuffers {
		return false
	}
	b.large++
	b.cap, b.used = b.cfg.LargeHeaderBufferSize, n
	return true
}

// readLine reads one line ending in LF; ok false when it is longer than
// limit (the rest is left unread: the connection closes anyway).
// The line is br's own bytes when it came whole, valid until the next read.
func readLine(br *bufio.Reader, limit int) (line []byte, ok bool, err error) {
	for {
		l, err := br.ReadSlice('\n')
		if line == nil && err == nil && len(l) <= limit {
			return l, true, nil
		}
		line = append(line, l...)
		if len(line) > limit {
			return nil, false, nil
		}
		if err == nil {
			return line, true, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, true, err
		}
	}
}

// readRequest reads a request head. On a parse error the request is
// still returned (for the handler to answer) with the error.
// The request's context is cancelled by the returned function (when the
// client goes away, or the request is done).
func (c *conn) readRequest(ctx context.Context) (*http.Request, context.CancelFunc, *parseError) {
	budget := &headBudget{cap: c.cfg.ClientHeaderBufferSize, cfg: c.cfg}
	if c.remote == "" {
		c.remote = c.nc.RemoteAddr().String()
	}
	r := &http.Request{
		Method: "GET", RequestURI: "/",
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: make(http.Header, 8), Body: http.NoBody, RemoteAddr: c.remote,
		TLS: c.tls,
	}
	// start is where the request line begins, for $request_length.
	start := c.consumed()
	// done gives r its one context (WithContext copies the request).
	done := func(ctx context.Context, e *parseError) (*http.Request, context.CancelFunc, *parseError) {
		c.counts.in.Store(c.consumed() - start)
		ctx, cancel := context.WithCancel(ctx)
		return r.WithContext(ctx), cancel, e
	}
	fail := func(code int, msg string) (*http.Request, context.CancelFunc, *parseError) {
		if r.URL == nil {
			r.URL = &url.URL{Path: r.RequestURI}
		}
		return done(context.WithValue(ctx, errorKey, code), &parseError{code: code, msg: msg})
	}
	gone := func() (*http.Request, context.CancelFunc, *parseError) {
		return nil, nil, &parseError{msg: "connection closed"}
	}

	// nginx skips empty lines before a request line.
	var line []byte
	for {
		l, ok, err := readLine(c.br, c.cfg.LargeHeaderBufferSize)
		if !ok || ok && err == nil && !budget.take(len(l)) {
			return fail(http.StatusRequestURITooLong, "client sent too long URI")
		}
		if err != nil {
			return gone()
		}
		if t := trimEOL(l); len(t) > 0 {
			line = t
			break
		}
		// nginx does not charge the skipped empty lines to a buffer
		// in any way that matters here, nor count them.
		start = c.consumed()
	}
	method, target, major, minor, code := parseRequestLine(string(line))
	if method != "" {
		r.Method = method
	}
	if major == 0 {
		// An HTTP/0.9 request is refused in HTTP/0.9 too: a bare body.
		r.ProtoMajor, r.ProtoMinor, r.Proto = 0, 9, "HTTP/0.9"
	}
	if code != 0 {
		return fail(code, "client sent invalid request")
	}
	r.RequestURI = target
	if u, err := url.ParseRequestURI(target); err == nil {
		r.URL = u
	} else {
		r.URL = &url.URL{Path: target}
	}
	r.ProtoMajor, r.ProtoMinor = major, minor
	switch {
	case major == 1 && minor == 0:
		r.Proto = "HTTP/1.0"
	case major != 1 || minor != 1:
		r.Proto = "HTTP/" + strconv.Itoa(major) + "." + strconv.Itoa(minor)
	}
	if major == 0 {
		// HTTP/0.9: no headers.
		return done(ctx, nil)
	}

	hd := new(head)
	fields, values := hd.fieldBuf[:0], hd.values[:0]
	for {
		l, ok, err := readLine(c.br, c.cfg.LargeHeaderBufferSize)
		if !ok || ok && err == nil && !budget.take(len(l)) {
			return fail(494, "client sent too long header line")
		}
		if err != nil {
			return gone()
		}
		t := trimEOL(l)
		if t == nil {
			return fail(http.StatusBadRequest, "client sent invalid header line")
		}
		if len(t) == 0 {
			break
		}
		name, value, ok := parseHeaderLine(string(t))
		if !ok {
			return fail(http.StatusBadRequest, "client sent invalid header line")
		}
		if name == "" {
			return fail(http.StatusBadRequest, "client sent invalid header line")
		}
		fields = append(fields, Field{Name: name, Value: value})
		key := textproto.CanonicalMIMEHeaderKey(name)
		if v, ok := r.Header[key]; ok {
			r.Header[key] = append(v, value)
		} else {
			values = append(values, value)
			r.Header[key] = values[len(values)-1 : len(values) : len(values)]
		}
	}
	hd.fields = fields
	ctx = context.WithValue(ctx, fieldsKey, hd)
	if hv, ok := r.Header["Host"]; ok {
		// As net/http: the handler reads Host from r.Host, where an
		// empty header could not be told from a missing one, so the
		// loop refuses it here, as ngx_http_process_host does.
		r.Host = hv[0]
		delete(r.Header, "Host")
		switch {
		case len(hv) > 1:
			return fail(http.StatusBadRequest, "client sent duplicate host header")
		case hv[0] == "":
			return fail(http.StatusBadRequest, "client sent invalid host header")
		}
	}
	if e := c.setBody(r); e != nil {
		return fail(e.code, e.msg)
	}
	return done(ctx, nil)
}

// trimEOL drops the line's LF or CRLF; nil for a CR elsewhere than before
// the LF at the end, which nginx refuses... only at the end of a line.
func trimEOL(l []byte) []byte {
	l = bytes.TrimSuffix(l, []byte("\n"))
	l = bytes.TrimSuffix(l, []byte("\r"))
	if l == nil {
		return []byte{}
	}
	return l
}

// parseRequestLine is ngx_http_parse_request_line (1.22: spaces and
// control bytes in the target are refused). code is 400, or 505 for an
// HTTP major version above 1. major 0 is HTTP/0.9.
// The strings returned are l's (one allocation per line).
func parseRequestLine(l string) (method, target string, major, minor, code int) {
	i := 0
	for i < len(l) && (l[i] >= 'A' && l[i] <= 'Z' || l[i] == '_' || l[i] == '-') {
		i++
	}
	if i == 0 || i == len(l) || l[i] != ' ' {
		return "", "", 1, 1, http.StatusBadRequest
	}
	method = l[:i]
	for i < len(l) && l[i] == ' ' {
		i++
	}
	start := i
	if i == len(l) || !(l[i] == '/' || l[i] >= 'a' && l[i] <= 'z' || l[i] >= 'A' && l[i] <= 'Z') {
		return method, "", 1, 1, http.StatusBadRequest
	}
	for i < len(l) && l[i] != ' ' {
		if l[i] < 0x20 || l[i] == 0x7f {
			return method, "", 1, 1, http.StatusBadRequest
		}
		i++
	}
	target = l[start:i]
	for i < len(l) && l[i] == ' ' {
		i++
	}
	if i == len(l) {
		if method != "GET" {
			return method, target, 0, 9, http.StatusBadRequest
		}
		return method, target, 0, 9, 0
	}
	rest := l[i:]
	if !strings.HasPrefix(rest, "HTTP/") {
		return method, target, 1, 1, http.StatusBadRequest
	}
	rest = strings.TrimRight(rest[5:], " ")
	maj, min, ok := strings.Cut(rest, ".")
	if !ok || !allDigits(maj) || !allDigits(min) || len(maj) > 2 || len(min) > 2 {
		return method, target, 1, 1, http.StatusBadRequest
	}
	major, _ = strconv.Atoi(maj)
	minor, _ = strconv.Atoi(min)
	if major == 0 {
		// nginx: "HTTP/0.x" is no valid request line either.
		return method, target, 1, 1, http.StatusBadRequest
	}
	if major > 1 {
		return method, target, 1, 1, http.StatusHTTPVersionNotSupported
	}
	return method, target, major, minor, 0
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseHeaderLine is ngx_http_parse_header_line: a name up to ":" (the
// whole line, with an empty value, when there is none), the value with
// surrounding spaces dropped. NUL and a stray CR are refused (400);
// names nginx finds invalid are kept for the handler to ignore or not
// (ignore_invalid_headers, underscores_in_headers are server settings).
func parseHeaderLine(l string) (name, value string, ok bool) {
	if strings.IndexByte(l, 0) >= 0 || strings.IndexByte(l, '\r') >= 0 {
		return "", "", false
	}
	n, v, _ := strings.Cut(l, ":")
	for _, c := range []byte(n) {
		// nginx ≥ 1.21.1 refuses spaces and control bytes in names
		// whatever ignore_invalid_headers says.
		if c <= 0x20 || c == 0x7f {
			return "", "", false
		}
	}
	return n, strings.Trim(v, " \t"), true
}

// setBody sets r's body from its framing headers, as
// ngx_http_process_request_header checks them.
func (c *conn) setBody(r *http.Request) *parseError {
	h := r.Header
	te, hasTE := h["Transfer-Encoding"]
	cl, hasCL := h["Content-Length"]
	switch {
	case hasTE:
		if r.ProtoMajor == 1 && r.ProtoMinor == 0 {
			return &parseError{http.StatusBadRequest, "client sent HTTP/1.0 request with \"Transfer-Encoding\" header"}
		}
		if hasCL {
			return &parseError{http.StatusBadRequest, "client sent \"Content-Length\" and \"Transfer-Encoding\" headers"}
		}
		if len(te) != 1 || !strings.EqualFold(te[0], "chunked") {
			return &parseError{http.StatusNotImplemented, "client sent unknown \"Transfer-Encoding\""}
		}
		r.TransferEncoding = []string{"chunked"}
		r.ContentLength = -1
		resp := &h1.Response{Status: http.StatusOK, Chunked: true, ContentLength: -1}
		r.Body = c.bodyReader(r, resp.Body(c.br, http.MethodPost))
	case hasCL:
		if len(cl) > 1 {
			return &parseError{http.StatusBadRequest, "client sent duplicate header line"}
		}
		if !allDigits(cl[0]) || len(cl[0]) > 18 {
			return &parseError{http.StatusBadRequest, "client sent invalid \"Content-Length\" header"}
		}
		n, _ := strconv.ParseInt(cl[0], 10, 64)
		r.ContentLength = n
		if n > 0 {
			resp := &h1.Response{Status: http.StatusOK, ContentLength: n}
			r.Body = c.bodyReader(r, resp.Body(c.br, http.MethodPost))
		}
	}
	return nil
}

// body is a request body: client_body_timeout on each read, and nginx's
// "100 Continue" before the first.
type body struct {
	c        *conn
	r        io.Reader
	expect   bool
	eof      bool
	err      error
	sentCont bool
}

func (c *conn) bodyReader(r *http.Request, rd io.Reader) *body {
	b := &body{c: c, r: rd}
	// ngx_http_test_expect: only HTTP/1.1 clients are answered.
	if r.ProtoAtLeast(1, 1) && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		b.expect = true
	}
	return b
}

func (b *body) Read(p []byte) (int, error) {
	if b.eof {
		// The connection may be watched by the background read now.
		return 0, io.EOF
	}
	if b.err != nil {
		return 0, b.err
	}
	if b.expect && !b.sentCont {
		b.sendContinue()
	}
	// client_body_timeout is armed by the connection's reader.
	before := b.c.consumed()
	n, err := b.r.Read(p)
	// Counted before bodyRead may start the background read, which
	// reads the connection's reader.
	b.c.counts.in.Add(b.c.consumed() - before)
	if err == io.EOF {
		b.eof = true
		b.c.bodyRead()
	} else if err != nil {
		b.err = err
	}
	return n, err
}

func (b *body) Close() error { return nil }

// sendContinue is ngx_http_test_expect's interim answer.
func (b *body) sendContinue() {
	b.sentCont = true
	if _, err := b.c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n"); err == nil {
		_ = b.c.bw.Flush()
	}
}
