package uri

import (
	"errors"
	"strings"
	"testing"
)

// nginxResult is what nginx 1.22.1 reported for a request target through
// "return 200 $uri $args $request_uri $host": the variables, or a 400.
type nginxResult struct {
	bad        bool
	uri        string
	args       string
	requestURI string // "" means the target itself
	host       string // "" means the target had no host of its own
}

// nginxTargetCases were each sent to a real nginx 1.22.1 as
// "GET <target> HTTP/1.0" with "Host: x", once with merge_slashes on and once
// off; want is what it answered with merge_slashes on, noMerge what it
// answered with it off when that differed.
var nginxTargetCases = []struct {
	name    string
	target  string
	want    nginxResult
	noMerge *nginxResult
}{
	{name: "root", target: "/", want: nginxResult{uri: "/"}},
	{name: "one segment", target: "/a", want: nginxResult{uri: "/a"}},
	{name: "three segments", target: "/a/b/c", want: nginxResult{uri: "/a/b/c"}},
	{name: "trailing slash", target: "/a/b/", want: nginxResult{uri: "/a/b/"}},
	{name: "file name with extension", target: "/index.html", want: nginxResult{uri: "/index.html"}},
	{name: "dots inside segments", target: "/a.b/c.d", want: nginxResult{uri: "/a.b/c.d"}},
	{name: "segment ending in a dot", target: "/a./b", want: nginxResult{uri: "/a./b"}},
	{name: "last segment ending in a dot", target: "/a/b.", want: nginxResult{uri: "/a/b."}},
	{name: "args", target: "/a?b=c", want: nginxResult{uri: "/a", args: "b=c"}},
	{name: "empty args", target: "/a?", want: nginxResult{uri: "/a"}},
	{name: "args on root", target: "/?x", want: nginxResult{uri: "/", args: "x"}},
	{name: "two args", target: "/a?b=c&d=e", want: nginxResult{uri: "/a", args: "b=c&d=e"}},
	{name: "second question mark belongs to args", target: "/a?b?c", want: nginxResult{uri: "/a", args: "b?c"}},
	{name: "dot segments in args are left alone", target: "/a?b/../c", want: nginxResult{uri: "/a", args: "b/../c"}},
	{name: "bad escape in args is left alone", target: "/a?b%zz", want: nginxResult{uri: "/a", args: "b%zz"}},
	{name: "double slash in args is left alone", target: "/a?b//c", want: nginxResult{uri: "/a", args: "b//c"}},
	{name: "fragment dropped", target: "/a#frag", want: nginxResult{uri: "/a"}},
	{name: "question mark after fragment is no args", target: "/a#b?c", want: nginxResult{uri: "/a"}},
	{name: "fragment cut from args", target: "/a?b#c", want: nginxResult{uri: "/a", args: "b"}},
	{name: "args end at first hash", target: "/a?b#c#d", want: nginxResult{uri: "/a", args: "b"}},
	{name: "empty fragment", target: "/a#", want: nginxResult{uri: "/a"}},
	{name: "fragment on root", target: "/#", want: nginxResult{uri: "/"}},
	{name: "empty args then fragment", target: "/a?#", want: nginxResult{uri: "/a"}},
	{name: "escaped space", target: "/a%20b", want: nginxResult{uri: "/a b"}},
	{name: "escaped slash lower case", target: "/a%2fb", want: nginxResult{uri: "/a/b"}},
	{name: "escaped slash upper case", target: "/a%2Fb", want: nginxResult{uri: "/a/b"}},
	{name: "escaped dot dot", target: "/a/%2e%2e/b", want: nginxResult{uri: "/b"}},
	{name: "escaped dot dot upper case", target: "/a/%2E%2E/b", want: nginxResult{uri: "/b"}},
	{name: "half escaped dot dot", target: "/a/%2e./b", want: nginxResult{uri: "/b"}},
	{name: "other half escaped dot dot", target: "/a/.%2e/b", want: nginxResult{uri: "/b"}},
	{name: "escaped dot", target: "/a/%2e/b", want: nginxResult{uri: "/a/b"}},
	{name: "escaped dot dot above root", target: "/%2e%2e", want: nginxResult{bad: true}},
	{name: "escaped dot on root", target: "/%2e", want: nginxResult{uri: "/"}},
	{name: "dot segment", target: "/a/./b", want: nginxResult{uri: "/a/b"}},
	{name: "dot dot segment", target: "/a/../b", want: nginxResult{uri: "/b"}},
	{name: "dot dot above root", target: "/a/../../b", want: nginxResult{bad: true}},
	{name: "two dot dot segments", target: "/a/b/../../c", want: nginxResult{uri: "/c"}},
	{name: "dot dot on root", target: "/..", want: nginxResult{bad: true}},
	{name: "dot dot first", target: "/../a", want: nginxResult{bad: true}},
	{name: "trailing dot on root", target: "/.", want: nginxResult{uri: "/"}},
	{name: "dot segment on root", target: "/./", want: nginxResult{uri: "/"}},
	{name: "trailing dot", target: "/a/.", want: nginxResult{uri: "/a/"}},
	{name: "trailing dot dot", target: "/a/..", want: nginxResult{uri: "/"}},
	{name: "trailing dot dot keeps slash", target: "/a/b/..", want: nginxResult{uri: "/a/"}},
	{name: "trailing dot keeps slash", target: "/a/b/.", want: nginxResult{uri: "/a/b/"}},
	{name: "dot dot before args", target: "/a/..?x", want: nginxResult{uri: "/", args: "x"}},
	{name: "dot before args", target: "/a/.?x", want: nginxResult{uri: "/a/", args: "x"}},
	{name: "dot dot before fragment", target: "/a/..#f", want: nginxResult{uri: "/"}},
	{name: "dot before fragment", target: "/a/.#f", want: nginxResult{uri: "/a/"}},
	{name: "leading double slash", target: "//a", want: nginxResult{uri: "/a"}, noMerge: &nginxResult{uri: "//a"}},
	{name: "many slashes", target: "//a//b///c", want: nginxResult{uri: "/a/b/c"}, noMerge: &nginxResult{uri: "//a//b///c"}},
	{name: "inner double slash", target: "/a//b", want: nginxResult{uri: "/a/b"}, noMerge: &nginxResult{uri: "/a//b"}},
	{name: "trailing double slash", target: "/a//", want: nginxResult{uri: "/a/"}, noMerge: &nginxResult{uri: "/a//"}},
	{name: "double slash only", target: "//", want: nginxResult{uri: "/"}, noMerge: &nginxResult{uri: "//"}},
	{name: "triple slash only", target: "///", want: nginxResult{uri: "/"}, noMerge: &nginxResult{uri: "///"}},
	{name: "double slash then dot dot", target: "//..", want: nginxResult{bad: true}, noMerge: &nginxResult{uri: "/"}},
	{name: "double slash then dot dot then segment", target: "//../a", want: nginxResult{bad: true}, noMerge: &nginxResult{uri: "/a"}},
	{name: "double slash before dot dot", target: "/a//..", want: nginxResult{uri: "/"}, noMerge: &nginxResult{uri: "/a/"}},
	{name: "double slash before trailing dot dot", target: "/a/b//..", want: nginxResult{uri: "/a/"}, noMerge: &nginxResult{uri: "/a/b/"}},
	{name: "escaped slash between slashes", target: "/a/%2F/b", want: nginxResult{uri: "/a/b"}, noMerge: &nginxResult{uri: "/a///b"}},
	{name: "escaped slash then dot dot", target: "/a%2F..", want: nginxResult{uri: "/"}},
	{name: "escaped slash then dot dot segment", target: "/a%2F../b", want: nginxResult{uri: "/b"}},
	{name: "escaped traversal above root", target: "/a/b%2F..%2F..%2F..", want: nginxResult{bad: true}},
	{name: "two escaped slashes", target: "/a%2f%2fb", want: nginxResult{uri: "/a/b"}, noMerge: &nginxResult{uri: "/a//b"}},
	{name: "escaped slash on root", target: "/%2F", want: nginxResult{uri: "/"}, noMerge: &nginxResult{uri: "//"}},
	{name: "escaped question mark stays in uri", target: "/a%3Fb", want: nginxResult{uri: "/a?b"}},
	{name: "escaped question mark then args", target: "/a%3fb?c", want: nginxResult{uri: "/a?b", args: "c"}},
	{name: "escaped hash stays in uri", target: "/a%23b", want: nginxResult{uri: "/a#b"}},
	{name: "escaped percent", target: "/a%25b", want: nginxResult{uri: "/a%b"}},
	{name: "escaped percent is not decoded twice", target: "/a%2541", want: nginxResult{uri: "/a%41"}},
	{name: "escaped NUL", target: "/a%00b", want: nginxResult{bad: true}},
	{name: "lone percent", target: "/a%", want: nginxResult{bad: true}},
	{name: "truncated escape", target: "/a%4", want: nginxResult{bad: true}},
	{name: "non hex escape", target: "/a%zz", want: nginxResult{bad: true}},
	{name: "half hex escape", target: "/a%4g", want: nginxResult{bad: true}},
	{name: "percent percent", target: "/a%%41", want: nginxResult{bad: true}},
	{name: "escaped letters", target: "/a%41%42%43", want: nginxResult{uri: "/aABC"}},
	{name: "escaped letters first", target: "/%61%62", want: nginxResult{uri: "/ab"}},
	{name: "escaped dot in segment", target: "/a%2e", want: nginxResult{uri: "/a."}},
	{name: "trailing escaped dot", target: "/a/%2e", want: nginxResult{uri: "/a/"}},
	{name: "trailing escaped dot dot", target: "/a/%2e%2e", want: nginxResult{uri: "/"}},
	{name: "dot dot then escaped slash", target: "/a/..%2f", want: nginxResult{uri: "/"}},
	{name: "dot dot then escaped question mark", target: "/a/..%3F", want: nginxResult{uri: "/a/..?"}},
	{name: "dot then escaped question mark", target: "/a/.%3F", want: nginxResult{uri: "/a/.?"}},
	{name: "dot then escaped hash", target: "/a/.%23", want: nginxResult{uri: "/a/.#"}},
	{name: "dot dot then escaped hash", target: "/a/..%23/b", want: nginxResult{uri: "/a/..#/b"}},
	{name: "dot dot then escaped percent", target: "/a/..%25", want: nginxResult{uri: "/a/..%"}},
	{name: "escaped plus", target: "/a%2B", want: nginxResult{uri: "/a+"}},
	{name: "plus", target: "/a+b", want: nginxResult{uri: "/a+b"}},
	{name: "escaped line feed", target: "/a%0ab", want: nginxResult{uri: "/a\nb"}},
	{name: "escaped DEL", target: "/a%7fb", want: nginxResult{uri: "/a\x7fb"}},
	{name: "trailing escaped space", target: "/a%20", want: nginxResult{uri: "/a "}},
	{name: "escaped UTF-8", target: "/caf%C3%A9", want: nginxResult{uri: "/caf\xc3\xa9"}},
	{name: "raw UTF-8", target: "/caf\xc3\xa9", want: nginxResult{uri: "/caf\xc3\xa9"}},
	{name: "raw high bytes", target: "/\xff/\x80", want: nginxResult{uri: "/\xff/\x80"}},
	{name: "backslash", target: "/a\\b", want: nginxResult{uri: "/a\\b"}},
	{name: "backslash dot dot backslash", target: "/a\\..\\b", want: nginxResult{uri: "/a\\..\\b"}},
	{name: "dot dot backslash", target: "/a/..\\b", want: nginxResult{uri: "/a/..\\b"}},
	{name: "dot dot backslash on root", target: "/..\\a", want: nginxResult{uri: "/..\\a"}},
	{name: "raw control byte", target: "/a\x01b", want: nginxResult{bad: true}},
	{name: "raw DEL", target: "/a\x7fb", want: nginxResult{bad: true}},
	{name: "raw tab", target: "/a\tb", want: nginxResult{bad: true}},
	{name: "control byte in args", target: "/a?b\x01", want: nginxResult{bad: true}},
	{name: "control byte in fragment", target: "/a#\x01", want: nginxResult{bad: true}},
	{name: "DEL in args", target: "/a?b\x7f", want: nginxResult{bad: true}},
	{name: "three dots", target: "/a/...", want: nginxResult{uri: "/a/..."}},
	{name: "four dots", target: "/a/..../b", want: nginxResult{uri: "/a/..../b"}},
	{name: "three dots segment", target: "/a/.../", want: nginxResult{uri: "/a/.../"}},
	{name: "dot file", target: "/a/.b", want: nginxResult{uri: "/a/.b"}},
	{name: "dot dot prefix", target: "/a/..b", want: nginxResult{uri: "/a/..b"}},
	{name: "dot dot suffix", target: "/a/b..", want: nginxResult{uri: "/a/b.."}},
	{name: "dot directory", target: "/a/.b/", want: nginxResult{uri: "/a/.b/"}},
	{name: "well known", target: "/.well-known/x", want: nginxResult{uri: "/.well-known/x"}},
	{name: "semicolon segment", target: "/a/;/../b", want: nginxResult{uri: "/a/b"}},
	{name: "fully escaped traversal", target: "/a/%2e%2e%2f%2e%2e%2fb", want: nginxResult{bad: true}},
	{name: "mixed case escaped dot dots", target: "/a/b/c/%2E%2E/%2e%2E/d", want: nginxResult{uri: "/a/d"}},
	{name: "escaped dot dot first", target: "/%2e%2e/a", want: nginxResult{bad: true}},
	{name: "three escaped dots", target: "/a/%2e%2e%2e", want: nginxResult{uri: "/a/..."}},
	{name: "dot and two escaped dots", target: "/a/.%2e%2e", want: nginxResult{uri: "/a/..."}},
	{name: "escaped dot dot before args", target: "/a/%2e%2e?x=1", want: nginxResult{uri: "/", args: "x=1"}},
	{name: "escaped dot dot before fragment", target: "/a/%2e%2e#x", want: nginxResult{uri: "/"}},
	{name: "escaped dot dot then escaped hash", target: "/a/b/%2e%2e%23", want: nginxResult{uri: "/a/b/..#"}},
	{name: "asterisk", target: "*", want: nginxResult{bad: true}},
	{name: "relative path", target: "a/b", want: nginxResult{bad: true}},
	{name: "bare word", target: "a", want: nginxResult{bad: true}},
	{name: "absolute form", target: "http://h/p", want: nginxResult{uri: "/p", requestURI: "/p", host: "h"}},
	{name: "absolute form upper case", target: "http://H/P?Q=1", want: nginxResult{uri: "/P", args: "Q=1", requestURI: "/P?Q=1", host: "h"}},
	{name: "absolute form without path", target: "http://h", want: nginxResult{uri: "/", requestURI: "/", host: "h"}},
	{name: "absolute form root", target: "http://h/", want: nginxResult{uri: "/", requestURI: "/", host: "h"}},
	{name: "absolute form args without path", target: "http://h?x", want: nginxResult{uri: "/", args: "x", requestURI: "?x", host: "h"}},
	{name: "absolute form port without path", target: "http://h:80", want: nginxResult{uri: "/", requestURI: "/", host: "h"}},
	{name: "absolute form port and args without path", target: "http://h:80?y", want: nginxResult{uri: "/", args: "y", requestURI: "?y", host: "h"}},
	{name: "absolute form dot dot", target: "http://h:80/a/../b", want: nginxResult{uri: "/b", requestURI: "/a/../b", host: "h"}},
	{name: "absolute form double slash", target: "http://h//a", want: nginxResult{uri: "/a", requestURI: "//a", host: "h"}, noMerge: &nginxResult{uri: "//a", requestURI: "//a", host: "h"}},
	{name: "absolute form escape and args", target: "http://h/a%2Fb?c", want: nginxResult{uri: "/a/b", args: "c", requestURI: "/a%2Fb?c", host: "h"}},
	{name: "absolute form fragment", target: "http://h/#f", want: nginxResult{uri: "/", requestURI: "/#f", host: "h"}},
	{name: "absolute form fragment without path", target: "http://h#f", want: nginxResult{bad: true}},
	{name: "absolute form host folding", target: "http://Host.EXAMPLE.:8080/p?x", want: nginxResult{uri: "/p", args: "x", requestURI: "/p?x", host: "host.example"}},
	{name: "IP literal", target: "http://[::1]:80/x", want: nginxResult{uri: "/x", requestURI: "/x", host: "[::1]"}},
	{name: "IP literal upper case", target: "http://[::A]/x", want: nginxResult{uri: "/x", requestURI: "/x", host: "[::a]"}},
	{name: "underscore in host", target: "http://a_b/", want: nginxResult{bad: true}},
	{name: "empty port", target: "http://h:/x", want: nginxResult{uri: "/x", requestURI: "/x", host: "h"}},
	{name: "letter in port", target: "http://h:8a/", want: nginxResult{bad: true}},
	{name: "upper case scheme", target: "HTTP://H/", want: nginxResult{uri: "/", requestURI: "/", host: "h"}},
	{name: "odd scheme", target: "h2+x-y.z://h/", want: nginxResult{uri: "/", requestURI: "/", host: "h"}},
	{name: "one slash after scheme", target: "http:/h", want: nginxResult{bad: true}},
	{name: "no slash after scheme", target: "http:h", want: nginxResult{bad: true}},
	{name: "empty host label", target: "http://a..b/", want: nginxResult{bad: true}},
	{name: "leading dot in host", target: "http://.a/", want: nginxResult{uri: "/", requestURI: "/", host: ".a"}},
	{name: "trailing dot in host", target: "http://a./", want: nginxResult{uri: "/", requestURI: "/", host: "a"}},
	{name: "empty host", target: "http:///p", want: nginxResult{bad: true}},
	{name: "empty host with port", target: "http://:80/p", want: nginxResult{bad: true}},
	{name: "trailing dot before port", target: "http://h.:80/p", want: nginxResult{uri: "/p", requestURI: "/p", host: "h"}},
	{name: "dot host", target: "http://./p", want: nginxResult{bad: true}},
	{name: "empty label in IP literal", target: "http://[a..b]/", want: nginxResult{bad: true}},
	{name: "unterminated IP literal", target: "http://[::1/", want: nginxResult{bad: true}},
	{name: "garbage after IP literal", target: "http://[::1]x/", want: nginxResult{bad: true}},
	{name: "other scheme", target: "ftp://h/x", want: nginxResult{uri: "/x", requestURI: "/x", host: "h"}},
	{name: "userinfo", target: "http://a@b/", want: nginxResult{bad: true}},
	{name: "escape in host", target: "http://h%41/", want: nginxResult{bad: true}},
	{name: "absolute form above root", target: "http://h/..", want: nginxResult{bad: true}},
	{name: "absolute form escaped dot dot above root", target: "http://h/%2e%2e", want: nginxResult{bad: true}},
	{name: "scheme starting with digit", target: "1http://h/", want: nginxResult{bad: true}},
	{name: "IP literal with future version", target: "http://[v1.x]/", want: nginxResult{uri: "/", requestURI: "/", host: "[v1.x]"}},
	{name: "IP literal without path", target: "http://[::1]", want: nginxResult{uri: "/", requestURI: "/", host: "[::1]"}},
	{name: "IP literal args without path", target: "http://[::1]?x", want: nginxResult{uri: "/", args: "x", requestURI: "?x", host: "[::1]"}},
	{name: "dash host", target: "http://-/", want: nginxResult{uri: "/", requestURI: "/", host: "-"}},
	{name: "digit host", target: "http://8/", want: nginxResult{uri: "/", requestURI: "/", host: "8"}},
	{name: "port then fragment", target: "http://h:80#f", want: nginxResult{bad: true}},
	{name: "long path with trailing dot dot", target: "/" + strings.Repeat("a/", 150) + "..", want: nginxResult{uri: "/" + strings.Repeat("a/", 149)}},
	{name: "long escaped traversal above root", target: "/" + strings.Repeat("a%2F", 100) + strings.Repeat("%2e%2e%2f", 101), want: nginxResult{bad: true}},
	{name: "long escaped traversal to root", target: "/" + strings.Repeat("a%2F", 100) + strings.Repeat("%2e%2e%2f", 100), want: nginxResult{uri: "/"}},
}

