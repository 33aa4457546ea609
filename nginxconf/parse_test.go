package nginxconf

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// d builds an expected directive; tests compare with shape(), which ignores
// File, Line and EndLine unless a test asserts on them.
func d(name string, args ...string) *Directive {
	dd := &Directive{Name: name}
	if len(args) > 0 {
		dd.Args = args
		dd.Quoted = make([]bool, len(args))
	}
	return dd
}

// q marks the given argument indexes as quoted.
func (dd *Directive) q(idx ...int) *Directive {
	for _, i := range idx {
		dd.Quoted[i] = true
	}
	return dd
}

// b gives the directive a block with the given children.
func (dd *Directive) b(children ...*Directive) *Directive {
	dd.HasBlock = true
	dd.Block = children
	return dd
}

// shape strips locations so trees can be compared by content.
func shape(ds []*Directive) []*Directive {
	if ds == nil {
		return nil
	}
	out := make([]*Directive, len(ds))
	for i, x := range ds {
		out[i] = &Directive{Name: x.Name, Args: x.Args, Quoted: x.Quoted, HasBlock: x.HasBlock, Block: shape(x.Block)}
	}
	return out
}

// words is shape without Quoted: what must survive Format.
func words(ds []*Directive) []*Directive {
	out := shape(ds)
	var strip func([]*Directive)
	strip = func(ds []*Directive) {
		for _, x := range ds {
			x.Quoted = nil
			strip(x.Block)
		}
	}
	strip(out)
	return out
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []*Directive
	}{
		{"empty", "", nil},
		{"only comments and space", "# a\n  \t\r\n# b", nil},
		{"simple", "worker_processes 1;", []*Directive{d("worker_processes", "1")}},
		{"no args", "ip_hash;", []*Directive{d("ip_hash")}},
		{"block", "events { worker_connections 512; }", []*Directive{
			d("events").b(d("worker_connections", "512"))}},
		{"empty block", "events {}", []*Directive{d("events").b()}},
		{"nested", "http { server { location / { return 200; } } }", []*Directive{
			d("http").b(d("server").b(d("location", "/").b(d("return", "200"))))}},
		{"no space before brace or semicolon", "location /x{return 204;}", []*Directive{
			d("location", "/x").b(d("return", "204"))}},
		{"statement over lines", "log_format main\n  '$a'\n  \"$b\";", []*Directive{
			d("log_format", "main", "$a", "$b").q(1, 2)}},
		{"comment at token start only", "add_header X a#b; # c\n", []*Directive{
			d("add_header", "X", "a#b")}},
		{"comment ends statement words", "root /x # not an arg\n;", []*Directive{d("root", "/x")}},
		{"double quotes", `return 200 "a b;{}";`, []*Directive{d("return", "200", "a b;{}").q(1)}},
		{"single quotes", `return 200 'a "b"';`, []*Directive{d("return", "200", `a "b"`).q(1)}},
		{"empty quoted", `map $a $b { '' x; "" y; }`, []*Directive{
			d("map", "$a", "$b").b(d("", "x"), d("", "y"))}},
		{"escapes in double quotes", `x "a\"b\'c\\d\te\rf\ng\zh";`, []*Directive{
			d("x", "a\"b'c\\d\te\rf\ng\\zh").q(0)}},
		{"escapes in single quotes", `x 'a\'b\"c';`, []*Directive{d("x", `a'b"c`).q(0)}},
		{"escapes outside quotes", `x a\"b a\\b a\tb a\ b a\;b \#c;`, []*Directive{
			d("x", `a"b`, `a\b`, "a\tb", `a\ b`, `a\;b`, `\#c`)}},
		{"backslash newline", "x a\\\nb;", []*Directive{d("x", "a\\\nb")}},
		{"quote inside word is ordinary", `x a"b c'd;`, []*Directive{d("x", `a"b`, `c'd`)}},
		{"brace inside word", "x a}b;", []*Directive{d("x", "a}b")}},
		{"variables", "set $x ${host}a$b${c};", []*Directive{d("set", "$x", "${host}a$b${c}")}},
		{"dollar brace after dollar", "x a$${b;", []*Directive{d("x", "a$${b")}},
		{"dollar then word then brace opens block", "x $a{ y; }", []*Directive{
			d("x", "$a").b(d("y"))}},
		{"semicolon right after quote", `x "a";`, []*Directive{d("x", "a").q(0)}},
		{"brace right after quote", `location "/a"{ }`, []*Directive{d("location", "/a").q(0).b()}},
		{"quote then newline then semicolon", "x \"a\"\n;", []*Directive{d("x", "a").q(0)}},
		{"paren right after quote starts a word", `if ($a = "b") { }`, []*Directive{
			d("if", "($a", "=", "b", ")").q(2).b()}},
		{"paren then more word", `x "a")b;`, []*Directive{d("x", "a", ")b").q(0)}},
		{"quoted name", `"server_name" x;`, []*Directive{d("server_name", "x")}},
		{"types block", "types { text/html html htm; image/png png; }", []*Directive{
			d("types").b(d("text/html", "html", "htm"), d("image/png", "png"))}},
		{"map block", "map $a $b { default 0; ~^x 1; \"~*y z\" 2; }", []*Directive{
			d("map", "$a", "$b").b(d("default", "0"), d("~^x", "1"), d("~*y z", "2"))}},
		{"regex location", `location ~* \.(png|jpe?g)$ { }`, []*Directive{
			d("location", "~*", `\.(png|jpe?g)$`).b()}},
		{"crlf", "a 1;\r\nb {\r\n}\r\n", []*Directive{d("a", "1"), d("b").b()}},
		{"tabs and cr are spaces", "a\t1\r2;", []*Directive{d("a", "1", "2")}},
		{"long whitespace is fine", "a;" + strings.Repeat(" ", 5000) + "b;", []*Directive{d("a"), d("b")}},
		{"long blank lines are fine", "a;" + strings.Repeat("\n", 5000) + "b;", []*Directive{d("a"), d("b")}},
		{"word of 4095 bytes", "a " + strings.Repeat("x", 4095) + ";", []*Directive{d("a", strings.Repeat("x", 4095))}},
		{"non-ascii", "return 200 \"héllo\";", []*Directive{d("return", "200", "héllo").q(1)}},
		{"utf-8 bom is part of the name", "\ufeffevents {}", []*Directive{d("\ufeffevents").b()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseString("t.conf", tt.src)
			require.NoError(t, err)
			assert.Equal(t, shape(tt.want), shape(got))
		})
	}
}

