package nginxconf

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHTTP2On: nginx 1.25.1's "http2 on" offers h2 by ALPN on the ssl
// listeners of the servers that have it (by the server SNI picks), and on
// a plain address whose default server has it, HTTP/1 and prior-knowledge
// HTTP/2; "listen … http2" without ssl is HTTP/2 alone, as nginx 1.22.
func TestHTTP2On(t *testing.T) {
	dir := tlsDir(t, map[string]string{})
	cfg, err := loadServer(t, dir, `http2 on;
		server { listen 127.0.0.1:8443 ssl; server_name a.test; ssl_certificate a.crt; ssl_certificate_key a.key; }
		server { listen 127.0.0.1:8443 ssl; server_name b.test; ssl_certificate a.crt; ssl_certificate_key a.key; http2 off; }
		server { listen 127.0.0.1:8080; }
		server { listen 127.0.0.1:8081; http2 off; }
		server { listen 127.0.0.1:8082 http2; http2 off; }`)
	require.NoError(t, err)
	require.Len(t, cfg.Warnings, 4, "one per http2 directive")
	for _, w := range cfg.Warnings {
		assert.Contains(t, w.Message, "nginx 1.25.1")
	}

	alpn := func(sni string) string {
		return handshake(t, cfg.TLS("127.0.0.1:8443"), &tls.Config{InsecureSkipVerify: true, ServerName: sni, NextProtos: []string{"h2", "http/1.1"}}).NegotiatedProtocol
	}
	assert.Equal(t, "h2", alpn("a.test"))
	assert.Equal(t, "http/1.1", alpn("b.test"))
	assert.Equal(t, "h2", alpn(""), "the default server's")

	both := cfg.Protocols("127.0.0.1:8080")
	require.NotNil(t, both)
	assert.True(t, both.HTTP1() && both.UnencryptedHTTP2())
	assert.Nil(t, cfg.Protocols("127.0.0.1:8081"))
	only := cfg.Protocols("127.0.0.1:8082")
	require.NotNil(t, only)
	assert.True(t, !only.HTTP1() && only.UnencryptedHTTP2(), "listen … http2 is HTTP/2 only")
	assert.Equal(t, 128, cfg.HTTP2("127.0.0.1:8082").MaxConcurrentStreams)
}

// TestH2OnlyListener: a connection to an HTTP/2-only address that does
// not open with the client preface gets nginx's frames and a FIN; one
// that does reaches the server with the preface intact.
func TestH2OnlyListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg := &Config{h2c: map[string]*http.Protocols{"a:1": {}}, h2: map[string]*http.HTTP2Config{"a:1": {MaxConcurrentStreams: 7}}}
	cfg.h2c["a:1"].SetUnencryptedHTTP2(true)
	l := cfg.Listener("a:1", ln)
	defer l.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		got <- b
	}()

	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	frames, err := io.ReadAll(c)
	require.NoError(t, err, "closed with a FIN, not a reset")
	c.Close()
	assert.Equal(t, h2Refusal(7), frames)
	assert.Empty(t, <-got, "the server reads nothing of it")
	assert.Equal(t, []byte{0, 0, 18, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 7}, frames[:15], "SETTINGS, MAX_CONCURRENT_STREAMS first")

	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		got <- b
	}()
	c, err = net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nrest"
	_, err = io.WriteString(c, preface)
	require.NoError(t, err)
	require.NoError(t, c.(*net.TCPConn).CloseWrite())
	assert.Equal(t, preface, string(<-got))
	c.Close()
}
