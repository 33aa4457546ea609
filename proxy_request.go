package frontdesk

// The request side of proxy_pass: the request line, the headers and the
// body nginx sends upstream (ngx_http_proxy_create_request), and the
// client body as nginx's core reads it (ngx_http_read_client_request_body).
//
// Headers: the proxy_set_header lines in configuration order, then
// nginx's own defaults that no proxy_set_header names (Host: $proxy_host,
// Connection: close, Content-Length or Transfer-Encoding for the body;
// TE, Keep-Alive, Expect and Upgrade are never sent), lines whose value is
// empty being left out; then the client's headers, except those the two
// lists name. nginx keeps the client's header order and spelling;
// net/http does not (see clientHeaderOrder).
//
// Body: client_max_body_size is checked against Content-Length when the
// location is chosen (413 before anything is read) and while a chunked
// body is read. The body is read whole before the upstream is contacted
// (proxy_request_buffering on), in memory up to client_body_buffer_size and
// in a temporary file beyond, so that every attempt sends the same bytes; a
// chunked body goes upstream de-chunked with a Content-Length. With
// proxy_request_buffering off it is streamed as it arrives, re-chunked for
// an HTTP/1.1 upstream; a chunked body for an HTTP/1.0 upstream is still
// buffered, as nginx does.

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/h1"
	"github.com/frontdesk-go/frontdesk/internal/h1server"
	"github.com/frontdesk-go/frontdesk/internal/uri"
)

// reqConfSet holds the raw request-side directives of one level: the
// core module's client body settings and header parsing switches, and the
// proxy module's request rewriting. nil is "unset at this level".
type reqConfSet struct {
	clientMaxBodySize    *int64
	clientBodyBufferSize *int64
	clientBodyTempPath   *string
	requestBuffering     *bool
	setBody              *string
	method               *string
	underscoresInHeaders *bool // server level only
	ignoreInvalidHeaders *bool // server level only
}

func (s reqConfSet) inherit(p reqConfSet) reqConfSet {
	inheritPtr(&s.clientMaxBodySize, p.clientMaxBodySize)
	inheritPtr(&s.clientBodyBufferSize, p.clientBodyBufferSize)
	inheritPtr(&s.clientBodyTempPath, p.clientBodyTempPath)
	inheritPtr(&s.requestBuffering, p.requestBuffering)
	inheritPtr(&s.setBody, p.setBody)
	inheritPtr(&s.method, p.method)
	inheritPtr(&s.underscoresInHeaders, p.underscoresInHeaders)
	inheritPtr(&s.ignoreInvalidHeaders, p.ignoreInvalidHeaders)
	return s
}

// reqConf is the compiled request-side configuration of a location.
type reqConf struct {
	clientMaxBodySize    int64 // 0: no limit
	clientBodyBufferSize int64
	clientBodyTempPath   string // "": os.TempDir()
	requestBuffering     bool
	setBody              *template // nil: proxy_set_body unset
	method               *template // nil: the client's method
	underscoresInHeaders bool
	ignoreInvalidHeaders bool
}

// Defaults of the client body directives.
const (
	defaultClientMaxBodySize = 1 << 20
	// defaultClientBodyBufferSize is nginx's two memory pages on x86-64.
	defaultClientBodyBufferSize = 8 << 10
)

func (c *compiler) compileReqConf(l *location, s reqConfSet, rc *reqConf) {
	*rc = reqConf{
		clientMaxBodySize:    valueOr(s.clientMaxBodySize, defaultClientMaxBodySize),
		clientBodyBufferSize: valueOr(s.clientBodyBufferSize, defaultClientBodyBufferSize),
		clientBodyTempPath:   valueOr(s.clientBodyTempPath, ""),
		requestBuffering:     valueOr(s.requestBuffering, true),
		underscoresInHeaders: valueOr(s.underscoresInHeaders, false),
		ignoreInvalidHeaders: valueOr(s.ignoreInvalidHeaders, true),
	}
	if s.setBody != nil {
		c.tmpl(l, "proxy_set_body", *s.setBody, &rc.setBody)
	}
	if s.method != nil {
		c.tmpl(l, "proxy_method", *s.method, &rc.method)
	}
}

