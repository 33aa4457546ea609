package main

import (
	"os"
	"strings"
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/stretchr/testify/assert"
)

// TestServerLoopLimitsMatchNginx: a server block's keepalive_requests
// and large_client_header_buffers apply to the connections of its
// listen address, and the http block's to the others; the binary and
// nginx, started with the same nginx.conf and command line, answer the
// same raw exchanges byte for byte (Date aside).
func TestServerLoopLimitsMatchNginx(t *testing.T) {
	const body = `
    keepalive_requests 100;
    large_client_header_buffers 4 8k;
    server {
        listen 127.0.0.1:{{PORT}};
        keepalive_requests 1;
        large_client_header_buffers 2 1k;
        location / { return 200 "one\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        location / { return 200 "two\n"; }
    }`
	ng := nginxtest.StartWith(t, body, nginxtest.Options{})
	fd := nginxtest.StartWith(t, body, nginxtest.Options{
		Binary: os.Args[0], PidReady: true,
		Env: []string{mainEnv + "=1", "GORACE=atexit_sleep_ms=0"},
	})
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	last := "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	long := "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + strings.Repeat("a", 1500) + "\r\nConnection: close\r\n\r\n"
	tests := []struct {
		name string
		port int // index into Ports
		raw  string
	}{
		{"server keepalive_requests", 0, get + last},
		{"http keepalive_requests", 1, get + get + last},
		{"server large_client_header_buffers", 0, long},
		{"http large_client_header_buffers", 1, long},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := rawExchange(t, ng.Ports[tt.port], tt.raw)
			assert.Equal(t, want, rawExchange(t, fd.Ports[tt.port], tt.raw))
		})
	}
}