func TestParseLocations(t *testing.T) {
	src := "events {\n" + // 1
		"}\n" + // 2
		"http {\n" + // 3
		"    log_format main\n" + // 4
		"        '$a'\n" + // 5
		"        '$b';\n" + // 6
		"    server\n" + // 7
		"    {\n" + // 8
		"        listen 80; }\n" + // 9
		"}\n" // 10
	got, err := ParseString("/etc/nginx/nginx.conf", src)
	require.NoError(t, err)
	require.Len(t, got, 2)

	events, http := got[0], got[1]
	assert.Equal(t, "/etc/nginx/nginx.conf", events.File)
	assert.Equal(t, 1, events.Line)
	assert.Equal(t, 2, events.EndLine)
	assert.Equal(t, 3, http.Line)
	assert.Equal(t, 10, http.EndLine)

	logFormat, server := http.Block[0], http.Block[1]
	assert.Equal(t, 6, logFormat.Line, "a directive's line is where its ';' is, as nginx reports it")
	assert.Equal(t, 0, logFormat.EndLine)
	assert.Equal(t, 8, server.Line, "a block directive's line is where its '{' is")
	assert.Equal(t, 9, server.EndLine)
	assert.Equal(t, 9, server.Block[0].Line)
}

// syntaxErrors are configurations whose first error is a syntax error,
// with the message and line that nginx 1.22.1 prints for them (`nginx -t`,
// checked live by TestSyntaxErrorsMatchNginx). Everything before the error
// is valid nginx, so nginx reaches the error.
var syntaxErrors = []struct {
	name string
	src  string
	msg  string
	line int
}{
	{"stray close brace", "events {}\n}\n", `unexpected "}"`, 2},
	{"stray close brace without newline", "events {}\n}", `unexpected "}"`, 2},
	{"stray semicolon", "events {}\n;\n", `unexpected ";"`, 2},
	{"semicolon after block", "events {};\n", `unexpected ";"`, 1},
	{"stray open brace", "events {}\n{ }\n", `unexpected "{"`, 2},
	{"open brace at block start", "events {\n    {\n}\n", `unexpected "{"`, 2},
	{"semicolon at block start", "events {;}\n", `unexpected ";"`, 1},
	{"missing semicolon before close brace", "events {\n    worker_connections 512\n}\n", `unexpected "}"`, 3},
	{"missing semicolon on one line", "events { worker_connections 512 }\n", `unexpected "}"`, 1},
	{"words over lines then close brace", "events {}\nhttp {\n    server_tokens\n    off\n}\n", `unexpected "}"`, 5},
	{"one close brace too many", "events {}\nhttp {\n    server {\n    }\n}\n}\n", `unexpected "}"`, 6},
	{"eof in block", "events {\n", `unexpected end of file, expecting "}"`, 2},
	{"eof in block without newline", "events {", `unexpected end of file, expecting "}"`, 1},
	{"eof in nested blocks", "events {}\nhttp {\n    server {\n        location / {\n        }\n", `unexpected end of file, expecting "}"`, 6},
	{"eof in block after commented brace", "events {\n# }\n", `unexpected end of file, expecting "}"`, 3},
	{"eof after words", "events {}\nworker_processes 1", `unexpected end of file, expecting ";" or "}"`, 2},
	{"eof after words and comment", "events {}\nworker_processes 1\n# c\n", `unexpected end of file, expecting ";" or "}"`, 4},
	{"eof in double quotes", "events {}\npid \"logs/x.pid\n\n", `unexpected end of file, expecting ";" or "}"`, 4},
	{"eof in single quotes", "events {}\npid 'x;\n", `unexpected end of file, expecting ";" or "}"`, 3},
	{"eof after backslash", "events {}\npid x\\", `unexpected end of file, expecting ";" or "}"`, 2},
	{"eof after closing quote", "events {}\npid \"x\"", `unexpected end of file, expecting ";" or "}"`, 2},
	{"letter after quote", "events {}\npid \"a\"b;\n", `unexpected "b"`, 2},
	{"quote after quote", "events {}\npid \"a\"\"b\";\n", `unexpected """`, 2},
	{"double quote after single quote", "events {}\npid 'a'\"b\";\n", `unexpected """`, 2},
	{"hash after quote", "events {}\npid \"a\"# c\n;\n", `unexpected "#"`, 2},
	{"close brace after quote", "events { worker_connections \"512\"}\n", `unexpected "}"`, 1},
	{"open paren after quote", "events {}\npid \"a\"(;\n", `unexpected "("`, 2},
	{"non-ascii byte after quote", "events {}\npid \"a\"\xc3\xa9;\n", "unexpected \"\xc3\"", 2},
	{"crlf line endings", "events {}\r\n}\r\n", `unexpected "}"`, 2},
	{"newline inside quotes counts", "events {}\npid \"a\nb\";\n}\n", `unexpected "}"`, 4},
	{"escaped newline counts", "events {}\npid a\\\nb;\n}\n", `unexpected "}"`, 4},
	{"quote inside comment is ignored", "events {}\n# \"unterminated\n}\n", `unexpected "}"`, 3},
	{"hash inside word is not a comment", "events {}\npid a#b }\n", `unexpected "}"`, 2},
	{"escaped quote does not close", "events {}\npid \"a\\\"b\" x\n}\n", `unexpected "}"`, 3},
	{"dollar brace ends nothing, then eof", "events {}\npid ${x}}\n", `unexpected end of file, expecting ";" or "}"`, 3},
	{"word brace opens block", "events {}\nhttp {\n    server {\n        location /$x{\n", `unexpected end of file, expecting "}"`, 5},
	{"paren after quote is a word", "events {}\nhttp {\n    server {\n        if ($request_method = \"GET\") { }\n    }\n}\n}\n", `unexpected "}"`, 7},
	{"too long word", "events {}\npid " + strings.Repeat("a", 5000) + ";\n", `too long parameter "aaaaaaaaaa..." started`, 2},
	{"too long double-quoted word", "events {}\npid \"" + strings.Repeat("a\n", 3000) + "\";\n", `too long parameter, probably missing terminating """ character`, 2},
	{"too long single-quoted word", "events {}\n\npid '" + strings.Repeat("b", 5000) + "';\n", `too long parameter, probably missing terminating "'" character`, 3},
	{"too long comment", "events {}\n\n# " + strings.Repeat("c", 5000) + "\n", `too long parameter "# cccccccc..." started`, 3},
	{"too long word after closing quote", "events {}\npid \"" + strings.Repeat("d", 4095) + "\"x;\n", `too long parameter "dddddddddd..." started`, 2},
	{"word of exactly 4096 bytes at eof", "events {}\n" + strings.Repeat("x", 4096), `unexpected end of file, expecting ";" or "}"`, 2},
	{"word of 4097 bytes", "events {}\n" + strings.Repeat("x", 4097), `too long parameter "xxxxxxxxxx..." started`, 2},
}

