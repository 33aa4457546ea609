package frontdesktest

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frontdesk-go/frontdesk"
)

// steps returns the explanation's steps of one kind.
func steps(ex *Explanation, kind frontdesk.TraceKind) []frontdesk.TraceStep {
	var out []frontdesk.TraceStep
	for _, s := range ex.Steps {
		if s.Kind == kind {
			out = append(out, s)
		}
	}
	return out
}

// The explanation says which server and location were chosen, and by
// which step of nginx's precedence.
func TestExplainSelection(t *testing.T) {
	t.Parallel()
	n := Start(t, Config{Text: `
events {}
http {
    server {
        listen 80;
        server_name example.com *.example.org www.example.* ~^(?<sub>api)\.example\.net$;
        location = /exact { return 204; }
        location ^~ /static/ { return 200 static; }
        location /api/ {
            location ~ \.json$ { return 200 nested; }
            return 200 api;
        }
        location ~ \.php$ { return 200 php; }
        location ~* \.(png|jpg)$ { return 200 image; }
        location / { return 200 root; }
    }
    server {
        listen 80 default_server;
        server_name other.test;
        return 404;
    }
}`})
	tests := []struct {
		url    string
		server ServerMatch
		loc    string
		match  frontdesk.MatchStep
		nested []string
		tried  []string
	}{
		{"http://example.com/exact", ServerExact, "= /exact", frontdesk.MatchExact, nil, nil},
		{"http://a.example.org/static/x.php", ServerWildcardStart, "^~ /static/", frontdesk.MatchNoRegex, nil, nil},
		{"http://www.example.de/api/v1.json", ServerWildcardEnd, `~ \.json$`, frontdesk.MatchRegex, []string{"/api/"}, nil},
		{"http://api.example.net/a.png", ServerRegex, `~* \.(png|jpg)$`, frontdesk.MatchRegex, nil, []string{`~ \.php$`}},
		{"http://example.com/api/v1", ServerExact, "/api/", frontdesk.MatchPrefix, nil, []string{`~ \.json$`, `~ \.php$`, `~* \.(png|jpg)$`}},
		{"http://example.com/x", ServerExact, "/", frontdesk.MatchPrefix, nil, []string{`~ \.php$`, `~* \.(png|jpg)$`}},
	}
	for _, tt := range tests {
		ex := n.Get(t, tt.url).Explanation
		assert.Equal(t, "example.com", ex.Server, tt.url)
		assert.Equal(t, tt.server, ex.ServerMatch, "%s\n%s", tt.url, ex)
		assert.Equal(t, tt.loc, ex.Location, "%s\n%s", tt.url, ex)
		assert.Equal(t, tt.match, ex.LocationMatch, "%s\n%s", tt.url, ex)
		locs := steps(ex, frontdesk.TraceLocation)
		if assert.Len(t, locs, 1, "%s\n%s", tt.url, ex) {
			assert.Equal(t, tt.nested, locs[0].Enclosing, tt.url)
			assert.Equal(t, tt.tried, locs[0].Tried, tt.url)
		}
	}
	ex := n.Get(t, "http://nobody.test/").Explanation
	assert.Equal(t, "other.test", ex.Server)
	assert.Equal(t, ServerDefault, ex.ServerMatch, ex.String())
	assert.Contains(t, ex.String(), `by default server for host "nobody.test"`)
}