func reqDirective(name string, f func(*reqConfSet) error) Directive {
	return directive(name, func(c *confSet) error { return f(&c.req) })
}

// ClientMaxBodySize mirrors client_max_body_size (default 1 MiB; 0 means
// no limit): a request whose Content-Length is larger is answered 413 as
// soon as its location is chosen, before its body is read, whatever the
// location serves; a chunked body is stopped with 413 once it grows past
// the limit while it is read.
func ClientMaxBodySize(n int64) Directive {
	return reqDirective("client_max_body_size", func(c *reqConfSet) error {
		if n < 0 {
			return fmt.Errorf("invalid value %d", n)
		}
		c.clientMaxBodySize = &n
		return nil
	})
}

// ClientBodyBufferSize mirrors client_body_buffer_size (default 8 KiB):
// a request body up to this size is kept in memory, a larger one is
// written to a temporary file in [ClientBodyTempPath], removed when the
// request ends.
func ClientBodyBufferSize(n int64) Directive {
	return reqDirective("client_body_buffer_size", func(c *reqConfSet) error {
		if n <= 0 {
			return fmt.Errorf("invalid value %d", n)
		}
		c.clientBodyBufferSize = &n
		return nil
	})
}

// ClientBodyTempPath mirrors client_body_temp_path: the directory for
// request bodies larger than [ClientBodyBufferSize], created when first
// needed. The default is [os.TempDir]. nginx's subdirectory levels are
// not reproduced: the files are created in dir itself.
func ClientBodyTempPath(dir string) Directive {
	return reqDirective("client_body_temp_path", func(c *reqConfSet) error {
		if dir == "" {
			return errors.New("empty path")
		}
		c.clientBodyTempPath = &dir
		return nil
	})
}

// ProxyRequestBuffering mirrors proxy_request_buffering (default on). Off,
// the request body is sent upstream as it arrives, and a request whose
// body was partly sent is not retried on another server. A chunked body
// is then sent chunked to an HTTP/1.1 upstream ([ProxyHTTPVersion]); an
// HTTP/1.0 upstream still gets it buffered, with a Content-Length, as
// nginx does. [ProxySetBody] and [ProxyPassRequestBody] off also keep it
// buffered.
func ProxyRequestBuffering(on bool) Directive {
	return reqDirective("proxy_request_buffering", func(c *reqConfSet) error { c.requestBuffering = &on; return nil })
}

// ProxySetBody mirrors proxy_set_body: the body sent upstream instead of
// the client's, with variables, and its length as Content-Length (sent
// even for a GET).
func ProxySetBody(value string) Directive {
	return reqDirective("proxy_set_body", func(c *reqConfSet) error { c.setBody = &value; return nil })
}

// ProxyMethod mirrors proxy_method: the method sent upstream instead of
// the client's, with variables.
func ProxyMethod(method string) Directive {
	return reqDirective("proxy_method", func(c *reqConfSet) error {
		if method == "" {
			return errors.New("empty method")
		}
		c.method = &method
		return nil
	})
}

// UnderscoresInHeaders mirrors underscores_in_headers (default off): with
// it off, a client header whose name contains "_" is ignored as invalid
// (see [IgnoreInvalidHeaders]): it is not passed upstream, and $http_NAME
// does not see it.
func UnderscoresInHeaders(on bool) Option {
	return serverOption(func(s *serverBuilder) error { s.conf.req.underscoresInHeaders = &on; return nil })
}

// IgnoreInvalidHeaders mirrors ignore_invalid_headers (default on): a
// client header whose name has bytes other than letters, digits and "-"
// (and "_" with [UnderscoresInHeaders] on) is ignored, as if not sent.
// Off, such headers are kept. Names net/http itself refuses (those that
// are not HTTP tokens) are answered 400 by net/http before frontdesk sees
// the request.
func IgnoreInvalidHeaders(on bool) Option {
	return serverOption(func(s *serverBuilder) error { s.conf.req.ignoreInvalidHeaders = &on; return nil })
}

