// Package rawhttp is a minimal HTTP/1.x client for tests that must put exact
// bytes on the wire and see exactly what comes back.
//
// net/http normalises too much for conformance testing: it canonicalises header
// names, merges repeated fields, rewrites the request line, adds its own headers
// and hides framing. Here the request is written verbatim, and the response is
// returned field by field in wire order with the exact bytes of its head, so a
// test can compare real nginx and frontdesk byte for byte.
//
// The client is deliberately strict when reading: every line must end in CRLF,
// obsolete line folding and malformed framing are errors. nginx never sends
// those, so when frontdesk does, the test should fail rather than have the
// difference smoothed over.
//
// [Do] sends one request on a fresh connection and reads one response. For
// keep-alive and pipelining tests, [Dial] a connection, write the requests
// yourself and call [ReadResponse] once per response on one [bufio.Reader].
package rawhttp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout bounds [Dial] and [Do] when the context has no deadline, so a
// server that never answers (or never ends a close-delimited body) fails the
// test instead of hanging it.
const DefaultTimeout = 10 * time.Second

// Limits that keep a misbehaving server from exhausting the test's memory.
// They are far above anything nginx sends in a test (its own default
// large_client_header_buffers is 4 × 8k).
const (
	maxHeadBytes    = 1 << 20  // status line plus header fields, per response
	maxBodyBytes    = 64 << 20 // decoded body
	maxChunkLine    = 4 << 10  // chunk-size line including extensions
	maxInterimCount = 64       // 1xx responses before the final one
)

// Field is one header or trailer field exactly as received: Name keeps the
// sender's case, Value has its leading and trailing whitespace (OWS) removed.
type Field struct {
	Name, Value string
}

// Response is one HTTP/1.x response as it appeared on the wire.
//
// A zero Response is an empty value, not a valid response; responses come from
// [Do] and [ReadResponse].
type Response struct {
	// Proto is the protocol version from the status line, e.g. "HTTP/1.1".
	Proto string
	// Status is the three-digit status code.
	Status int
	// Reason is the reason phrase, possibly empty (nginx sends "HTTP/1.1 299 "
	// for codes it has no text for).
	Reason string
	// StatusLine is the whole status line without its CRLF.
	StatusLine string
	// Header holds the header fields in wire order, names as sent, repeated
	// fields kept separate.
	Header []Field
	// Body is the body with any chunked framing removed. It is empty for HEAD
	// requests and for 1xx, 204 and 304 responses.
	Body []byte
	// Chunked reports whether the body used chunked transfer coding.
	Chunked bool
	// Trailer holds the trailer fields of a chunked body, in wire order.
	Trailer []Field
	// Interim holds the 1xx responses (e.g. "100 Continue") that preceded this
	// final response, in order. 101 Switching Protocols is final, not interim.
	Interim []*Response
	// Raw is the exact bytes of the head: the status line through the empty
	// line that ends the header fields, CRLFs included.
	Raw []byte
}

