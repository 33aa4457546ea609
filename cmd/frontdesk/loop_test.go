package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/h1server"
	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
	"github.com/frontdesk-go/frontdesk/nginxconf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBinaryServesThroughLoop checks that the binary answers on the wire
// as nginx (through internal/h1server): nginx's reason phrase, HTTP/1.1
// with "Connection: close" to an HTTP/1.0 client, 414 for a long URI; and
// that QUIT closes an idle keep-alive connection.
func TestBinaryServesThroughLoop(t *testing.T) {
	s := startServer(t, "location / { return 302 /x; }")
	addr := fmt.Sprintf("127.0.0.1:%d", s.port)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	resp, err := rawhttp.Do(ctx, addr, []byte("GET / HTTP/1.0\r\n\r\n"))
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1 302 Moved Temporarily", resp.StatusLine)
	assert.Equal(t, "close", resp.Get("Connection"))

	resp, err = rawhttp.Do(ctx, addr, []byte("GET /"+strings.Repeat("a", 9000)+" HTTP/1.1\r\nHost: x\r\n\r\n"))
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1 414 Request-URI Too Large", resp.StatusLine)
	assert.Contains(t, string(resp.Body), "<title>414 Request-URI Too Large</title>")

	c, err := rawhttp.Dial(ctx, addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(c)
	resp, err = rawhttp.ReadResponse(br, "GET")
	require.NoError(t, err)
	assert.Equal(t, "keep-alive", resp.Get("Connection"))
	s.signal(t, "quit")
	_, err = br.ReadByte()
	assert.ErrorIs(t, err, io.EOF, "QUIT closes idle keep-alive connections")
	assert.Equal(t, 0, s.waitExit(t))
}

// TestLoopConfig reads the http{}-level directives the loop applies.
func TestLoopConfig(t *testing.T) {
	conf := "events {}\nhttp {\nkeepalive_timeout 65 60;\nkeepalive_requests 100;\nclient_header_timeout 10s;\n" +
		"send_timeout 1m;\nclient_header_buffer_size 2k;\nlarge_client_header_buffers 8 16k;\nlingering_close always;\n}\n"
	ds, err := nginxconf.ParseString("nginx.conf", conf)
	require.NoError(t, err)
	var httpBlock *nginxconf.Directive
	for _, d := range ds {
		if d.Name == "http" {
			httpBlock = d
		}
	}
	assert.Equal(t, h1server.Config{
		KeepaliveTimeout: 65 * time.Second, KeepaliveHeader: 60 * time.Second, KeepaliveRequests: 100,
		ClientHeaderTimeout: 10 * time.Second, SendTimeout: time.Minute, ClientHeaderBufferSize: 2048,
		LargeHeaderBuffers: 8, LargeHeaderBufferSize: 16384, LingeringClose: "always",
	}, loopConfig(httpBlock))
	off, err := nginxconf.ParseString("nginx.conf", "http {\nkeepalive_timeout 0;\n}\n")
	require.NoError(t, err)
	assert.Negative(t, loopConfig(off[0]).KeepaliveTimeout, "keepalive_timeout 0 turns keep-alive off")
}