// filterClientHeaders drops the header lines nginx ignores when it parses
// a request (ngx_http_parse_header_line with ignore_invalid_headers on).
// net/http parsed the request already, so the lines are removed from a
// shallow copy; a request that has none is returned as it is, without
// allocating.
func filterClientHeaders(rc *reqConf, r *http.Request) *http.Request {
	if !rc.ignoreInvalidHeaders {
		return r
	}
	invalid := false
	for name := range r.Header {
		if !validHeaderName(name, rc.underscoresInHeaders) {
			invalid = true
			break
		}
	}
	if !invalid {
		return r
	}
	h := make(http.Header, len(r.Header))
	for name, v := range r.Header {
		if validHeaderName(name, rc.underscoresInHeaders) {
			h[name] = v
		}
	}
	r2 := r.WithContext(r.Context())
	r2.Header = h
	return r2
}

// validHeaderName reports whether nginx's header parser accepts name:
// letters, digits, "-", and "_" when underscores are allowed.
func validHeaderName(name string, underscores bool) bool {
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-':
		case c == '_' && underscores:
		default:
			return false
		}
	}
	return true
}

// bodyTooLarge is the check nginx's find-config phase makes for every
// location: a Content-Length beyond the location's client_max_body_size.
// A body already discarded by an error response is not checked again.
func (st *reqState) bodyTooLarge() bool {
	limit := st.loc.conf.req.clientMaxBodySize
	if limit == 0 || st.r.ContentLength <= limit || st.bodyDiscarded {
		return false
	}
	// nginx discards the body to send the 413; an error page served
	// afterwards sees none.
	st.bodyDiscarded = true
	if st.logging(slog.LevelError) {
		st.logRequest(slog.LevelError, "client intended to send too large body: "+strconv.FormatInt(st.r.ContentLength, 10)+" bytes", "")
	}
	return true
}

// requestBody is the client's request body as read for proxy_pass. A
// buffered body is in memory (up to client_body_buffer_size) or in a
// temporary file, and can be read again from the start for every attempt:
// it is an [io.ReaderAt] of Size bytes. An unbuffered one
// (proxy_request_buffering off) is the client's stream, sent once.
//
// length is nginx's r->headers_in.content_length_n: the body's length,
// -1 when the request has none, also kept when the body is not passed.
type requestBody struct {
	length int64
	mem    []byte
	file   *os.File
	size   int64 // bytes in mem or file
	// stream is the client's body for an unbuffered proxy_pass; chunked
	// says it has no Content-Length.
	stream  io.Reader
	chunked bool
	limit   int64 // client_max_body_size for a chunked stream, 0 none
	sent    bool  // stream consumed: the body cannot be sent again
	// trailer is the client's Trailer header, which net/http moves out
	// of the header map (and fills with every trailer once the body is
	// read, declared or not).
	trailer string
}

var requestBodyPool = sync.Pool{New: func() any { return new(requestBody) }}

// maxPooledBody bounds the memory a pooled body keeps between requests.
const maxPooledBody = 64 << 10

// Size is the number of bytes of a buffered body.
func (b *requestBody) Size() int64 { return b.size }

