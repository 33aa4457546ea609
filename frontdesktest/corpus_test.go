package frontdesktest

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/corpus"
)

// corpusDir holds published nginx configurations (see its README).
const corpusDir = "../../shared/corpus/nginx"

// startCorpus starts a conf.d file of the corpus as its Docker image would run
// it, with the environment c describes and the stock files extra (path →
// content) the image ships; it skips when the file is absent.
func startCorpus(t *testing.T, name string, c Config, extra ...string) *Nginx {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(corpusDir, name))
	if os.IsNotExist(err) {
		t.Skipf("no %s in %s", name, corpusDir)
	}
	require.NoError(t, err)
	mime, err := os.ReadFile("/etc/nginx/mime.types")
	if err != nil {
		mime = []byte("types { text/html html; text/css css; }\n")
	}
	c.File = "/etc/nginx/nginx.conf"
	c.FS = fstest.MapFS{
		"etc/nginx/nginx.conf":     {Data: []byte(corpus.Main)},
		"etc/nginx/mime.types":     {Data: mime},
		"etc/nginx/conf.d/" + name: {Data: src},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		c.FS.(fstest.MapFS)[extra[i]] = &fstest.MapFile{Data: []byte(extra[i+1])}
	}
	return Start(t, c)
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
	}
	return dir
}

func TestCorpusCookiecutterDjango(t *testing.T) {
	t.Parallel()
	media := writeFiles(t, map[string]string{"avatars/a.png": "png"})
	n := startCorpus(t, "cookiecutter-django.conf", Config{Paths: map[string]string{"/usr/share/nginx/media": media}})
	res := n.Get(t, "http://localhost/media/avatars/a.png")
	assert.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
	assert.Equal(t, "png", res.Body)
	assert.Equal(t, "image/png", res.Header.Get("Content-Type"))
	assert.Equal(t, "/media/", res.Explanation.Location)
	assert.Equal(t, http.StatusNotFound, n.Get(t, "http://localhost/media/none").Status)
}

func TestCorpusAwesomeComposeNodejsRedis(t *testing.T) {
	t.Parallel()
	web1, web2 := Serve(t, nil), Serve(t, nil)
	n := startCorpus(t, "awesome-compose-nodejs-redis.conf", Config{Backends: map[string]string{"web1:5000": web1.Addr, "web2:5000": web2.Addr}})
	for range 4 {
		res := n.Get(t, "http://localhost/")
		require.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
	}
	// Round robin over the two services.
	assert.Len(t, web1.Requests(), 2)
	assert.Len(t, web2.Requests(), 2)
	assert.Equal(t, "loadbalancer", web1.Last().Host, "proxy_pass sends the upstream's name as Host")
	st, err := n.Pool("loadbalancer").State()
	require.NoError(t, err)
	assert.Len(t, st, 2)
}

func TestCorpusAwesomeComposeReact(t *testing.T) {
	t.Parallel()
	html := writeFiles(t, map[string]string{"index.html": "<app>", "50x.html": "oops", "static/js/main.js": "js"})
	n := startCorpus(t, "awesome-compose-react.conf", Config{Paths: map[string]string{"/usr/share/nginx/html": html}})
	for path, body := range map[string]string{"/": "<app>", "/static/js/main.js": "js", "/some/client/route": "<app>"} {
		res := n.Get(t, path)
		assert.Equal(t, http.StatusOK, res.Status, "%s\n%s", path, res.Explanation)
		assert.Equal(t, body, res.Body, path)
	}
}

// Chatwoot's certbot-managed HTTPS server: certificates, DH parameters and
// log directories are the test's, the Rails app on 127.0.0.1:3000 a test
// backend.
func TestCorpusChatwoot(t *testing.T) {
	t.Parallel()
	certs := t.TempDir()
	Certificate(t, certs, "chatwoot.domain.com")
	// RFC 7919's ffdhe2048 group as the DH parameters.
	dh, err := os.ReadFile("testdata/ffdhe2048.pem")
	require.NoError(t, err)
	ssl := writeFiles(t, map[string]string{"dhparam": string(dh)})
	app := Serve(t, nil)
	n := startCorpus(t, "chatwoot.conf", Config{
		Paths: map[string]string{
			"/etc/letsencrypt/live/chatwoot.domain.com": certs,
			"/etc/ssl":       ssl,
			"/var/log/nginx": t.TempDir(),
		},
		Backends: map[string]string{"127.0.0.1:3000": app.Addr},
	})
	res := n.Get(t, "http://www.chatwoot.domain.com/app")
	assert.Equal(t, http.StatusMovedPermanently, res.Status)
	assert.Equal(t, "https://chatwoot.domain.com/", res.Header.Get("Location"))

	res = n.Request(t, "GET", "https://chatwoot.domain.com/api/v1/accounts", http.Header{"Authorization": {"Bearer x"}}, nil)
	require.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
	got := app.Last()
	assert.Equal(t, "https", got.Header.Get("X-Forwarded-Proto"))
	assert.Equal(t, "on", got.Header.Get("X-Forwarded-Ssl"))
	assert.Equal(t, "chatwoot.domain.com", got.Host)
	assert.Equal(t, "GET /api/v1/accounts HTTP/1.1", got.Line)
	assert.Equal(t, "max-age=31536000; includeSubDomains", res.Header.Get("Strict-Transport-Security"))
	assert.Equal(t, ServerExact, res.Explanation.ServerMatch)
}

