package frontdesk

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var quiet = Logger(slog.New(slog.DiscardHandler))

func TestParseLocationPattern(t *testing.T) {
	tests := []struct {
		pattern  string
		kind     locKind
		caseless bool
		name     string
		err      string
	}{
		{pattern: "/", kind: kindPrefix, name: "/"},
		{pattern: "= /x", kind: kindExact, name: "/x"},
		{pattern: "=/x", kind: kindExact, name: "/x"},
		{pattern: "^~ /s/", kind: kindNoRegex, name: "/s/"},
		{pattern: "^~/s/", kind: kindNoRegex, name: "/s/"},
		{pattern: "~ \\.php$", kind: kindRegex, name: "\\.php$"},
		{pattern: "~\\.php$", kind: kindRegex, name: "\\.php$"},
		{pattern: "~* \\.JPG$", kind: kindRegex, caseless: true, name: "\\.JPG$"},
		{pattern: "~*\\.JPG$", kind: kindRegex, caseless: true, name: "\\.JPG$"},
		{pattern: "@fallback", kind: kindNamed, name: "@fallback"},
		{pattern: "/a b", kind: kindPrefix, name: "/a b"},
		{pattern: "= /a b", kind: kindExact, name: "/a b"},
		{pattern: "~ ^/a b", kind: kindRegex, name: "^/a b"},
		{pattern: "@n x", kind: kindNamed, name: "@n x"},
		{pattern: "!! /x", err: "invalid location modifier"},
		{pattern: "=", err: "empty location name"},
		{pattern: "", err: "empty location name"},
	}
	for _, tt := range tests {
		kind, caseless, name, err := parseLocationPattern(tt.pattern)
		if tt.err != "" {
			assert.ErrorContainsf(t, err, tt.err, "pattern %q", tt.pattern)
			continue
		}
		require.NoErrorf(t, err, "pattern %q", tt.pattern)
		assert.Equalf(t, tt.kind, kind, "pattern %q", tt.pattern)
		assert.Equalf(t, tt.caseless, caseless, "pattern %q", tt.pattern)
		assert.Equalf(t, tt.name, name, "pattern %q", tt.pattern)
	}
}

// TestNewRejects checks the configurations nginx refuses, with messages
// that name the location.
func TestNewRejects(t *testing.T) {
	ok := Return(200, "")
	tests := []struct {
		name     string
		opts     []Option
		contains []string
	}{
		{"duplicate prefix", []Option{Location("/a", ok), Location("/a", ok)}, []string{`location "/a"`, `duplicate location "/a"`}},
		{"duplicate exact", []Option{Location("= /a", ok), Location("=/a", ok)}, []string{`duplicate location "/a"`}},
		{"prefix and noregex share a name", []Option{Location("/a", ok), Location("^~ /a", ok)}, []string{`duplicate location "/a"`}},
		{"nested in exact", []Option{Location("= /a", ok, Location("/a/b", ok))}, []string{`cannot be inside the exact location "/a"`}},
		{"nested in named", []Option{Location("@n", ok, Location("/a", ok))}, []string{`cannot be inside the named location "@n"`}},
		{"nested outside parent", []Option{Location("/a/", ok, Location("/b/", ok))}, []string{`location "/b/" is outside location "/a/"`}},
		{"named nested", []Option{Location("/a/", ok, Location("@n", ok))}, []string{`named location "@n" can be on the server level only`}},
		{"bad regex", []Option{Location("~ ^/(a", ok)}, []string{`location "~ ^/(a"`, "invalid regex"}},
		{"bad modifier", []Option{Location("=~ /a", ok)}, []string{`invalid location modifier "=~"`}},
		{"unknown variable", []Option{Location("/", Return(200, "$nonesuch"))}, []string{`location "/"`, "return", `unknown "nonesuch" variable`}},
		{"unterminated variable", []Option{Location("/", Return(200, "${host"))}, []string{"closing bracket"}},
		{"alias and root", []Option{Location("/a/", nil, Root("/x"), Alias("/y/"))}, []string{`"alias" directive is duplicate, "root" directive is specified before`}},
		{"alias in named", []Option{Location("@a", nil, Alias("/y/"))}, []string{`"alias" directive is not allowed here`}},
		{"document_root in root", []Option{Root("$document_root/x")}, []string{"$document_root variable may not be used"}},
		{"bad error_page code", []Option{ErrorPage("/e", 200)}, []string{`value "200" must be between 300 and 599`}},
		{"bad return code", []Option{Location("/", Return(1000, ""))}, []string{`invalid return code "1000"`}},
		{"try_files one arg", []Option{TryFiles("$uri")}, []string{"try_files", "invalid number of arguments"}},
		{"limit_except handler with URI part", []Option{Location("/a/", ok, LimitExceptHandler([]string{"GET"}, ProxyPass("http://127.0.0.1/b/")))}, []string{`location "/a/"`, `"proxy_pass" cannot have URI part`, `"limit_except" block`}},
		{"limit_except nil handler", []Option{Location("/a/", ok, LimitExceptHandler([]string{"GET"}, nil))}, []string{"limit_except", "nil handler"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(append(tt.opts, quiet)...)
			require.Error(t, err)
			for _, c := range tt.contains {
				assert.ErrorContains(t, err, c)
			}
		})
	}
}