func TestParseTargetMatchesNginx(t *testing.T) {
	for _, tt := range nginxTargetCases {
		t.Run(tt.name, func(t *testing.T) {
			for _, merge := range []bool{true, false} {
				want := tt.want
				if !merge && tt.noMerge != nil {
					want = *tt.noMerge
				}
				if want.requestURI == "" {
					want.requestURI = tt.target
				}

				got, err := ParseTarget(tt.target, merge)
				if want.bad {
					if !errors.Is(err, ErrBadRequest) {
						t.Errorf("ParseTarget(%q, %v) = %+v, %v; want ErrBadRequest", tt.target, merge, got, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("ParseTarget(%q, %v): got error %v; want none", tt.target, merge, err)
					continue
				}
				if got.URI != want.uri {
					t.Errorf("ParseTarget(%q, %v).URI: got %q; want %q", tt.target, merge, got.URI, want.uri)
				}
				if got.Args != want.args {
					t.Errorf("ParseTarget(%q, %v).Args: got %q; want %q", tt.target, merge, got.Args, want.args)
				}
				if got.RequestURI != want.requestURI {
					t.Errorf("ParseTarget(%q, %v).RequestURI: got %q; want %q", tt.target, merge, got.RequestURI, want.requestURI)
				}
				if got.Host != want.host {
					t.Errorf("ParseTarget(%q, %v).Host: got %q; want %q", tt.target, merge, got.Host, want.host)
				}
			}
		})
	}
}

// The fields below are not nginx variables. Escaped was checked against
// nginx 1.22.1 through proxy_pass with a URI part, which re-escapes the
// forwarded tail of $uri only when nginx's quoted_uri flag is set:
// "/p/a^b" went up as "/q/a^b", "/p/a%5Eb" and "/p/%61^b" as "/q/a%5Eb".
func TestParseTargetRawParts(t *testing.T) {
	tests := []struct {
		name    string
		target  string
		path    string
		hasArgs bool
		escaped bool
	}{
		{name: "plain", target: "/a^b", path: "/a^b"},
		{name: "escape", target: "/a%5Eb", path: "/a%5Eb", escaped: true},
		{name: "escaped letter", target: "/%61^b", path: "/%61^b", escaped: true},
		{name: "dot segment is not an escape", target: "/./a^b", path: "/./a^b"},
		{name: "double slash is not an escape", target: "//a^b", path: "//a^b"},
		{name: "escape in args", target: "/a^b?x%5E", path: "/a^b", hasArgs: true},
		{name: "escape in fragment", target: "/a^b#%5E", path: "/a^b"},
		{name: "empty args", target: "/a?", path: "/a", hasArgs: true},
		{name: "question mark after fragment", target: "/a#b?c", path: "/a"},
		{name: "escape and args", target: "/a%20b?c", path: "/a%20b", hasArgs: true, escaped: true},
		{name: "absolute form", target: "http://h/a%20b?c", path: "/a%20b", hasArgs: true, escaped: true},
		{name: "absolute form without path", target: "http://h", path: "/"},
		{name: "absolute form args without path", target: "http://h?x", path: "/", hasArgs: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTarget(tt.target, true)
			if err != nil {
				t.Fatalf("ParseTarget(%q): got error %v; want none", tt.target, err)
			}
			if got.Path != tt.path {
				t.Errorf("Path: got %q; want %q", got.Path, tt.path)
			}
			if got.HasArgs != tt.hasArgs {
				t.Errorf("HasArgs: got %v; want %v", got.HasArgs, tt.hasArgs)
			}
			if got.Escaped != tt.escaped {
				t.Errorf("Escaped: got %v; want %v", got.Escaped, tt.escaped)
			}
		})
	}
}

func TestParseTargetErrorMessages(t *testing.T) {
	tests := []struct {
		name     string
		target   string
		contains string
	}{
		{name: "empty", target: "", contains: "empty request target"},
		{name: "relative", target: "a/b", contains: `must start with "/"`},
		{name: "no slashes after scheme", target: "http:h", contains: `no "//"`},
		{name: "bad host", target: "http://a_b/", contains: "invalid host"},
		{name: "empty host label", target: "http://a..b/", contains: "invalid host"},
		{name: "bad IP literal", target: "http://[::1%]/", contains: "invalid IP literal"},
		{name: "open IP literal", target: "http://[::1", contains: "unterminated IP literal"},
		{name: "control byte", target: "/a\x01", contains: "control byte"},
		{name: "space", target: "/a b", contains: "space"},
		{name: "truncated escape", target: "/a%4", contains: "truncated %-escape"},
		{name: "bad escape", target: "/a%4g", contains: "invalid %-escape"},
		{name: "NUL", target: "/a%00", contains: "%00"},
		{name: "above root", target: "/a/../..", contains: "above the root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTarget(tt.target, true)
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("ParseTarget(%q): got error %v; want ErrBadRequest", tt.target, err)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("ParseTarget(%q): got error %q; want it to contain %q", tt.target, err, tt.contains)
			}
		})
	}
}

