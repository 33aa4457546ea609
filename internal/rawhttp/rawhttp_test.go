package rawhttp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		method  string
		wire    string
		want    *Response // Raw is checked separately: the head of wire
		rest    string    // what must remain unread after the response
		wantErr string    // substring; empty means no error
	}{
		{
			name:   "content-length",
			method: "GET",
			wire:   "HTTP/1.1 200 OK\r\nServer: nginx\r\ncontent-length: 5\r\n\r\nhelloEXTRA",
			want: &Response{Proto: "HTTP/1.1", Status: 200, Reason: "OK", StatusLine: "HTTP/1.1 200 OK",
				Header: []Field{{"Server", "nginx"}, {"content-length", "5"}}, Body: []byte("hello")},
			rest: "EXTRA",
		},
		{
			name:   "field values trimmed, names and order kept",
			method: "GET",
			wire:   "HTTP/1.0 200 OK\r\nX-A:  1 \t\r\nx-b:2\r\nX-A: 3\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n",
			want: &Response{Proto: "HTTP/1.0", Status: 200, Reason: "OK", StatusLine: "HTTP/1.0 200 OK",
				Header: []Field{{"X-A", "1"}, {"x-b", "2"}, {"X-A", "3"}, {"X-Empty", ""}, {"Content-Length", "0"}},
				Body:   []byte{}},
		},
		{
			name:   "chunked with extensions and trailers",
			method: "GET",
			wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"5;name=value\r\nhello\r\n" +
				"7 ; a ; b=\"c\"\r\n, world\r\n" +
				"0;last\r\nX-Trailer: yes\r\nx-sum: 42\r\n\r\nNEXT",
			want: &Response{Proto: "HTTP/1.1", Status: 200, Reason: "OK", StatusLine: "HTTP/1.1 200 OK",
				Header: []Field{{"Transfer-Encoding", "chunked"}}, Body: []byte("hello, world"), Chunked: true,
				Trailer: []Field{{"X-Trailer", "yes"}, {"x-sum", "42"}}},
			rest: "NEXT",
		},
		{
			name:   "chunked wins over content-length",
			method: "GET",
			wire:   "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: gzip, Chunked\r\n\r\na\r\n0123456789\r\n0\r\n\r\n",
			want: &Response{Proto: "HTTP/1.1", Status: 200, Reason: "OK", StatusLine: "HTTP/1.1 200 OK",
				Header: []Field{{"Content-Length", "100"}, {"Transfer-Encoding", "gzip, Chunked"}},
				Body:   []byte("0123456789"), Chunked: true},
		},
		{
			name:   "close-delimited",
			method: "GET",
			wire:   "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil\r\nthe end",
			want: &Response{Proto: "HTTP/1.0", Status: 200, Reason: "OK", StatusLine: "HTTP/1.0 200 OK",
				Header: []Field{{"Content-Type", "text/plain"}}, Body: []byte("until\r\nthe end")},
		},
		{
			name:   "HEAD has no body whatever the framing",
			method: "HEAD",
			wire:   "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
			want: &Response{Proto: "HTTP/1.1", Status: 200, Reason: "OK", StatusLine: "HTTP/1.1 200 OK",
				Header: []Field{{"Content-Length", "5"}}},
			rest: "HTTP/1.1 204 No Content\r\n\r\n",
		},
		{
			name:   "100 continue is skipped and kept",
			method: "POST",
			wire:   "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX: y\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
			want: &Response{Proto: "HTTP/1.1", Status: 201, Reason: "Created", StatusLine: "HTTP/1.1 201 Created",
				Header: []Field{{"Content-Length", "2"}}, Body: []byte("ok"),
				Interim: []*Response{
					{Proto: "HTTP/1.1", Status: 100, Reason: "Continue", StatusLine: "HTTP/1.1 100 Continue",
						Raw: []byte("HTTP/1.1 100 Continue\r\n\r\n")},
					{Proto: "HTTP/1.1", Status: 102, Reason: "Processing", StatusLine: "HTTP/1.1 102 Processing",
						Header: []Field{{"X", "y"}}, Raw: []byte("HTTP/1.1 102 Processing\r\nX: y\r\n\r\n")},
				}},
		},
		{
			name:   "101 is final and has no body",
			method: "GET",
			wire:   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello",
			want: &Response{Proto: "HTTP/1.1", Status: 101, Reason: "Switching Protocols",
				StatusLine: "HTTP/1.1 101 Switching Protocols", Header: []Field{{"Upgrade", "websocket"}}},
			rest: "\x81\x05hello",
		},
		{
			name:   "204 and 304 have no body",
			method: "GET",
			wire:   "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\nnext",
			want: &Response{Proto: "HTTP/1.1", Status: 304, Reason: "Not Modified", StatusLine: "HTTP/1.1 304 Not Modified",
				Header: []Field{{"Content-Length", "10"}}},
			rest: "next",
		},
		{
			name:   "empty reason phrase",
			method: "GET",
			wire:   "HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n",
			want: &Response{Proto: "HTTP/1.1", Status: 299, StatusLine: "HTTP/1.1 299 ",
				Header: []Field{{"Content-Length", "0"}}, Body: []byte{}},
		},
		{
			name:   "repeated identical content-length",
			method: "GET",
			wire:   "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nokNEXT",
			want: &Response{Proto: "HTTP/1.1", Status: 200, Reason: "OK", StatusLine: "HTTP/1.1 200 OK",
				Header: []Field{{"Content-Length", "2, 2"}, {"Content-Length", "2"}}, Body: []byte("ok")},
			rest: "NEXT",
		},
		{name: "malformed status line", method: "GET", wire: "HTTP/1.1 OK\r\n\r\n", wantErr: "malformed status line"},
		{name: "status code too short", method: "GET", wire: "HTTP/1.1 20 OK\r\n\r\n", wantErr: "bad status code"},
		{name: "not HTTP", method: "GET", wire: "ICY 200 OK\r\n\r\n", wantErr: "bad protocol version"},
		{name: "HTTP/0.9 style body", method: "GET", wire: "<html>hello</html>\n", wantErr: "not terminated by CRLF"},
		{name: "no status code", method: "GET", wire: "HTTP/1.1\r\n\r\n", wantErr: "no status code"},
		{name: "bare LF", method: "GET", wire: "HTTP/1.1 200 OK\nContent-Length: 0\n\n", wantErr: "not terminated by CRLF"},
		{name: "obsolete folding", method: "GET", wire: "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", wantErr: "obsolete line folding"},
		{name: "space before colon", method: "GET", wire: "HTTP/1.1 200 OK\r\nX : a\r\n\r\n", wantErr: "malformed header field"},
		{name: "no colon", method: "GET", wire: "HTTP/1.1 200 OK\r\nX\r\n\r\n", wantErr: "malformed header field"},
		{name: "conflicting content-length", method: "GET", wire: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", wantErr: "conflicting Content-Length"},
		{name: "negative content-length", method: "GET", wire: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", wantErr: "invalid Content-Length"},
		{name: "bad chunk size", method: "GET", wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", wantErr: "bad chunk size"},
		{name: "chunk without CRLF", method: "GET", wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", wantErr: "not followed by CRLF"},
		{name: "head cut short", method: "GET", wire: "HTTP/1.1 200 OK\r\nContent-", wantErr: io.ErrUnexpectedEOF.Error()},
		{name: "interim then EOF", method: "GET", wire: "HTTP/1.1 100 Continue\r\n\r\n", wantErr: io.ErrUnexpectedEOF.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			br := bufio.NewReader(strings.NewReader(tt.wire))
			got, err := ReadResponse(br, tt.method)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			head, _, _ := strings.Cut(tt.wire[sumRaw(got.Interim):], "\r\n\r\n")
			tt.want.Raw = []byte(head + "\r\n\r\n")
			assert.Equal(t, tt.want, got)
			rest, err := io.ReadAll(br)
			require.NoError(t, err)
			assert.Equal(t, tt.rest, string(rest), "bytes left after the response")
		})
	}
}

// sumRaw returns the length of the interim heads that precede the final one.
func sumRaw(interim []*Response) int {
	n := 0
	for _, r := range interim {
		n += len(r.Raw)
	}
	return n
}

func TestReadResponseTruncatedBodyIsPartial(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, wire, body string
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", "hello"},
		{"chunked mid-chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\na\r\n01234", "hello01234"},
		{"chunked without last chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", "hello"},
		{"chunked without final CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n", "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ReadResponse(bufio.NewReader(strings.NewReader(tt.wire)), "GET")
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			require.NotNil(t, got, "the partial response is returned with the error")
			assert.Equal(t, 200, got.Status)
			assert.Equal(t, tt.body, string(got.Body))
		})
	}
}

