package frontdesktest

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain checks, once every parallel test is done, that no listener,
// backend or upstream connection outlived its test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Each listen address gets its own listener, and frontdesk sees the
// configured address: virtual servers are chosen by the configured port,
// and $server_port and redirects name it.
func TestListenAddresses(t *testing.T) {
	t.Parallel()
	n := Start(t, Config{Text: `
events {}
http {
    server {
        listen 80;
        server_name www.example.com;
        location / { return 200 "80 $server_name $server_port\n"; }
        location = /old { return 301 /new; }
    }
    server {
        listen 127.0.0.1:8080;
        server_name api.example.com;
        location / { return 200 "8080 $server_name $server_port $server_addr\n"; }
        location = /old { return 301 /new; }
    }
}`})
	tests := []struct {
		url, body, location string
	}{
		{url: "http://www.example.com/", body: "80 www.example.com 80\n"},
		{url: "http://api.example.com:8080/", body: "8080 api.example.com 8080 127.0.0.1\n"},
		// Only the 8080 server listens on 8080, whatever the name.
		{url: "http://www.example.com:8080/", body: "8080 api.example.com 8080 127.0.0.1\n"},
		{url: "http://www.example.com/old", location: "http://www.example.com/new"},
		{url: "http://api.example.com:8080/old", location: "http://api.example.com:8080/new"},
	}
	for _, tt := range tests {
		res := n.Get(t, tt.url)
		if tt.location != "" {
			assert.Equal(t, http.StatusMovedPermanently, res.Status, tt.url)
			assert.Equal(t, tt.location, res.Header.Get("Location"), "%s\n%s", tt.url, res.Explanation)
			continue
		}
		assert.Equal(t, tt.body, res.Body, "%s\n%s", tt.url, res.Explanation)
	}
	ex := n.Get(t, "http://api.example.com:8080/").Explanation
	assert.Equal(t, "127.0.0.1:8080", ex.Listen)
	assert.Equal(t, "api.example.com", ex.Server)
	assert.Equal(t, "nginx.conf:10", ex.ServerAt)
	assert.Len(t, n.Explanations(), len(tests)+1)

	// The listeners are reachable directly too, by configured address.
	assert.Equal(t, n.Addr("8080"), n.Addr("127.0.0.1:8080"))
	assert.NotEqual(t, n.Addr("80"), n.Addr("8080"))
	resp, err := http.Get(n.URL("127.0.0.1:8080") + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// An upstream's servers are replaced in order, with their parameters; the
// explanation lists every try.
func TestUpstreamsFailover(t *testing.T) {
	t.Parallel()
	app := Serve(t, nil)
	n := Start(t, Config{
		Text: `
events {}
http {
    upstream app {
        server 10.0.0.1:8000 max_fails=3;
        server 10.0.0.2:8000;
    }
    server {
        listen 80;
        location / { proxy_pass http://app; }
    }
}`,
		Upstreams: map[string][]string{"app": {Refuse(t), app.Addr}},
	})
	res := n.Get(t, "/hello")
	require.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
	ex := res.Explanation
	require.Len(t, ex.Upstream, 2, ex.String())
	assert.Equal(t, http.StatusBadGateway, ex.Upstream[0].Status)
	assert.Contains(t, ex.Upstream[0].Err, "refused")
	assert.Equal(t, app.Addr, ex.Upstream[1].Addr)
	assert.Equal(t, "/", ex.Location)
	assert.Contains(t, ex.AccessLog, `"GET /hello HTTP/1.1" 200 `)
	assert.Contains(t, ex.String(), "try 2: app "+app.Addr+" → 200")

	st, err := n.Pool("app").State()
	require.NoError(t, err)
	require.Len(t, st, 2)
	assert.Equal(t, 1, st[0].Fails, "the refused server's failure is counted")
	assert.Equal(t, 3, n.Pool("app").Servers()[0].MaxFails, "parameters are kept")
	assert.Equal(t, "/hello", app.Last().URI)
}

// Configured addresses — a literal address, a unix socket, a service host
// name — are sent to test backends; $upstream_addr keeps the configured one.
func TestBackends(t *testing.T) {
	t.Parallel()
	literal, sock, service := Serve(t, nil), Serve(t, nil), Serve(t, nil)
	n := Start(t, Config{
		Text: `
events {}
http {
    upstream web { server web1:5000; }
    server {
        listen 80;
        location /a/ { proxy_pass http://127.0.0.1:8000; }
        location /b/ { proxy_pass http://unix:/run/gunicorn.sock:/; }
        location /c/ { proxy_pass http://web; }
        location /d/ { proxy_pass http://nobody:9000; }
    }
}`,
		Backends: map[string]string{
			"127.0.0.1:8000":          literal.Addr,
			"unix:/run/gunicorn.sock": sock.Addr,
			"web1":                    service.Addr,
		},
	})
	for _, tt := range []struct {
		path string
		b    *Backend
		uri  string
	}{
		{"/a/x", literal, "/a/x"},
		{"/b/x", sock, "/x"},
		{"/c/x", service, "/c/x"},
	} {
		res := n.Get(t, tt.path)
		assert.Equal(t, http.StatusOK, res.Status, "%s\n%s", tt.path, res.Explanation)
		assert.Equal(t, tt.uri, tt.b.Last().URI, tt.path)
	}
	res := n.Get(t, "/a/y")
	assert.Equal(t, "127.0.0.1:8000", res.Explanation.UpstreamAddr)
	// A service nobody stood in for is refused, as a stopped container is.
	res = n.Get(t, "/d/")
	assert.Equal(t, http.StatusBadGateway, res.Status)
	assert.Contains(t, res.Explanation.Upstream[0].Err, "refused")
}

// ${VAR} placeholders are set, included files and static directories are
// mapped to fixtures: the configuration's text is never changed.
func TestVarsAndPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "conf"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "static", "css"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "conf", "site.conf"),
		[]byte("location /static/ { alias /srv/app/static/; }\nlocation = /name { return 200 \"${SITE}\"; }\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "static", "css", "app.css"), []byte("body{}"), 0o644))

	n := Start(t, Config{
		Text: `
events {}
http {
    server {
        listen ${PORT};
        include /etc/nginx/site.conf;
    }
}`,
		Vars:  map[string]string{"PORT": "8000", "SITE": "example"},
		Paths: map[string]string{"/etc/nginx": filepath.Join(dir, "conf"), "/srv/app/static": filepath.Join(dir, "static")},
	})
	res := n.Get(t, "http://localhost:8000/static/css/app.css")
	assert.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
	assert.Equal(t, "body{}", res.Body)
	assert.Equal(t, "example", n.Get(t, "http://localhost:8000/name").Body)
}

// A configuration frontdesk cannot run fails with the loader's file:line
// message; Ignore lets the test run without the directives it names.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{"etc/nginx/nginx.conf": {Data: []byte("events {}\nhttp {\n  server {\n    listen 80;\n    gzip on;\n    location / { proxy_pas http://x; }\n  }\n}\n")}}
	_, err := Open(Config{File: "/etc/nginx/nginx.conf", FS: fsys})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown directive "proxy_pas" in /etc/nginx/nginx.conf:6`)

	fsys["etc/nginx/nginx.conf"].Data = []byte("events {}\nhttp {\n  server {\n    listen 80;\n    gzip on;\n    location / { return 204; }\n  }\n}\n")
	n, err := Open(Config{File: "/etc/nginx/nginx.conf", FS: fsys, Ignore: []string{"gzip"}})
	if err != nil && !strings.Contains(err.Error(), "gzip") {
		t.Fatal(err)
	}
	if n != nil {
		defer n.Close()
		assert.Equal(t, http.StatusNoContent, n.Get(t, "/").Status)
	}

	_, err = Open(Config{Text: "events {}\nhttp { upstream app { server 127.0.0.1:1; } server { location / { proxy_pass http://app; } } }", Upstreams: map[string][]string{"app": {"a", "b"}}})
	assert.ErrorContains(t, err, `upstream "app" has 1 servers; got 2 addresses`)
}

// The misbehaving backends fail the ways nginx's tests name, and the
// explanation says how.
func TestMisbehavingBackends(t *testing.T) {
	t.Parallel()
	const conf = `
events {}
http {
    server {
        listen 80;
        proxy_read_timeout 200ms;
        location / { proxy_pass http://backend; }
    }
}`
	tests := []struct {
		name   string
		addr   func(t *testing.T) string
		status int
		err    string
	}{
		{"refuse", func(t *testing.T) string { return Refuse(t) }, 502, "refused"},
		{"reset", func(t *testing.T) string { return Reset(t).Addr }, 502, "reset"},
		{"close", func(t *testing.T) string { return CloseBeforeHeaders(t).Addr }, 502, "EOF"},
		{"malformed", func(t *testing.T) string {
			return Malformed(t, "HTTP/1.1 200 OK\r\nX-Big: "+strings.Repeat("x", 5000)+"\r\nContent-Length: 2\r\n\r\nok").Addr
		}, 502, ""},
		{"slow headers", func(t *testing.T) string { return SlowHeaders(t, 5*time.Second).Addr }, 504, "timeout"},
		{"slow headers in time", func(t *testing.T) string { return SlowHeaders(t, time.Millisecond).Addr }, 200, ""},
		{"status", func(t *testing.T) string { return Serve(t, Status(503)).Addr }, 503, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := Start(t, Config{Text: conf, Backends: map[string]string{"backend": tt.addr(t)}})
			res := n.Get(t, "/")
			assert.Equal(t, tt.status, res.Status, res.Explanation.String())
			if tt.err != "" {
				require.NotEmpty(t, res.Explanation.Upstream)
				assert.Contains(t, res.Explanation.Upstream[0].Err, tt.err, res.Explanation.String())
			}
		})
	}
}

func TestFailEvery(t *testing.T) {
	t.Parallel()
	app := Serve(t, FailEvery(2, nil))
	n := Start(t, Config{Text: "events {}\nhttp { server { location / { proxy_pass http://app:8000; } } }", Backends: map[string]string{"app:8000": app.Addr}})
	var got []int
	for range 4 {
		got = append(got, n.Get(t, "/").Status)
	}
	assert.Equal(t, []int{200, 500, 200, 500}, got)
}

// A hung backend holds the request until the test releases it; a slow
// body arrives whole.
func TestHangAndSlowBody(t *testing.T) {
	t.Parallel()
	hung, slow := Hang(t), SlowBody(t, 10*time.Millisecond)
	n := Start(t, Config{
		Text:     "events {}\nhttp { server { location / { proxy_pass http://hung; } location /slow { proxy_pass http://slow; } } }",
		Backends: map[string]string{"hung": hung.Addr, "slow": slow.Addr},
	})
	done := make(chan *Result, 1)
	go func() { done <- n.Get(t, "/") }()
	<-hung.Arrived()
	select {
	case <-done:
		t.Fatal("answered before the backend was released")
	default:
	}
	hung.Release()
	res := <-done
	assert.Equal(t, "ok", res.Body)
	assert.Equal(t, "okok", n.Get(t, "/slow").Body)
}

// What the upstream receives is recorded: request line, headers, body.
func TestRecordedRequest(t *testing.T) {
	t.Parallel()
	app := Serve(t, nil)
	n := Start(t, Config{Text: `events {}
http { server { listen 80; server_name example.com;
  location / { proxy_pass http://app; proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; } } }`,
		Backends: map[string]string{"app": app.Addr}})
	res := n.Request(t, "POST", "http://example.com/form?a=1", http.Header{"X-Forwarded-For": {"203.0.113.9"}}, strings.NewReader("k=v"))
	require.Equal(t, 200, res.Status, res.Explanation.String())
	got := app.Last()
	assert.Equal(t, "POST /form?a=1 HTTP/1.0", got.Line)
	assert.Equal(t, "example.com", got.Host)
	assert.Equal(t, "203.0.113.9, 127.0.0.1", got.Header.Get("X-Forwarded-For"))
	assert.Equal(t, "k=v", string(got.Body))
	assert.Empty(t, got.Header.Get(idHeader), "the explanation id never reaches the upstream")
}

// A test may end with a request held by a hung backend: the cleanup ends
// it instead of waiting for the backend.
func TestCleanupWithRequestInFlight(t *testing.T) {
	t.Parallel()
	finished := make(chan error, 1)
	// Registered first, so it runs last: after the Nginx has stopped.
	t.Cleanup(func() { assert.Error(t, <-finished, "the held request fails once stopped") })
	hung := Hang(t)
	n := Start(t, Config{Text: "events {}\nhttp { server { location / { proxy_pass http://hung; } } }", Backends: map[string]string{"hung": hung.Addr}})
	go func() {
		req, _ := http.NewRequest("GET", "http://localhost/", nil)
		_, _, err := n.Do(req)
		finished <- err
	}()
	<-hung.Arrived()
}
