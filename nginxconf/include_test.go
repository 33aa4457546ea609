package nginxconf

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loaderCases are include situations with what nginx 1.22.1 prints for them
// (`nginx -t -p D/ -c D/nginx.conf`; checked live by
// TestLoaderMatchesNginx). "D" stands for the configuration directory; a
// files value ending in "/" makes a directory. want is empty when nginx
// accepts the configuration.
var loaderCases = []struct {
	name  string
	conf  string
	files map[string]string
	want  string
}{
	{
		name: "missing relative include",
		conf: "events {}\ninclude missing.conf;\n",
		want: `[emerg] open() "D/missing.conf" failed (2: No such file or directory) in D/nginx.conf:2`,
	},
	{
		name: "missing absolute include",
		conf: "events {}\n\ninclude /nonexistent-frontdesk/x.conf;\n",
		want: `[emerg] open() "/nonexistent-frontdesk/x.conf" failed (2: No such file or directory) in D/nginx.conf:3`,
	},
	{
		name: "line of a multi-line include is its semicolon",
		conf: "events {}\ninclude\n  missing.conf\n;\n",
		want: `[emerg] open() "D/missing.conf" failed (2: No such file or directory) in D/nginx.conf:4`,
	},
	{
		name: "path is not cleaned",
		conf: "events {}\ninclude ./sub/../missing.conf;\n",
		want: `[emerg] open() "D/./sub/../missing.conf" failed (2: No such file or directory) in D/nginx.conf:2`,
	},
	{
		name: "globs matching nothing are fine",
		conf: "events {}\ninclude nomatch/*.conf;\ninclude x*.none;\ninclude missing[.conf;\n",
	},
	{
		name:  "directory",
		conf:  "events {}\ninclude conf.d;\n",
		files: map[string]string{"conf.d/": ""},
		want:  `[crit] pread() "D/conf.d" failed (21: Is a directory)`,
	},
	{
		name: "empty name is the conf directory",
		conf: "events {}\ninclude \"\";\n",
		want: `[crit] pread() "D/" failed (21: Is a directory)`,
	},
	{
		name: "no argument",
		conf: "events {}\ninclude;\n",
		want: `[emerg] invalid number of arguments in "include" directive in D/nginx.conf:2`,
	},
	{
		name: "two arguments",
		conf: "events {}\ninclude a.conf b.conf;\n",
		want: `[emerg] invalid number of arguments in "include" directive in D/nginx.conf:2`,
	},
	{
		name: "block",
		conf: "events {}\ninclude a.conf {\n}\n",
		want: `[emerg] directive "include" is not terminated by ";" in D/nginx.conf:2`,
	},
	{
		name: "block checked before arguments",
		conf: "events {}\ninclude {\n}\n",
		want: `[emerg] directive "include" is not terminated by ";" in D/nginx.conf:2`,
	},
	{
		name:  "syntax error in included file",
		conf:  "events {}\ninclude a.conf;\n",
		files: map[string]string{"a.conf": "\n}\n"},
		want:  `[emerg] unexpected "}" in D/a.conf:2`,
	},
	{
		name:  "block left open in included file",
		conf:  "events {}\ninclude a.conf;\n",
		files: map[string]string{"a.conf": "http {\n"},
		want:  `[emerg] unexpected end of file, expecting "}" in D/a.conf:2`,
	},
	{
		name:  "block cannot be closed by included file",
		conf:  "events {\ninclude a.conf;\n",
		files: map[string]string{"a.conf": "}\n"},
		want:  `[emerg] unexpected "}" in D/a.conf:1`,
	},
	{
		name:  "include inside a block",
		conf:  "events {\n    include ev.conf;\n}\n",
		files: map[string]string{"ev.conf": "worker_connections 512"},
		want:  `[emerg] unexpected end of file, expecting ";" or "}" in D/ev.conf:1`,
	},
	{
		name:  "relative to the main file's directory, not the including file's",
		conf:  "events {}\ninclude sub/a.conf;\n",
		files: map[string]string{"sub/a.conf": "include b.conf;\n", "sub/b.conf": ""},
		want:  `[emerg] open() "D/b.conf" failed (2: No such file or directory) in D/sub/a.conf:1`,
	},
	{
		name: "glob order, hidden files skipped",
		conf: "events {}\ninclude conf.d/*;\n",
		files: map[string]string{
			"conf.d/b.conf":  "include missing-b;\n",
			"conf.d/a.conf":  "include missing-a;\n",
			"conf.d/.h.conf": "include missing-h;\n",
		},
		want: `[emerg] open() "D/missing-a" failed (2: No such file or directory) in D/conf.d/a.conf:1`,
	},
	{
		name:  "only hidden files",
		conf:  "events {}\ninclude conf.d/*.conf;\n",
		files: map[string]string{"conf.d/.h.conf": "}\n"},
	},
	{
		name:  "explicit dot matches . and ..",
		conf:  "events {}\ninclude conf.d/.*;\n",
		files: map[string]string{"conf.d/.h.conf": ""},
		want:  `[crit] pread() "D/conf.d/." failed (21: Is a directory)`,
	},
	{
		name:  "glob results sorted as whole names",
		conf:  "events {}\ninclude c/*/x.conf;\n",
		files: map[string]string{"c/a/x.conf": "include missing-a;\n", "c/a-b/x.conf": "include missing-ab;\n"},
		want:  `[emerg] open() "D/missing-ab" failed (2: No such file or directory) in D/c/a-b/x.conf:1`,
	},
	{
		name:  "glob results in byte order",
		conf:  "events {}\ninclude c/*;\n",
		files: map[string]string{"c/a": "include missing-a;\n", "c/B": "include missing-B;\n"},
		want:  `[emerg] open() "D/missing-B" failed (2: No such file or directory) in D/c/B:1`,
	},
	{
		name:  "question mark",
		conf:  "events {}\ninclude c/?.conf;\n",
		files: map[string]string{"c/ab.conf": "include missing-ab;\n", "c/b.conf": "include missing-b;\n"},
		want:  `[emerg] open() "D/missing-b" failed (2: No such file or directory) in D/c/b.conf:1`,
	},
	{
		name:  "negated bracket",
		conf:  "events {}\ninclude c/[!a].conf;\n",
		files: map[string]string{"c/a.conf": "include missing-a;\n", "c/b.conf": "include missing-b;\n"},
		want:  `[emerg] open() "D/missing-b" failed (2: No such file or directory) in D/c/b.conf:1`,
	},
	{
		name:  "unclosed bracket is literal",
		conf:  "events {}\ninclude c/[ab.conf;\n",
		files: map[string]string{"c/[ab.conf": "include missing-lit;\n"},
		want:  `[emerg] open() "D/missing-lit" failed (2: No such file or directory) in D/c/[ab.conf:1`,
	},
	{
		name:  "escaped star is literal",
		conf:  "events {}\ninclude c/\\*.conf;\n",
		files: map[string]string{"c/*.conf": "include missing-star;\n", "c/a.conf": "include missing-a;\n"},
		want:  `[emerg] open() "D/missing-star" failed (2: No such file or directory) in D/c/*.conf:1`,
	},
	{
		name:  "empty included file",
		conf:  "events {}\ninclude a.conf;\ninclude missing.conf;\n",
		files: map[string]string{"a.conf": ""},
		want:  `[emerg] open() "D/missing.conf" failed (2: No such file or directory) in D/nginx.conf:3`,
	},
	{
		name: "long name",
		conf: "events {}\ninclude /" + strings.Repeat("x", 900) + ";\n",
		want: `[emerg] open() "/` + strings.Repeat("x", 900) + `" failed (36: File name too long) in D/nginx.conf:2`,
	},
	{
		// nginx cuts messages at 1024 bytes, keeping 50 for the errno.
		name: "name long enough to be cut",
		conf: "events {}\ninclude /" + strings.Repeat("x", 960) + ";\n",
		want: `[emerg] open() "/` + strings.Repeat("x", 960) + `" fai... (36: File name too long) in D/nginx.conf:2`,
	},
	{
		name: "include error before a later syntax error",
		conf: "events {}\ninclude missing.conf;\n}\n",
		want: `[emerg] open() "D/missing.conf" failed (2: No such file or directory) in D/nginx.conf:2`,
	},
	{
		name: "syntax error before an include",
		conf: "events {}\n}\ninclude missing.conf;\n",
		want: `[emerg] unexpected "}" in D/nginx.conf:2`,
	},
}