func TestReadResponseKeepAlive(t *testing.T) {
	t.Parallel()
	wire := "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na" +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n" +
		"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
	br := bufio.NewReader(strings.NewReader(wire))
	var bodies []string
	var statuses []int
	for {
		resp, err := ReadResponse(br, "GET")
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		statuses = append(statuses, resp.Status)
		bodies = append(bodies, string(resp.Body))
	}
	assert.Equal(t, []int{200, 200, 404}, statuses)
	assert.Equal(t, []string{"a", "b", ""}, bodies)
}

func TestReadResponseLimits(t *testing.T) {
	t.Parallel()
	huge := "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", maxHeadBytes) + "\r\n\r\n"
	_, err := ReadResponse(bufio.NewReader(strings.NewReader(huge)), "GET")
	assert.ErrorContains(t, err, "longer than")

	tooBig := "HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n"
	_, err = ReadResponse(bufio.NewReader(strings.NewReader(tooBig)), "GET")
	assert.ErrorContains(t, err, "exceeds")
}

func TestResponseGetValues(t *testing.T) {
	t.Parallel()
	r := &Response{Header: []Field{{"Set-Cookie", "a=1"}, {"X", "x"}, {"set-cookie", "b=2"}}}
	assert.Equal(t, "a=1", r.Get("SET-COOKIE"))
	assert.Equal(t, "", r.Get("Missing"))
	assert.Equal(t, []string{"a=1", "b=2"}, r.Values("Set-Cookie"))
	assert.Nil(t, r.Values("Missing"))
}

