package frontdesk

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawBackend is a loopback upstream that hands the exact bytes of each
// request (head and body as framed) to handle and writes back its answer.
func rawBackend(t testing.TB, handle func(raw []byte) []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				var raw bytes.Buffer
				req, err := http.ReadRequest(bufio.NewReader(io.TeeReader(c, &raw)))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				if resp := handle(raw.Bytes()); resp != nil {
					_, _ = c.Write(resp)
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

func okResponse([]byte) []byte {
	return []byte("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
}

// roundTrip writes raw to addr and returns everything read back until the
// server closes.
func roundTrip(t testing.TB, network, addr, raw string) string {
	t.Helper()
	c, err := net.Dial(network, addr)
	require.NoError(t, err)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = io.WriteString(c, raw)
	require.NoError(t, err)
	resp, err := io.ReadAll(c)
	require.NoError(t, err)
	return string(resp)
}

// TestClientHeaderOrderIsNotKept documents a difference from nginx that
// the library cannot close: net/http gives a handler the client's headers
// in a map under canonical names, so frontdesk forwards them sorted and
// canonicalised, where nginx keeps the client's order and spelling
// ("X-B: 1", "x-a: 2"). Backends that depend on header order or case see
// a difference; HTTP gives neither a meaning.
func TestClientHeaderOrderIsNotKept(t *testing.T) {
	got := make(chan string, 1)
	addr := rawBackend(t, func(raw []byte) []byte { got <- string(raw); return okResponse(raw) })
	front := httptest.NewServer(MustNew(Location("/", ProxyPass("http://"+addr)), quiet))
	defer front.Close()

	resp := roundTrip(t, "tcp", front.Listener.Addr().String(), "GET / HTTP/1.0\r\nHost: x\r\nX-B: 1\r\nx-a: 2\r\n\r\n")
	require.Contains(t, resp, "200 OK")
	assert.Equal(t, "GET / HTTP/1.0\r\nHost: "+addr+"\r\nConnection: close\r\nX-A: 2\r\nX-B: 1\r\n\r\n", <-got)
}

// TestRequestBodySpillsToTempFile: a body beyond client_body_buffer_size
// is in a file of client_body_temp_path while the upstream reads it, and
// the file is gone once the request has ended.
func TestRequestBodySpillsToTempFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "client_body_temp") // created when first needed
	body := strings.Repeat("0123456789", 10)
	type seen struct {
		files []string
		data  string
	}
	inFlight := make(chan seen, 1)
	addr := rawBackend(t, func(raw []byte) []byte {
		var s seen
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			s.files = append(s.files, e.Name())
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			s.data = string(b)
		}
		inFlight <- s
		return okResponse(raw)
	})
	p := MustNew(Location("/", ProxyPass("http://"+addr), ClientBodyBufferSize(16), ClientBodyTempPath(dir)), quiet)
	front := httptest.NewServer(p)

	resp := roundTrip(t, "tcp", front.Listener.Addr().String(),
		"POST / HTTP/1.0\r\nContent-Length: 100\r\n\r\n"+body)
	front.Close() // waits for the handler, and so for the request's end
	require.Contains(t, resp, "200 OK")
	s := <-inFlight
	assert.Len(t, s.files, 1)
	assert.Equal(t, body, s.data)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

// TestUnbufferedChunkedBodyIsStreamed: with proxy_request_buffering off
// and HTTP/1.1 upstream, the upstream sees the head and the first chunk
// before the client has sent the rest, framed chunked.
func TestUnbufferedChunkedBodyIsStreamed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	firstChunk := make(chan struct{})
	upstream := make(chan string, 1) // sent to once: the goroutine never blocks
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		var raw bytes.Buffer
		buf := make([]byte, 4096)
		for !strings.Contains(raw.String(), "hello\r\n") {
			n, err := c.Read(buf)
			raw.Write(buf[:n])
			if err != nil {
				upstream <- raw.String()
				return
			}
		}
		close(firstChunk)
		for !strings.HasSuffix(raw.String(), "0\r\n\r\n") {
			n, err := c.Read(buf)
			raw.Write(buf[:n])
			if err != nil {
				break
			}
		}
		upstream <- raw.String()
		_, _ = c.Write(okResponse(nil))
	}()
	p := MustNew(Location("/", ProxyPass("http://"+ln.Addr().String()), ProxyRequestBuffering(false), ProxyHTTPVersion("1.1")), quiet)
	front := httptest.NewServer(p)
	defer front.Close()

	c, err := net.Dial("tcp", front.Listener.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = io.WriteString(c, "POST /s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
	require.NoError(t, err)
	select {
	case <-firstChunk:
	case raw := <-upstream:
		t.Fatalf("upstream did not get the first chunk on its own: %q", raw)
	}
	_, err = io.WriteString(c, "6\r\n world\r\n0\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	raw := <-upstream
	head, body, _ := strings.Cut(raw, "\r\n\r\n")
	assert.Equal(t, "POST /s HTTP/1.1\r\nHost: "+ln.Addr().String()+"\r\nConnection: close\r\nTransfer-Encoding: chunked", head)
	assert.Equal(t, "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", body)
}

// TestUnbufferedChunkedBodyOverLimit: a streamed chunked body that grows
// past client_max_body_size ends the request with 413, as in nginx, even
// though part of it already went upstream.
func TestUnbufferedChunkedBodyOverLimit(t *testing.T) {
	addr := rawBackend(t, func([]byte) []byte { return nil })
	p := MustNew(Location("/", ProxyPass("http://"+addr), ProxyRequestBuffering(false), ProxyHTTPVersion("1.1"), ClientMaxBodySize(8)), quiet)
	front := httptest.NewServer(p)
	defer front.Close()
	resp := roundTrip(t, "tcp", front.Listener.Addr().String(),
		"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
	assert.Contains(t, resp, "HTTP/1.1 413 Request Entity Too Large")
}

// TestUnbufferedBodyIsNotRetried: once a streamed body went to a server
// that then failed, the request is not passed to the next server (there
// is nothing left to send it again); a buffered one is.
func TestUnbufferedBodyIsNotRetried(t *testing.T) {
	for _, buffered := range []bool{true, false} {
		t.Run(map[bool]string{true: "buffered", false: "unbuffered"}[buffered], func(t *testing.T) {
			dropped := rawBackend(t, func([]byte) []byte { return nil })
			answered := rawBackend(t, okResponse)
			pool := Upstream("app", []Server{{Addr: dropped}, {Addr: answered}})
			p := MustNew(pool, Location("/", ProxyPass("http://app"), ProxyRequestBuffering(buffered)), quiet)
			front := httptest.NewServer(p)
			defer front.Close()
			resp := roundTrip(t, "tcp", front.Listener.Addr().String(), "PUT / HTTP/1.0\r\nContent-Length: 4\r\n\r\nbody")
			if buffered {
				assert.Contains(t, resp, "HTTP/1.0 200 OK")
			} else {
				assert.Contains(t, resp, "HTTP/1.0 502 Bad Gateway")
			}
		})
	}
}

// TestPassRequestBodyOffKeepsLength: with proxy_pass_request_body off
// nginx still reads the body and still sends its Content-Length, without
// the body (which is why nginx's documentation pairs the directive with
// proxy_set_header Content-Length ""). The conformance backend would wait
// for the announced body, so this is checked here, against what nginx
// 1.22.1 was seen to send.
func TestPassRequestBodyOffKeepsLength(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	heads := make(chan string, 2)
	stop, done := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(stop); ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			var head []byte
			buf := make([]byte, 1)
			for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
				if _, err := c.Read(buf); err != nil {
					break
				}
				head = append(head, buf[0])
			}
			select {
			case heads <- string(head):
			case <-stop:
				c.Close()
				return
			}
			_, _ = c.Write(okResponse(nil))
			c.Close()
		}
	}()
	p := MustNew(Location("/", ProxyPass("http://"+ln.Addr().String()), ProxyPassRequestBody(false)), quiet)
	front := httptest.NewServer(p)
	defer front.Close()
	host := "Host: " + ln.Addr().String() + "\r\nConnection: close\r\n"

	resp := roundTrip(t, "tcp", front.Listener.Addr().String(), "POST /p HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc")
	require.Contains(t, resp, "200 OK")
	assert.Equal(t, "POST /p HTTP/1.0\r\n"+host+"Content-Length: 3\r\n\r\n", <-heads)

	resp = roundTrip(t, "tcp", front.Listener.Addr().String(),
		"POST /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
	require.Contains(t, resp, "200 OK")
	assert.Equal(t, "POST /c HTTP/1.0\r\n"+host+"Content-Length: 5\r\n\r\n", <-heads)
}

// TestRealIPUnixSocketPeer: a peer on a unix socket is "unix:", trusted
// by set_real_ip_from unix:.
func TestRealIPUnixSocketPeer(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "fd.sock")
	ln, err := net.Listen("unix", sock)
	require.NoError(t, err)
	// Server level, so that realip runs before return does.
	show := Location("/", Return(200, "$remote_addr|$realip_remote_addr|$remote_port|$binary_remote_addr\n"))
	mux := http.NewServeMux()
	mux.Handle("/trust/", MustNew(show, SetRealIPFrom("unix:"), quiet))
	mux.Handle("/", MustNew(show, SetRealIPFrom("127.0.0.1"), quiet))
	srv := &http.Server{Handler: mux}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	defer func() { srv.Close(); <-done }()

	body := func(target string, header string) string {
		resp := roundTrip(t, "unix", sock, "GET "+target+" HTTP/1.0\r\n"+header+"\r\n")
		_, b, _ := strings.Cut(resp, "\r\n\r\n")
		return b
	}
	assert.Equal(t, "unix:|unix:||unix:\n", body("/trust/", ""))
	assert.Equal(t, "1.2.3.4|unix:|80|\x01\x02\x03\x04\n", body("/trust/", "X-Real-IP: 1.2.3.4:80\r\n"))
	assert.Equal(t, "unix:|unix:||unix:\n", body("/", "X-Real-IP: 1.2.3.4\r\n"))
}