// writeTree creates the files of a loader case under dir.
func writeTree(t *testing.T, dir, conf string, files map[string]string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644))
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			require.NoError(t, os.MkdirAll(p, 0o755))
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// loadErr renders a Load result as nginx's first line, minus "nginx: ".
func loadErr(err error) string {
	if err == nil {
		return ""
	}
	if strings.HasPrefix(err.Error(), "pread()") {
		return "[crit] " + err.Error()
	}
	return "[emerg] " + err.Error()
}

func TestLoader(t *testing.T) {
	for _, tt := range loaderCases {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tt.conf, tt.files)
			want := strings.ReplaceAll(tt.want, "D/", dir+"/")

			_, err := (&Loader{Prefix: dir}).Load("nginx.conf")
			assert.Equal(t, want, loadErr(err), "OS")

			// The same tree through fs.FS must behave the same.
			_, err = (&Loader{FS: os.DirFS("/"), Prefix: dir}).Load("nginx.conf")
			assert.Equal(t, want, loadErr(err), "fs.FS")
		})
	}
}

func TestLoaderMatchesNginx(t *testing.T) {
	bin := nginxBinary(t)
	for _, tt := range loaderCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeTree(t, dir, tt.conf, tt.files)
			got := nginxTest(t, bin, dir, filepath.Join(dir, "nginx.conf"))
			if tt.want == "" {
				assert.Contains(t, got, "syntax is ok")
				return
			}
			assert.Equal(t, "nginx: "+strings.ReplaceAll(tt.want, "D/", dir+"/"), got)
		})
	}
	t.Run("missing main file", func(t *testing.T) {
		dir := t.TempDir()
		got := nginxTest(t, bin, dir, filepath.Join(dir, "nope.conf"))
		_, err := (&Loader{Prefix: dir}).Load("nope.conf")
		assert.Equal(t, "nginx: "+loadErr(err), got)
	})
}