func TestRequestBuilders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"default host", Request("GET", "/a?b"), "GET /a?b HTTP/1.0\r\nHost: localhost\r\n\r\n"},
		{"own host, any case", Request("GET", "/", "hOST: example.com", "X-A: 1"),
			"GET / HTTP/1.0\r\nhOST: example.com\r\nX-A: 1\r\n\r\n"},
		{"HTTP/1.1", Request11("HEAD", "/", "Connection: close"),
			"HEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"},
		{"body gets content-length", RequestBody("POST", "/p", []byte("abc")),
			"POST /p HTTP/1.0\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc"},
		{"empty body still has content-length", Request11Body("POST", "/p", nil),
			"POST /p HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"},
		{"explicit content-length kept", RequestBody("POST", "/", []byte("abc"), "Content-Length: 5"),
			"POST / HTTP/1.0\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nabc"},
		{"chunked body", Request11Body("PUT", "/", Chunked("hello", "", "0123456789abcdef"), "Transfer-Encoding: chunked"),
			"PUT / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"},
	}
	for _, tt := range tests {
		assert.Equalf(t, tt.want, string(tt.got), "case %s", tt.name)
	}
}

func TestRequestMethod(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "HEAD", requestMethod([]byte("HEAD / HTTP/1.0\r\n\r\n")))
	assert.Equal(t, "HEAD", requestMethod([]byte("\r\n\r\nHEAD / HTTP/1.0\r\n\r\n")))
	assert.Equal(t, "GET", requestMethod([]byte("GET\r\n")))
	assert.Equal(t, "", requestMethod(nil))
}

// cannedServer accepts one connection on l, sends the request head it read to
// the returned channel, writes response and then either closes the
// connection or, when keepOpen, holds it open until the client closes it, so
// that a client relying on EOF instead of framing would hang (and hit its
// deadline).
func cannedServer(t *testing.T, l net.Listener, response string, keepOpen bool) <-chan string {
	t.Helper()
	t.Cleanup(func() { l.Close() })
	got := make(chan string, 1)
	done := make(chan struct{})
	t.Cleanup(func() { <-done })
	go func() {
		defer close(done)
		conn, err := l.Accept()
		if err != nil {
			got <- "accept: " + err.Error()
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(DefaultTimeout))
		br := bufio.NewReader(conn)
		var head []byte
		for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
			b, err := br.ReadByte()
			if err != nil {
				break
			}
			head = append(head, b)
		}
		got <- string(head)
		if _, err := io.WriteString(conn, response); err != nil {
			return
		}
		if keepOpen {
			io.Copy(io.Discard, br) // until the client closes
		}
	}()
	return got
}

func listenTCP(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return l
}

func TestDo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		request  []byte
		response string
		keepOpen bool
		status   int
		body     string
		chunked  bool
		interim  int
		wantErr  string
	}{
		{
			name:     "content-length on a kept-alive connection",
			request:  Request11("GET", "/"),
			response: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello",
			keepOpen: true, status: 200, body: "hello",
		},
		{
			name:     "chunked with extensions and trailers",
			request:  Request11("GET", "/"),
			response: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n",
			keepOpen: true, status: 200, body: "abc", chunked: true,
		},
		{
			name:     "close-delimited",
			request:  Request("GET", "/", "Connection: close"),
			response: "HTTP/1.0 200 OK\r\n\r\nuntil close",
			status:   200, body: "until close",
		},
		{
			name:     "HEAD does not wait for the advertised body",
			request:  Request11("HEAD", "/"),
			response: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
			keepOpen: true, status: 200,
		},
		{
			name:     "100 continue then 200",
			request:  Request11Body("POST", "/", []byte("x"), "Expect: 100-continue"),
			response: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
			keepOpen: true, status: 200, body: "ok", interim: 1,
		},
		{
			name:     "malformed status line",
			request:  Request("GET", "/"),
			response: "HTTP/1.1 2OO OK\r\n\r\n",
			wantErr:  "malformed status line",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := listenTCP(t)
			sent := cannedServer(t, l, tt.response, tt.keepOpen)
			resp, err := Do(t.Context(), l.Addr().String(), tt.request)
			head, _, _ := bytes.Cut(tt.request, []byte("\r\n\r\n"))
			assert.Equal(t, string(head)+"\r\n\r\n", <-sent, "request head arrives verbatim")
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.status, resp.Status)
			assert.Equal(t, tt.body, string(resp.Body))
			assert.Equal(t, tt.chunked, resp.Chunked)
			assert.Len(t, resp.Interim, tt.interim)
			respHead, _, _ := strings.Cut(tt.response[sumRaw(resp.Interim):], "\r\n\r\n")
			assert.Equal(t, respHead+"\r\n\r\n", string(resp.Raw))
		})
	}
}

