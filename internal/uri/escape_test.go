package uri

import (
	"fmt"
	"strings"
	"testing"
)

// The escaped sets below were observed on nginx 1.22.1 for every byte from
// 0x01 to 0xFF, by sending "%XX" in the path and reading what came out:
// EscapeURI through proxy_pass with a URI part, EscapeArgs through a rewrite
// capture copied into args, EscapeURIComponent through autoindex links,
// EscapeHTML through SSI echo with encoding="url", EscapeRefresh through
// msie_refresh, EscapeMemcached through the key sent by memcached_pass. NUL
// and '/' cannot travel that way; for them the test holds nginx's tables.
func TestEscapeMatchesNginx(t *testing.T) {
	tests := []struct {
		name      string
		kind      Kind
		printable string // escaped bytes from ' ' to '~'
		high      bool   // DEL and 0x80-0xFF are escaped
	}{
		{name: "uri", kind: EscapeURI, printable: ` "#%<>?\^` + "`" + `{|}`, high: true},
		{name: "args", kind: EscapeArgs, printable: ` "#%&+;<>?\^` + "`" + `{|}`, high: true},
		{name: "uri component", kind: EscapeURIComponent, printable: ` !"#$%&'()*+,/:;<=>?@[\]^` + "`" + `{|}`, high: true},
		{name: "html", kind: EscapeHTML, printable: ` "#%'<>\^` + "`" + `{|}`, high: true},
		{name: "refresh", kind: EscapeRefresh, printable: ` "'<>\^` + "`" + `{|~`, high: true},
		{name: "memcached", kind: EscapeMemcached, printable: ` %`},
		{name: "mail auth", kind: EscapeMailAuth, printable: ` %`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for b := 0; b < 256; b++ {
				c := byte(b)
				in := string([]byte{c})
				escaped := c < ' ' || strings.IndexByte(tt.printable, c) >= 0 || tt.high && c >= 0x7f
				want := in
				if escaped {
					want = fmt.Sprintf("%%%02X", c)
				}
				if got := Escape(in, tt.kind); got != want {
					t.Errorf("Escape(%q): got %q; want %q", c, got, want)
				}
				if got := string(AppendEscape([]byte("x"), in, tt.kind)); got != "x"+want {
					t.Errorf("AppendEscape(%q, %q): got %q; want %q", "x", c, got, "x"+want)
				}
			}
		})
	}
}