func TestLoaderMissingMainFile(t *testing.T) {
	_, err := (&Loader{Prefix: "/nonexistent-frontdesk"}).Load("nginx.conf")
	assert.EqualError(t, err, `open() "/nonexistent-frontdesk/nginx.conf" failed (2: No such file or directory)`)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestLoaderFS(t *testing.T) {
	fsys := fstest.MapFS{
		"etc/nginx/nginx.conf": {Data: []byte("" +
			"events {}\n" + // 1
			"http {\n" + // 2
			"    include mime.types;\n" + // 3
			"    include conf.d/*.conf;\n" + // 4
			"    server_tokens off;\n" + // 5
			"}\n")},
		"etc/nginx/mime.types":           {Data: []byte("types {\n    text/html html;\n}\n")},
		"etc/nginx/conf.d/b.conf":        {Data: []byte("\n\nserver {\n    include snippets/listen.conf;\n}\n")},
		"etc/nginx/conf.d/a.conf":        {Data: []byte("map $a $b { default 0; }\n")},
		"etc/nginx/snippets/listen.conf": {Data: []byte("listen 80;")},
	}
	l := &Loader{FS: fsys, Prefix: "/etc/nginx/"}
	got, err := l.Load("nginx.conf")
	require.NoError(t, err)

	want := []*Directive{
		d("events").b(),
		d("http").b(
			d("types").b(d("text/html", "html")),
			d("map", "$a", "$b").b(d("default", "0")),
			d("server").b(d("listen", "80")),
			d("server_tokens", "off"),
		),
	}
	assert.Equal(t, shape(want), shape(got))

	http := got[1]
	assert.Equal(t, "/etc/nginx/nginx.conf", http.File)
	assert.Equal(t, "/etc/nginx/mime.types", http.Block[0].File)
	assert.Equal(t, 1, http.Block[0].Line)
	assert.Equal(t, 3, http.Block[0].EndLine)
	assert.Equal(t, "/etc/nginx/conf.d/a.conf", http.Block[1].File, "glob results in order")
	server := http.Block[2]
	assert.Equal(t, "/etc/nginx/conf.d/b.conf", server.File)
	assert.Equal(t, 3, server.Line)
	assert.Equal(t, "/etc/nginx/snippets/listen.conf", server.Block[0].File, "relative to the main file's directory")
	assert.Equal(t, 1, server.Block[0].Line)
	assert.Equal(t, 5, http.Block[3].Line)

	// LoadString reads only the includes.
	got, err = l.LoadString("/etc/nginx/other.conf", "include snippets/listen.conf;\n")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "/etc/nginx/snippets/listen.conf", got[0].File)
}