// nginx accepts a second named location of a name and uses the first.
func TestNewDuplicateNamedLocation(t *testing.T) {
	p, err := New(Location("@x", Return(200, "first")), Location("@x", Return(200, "second")), ErrorPage("@x", 404), quiet)
	require.NoError(t, err)
	require.Len(t, p.Warnings(), 1)
	assert.Contains(t, p.Warnings()[0].String(), `duplicate named location "@x"`)
	w := httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/missing", nil))
	assert.Equal(t, "first", w.Body.String())
}

func TestNewReportsEveryMistake(t *testing.T) {
	_, err := New(Location("/a", nil), Location("/a", nil), Location("~ (", nil), Location("/", Return(200, "$nope")))
	require.Error(t, err)
	assert.ErrorContains(t, err, "duplicate location")
	assert.ErrorContains(t, err, "invalid regex")
	assert.ErrorContains(t, err, `unknown "nope" variable`)
	var ce *ConfigError
	assert.ErrorAs(t, err, &ce)
}

func TestAliasSlashMismatchWarns(t *testing.T) {
	p, err := New(Location("/img", Static("/data/images/")), Location("/ok/", Static("/data/ok/")), quiet)
	require.NoError(t, err)
	require.Len(t, p.Warnings(), 1)
	assert.Equal(t, "/img", p.Warnings()[0].Location)
	assert.Equal(t, "alias", p.Warnings()[0].Directive)
	assert.Contains(t, p.Warnings()[0].Message, `"/img../"`)
}

func TestPCREFallback(t *testing.T) {
	p := MustNew(
		Location(`~ ^/(?!admin)(\w+)/(\1)$`, Return(200, "twice $1\n")),
		Location(`~ ^/(?<word>\w+)(?=\.json$)`, Return(200, "json $word\n")),
		Location("/", Return(200, "root\n")),
		quiet,
	)
	for target, want := range map[string]string{
		"/go/go":       "twice go\n",
		"/admin/admin": "root\n",
		"/go/java":     "root\n",
		"/data.json":   "json data\n",
		"/data.xml":    "root\n",
	} {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		assert.Equalf(t, want, rec.Body.String(), "target %s", target)
	}
}

// TestRegexDollarBeforeNewline checks PCRE's "$", which also matches
// before a final newline (a decoded %0A), where RE2's does not.
func TestRegexDollarBeforeNewline(t *testing.T) {
	p := MustNew(Location(`~ \.php$`, Return(200, "php\n")), Location("/", Return(200, "root\n")), quiet)
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest("GET", "/x.php%0A", nil))
	assert.Equal(t, "php\n", rec.Body.String())
}

func TestRequestInfo(t *testing.T) {
	var got RequestInfo
	var ok bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok = Info(r)
		host, _ := got.Variable("host")
		fmt.Fprintf(w, "%s|%s|%s|%s|%s|%s", got.Location(), got.URI(), got.Args(), got.Capture(1), got.NamedCapture("id"), host)
	})
	p := MustNew(Location(`~ ^/item/(?<id>\d+)`, h), quiet)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/item/%34%32/../42?x=1", nil)
	req.Host = "Example.ORG:8080"
	p.ServeHTTP(rec, req)
	require.True(t, ok)
	assert.Equal(t, `~ ^/item/(?<id>\d+)|/item/42|x=1|42|42|example.org`, rec.Body.String())
	_, ok = Info(httptest.NewRequest("GET", "/", nil))
	assert.False(t, ok)
}