func TestSyntaxErrors(t *testing.T) {
	for _, tt := range syntaxErrors {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseString("/etc/nginx/nginx.conf", tt.src)
			require.Error(t, err)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.msg, se.Msg)
			assert.Equal(t, tt.line, se.Line)
			assert.Equal(t, "/etc/nginx/nginx.conf", se.File)
			assert.Equal(t, tt.msg+" in /etc/nginx/nginx.conf:"+strconv.Itoa(tt.line), err.Error())
		})
	}
}

// parseOK are tricky but valid configurations; nginx must accept them too.
var parseOK = []struct {
	name string
	src  string
}{
	{"quote then newline then semicolon", "events {}\npid \"logs/a.pid\"\n;\n"},
	{"long whitespace", "events {}" + strings.Repeat(" ", 5000) + "\npid logs/a.pid;\n"},
	{"long blank lines", "events {}" + strings.Repeat("\n", 5000) + "pid logs/a.pid;\n"},
	{"word of 4095 bytes", "events {}\npid " + strings.Repeat("a", 4095) + ";\n"},
	{"variables kept", "events {}\npid ${x}$y;\n"},
	{"paren after quote", "events {}\nhttp {\n    server {\n        if ($request_method = \"GET\") { return 204; }\n    }\n}\n"},
	{"map and types blocks", "events {}\nhttp {\n    types { text/html html; }\n    map $http_upgrade $c { default upgrade; '' close; ~^x 1; }\n}\n"},
	{"quoted directive name", "\"events\" {}\n"},
	{"semicolon and brace right after quotes", "events {}\nhttp {\n    server {\n        location \"/a\"{ return 200 \"x\";}\n    }\n}\n"},
}

