package h1server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
	"github.com/frontdesk-go/frontdesk/internal/h1server"
	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWireTuningAgainstNginx compares exchanges under non-default
// keepalive_requests, keepalive_timeout's header and header buffers,
// given to nginx in its configuration and to the loop in Config.
func TestWireTuningAgainstNginx(t *testing.T) {
	nginxtest.Require(t)
	conf := `
keepalive_requests 2;
keepalive_timeout 30s 25s;
client_header_buffer_size 256;
large_client_header_buffers 2 1k;
server {
	listen 127.0.0.1:{{PORT}};
	location / { return 200 "hello\n"; }
}
`
	ng, fd, _ := startBothWith(t, conf, h1server.Config{
		KeepaliveRequests: 2, KeepaliveTimeout: 30 * time.Second, KeepaliveHeader: 25 * time.Second,
		ClientHeaderBufferSize: 256, LargeHeaderBuffers: 2, LargeHeaderBufferSize: 1024,
	})
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	cases := map[string]string{
		// The second response says close and the third request is
		// never answered.
		"keepalive_requests": get + get + get,
		"fits":               "GET /" + strings.Repeat("a", 900) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"uri too long":       "GET /" + strings.Repeat("a", 1100) + " HTTP/1.1\r\nHost: x\r\n\r\n",
		"header too long":    "GET / HTTP/1.1\r\nHost: x\r\nX-A: " + strings.Repeat("a", 1100) + "\r\n\r\n",
		"buffers exhausted":  "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: "+strings.Repeat("a", 600)+"\r\n", 3) + "\r\n",
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, normalise(exchange(t, ng, raw)), normalise(exchange(t, fd, raw)))
		})
	}
}

// TestClientHeaderOrderUpstream runs a conformance table through the
// loop: the client's header lines reach the upstream in its order and
// spelling, as nginx sends them.
func TestClientHeaderOrderUpstream(t *testing.T) {
	t.Setenv(conformance.ServerEnv, "h1server")
	conformance.Run(t, []conformance.Case{{
		Name:    "order",
		Backend: &conformance.Backend{},
		Conf: `server { listen 127.0.0.1:{{PORT}};
			location / { proxy_pass http://{{BACKEND}}; }
		}`,
		Requests: []conformance.Request{
			{Name: "spelling and order", Raw: "GET /a HTTP/1.1\r\nHost: x\r\nzz-Last: 1\r\nSec-WebSocket-Key: k\r\nACCEPT: */*\r\nx-dup: 1\r\nX-Dup: 2\r\nConnection: close\r\n\r\n"},
			{Name: "invalid dropped", Raw: "GET /a HTTP/1.1\r\nHost: x\r\nX_Under: 1\r\nX Space: 2\r\nX-Ok: 3\r\nConnection: close\r\n\r\n"},
			{Name: "no colon", Raw: "GET /a HTTP/1.1\r\nHost: x\r\nX-Bare\r\nConnection: close\r\n\r\n"},
		},
	}})
}

// TestShutdown checks QUIT's drain: an idle keep-alive connection is
// closed at once, a request in flight finishes (told "Connection:
// close") and Shutdown returns once it has.
func TestShutdown(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	srv := &h1server.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
		}
		w.Header().Set("Content-Length", "2")
		_, _ = io.WriteString(w, "ok")
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	addr := ln.Addr().String()

	idle, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer idle.Close()
	require.NoError(t, idle.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	ibr := bufio.NewReader(idle)
	resp, err := rawhttp.ReadResponse(ibr, "GET")
	require.NoError(t, err)
	assert.Equal(t, "keep-alive", resp.Get("Connection"))

	busy, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer busy.Close()
	require.NoError(t, busy.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	<-entered

	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.Background()) }()
	// The idle connection goes first, whatever the busy one does.
	_, err = ibr.ReadByte()
	assert.ErrorIs(t, err, io.EOF)
	select {
	case <-shut:
		t.Fatal("Shutdown returned with a request in flight")
	default:
	}
	close(release)
	bbr := bufio.NewReader(busy)
	resp, err = rawhttp.ReadResponse(bbr, "GET")
	require.NoError(t, err)
	assert.Equal(t, "close", resp.Get("Connection"))
	assert.Equal(t, "ok", string(resp.Body))
	require.NoError(t, <-shut)
	assert.ErrorIs(t, <-served, http.ErrServerClosed)
}

// TestHijack checks that a handler can take the connection over, with
// the bytes the loop had already read, as WebSocket tunnels do.
func TestHijack(t *testing.T) {
	srv := &h1server.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\n")
		line, _ := brw.ReadString('\n')
		_, _ = io.WriteString(c, "echo:"+line)
	})}
	addr := serve(t, srv)
	// The tunnel's first bytes come with the request.
	got := exchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\nping\n")
	assert.True(t, strings.HasSuffix(got, "\r\n\r\necho:ping\n"), "%q", got)
}

// TestKeepaliveTimeout checks that an idle connection is closed once
// keepalive_timeout passes (and not before a response).
func TestKeepaliveTimeout(t *testing.T) {
	srv := &h1server.Server{Config: h1server.Config{KeepaliveTimeout: 100 * time.Millisecond},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "0")
		})}
	addr := serve(t, srv)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(c)
	_, err = rawhttp.ReadResponse(br, "GET")
	require.NoError(t, err)
	start := time.Now()
	_, err = br.ReadByte()
	assert.True(t, errors.Is(err, io.EOF), "%v", err)
	assert.GreaterOrEqual(t, time.Since(start), 90*time.Millisecond)
}

// TestClientGoneCancels checks that a client closing its connection
// while its request is served cancels the request's context (how the
// proxy notices a client abort), and that a pipelined request does not.
func TestClientGoneCancels(t *testing.T) {
	cancelled := make(chan string, 2)
	srv := &h1server.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			<-r.Context().Done()
			cancelled <- r.URL.Path
			return
		}
		w.Header().Set("Content-Length", "2")
		_, _ = io.WriteString(w, "ok")
	})}
	addr := serve(t, srv)
	// Pipelined: the second request's bytes arrive while the first is
	// served; both are answered.
	got := exchange(t, addr, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	assert.Equal(t, 2, strings.Count(got, "HTTP/1.1 200 OK"), got)

	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	_, err = io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	require.NoError(t, c.Close())
	select {
	case p := <-cancelled:
		assert.Equal(t, "/wait", p)
	case <-time.After(10 * time.Second):
		t.Fatal("the request was not cancelled when its client went away")
	}
}

// TestClientGoneCancelsAfterKeepalive checks the same for a request that
// follows another on its connection: the watch's timer, armed for the
// first request, still watches the second one.
func TestClientGoneCancelsAfterKeepalive(t *testing.T) {
	cancelled := make(chan struct{})
	srv := &h1server.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			<-r.Context().Done()
			close(cancelled)
			return
		}
		w.Header().Set("Content-Length", "2")
		_, _ = io.WriteString(w, "ok")
	})}
	addr := serve(t, srv)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	_, err = io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	require.NoError(t, c.Close())
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("the second request was not cancelled when its client went away")
	}
}

// serve runs srv on a loopback listener until the test ends, and returns
// its address.
func serve(t *testing.T, srv *h1server.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		require.NoError(t, srv.Shutdown(context.Background()))
		<-served
	})
	return ln.Addr().String()
}
