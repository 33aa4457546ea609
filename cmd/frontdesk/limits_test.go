package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLocationLimitsMatchNginx: keepalive_timeout, keepalive_requests
// and client_body_timeout apply from the server block and location that
// serve a request, not only from the listen address's default server;
// nginx and the binary answer the same raw exchanges byte for byte (Date
// aside), closing where nginx closes.
func TestLocationLimitsMatchNginx(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "app\n")
	}))
	t.Cleanup(app.Close)
	body := `
    keepalive_requests 3;
    server {
        listen 127.0.0.1:{{PORT}};
        location / { return 200 "hi\n"; }
        location /short { keepalive_timeout 0; return 200 "short\n"; }
        location /hdr { keepalive_timeout 30 20; return 200 "hdr\n"; }
        location /slow {
            client_body_timeout 200ms;
            proxy_pass http://` + app.Listener.Addr().String() + `;
        }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name two;
        keepalive_requests 2;
        location / { return 200 "two\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        keepalive_requests 1;
        location / { return 200 "three\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name four;
        location / { return 200 "four\n"; }
    }`
	ng := nginxtest.StartWith(t, body, nginxtest.Options{})
	fd := nginxtest.StartWith(t, body, nginxtest.Options{
		Binary: os.Args[0], PidReady: true,
		Env: []string{mainEnv + "=1", "GORACE=atexit_sleep_ms=0"},
	})
	get := func(path, host string) string {
		return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
	}
	tests := []struct {
		name string
		port int // index into Ports
		raw  string
	}{
		{"location keepalive_timeout 0", 0, get("/", "x") + get("/short", "x") + get("/", "x")},
		{"location keepalive_timeout header", 0, get("/hdr", "x") + get("/short", "x")},
		{"http keepalive_requests", 0, get("/", "x") + get("/", "x") + get("/", "x") + get("/", "x")},
		{"server keepalive_requests", 0, get("/", "two") + get("/", "two") + get("/", "two")},
		// The default server's keepalive_requests 1 gives way to the
		// http level's 3 in the server the Host selects.
		{"default server's keepalive_requests", 1, get("/", "four") + get("/", "four") + get("/", "four") + get("/", "four")},
		// The default client_body_timeout (60s) would outlast the test.
		{"location client_body_timeout", 0, "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := rawExchange(t, ng.Ports[tt.port], tt.raw)
			assert.Equal(t, want, rawExchange(t, fd.Ports[tt.port], tt.raw))
		})
	}
}

// rawExchange writes raw to a new plain connection to port and reads until
// the server closes it, Date headers masked.
func rawExchange(t *testing.T, port int, raw string) string {
	t.Helper()
	got, end := exchange(t, port, raw, false)
	require.Equal(t, "closed", end, "the server closes the connection")
	return got
}
