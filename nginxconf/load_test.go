package nginxconf

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frontdesk-go/frontdesk"
)

func errorLines(err error) []string {
	var out []string
	for _, e := range flatten(err) {
		out = append(out, e.Error())
	}
	return out
}

func TestLoadNotImplemented(t *testing.T) {
	conf := h("ssi on;\nserver {\n location / {\n  sub_filter a b;\n  return 200;\n }\n}")
	_, err := LoadString("/etc/nginx/nginx.conf", conf, Options{})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNotImplemented)
	assert.Equal(t, []string{
		`"ssi" directive is not implemented by frontdesk in /etc/nginx/nginx.conf:3`,
		`"sub_filter" directive is not implemented by frontdesk in /etc/nginx/nginx.conf:6`,
	}, errorLines(err))

	cfg, err := LoadString("/etc/nginx/nginx.conf", conf, Options{Ignore: []string{"ssi", "sub_filter"}})
	require.NoError(t, err)
	assert.Equal(t, []Position{
		{Directive: "ssi", File: "/etc/nginx/nginx.conf", Line: 3},
		{Directive: "sub_filter", File: "/etc/nginx/nginx.conf", Line: 6},
	}, cfg.Ignored)
}

// nginx's verdict comes first, what frontdesk lacks after it.
func TestLoadErrorOrder(t *testing.T) {
	conf := h("ssi on;\nserver {\n location / {\n  proxy_pas http://127.0.0.1;\n }\n location /a {}\n location /a {}\n}\nfoo;")
	_, err := LoadString("/x/nginx.conf", conf, Options{})
	assert.Equal(t, []string{
		`unknown directive "proxy_pas" in /x/nginx.conf:6`,
		`unknown directive "foo" in /x/nginx.conf:11`,
		`duplicate location "/a" in /x/nginx.conf:9`,
		`"ssi" directive is not implemented by frontdesk in /x/nginx.conf:3`,
	}, errorLines(err))
	assert.False(t, errors.Is(flatten(err)[0], ErrNotImplemented))
}

func TestLoadDirectivesBeforeSyntaxError(t *testing.T) {
	_, err := LoadString("/x/nginx.conf", "events {}\nfoo;\nhttp {\n}}\n", Options{})
	assert.Equal(t, []string{`unknown directive "foo" in /x/nginx.conf:2`, `unexpected "}" in /x/nginx.conf:4`}, errorLines(err))
	var se *SyntaxError
	assert.ErrorAs(t, err, &se)
}

// frontdesk has no http level: the loader merges it into each server as
// nginx merges, a server's own directive replacing the http one.
func TestLoadHTTPLevelMerge(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"a", "b"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, d, "f.txt"), []byte(d), 0o644))
	}
	conf := h("root " + dir + "/a;\nadd_header X-Http 1;\n" +
		"server {\n root " + dir + "/b;\n add_header X-Server 1;\n}\n" +
		"server {\n listen 8081;\n}")
	cfg, err := LoadString("/x/nginx.conf", conf, Options{})
	require.NoError(t, err)
	require.Len(t, cfg.Servers, 2)

	get := func(srv *Server) *httptest.ResponseRecorder {
		p, err := frontdesk.New(append([]frontdesk.Option{frontdesk.Logger(slog.New(slog.DiscardHandler))}, srv.Options...)...)
		require.NoError(t, err)
		t.Cleanup(func() { _ = p.Close() })
		w := httptest.NewRecorder()
		p.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/f.txt", nil))
		return w
	}
	w := get(cfg.Servers[0])
	assert.Equal(t, "b", w.Body.String())
	assert.Equal(t, "1", w.Header().Get("X-Server"))
	assert.Empty(t, w.Header().Get("X-Http"), "the server's add_header replaces the http level's")

	w = get(cfg.Servers[1])
	assert.Equal(t, "a", w.Body.String())
	assert.Equal(t, "1", w.Header().Get("X-Http"))
}

// What frontdesk.New finds is placed on the directive it is about.
func TestLoadFrontdeskErrorsPlaced(t *testing.T) {
	_, err := LoadString("/x/nginx.conf", l("add_header X $nope;"), Options{})
	assert.Equal(t, []string{`unknown "nope" variable`}, errorLines(err), "nginx names no position")

	_, err = LoadString("/x/nginx.conf", s("location /img/ {\n proxy_pass https://127.0.0.1;\n proxy_ssl_certificate $host.crt;\n proxy_ssl_certificate_key $host.key;\n}"), Options{})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNotImplemented)
	assert.Contains(t, err.Error(), " in /x/nginx.conf:6")
}
