package frontdesk

// Static serving where frontdesk deliberately differs from nginx: no
// request reads a file outside the configured directory, whatever nginx
// would do (NGINX.md §4 item 1). The conformance tables in
// conformance_static_test.go cover everything that agrees with nginx.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secret is what the file next to every test root holds; no response may
// ever contain it.
const secret = "TOP-SECRET-6c1f0e"

// staticTree lays out base/secret.txt next to base/site/, the directory
// every configuration serves, and returns base.
//
//	base/secret.txt          the file no request may reach
//	base/outside/f.txt       a directory outside the root, reached by links
//	base/site/a.txt
//	base/site/index.html
//	base/site/dir/b.txt
//	base/site/out.txt        -> ../secret.txt      (relative, leaves the root)
//	base/site/abs.txt        -> base/secret.txt    (absolute, leaves the root)
//	base/site/outdir         -> ../outside         (directory outside the root)
//	base/site/in.txt         -> base/site/a.txt    (absolute, stays inside)
func staticTree(t testing.TB) string {
	t.Helper()
	base := t.TempDir()
	files := map[string]string{
		"secret.txt":      secret,
		"outside/f.txt":   secret,
		"site/a.txt":      "a\n",
		"site/index.html": "<p>index</p>\n",
		"site/dir/b.txt":  "b\n",
	}
	for name, content := range files {
		p := filepath.Join(base, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	links := map[string]string{
		"site/out.txt": "../secret.txt",
		"site/abs.txt": filepath.Join(base, "secret.txt"),
		"site/outdir":  "../outside",
		"site/in.txt":  filepath.Join(base, "site", "a.txt"),
	}
	for name, target := range links {
		require.NoError(t, os.Symlink(target, filepath.Join(base, name)))
	}
	return base
}

// serve sends one request for target (any request-target, as read from
// the wire) to h with a recorder, as net/http's server would hand it over.
func serve(h http.Handler, method, target, host string) *httptest.ResponseRecorder {
	u, err := url.ParseRequestURI(target)
	if err != nil {
		u = &url.URL{Path: "/"}
	}
	r := (&http.Request{
		Method: method, URL: u, RequestURI: target, Host: host,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{},
	}).WithContext(context.Background())
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// assertNoSecret checks that nothing of the file outside the root was
// sent, in the body or in any header.
func assertNoSecret(t testing.TB, target string, w *httptest.ResponseRecorder) {
	t.Helper()
	assert.NotContainsf(t, w.Body.String(), secret, "body of %q", target)
	for k, vs := range w.Header() {
		for _, v := range vs {
			assert.NotContainsf(t, v, secret, "header %s of %q", k, target)
		}
	}
}

// Issue 3, NGINX.md §4 item 1: with "location /img { alias .../site/; }"
// nginx maps /img../secret.txt to .../site/../secret.txt and serves the
// file next to the directory; frontdesk answers 404.
func TestAliasOffBySlashStaysInside(t *testing.T) {
	base := staticTree(t)
	site := filepath.Join(base, "site") + "/"
	p, err := New(quiet,
		Location("/img", Static(site)),
		Location("/pics", nil, Alias(site), TryFiles("$uri", "=404")),
	)
	require.NoError(t, err)
	require.NotEmpty(t, p.Warnings(), "the slash mismatch is linted")

	tests := []containedCase{
		{target: "/img/a.txt", status: http.StatusOK, body: "a\n"},
		{target: "/imga.txt", status: http.StatusOK, body: "a\n"},
		{target: "/img../secret.txt", status: http.StatusNotFound},
		{target: "/img..%2Fsecret.txt", status: http.StatusNotFound},
		{target: "/img%2E%2E/secret.txt", status: http.StatusNotFound},
		{target: "/img../outside/f.txt", status: http.StatusNotFound},
		// Out and straight back in reads nothing outside: served, as nginx
		// serves it.
		{target: "/img../site/a.txt", status: http.StatusOK, body: "a\n"},
		{target: "/img../", status: http.StatusNotFound},
		{target: "/img..", status: http.StatusNotFound},
		{target: "/pics../secret.txt", status: http.StatusNotFound},
	}
	runContained(t, p, tests)
}

// containedCase is a GET whose answer must not show the secret file
// next to the root.
type containedCase struct {
	target string
	status int
	body   string
}

func runContained(t *testing.T, p *Proxy, tests []containedCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			w := serve(p, http.MethodGet, tt.target, "localhost")
			assert.Equal(t, tt.status, w.Code)
			if tt.body != "" {
				assert.Equal(t, tt.body, w.Body.String())
			}
			assertNoSecret(t, tt.target, w)
		})
	}
}

