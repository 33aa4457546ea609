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
	"strings"
)

// Field is one header line, its name as written.
type Field struct {
	Name, Value string
}

// AppendField appends one header line, "Name: value" and CRLF.
func AppendField(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// Response is a parsed upstream response head. A Response can be read
// into again ([ReadResponseInto]): its storage is reused.
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

	// Reused between reads: the head's bytes and the offsets of each
	// field in them, so that the strings of a head cost one allocation.
	raw  []byte
	offs []int32
	// The body readers Body hands out, kept here so that they are not
	// allocated for each response.
	lr lengthReader
	cr chunkedReader
}

// Consumed returns the bytes of an HTTP/0.9 response already read while
// looking for a status line, with the line ending that ended them.
func (r *Response) Consumed() []byte { return r.head }

// Get returns the first value of a header, matched case-insensitively.
func (r *Response) Get(name string) (string, bool) {
	for _, f := range r.Fields {
		if EqualFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// ErrInvalidHeader is an upstream response nginx rejects as invalid
// (nginx: "upstream sent invalid header"); the proxy answers 502.
var ErrInvalidHeader = errors.New("upstream sent invalid header")

// InvalidHeaderError is ErrInvalidHeader for one header line, which
// nginx quotes in its log.
type InvalidHeaderError struct{ Line string }

func (e *InvalidHeaderError) Error() string {
	return fmt.Sprintf("%v: %q", ErrInvalidHeader, e.Line)
}

func (e *InvalidHeaderError) Unwrap() error { return ErrInvalidHeader }

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
	resp := new(Response)
	err := ReadResponseInto(br, maxHead, resp)
	if err != nil && err != ErrNoStatusLine {
		return nil, err
	}
	return resp, err
}

// ReadResponseInto is [ReadResponse] reading into resp, whose storage it
// reuses. On an error other than ErrNoStatusLine resp is undefined.
func ReadResponseInto(br *bufio.Reader, maxHead int, resp *Response) error {
	*resp = Response{ContentLength: -1, Fields: resp.Fields[:0], raw: resp.raw[:0], offs: resp.offs[:0]}
	raw, err := br.ReadSlice('\n')
	if len(raw) == 0 && err != nil {
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	if err != nil && statusLinePrefix(raw) {
		// A status line cut short: nginx waits for the rest, and an
		// upstream that closes or stalls now fails the try (502, 504).
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		if err == bufio.ErrBufferFull {
			return ErrHeaderTooBig
		}
		return err
	}
	line := bytes.TrimRight(raw, "\r\n")
	status, ok := parseStatusLine(line, resp)
	if !ok {
		// nginx decides on the first byte that cannot start a status line
		// and passes everything received as an HTTP/0.9 body.
		*resp = Response{Status: 200, ContentLength: -1, Close: true, head: bytes.Clone(raw)}
		return ErrNoStatusLine
	}
	switch {
	case err == bufio.ErrBufferFull || len(raw) > maxHead:
		return ErrHeaderTooBig
	case err == io.EOF:
		return io.ErrUnexpectedEOF
	case err != nil:
		return err
	}
	resp.raw = append(resp.raw, status...)
	used := len(line)
	for {
		l, err := readLine(br, maxHead-used)
		if err != nil {
			return err
		}
		used += len(l)
		if len(l) == 0 {
			break
		}
		name, value, ok := parseField(l)
		if !ok {
			return &InvalidHeaderError{Line: string(l)}
		}
		resp.offs = append(resp.offs, int32(len(resp.raw)))
		resp.raw = append(resp.raw, name...)
		resp.offs = append(resp.offs, int32(len(resp.raw)))
		resp.raw = append(resp.raw, value...)
	}
	// One string for the whole head: the fields are slices of it.
	s := string(resp.raw)
	resp.StatusLine = s[:len(status)]
	for i := 0; i < len(resp.offs); i += 2 {
		end := len(s)
		if i+2 < len(resp.offs) {
			end = int(resp.offs[i+2])
		}
		resp.Fields = append(resp.Fields, Field{Name: s[resp.offs[i]:resp.offs[i+1]], Value: s[resp.offs[i+1]:end]})
	}
	resp.framing()
	return nil
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

// parseStatusLine accepts "HTTP/x.y SP ddd [SP reason]" and returns the
// part from the status code on.
func parseStatusLine(line []byte, r *Response) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(line, []byte("HTTP/"))
	if !ok || len(rest) == 0 || rest[0] == '0' {
		return nil, false
	}
	major, rest, ok := digits(rest)
	if !ok || len(rest) == 0 || rest[0] != '.' {
		return nil, false
	}
	minor, rest, ok := digits(rest[1:])
	if !ok || len(rest) == 0 || rest[0] != ' ' {
		return nil, false
	}
	for len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	if len(rest) < 3 || !isDigit(rest[0]) || !isDigit(rest[1]) || !isDigit(rest[2]) {
		return nil, false
	}
	if len(rest) > 3 && rest[3] != ' ' {
		return nil, false
	}
	r.Major, r.Minor = major, minor
	r.Status = int(rest[0]-'0')*100 + int(rest[1]-'0')*10 + int(rest[2]-'0')
	if r.Status < 100 {
		return nil, false
	}
	return rest, true
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
	value = trimSpace(l[i+1:])
	for _, c := range value {
		if c == 0 || c == '\r' || c == '\n' {
			return nil, nil, false
		}
	}
	return name, value, true
}

// trimSpace drops the spaces and tabs around b.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func isTokenChar(c byte) bool { return tokenChars[c] }

// tokenChars marks the bytes of an HTTP token (RFC 9110 tchar).
var tokenChars = func() (t [256]bool) {
	for c := range 256 {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			t[c] = true
		}
	}
	for _, c := range []byte("!#$%&'*+-.^_`|~") {
		t[c] = true
	}
	return t
}()

// EqualFold reports whether two header names are equal ignoring ASCII
// case, without allocating.
func EqualFold(a, b string) bool {
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
func (r *Response) framing() {
	r.Close = r.Major == 1 && r.Minor == 0
	for _, f := range r.Fields {
		switch {
		case EqualFold(f.Name, "Content-Length"):
			r.ContentLength = -1
			if n, err := strconv.ParseInt(f.Value, 10, 64); err == nil && n >= 0 && f.Value[0] != '+' {
				r.ContentLength = n
			}
		case EqualFold(f.Name, "Transfer-Encoding"):
			if containsFold(f.Value, "chunked") {
				r.Chunked = true
			}
		case EqualFold(f.Name, "Connection"):
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
}

// containsFold reports whether v contains lower-case sub, ignoring case.
func containsFold(v, sub string) bool {
	for i := 0; i+len(sub) <= len(v); i++ {
		if EqualFold(v[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func containsToken(v, token string) bool {
	for v != "" {
		var t string
		t, v, _ = strings.Cut(v, ",")
		if EqualFold(strings.Trim(t, " \t"), token) {
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
		r.cr = chunkedReader{br: br}
		return &r.cr
	case r.ContentLength >= 0:
		r.lr = lengthReader{br: br, n: r.ContentLength}
		return &r.lr
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
	// At most 16 hex digits: parsed by hand, as strconv would allocate
	// its error for the string.
	var n int64
	for _, c := range line {
		var d byte
		switch {
		case isDigit(c):
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, ErrInvalidChunk
		}
		n = n<<4 | int64(d)
	}
	if n < 0 {
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
