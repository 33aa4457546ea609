package h1server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/h1server"
	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/frontdesk-go/frontdesk/nginxconf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const wireConf = `
server {
	listen 127.0.0.1:{{PORT}};
	server_name localhost;
	location / { return 200 "hello\n"; }
	location /r { return 302 /elsewhere; }
	location /g { return 504; }
	location /n { return 204; }
	location /t { return 203 "x"; }
	location /e { return 404; }
	location /small { client_max_body_size 1; return 200 "small\n"; }
	location /dir/ { alias {{DIR}}/; autoindex on; }
	location /nm { return 304; }
	location /up { proxy_pass http://127.0.0.1:{{PORT}}/r; }
}
`

// startBoth runs conf on nginx and on frontdesk behind the loop.
func startBoth(t *testing.T, conf string) (ngAddr, fdAddr string) {
	t.Helper()
	ng, fd, _ := startBothWith(t, conf, h1server.Config{})
	return ng, fd
}

// startBothWith is startBoth with the loop's configuration, returning
// the loop's server too.
func startBothWith(t *testing.T, conf string, lc h1server.Config) (ngAddr, fdAddr string, srv *h1server.Server) {
	t.Helper()
	ng := nginxtest.Start(t, conf)
	cfg, err := nginxconf.LoadString(filepath.Join(ng.Dir, "nginx.conf"), ng.Conf, nginxconf.Options{Prefix: ng.Dir})
	require.NoError(t, err)
	p, err := frontdesk.New(append([]frontdesk.Option{frontdesk.Logger(slog.New(slog.DiscardHandler))}, cfg.Options()...)...)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv = &h1server.Server{Handler: p, Config: lc,
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return frontdesk.WithListenAddr(ctx, ng.Addr)
		}}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
		_ = p.Close()
	})
	return ng.Addr, ln.Addr().String(), srv
}

// exchange sends raw and reads until the server closes.
func exchange(t *testing.T, addr, raw string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(c, raw)
	require.NoError(t, err)
	b, _ := io.ReadAll(c)
	return string(b)
}

var (
	dateLine = regexp.MustCompile(`(?m)^Date: .*\r$`)
	port     = regexp.MustCompile(`127\.0\.0\.1:\d+|localhost:\d+`)
)

// normalise drops what differs between two servers on different ports.
func normalise(s string) string {
	return port.ReplaceAllString(dateLine.ReplaceAllString(s, "Date: X\r"), "HOST")
}

// TestWireAgainstNginx compares whole exchanges byte for byte (Date
// aside): status lines, header order, error pages, keep-alive,
// pipelining and HTTP/1.0.
func TestWireAgainstNginx(t *testing.T) {
	nginxtest.Require(t)
	ng, fd := startBoth(t, wireConf)
	long := strings.Repeat("a", 9000)
	cases := map[string]string{
		"plain":             "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"302":               "GET /r HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"504":               "GET /g HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"204":               "GET /n HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"203":               "GET /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"head":              "HEAD /e HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"http10":            "GET / HTTP/1.0\r\n\r\n",
		"http10 keep-alive": "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /e HTTP/1.0\r\n\r\n",
		"pipelined":         "GET / HTTP/1.1\r\nHost: localhost\r\n\r\nGET /r HTTP/1.1\r\nHost: localhost\r\n\r\nGET /e HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"bad method":        "get / HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"bad version":       "GET / HTTP/1.x\r\nHost: localhost\r\n\r\n",
		"http2 version":     "GET / HTTP/2.0\r\nHost: localhost\r\n\r\n",
		"space in target":   "GET /a b HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"control in target": "GET /a\x01b HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"bad escape":        "GET /%zz HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"no host":           "GET / HTTP/1.1\r\n\r\n",
		"nul in header":     "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\x00b\r\n\r\n",
		"space in name":     "GET / HTTP/1.1\r\nHost: localhost\r\nX A: b\r\n\r\n",
		"folded line":       "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: b\r\n c\r\nConnection: close\r\n\r\n",
		"tab folded line":   "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: b\r\n\tc\r\nConnection: close\r\n\r\n",
		"empty name":        "GET / HTTP/1.1\r\nHost: localhost\r\n: b\r\nConnection: close\r\n\r\n",
		"control in value":  "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\x01b\r\nConnection: close\r\n\r\n",
		"bare cr in value":  "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\rb\r\nConnection: close\r\n\r\n",
		"lf only":           "GET / HTTP/1.1\nHost: localhost\nConnection: close\n\n",
		"leading crlf":      "\r\n\r\nGET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"http09":            "GET /\r\n",
		"http09 post":       "POST /\r\n",
		"two spaces":        "GET  /  HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"absolute form":     "GET http://localhost/ HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n",
		"empty host 1.0":    "GET / HTTP/1.0\r\nHost:\r\n\r\n",
		"duplicate host":    "GET / HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n",
		"duplicate cl":      "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
		"413 lingering":     "POST /small HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1048576\r\n\r\n" + strings.Repeat("z", 1<<20),
		"unread body":       "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1048576\r\nConnection: close\r\n\r\n" + strings.Repeat("z", 1<<20),
		"streamed 1.1":      "GET /dir/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"streamed 1.0 ka":   "GET /dir/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"return 304":        "GET /nm HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"expect other":      "GET / HTTP/1.1\r\nHost: localhost\r\nExpect: something\r\nConnection: close\r\n\r\n",
		"upstream 302 line": "GET /up HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"http11 minor 9":    "GET / HTTP/1.9\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"long uri":          "GET /" + long + " HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"long header":       "GET / HTTP/1.1\r\nHost: localhost\r\nX-Long: " + long + "\r\n\r\n",
		"many headers":      "GET / HTTP/1.1\r\nHost: localhost\r\n" + strings.Repeat("X-H: "+strings.Repeat("b", 7000)+"\r\n", 5) + "\r\n",
		"chunked body":      "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"te with 1.0":       "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"te and cl":         "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"unknown te":        "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n",
		"bad cl":            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: x\r\n\r\n",
		"cl body keepalive": "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabcGET /e HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"expect":            "POST / HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := normalise(exchange(t, ng, raw))
			got := normalise(exchange(t, fd, raw))
			assert.Equal(t, want, got)
		})
	}
}