func TestEscapeStrings(t *testing.T) {
	tests := []struct {
		name string
		in   string
		kind Kind
		want string
	}{
		{name: "nothing to escape", in: "/a/b.html", kind: EscapeURI, want: "/a/b.html"},
		{name: "empty", in: "", kind: EscapeURI, want: ""},
		{name: "uri keeps slashes and escapes utf-8", in: "/a b/\u00fc?x", kind: EscapeURI, want: "/a%20b/%C3%BC%3Fx"},
		{name: "args escapes ampersand and plus", in: "a&b+c=d", kind: EscapeArgs, want: "a%26b%2Bc=d"},
		{name: "component escapes slash", in: "a/b c", kind: EscapeURIComponent, want: "a%2Fb%20c"},
		{name: "percent is escaped again", in: "100%", kind: EscapeURI, want: "100%25"},
		{name: "refresh keeps percent", in: "/a%20b", kind: EscapeRefresh, want: "/a%20b"},
		{name: "memcached keeps high bytes", in: "k\xff y", kind: EscapeMemcached, want: "k\xff%20y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Escape(tt.in, tt.kind); got != tt.want {
				t.Errorf("Escape(%q): got %q; want %q", tt.in, got, tt.want)
			}
			if got := string(AppendEscape(nil, tt.in, tt.kind)); got != tt.want {
				t.Errorf("AppendEscape(nil, %q): got %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapeAllocations(t *testing.T) {
	s := "/static/css/site.css"
	if got := testing.AllocsPerRun(100, func() { Escape(s, EscapeURI) }); got != 0 {
		t.Errorf("Escape(%q) allocations: got %v; want 0", s, got)
	}
	s = "/a b"
	if got := testing.AllocsPerRun(100, func() { Escape(s, EscapeURI) }); got != 1 {
		t.Errorf("Escape(%q) allocations: got %v; want 1", s, got)
	}
}

// Checked on nginx 1.22.1 through autoindex, which shows file names with
// ngx_escape_html: a file named f"g is listed as f&quot;g, f'g as f'g.
func TestEscapeHTMLEntities(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "plain", in: "fg", want: "fg"},
		{name: "quote", in: `f"g`, want: "f&quot;g"},
		{name: "ampersand", in: "f&g", want: "f&amp;g"},
		{name: "less than", in: "f<g", want: "f&lt;g"},
		{name: "greater than", in: "f>g", want: "f&gt;g"},
		{name: "apostrophe is kept", in: "f'g", want: "f'g"},
		{name: "all", in: `<a href="x&y">`, want: "&lt;a href=&quot;x&amp;y&quot;&gt;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EscapeHTMLEntities(tt.in); got != tt.want {
				t.Errorf("EscapeHTMLEntities(%q): got %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

// Each in was checked on nginx 1.22.1 with "rewrite ^ /t$uri redirect;":
// rewrite runs the redirect through ngx_unescape_uri in redirect mode and
// copies whatever follows the '?' it stopped at unchanged, so the Location
// path is decoded+rest.
func TestUnescapeRedirectMatchesNginx(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{in: "a", want: "a"},
		{in: "%41", want: "A"},
		{in: "%61%62", want: "ab"},
		{in: "%20", want: "%20"},
		{in: "%25", want: "%25"},
		{in: "%26", want: "&"},
		{in: "%24", want: "%24"},
		{in: "%2f", want: "/"},
		{in: "%2F", want: "/"},
		{in: "%3f", want: "?"},
		{in: "%3F", want: "?"},
		{in: "%3Fx%41", want: "?x%41"},
		{in: "a?b%41", want: "a?b%41"},
		{in: "%7e", want: "~"},
		{in: "%7E", want: "~"},
		{in: "%7f", want: "%7f"},
		{in: "%7F", want: "%7F"},
		{in: "%80", want: "%80"},
		{in: "%ff", want: "%ff"},
		{in: "%FF", want: "%FF"},
		{in: "%0a", want: "%0a"},
		{in: "%00", want: "%00"},
		{in: "%zz", want: "zz"},
		{in: "%4z", want: ""},
		{in: "%z4", want: "z4"},
		{in: "%", want: ""},
		{in: "%4", want: ""},
		{in: "x%", want: "x"},
		{in: "x%4", want: "x"},
		{in: "%%41", want: "%41"},
		{in: "%?x%41", want: "?xA"},
		{in: "%4?x%41", want: "xA"},
		{in: "%4%41", want: "41"},
		{in: "%g1", want: "g1"},
		{in: "%1g", want: ""},
		{in: "%5c", want: "\\"},
		{in: "%5C", want: "\\"},
		{in: "%27", want: "'"},
		{in: "%22", want: "%22"},
		{in: "%2b", want: "+"},
		{in: "%2B", want: "+"},
		{in: "%3d", want: "="},
		{in: "%40", want: "@"},
		{in: "%C3%A9", want: "%C3%A9"},
		{in: "q%3f%3F", want: "q?%3F"},
		{in: "%23", want: "%23"},
		{in: "%2e", want: "."},
		{in: "%2E%2e", want: ".."},
		{in: "A%2", want: "A"},
		{in: "%%", want: "%"},
		{in: "%%%41", want: "%A"},
		{in: "%41%", want: "A"},
		{in: "a%3F", want: "a?"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			decoded, rest := Unescape(tt.in, UnescapeRedirect)
			if got := decoded + rest; got != tt.want {
				t.Errorf("Unescape(%q, UnescapeRedirect): got %q + %q; want %q", tt.in, decoded, rest, tt.want)
			}
		})
	}
}

// These follow ngx_unescape_uri; stock nginx 1.22.1 offers no directive that
// shows its other two modes, so they rest on the source.
func TestUnescape(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		kind    UnescapeKind
		decoded string
		rest    string
	}{
		{name: "all decodes everything", in: "a%20b%3Fc%00d", kind: UnescapeAll, decoded: "a b?c\x00d"},
		{name: "all keeps question mark", in: "a?b%41", kind: UnescapeAll, decoded: "a?bA"},
		{name: "uri stops after question mark", in: "a%41?b%41", kind: UnescapeURI, decoded: "aA?", rest: "b%41"},
		{name: "uri stops after decoded question mark", in: "a%3fb%41", kind: UnescapeURI, decoded: "a?", rest: "b%41"},
		{name: "uri decodes low bytes", in: "%20%25%00", kind: UnescapeURI, decoded: " %\x00"},
		{name: "uri without escapes", in: "/a?b", kind: UnescapeURI, decoded: "/a?", rest: "b"},
		{name: "redirect keeps low and high escapes", in: "%20%25%41%7F%80", kind: UnescapeRedirect, decoded: "%20%25A%7F%80"},
		{name: "redirect splits at question mark", in: "a?b", kind: UnescapeRedirect, decoded: "a?", rest: "b"},
		{name: "bad first digit drops percent", in: "%zz", kind: UnescapeAll, decoded: "zz"},
		{name: "bad second digit drops all three", in: "a%4zb", kind: UnescapeAll, decoded: "ab"},
		{name: "question mark as bad digit does not stop", in: "%?a", kind: UnescapeURI, decoded: "?a"},
		{name: "question mark as bad second digit is dropped", in: "%4?a", kind: UnescapeURI, decoded: "a"},
		{name: "trailing percent dropped", in: "a%", kind: UnescapeAll, decoded: "a"},
		{name: "trailing half escape dropped", in: "a%4", kind: UnescapeAll, decoded: "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decoded, rest := Unescape(tt.in, tt.kind)
			if decoded != tt.decoded || rest != tt.rest {
				t.Errorf("Unescape(%q, %d): got %q, %q; want %q, %q", tt.in, tt.kind, decoded, rest, tt.decoded, tt.rest)
			}
		})
	}
}

func BenchmarkEscape(b *testing.B) {
	benchmarks := []struct {
		name string
		in   string
	}{
		{name: "clean", in: "/static/css/site.css"},
		{name: "dirty", in: "/files/My Documents/r\u00e9sum\u00e9 {final}.pdf"},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Escape(bm.in, EscapeURI)
			}
		})
	}
}