func TestPrefixTreeLongest(t *testing.T) {
	var tree prefixTree
	names := []string{"/", "/a", "/ab", "/abc/", "/b/", "/abd", "/x/y/z"}
	locs := map[string]*location{}
	for _, n := range names {
		locs[n] = &location{name: n}
		tree.insert(n, locs[n])
	}
	tests := map[string]string{
		"/": "/", "/a": "/a", "/ab": "/ab", "/abc": "/ab", "/abc/": "/abc/", "/abc/d": "/abc/",
		"/abd/x": "/abd", "/b": "/", "/b/": "/b/", "/x/y": "/", "/x/y/z1": "/x/y/z", "/zzz": "/",
	}
	for uri, want := range tests {
		got := tree.longest(uri)
		require.NotNilf(t, got, "uri %s", uri)
		assert.Equalf(t, want, got.name, "uri %s", uri)
	}
	var empty prefixTree
	assert.Nil(t, empty.longest("/x"))
}

// buildLocations makes n locations of mixed kinds, the shape of a large
// real configuration.
func buildLocations(n int) *Proxy {
	opts := []Option{quiet}
	for i := 0; i < n; i++ {
		switch i % 4 {
		case 0:
			opts = append(opts, Location(fmt.Sprintf("= /exact/%d", i), Return(200, "")))
		case 1, 2:
			opts = append(opts, Location(fmt.Sprintf("/prefix/%d/", i), Return(200, "")))
		default:
			opts = append(opts, Location(fmt.Sprintf("^~ /static/%d/", i), Return(200, "")))
		}
	}
	opts = append(opts, Location("/", Return(200, "")))
	return MustNew(opts...)
}

func BenchmarkLocationMatch(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		p := buildLocations(n)
		st := &reqState{srv: p.srv}
		uris := []string{
			fmt.Sprintf("/exact/%d", (n/4)*4-4),
			fmt.Sprintf("/prefix/%d/some/file.css", n/2+1),
			fmt.Sprintf("/static/%d/app.js", n-1),
			"/unmatched/path/to/something",
		}
		for _, u := range uris {
			if loc, _ := p.srv.locations.find(st, u); loc == nil {
				b.Fatalf("no location for %s", u)
			}
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				p.srv.locations.find(st, uris[i%len(uris)])
				i++
			}
		})
	}
}

func BenchmarkLocationMatchRegex(b *testing.B) {
	p := MustNew(
		Location(`~ \.php$`, Return(200, "")),
		Location(`~* \.(css|js)$`, Return(200, "")),
		Location(`~ ^/api/v(\d+)/`, Return(200, "$1")),
		Location("/", Return(200, "")),
		quiet,
	)
	st := &reqState{srv: p.srv}
	b.Run("no-captures", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p.srv.locations.find(st, "/index.php")
		}
	})
	b.Run("captures", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p.srv.locations.find(st, "/api/v2/users")
		}
	})
}

func TestLocationMatchAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation count")
	}
	p := buildLocations(1000)
	st := &reqState{srv: p.srv}
	allocs := testing.AllocsPerRun(100, func() {
		p.srv.locations.find(st, "/prefix/501/some/file.css")
		p.srv.locations.find(st, "/exact/496")
		p.srv.locations.find(st, "/nothing/here")
	})
	assert.Equal(t, 0.0, allocs)
}

// TestStaticTypes: Static types files by nginx's shipped mime.types; a
// location configured as a loaded nginx.conf is (root, no types) knows
// nginx's three built-in types only.
func TestStaticTypes(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.css"), []byte("x"), 0o644))
	p := MustNew(quiet,
		Location("/static/", Static(dir+"/")),
		Location("/raw/", nil, Alias(dir+"/")),
		Location("/typed/", Static(dir+"/", Types(map[string]string{"css": "text/x-css"}))),
	)
	for target, want := range map[string]string{
		"/static/a.css": "text/css",
		"/raw/a.css":    "text/plain",
		"/typed/a.css":  "text/x-css",
	} {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		assert.Equalf(t, want, rec.Header().Get("Content-Type"), "target %s", target)
	}
}

// A limit_except block's handler serves the methods it does not list
// (GET brings HEAD), the location's handler the others.
func TestLimitExceptHandler(t *testing.T) {
	says := func(s string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("X-By", s) })
	}
	p, err := New(quiet, Location("/a b/", says("location"), LimitExceptHandler([]string{"GET"}, says("block"))))
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	for method, want := range map[string]string{"GET": "location", "HEAD": "location", "POST": "block", "DELETE": "block"} {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest(method, "/a%20b/x", nil))
		assert.Equal(t, want, rec.Header().Get("X-By"), method)
	}
}
