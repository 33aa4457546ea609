package frontdesktest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frontdesk-go/frontdesk/frontdesktest"
)

// The "listen 443 ssl" server of a configuration answers https:// URLs,
// with h2 where the listener says "http2".
func TestListenSSL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	frontdesktest.Certificate(t, dir, "example.com")
	n := frontdesktest.Start(t, frontdesktest.Config{Prefix: dir, Text: `
events {}
http {
    server { listen 80; server_name example.com; return 301 https://$host$request_uri; }
    server {
        listen 443 ssl http2;
        server_name example.com;
        ssl_certificate fullchain.pem;
        ssl_certificate_key privkey.pem;
        location / { return 200 "$scheme $https $ssl_protocol $server_protocol\n"; }
    }
}`})
	res, _, err := n.Do(mustRequest(t, "http://example.com/a?b"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusMovedPermanently, res.StatusCode)
	assert.Equal(t, "https://example.com/a?b", res.Header.Get("Location"))

	res, _, err = n.Do(mustRequest(t, "https://example.com/"))
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	assert.Equal(t, "https on TLSv1.2 HTTP/2.0\n", string(body))
	assert.Equal(t, "https://"+n.Addr("443"), n.URL("443"))
}

// Behind TLS termination the app is told the scheme was https, and
// redirects built from $scheme, or by the app from X-Forwarded-Proto and
// Host, lead back to the port the client used: the configured 443
// through Client, the ephemeral listener when the test dials it.
func TestForwardedProtoBehindTLS(t *testing.T) {
	t.Parallel()
	certs := t.TempDir()
	frontdesktest.Certificate(t, certs, "example.com", "www.example.com")
	app := frontdesktest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			// What Django's SECURE_PROXY_SSL_HEADER or Rails'
			// force_ssl do: trust X-Forwarded-Proto for the scheme.
			http.Redirect(w, r, r.Header.Get("X-Forwarded-Proto")+"://"+r.Host+"/account", http.StatusFound)
			return
		}
		io.WriteString(w, "ok")
	}))
	n := frontdesktest.Start(t, frontdesktest.Config{
		Text: `
events {}
http {
    upstream app { server unix:/run/app.sock; }
    server {
        listen 80;
        server_name example.com www.example.com;
        location / { return 301 https://$host$request_uri; }
    }
    server {
        listen 443 ssl;
        server_name example.com www.example.com;
        ssl_certificate /etc/letsencrypt/live/example.com/fullchain.pem;
        ssl_certificate_key /etc/letsencrypt/live/example.com/privkey.pem;
        location = /www { return 302 $scheme://www.example.com:$server_port/; }
        location = /here { return 302 /there; }
        location / {
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_redirect off;
            proxy_pass http://app;
        }
    }
}`,
		Paths:    map[string]string{"/etc/letsencrypt/live/example.com": certs},
		Backends: map[string]string{"unix:/run/app.sock": app.Addr},
	})
	res := n.Get(t, "http://example.com/cart?id=1")
	assert.Equal(t, "https://example.com/cart?id=1", res.Header.Get("Location"))

	res = n.Get(t, "https://example.com/cart")
	require.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
	got := app.Last()
	assert.Equal(t, "https", got.Header.Get("X-Forwarded-Proto"))
	assert.Equal(t, "example.com", got.Host)
	assert.Equal(t, "443", portOf(res.Explanation.Listen))

	// Through Client, the client's port is the configured one.
	assert.Equal(t, "https://example.com/account", n.Get(t, "https://example.com/login").Header.Get("Location"))
	assert.Equal(t, "https://www.example.com:443/", n.Get(t, "https://example.com/www").Header.Get("Location"))
	assert.Equal(t, "https://example.com/there", n.Get(t, "https://example.com/here").Header.Get("Location"))

	// Dialled at its ephemeral address, the app's redirect keeps that
	// port (Host is the client's), and nginx's own relative redirect names
	// the configured port, which Client still reaches.
	eph := n.URL("443")
	res = n.Get(t, eph+"/login")
	assert.Equal(t, eph+"/account", res.Header.Get("Location"))
	loc := n.Get(t, eph+"/here").Header.Get("Location")
	assert.Equal(t, "https://127.0.0.1/there", loc)
	res = n.Get(t, loc)
	assert.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
	assert.Equal(t, "/there", app.Last().URI)
}

func portOf(addr string) string { return addr[strings.LastIndexByte(addr, ':')+1:] }

func mustRequest(t *testing.T, url string) *http.Request {
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	return req
}
