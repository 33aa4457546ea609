package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/nginxconf"
)

// TestScaleConfRoutes checks the shape the README gives for -scale: the
// generated nginx.conf has the asked-for number of locations and peers,
// a tenth of the locations regexes, and the library loading it still sends
// the benchmark's paths to / and /static/ while every generated location
// answers on its own paths.
func TestScaleConfRoutes(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "from backend")
	}))
	defer backend.Close()
	dir := t.TempDir()
	for _, d := range []string{"html", "conf", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "html", "1k"), []byte("static body"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := &options{dir: dir, port: 8080, scaleRegex: 0.1}
	for range 100 {
		o.backendAddrs = append(o.backendAddrs, backend.Listener.Addr().String())
	}
	if err := o.use(scalePoint{confShape{locations: 1000, peers: 100}, 4096}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "conf", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	conf := string(b)
	count := func(re string) int { return len(regexp.MustCompile(re).FindAllString(conf, -1)) }
	for _, c := range []struct {
		what      string
		re        string
		got, want int
	}{
		{"locations", `(?m)^\s+location `, 0, 1000},
		{"regex locations", `(?m)^\s+location ~`, 0, 100},
		{"peers", `(?m)^\s+server 127\.0\.0\.1:\d+ max_fails=0;`, 0, 100},
		{"keepalive 2 x 4096 connections", `(?m)^\s+keepalive 8192;`, 0, 1},
	} {
		if got := count(c.re); got != c.want {
			t.Errorf("%s: %d in the conf, want %d", c.what, got, c.want)
		}
	}

	cfg, err := nginxconf.LoadFile(filepath.Join(dir, "conf", "nginx.conf"), nginxconf.Options{Prefix: dir + "/"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := frontdesk.New(cfg.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, c := range []struct {
		path   string
		status int
		body   string
	}{
		{"/proxy/1k", 200, "from backend"},
		{"/static/1k", 200, "static body"},
		{"/proxy/v0/x", 404, ""},           // generated prefix, under /proxy/
		{"/app1/x", 404, ""},               // generated prefix
		{"/legacy/0/x", 404, ""},           // generated anchored regex
		{"/a/OLD1.PHP", 404, ""},           // generated case-insensitive regex
		{"/proxy/v0", 200, "from backend"}, // not the prefix /proxy/v0/
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "http://localhost"+c.path, nil))
		if rec.Code != c.status || c.body != "" && !strings.Contains(rec.Body.String(), c.body) {
			t.Errorf("GET %s: %d %q, want %d %q", c.path, rec.Code, rec.Body.String(), c.status, c.body)
		}
	}
}
