// Package railstest shows a Rails team testing what their app sees behind
// their production nginx.conf (testdata/etc/nginx/nginx.conf: Puma on unix
// sockets, HTTPS, precompiled assets), with frontdesktest. The Go handler
// stands in for Puma; the configuration is the deployed one, untouched.
package railstest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/frontdesktest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs the production configuration with the two Puma sockets
// replaced by puma1 and puma2, the release directory by testdata and the
// Let's Encrypt certificate by one made for the test.
func start(t *testing.T, puma1, puma2 string) *frontdesktest.Nginx {
	certs := t.TempDir()
	frontdesktest.Certificate(t, certs, "shop.example.com")
	return frontdesktest.Start(t, frontdesktest.Config{
		File:      "/etc/nginx/nginx.conf",
		Upstreams: map[string][]string{"puma": {puma1, puma2}},
		Paths: map[string]string{
			"/etc/nginx":                             "testdata/etc/nginx",
			"/var/www/shop/current/public":           "testdata/public",
			"/etc/letsencrypt/live/shop.example.com": certs,
		},
	})
}

// Rails is told the request came over HTTPS (so force_ssl and url_for
// agree), from which client, for which host.
func TestForwardedHeaders(t *testing.T) {
	t.Parallel()
	puma := frontdesktest.Serve(t, nil)
	n := start(t, puma.Addr, frontdesktest.Refuse(t))

	res := n.Get(t, "http://shop.example.com/orders?page=2")
	assert.Equal(t, http.StatusMovedPermanently, res.Status)
	assert.Equal(t, "https://shop.example.com/orders?page=2", res.Header.Get("Location"))
	assert.Empty(t, puma.Requests(), "plain HTTP never reaches Puma")

	res = n.Request(t, "POST", "https://shop.example.com/orders", http.Header{
		"X-Forwarded-For": {"198.51.100.4"},
		"Content-Type":    {"application/x-www-form-urlencoded"},
	}, strings.NewReader("order[qty]=2"))
	require.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
	got := puma.Last()
	assert.Equal(t, "POST /orders HTTP/1.0", got.Line)
	assert.Equal(t, "https", got.Header.Get("X-Forwarded-Proto"))
	assert.Equal(t, "198.51.100.4, 127.0.0.1", got.Header.Get("X-Forwarded-For"))
	assert.Equal(t, "127.0.0.1", got.Header.Get("X-Real-IP"))
	assert.Equal(t, "shop.example.com", got.Host)
	assert.Equal(t, "order[qty]=2", string(got.Body))

	// The explanation shows the way there: no file for the URI, so
	// try_files handed the request to @puma.
	ex := res.Explanation
	assert.Equal(t, "@puma", ex.Location, ex.String())
	assert.Equal(t, frontdesk.MatchNamed, ex.LocationMatch)
	require.NotEmpty(t, ex.Upstream)
	assert.Equal(t, "https", ex.Upstream[0].Sent.Header.Get("X-Forwarded-Proto"))
}

// Precompiled assets, their gzipped copies and page-cached files are
// served by nginx; Puma never sees them.
func TestStaticWithoutTheApp(t *testing.T) {
	t.Parallel()
	puma := frontdesktest.Serve(t, nil)
	n := start(t, puma.Addr, puma.Addr)

	res := n.Request(t, "GET", "https://shop.example.com/assets/application-3f2a.js", http.Header{"Accept-Encoding": {"gzip"}}, nil)
	require.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
	assert.Equal(t, "gzip", res.Header.Get("Content-Encoding"), "gzip_static sends the .gz copy")
	assert.Equal(t, "Thu, 31 Dec 2037 23:55:55 GMT", res.Header.Get("Expires"))
	assert.Equal(t, []string{"max-age=315360000", "public"}, res.Header.Values("Cache-Control"))
	assert.Equal(t, frontdesk.MatchNoRegex, res.Explanation.LocationMatch)

	res = n.Get(t, "https://shop.example.com/assets/application-3f2a.js")
	assert.Equal(t, "console.log(\"app\")\n", res.Body, "uncompressed for a client without gzip")
	assert.Equal(t, "<h1>About</h1>\n", n.Get(t, "https://shop.example.com/about").Body, "page cache: $uri/index.html")
	assert.Equal(t, "User-agent: *\n", n.Get(t, "https://shop.example.com/robots.txt").Body)
	assert.Equal(t, http.StatusNotFound, n.Get(t, "https://shop.example.com/assets/missing.js").Status)
	assert.Empty(t, puma.Requests())
}

// A dead Puma worker is skipped; with both dead the client gets the
// app's static 500 page with nginx's 502.
func TestFailover(t *testing.T) {
	t.Parallel()
	puma := frontdesktest.Serve(t, nil)
	n := start(t, frontdesktest.Refuse(t), puma.Addr)
	res := n.Get(t, "https://shop.example.com/")
	require.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
	require.Len(t, res.Explanation.Upstream, 2, res.Explanation.String())
	assert.Contains(t, res.Explanation.Upstream[0].Err, "refused")
	assert.Len(t, puma.Requests(), 1)

	n = start(t, frontdesktest.Refuse(t), frontdesktest.Refuse(t))
	res = n.Get(t, "https://shop.example.com/")
	assert.Equal(t, http.StatusBadGateway, res.Status)
	assert.Equal(t, "<h1>We are sorry, but something went wrong.</h1>\n", res.Body, res.Explanation.String())
	assert.Equal(t, "= /500.html", res.Explanation.Location)
}