func TestLoaderPartialResult(t *testing.T) {
	fsys := fstest.MapFS{
		"nginx.conf": {Data: []byte("events {}\nhttp {\n    include a.conf;\n    include missing.conf;\n    gzip on;\n}\n")},
		"a.conf":     {Data: []byte("server_tokens off;\n")},
	}
	got, err := (&Loader{FS: fsys}).Load("nginx.conf")
	assert.EqualError(t, err, `open() "missing.conf" failed (2: No such file or directory) in nginx.conf:4`)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	want := []*Directive{d("events").b(), d("http").b(d("server_tokens", "off"))}
	assert.Equal(t, shape(want), shape(got), "what nginx processed before the failing include")
}

func TestLoaderRecursion(t *testing.T) {
	// nginx itself crashes on this; we stop with an error at the include.
	fsys := fstest.MapFS{
		"nginx.conf": {Data: []byte("include a.conf;\n")},
		"a.conf":     {Data: []byte("\ninclude nginx.conf;\n")},
	}
	_, err := (&Loader{FS: fsys}).Load("nginx.conf")
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Contains(t, se.Msg, "probably recursive")
	assert.Contains(t, []string{"nginx.conf", "a.conf"}, se.File)
}

func TestFnmatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "a.conf", true},
		{"*", ".hidden", false},
		{"*.conf", ".conf", false},
		{".*", ".hidden", true},
		{`\.*`, ".hidden", true},
		{"?", ".", false},
		{"[.]x", ".x", false},
		{"*.conf", "a.conf", true},
		{"*.conf", "a.conf.bak", false},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"?.conf", "a.conf", true},
		{"?.conf", "ab.conf", false},
		{"[ab].conf", "b.conf", true},
		{"[!ab].conf", "b.conf", false},
		{"[^ab].conf", "c.conf", true},
		{"[a-c]", "b", true},
		{"[a-c]", "d", false},
		{"[]]", "]", true},
		{"[!]]", "a", true},
		{"[[:digit:]]x", "7x", true},
		{"[[:digit:]]x", "ax", false},
		{"[ab", "[ab", true},
		{"[ab", "a", false},
		{`\*`, "*", true},
		{`\*`, "a", false},
		{`a\`, `a\`, true},
		{"*", "", true},
	}
	for _, tt := range tests {
		assert.Equalf(t, tt.want, fnmatch(tt.pattern, tt.name), "fnmatch(%q, %q)", tt.pattern, tt.name)
	}
}
