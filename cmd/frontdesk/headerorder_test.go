package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHeaderOrderMatchesNginx: the binary sends a response's headers in
// nginx's order — its own fixed ones, then the upstream's as the upstream
// sent them (hidden ones dropped, Location and Set-Cookie rewritten in
// place), then expires and add_header in configuration order, then what
// the gzip and range filters add, gzip_vary's Vary first — byte for byte
// as nginx (Date and ports aside, heads only when compressed), for
// proxied responses and a static file.
func TestHeaderOrderMatchesNginx(t *testing.T) {
	reply := func(head string) func(c *net.TCPConn) {
		return func(c *net.TCPConn) {
			_, _ = io.WriteString(c, strings.ReplaceAll(head, "\n", "\r\n")+"\r\nabc")
			_ = c.Close()
		}
	}
	redirect := rawUpstream(t, reply(`HTTP/1.1 302 Found
X-Zeta: z
Content-Type: text/plain
X-Alpha: a
Set-Cookie: a=1; Path=/one
X-Secret: s
Location: http://upstream.test/next
Link: </style.css>; rel=preload
Set-Cookie: b=2; Path=/one/x
Content-Length: 3
Connection: close
`))
	ok := rawUpstream(t, reply(`HTTP/1.1 200 OK
X-Zeta: z
Cache-Control: private
Last-Modified: Wed, 21 Oct 2015 07:28:00 GMT
X-Alpha: a
Vary: Cookie
Location: /elsewhere
ETag: "abc"
Cache-Control: no-transform
Expires: Thu, 01 Jan 1970 00:00:00 GMT
Server: up
Content-Type: text/plain
Content-Length: 3
Connection: close
`))
	data := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(data, "f"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(data, "f", "file.txt"), []byte("file\n"), 0o644))
	body := `
    server {
        listen 127.0.0.1:{{PORT}};
        location /r/ {
            proxy_pass http://` + redirect + `/;
            proxy_hide_header X-Secret;
            proxy_redirect http://upstream.test/ /moved/;
            proxy_cookie_path /one /two;
            add_header X-Zed z;
            add_header Link "</a.js>; rel=preload";
            add_header X-Mid m;
            expires max;
        }
        location /k/ {
            proxy_pass http://` + redirect + `/;
            proxy_redirect off;
            add_header X-B b;
            add_header X-A a;
        }
        location /o/ {
            proxy_pass http://` + ok + `/;
            proxy_pass_header Server;
            add_header X-Zed z;
            add_header X-Alpha again;
            add_header Server extra;
            expires epoch;
        }
        location /f/ {
            root {{DIR}};
            add_header X-Zed z;
            add_header Cache-Control extra;
            add_header Server extra;
            add_header X-Alpha a;
        }
        location /g/ {
            proxy_pass http://` + ok + `/;
            gzip on; gzip_vary on; gzip_types text/plain; gzip_min_length 1; gzip_proxied any;
            add_header X-Zed z;
        }
        location /fg/ {
            alias {{DIR}}/f/;
            gzip on; gzip_vary on; gzip_types text/plain; gzip_min_length 1;
            add_header X-Zed z;
        }
    }`
	ng := nginxtest.StartWith(t, body, nginxtest.Options{DataDir: data})
	fd := nginxtest.StartWith(t, body, nginxtest.Options{
		DataDir: data, Binary: os.Args[0], PidReady: true,
		Env: []string{mainEnv + "=1", "GORACE=atexit_sleep_ms=0"},
	})
	for _, path := range []string{"/r/x", "/k/x", "/o/x", "/f/file.txt", "/g/x", "/fg/file.txt"} {
		t.Run(path, func(t *testing.T) {
			raw := "GET " + path + " HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"
			want := strings.ReplaceAll(rawExchange(t, ng.Ports[0], raw), strconv.Itoa(ng.Ports[0]), "PORT")
			got := strings.ReplaceAll(rawExchange(t, fd.Ports[0], raw), strconv.Itoa(fd.Ports[0]), "PORT")
			if strings.Contains(path, "g/") {
				// zlib and compress/gzip compress alike, not to the
				// same bytes: the heads are compared.
				want, _, _ = strings.Cut(want, "\r\n\r\n")
				got, _, _ = strings.Cut(got, "\r\n\r\n")
				assert.Contains(t, want, "Vary: Accept-Encoding")
			}
			assert.Equal(t, want, got)
		})
	}
}
