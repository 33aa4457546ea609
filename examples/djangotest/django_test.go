// Package djangotest shows a Django team testing what their app sees
// behind their production nginx.conf (testdata/etc/nginx/nginx.conf), with
// frontdesktest: no Docker, no fixed ports, in parallel.
package djangotest

import (
	"net/http"
	"testing"

	"github.com/frontdesk-go/frontdesk/frontdesktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs the production configuration with the two gunicorn workers
// replaced by worker1 and worker2, the filesystem by testdata and the
// certificate by one made for the test.
func start(t *testing.T, worker1, worker2 string) *frontdesktest.Nginx {
	certs := t.TempDir()
	frontdesktest.Certificate(t, certs, "example.com", "www.example.com")
	return frontdesktest.Start(t, frontdesktest.Config{
		File:      "/etc/nginx/nginx.conf",
		Upstreams: map[string][]string{"app_server": {worker1, worker2}},
		Paths: map[string]string{
			"/etc/nginx":                        "testdata/etc/nginx",
			"/srv/app/staticfiles/":             "testdata/staticfiles",
			"/etc/letsencrypt/live/example.com": certs,
		},
	})
}

// The app gets the client's address appended to X-Forwarded-For, the
// scheme behind TLS termination (what SECURE_PROXY_SSL_HEADER reads), and
// the Host the client asked for; plain HTTP is redirected to HTTPS.
func TestForwardedHeaders(t *testing.T) {
	t.Parallel()
	app := frontdesktest.Serve(t, nil)
	n := start(t, app.Addr, frontdesktest.Refuse(t))
	res := n.Get(t, "http://www.example.com/accounts/login/?next=/")
	assert.Equal(t, http.StatusMovedPermanently, res.Status)
	assert.Equal(t, "https://www.example.com/accounts/login/?next=/", res.Header.Get("Location"))

	res = n.Request(t, "GET", "https://example.com/accounts/login/?next=/", http.Header{"X-Forwarded-For": {"203.0.113.7"}}, nil)
	require.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
	got := app.Last()
	assert.Equal(t, "GET /accounts/login/?next=/ HTTP/1.0", got.Line)
	assert.Equal(t, "203.0.113.7, 127.0.0.1", got.Header.Get("X-Forwarded-For"))
	assert.Equal(t, "https", got.Header.Get("X-Forwarded-Proto"))
	assert.Equal(t, "example.com", got.Host)
	assert.Len(t, app.Requests(), 1, "the redirect did not reach the app")
}

// Static files are served by nginx from collectstatic's directory; the
// app never sees the request.
func TestStaticWithoutTheApp(t *testing.T) {
	t.Parallel()
	app := frontdesktest.Serve(t, nil)
	n := start(t, app.Addr, app.Addr)
	res := n.Get(t, "https://example.com/static/css/site.css")
	assert.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
	assert.Equal(t, "body { margin: 0 }\n", res.Body)
	assert.Equal(t, "text/css", res.Header.Get("Content-Type"))
	assert.Equal(t, "max-age=2592000", res.Header.Get("Cache-Control"))
	assert.Empty(t, app.Requests())
	assert.Equal(t, http.StatusNotFound, n.Get(t, "https://example.com/static/missing.css").Status)
}

// A dead worker is skipped: the request is retried on the next one.
func TestFailover(t *testing.T) {
	t.Parallel()
	app := frontdesktest.Serve(t, nil)
	n := start(t, frontdesktest.Refuse(t), app.Addr)
	res := n.Get(t, "https://example.com/")
	require.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
	require.Len(t, res.Explanation.Upstream, 2, res.Explanation.String())
	assert.Equal(t, http.StatusBadGateway, res.Explanation.Upstream[0].Status)
	assert.Equal(t, http.StatusOK, res.Explanation.Upstream[1].Status)
	assert.Len(t, app.Requests(), 1)
}

// With both workers dead the client gets nginx's 502.
func TestBothDead(t *testing.T) {
	t.Parallel()
	n := start(t, frontdesktest.Refuse(t), frontdesktest.Refuse(t))
	res := n.Get(t, "https://example.com/")
	assert.Equal(t, http.StatusBadGateway, res.Status)
	assert.Contains(t, res.Body, "502 Bad Gateway")
	assert.Len(t, res.Explanation.Upstream, 2, res.Explanation.String())
	assert.Contains(t, res.Explanation.AccessLog, `"GET / HTTP/1.1" 502 `)
}