func TestParseOK(t *testing.T) {
	for _, tt := range parseOK {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseString("nginx.conf", tt.src)
			assert.NoError(t, err)
		})
	}
}

// TestSyntaxErrorsMatchNginx runs the tables above through the real nginx
// binary, when there is one, and checks that it says what we say.
func TestSyntaxErrorsMatchNginx(t *testing.T) {
	bin := nginxBinary(t)
	for _, tt := range syntaxErrors {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			conf := filepath.Join(dir, "nginx.conf")
			require.NoError(t, os.WriteFile(conf, []byte(tt.src), 0o644))
			_, err := ParseString(conf, tt.src)
			require.Error(t, err)
			assert.Equal(t, "nginx: [emerg] "+err.Error(), nginxTest(t, bin, dir, conf))
		})
	}
	for _, tt := range parseOK {
		t.Run("ok/"+tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			conf := filepath.Join(dir, "nginx.conf")
			require.NoError(t, os.WriteFile(conf, []byte(tt.src), 0o644))
			assert.Contains(t, nginxTest(t, bin, dir, conf), "syntax is ok")
		})
	}
}

// nginxBinary finds nginx or skips the test.
func nginxBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs nginx; skipped in -short mode")
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx" // not on PATH for non-root users
	}
	t.Skip("nginx not installed")
	return ""
}

