package main

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/frontdesktest"
	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTLSWireMatchesNginx: over TLS the binary answers HTTP/1.x as on
// its plain listeners, as nginx does — reason phrases, header order,
// nginx's 400/414/494 pages, HTTP/1.0, pipelining and keep-alive limits —
// byte for byte (Date aside), the binary and nginx started with the same
// nginx.conf and command line. How each closes the stream (with TLS
// close_notify or without) is part of what is compared.
func TestTLSWireMatchesNginx(t *testing.T) {
	dir := t.TempDir()
	frontdesktest.Certificate(t, dir, "x")
	const body = `
    server {
        listen 127.0.0.1:{{PORT}} ssl;
        ssl_certificate {{DIR}}/fullchain.pem;
        ssl_certificate_key {{DIR}}/privkey.pem;
        keepalive_requests 3;
        large_client_header_buffers 4 1k;
        location / { return 302 /elsewhere; }
        location = /504 { return 504; }
        location = /order { add_header X-A a; return 200 "ok\n"; }
        location = /scheme { return 200 "$scheme $https $ssl_protocol\n"; }
    }`
	opts := nginxtest.Options{DataDir: dir}
	ng := nginxtest.StartWith(t, body, opts)
	opts.Binary, opts.PidReady = os.Args[0], true
	opts.Env = []string{mainEnv + "=1", "GORACE=atexit_sleep_ms=0"}
	fd := nginxtest.StartWith(t, body, opts)

	req := func(target, proto string, headers ...string) string {
		return "GET " + target + " " + proto + "\r\nHost: x\r\n" + strings.Join(append(headers, ""), "\r\n") + "\r\n"
	}
	closing := req("/order", "HTTP/1.1", "Connection: close")
	long := strings.Repeat("a", 1500)
	tests := []struct {
		name, raw string
		plain     bool // sent without TLS
	}{
		{"302 Moved Temporarily, HTTP/1.0", req("/", "HTTP/1.0"), false},
		{"504 Gateway Time-out", req("/504", "HTTP/1.1", "Connection: close"), false},
		{"header order", closing, false},
		{"scheme and ssl variables", req("/scheme", "HTTP/1.0"), false},
		{"HTTP/1.0 keep-alive", req("/order", "HTTP/1.0", "Connection: keep-alive") + req("/", "HTTP/1.0"), false},
		{"pipelined", req("/order", "HTTP/1.1") + req("/504", "HTTP/1.1") + closing, false},
		{"keepalive_requests", req("/order", "HTTP/1.1") + req("/order", "HTTP/1.1") + req("/order", "HTTP/1.1") + req("/order", "HTTP/1.1"), false},
		{"malformed request line", "GET / HTTP/1.1 junk\r\nHost: x\r\n\r\n", false},
		{"bad version", req("/", "HTTP/1.x"), false},
		{"malformed header", "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", false},
		{"414 Request-URI Too Large", req("/"+long, "HTTP/1.1"), false},
		{"494 Request Header Or Cookie Too Large", req("/", "HTTP/1.1", "X-Long: "+long), false},
		{"plain HTTP request to the HTTPS port", req("/", "HTTP/1.1"), true},
		{"malformed plain HTTP request to the HTTPS port", req("/", "HTTP/1.x"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tlsExchange(t, ng.Ports[0], tt.raw, !tt.plain)
			assert.Equal(t, want, tlsExchange(t, fd.Ports[0], tt.raw, !tt.plain))
		})
	}
}

var dateLine = regexp.MustCompile(`(?m)^Date: .*\r$`)

// tlsExchange sends raw, over TLS when useTLS, and returns what came
// back until the server closed, Date and port aside, and how the stream
// ended.
func tlsExchange(t *testing.T, port int, raw string, useTLS bool) string {
	t.Helper()
	got, end := exchange(t, port, raw, useTLS)
	return strings.ReplaceAll(got, fmt.Sprintf(":%d", port), ":PORT") + "\n[" + end + "]"
}

