package frontdesk_test

import (
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

// showURI prints every variable nginx derives from the request target, so
// one response shows the whole of ngx_http_parse_request_line and
// ngx_http_parse_complex_uri for a target.
const showURI = `"uri=[$uri] args=[$args] is_args=[$is_args] query_string=[$query_string] request_uri=[$request_uri] host=[$host] a=[$arg_a] b=[$arg_b]\n"`

// Requests that Go's net/http server answers or rewrites itself, before
// any handler runs, cannot agree with nginx and are not in these tables
// (the README lists them under "Differences from nginx"): raw spaces and
// control bytes in the target, escapes url.ParseRequestURI refuses ("/%",
// "/%2", "/%zz"), an origin-form target not starting with "/" ("h/p"), a
// Host header with bytes Go refuses ("a/b", "a\b", bytes >= 0x80), an
// empty Host header in HTTP/1.0 (Go cannot tell it from a missing one),
// and an absolute-form target's Host header (Go drops it, so neither its
// validation nor $http_host can follow nginx).
func TestConformanceURI(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name: "dot-segments",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location / { return 200 ` + showURI + `; }
			}`,
			Requests: get("/a/./b", "/a/../b", "/a/b/..", "/a/b/.", "/a/b/../../c", "/./", "/.",
				"/..", "/../a", "/a/../../b", "/a/b/..?x=1", "/a/..b", "/a/.../b", "/.hidden", "/a/b/.../..",
				"/a//../b", "/a/.//b"),
		},
		{
			Name: "percent-decoding",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location / { return 200 ` + showURI + `; }
			}`,
			Requests: get("/a%2fb", "/a%2F..%2Fb", "/a/%2e/b", "/a/%2E%2E/b", "/%2e%2e/x", "/%2e", "/a%2e%2e",
				"/a/b/%2e%2e", "/%00", "/a%00b", "/%25", "/%2541", "/%23x", "/%3F?x=1", "/%3f%3F",
				"/a%2F%2Fb", "/caf%C3%A9", "/%7euser", "/a+b%20c", "/a;b=c/d", "/%41%42%43?%41=%42"),
		},
		{
			Name: "args-and-fragment",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location / { return 200 ` + showURI + `; }
			}`,
			Requests: get("/a?b?c", "/a#frag", "/a?x=1#frag", "/a?", "/?a=1&b=2", "/?A=1&B=2", "/?a=1&a=2",
				"/?ab=1&a=2", "/?a&a=2", "/?x=a=1", "/?a=%20x+y", "/?a=", "/?=x&a=y", "/a?x#y?z", "/#?a=1",
				"/?a=1&&b=2", "/?a=1;b=2"),
		},
		{
			Name: "raw-bytes",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location / { return 200 ` + showURI + `; }
			}`,
			Requests: get("/café", "/日本/語?q=ü", "/a\\b", "/a/..\\b", "/a\\..\\b", "/\\"),
		},
		{
			Name: "absolute-form-and-host",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location / { return 200 ` + showURI + `; }
			}`,
			Requests: []conformance.Request{
				{Target: "http://Example.COM:8080/p?x=1"},
				{Target: "http://h"},
				{Target: "http://h?a=1"},
				{Target: "https://h/a/../b"},
				{Target: "http://h./p"},
				{Target: "http://[::1]:80/p"},
				{Name: "target host beats header", Target: "http://target.example/p", Header: []string{"Host: header.example"}},
				{Name: "host header case and port", Target: "/p", Header: []string{"Host: Example.COM:8080"}},
				{Name: "host header trailing dot", Target: "/p", Header: []string{"Host: example.com."}},
				{Name: "host header ipv6", Target: "/p", Header: []string{"Host: [::1]:8080"}},
				{Name: "host header underscore", Target: "/p", Header: []string{"Host: a_b.EX"}},
				{Name: "host header empty label", Target: "/p", Header: []string{"Host: a..b"}},
				{Name: "host header dot only", Target: "/p", Header: []string{"Host: ."}},
				{Name: "host header port only", Target: "/p", Header: []string{"Host: :80"}},
				{Name: "host header empty HTTP/1.1", Target: "/p", Header: []string{"Host:"}, HTTP11: true},
			},
		},
		{
			Name: "location-matching",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location = /a/b { return 200 "exact $uri\n"; }
				location ~ ^/x/(.*)$ { return 200 "regex [$1]\n"; }
				location ~ \.php$ { return 200 "php $uri\n"; }
				location /dir/ { return 200 "dir $uri\n"; }
				location / { return 200 "root $uri\n"; }
			}`,
			Requests: get("/a%2Fb", "/a/x/../b", "/a/b%3F", "/x/a%20b", "/x/%2e%2e", "/t.php%3Fx", "/t.ph%70",
				"/t.php%0A", "/t.php%0D", "/dir%2F", "/dir/%2e%2e/x", "/x/..%2Fdir/y", "/X/y"),
		},
		{
			Name: "merge-slashes-off",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				merge_slashes off;
				location /a/ { return 200 "a uri=[$uri]\n"; }
				location / { return 200 "root uri=[$uri]\n"; }
			}`,
			Requests: get("//a//b", "/a//b/", "/a//..//b", "///", "/a/%2F%2Fb", "//..", "/a/b//../c", "//a/./b"),
		},
	})
}
