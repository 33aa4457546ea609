package main

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawUpstream is a loopback upstream that hands each connection, once
// its request head has been read, to serve. It stops with the test.
func rawUpstream(t *testing.T, serve func(c *net.TCPConn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	conns := make(chan net.Conn, 16)
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
			go func() {
				_ = c.SetDeadline(time.Now().Add(waitTimeout))
				br := bufio.NewReader(c)
				for {
					l, err := br.ReadString('\n')
					if err != nil || l == "\r\n" {
						break
					}
				}
				serve(c.(*net.TCPConn))
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		close(conns)
		for c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// errorLogEvents is the error log's request lines of [warn] and worse:
// without the timestamp and pid, with the connection numbers renumbered
// in order of appearance and the server's own port as PORT.
func errorLogEvents(text string, port int) []string {
	head := regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: \*(\d+) (.*)$`)
	conns := map[string]int{}
	var out []string
	for l := range strings.SplitSeq(text, "\n") {
		m := head.FindStringSubmatch(l)
		if m == nil || (m[1] != "warn" && m[1] != "error" && m[1] != "crit" && m[1] != "alert") {
			continue
		}
		if _, ok := conns[m[2]]; !ok {
			conns[m[2]] = len(conns) + 1
		}
		msg := strings.ReplaceAll(m[3], ":"+strconv.Itoa(port), ":PORT")
		out = append(out, "["+m[1]+"] *"+strconv.Itoa(conns[m[2]])+" "+msg)
	}
	return out
}

// TestErrorLogMatchesNginx sends nginx and the binary, started with the
// same nginx.conf, the same requests (one connection each) that end in
// errors nginx logs — upstream failures, static files, access rules,
// basic auth, body size — and compares their error log lines after the
// timestamp and pid: level, connection number, message and context.
func TestErrorLogMatchesNginx(t *testing.T) {
	silent := rawUpstream(t, func(c *net.TCPConn) {
		// Answers nothing: the read timeout fires.
		_, _ = io.Copy(io.Discard, c)
	})
	closing := rawUpstream(t, func(c *net.TCPConn) { c.Close() })
	resetting := rawUpstream(t, func(c *net.TCPConn) {
		_ = c.SetLinger(0)
		c.Close()
	})
	invalid := rawUpstream(t, func(c *net.TCPConn) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nBad\x01Header: x\r\n\r\n")
		c.Close()
	})
	big := rawUpstream(t, func(c *net.TCPConn) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Big: "+strings.Repeat("b", 2000)+"\r\n\r\n")
		c.Close()
	})
	// Bodies cut short: closed, stalled, badly chunked.
	short := rawUpstream(t, func(c *net.TCPConn) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
		c.Close()
	})
	stalled := rawUpstream(t, func(c *net.TCPConn) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
		_, _ = io.Copy(io.Discard, c)
	})
	badChunk := rawUpstream(t, func(c *net.TCPConn) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n")
		c.Close()
	})
	data := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(data, "dir"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(data, "users"), []byte("alice:{PLAIN}secret\n"), 0o644))
	body := `
    upstream down {
        server 127.0.0.1:1 max_fails=1 fail_timeout=60s;
        server 127.0.0.2:1 max_fails=1 fail_timeout=60s;
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name example.test;
        proxy_read_timeout 300ms;
        proxy_buffer_size 1k;
        location /refused { proxy_pass http://127.0.0.1:1; }
        location /down { proxy_pass http://down; }
        location /silent { proxy_pass http://` + silent + `; }
        location /closing { proxy_pass http://` + closing + `; }
        location /resetting { proxy_pass http://` + resetting + `; }
        location /invalid { proxy_pass http://` + invalid + `; }
        location /big { proxy_pass http://` + big + `; }
        location /f/ { alias {{DIR}}/; }
        location /deny { deny all; }
        location /auth { auth_basic "r"; auth_basic_user_file {{DIR}}/users; }
        location /small { client_max_body_size 1; return 200; }
        location /short { proxy_pass http://` + short + `; }
        location /stalled { proxy_pass http://` + stalled + `; }
        location /badchunk { proxy_pass http://` + badChunk + `; }
        location /cycle { rewrite ^ /cycle2; }
        location /cycle2 { rewrite ^ /cycle; }
        location /named { try_files /none @missing; }
        location /var { proxy_pass http://$arg_h; }
        location /prefix { proxy_pass $arg_u; }
        location /al/ { alias {{DIR}}/; rewrite ^ /al/dir/ break; }
    }`
	ng := nginxtest.StartWith(t, body, nginxtest.Options{DataDir: data})
	fd := nginxtest.StartWith(t, body, nginxtest.Options{
		Binary: os.Args[0], PidReady: true, DataDir: data,
		Env: []string{mainEnv + "=1", "GORACE=atexit_sleep_ms=0"},
	})
	requests := []string{
		"GET /refused/x HTTP/1.1\r\nHost: a.test\r\nReferer: http://r.test/\r\n",
		"GET /down/x HTTP/1.1\r\nHost: a.test\r\n",
		"GET /down/y HTTP/1.1\r\nHost: a.test\r\n",
		"GET /silent HTTP/1.1\r\nHost: a.test\r\n",
		"GET /closing HTTP/1.1\r\nHost: a.test\r\n",
		"GET /resetting HTTP/1.1\r\nHost: a.test\r\n",
		"GET /invalid HTTP/1.1\r\nHost: a.test\r\n",
		"GET /big HTTP/1.1\r\nHost: a.test\r\n",
		"GET /f/missing.txt HTTP/1.1\r\nHost: a.test\r\n",
		"GET /f/dir/ HTTP/1.1\r\nHost: a.test\r\n",
		"GET /deny HTTP/1.1\r\nHost: a.test\r\n",
		"GET /auth HTTP/1.1\r\nHost: a.test\r\nAuthorization: Basic Ym9iOnNlY3JldA==\r\n", // bob:secret
		"GET /auth HTTP/1.1\r\nHost: a.test\r\nAuthorization: Basic YWxpY2U6d3Jvbmc=\r\n", // alice:wrong
		"POST /small HTTP/1.1\r\nHost: a.test\r\nContent-Length: 10\r\n\r\n0123456789",
		"GET /short HTTP/1.1\r\nHost: a.test\r\n",
		"GET /stalled HTTP/1.1\r\nHost: a.test\r\n",
		"GET /badchunk HTTP/1.1\r\nHost: a.test\r\n",
		"GET /cycle HTTP/1.1\r\nHost: a.test\r\n",
		"GET /named HTTP/1.1\r\nHost: a.test\r\n",
		"GET /var?h=example.invalid HTTP/1.1\r\nHost: a.test\r\n",
		"GET /var?h=:80 HTTP/1.1\r\nHost: a.test\r\n",
		"GET /var?h=a:0 HTTP/1.1\r\nHost: a.test\r\n",
		"GET /prefix?u=ftp://x HTTP/1.1\r\nHost: a.test\r\n",
		"GET /al/x HTTP/1.1\r\nHost: a.test\r\n",
	}
	events := func(s *nginxtest.Server) []string {
		for _, r := range requests {
			if !strings.HasSuffix(r, "\r\n\r\n") && !strings.Contains(r, "\r\n\r\n") {
				r += "Connection: close\r\n\r\n"
			}
			c, err := rawhttp.Dial(t.Context(), s.Addr)
			require.NoError(t, err)
			require.NoError(t, c.SetDeadline(time.Now().Add(waitTimeout)))
			_, err = io.WriteString(c, r)
			require.NoError(t, err)
			// Until the server closes: a response cut short ends
			// there too, after its error was logged.
			_, err = io.ReadAll(c)
			require.NoError(t, err, r)
			c.Close()
		}
		// Every request has been answered, and each logs before it
		// answers.
		return errorLogEvents(s.ErrorLog(), s.Ports[0])
	}
	want, got := events(ng), events(fd)
	assert.Equal(t, want, got)
	assert.Len(t, want, 27, "nginx's events:\n%s", strings.Join(want, "\n"))
}