// nginxTest runs `nginx -t` with prefix dir on conf and returns the line
// message that decides the outcome: the first [emerg] or [crit] message, or
// the "syntax is ok" line.
func nginxTest(t *testing.T, bin, dir, conf string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "logs"), 0o755))
	cmd := exec.Command(bin, "-t", "-p", dir+"/", "-c", conf, "-e", filepath.Join(dir, "logs", "error.log"))
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	require.NoError(t, cmd.Start())
	// The package has its own "context" type, so a timer rather than
	// exec.CommandContext guards against a hang.
	timer := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
	_ = cmd.Wait() // nginx -t exits 1 on a bad configuration
	timer.Stop()
	// Messages can contain newlines (nginx prints words raw), so split on
	// the "nginx: " that starts each message rather than on lines.
	for _, msg := range strings.Split("\n"+buf.String(), "\nnginx: ") {
		if strings.HasPrefix(msg, "[emerg]") || strings.HasPrefix(msg, "[crit]") || strings.Contains(msg, "syntax is ok") {
			return "nginx: " + strings.TrimSuffix(msg, "\n")
		}
	}
	return buf.String()
}

func TestParsePartialResult(t *testing.T) {
	src := "events {}\n" +
		"http {\n" +
		"    server {\n" +
		"        listen 80;\n" +
		"        location / {\n" +
		"            return 200 \"x\"y;\n" +
		"        }\n" +
		"    }\n" +
		"}\n"
	got, err := ParseString("t.conf", src)
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, `unexpected "y" in t.conf:6`, err.Error())

	want := []*Directive{
		d("events").b(),
		d("http").b(d("server").b(d("listen", "80"), d("location", "/").b())),
	}
	assert.Equal(t, shape(want), shape(got), "directives read before the error, in their open blocks")
	assert.Equal(t, 1, got[0].EndLine)
	assert.Equal(t, 0, got[1].EndLine, "a block still open at the error has no end line")
}

// corpusDir is where the shared real-world configurations live, relative to
// this package; it is absent on a fresh clone.
const corpusDir = "../../shared/corpus/nginx"

func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.conf"))
	return files
}

func TestCorpusParses(t *testing.T) {
	files := corpusFiles(t)
	if len(files) == 0 {
		t.Skip("no corpus at " + corpusDir)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			ds, err := Parse(f, src)
			require.NoError(t, err)
			assert.NotEmpty(t, ds)

			again, err := ParseString(f, Format(ds))
			require.NoError(t, err)
			assert.Equal(t, shape(ds), shape(again), "Format keeps every word and its quoting")
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, tt := range syntaxErrors {
		f.Add([]byte(tt.src))
	}
	for _, tt := range parseOK {
		f.Add([]byte(tt.src))
	}
	for _, file := range corpusFiles(f) {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte(`x "a\"b" 'c\'d' e\ f \t ${g}{ "" }`))

	f.Fuzz(func(t *testing.T, src []byte) {
		ds, err := Parse("f.conf", src)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error %v is %T, not *SyntaxError", err, err)
			}
			return
		}
		out := Format(ds)
		again, err := ParseString("f.conf", out)
		if err != nil {
			t.Fatalf("Format output does not parse: %v\n%s", err, out)
		}
		if !assert.Equal(t, words(ds), words(again)) {
			t.Fatalf("Format output:\n%s", out)
		}
		// Quoted args stay quoted; Format must be stable.
		assertQuotedKept(t, ds, again)
		if out2 := Format(again); out2 != out {
			t.Fatalf("Format is not stable:\n%s\n---\n%s", out, out2)
		}
	})
}