// Get returns the value of the first header field whose name matches name
// case-insensitively, or "" when there is none.
func (r *Response) Get(name string) string {
	for _, f := range r.Header {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Values returns the values of every header field whose name matches name
// case-insensitively, in wire order; nil when there is none. Values are not
// split on commas.
func (r *Response) Values(name string) []string {
	var vs []string
	for _, f := range r.Header {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Dial connects to addr, which is a TCP "host:port" or, as in nginx's own
// syntax, "unix:/path/to/socket". The returned connection's deadline is set to
// the context's deadline, or [DefaultTimeout] from now when it has none, so
// every read and write on it is bounded; the caller may move it.
func Dial(ctx context.Context, addr string) (net.Conn, error) {
	return DialFrom(ctx, addr, "")
}

// DialFrom is [Dial] from the local IP address source ("" lets the system
// choose). Tests of nginx's ip_hash send from several loopback addresses
// (127.0.i.x), since the server sees the TCP source address.
func DialFrom(ctx context.Context, addr, source string) (net.Conn, error) {
	network, address := "tcp", addr
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		network, address = "unix", path
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(DefaultTimeout)
	}
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var d net.Dialer
	if source != "" {
		ip := net.ParseIP(source)
		if ip == nil {
			return nil, fmt.Errorf("rawhttp: invalid source address %q", source)
		}
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	conn, err := d.DialContext(dctx, network, address)
	if err != nil {
		return nil, fmt.Errorf("rawhttp: %w", err)
	}
	if err := conn.SetDeadline(deadline); err != nil {
		conn.Close()
		return nil, fmt.Errorf("rawhttp: %w", err)
	}
	return conn, nil
}

// Do sends request verbatim on a new connection to addr (see [Dial] for the
// address forms) and reads exactly one response, framed as the response says:
// Content-Length, chunked (decoded) or close-delimited. Whether the request
// asks for keep-alive does not matter; the connection is closed afterwards.
// The request's method is taken from its first token, so a HEAD request's
// response is read without a body.
//
// The exchange is bounded by ctx's deadline, or [DefaultTimeout] when it has
// none, and is abandoned when ctx is cancelled.
//
// When the head was read but the body was cut short (a truncated
// Content-Length body, a chunked body without its last chunk), Do returns the
// partial response together with an error that wraps [io.ErrUnexpectedEOF]:
// that is how nginx reports an upstream failing mid-response, and tests may
// want to compare it. A connection closed before any response byte (nginx's
// "return 444") gives an error wrapping [io.EOF].
func Do(ctx context.Context, addr string, request []byte) (*Response, error) {
	return DoFrom(ctx, addr, "", request)
}

// DoFrom is [Do] over a connection from the local IP address source (see
// [DialFrom]).
func DoFrom(ctx context.Context, addr, source string, request []byte) (*Response, error) {
	conn, err := DialFrom(ctx, addr, source)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	// Cancelling ctx must interrupt a blocked read or write; an expired
	// deadline does that without racing with the goroutines using conn.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	// Write concurrently with reading: a server may answer (400, 413, ...) and
	// stop reading before it has taken the whole request, and a large request
	// would then block a sequential writer until the deadline.
	writeErr := make(chan error, 1)
	go func() {
		_, err := conn.Write(request)
		writeErr <- err
	}()

	resp, err := ReadResponse(bufio.NewReader(conn), requestMethod(request))
	conn.Close() // unblocks the writer if the peer never read everything
	werr := <-writeErr
	if err == nil {
		// The response is what the test asked for; a write that failed after
		// the server had answered (e.g. EPIPE after a 413) is not an error.
		return resp, nil
	}
	if err == io.EOF {
		err = fmt.Errorf("rawhttp: connection closed without a response: %w", err)
	}
	if cerr := ctx.Err(); cerr != nil {
		err = fmt.Errorf("%w (%w)", err, cerr)
	}
	if werr != nil && !errors.Is(werr, net.ErrClosed) {
		err = fmt.Errorf("%w (writing request: %w)", err, werr)
	}
	return resp, err
}

// requestMethod returns the first token of the request line, skipping the
// empty lines a client may send before it (RFC 9112 section 2.2).
func requestMethod(request []byte) string {
	request = bytes.TrimLeft(request, "\r\n")
	if i := bytes.IndexAny(request, " \t\r\n"); i >= 0 {
		return string(request[:i])
	}
	return string(request)
}

// ReadResponse reads one response from br, for a request with the given
// method (needed because a response to HEAD has no body however it is
// framed). 1xx interim responses other than 101 are read, recorded in
// Response.Interim, and skipped.
//
// ReadResponse reads exactly the bytes of one response, so it can be called
// again on the same reader for the next response on a keep-alive connection.
// It returns [io.EOF] if the stream ends cleanly before the first byte of a
// status line. As with [Do], a response whose body was cut short is returned
// together with an error wrapping [io.ErrUnexpectedEOF].
//
// Reads are bounded only by the underlying reader; set a deadline on the
// connection (connections from [Dial] have one).
func ReadResponse(br *bufio.Reader, method string) (*Response, error) {
	var interim []*Response
	for {
		resp, err := readHead(br)
		if err != nil {
			if len(interim) > 0 && errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if resp.Status >= 100 && resp.Status < 200 && resp.Status != 101 {
			if len(interim) == maxInterimCount {
				return nil, fmt.Errorf("rawhttp: more than %d interim (1xx) responses", maxInterimCount)
			}
			interim = append(interim, resp)
			continue
		}
		resp.Interim = interim
		return resp, readBody(br, resp, method)
	}
}

// readHead reads a status line and header fields up to and including the
// empty line.
func readHead(br *bufio.Reader) (*Response, error) {
	var raw []byte
	line, err := readLine(br, &raw, maxHeadBytes)
	if err != nil {
		if errors.Is(err, io.EOF) && len(raw) == 0 {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("rawhttp: reading status line: %w", err)
	}
	resp, err := parseStatusLine(line)
	if err != nil {
		return nil, err
	}
	for {
		line, err := readLine(br, &raw, maxHeadBytes-len(raw))
		if err != nil {
			return nil, fmt.Errorf("rawhttp: reading header: %w", err)
		}
		if line == "" {
			break
		}
		f, err := parseField(line)
		if err != nil {
			return nil, err
		}
		resp.Header = append(resp.Header, f)
	}
	resp.Raw = raw
	return resp, nil
}

// parseStatusLine parses "HTTP/d.d SP 3DIGIT [SP reason]". The reason phrase
// may be empty and, leniently, its separating space may be missing too.
func parseStatusLine(line string) (*Response, error) {
	bad := func(why string) error {
		return fmt.Errorf("rawhttp: malformed status line %q: %s", line, why)
	}
	proto, rest, ok := strings.Cut(line, " ")
	if !ok {
		return nil, bad("no status code")
	}
	if len(proto) != len("HTTP/1.1") || !strings.HasPrefix(proto, "HTTP/") ||
		!isDigit(proto[5]) || proto[6] != '.' || !isDigit(proto[7]) {
		return nil, bad("bad protocol version")
	}
	code, reason, _ := strings.Cut(rest, " ")
	if len(code) != 3 || !isDigit(code[0]) || !isDigit(code[1]) || !isDigit(code[2]) || code[0] == '0' {
		return nil, bad("bad status code")
	}
	status, _ := strconv.Atoi(code)
	return &Response{Proto: proto, Status: status, Reason: reason, StatusLine: line}, nil
}

// parseField parses "name: value". The name must be a token with no space
// before the colon (RFC 9112 section 5.1); obsolete line folding is rejected.
func parseField(line string) (Field, error) {
	if line[0] == ' ' || line[0] == '\t' {
		return Field{}, fmt.Errorf("rawhttp: obsolete line folding in header: %q", line)
	}
	name, value, ok := strings.Cut(line, ":")
	if !ok || !isToken(name) {
		return Field{}, fmt.Errorf("rawhttp: malformed header field %q", line)
	}
	return Field{Name: name, Value: strings.Trim(value, " \t")}, nil
}

// readLine reads one CRLF-terminated line, appends its bytes (CRLF included)
// to raw and returns it without the CRLF. It fails when the line would take
// raw past limit bytes or ends in a bare LF.
func readLine(br *bufio.Reader, raw *[]byte, limit int) (string, error) {
	start := len(*raw)
	for {
		frag, err := br.ReadSlice('\n')
		if len(*raw)-start+len(frag) > limit {
			return "", fmt.Errorf("line longer than %d bytes", limit)
		}
		*raw = append(*raw, frag...)
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) && len(*raw) > start {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	line := (*raw)[start:]
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return "", fmt.Errorf("line %q not terminated by CRLF", line)
	}
	return string(line[:len(line)-2]), nil
}

// readBody reads the body that follows resp's head, framed as RFC 9112
// section 6.3 says a client must: no body for HEAD, 1xx, 204, 304 and a 2xx
// answer to CONNECT; then Transfer-Encoding (chunked if it is the final
// coding, else read to close); then Content-Length; else read to close.
func readBody(br *bufio.Reader, resp *Response, method string) error {
	switch {
	case method == "HEAD",
		resp.Status < 200, resp.Status == 204, resp.Status == 304,
		method == "CONNECT" && resp.Status < 300:
		return nil
	}
	if codings := resp.Values("Transfer-Encoding"); codings != nil {
		if finalCoding(codings) == "chunked" {
			resp.Chunked = true
			return readChunked(br, resp)
		}
		return readToClose(br, resp)
	}
	if values := resp.Values("Content-Length"); values != nil {
		n, err := contentLength(values)
		if err != nil {
			return err
		}
		if n > maxBodyBytes {
			return fmt.Errorf("rawhttp: Content-Length %d exceeds the %d byte limit", n, maxBodyBytes)
		}
		resp.Body = make([]byte, n)
		got, err := io.ReadFull(br, resp.Body)
		resp.Body = resp.Body[:got]
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("rawhttp: body: read %d of %d bytes: %w", got, n, err)
		}
		return nil
	}
	return readToClose(br, resp)
}

// finalCoding returns the last transfer coding listed across all
// Transfer-Encoding fields, lower-cased.
func finalCoding(values []string) string {
	last := ""
	for _, v := range values {
		for c := range strings.SplitSeq(v, ",") {
			if c = strings.TrimSpace(c); c != "" {
				last = strings.ToLower(c)
			}
		}
	}
	return last
}

// contentLength returns the body length from every Content-Length field. A
// list of identical values ("5, 5") is accepted as RFC 9110 section 8.6
// allows; differing or malformed values are an error.
func contentLength(values []string) (int64, error) {
	n := int64(-1)
	for _, v := range values {
		for s := range strings.SplitSeq(v, ",") {
			s = strings.TrimSpace(s)
			m, err := strconv.ParseInt(s, 10, 64)
			if err != nil || m < 0 || s[0] == '+' {
				return 0, fmt.Errorf("rawhttp: invalid Content-Length %q", v)
			}
			if n >= 0 && m != n {
				return 0, fmt.Errorf("rawhttp: conflicting Content-Length values %q", values)
			}
			n = m
		}
	}
	return n, nil
}

// readToClose reads a close-delimited body.
func readToClose(br *bufio.Reader, resp *Response) error {
	body, err := io.ReadAll(io.LimitReader(br, maxBodyBytes+1))
	resp.Body = body
	if err != nil {
		return fmt.Errorf("rawhttp: close-delimited body: %w", err)
	}
	if len(body) > maxBodyBytes {
		return fmt.Errorf("rawhttp: body exceeds the %d byte limit", maxBodyBytes)
	}
	return nil
}

// readChunked decodes a chunked body (RFC 9112 section 7.1): chunk extensions
// are ignored, trailer fields are collected into resp.Trailer.
func readChunked(br *bufio.Reader, resp *Response) error {
	var body []byte
	defer func() { resp.Body = body }()
	unexpected := func(err error) error {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("rawhttp: chunked body: %w", err)
	}
	for {
		var raw []byte
		line, err := readLine(br, &raw, maxChunkLine)
		if err != nil {
			return unexpected(err)
		}
		size, err := chunkSize(line)
		if err != nil {
			return err
		}
		if size == 0 {
			break
		}
		if int64(len(body))+size > maxBodyBytes {
			return fmt.Errorf("rawhttp: chunked body exceeds the %d byte limit", maxBodyBytes)
		}
		start := len(body)
		body = append(body, make([]byte, size)...)
		got, err := io.ReadFull(br, body[start:])
		if err != nil {
			body = body[:start+got]
			return unexpected(err)
		}
		// Exactly CRLF must follow the chunk data; readLine's 2-byte limit
		// turns anything else into an error.
		raw = raw[:0]
		if _, err := readLine(br, &raw, 2); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return unexpected(err)
			}
			return fmt.Errorf("rawhttp: chunked body: chunk data not followed by CRLF")
		}
	}
	var raw []byte
	for {
		line, err := readLine(br, &raw, maxHeadBytes-len(raw))
		if err != nil {
			return unexpected(err)
		}
		if line == "" {
			return nil
		}
		f, err := parseField(line)
		if err != nil {
			return err
		}
		resp.Trailer = append(resp.Trailer, f)
	}
}

// chunkSize parses the hex chunk-size at the start of a chunk line, ignoring
// any extensions after ';' (and the BWS before it).
func chunkSize(line string) (int64, error) {
	s, _, _ := strings.Cut(line, ";")
	s = strings.TrimRight(s, " \t")
	if s == "" || len(s) > 15 { // 15 hex digits keep the value within int64
		return 0, fmt.Errorf("rawhttp: chunked body: bad chunk size line %q", line)
	}
	n, err := strconv.ParseInt(s, 16, 64)
	if err != nil || strings.ContainsAny(s, "+-xX") {
		return 0, fmt.Errorf("rawhttp: chunked body: bad chunk size line %q", line)
	}
	return n, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', isDigit(c):
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