func TestProxyRequestWarnings(t *testing.T) {
	p := MustNew(
		ProxySetHeader("X-Real-IP", "$remote_addr"),
		ProxySetHeader("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
		SetRealIPFrom("0.0.0.0/0", "10.1.0.0/8"),
		Location("/a/", ProxyPass("http://127.0.0.1:1"), ProxySetHeader("Host", "$http_host"), ProxySetHeader("X-Real-IP", "$remote_addr")),
		Location("/b/", ProxyPass("http://127.0.0.1:1")),
		quiet)
	var msgs []string
	for _, w := range p.Warnings() {
		msgs = append(msgs, w.String())
	}
	all := strings.Join(msgs, "\n")
	assert.Contains(t, all, `location "/a/": proxy_set_header: this level's proxy_set_header replaces every outer one, so X-Forwarded-For is not sent here`)
	assert.Contains(t, all, `location "/a/": proxy_set_header: Host $http_host passes the client's Host header`)
	assert.Contains(t, all, `proxy_set_header: X-Forwarded-For $proxy_add_x_forwarded_for appends to the X-Forwarded-For the client sent`)
	assert.Contains(t, all, `set_real_ip_from: 0.0.0.0/0 trusts every client`)
	assert.Contains(t, all, `set_real_ip_from: low address bits of 10.1.0.0/8 are meaningless`)
	// Inherited settings are reported once, where they are written.
	assert.Equal(t, 1, strings.Count(all, "$proxy_add_x_forwarded_for appends"), all)
	assert.NotContains(t, all, `location "/b/"`)
}

func TestRequestDirectiveErrors(t *testing.T) {
	_, err := New(
		RealIPHeader("proxy_protocol"),
		SetRealIPFrom("10.0.0.0/33"),
		Location("/", ProxyPass("http://127.0.0.1:1"), ClientBodyBufferSize(0), ProxyMethod(""), ClientMaxBodySize(-1)),
		quiet)
	require.Error(t, err)
	for _, want := range []string{
		`real_ip_header: proxy_protocol is not supported by frontdesk`,
		`set_real_ip_from: invalid address "10.0.0.0/33"`,
		`location "/": client_body_buffer_size: invalid value 0`,
		`location "/": proxy_method: empty method`,
		`location "/": client_max_body_size: invalid value -1`,
	} {
		assert.ErrorContains(t, err, want)
	}
}