// exchange writes raw to a new connection to port, over TLS when useTLS,
// and reads until the server closes it. It returns what came back, Date
// headers masked, and how the stream ended; a timeout fails the test.
func exchange(t *testing.T, port int, raw string, useTLS bool) (got, end string) {
	t.Helper()
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(waitTimeout)))
	rw, end := io.ReadWriter(c), "closed"
	if useTLS {
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, ServerName: "x"})
		require.NoError(t, tc.Handshake())
		rw, end = tc, "close_notify"
	}
	_, err = io.WriteString(rw, raw)
	require.NoError(t, err)
	b, err := io.ReadAll(rw)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		end = "closed without close_notify"
	case err != nil:
		end = "error"
		var ne net.Error
		require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server closes the connection")
	}
	return dateLine.ReplaceAllString(string(b), "Date: DATE\r"), end
}

// TestTLSReloadAndQuit: on an "ssl http2" listener a reload brings the new
// configuration to HTTP/1.1 and HTTP/2 clients, and QUIT, as on a plain
// listener, stops accepting but lets an HTTP/1.1 request, an HTTP/2
// request and a WebSocket in flight finish before the process exits.
func TestTLSReloadAndQuit(t *testing.T) {
	var arrivals sync.WaitGroup
	arrivals.Add(2)
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrivals.Done()
		<-release
		fmt.Fprint(w, "slow done")
	}))
	defer backend.Close()
	ws := echoBackend(t)

	s := &server{dir: t.TempDir(), port: freePort(t)}
	certFile, keyFile := frontdesktest.Certificate(t, s.dir, "x")
	conf := func(body string) string {
		c := processConf(s.port, `ssl_certificate `+certFile+`; ssl_certificate_key `+keyFile+`;
        location /slow { proxy_pass http://`+backend.Listener.Addr().String()+`; }
        `+wsLocation(ws)+body)
		listen := fmt.Sprintf("listen 127.0.0.1:%d", s.port)
		return strings.Replace(c, listen+";", listen+" ssl http2;", 1)
	}
	writeFile(t, filepath.Join(s.dir, "conf/nginx.conf"), conf(`location / { return 200 "one $server_protocol"; }`))
	require.NoError(t, os.MkdirAll(filepath.Join(s.dir, "logs"), 0o755))
	s.proc = start(t, nil, s.args()...)
	// A failing test shows the error log.
	t.Cleanup(func() { t.Log(s.errorLog()) })
	s.pid = waitPid(t, s.pidFile())

	client := func(h2 bool) *http.Client {
		tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true, ForceAttemptHTTP2: h2}
		if !h2 {
			tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		}
		return &http.Client{Transport: tr, Timeout: waitTimeout}
	}
	url := fmt.Sprintf("https://127.0.0.1:%d", s.port)
	fetch := func(h2 bool, path string) (string, error) {
		resp, err := client(h2).Get(url + path)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	for h2, want := range map[bool]string{false: "one HTTP/1.1", true: "one HTTP/2.0"} {
		got, err := fetch(h2, "/")
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}

	s.rewrite(t, conf(`location / { return 200 "two $server_protocol"; }`))
	s.signal(t, "reload")
	eventually(t, "new configuration over TLS", func() bool {
		b, _ := fetch(false, "/")
		return b == "two HTTP/1.1"
	})
	got, err := fetch(true, "/")
	require.NoError(t, err)
	assert.Equal(t, "two HTTP/2.0", got)

	c, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	require.NoError(t, err)
	tn := &tunnel{c, bufio.NewReader(c)}
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(waitTimeout)))
	_, err = io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	require.NoError(t, err)
	resp, err := rawhttp.ReadResponse(tn.br, "GET")
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.Status)

	type reply struct {
		body string
		err  error
	}
	replies := make(chan reply, 2)
	for _, h2 := range []bool{false, true} {
		go func() {
			b, err := fetch(h2, "/slow")
			replies <- reply{b, err}
		}()
	}
	arrivals.Wait()
	s.signal(t, "quit")
	eventually(t, "listener closed", func() bool {
		_, err := fetch(false, "/")
		return err != nil
	})
	close(release)
	for range 2 {
		r := <-replies
		require.NoError(t, r.err)
		assert.Equal(t, "slow done", r.body)
	}
	got, err = tn.echo("still there")
	require.NoError(t, err)
	assert.Equal(t, "still there", got)
	require.NoError(t, c.Close())
	assert.Equal(t, 0, s.waitExit(t))
	assert.NoFileExists(t, s.pidFile())
}