// Frappe's template, its ${VAR} placeholders set as the image's
// entrypoint sets them: the explanation follows its rewrites, try_files
// to @webserver and the app's X-Accel-Redirect to the internal location.
func TestCorpusFrappeDocker(t *testing.T) {
	t.Parallel()
	sites := writeFiles(t, map[string]string{
		"site1.local/public/files/logo.svg": "<svg/>",
		"site1.local/private/files/a.pdf":   "pdf",
	})
	backend := Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/private/files/") {
			w.Header().Set("X-Accel-Redirect", "/protected"+r.URL.Path)
			return
		}
		w.Write([]byte("desk"))
	}))
	n := startCorpus(t, "frappe-docker.conf", Config{
		Vars: map[string]string{
			"BACKEND": "backend:8000", "SOCKETIO": "websocket:9000", "FRAPPE_SITE_NAME_HEADER": "site1.local",
			"UPSTREAM_REAL_IP_ADDRESS": "127.0.0.1", "UPSTREAM_REAL_IP_HEADER": "X-Forwarded-For",
			"UPSTREAM_REAL_IP_RECURSIVE": "off", "PROXY_READ_TIMEOUT": "120", "CLIENT_MAX_BODY_SIZE": "50m",
		},
		Backends: map[string]string{"backend": backend.Addr},
		Paths:    map[string]string{"/home/frappe/frappe-bench/sites": sites},
	}, "etc/nginx/snippets/security_headers.conf", "add_header X-Frame-Options SAMEORIGIN;\n")

	res := n.Get(t, "http://site1.local:8080/app/")
	assert.Equal(t, http.StatusMovedPermanently, res.Status)
	assert.Equal(t, "/app", res.Header.Get("Location"), "absolute_redirect off")
	rw := steps(res.Explanation, frontdesk.TraceRewrite)
	require.NotEmpty(t, rw, res.Explanation.String())
	assert.Equal(t, "rewrite ^(.+)/$ $1 permanent", rw[0].Directive)

	res = n.Request(t, "GET", "http://site1.local:8080/app", http.Header{"X-Forwarded-Proto": {"https"}}, nil)
	require.Equal(t, "desk", res.Body, res.Explanation.String())
	assert.Equal(t, "@webserver", res.Explanation.Location)
	assert.Equal(t, "https", backend.Last().Header.Get("X-Forwarded-Proto"))
	assert.Equal(t, "site1.local", backend.Last().Header.Get("X-Frappe-Site-Name"))

	res = n.Get(t, "http://site1.local:8080/files/logo.svg")
	assert.Equal(t, "<svg/>", res.Body, res.Explanation.String())
	assert.Equal(t, "attachment", res.Header.Get("Content-Disposition"))
	assert.Equal(t, []string{"/"}, res.Explanation.Steps[len(res.Explanation.Steps)-1].Enclosing)

	res = n.Get(t, "http://site1.local:8080/private/files/a.pdf")
	assert.Equal(t, "pdf", res.Body, res.Explanation.String())
	assert.Equal(t, `~ ^/protected/(.*)`, res.Explanation.Location)
	redirects := steps(res.Explanation, frontdesk.TraceRedirect)
	require.Len(t, redirects, 2, res.Explanation.String())
	assert.Equal(t, "try_files", redirects[0].Cause)
	assert.Equal(t, "X-Accel-Redirect", redirects[1].Cause)
}

// The deCONZ add-on's whole nginx.conf, as Home Assistant's ingress
// proxy reaches it: only from 172.30.32.2, which the test's requests
// come from. Its sub_filter patches of the Phoscon app are listed as
// ignored: frontdesk does not rewrite bodies yet.
func TestCorpusHomeAssistantDeconz(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join(corpusDir, "home-assistant-deconz.conf"))
	if os.IsNotExist(err) {
		t.Skipf("no home-assistant-deconz.conf in %s", corpusDir)
	}
	require.NoError(t, err)
	www := writeFiles(t, map[string]string{"ingress.html": "<ingress>"})
	phoscon, ws := Serve(t, nil), Serve(t, nil)
	n := Start(t, Config{
		File: "/etc/nginx/nginx.conf",
		FS: fstest.MapFS{
			"etc/nginx/nginx.conf": {Data: src},
			"etc/nginx/mime.types": {Data: []byte("types { text/html html; }\n")},
		},
		Ignore:   []string{"sub_filter", "sub_filter_once", "sub_filter_types"},
		Paths:    map[string]string{"/usr/share/www": www},
		Backends: map[string]string{"127.0.0.1:40850": phoscon.Addr, "127.0.0.1:8081": ws.Addr},
	})
	assert.Len(t, n.Config().Ignored, 9, "every sub_filter line is listed")

	ingress := http.Header{RemoteAddrHeader: {"172.30.32.2"}, "X-Ingress-Path": {"/api/hassio_ingress/abc"}}
	res := n.Request(t, "GET", "http://homeassistant.local:8099/pwa/index.html", ingress, nil)
	require.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
	got := phoscon.Last()
	assert.Equal(t, "GET /pwa/index.html HTTP/1.1", got.Line)
	assert.Equal(t, "172.30.32.2", got.Header.Get("X-Real-IP"))
	assert.Equal(t, "172.30.32.2", got.Header.Get("X-Forwarded-For"))
	assert.Equal(t, "true", got.Header.Get("X-NginX-Proxy"))
	assert.Empty(t, got.Header.Get(RemoteAddrHeader))
	assert.True(t, strings.HasPrefix(res.Explanation.AccessLog, "172.30.32.2 - - ["), res.Explanation.AccessLog)

	assert.Equal(t, "<ingress>", n.Request(t, "GET", "http://homeassistant.local:8099/ingress.html", ingress, nil).Body)

	// Anyone else is refused, as nginx's deny all says.
	res = n.Get(t, "http://homeassistant.local:8099/pwa/index.html")
	assert.Equal(t, http.StatusForbidden, res.Status)
	assert.Len(t, phoscon.Requests(), 1)
}