func assertQuotedKept(t *testing.T, a, b []*Directive) {
	t.Helper()
	for i := range a {
		for j, q := range a[i].Quoted {
			if q && !b[i].Quoted[j] {
				t.Fatalf("%s arg %d lost its quotes", a[i].Name, j)
			}
		}
		assertQuotedKept(t, a[i].Block, b[i].Block)
	}
}

// TestParseMatchesNginxRandom feeds random text built from the bytes that
// matter to nginx's reader into real nginx, inside a types { } block, whose
// handler accepts any words, and checks that nginx fails exactly where and
// how Parse says. Set NGINXCONF_RANDOM_CASES to run more cases.
func TestParseMatchesNginxRandom(t *testing.T) {
	bin := nginxBinary(t)
	n := 300
	if s := os.Getenv("NGINXCONF_RANDOM_CASES"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
	const head = "events {}\nhttp {\ntypes {\n"
	pieces := []string{"a", "b", "t", "n", "$", "${", "{", "}", ";", `"`, "'", `\`, "#", " ", "\t", "\r", "\n", "(", ")", "é"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		var b strings.Builder
		for range 1 + rng.IntN(60) {
			p := pieces[rng.IntN(len(pieces))]
			if rng.IntN(200) == 0 {
				p = strings.Repeat(p, 4000+rng.IntN(200)) // near nginx's buffer size
			}
			b.WriteString(p)
		}
		if rng.IntN(2) == 0 {
			b.WriteString("\n}\n}\n")
		}
		src := head + b.String()
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			conf := filepath.Join(dir, "nginx.conf")
			require.NoError(t, os.WriteFile(conf, []byte(src), 0o644))
			want := "nginx: [emerg] " + expectNginx(conf, src)
			if want == "nginx: [emerg] " {
				want = "nginx: the configuration file " + conf + " syntax is ok"
			}
			assert.Equalf(t, want, nginxTest(t, bin, dir, conf), "config: %q", src)
		})
	}
}

// expectNginx predicts nginx's first error for a configuration shaped like
// the random ones: Parse's partial tree, walked in order with the few
// directive rules that apply (only events, http and types are known; a block
// inside types is `unexpected "{"`), then Parse's own error.
func expectNginx(file, src string) string {
	ds, err := ParseString(file, src)
	var walk func(ds []*Directive, ctx string) string
	walk = func(ds []*Directive, ctx string) string {
		for _, x := range ds {
			switch {
			case ctx == "types" && x.HasBlock:
				return `unexpected "{" in ` + file + ":" + strconv.Itoa(x.Line)
			case ctx == "types":
			case ctx == "main" && (x.Name == "events" || x.Name == "http"),
				ctx == "http" && x.Name == "types":
				if msg := walk(x.Block, x.Name); msg != "" {
					return msg
				}
			default:
				msg := `unknown directive "` + x.Name + `"`
				msg = msg[:min(len(msg), maxErrStr)] // nginx cuts long messages
				return msg + " in " + file + ":" + strconv.Itoa(x.Line)
			}
		}
		return ""
	}
	if msg := walk(ds, "main"); msg != "" {
		return msg
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func BenchmarkParse(b *testing.B) {
	// A large configuration: many servers with the usual mix of quoted
	// strings, regex locations and comments.
	var sb strings.Builder
	sb.WriteString("events {}\nhttp {\n")
	for i := range 500 {
		sb.WriteString("    # server " + strconv.Itoa(i) + "\n")
		sb.WriteString("    server {\n        listen 80;\n        server_name s" + strconv.Itoa(i) + ".example.com;\n")
		sb.WriteString("        location ~* \\.(png|jpe?g)$ { expires 30d; }\n")
		sb.WriteString("        location / {\n            proxy_set_header X-Real-IP $remote_addr;\n")
		sb.WriteString("            return 200 \"hello ${host}\\n\";\n        }\n    }\n")
	}
	sb.WriteString("}\n")
	src := []byte(sb.String())
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bench.conf", src); err != nil {
			b.Fatal(err)
		}
	}
}