// Symbolic links are followed while they stay inside the root (as nginx
// does), and answer 404 when they lead out of it (nginx would serve the
// target).
func TestSymlinkOutsideRoot(t *testing.T) {
	base := staticTree(t)
	site := filepath.Join(base, "site")
	p, err := New(quiet,
		Location("/", nil, Root(site)),
		Location("/al/", nil, Alias(site+"/dir/")),
		Location("/tf/", nil, Alias(site+"/"), TryFiles("$uri", "$uri/", "=418")),
		Location("/ai/", nil, Alias(site+"/"), Autoindex(true)),
	)
	require.NoError(t, err)

	tests := []containedCase{
		{target: "/in.txt", status: http.StatusOK, body: "a\n"},
		{target: "/out.txt", status: http.StatusNotFound},
		{target: "/abs.txt", status: http.StatusNotFound},
		{target: "/outdir", status: http.StatusNotFound},
		{target: "/outdir/", status: http.StatusNotFound},
		{target: "/outdir/f.txt", status: http.StatusNotFound},
		{target: "/tf/out.txt", status: http.StatusTeapot},
		{target: "/tf/outdir", status: http.StatusTeapot},
		{target: "/tf/in.txt", status: http.StatusOK, body: "a\n"},
		{target: "/al/../out.txt", status: http.StatusNotFound},
		{target: "/ai/", status: http.StatusOK},
		{target: "/ai/outdir/", status: http.StatusNotFound},
	}
	runContained(t, p, tests)
}

// A file the process may not read is 403, as in nginx. Root reads every
// file whatever its mode, so the test needs an unprivileged user.
func TestStaticPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: mode 000 does not deny reading")
	}
	site := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(site, "locked.txt"), []byte("x"), 0o000))
	require.NoError(t, os.Mkdir(filepath.Join(site, "locked"), 0o000))
	p, err := New(quiet, Location("/", nil, Root(site)))
	require.NoError(t, err)
	for _, target := range []string{"/locked.txt", "/locked/", "/locked/x"} {
		assert.Equalf(t, http.StatusForbidden, serve(p, http.MethodGet, target, "localhost").Code, "%s", target)
	}
}

// FuzzStaticNeverLeavesRoot: for any request target and Host, no
// configuration serving base/site/ — root, alias with and without the
// trailing slash of its location, alias in a regex location, variables
// in root, alias and index, try_files, autoindex — ever sends the file
// next to it or behind a symlink leading out.
func FuzzStaticNeverLeavesRoot(f *testing.F) {
	for _, seed := range []struct{ target, host string }{
		{"/a.txt", "localhost"},
		{"/../secret.txt", "localhost"},
		{"/%2e%2e/secret.txt", "localhost"},
		{"/img../secret.txt", "localhost"},
		{"/img..%2fsecret.txt", "localhost"},
		{"/static/../../secret.txt", "localhost"},
		{"/re/..%2Fsecret.txt", "localhost"},
		{"/re/x/../../secret.txt", "localhost"},
		{"/vr/secret.txt?d=..", "localhost"},
		{"/vh/secret.txt", ".."},
		{"/vh/f.txt", "..%2foutside"},
		{"/idx/?i=../../secret.txt", "localhost"},
		{"/tf/..%2f..%2fsecret.txt", "localhost"},
		{"/tfd/?f=/tfd/../secret.txt", "localhost"},
		{"/tfd/x?f=../outside", "localhost"},
		{"/out.txt", "localhost"},
		{"/abs.txt", "localhost"},
		{"/outdir/f.txt", "localhost"},
		{"/ai/outdir/", "localhost"},
		{"http://x/img../secret.txt", "localhost"},
		{"//img..//secret.txt", "localhost"},
		{"/img..\\secret.txt", "localhost"},
	} {
		f.Add(seed.target, seed.host)
	}
	base := staticTree(f)
	site := filepath.Join(base, "site")
	p, err := New(quiet,
		Location("/", nil, Root(site)),
		Location("/static/", Static(site+"/")),
		Location("/img", nil, Alias(site+"/")),
		Location("~ ^/re/(.*)$", nil, Alias(site+"/$1")),
		Location("/vr/", nil, Root(site+"/$arg_d")),
		Location("/vh/", nil, Alias(site+"/$host/")),
		Location("/idx/", nil, Root(site), Index("$arg_i")),
		Location("/tf/", nil, Alias(site+"/"), TryFiles("$uri", "$uri/", "/index.html")),
		Location("/tfd/", nil, Alias(site+"/"), TryFiles("/tfd/", "$arg_f/", "$arg_f", "=404")),
		Location("/ai/", nil, Alias(site+"/"), Autoindex(true)),
	)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, target, host string) {
		if !strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "http://") {
			target = "/" + target
		}
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			assertNoSecret(t, target, serve(p, method, target, host))
		}
	})
}

// BenchmarkStatic compares frontdesk's static serving, without and with
// open_file_cache, with http.FileServer on the same 1 KiB file.
func BenchmarkStatic(b *testing.B) {
	dir := b.TempDir()
	require.NoError(b, os.WriteFile(filepath.Join(dir, "f.txt"), []byte(strings.Repeat("x", 1024)), 0o644))
	p, err := New(quiet, Location("/", nil, Root(dir)))
	require.NoError(b, err)
	defer p.Close()
	cached, err := New(quiet, Location("/", nil, Root(dir), OpenFileCache(1000, 0)))
	require.NoError(b, err)
	defer cached.Close()
	for _, bm := range []struct {
		name string
		h    http.Handler
	}{
		{"frontdesk", p},
		{"frontdesk-open_file_cache", cached},
		{"http.FileServer", http.FileServer(http.Dir(dir))},
	} {
		b.Run(bm.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/f.txt", nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				bm.h.ServeHTTP(w, r)
				if w.Code != http.StatusOK || w.Body.Len() != 1024 {
					b.Fatalf("status %d, %d bytes", w.Code, w.Body.Len())
				}
			}
		})
	}
}
