package main

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/frontdesktest"
	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// varsFormat logs the variables whose values the binary computes
// itself: sizes, counters and times.
const varsFormat = `$status|$bytes_sent|$body_bytes_sent|$request_length|$connection|$connection_requests|$request_time|$msec|$time_iso8601|$request`

// TestAccessLogVariablesMatchNginx starts nginx and the binary with the
// same nginx.conf and command line (internal/nginxtest, the binary ready
// once its pid file is written), sends both the same connections, and
// compares their access log lines: status, body size and per-connection
// request counts exactly; connection numbers by pattern (which lines
// share a connection); times by format and plausibility.
//
// $request_length counts the request head, and a body only when it is
// read for the handler (proxy_pass), not when it is discarded (return).
func TestAccessLogVariablesMatchNginx(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/app/stream" {
			// No length: nginx answers its client in chunks.
			w.(http.Flusher).Flush()
		}
		io.WriteString(w, "app\n")
	}))
	t.Cleanup(app.Close)
	body := `
    log_format vars '` + varsFormat + `';
    server {
        listen 127.0.0.1:{{PORT}};
        access_log vars.log vars;
        location / { return 200 "hi\n"; }
        location /missing { return 404; }
        location /app { proxy_pass http://` + app.Listener.Addr().String() + `; }
        location /f/ { alias {{DIR}}/; }
    }`
	// A file larger than the file server's copy buffer goes out with
	// sendfile.
	data := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(data, "big.txt"), []byte(strings.Repeat("0123456789abcde\n", 8000)), 0o644))
	ng := nginxtest.StartWith(t, body, nginxtest.Options{DataDir: data})
	fd := nginxtest.StartWith(t, body, nginxtest.Options{
		Binary: os.Args[0], PidReady: true, DataDir: data,
		Env: []string{mainEnv + "=1", "GORACE=atexit_sleep_ms=0"},
	})

	// Each connection's requests, sent in one write and answered in
	// order.
	conns := [][]string{
		{
			"GET /a?x=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n",
			"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n",
			"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		},
		{"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"},
		{"GET / HTTP/1.0\r\n\r\n"},
		{
			"POST /app/x?y HTTP/1.1\r\nHost: example.com\r\nContent-Length: 11\r\nX-A: 1\r\nX-A: 2\r\n\r\nhello world",
			"GET /app HTTP/1.1\r\nHost: x\r\nAccept: */*\r\nConnection: close\r\n\r\n",
		},
		// An empty line before the request line, which nginx skips;
		// a chunked body read for proxy_pass, framing included; a
		// chunked response, its last chunk included.
		{
			"\r\nPOST /app/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
			"GET /app/stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		},
		{"GET /f/big.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
	}
	lines := func(s *nginxtest.Server) [][]string {
		for _, reqs := range conns {
			c, err := rawhttp.Dial(t.Context(), s.Addr)
			require.NoError(t, err)
			require.NoError(t, c.SetDeadline(time.Now().Add(waitTimeout)))
			_, err = io.WriteString(c, strings.Join(reqs, ""))
			require.NoError(t, err)
			br := bufio.NewReader(c)
			for _, r := range reqs {
				_, err := rawhttp.ReadResponse(br, strings.Fields(r)[0])
				require.NoError(t, err)
			}
			c.Close()
		}
		path := filepath.Join(s.Dir, "vars.log")
		var text string
		eventually(t, "access log lines of "+path, func() bool {
			text = readFile(path)
			return strings.Count(text, "\n") == 10
		})
		var out [][]string
		for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			out = append(out, strings.Split(l, "|"))
		}
		return out
	}
	want, got := lines(ng), lines(fd)
	// status, bytes_sent, body_bytes_sent, request_length,
	// connection_requests, request.
	exact := []int{0, 1, 2, 3, 5, 9}
	decimal := regexp.MustCompile(`^\d+\.\d{3}$`)
	for i := range want {
		require.Len(t, got[i], len(want[i]), "line %d", i)
		for _, f := range exact {
			assert.Equal(t, want[i][f], got[i][f], "line %d, %s", i, strings.Split(varsFormat, "|")[f])
		}
		for _, side := range [][]string{want[i], got[i]} {
			_, err := strconv.ParseUint(side[4], 10, 64)
			assert.NoError(t, err, "$connection %q", side[4])
			assert.Regexp(t, decimal, side[6], "$request_time")
			assert.Regexp(t, decimal, side[7], "$msec")
			msec, _ := strconv.ParseFloat(side[7], 64)
			assert.WithinDuration(t, time.Now(), time.UnixMilli(int64(msec*1000)), time.Minute, "$msec")
			iso, err := time.Parse("2006-01-02T15:04:05-07:00", side[8])
			if assert.NoError(t, err, "$time_iso8601") {
				assert.WithinDuration(t, time.Now(), iso, time.Minute, "$time_iso8601")
			}
		}
	}
	// $connection: the same number for the requests of one connection,
	// another for each new connection.
	pattern := func(ls [][]string) []int {
		seen := map[string]int{}
		var out []int
		for _, l := range ls {
			if _, ok := seen[l[4]]; !ok {
				seen[l[4]] = len(seen)
			}
			out = append(out, seen[l[4]])
		}
		return out
	}
	assert.Equal(t, pattern(want), pattern(got), "$connection per line")
	assert.Equal(t, []int{0, 0, 0, 1, 2, 3, 3, 4, 4, 5}, pattern(want))
}

// TestAccessLogLineMatchesFrontdesktest: frontdesktest's explanation
// holds the line the binary writes for the same request on the same
// configuration (one renderer, internal/accesslog), for a custom
// escape=json format and for a second log with if=.
func TestAccessLogLineMatchesFrontdesktest(t *testing.T) {
	const body = `
    log_format j escape=json '{"addr":"$remote_addr","user":"$remote_user","req":"$request",'
                             '"status":$status,"sent":$body_bytes_sent,"len":$request_length,'
                             '"ua":"$http_user_agent","note":"$http_x_note","none":"$http_x_none","host":"$host"}';
    log_format plain '$request_length $status "$http_x_note" $arg_b';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name x.test;
        access_log j.log j;
        access_log plain.log plain if=$arg_plain;
        location / { return 200 "hi\n"; }
        location /missing { return 404; }
    }`
	fd := nginxtest.StartWith(t, body, nginxtest.Options{
		Binary: os.Args[0], PidReady: true,
		Env: []string{mainEnv + "=1", "GORACE=atexit_sleep_ms=0"},
	})
	n := frontdesktest.Start(t, frontdesktest.Config{Text: fd.Conf, Prefix: fd.Dir})
	// frontdesktest's client: no Accept-Encoding.
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	host := "x.test:" + strconv.Itoa(fd.Ports[0])
	header := http.Header{"X-Note": {"say \"hi\" \\ \xc3\xa9"}, "Authorization": {"Basic dTpw"}}
	targets := []string{"/a?b=1", "/missing?plain=1&b=2", "/?plain=0"}
	var want []string
	for _, target := range targets {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+fd.Addr+target, nil)
		require.NoError(t, err)
		req.Host, req.Header = host, header.Clone()
		res, err := (&http.Client{Transport: tr}).Do(req)
		require.NoError(t, err)
		io.Copy(io.Discard, res.Body)
		res.Body.Close()

		ex := n.Request(t, http.MethodGet, "http://"+host+target, header, nil).Explanation
		for _, l := range ex.AccessLogs {
			want = append(want, l.Path+": "+l.Line)
		}
	}
	var got []string
	eventually(t, "the binary's access log lines", func() bool {
		got = got[:0]
		for _, name := range []string{"j.log", "plain.log"} {
			text := readFile(filepath.Join(fd.Dir, name))
			for _, l := range strings.SplitAfter(text, "\n") {
				if strings.HasSuffix(l, "\n") {
					got = append(got, name+": "+strings.TrimSuffix(l, "\n"))
				}
			}
		}
		return len(got) >= len(want)
	})
	// The binary writes each file's lines in request order; the
	// explanations, request by request.
	assert.ElementsMatch(t, want, got)
	require.Len(t, want, 4, "three j lines, one plain line")
	assert.Contains(t, want[0], `"user":"u","req":"GET /a?b=1 HTTP/1.1","status":200,"sent":3,`)
	assert.Contains(t, want[0], `"note":"say \"hi\" \\ `+"\xc3\xa9"+`","none":"","host":"x.test"}`)
	assert.Regexp(t, `^plain.log: \d+ 404 "say \\x22hi\\x22 \\x5C \\xC3\\xA9" 2$`, want[2])
}

