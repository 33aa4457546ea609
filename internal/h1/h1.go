// Package h1 is frontdesk's upstream HTTP/1.x wire: it writes requests
// byte for byte as nginx's proxy module builds them and reads responses
// with nginx's strictness. net/http's Transport cannot be used for this:
// it always speaks HTTP/1.1, canonicalises header names, adds headers of
// its own and accepts framing nginx rejects.
package h1

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Field is one header line, its name as written.
type Field struct {
	Name, Value string
}

// AppendRequestHead appends a request line and header block.
func AppendRequestHead(dst []byte, method, uri, proto string, fields []Field) []byte {
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, uri...)
	dst = append(dst, ' ')
	dst = append(dst, proto...)
	dst = append(dst, "\r\n"...)
	for _, f := range fields {
		dst = append(dst, f.Name...)
		dst = append(dst, ": "...)
		dst = append(dst, f.Value...)
		dst = append(dst, "\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// Response is a parsed upstream response head.
type Response struct {
	Major, Minor int // 0.9 for a response without status line
	Status       int
	StatusLine   string // "200 OK" as sent, without the protocol
	Fields       []Field
	// ContentLength is -1 when the response has no Content-Length.
	ContentLength int64
	Chunked       bool
	// Close reports that the upstream closes after this response (HTTP/1.0
	// without keep-alive, or "Connection: close").
	Close bool
	// head is what was read of an HTTP/0.9 response before it was found
	// to have no status line.
	head []byte
}

// Consumed returns the bytes of an HTTP/0.9 response already read while
// looking for a status line, with the line ending that ended them.
func (r *Response) Consumed() []byte { return r.head }

// Get returns the first value of a header, matched case-insensitively.
func (r *Response) Get(name string) (string, bool) {
	for _, f := range r.Fields {
		if equalFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// ErrInvalidHeader is an upstream response nginx rejects as invalid
// (nginx: "upstream sent invalid header"); the proxy answers 502.
var ErrInvalidHeader = errors.New("upstream sent invalid header")

// ErrHeaderTooBig is a response head larger than the buffer nginx reads it
// into (proxy_buffer_size): "upstream sent too big header", 502.
var ErrHeaderTooBig = errors.New("upstream sent too big header while reading response header from upstream")

// ErrNoStatusLine marks a response without a valid status line, which
// nginx accepts as HTTP/0.9: the bytes are the body of a 200.
var ErrNoStatusLine = errors.New("upstream sent no valid HTTP/1.0 header")

// ReadResponse reads a response head from br, at most maxHead bytes. A
// response without a valid status line is returned as HTTP/0.9 (status
// 200, the bytes read so far in Consumed) together with ErrNoStatusLine.
func ReadResponse(br *bufio.Reader, maxHead int) (*Response, error) {
	raw, err := br.ReadSlice('\n')
	if len(raw) == 0 && err != nil {
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if err != nil && statusLinePrefix(raw) {
		// A status line cut short: nginx waits for the rest, and an
		// upstream that closes or stalls now fails the try (502, 504).
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		if err == bufio.ErrBufferFull {
			return nil, ErrHeaderTooBig
		}
		return nil, err
	}
	line := bytes.TrimRight(raw, "\r\n")
	resp := &Response{ContentLength: -1}
	if !parseStatusLine(line, resp) {
		// nginx decides on the first byte that cannot start a status line
		// and passes everything received as an HTTP/0.9 body.
		return &Response{Status: 200, ContentLength: -1, Close: true, head: bytes.Clone(raw)}, ErrNoStatusLine
	}
	switch {
	case err == bufio.ErrBufferFull || len(raw) > maxHead:
		return nil, ErrHeaderTooBig
	case err == io.EOF:
		return nil, io.ErrUnexpectedEOF
	case err != nil:
		return nil, err
	}
	used := len(line)
	for {
		l, err := readLine(br, maxHead-used)
		if err != nil {
			return nil, err
		}
		used += len(l)
		if len(l) == 0 {
			break
		}
		name, value, ok := parseField(l)
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrInvalidHeader, l)
		}
		resp.Fields = append(resp.Fields, Field{Name: string(name), Value: string(value)})
	}
	if err := resp.framing(); err != nil {
		return nil, err
	}
	return resp, nil
}

// readLine reads one line ending in LF (CRLF or bare LF, as nginx accepts)
// and returns it without the line ending.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	if limit <= 0 {
		return nil, ErrHeaderTooBig
	}
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull || len(line) > limit {
		return nil, ErrHeaderTooBig
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// parseStatusLine accepts "HTTP/x.y SP ddd [SP reason]".
func parseStatusLine(line []byte, r *Response) bool {
	rest, ok := bytes.CutPrefix(line, []byte("HTTP/"))
	if !ok || len(rest) == 0 || rest[0] == '0' {
		return false
	}
	major, rest, ok := digits(rest)
	if !ok || len(rest) == 0 || rest[0] != '.' {
		return false
	}
	minor, rest, ok := digits(rest[1:])
	if !ok || len(rest) == 0 || rest[0] != ' ' {
		return false
	}
	for len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	if len(rest) < 3 || !isDigit(rest[0]) || !isDigit(rest[1]) || !isDigit(rest[2]) {
		return false
	}
	if len(rest) > 3 && rest[3] != ' ' {
		return false
	}
	r.Major, r.Minor = major, minor
	r.Status = int(rest[0]-'0')*100 + int(rest[1]-'0')*10 + int(rest[2]-'0')
	if r.Status < 100 {
		return false
	}
	r.StatusLine = string(rest)
	return true
}

// statusLinePrefix reports whether b, a status line without its end, can
// still become a valid one: nginx's status line parser has not yet met a
// byte it refuses.
func statusLinePrefix(b []byte) bool {
	const proto = "HTTP/"
	if len(b) <= len(proto) {
		return bytes.HasPrefix([]byte(proto), b)
	}
	if !bytes.HasPrefix(b, []byte(proto)) {
		return false
	}
	b = b[len(proto):]
	// major digits, ".", minor digits, spaces, three status digits, then
	// anything up to the line end.
	i := 0
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	if i == len(b) {
		return i == 0 || b[0] != '0'
	}
	if i == 0 || b[0] == '0' || b[i] != '.' {
		return false
	}
	b = b[i+1:]
	i = 0
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	if i == len(b) {
		return true
	}
	if i == 0 || b[i] != ' ' {
		return false
	}
	b = bytes.TrimLeft(b[i:], " ")
	for i = 0; i < len(b) && i < 3; i++ {
		if !isDigit(b[i]) {
			return false
		}
	}
	return len(b) <= 3 || b[3] == ' ' || b[3] == '\r'
}

func digits(b []byte) (int, []byte, bool) {
	n, i := 0, 0
	for i < len(b) && isDigit(b[i]) {
		if n > 99 {
			return 0, nil, false
		}
		n = n*10 + int(b[i]-'0')
		i++
	}
	return n, b[i:], i > 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseField splits "Name: value". Names are tokens; values lose the
// surrounding spaces, as nginx strips them.
func parseField(l []byte) (name, value []byte, ok bool) {
	i := bytes.IndexByte(l, ':')
	if i <= 0 {
		return nil, nil, false
	}
	name = l[:i]
	for _, c := range name {
		if !isTokenChar(c) {
			return nil, nil, false
		}
	}
	value = bytes.Trim(l[i+1:], " \t")
	for _, c := range value {
		if c == 0 || c == '\r' || c == '\n' {
			return nil, nil, false
		}
	}
	return name, value, true
}

func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// framing derives the body framing from the header as nginx 1.22 does:
// the last Content-Length wins and one that is not a number is ignored;
// a Transfer-Encoding containing "chunked" means chunked framing (which
// then overrides Content-Length), any other is ignored.
func (r *Response) framing() error {
	r.Close = r.Major == 1 && r.Minor == 0
	for _, f := range r.Fields {
		switch {
		case equalFold(f.Name, "Content-Length"):
			r.ContentLength = -1
			if n, err := strconv.ParseInt(f.Value, 10, 64); err == nil && n >= 0 && f.Value[0] != '+' {
				r.ContentLength = n
			}
		case equalFold(f.Name, "Transfer-Encoding"):
			if bytes.Contains(bytes.ToLower([]byte(f.Value)), []byte("chunked")) {
				r.Chunked = true
			}
		case equalFold(f.Name, "Connection"):
			if containsToken(f.Value, "close") {
				r.Close = true
			} else if containsToken(f.Value, "keep-alive") {
				r.Close = false
			}
		}
	}
	if r.Chunked {
		r.ContentLength = -1
	}
	return nil
}

func containsToken(v, token string) bool {
	for v != "" {
		var t string
		if i := bytes.IndexByte([]byte(v), ','); i >= 0 {
			t, v = v[:i], v[i+1:]
		} else {
			t, v = v, ""
		}
		t = string(bytes.Trim([]byte(t), " \t"))
		if equalFold(t, token) {
			return true
		}
	}
	return false
}

// BodyAllowed reports whether a response to method with status carries a
// body.
func BodyAllowed(method string, status int) bool {
	return method != "HEAD" && status >= 200 && status != 204 && status != 304
}

// Body returns a reader for the response body framed as the head says;
// until the upstream closes when it has neither length nor chunking.
func (r *Response) Body(br *bufio.Reader, method string) io.Reader {
	switch {
	case !BodyAllowed(method, r.Status):
		return eofReader{}
	case r.Chunked:
		return &chunkedReader{br: br}
	case r.ContentLength >= 0:
		return &lengthReader{br: br, n: r.ContentLength}
	default:
		r.Close = true
		return br
	}
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

type lengthReader struct {
	br *bufio.Reader
	n  int64
}

func (l *lengthReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.br.Read(p)
	l.n -= int64(n)
	if err == io.EOF && l.n > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// ErrInvalidChunk is a malformed chunked body (nginx: "upstream sent
// invalid chunked response").
var ErrInvalidChunk = errors.New("upstream sent invalid chunked response")

type chunkedReader struct {
	br   *bufio.Reader
	left int64
	done bool
	err  error
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.done {
		return 0, io.EOF
	}
	if c.left == 0 {
		n, err := c.nextChunk()
		if err != nil {
			c.err = err
			return 0, err
		}
		if n == 0 {
			c.done = true
			return 0, io.EOF
		}
		c.left = n
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.br.Read(p)
	c.left -= int64(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err == nil && c.left == 0 {
		if line, lerr := readLine(c.br, 2); lerr != nil || len(line) != 0 {
			c.err = ErrInvalidChunk
		}
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

// nextChunk reads a chunk-size line (extensions ignored) and, for the last
// chunk, the trailer section.
func (c *chunkedReader) nextChunk() (int64, error) {
	line, err := readLine(c.br, 4096)
	if err != nil {
		if err == io.EOF {
			return 0, io.ErrUnexpectedEOF
		}
		return 0, err
	}
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, " \t")
	if len(line) == 0 || len(line) > 16 {
		return 0, ErrInvalidChunk
	}
	n, err := strconv.ParseInt(string(line), 16, 64)
	if err != nil || n < 0 {
		return 0, ErrInvalidChunk
	}
	if n == 0 {
		for {
			t, err := readLine(c.br, 4096)
			if err != nil {
				return 0, err
			}
			if len(t) == 0 {
				break
			}
		}
	}
	return n, nil
}