func TestParseTargetAllocations(t *testing.T) {
	tests := []struct {
		name   string
		target string
		allocs float64
	}{
		{name: "plain path", target: "/static/css/site.css", allocs: 0},
		{name: "path and args", target: "/api/v1/items?id=42&sort=asc", allocs: 0},
		{name: "fragment", target: "/a/b#top", allocs: 0},
		{name: "absolute form", target: "http://example.com/a/b?c", allocs: 0},
		{name: "escaped path", target: "/a%20b/c", allocs: 1},
		{name: "dot segment", target: "/a/../b?c", allocs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := testing.AllocsPerRun(100, func() {
				if _, err := ParseTarget(tt.target, true); err != nil {
					t.Fatal(err)
				}
			})
			if got != tt.allocs {
				t.Errorf("ParseTarget(%q) allocations: got %v; want %v", tt.target, got, tt.allocs)
			}
		})
	}
}

func BenchmarkParseTarget(b *testing.B) {
	benchmarks := []struct {
		name   string
		target string
	}{
		{name: "plain", target: "/static/css/site.css?v=3"},
		{name: "escaped", target: "/files/My%20Documents/report%202024.pdf"},
		{name: "dots", target: "/a/b/../c/./d//e"},
		{name: "long", target: "/" + strings.Repeat("segment/", 64) + "%2e%2e/x"},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseTarget(bm.target, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzParseTarget(f *testing.F) {
	for _, tt := range nginxTargetCases {
		f.Add(tt.target, true)
		f.Add(tt.target, false)
	}
	f.Fuzz(func(t *testing.T, raw string, merge bool) {
		got, err := ParseTarget(raw, merge)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("ParseTarget(%q): got error %v; want ErrBadRequest", raw, err)
			}
			return
		}
		if !strings.HasPrefix(got.URI, "/") {
			t.Fatalf("ParseTarget(%q).URI = %q; want a leading '/'", raw, got.URI)
		}
		for _, seg := range strings.Split(got.URI, "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("ParseTarget(%q).URI = %q; want no %q segment", raw, got.URI, seg)
			}
		}
		if merge && strings.Contains(got.URI, "//") {
			t.Fatalf("ParseTarget(%q, true).URI = %q; want no \"//\"", raw, got.URI)
		}
		if len(got.URI) > len(got.Path) {
			t.Fatalf("ParseTarget(%q): URI %q is longer than Path %q", raw, got.URI, got.Path)
		}
		if !strings.HasSuffix(raw, got.RequestURI) && got.RequestURI != "/" {
			t.Fatalf("ParseTarget(%q).RequestURI = %q; want a suffix of the target", raw, got.RequestURI)
		}
		// A normalised URI with nothing left to decode or cut is a fixed
		// point: nginx would read it back unchanged.
		if !strings.ContainsAny(got.URI, "%?#") && printable(got.URI) {
			again, err := ParseTarget(got.URI, merge)
			if err != nil || again.URI != got.URI {
				t.Fatalf("ParseTarget(%q).URI = %q, which reads back as %q, %v", raw, got.URI, again.URI, err)
			}
		}
	})
}

// printable reports whether s has no space, control or DEL byte, which a request
// target may not carry.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return false
		}
	}
	return true
}
