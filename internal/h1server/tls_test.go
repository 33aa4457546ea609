package h1server_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/frontdesktest"
	"github.com/frontdesk-go/frontdesk/internal/h1server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type ctxKey struct{}

// serveTLS serves srv on a TLS listener offering protos by ALPN until the
// test ends, and returns its address.
func serveTLS(t *testing.T, srv *h1server.Server, protos ...string) string {
	t.Helper()
	certFile, keyFile := frontdesktest.Certificate(t, t.TempDir(), "x")
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	tl := tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: protos})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(tl)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx), "shutdown waits for no connection")
		<-done
	})
	return ln.Addr().String()
}

func dialTLS(t *testing.T, addr string, protos ...string) *tls.Conn {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, ServerName: "x", NextProtos: protos})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
	return c
}

// TestTLSRequests: over TLS the loop answers as on plain connections, and
// each request carries the connection's TLS state, as net/http's server
// sets it.
func TestTLSRequests(t *testing.T) {
	srv := &h1server.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			io.WriteString(w, "no TLS state")
			return
		}
		fmt.Fprintf(w, "%s %s %v", tls.VersionName(r.TLS.Version), r.TLS.ServerName, r.TLS.HandshakeComplete)
	})}
	c := dialTLS(t, serveTLS(t, srv))
	_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.0\r\n\r\n")
	require.NoError(t, err)
	b, err := io.ReadAll(c)
	require.NoError(t, err, "closed with close_notify after the HTTP/1.0 request")
	assert.Equal(t, 2, strings.Count(string(b), "HTTP/1.1 200 OK\r\n"), "%s", b)
	assert.Equal(t, 2, strings.Count(string(b), "TLS 1.3 x true"), "%s", b)
}

// TestTLSNextProto: a connection that negotiates a protocol of
// TLSNextProto goes there, handshake done, with the connection's context;
// the others are HTTP/1.x.
func TestTLSNextProto(t *testing.T) {
	type handed struct {
		proto string
		val   any
	}
	got := make(chan handed, 1)
	srv := &h1server.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "http/1") }),
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, ctxKey{}, "conn")
		},
		TLSNextProto: map[string]func(context.Context, *tls.Conn){"h2": func(ctx context.Context, c *tls.Conn) {
			got <- handed{c.ConnectionState().NegotiatedProtocol, ctx.Value(ctxKey{})}
			c.Close()
		}},
	}
	addr := serveTLS(t, srv, "h2", "http/1.1")
	dialTLS(t, addr, "h2")
	assert.Equal(t, handed{"h2", "conn"}, <-got)

	c := dialTLS(t, addr, "http/1.1")
	_, err := io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
	require.NoError(t, err)
	b, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(string(b), "\r\n\r\nhttp/1"), "%s", b)
}

// TestTLSHandshakeTimeout: a client that does not finish its handshake
// within client_header_timeout is closed, as nginx closes it.
func TestTLSHandshakeTimeout(t *testing.T) {
	srv := &h1server.Server{Handler: http.NotFoundHandler(), Config: h1server.Config{ClientHeaderTimeout: 50 * time.Millisecond}}
	addr := serveTLS(t, srv)
	for name, first := range map[string]string{"silent": "", "handshake begun": "\x16\x03\x01\x00\x10"} {
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			defer c.Close()
			require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
			_, err = io.WriteString(c, first)
			require.NoError(t, err)
			_, err = io.ReadAll(c)
			var ne net.Error
			assert.False(t, errors.As(err, &ne) && ne.Timeout(), "closed by the server: %v", err)
		})
	}
}

// TestPlainHTTPOnTLS: a plain HTTP request to a TLS listener is read and
// handed to the handler refused as 497 (nginx's "plain HTTP request was
// sent to HTTPS port"), and the connection closes after the answer.
func TestPlainHTTPOnTLS(t *testing.T) {
	srv := &h1server.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "%d %s %v", h1server.RequestError(r.Context()), r.URL.Path, r.TLS == nil)
	})}
	c, err := net.Dial("tcp", serveTLS(t, srv))
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
	_, err = io.WriteString(c, "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	b, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "HTTP/1.1 400 Bad Request\r\n"), "%s", b)
	assert.Contains(t, string(b), "\r\nConnection: close\r\n")
	assert.Contains(t, string(b), "\r\n497 /plain true\r\n")
}