func TestDoUnixSocket(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "s.sock")
	l, err := net.Listen("unix", path)
	require.NoError(t, err)
	sent := cannedServer(t, l, "HTTP/1.1 204 No Content\r\n\r\n", true)
	resp, err := Do(t.Context(), "unix:"+path, Request11("DELETE", "/x"))
	require.NoError(t, err)
	assert.Equal(t, 204, resp.Status)
	assert.Equal(t, "DELETE /x HTTP/1.1\r\nHost: localhost\r\n\r\n", <-sent)
}

// A server that answers before reading the whole request (nginx's 413) must
// not leave Do blocked writing a body nobody reads.
func TestDoEarlyResponse(t *testing.T) {
	t.Parallel()
	l := listenTCP(t)
	cannedServer(t, l, "HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 0\r\n\r\n", true)
	body := make([]byte, 64<<20) // far more than the socket buffers hold
	start := time.Now()
	resp, err := Do(t.Context(), l.Addr().String(), Request11Body("POST", "/", body))
	require.NoError(t, err)
	assert.Equal(t, 413, resp.Status)
	assert.Less(t, time.Since(start), DefaultTimeout/2, "Do waited for the write instead of the response")
}

func TestDoDeadline(t *testing.T) {
	t.Parallel()
	l := listenTCP(t)
	cannedServer(t, l, "", true) // reads the request, never answers
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := Do(ctx, l.Addr().String(), Request11("GET", "/"))
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
}

func TestDoCancel(t *testing.T) {
	t.Parallel()
	l := listenTCP(t)
	sent := cannedServer(t, l, "", true)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-sent // the request arrived; now give up waiting for the answer
		cancel()
	}()
	_, err := Do(ctx, l.Addr().String(), Request11("GET", "/"))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestDoDialError(t *testing.T) {
	t.Parallel()
	l := listenTCP(t)
	addr := l.Addr().String()
	l.Close() // nothing listens there any more
	_, err := Do(t.Context(), addr, Request("GET", "/"))
	assert.ErrorContains(t, err, "rawhttp:")
	_, err = Do(t.Context(), "unix:"+filepath.Join(t.TempDir(), "missing.sock"), Request("GET", "/"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// nginx's "return 444" closes the connection without a response.
func TestDoClosedWithoutResponse(t *testing.T) {
	t.Parallel()
	l := listenTCP(t)
	cannedServer(t, l, "", false)
	resp, err := Do(t.Context(), l.Addr().String(), Request("GET", "/"))
	assert.Nil(t, resp)
	assert.ErrorIs(t, err, io.EOF)
	assert.ErrorContains(t, err, "closed without a response")
}

// ip_hash conformance sends from 127.0.i.x: the server must see that source.
func TestDoFrom(t *testing.T) {
	t.Parallel()
	l := listenTCP(t)
	remote := make(chan string, 1)
	done := make(chan struct{})
	t.Cleanup(func() { l.Close(); <-done })
	go func() {
		defer close(done)
		conn, err := l.Accept()
		if err != nil {
			remote <- err.Error()
			return
		}
		defer conn.Close()
		remote <- conn.RemoteAddr().(*net.TCPAddr).IP.String()
		io.WriteString(conn, "HTTP/1.0 204 No Content\r\n\r\n")
	}()
	resp, err := DoFrom(t.Context(), l.Addr().String(), "127.0.7.9", Request("GET", "/"))
	require.NoError(t, err)
	assert.Equal(t, 204, resp.Status)
	assert.Equal(t, "127.0.7.9", <-remote)
	_, err = DoFrom(t.Context(), l.Addr().String(), "not-an-ip", Request("GET", "/"))
	assert.ErrorContains(t, err, "invalid source address")
}
