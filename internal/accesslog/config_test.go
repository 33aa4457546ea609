package accesslog

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/nginxconf"
)

// load reads an nginx.conf given as text and its access logging.
func load(t *testing.T, text string) (*nginxconf.Config, *Config, error) {
	t.Helper()
	ds, err := (&nginxconf.Loader{}).LoadString("/etc/nginx/nginx.conf", text)
	cfg, err := nginxconf.Build(ds, err, nginxconf.Options{})
	require.NoError(t, err)
	var httpBlock *nginxconf.Directive
	for _, d := range ds {
		if d.Name == "http" {
			httpBlock = d
		}
	}
	c, err := Read(httpBlock, cfg)
	return cfg, c, err
}

// TestReadErrors: what nginx refuses in log_format and access_log is
// refused with nginx's message and file:line.
func TestReadErrors(t *testing.T) {
	tests := []struct{ http, want string }{
		{`log_format combined '$status';`, `duplicate "log_format" name "combined" in /etc/nginx/nginx.conf:1`},
		{`log_format a escape=xml '$status';`, `unknown log format escaping "xml" in /etc/nginx/nginx.conf:1`},
		{`log_format a '${status';`, `the closing bracket in "status" variable is missing in /etc/nginx/nginx.conf:1`},
		{`server { listen 80; access_log a.log nosuch; }`, `unknown log format "nosuch" in /etc/nginx/nginx.conf:1`},
		{`access_log a.log combined nosuch=1;`, `"access_log" parameter "nosuch=1" is not implemented by frontdesk in /etc/nginx/nginx.conf:1`},
		{`access_log a.log combined flush=1s;`, `no buffer is defined for access_log "a.log" in /etc/nginx/nginx.conf:1`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, _, err := load(t, "events {} http { "+tt.http+" }")
			assert.EqualError(t, err, tt.want)
		})
	}
}

// TestReadLevels: a server's access_log directives replace the http
// level's; "off" leaves none; nginx's default applies only where no
// level sets any; a location's is reported, not applied.
func TestReadLevels(t *testing.T) {
	_, c, err := load(t, `events {}
http {
    log_format j escape=json '$status';
    server { listen 80; server_name a; }
    server { listen 80; server_name b; access_log off; }
    server { listen 8080; server_name c; access_log c.log j if=$arg_c; access_log c2.log combined buffer=32k flush=1s;
             location / { access_log off; }
             location /n/ { access_log n.log; location /n/deep { } location ~\.gif$ { } }
             location =/e { if ($arg_x) { access_log x.log; } } }
}`)
	require.NoError(t, err)
	require.Len(t, c.Servers, 3)
	assert.Equal(t, []Log{{Format: c.HTTP[0].Format}}, c.HTTP, "the default, inherited by a")
	assert.Equal(t, EscapeDefault, c.HTTP[0].Format.escape)
	assert.False(t, c.Servers[0].Set)
	assert.True(t, c.Servers[1].Set)
	assert.Empty(t, c.Servers[1].Logs)
	s := c.Servers[2]
	assert.Equal(t, "c", s.Name)
	assert.Equal(t, []string{"8080"}, s.Ports)
	assert.Equal(t, 6, s.Line)
	require.Len(t, s.Logs, 2)
	assert.Equal(t, "c.log", s.Logs[0].Path)
	assert.Equal(t, "arg_c", s.Logs[0].Cond)
	assert.Equal(t, EscapeJSON, s.Logs[0].Format.escape)
	assert.Equal(t, "c2.log", s.Logs[1].Path)
	assert.Equal(t, []string{`"access_log" in "if" is not applied by frontdesk yet in /etc/nginx/nginx.conf:9`}, c.Warnings)
	// A location's own logs, or its enclosing location's, or the block's.
	assert.Equal(t, map[string][]Log{
		"/": nil, "/n/": {{Path: "n.log", Format: combined(t, c)}}, "/n/deep": {{Path: "n.log", Format: combined(t, c)}},
		"~ \\.gif$": {{Path: "n.log", Format: combined(t, c)}}, "= /e": s.Logs,
	}, s.Locations)
	assert.Equal(t, []string{"c.log", "c2.log", "n.log", ""}, paths(c.All()), "every log to open, nginx's default last")
	assert.Equal(t, c.Servers[0].Locations, map[string][]Log{})
	assert.False(t, c.ServerVariables)

	_, c, err = load(t, `events {} http { access_log h.log; server { listen 80; access_log off; } }`)
	require.NoError(t, err)
	assert.Equal(t, "h.log", c.HTTP[0].Path)
	_, c, err = load(t, `events {} http { access_log off; server { listen 80; } }`)
	require.NoError(t, err)
	assert.Empty(t, c.HTTP, "no default where the http level says off")
}

