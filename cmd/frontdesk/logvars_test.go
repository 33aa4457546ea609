package main

import (
	"bufio"
	"io"
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

// varsFormat logs the variables whose values the binary computes
// itself: sizes, counters and times.
const varsFormat = `$status|$bytes_sent|$body_bytes_sent|$request_length|$connection|$connection_requests|$request_time|$msec|$time_iso8601|$request`

// TestAccessLogVariablesMatchNginx starts nginx and the binary with the
// same nginx.conf and command line (internal/nginxtest, the binary ready
// once its pid file is written), sends both the same connections, and
// compares their access log lines: status, body size and per-connection
// request counts exactly; connection numbers by pattern (which lines
// share a connection); times by format and plausibility.
func TestAccessLogVariablesMatchNginx(t *testing.T) {
	const body = `
    log_format vars '` + varsFormat + `';
    server {
        listen 127.0.0.1:{{PORT}};
        access_log vars.log vars;
        location / { return 200 "hi\n"; }
        location /missing { return 404; }
    }`
	ng := nginxtest.StartWith(t, body, nginxtest.Options{})
	fd := nginxtest.StartWith(t, body, nginxtest.Options{
		Binary: os.Args[0], PidReady: true,
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
			return strings.Count(text, "\n") == 5
		})
		var out [][]string
		for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			out = append(out, strings.Split(l, "|"))
		}
		return out
	}
	want, got := lines(ng), lines(fd)
	// status, body_bytes_sent, connection_requests, request. Not yet
	// $bytes_sent (1) and $request_length (3): the server loop does not
	// report the bytes it read and wrote (README, differences).
	exact := []int{0, 2, 5, 9}
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
	assert.Equal(t, []int{0, 0, 0, 1, 2}, pattern(want))
}
