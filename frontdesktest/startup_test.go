package frontdesktest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/stretchr/testify/require"
)

// startupHTTP is the http{} body both start-up measurements run: the
// Django deployment of examples/djangotest, its workers at {{PORT2}} and
// {{PORT3}} for real nginx.
const startupHTTP = `
    default_type application/octet-stream;
    upstream app_server {
        server 127.0.0.1:{{PORT2}} fail_timeout=0;
        server 127.0.0.1:{{PORT3}} fail_timeout=0;
    }
    server {
        listen 127.0.0.1:{{PORT}} default_server;
        server_name example.com;
        location /static/ { alias {{DIR}}/static/; expires 30d; }
        location / {
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Host $http_host;
            proxy_pass http://app_server;
        }
    }
`

// startupConf is startupHTTP for frontdesktest: its ports are the
// configuration's own, the workers replaced by app.
func startupConf(app string) Config {
	text := strings.NewReplacer("{{PORT2}}", "8000", "{{PORT3}}", "8001", "{{PORT}}", "80", "{{DIR}}", "/srv/app").Replace(startupHTTP)
	return Config{Text: "events {}\nhttp {" + text + "}\n", Upstreams: map[string][]string{"app_server": {app, app}}}
}

func okApp() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
}

// firstAnswer gets url once and checks the answer.
func firstAnswer(tb testing.TB, c *http.Client, url string) {
	res, err := c.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "ok" {
		tb.Fatalf("got %d %q; want 200 \"ok\"", res.StatusCode, body)
	}
}

// BenchmarkStart measures the time from loading the configuration to the
// first answered proxied request, and the stop.
func BenchmarkStart(b *testing.B) {
	app := okApp()
	defer app.Close()
	conf := startupConf(app.Listener.Addr().String())
	b.ReportAllocs()
	for b.Loop() {
		n, err := Open(conf)
		if err != nil {
			b.Fatal(err)
		}
		firstAnswer(b, n.Client(), "http://example.com/")
		n.Close()
	}
}

// TestStartupSideBySide measures, on this machine, the time to the first
// answered request with frontdesktest and with real nginx on the same
// configuration (skipped without nginx). Run with -v to see the numbers.
func TestStartupSideBySide(t *testing.T) {
	nginxtest.Require(t)
	app := okApp()
	defer app.Close()
	_, port, _ := strings.Cut(app.Listener.Addr().String(), ":")

	const runs = 5
	var fd, ngx time.Duration
	for range runs {
		start := time.Now()
		n, err := Open(startupConf(app.Listener.Addr().String()))
		require.NoError(t, err)
		firstAnswer(t, n.Client(), "http://example.com/")
		fd += time.Since(start)
		n.Close()

		dir := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "data", "static"), 0o755))
		// Real nginx gets the app's port for both workers; {{PORT}} is
		// its own listener.
		conf := strings.NewReplacer("{{PORT2}}", port, "{{PORT3}}", port).Replace(startupHTTP)
		start = time.Now()
		s, err := nginxtest.Launch(conf, nginxtest.Options{Dir: dir, DataDir: filepath.Join(dir, "data")})
		require.NoError(t, err)
		firstAnswer(t, http.DefaultClient, "http://"+s.Addr+"/")
		ngx += time.Since(start)
		require.NoError(t, s.Stop())
	}
	http.DefaultClient.CloseIdleConnections()
	t.Logf("time to first answered request, mean of %d: frontdesktest %v, real nginx %v", runs, fd/runs, ngx/runs)
}
