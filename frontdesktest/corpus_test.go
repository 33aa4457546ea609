package frontdesktest

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpusDir holds published nginx configurations (see its README).
const corpusDir = "../../shared/corpus/nginx"

// corpusMain is the stock nginx.conf of the official Docker image, which
// includes the conf.d files these projects ship.
const corpusMain = `events {}
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    include /etc/nginx/conf.d/*.conf;
}
`

// corpus starts a conf.d file of the corpus as its Docker image would run
// it, with the environment c describes; it skips when the file is absent.
func corpus(t *testing.T, name string, c Config) *Nginx {
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
		"etc/nginx/nginx.conf":     {Data: []byte(corpusMain)},
		"etc/nginx/mime.types":     {Data: mime},
		"etc/nginx/conf.d/" + name: {Data: src},
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
	n := corpus(t, "cookiecutter-django.conf", Config{Paths: map[string]string{"/usr/share/nginx/media": media}})
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
	n := corpus(t, "awesome-compose-nodejs-redis.conf", Config{Backends: map[string]string{"web1:5000": web1.Addr, "web2:5000": web2.Addr}})
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
	n := corpus(t, "awesome-compose-react.conf", Config{Paths: map[string]string{"/usr/share/nginx/html": html}})
	for path, body := range map[string]string{"/": "<app>", "/static/js/main.js": "js", "/some/client/route": "<app>"} {
		res := n.Get(t, path)
		assert.Equal(t, http.StatusOK, res.Status, "%s\n%s", path, res.Explanation)
		assert.Equal(t, body, res.Body, path)
	}
}
