package accesslog

// The access log variables only the server knows, not the library:
// nginx's connection serial number ($connection), the requests served on
// the connection so far ($connection_requests), the time since the
// request began ($request_time), and the bytes on the wire
// ($request_length, $bytes_sent).

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Wire is one request's traffic as the server loop that read it counts
// it (the loop owns the counters). The log reads them in the handler's
// log phase, after the handler's last write but before the loop's final
// flush. Values are per request, not per connection.
type Wire interface {
	// RequestLength is nginx's $request_length: the bytes of the request
	// line, the header lines and the empty line that ends them, as
	// received (CRLF or LF, spaces as sent), plus the body bytes read
	// from the connection for the handler, chunked framing included. A
	// body nobody read (a "return" answered it; the loop discards it
	// after the handler) is not counted: nginx 1.22.1 logs 66 for a
	// 66-byte head with a 5-byte body it discards, and head + body when
	// proxy_pass read it. Bytes of a pipelined next request are not this
	// request's.
	RequestLength() int64
	// BytesSent is nginx's $bytes_sent: the bytes of this request's
	// response, status line and header included as soon as they are
	// committed (even if still buffered), body with its chunked framing,
	// and the final chunk the loop will write when the handler returns
	// (nginx 1.22.1: 150 for a 3-byte "return 200" body, 142 for the
	// same to HEAD).
	BytesSent() int64
	// BodyBytesSent is nginx's $body_bytes_sent on the wire: BytesSent
	// without the final response's status line and header, so with a
	// chunked body's framing (nginx 1.22.1: 14 for a 4-byte body in one
	// chunk), which the library, counting what the handler wrote, cannot
	// know.
	BodyBytesSent() int64
}

// connSerial numbers the accepted connections, as ngx_connection_counter.
var connSerial atomic.Uint64

type connKey struct{}
type reqKey struct{}

// conn is one client connection.
type conn struct {
	serial   uint64
	requests atomic.Int64
}

// request is one request on it.
type request struct {
	conn   *conn // nil when the server did not use WithConn
	number int64 // $connection_requests
	start  time.Time
	body   atomic.Int64 // request body bytes the handler read
}

// WithConn is a server's ConnContext (net/http's and the server loop's):
// it numbers the connection.
func WithConn(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, &conn{serial: connSerial.Add(1)})
}

// Connection is the number WithConn gave the connection of a request's
// context (nginx's "*N" in its error log lines); ok false when none did.
func Connection(ctx context.Context) (n uint64, ok bool) {
	c, ok := ctx.Value(connKey{}).(*conn)
	if !ok {
		return 0, false
	}
	return c.serial, true
}

// WithRequest counts r on its connection (numbered by WithConn), notes
// when it began and counts the body bytes the handler reads, for
// $connection, $connection_requests, $request_time and $request_length.
func WithRequest(r *http.Request) *http.Request {
	ri := &request{start: time.Now()}
	if ci, ok := r.Context().Value(connKey{}).(*conn); ok {
		ri.conn, ri.number = ci, ci.requests.Add(1)
	}
	r = r.WithContext(context.WithValue(r.Context(), reqKey{}, ri))
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &countingBody{r.Body, &ri.body}
	}
	return r
}

// countingBody counts what is read of a request body: nginx counts the
// body in $request_length once it has read it for a handler (proxy_pass),
// not when it discards it.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// serverVariables are the names of these variables that need
// WithRequest.
var serverVariables = map[string]bool{"connection": true, "connection_requests": true, "request_time": true, "request_length": true}

// serverVariable is the value of one of these variables for r at now
// ("" when it is not known); ok false for any other name.
func serverVariable(r *http.Request, name string, now time.Time, wire Wire) (v string, ok bool) {
	switch name {
	case "bytes_sent":
		if wire != nil {
			return strconv.FormatInt(wire.BytesSent(), 10), true
		}
		// What a response cost on the wire is known only to the server
		// that wrote it.
		return "", true
	case "request_length":
		if wire != nil {
			return strconv.FormatInt(wire.RequestLength(), 10), true
		}
	case "body_bytes_sent":
		if wire != nil {
			return strconv.FormatInt(wire.BodyBytesSent(), 10), true
		}
		return "", false
	}
	if !serverVariables[name] {
		return "", false
	}
	ri, _ := r.Context().Value(reqKey{}).(*request)
	if ri == nil {
		return "", true
	}
	switch name {
	case "connection":
		if ri.conn == nil {
			return "", true
		}
		return strconv.FormatUint(ri.conn.serial, 10), true
	case "connection_requests":
		if ri.conn == nil {
			return "", true
		}
		return strconv.FormatInt(ri.number, 10), true
	case "request_length":
		return strconv.FormatInt(headLength(r)+ri.body.Load(), 10), true
	default: // request_time
		ms := max(now.Sub(ri.start).Milliseconds(), 0)
		return fmt.Sprintf("%d.%03d", ms/1000, ms%1000), true
	}
}

// headLength is the request head as a client writes it: "METHOD target
// VERSION", one "Name: value" line per header field, each line ending in
// CRLF, and an empty line. It is nginx's count for such a client, short
// by the spaces and CRs a client writes otherwise.
func headLength(r *http.Request) int64 {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	// net/http keeps Host out of the header map (and the server loop
	// does as net/http does); a request without one has r.Host "" unless
	// its target is absolute, which this count does not tell apart.
	if r.Host != "" && r.Header["Host"] == nil {
		n += len("Host: ") + len(r.Host) + 2
	}
	// net/http moves a chunked Transfer-Encoding out of the header map.
	if len(r.TransferEncoding) > 0 && r.Header["Transfer-Encoding"] == nil {
		n += len("Transfer-Encoding: ") + len(strings.Join(r.TransferEncoding, ", ")) + 2
	}
	return int64(n + 2)
}