// Rewrites, set, if and return are reported in order with the URI before
// and after; internal redirects with what made them.
func TestExplainRewritesAndRedirects(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "docs"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "docs", "index.html"), []byte("docs"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "404.html"), []byte("missing"), 0o644))
	app := Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Accel-Redirect", "/protected/file.txt")
	}))
	n := Start(t, Config{Text: `
events {}
http {
    server {
        listen 80;
        root /srv/www;
        error_page 404 /404.html;
        rewrite ^/old/(.*)$ /new/$1 last;
        location /new/ {
            set $section new;
            if ($arg_debug) { return 418 "debug $section"; }
            rewrite ^/new/(.*)$ /docs/$1 break;
        }
        location /docs/ { index index.html; }
        location /spa/ { try_files $uri @app; }
        location @app { proxy_pass http://app; }
        location /protected/ { internal; return 200 "protected $uri"; }
    }
}`, Paths: map[string]string{"/srv/www": root}, Backends: map[string]string{"app": app.Addr}})

	res := n.Get(t, "/old/?debug=1")
	assert.Equal(t, 418, res.Status)
	ex := res.Explanation
	rw := steps(ex, frontdesk.TraceRewrite)
	require.Len(t, rw, 1, ex.String())
	assert.Equal(t, "rewrite ^/old/(.*)$ /new/$1 last", rw[0].Directive)
	assert.Equal(t, "/old/", rw[0].URI)
	assert.Equal(t, "/new/", rw[0].NewURI)
	assert.Equal(t, "debug=1", rw[0].NewArgs)
	assert.Equal(t, "", rw[0].Location, "server level")
	set := steps(ex, frontdesk.TraceSet)
	require.Len(t, set, 1, ex.String())
	assert.Equal(t, "section", set[0].Variable)
	assert.Equal(t, "new", set[0].Value)
	ifs := steps(ex, frontdesk.TraceIf)
	require.Len(t, ifs, 1, ex.String())
	assert.Equal(t, "if ($arg_debug)", ifs[0].Directive)
	assert.True(t, ifs[0].Matched)
	ret := steps(ex, frontdesk.TraceReturn)
	require.Len(t, ret, 1, ex.String())
	assert.Equal(t, 418, ret[0].Status)
	assert.Equal(t, "debug new", ret[0].Value)
	var kinds []frontdesk.TraceKind
	for _, s := range ex.Steps {
		kinds = append(kinds, s.Kind)
	}
	assert.Equal(t, []frontdesk.TraceKind{frontdesk.TraceRewrite, frontdesk.TraceLocation, frontdesk.TraceSet,
		frontdesk.TraceIf, frontdesk.TraceReturn}, kinds, ex.String())

	// rewrite … break, then index: an internal redirect to the file.
	res = n.Get(t, "/old/")
	assert.Equal(t, "docs", res.Body, res.Explanation.String())
	redirects := steps(res.Explanation, frontdesk.TraceRedirect)
	require.Len(t, redirects, 1, res.Explanation.String())
	assert.Equal(t, "index", redirects[0].Cause)
	assert.Equal(t, "/docs/", redirects[0].URI)
	assert.Equal(t, "/docs/index.html", redirects[0].NewURI)

	// A missing file: the status, then error_page's redirect.
	res = n.Get(t, "/docs/none.html")
	assert.Equal(t, "missing", res.Body)
	ex = res.Explanation
	st := steps(ex, frontdesk.TraceStatus)
	require.NotEmpty(t, st, ex.String())
	assert.Equal(t, 404, st[0].Status)
	redirects = steps(ex, frontdesk.TraceRedirect)
	require.Len(t, redirects, 1, ex.String())
	assert.Equal(t, "error_page", redirects[0].Cause)
	assert.Equal(t, "/404.html", redirects[0].NewURI)

	// try_files falls back to a named location, whose upstream answers
	// with X-Accel-Redirect to an internal location.
	res = n.Get(t, "/spa/route")
	assert.Equal(t, "protected /protected/file.txt", res.Body, res.Explanation.String())
	ex = res.Explanation
	redirects = steps(ex, frontdesk.TraceRedirect)
	require.Len(t, redirects, 2, ex.String())
	assert.Equal(t, "try_files", redirects[0].Cause)
	assert.Equal(t, "@app", redirects[0].NewURI)
	assert.Equal(t, "X-Accel-Redirect", redirects[1].Cause)
	locs := steps(ex, frontdesk.TraceLocation)
	require.Len(t, locs, 3, ex.String())
	assert.Equal(t, frontdesk.MatchNamed, locs[1].Match)
	assert.Equal(t, "@app", locs[1].Location)
	assert.Equal(t, "/protected/", locs[2].Location)
	assert.Equal(t, frontdesk.MatchPrefix, ex.LocationMatch)
	require.Len(t, ex.Upstream, 1)
	require.NotNil(t, ex.Upstream[0].Sent, ex.String())
	assert.Equal(t, "GET /spa/route HTTP/1.0", ex.Upstream[0].Sent.Line)
	assert.Contains(t, ex.String(), "internal redirect by try_files")
}