// TestAccessLogLocationsMatchNginx: the access_log of the location that
// served a request applies (its own, its enclosing location's, the
// server's), after internal redirects (try_files, rewrite ... last), and
// "off" in a location; the binary writes each request to the files
// nginx writes it to, and frontdesktest's explanation names them.
func TestAccessLogLocationsMatchNginx(t *testing.T) {
	const body = `
    log_format r '$request $status';
    server {
        listen 127.0.0.1:{{PORT}};
        access_log server.log r;
        location / { return 200 "root\n"; }
        location /loc/ { access_log loc.log r; return 200 "loc\n"; }
        location /off/ { access_log off; return 200 "off\n"; }
        location /n/ {
            access_log n.log r;
            location /n/deep/ { return 200 "deep\n"; }
            location ~\.txt$ { access_log txt.log r; return 200 "txt\n"; }
            return 200 "n\n";
        }
        location /tf/ { access_log off; try_files /nonexistent @named; }
        location @named { access_log named.log r; access_log named2.log r; return 200 "named\n"; }
        location /rw/ { access_log off; rewrite ^ /loc/x last; }
    }`
	paths := []string{"/", "/loc/a", "/off/a", "/n/a", "/n/deep/a", "/n/a.txt", "/tf/x", "/rw/y"}
	files := []string{"server.log", "loc.log", "n.log", "txt.log", "named.log", "named2.log", "access.log"}
	const lines = 8 // "/off/a" none, "/tf/x" two
	// logged maps each request line to the files it was written to.
	logged := func(s *nginxtest.Server) map[string][]string {
		for _, p := range paths {
			_, err := get("http://" + s.Addr + p)
			require.NoError(t, err)
		}
		out := map[string][]string{}
		eventually(t, "access log lines in "+s.Dir, func() bool {
			clear(out)
			n := 0
			for _, f := range files {
				for _, l := range strings.Split(strings.TrimSuffix(readFile(filepath.Join(s.Dir, f)), "\n"), "\n") {
					if l != "" {
						out[l] = append(out[l], f)
						n++
					}
				}
			}
			return n == lines
		})
		return out
	}
	ng := nginxtest.StartWith(t, body, nginxtest.Options{})
	fd := nginxtest.StartWith(t, body, nginxtest.Options{
		Binary: os.Args[0], PidReady: true,
		Env: []string{mainEnv + "=1", "GORACE=atexit_sleep_ms=0"},
	})
	want := logged(ng)
	assert.Equal(t, want, logged(fd))
	assert.Equal(t, []string{"loc.log"}, want["GET /rw/y HTTP/1.1 200"], "nginx: the final location's log")

	n := frontdesktest.Start(t, frontdesktest.Config{Text: fd.Conf, Prefix: fd.Dir})
	explained := map[string][]string{}
	for _, p := range paths {
		for _, l := range n.Get(t, p).Explanation.AccessLogs {
			explained[l.Line] = append(explained[l.Line], l.Path)
		}
	}
	assert.Equal(t, want, explained)
}
