package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// h2cGet sends GET path over HTTP/2 with prior knowledge and returns the
// body.
func h2cGet(t *testing.T, addr, path string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, waitTimeout)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(waitTimeout)))
	var h2c http.Protocols
	h2c.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &h2c, DialContext: func(context.Context, string, string) (net.Conn, error) { return c, nil }}
	cc, err := tr.NewClientConn(t.Context(), "http", addr)
	require.NoError(t, err)
	defer cc.Close()
	req, err := http.NewRequest("GET", "http://"+addr+path, nil)
	require.NoError(t, err)
	resp, err := cc.RoundTrip(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// http1Frames sends an HTTP/1.1 request and returns the HTTP/2 frames that
// come back, by type, until the server closes.
func http1Frames(t *testing.T, addr string) []string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, waitTimeout)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(waitTimeout)))
	_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	fr := http2.NewFramer(io.Discard, c)
	var types []string
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			require.ErrorIs(t, err, io.EOF)
			return types
		}
		s := f.Header().Type.String()
		if g, ok := f.(*http2.GoAwayFrame); ok {
			s += " " + g.ErrCode.String()
		}
		types = append(types, s)
	}
}

// TestPlainHTTP2Listeners: the binary serves "listen … http2" without ssl
// with HTTP/2 only, prior knowledge, and answers an HTTP/1 request with
// nginx's GOAWAY (the conformance tests compare that with nginx); nginx
// 1.25.1's "http2 on" keeps HTTP/1 and adds HTTP/2 with prior knowledge,
// and -t warns that nginx 1.22.1 refuses it.
func TestPlainHTTP2Listeners(t *testing.T) {
	h2Port := freePort(t)
	s := startServer(t, fmt.Sprintf(`listen 127.0.0.1:%d http2; http2_max_concurrent_streams 5;
        location / { return 200 "$server_protocol\n"; }`, h2Port))
	h2Addr := fmt.Sprintf("127.0.0.1:%d", h2Port)
	assert.Equal(t, "HTTP/2.0\n", h2cGet(t, h2Addr, "/"))
	assert.Equal(t, []string{"SETTINGS", "WINDOW_UPDATE", "GOAWAY PROTOCOL_ERROR"}, http1Frames(t, h2Addr))
	body, err := get(s.url("/"))
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1\n", body, "the plain listen without http2 stays HTTP/1")

	on := startServer(t, `http2 on; location / { return 200 "$server_protocol\n"; }`)
	assert.Equal(t, "HTTP/2.0\n", h2cGet(t, fmt.Sprintf("127.0.0.1:%d", on.port), "/"))
	body, err = get(on.url("/"))
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1\n", body)

	r := runBinary(t, "", on.args("-t")...)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.True(t, strings.Contains(r.stderr, `[warn]`) && strings.Contains(r.stderr, `"http2" is nginx 1.25.1 syntax`), r.stderr)
}