// Each try records what the upstream received; the peer state after the
// request is part of the explanation.
func TestExplainUpstreams(t *testing.T) {
	t.Parallel()
	app := Serve(t, nil)
	n := Start(t, Config{Text: `
events {}
http {
    upstream app {
        server 10.0.0.1:8000 max_fails=1 fail_timeout=30s;
        server 10.0.0.2:8000;
        server 10.0.0.3:8000;
    }
    server {
        listen 80;
        location / {
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_pass http://app;
        }
    }
}`, Upstreams: map[string][]string{"app": {Reset(t).Addr, app.Addr, app.Addr}}})
	// PUT: nginx retries only idempotent requests once they were sent.
	res := n.Request(t, "PUT", "/form", http.Header{"Content-Type": {"text/plain"}}, strings.NewReader("a=1"))
	require.Equal(t, 200, res.Status, res.Explanation.String())
	ex := res.Explanation
	require.Len(t, ex.Upstream, 2, ex.String())
	for _, a := range ex.Upstream {
		require.NotNil(t, a.Sent, ex.String())
		assert.Equal(t, "PUT /form HTTP/1.0", a.Sent.Line)
		assert.Equal(t, "127.0.0.1", a.Sent.Header.Get("X-Forwarded-For"))
		assert.Equal(t, "a=1", string(a.Sent.Body))
	}
	assert.Contains(t, ex.Upstream[0].Err, "reset")
	peers := ex.Peers["app"]
	require.Len(t, peers, 3, ex.String())
	assert.Equal(t, 1, peers[0].Fails)
	assert.False(t, peers[0].Available, "max_fails=1 reached")
	assert.Equal(t, int64(0), peers[1].Conns, "no request in flight once answered")
	assert.Contains(t, ex.String(), "fails=1 in-flight=0 available=false")
	assert.Contains(t, ex.String(), `sent "PUT /form HTTP/1.0"`)
}

// With a Clock, fail_timeout passes when the test says so: a failed
// server is skipped until the clock moves past it, then tried again.
func TestClockFailTimeout(t *testing.T) {
	t.Parallel()
	clock := NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	flaky, good := Serve(t, FailEvery(1, nil)), Serve(t, nil)
	n := Start(t, Config{Text: `
events {}
http {
    upstream app {
        server 10.0.0.1:8000 max_fails=1 fail_timeout=10s;
        server 10.0.0.2:8000;
    }
    server {
        listen 80;
        location / { proxy_next_upstream error timeout http_500; proxy_pass http://app; }
    }
}`, Upstreams: map[string][]string{"app": {flaky.Addr, good.Addr}}, Clock: clock})

	ex := n.Get(t, "/").Explanation
	require.Len(t, ex.Upstream, 2, ex.String())
	assert.False(t, ex.Peers["app"][0].Available, ex.String())
	for range 4 {
		ex = n.Get(t, "/").Explanation
		require.Len(t, ex.Upstream, 1, ex.String())
		assert.Equal(t, good.Addr, ex.Upstream[0].Addr, "the failed server is skipped within fail_timeout")
	}
	assert.Len(t, flaky.Requests(), 1)

	// nginx counts whole seconds: fail_timeout=10s has passed once the
	// clock is 11 s on.
	clock.Advance(11 * time.Second)
	st, err := n.Pool("app").State()
	require.NoError(t, err)
	assert.True(t, st[0].Available, "fail_timeout has passed")
	// Round robin gives a recovered server its weight back gradually, as
	// nginx does: it is chosen again within a few requests.
	for i := 0; i < 6 && len(flaky.Requests()) < 2; i++ {
		n.Get(t, "/")
	}
	assert.Len(t, flaky.Requests(), 2, "tried again after fail_timeout")
}