// wire is a server loop's count.
type wire struct{ in, out, body int64 }

func (w wire) RequestLength() int64 { return w.in }
func (w wire) BytesSent() int64     { return w.out }
func (w wire) BodyBytesSent() int64 { return w.body }

// TestLine renders lines through a served request: the server block's
// logs by $server_name and $server_port, the server's variables, and the
// loop's counts when it gives them.
func TestLine(t *testing.T) {
	cfg, c, err := load(t, `events {}
http {
    log_format v '$server_name $status $request_length $bytes_sent $body_bytes_sent $connection_requests "$http_x"';
    log_format t '$time_iso8601|$msec|$request_time';
    server { listen 80; server_name a; access_log a.log v; access_log t.log t; return 204; }
    server { listen 8080; server_name a; access_log b.log v; return 200 ok; }
}`)
	require.NoError(t, err)
	assert.True(t, c.ServerVariables)
	now := time.Date(2026, 11, 25, 4, 5, 6, 789e6, time.FixedZone("", 3600))
	var lines []string
	var logs [][]Log
	opts := append(cfg.Options(), frontdesk.Observe(func(i frontdesk.RequestInfo) {
		logs = append(logs, c.Logs(i))
		for _, l := range c.Logs(i) {
			lines = append(lines, string(l.Format.Line(i, now, nil)))
		}
		lines = append(lines, string(c.Logs(i)[0].Format.Line(i, now, wire{100, 200, 50})))
	}))
	p, err := frontdesk.New(opts...)
	require.NoError(t, err)
	defer p.Close()
	serve := func(port int, r *http.Request) {
		ctx := WithConn(context.WithValue(r.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}), nil)
		p.ServeHTTP(httptest.NewRecorder(), WithRequest(r.WithContext(ctx)))
	}
	r := httptest.NewRequest("POST", "/x", strings.NewReader("body"))
	r.Host = "a"
	r.Header.Set("X", `q"`)
	serve(80, r)
	r = httptest.NewRequest("GET", "/", nil)
	r.Host = "a"
	serve(8080, r)

	// POST /x HTTP/1.1, Host: a, X: q", an unread body.
	head := len("POST /x HTTP/1.1\r\nHost: a\r\nX: q\"\r\n\r\n")
	require.Len(t, lines, 5)
	assert.Equal(t, "a 204 "+strconv.Itoa(head)+` - 0 1 "q\x22"`+"\n", lines[0])
	assert.Regexp(t, `^2026-11-25T04:05:06\+01:00\|`+strconv.FormatInt(now.Unix(), 10)+`\.789\|\d+\.\d{3}\n$`, lines[1])
	assert.Equal(t, "a 204 100 200 50 1 \"q\\x22\"\n", lines[2], "the loop's counts")
	assert.Equal(t, "a 200 "+strconv.Itoa(len("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))+` - 2 1 "-"`+"\n", lines[3])
	assert.Equal(t, "b.log", logs[1][0].Path)
}

// combined is the configuration's "combined" format, which the http
// level's default log has.
func combined(t *testing.T, c *Config) *Format {
	t.Helper()
	require.NotEmpty(t, c.HTTP)
	return c.HTTP[len(c.HTTP)-1].Format
}

func paths(logs []Log) []string {
	var out []string
	for _, l := range logs {
		out = append(out, l.Path)
	}
	return out
}