// ReadAt reads a buffered body from offset off.
func (b *requestBody) ReadAt(p []byte, off int64) (int, error) {
	if b.file != nil {
		if off >= b.size {
			return 0, io.EOF
		}
		if rest := b.size - off; int64(len(p)) > rest {
			n, err := b.file.ReadAt(p[:rest], off)
			if err == nil {
				err = io.EOF
			}
			return n, err
		}
		return b.file.ReadAt(p, off)
	}
	if off >= int64(len(b.mem)) {
		return 0, io.EOF
	}
	n := copy(p, b.mem[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// release removes the temporary file and returns the body to the pool.
func (b *requestBody) release() {
	if b.file != nil {
		name := b.file.Name()
		b.file.Close()
		os.Remove(name)
	}
	mem := b.mem[:0]
	if cap(mem) > maxPooledBody {
		mem = nil
	}
	*b = requestBody{mem: mem}
	requestBodyPool.Put(b)
}

// clientBodyError ends a request whose body could not be read: 413 past
// client_max_body_size, 400 for a malformed or truncated body.
type clientBodyError struct {
	status int
	err    error
}

func (e *clientBodyError) Error() string { return "client body: " + e.err.Error() }

// asClientBodyError finds a clientBodyError in err's chain; nil when
// there is none (or no error, which costs nothing).
func asClientBodyError(err error) *clientBodyError {
	if err == nil {
		return nil
	}
	var ce *clientBodyError
	errors.As(err, &ce)
	return ce
}
func (e *clientBodyError) Unwrap() error { return e.err }

// bodyReadError ends a request whose body could not be read from the
// client: 408, nginx's close without a response, when client_body_timeout
// passed; else 400.
func bodyReadError(err error) *clientBodyError {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return &clientBodyError{status: http.StatusRequestTimeout, err: err}
	}
	return &clientBodyError{status: http.StatusBadRequest, err: err}
}

var errBodyTooLarge = errors.New("client intended to send too large chunked body")

// readRequestBody reads the client body for a proxy_pass as
// ngx_http_read_client_request_body does, or returns the one an earlier
// proxy_pass of this request read (an error page after a failed
// attempt). A status other than 0 ends the request.
func (st *reqState) readRequestBody(pc *proxyConf) (*requestBody, int) {
	if b := st.body; b != nil {
		if b.sent {
			// A streamed body is gone once sent: what follows sees an
			// empty one rather than waiting for bytes that never come.
			b.stream, b.chunked, b.length = nil, false, 0
		}
		return b, 0
	}
	b := requestBodyPool.Get().(*requestBody)
	b.length = -1
	st.body = b
	r := st.r
	if len(r.Trailer) > 0 {
		b.trailer = trailerNames(r.Trailer)
	}
	chunked := r.ContentLength < 0
	hasBody := chunked || r.ContentLength > 0
	switch {
	case st.bodyDiscarded || st.errStatus != 0:
		// An error response discarded the body, and the discarding
		// counted it down to nothing.
		if hasBody {
			b.length = 0
		}
		return b, 0
	case !hasBody:
		if _, ok := r.Header["Content-Length"]; ok {
			b.length = 0
		}
		st.expectContinue()
		return b, 0
	}
	rc := &st.loc.conf.req
	if !rc.requestBuffering && rc.setBody == nil && pc.passRequestBody && (!chunked || pc.httpVersion == "1.1") {
		b.stream, b.chunked, b.length = r.Body, chunked, r.ContentLength
		if chunked {
			b.limit = rc.clientMaxBodySize
		}
		return b, 0
	}
	if err := b.buffer(r.Body, r.ContentLength, rc); err != nil {
		var ce *clientBodyError
		if errors.As(err, &ce) {
			st.bodyDiscarded = true
			return b, ce.status
		}
		st.srv.proxy.logger.Error("reading client request body", "location", st.loc.pattern, "err", err)
		return b, http.StatusInternalServerError
	}
	b.length = b.size
	return b, 0
}

// expectContinue answers "Expect: 100-continue" for a request without a
// body: nginx sends "100 Continue" whenever it starts reading a body, and
// net/http does so itself only for a body it is asked to read.
func (st *reqState) expectContinue() {
	r := st.r
	if r.ProtoAtLeast(1, 1) && len(r.Header["Expect"]) > 0 && strings.EqualFold(r.Header["Expect"][0], "100-continue") {
		st.w.WriteHeader(http.StatusContinue)
	}
}

// buffer reads the whole body: n bytes for a Content-Length, or a chunked
// body up to rc's limit.
func (b *requestBody) buffer(src io.Reader, n int64, rc *reqConf) error {
	limit := rc.clientMaxBodySize
	if n >= 0 {
		// Content-Length was checked against the limit before.
		if n <= rc.clientBodyBufferSize {
			b.mem = slices.Grow(b.mem[:0], int(n))[:n]
			if _, err := io.ReadFull(src, b.mem); err != nil {
				return bodyReadError(err)
			}
			b.size = n
			return nil
		}
		return b.spill(src, n, rc)
	}
	// Chunked: read into memory up to the buffer size, and spill the rest.
	b.mem = b.mem[:0]
	for int64(len(b.mem)) <= rc.clientBodyBufferSize {
		if len(b.mem) == cap(b.mem) {
			b.mem = slices.Grow(b.mem, min(max(512, cap(b.mem)), int(rc.clientBodyBufferSize)+1-len(b.mem)))
		}
		m, err := src.Read(b.mem[len(b.mem):cap(b.mem)])
		b.mem = b.mem[:len(b.mem)+m]
		if limit > 0 && int64(len(b.mem)) > limit {
			return &clientBodyError{status: http.StatusRequestEntityTooLarge, err: errBodyTooLarge}
		}
		if err == io.EOF {
			b.size = int64(len(b.mem))
			return nil
		}
		if err != nil {
			return bodyReadError(err)
		}
	}
	return b.spill(src, -1, rc)
}

// spill writes the body to a temporary file: what is in memory, then the
// rest of src (n more bytes, or up to EOF when n < 0, within the limit).
func (b *requestBody) spill(src io.Reader, n int64, rc *reqConf) error {
	dir := rc.clientBodyTempPath
	if dir == "" {
		dir = os.TempDir()
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "frontdesk-body-")
	if err != nil {
		return err
	}
	b.file = f
	if _, err := f.Write(b.mem); err != nil {
		return err
	}
	read := int64(len(b.mem))
	b.mem = b.mem[:0]
	if n >= 0 {
		_, err = io.CopyN(f, src, n-read)
	} else {
		// What is left of client_max_body_size, and one byte to tell a
		// body past it.
		r := src
		left := rc.clientMaxBodySize - read
		if rc.clientMaxBodySize > 0 {
			r = io.LimitReader(src, left+1)
		}
		var copied int64
		copied, err = io.Copy(f, r)
		if err == nil && rc.clientMaxBodySize > 0 && copied > left {
			return &clientBodyError{status: http.StatusRequestEntityTooLarge, err: errBodyTooLarge}
		}
	}
	if err != nil {
		if werr := (*os.PathError)(nil); errors.As(err, &werr) {
			return err
		}
		return bodyReadError(err)
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	b.size = fi.Size()
	return nil
}

// upstreamBody is what one proxy_pass sends after the request head: the
// client's body (buffered or streamed), proxy_set_body's text, or
// nothing. It is a small value; every attempt sends it anew.
type upstreamBody struct {
	body *requestBody // the client's body; nil when not sent
	set  []byte       // proxy_set_body's value
}

// replayable reports whether another attempt can send the body again: not
// once an unbuffered body has been (partly) sent.
func (u upstreamBody) replayable() bool { return u.body == nil || !u.body.sent }

// sendChunk is the buffer size for streaming a body from its file or from
// the client; proxy_send_timeout applies to each write.
const sendChunk = 32 << 10

// send writes the head and the body to the upstream, each write bounded by
// proxy_send_timeout (nginx's limit between two successive writes).
func (u upstreamBody) send(uc *upstreamConn, head []byte) error {
	b := u.body
	switch {
	case u.set != nil:
		return writeBoth(uc, head, u.set)
	case b == nil || (b.stream == nil && b.size == 0):
		_, err := uc.Write(head)
		return err
	case b.stream == nil && b.file == nil:
		return writeBoth(uc, head, b.mem)
	}
	// A body from a file or from the client takes its time: the
	// exchange goes the slow way, with a deadline for each write.
	uc.goSlow()
	if _, err := uc.Write(head); err != nil {
		return err
	}
	conn := uc.conn
	deadline := func() { _ = conn.SetWriteDeadline(time.Now().Add(uc.ex.send)) }
	if b.stream == nil {
		// Copying from the *os.File to the connection itself lets the
		// kernel send it (sendfile).
		if _, err := b.file.Seek(0, io.SeekStart); err != nil {
			return err
		}
		for left := b.size; left > 0; left -= sendChunk {
			deadline()
			if _, err := io.CopyN(conn, b.file, min(left, sendChunk)); err != nil {
				return err
			}
		}
		return nil
	}
	return b.sendStream(conn, deadline)
}

// writeBoth writes a head and a small body in one system call when the
// body fits in the room left after the head, else in two.
func writeBoth(uc *upstreamConn, head, body []byte) error {
	if len(body) <= cap(head)-len(head) {
		_, err := uc.Write(append(head, body...))
		return err
	}
	if _, err := uc.Write(head); err != nil {
		return err
	}
	_, err := uc.Write(body)
	return err
}

// sendStream copies the client's body to conn as it arrives, each read
// as one chunk when the body is chunked (ngx_http_proxy_body_output_filter
// frames every buffer it is given the same way).
func (b *requestBody) sendStream(conn net.Conn, deadline func()) error {
	b.sent = true
	// Data is read after room for the chunk-size line, and with room for
	// the CRLF after it, so that a chunk is one write.
	const room = 16
	buf := make([]byte, room+sendChunk+2)
	var total int64
	for {
		n, err := b.stream.Read(buf[room : room+sendChunk])
		total += int64(n)
		if b.limit > 0 && total > b.limit {
			return &clientBodyError{status: http.StatusRequestEntityTooLarge, err: errBodyTooLarge}
		}
		if n > 0 {
			out := buf[room : room+n]
			if b.chunked {
				var size [room]byte
				line := append(strconv.AppendInt(size[:0], int64(n), 16), "\r\n"...)
				start := room - len(line)
				copy(buf[start:], line)
				out = append(buf[start:room+n], "\r\n"...)
			}
			deadline()
			if _, werr := conn.Write(out); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			if b.chunked {
				deadline()
				_, werr := conn.Write([]byte("0\r\n\r\n"))
				return werr
			}
			return nil
		}
		if err != nil {
			return bodyReadError(err)
		}
	}
}

// buildUpstreamHead renders the request line and headers nginx would
// send, and chooses the body that follows them.
func (st *reqState) buildUpstreamHead(h *proxyHandler, body *requestBody) ([]byte, upstreamBody) {
	pc := h.conf
	rc := &st.loc.conf.req
	var ub upstreamBody
	// Content-Length and Transfer-Encoding are nginx's
	// $proxy_internal_body_length and $proxy_internal_chunked.
	length, chunked := body.length, false
	switch {
	case rc.setBody != nil:
		ub.set = rc.setBody.expand(st, nil)
		if ub.set == nil {
			ub.set = []byte{}
		}
		length = int64(len(ub.set))
	case body.stream != nil:
		ub.body = body
		chunked = body.chunked
	case pc.passRequestBody:
		ub.body = body
	}
	// The head is rendered straight into the state's buffer: variables
	// expand in place, and nothing is allocated once it has grown. The
	// buffer is the caller's until it gives it back (an error page may
	// proxy again meanwhile, with a buffer of its own).
	head := st.keep.head[:0]
	st.keep.head = nil
	if rc.method != nil {
		head = rc.method.expand(st, head)
	} else {
		head = append(head, st.method...)
	}
	head = append(head, ' ')
	head = st.appendUpstreamURI(head, h)
	head = append(head, " HTTP/"...)
	head = append(head, pc.httpVersion...)
	head = append(head, "\r\n"...)
	for i := range pc.setHeaders {
		ph := &pc.setHeaders[i]
		mark := len(head)
		head = append(head, ph.name...)
		head = append(head, ": "...)
		if v := ph.value.expand(st, head); len(v) > len(head) {
			head = append(v, "\r\n"...)
		} else {
			// An empty value sends nothing.
			head = v[:mark]
		}
	}
	// nginx's defaults follow, each unless proxy_set_header names it;
	// TE, Keep-Alive, Expect and Upgrade have no value and are only
	// kept from the client.
	own := pc.ownHeaders
	if h.proxyHost != "" && !pc.replaces.host {
		head = h1.AppendField(head, "Host", h.proxyHost)
	}
	if pc.connectionClose && !pc.replaces.connection {
		head = h1.AppendField(head, "Connection", "close")
	}
	if chunked {
		if !pc.replaces.transferEncoding {
			head = h1.AppendField(head, "Transfer-Encoding", "chunked")
		}
	} else if length >= 0 && !pc.replaces.contentLength {
		head = append(head, "Content-Length: "...)
		head = strconv.AppendInt(head, length, 10)
		head = append(head, "\r\n"...)
	}
	if fs, ok := h1server.ClientFields(st.r.Context()); ok && pc.passRequestHeaders {
		// The binary's server loop kept the client's lines: they go
		// upstream in its order and spelling, as nginx sends them. A
		// name absent from the header map was dropped (an invalid
		// name, or Host, which the handler keeps apart).
		for _, f := range fs {
			name := textproto.CanonicalMIMEHeaderKey(f.Name)
			if _, kept := st.r.Header[name]; kept && !own[name] {
				head = h1.AppendField(head, f.Name, f.Value)
			}
		}
	} else if pc.passRequestHeaders {
		st.keep.names = clientHeaderOrder(st.r, st.keep.names[:0])
		for _, name := range st.keep.names {
			if own[name] {
				continue
			}
			if name == "Trailer" {
				if body.trailer != "" {
					head = h1.AppendField(head, name, body.trailer)
				}
				continue
			}
			spelled := name
			if st.r.ProtoMajor == 2 {
				// HTTP/2 names are lower case on the wire, and nginx
				// passes them on as received (conformance_http2_test.go).
				spelled = strings.ToLower(name)
			}
			for _, v := range st.r.Header[name] {
				head = h1.AppendField(head, spelled, v)
			}
		}
	}
	head = append(head, "\r\n"...)
	if ub.set == nil && ub.body != nil && ub.body.stream == nil && ub.body.file == nil && ub.body.size > 0 {
		// Room for a small body, sent with the head in one write.
		head = slices.Grow(head, int(ub.body.size))
	} else if len(ub.set) > 0 {
		head = slices.Grow(head, len(ub.set))
	}
	return head, ub
}

// clientHeaderOrder appends the client's header names to names. net/http
// keeps them in a map under canonical names, so neither the client's
// order nor its spelling (both of which nginx keeps) is known here: names
// are sorted, a documented difference. A chunked request's Trailer
// header, which net/http moves out of the header map, is put back in its
// place.
func clientHeaderOrder(r *http.Request, names []string) []string {
	for n := range r.Header {
		names = append(names, n)
	}
	if len(r.Trailer) > 0 {
		if _, ok := r.Header["Trailer"]; !ok {
			names = append(names, "Trailer")
		}
	}
	slices.Sort(names)
	return names
}

// underscoreHeader finds the header $http_NAME names when the client
// spelled it with "_" (kept with underscores_in_headers on): nginx
// compares names with "-" and "_" alike. canonical is NAME in canonical
// form ("X-Under" for $http_x_under); of several matches the first in
// sorted order wins, net/http having lost the client's order.
func underscoreHeader(h http.Header, canonical string) (string, bool) {
	found, value := "", ""
	for k, vs := range h {
		if len(k) != len(canonical) || strings.IndexByte(k, '_') < 0 || len(vs) == 0 {
			continue
		}
		if strings.EqualFold(strings.ReplaceAll(k, "_", "-"), canonical) && (found == "" || k < found) {
			found, value = k, vs[0]
		}
	}
	return value, found != ""
}

// trailerNames rebuilds a Trailer header from the names net/http kept.
func trailerNames(t http.Header) string {
	names := make([]string, 0, len(t))
	for n := range t {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// appendUpstreamURI appends the request-target nginx sends upstream
// (ngx_http_proxy_create_request).
func (st *reqState) appendUpstreamURI(dst []byte, h *proxyHandler) []byte {
	if h.verbatimURI {
		// proxy_pass with variables and a URI part: that URI, as it is.
		return append(dst, h.uriPart...)
	}
	if !h.hasURI && st.rawURIValid() {
		return append(dst, st.target.RequestURI...)
	}
	// With a URI part, the location's name is replaced by it, unless
	// "rewrite … break" changed the URI inside the location (nginx's
	// valid_location is then off): the whole URI is sent.
	prefix, locLen := "", 0
	if h.hasURI && !st.rewrittenInPlace {
		prefix, locLen = h.uriPart, len(h.loc.name)
	}
	tail := st.uri[min(locLen, len(st.uri)):]
	dst = append(dst, prefix...)
	if st.target.Escaped || st.internal {
		dst = append(dst, uri.Escape(tail, uri.EscapeURI)...)
	} else {
		dst = append(dst, tail...)
	}
	if st.args != "" {
		dst = append(dst, '?')
		dst = append(dst, st.args...)
	}
	return dst
}

// rawURIValid is nginx's valid_unparsed_uri: the client's request-target
// still stands for the request. Internal redirects and rewrites end it;
// a named location, reached without changing the URI, keeps it.
func (st *reqState) rawURIValid() bool {
	return st.target.RequestURI != "" && !st.uriRedirected && !st.rewrittenInPlace &&
		(!st.internal || st.uri == st.target.URI && st.args == st.target.Args)
}

// lintSetHeaders reports proxy_set_header choices nginx accepts that let
// a client decide what the backend believes, and levels whose own
// proxy_set_header lines silently drop the outer level's.
func (c *compiler) lintSetHeaders(l *location, s *proxyConfSet) {
	if len(s.droppedHeaders) > 0 {
		c.warn(l.pattern, "proxy_set_header", "this level's proxy_set_header replaces every outer one, so %s %s not sent here: nginx inherits proxy_set_header only by levels that set none",
			strings.Join(s.droppedHeaders, ", "), pluralVerb(len(s.droppedHeaders)))
	}
	if s.setHeadersInherited {
		return
	}
	for _, d := range s.setHeaders {
		switch {
		case strings.EqualFold(d.name, "Host") && strings.Contains(strings.ToLower(d.value), "$http_host"):
			c.warn(l.pattern, "proxy_set_header", "Host %s passes the client's Host header as sent: the client chooses it, it may carry a port, and it may be missing; $host is its validated, normalised form", d.value)
		case strings.Contains(strings.ToLower(d.value), "$proxy_add_x_forwarded_for"):
			c.warn(l.pattern, "proxy_set_header", "%s %s appends to the X-Forwarded-For the client sent: every address but the last is the client's choice, so the backend must trust only the last one (or use $remote_addr at the edge)", d.name, d.value)
		}
	}
}

func pluralVerb(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// registerProxyVariables adds the proxy module's variables ($proxy_host,
// $proxy_port, $proxy_add_x_forwarded_for) and the upstream ones.
func registerProxyVariables(variables map[string]varGetter) {
	variables["proxy_host"] = func(st *reqState, _ string, d []byte) []byte { return append(d, st.proxyHost...) }
	variables["proxy_port"] = func(st *reqState, _ string, d []byte) []byte { return append(d, st.proxyPort...) }
	variables["proxy_add_x_forwarded_for"] = varProxyAddXFF
}

// varProxyAddXFF is the client's X-Forwarded-For with $remote_addr
// appended, as nginx builds it: every header line followed by ", ".
func varProxyAddXFF(st *reqState, _ string, d []byte) []byte {
	for _, v := range st.r.Header["X-Forwarded-For"] {
		d = append(d, v...)
		d = append(d, ", "...)
	}
	return append(d, st.remote().text...)
}

// defaultHeaders are the headers nginx's proxy module sends itself
// (ngx_http_proxy_headers), in its order; a client's header of one of
// these names is never passed.
var defaultHeaders = []string{"Host", "Connection", "Content-Length", "Transfer-Encoding", "TE", "Keep-Alive", "Expect", "Upgrade"}

// ownHeaderNames is the set buildUpstreamHead consults: the canonical
// name of every proxy_set_header and default header (client headers of
// these names are not passed), and, under "\x00"+name, the defaults a
// proxy_set_header replaces. Client header names are canonical already,
// so the lookups allocate nothing.
func ownHeaderNames(set []headerDef) map[string]bool {
	m := make(map[string]bool, len(set)+2*len(defaultHeaders))
	for _, d := range set {
		m[http.CanonicalHeaderKey(d.name)] = true
	}
	for _, n := range defaultHeaders {
		if m[http.CanonicalHeaderKey(n)] {
			m["\x00"+n] = true
		}
		m[http.CanonicalHeaderKey(n)] = true
	}
	return m
}

// droppedHeaders lists the outer level's proxy_set_header names that own
// does not set again.
func droppedHeaders(own, outer []headerDef) []string {
	var dropped []string
	for _, o := range outer {
		if !slices.ContainsFunc(own, func(d headerDef) bool { return strings.EqualFold(d.name, o.name) }) &&
			!slices.Contains(dropped, o.name) {
			dropped = append(dropped, o.name)
		}
	}
	return dropped
}