// The explanation's access log lines follow the configuration: the
// log_format (escape=json here) of each access_log of the server block
// that served the request, the http level's for a block without any,
// if= conditions, and "access_log off".
func TestExplainAccessLogFormat(t *testing.T) {
	t.Parallel()
	n := Start(t, Config{Text: `
events {}
http {
    log_format j escape=json '{"addr":"$remote_addr","user":"$remote_user","req":"$request",'
                             '"status":$status,"sent":$body_bytes_sent,"len":$request_length,'
                             '"note":"$http_x_note","none":"$http_x_none","host":"$host",'
                             '"conn":"$connection","n":"$connection_requests"}';
    log_format short '$status $uri $http_x_note';
    access_log http.log short;
    server {
        listen 80;
        server_name json.test;
        access_log json.log j;
        access_log short.log short if=$arg_short;
        return 200 "hi\n";
    }
    server {
        listen 80;
        server_name inherit.test;
        location /x { return 204; }
    }
    server {
        listen 80;
        server_name off.test;
        access_log off;
        return 200;
    }
}`})
	note := "say \"hi\" \\ \xc3\xa9\t."
	h := http.Header{"X-Note": {note}, "Authorization": {"Basic dTpw"}} // u:p
	res := n.Request(t, "POST", "http://json.test/a?b=1", h, strings.NewReader("body"))
	require.Equal(t, http.StatusOK, res.Status)
	ex := res.Explanation
	require.Len(t, ex.AccessLogs, 1, "if=$arg_short is empty: one line")
	assert.Equal(t, "json.log", ex.AccessLogs[0].Path)
	assert.Equal(t, ex.AccessLogs[0].Line, ex.AccessLog)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(ex.AccessLog), &got), ex.AccessLog)
	assert.Equal(t, "127.0.0.1", got["addr"])
	assert.Equal(t, "u", got["user"])
	assert.Equal(t, "POST /a?b=1 HTTP/1.1", got["req"])
	assert.Equal(t, 200.0, got["status"])
	assert.Equal(t, 3.0, got["sent"])
	assert.Equal(t, note, got["note"], "escape=json keeps the value, quoted")
	assert.Equal(t, "", got["none"], "escape=json logs nothing for no value")
	assert.Equal(t, "json.test", got["host"])
	assert.Regexp(t, `^[1-9][0-9]*$`, got["conn"])
	assert.Equal(t, "1", got["n"])
	// The head as the test's client wrote it, without the header that
	// ties it to its explanation; "return" discards the body unread,
	// which nginx does not count.
	head := "POST /a?b=1 HTTP/1.1\r\nHost: json.test\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: 4\r\n" +
		"Authorization: Basic dTpw\r\nX-Note: " + note + "\r\n\r\n"
	assert.Equal(t, float64(len(head)), got["len"])

	res = n.Request(t, "GET", "http://json.test/?short=1", h, nil)
	require.Len(t, res.Explanation.AccessLogs, 2)
	assert.Equal(t, "short.log", res.Explanation.AccessLogs[1].Path)
	assert.Equal(t, `200 / say \x22hi\x22 \x5C \xC3\xA9\x09.`, res.Explanation.AccessLogs[1].Line, "default escaping")

	res = n.Get(t, "http://inherit.test/x")
	require.Len(t, res.Explanation.AccessLogs, 1)
	assert.Equal(t, AccessLine{Path: "http.log", Line: "204 /x -"}, res.Explanation.AccessLogs[0])

	res = n.Get(t, "http://off.test/")
	assert.Empty(t, res.Explanation.AccessLogs)
	assert.Empty(t, res.Explanation.AccessLog)
	assert.Contains(t, res.Explanation.String(), "access log: none")
}

// Without any access_log, nginx writes "combined" to its default log.
func TestExplainAccessLogDefault(t *testing.T) {
	t.Parallel()
	n := Start(t, Config{Text: `events {} http { server { listen 80; return 200; } }`})
	res := n.Request(t, "GET", "http://a.test/p?q", http.Header{"Referer": {"http://r/"}, "User-Agent": {"ua"}}, nil)
	require.Len(t, res.Explanation.AccessLogs, 1)
	assert.Equal(t, "", res.Explanation.AccessLogs[0].Path)
	assert.Regexp(t, `^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /p\?q HTTP/1\.1" 200 0 "http://r/" "ua"$`, res.Explanation.AccessLog)
}
