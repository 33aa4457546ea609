package frontdesk_test

import (
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

// get builds GET requests for targets.
func get(targets ...string) []conformance.Request {
	out := make([]conformance.Request, len(targets))
	for i, t := range targets {
		out[i] = conformance.Request{Target: t}
	}
	return out
}

func TestConformanceLocation(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name: "precedence",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location = / { return 200 "exact root\n"; }
				location / { return 200 "prefix root\n"; }
				location /documents/ { return 200 "documents\n"; }
				location ^~ /images/ { return 200 "images noregex\n"; }
				location ~* \.(gif|jpg|jpeg)$ { return 200 "regex images $1\n"; }
				location ~ ^/documents/.*\.pdf$ { return 200 "pdf\n"; }
				location /doc { return 200 "doc\n"; }
				location = /exact { return 200 "exact\n"; }
				location /exact { return 200 "exact prefix\n"; }
			}`,
			Requests: get("/", "/index.html", "/documents/document.html", "/documents/a.pdf",
				"/images/1.gif", "/documents/1.jpg", "/DOCUMENTS/1.JPG", "/doc", "/docs", "/documents",
				"/exact", "/exact/", "/exactly", "/x.GIF", "/images", "/images/", "/images/a/b.jpeg"),
		},
		{
			// Quoted names with spaces match the decoded $uri; the
			// auto-redirect escapes the space.
			Name: "names-with-spaces",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location "/a b" { return 200 "prefix $uri\n"; }
				location = "/exact x" { return 200 "exact\n"; }
				location "=/glued x" { return 200 "glued exact\n"; }
				location ~ "^/re (\d+)$" { return 200 "regex $1\n"; }
				location "/dir x/" { proxy_pass http://{{BACKEND}}; }
				location "/dir x/in y" { return 200 "longer prefix\n"; }
				location /t { try_files /missing "@n x"; }
				location "@n x" { return 200 "named $uri\n"; }
				location / { return 200 "fallback $uri\n"; }
			}`,
			Backend: &conformance.Backend{},
			Requests: get("/a%20b", "/a%20bc", "/a+b", "/a%20", "/ab", "/exact%20x", "/exact%20xy", "/glued%20x",
				"/re%201", "/re%20x", "/re+1", "/dir%20x", "/dir%20x/y", "/dir%20x/in%20y", "/dir%20x/in%20yz", "/t"),
		},
		{
			Name: "prefix-equal-skips-regex",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location /a.php { return 200 "prefix\n"; }
				location ~ \.php$ { return 200 "regex\n"; }
				location /b/ { return 200 "b prefix\n"; }
				location ~ ^/b/ { return 200 "b regex\n"; }
			}`,
			Requests: get("/a.php", "/a.phpx.php", "/c.php", "/b/", "/b/x", "/b"),
		},
		{
			Name: "regex-order-and-captures",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location ~ ^/(?<section>[a-z]+)/(\d+)$ { return 200 "first section=$section id=$2 one=$1\n"; }
				location ~ ^/([a-z]+)/ { return 200 "second $1\n"; }
				location ~* ^/CASE/(.*)$ { return 200 "caseless [$1]\n"; }
				location ~ ^/case/(.*)$ { return 200 "never [$1]\n"; }
				location / { return 200 "fallback $uri\n"; }
			}`,
			Requests: get("/news/42", "/news/x", "/case/abc", "/Case/ABC", "/123/", "/a/1", "/NEWS/42", "/news/42/", "/news/4%32"),
		},
		{
			Name: "noregex-only-on-longest",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location ^~ /static/ { return 200 "static noregex\n"; }
				location /static/img/ { return 200 "static img prefix\n"; }
				location ~ \.png$ { return 200 "png regex\n"; }
				location / { return 200 "root\n"; }
			}`,
			Requests: get("/static/a.png", "/static/img/a.png", "/static/img/", "/other/a.png", "/static/", "/staticx/a.png"),
		},
		{
			Name: "nested",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location /a/ {
					location /a/b/ { return 200 "a-b\n"; }
					location ~ \.txt$ { return 200 "a nested txt\n"; }
					location = /a/exact { return 200 "a exact\n"; }
					return 200 "a\n";
				}
				location ~ \.txt$ { return 200 "top txt\n"; }
				location ^~ /n/ {
					location ~ \.txt$ { return 200 "n nested txt\n"; }
					return 200 "n\n";
				}
				location ~ ^/r/ {
					location ~ deep { return 200 "regex nested regex\n"; }
					return 200 "regex\n";
				}
				location / { return 200 "root\n"; }
			}`,
			Requests: get("/a/", "/a/x", "/a/b/", "/a/b/c.txt", "/a/c.txt", "/a/exact", "/a/exact.txt",
				"/n/x.txt", "/n/", "/r/x", "/r/deep", "/r/deeper", "/x.txt"),
		},
		{
			Name: "named-and-internal",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location /int/ { internal; return 200 "internal\n"; }
				location /err/ { error_page 404 = /int/page; return 404; }
				location /named { error_page 418 = @fallback; return 418; }
				location @fallback { return 200 "named fallback $uri\n"; }
				location / { return 200 "root $uri\n"; }
			}`,
			Requests: get("/int/", "/int/x", "/err/x", "/named", "/@fallback", "/"),
		},
		{
			Name: "normalised-uri-matching",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location = /a/b { return 200 "exact a/b\n"; }
				location /secret/ { return 403; }
				location / { return 200 "root uri=$uri args=$args\n"; }
			}`,
			Requests: get("/a/b", "//a//b", "/a/./b", "/a/c/../b", "/a/%62", "/%61/b", "/secret/x", "//secret/x",
				"/x/../secret/y", "/%73ecret/", "/a/b?x=1", "/a/b/", "/a/b%2F"),
		},
	})
}

func TestConformanceReturn(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name: "codes",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location = /200 { return 200; }
				location = /200t { return 200 "text $uri $args\n"; }
				location = /201 { return 201; }
				location = /204 { return 204; }
				location = /204t { return 204 "ignored"; }
				location = /301 { return 301 /target; }
				location = /301abs { return 301 http://example.com/x; }
				location = /302 { return 302 /t?a=1; }
				location = /303 { return 303 "/see"; }
				location = /307 { return 307 $uri/more; }
				location = /308 { return 308 /p; }
				location = /url { return https://example.org/$request_uri; }
								location = /400 { return 400; }
				location = /403 { return 403; }
				location = /404 { return 404; }
				location = /404t { return 404 "custom not found\n"; }
				location = /405 { return 405; }
				location = /410 { return 410; }
				location = /418 { return 418; }
				location = /429 { return 429; }
				location = /500 { return 500; }
				location = /502 { return 502; }
				location = /503 { return 503; }
				location = /504 { return 504; }
				location = /599 { return 599; }
				location = /page.html { return 200 "<p>typed by extension</p>"; }
				location = /page.gif { return 200 "gif"; }
				location = /page.css { return 200 "css, not in built-in types"; }
				location = /t.HTML { return 200 "upper"; }
			}`,
			Requests: get("/200", "/200t?q=1", "/201", "/204", "/204t", "/301", "/301abs", "/302", "/303", "/307",
				"/308", "/url?x=y", "/400", "/403", "/404", "/404t", "/405", "/410", "/418", "/429", "/500",
				"/502", "/503", "/504", "/599", "/page.html", "/page.gif", "/page.css", "/t.HTML", "/missing"),
		},
		{
			Name: "head-and-tokens",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				server_tokens off;
				location = /t { return 200 "body"; }
				location = /on { server_tokens on; return 404; }
				location = /off { return 404; }
				default_type application/octet-stream;
			}`,
			Requests: append(get("/t", "/on", "/off", "/none"),
				conformance.Request{Name: "HEAD /t", Method: "HEAD", Target: "/t"},
				conformance.Request{Name: "HEAD /off", Method: "HEAD", Target: "/off"},
				conformance.Request{Name: "chrome padding", Target: "/off", Header: []string{"User-Agent: Mozilla/5.0 (X11) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"}},
				conformance.Request{Name: "msie padding", Target: "/on", Header: []string{"User-Agent: Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)"}},
				conformance.Request{Name: "firefox no padding", Target: "/on", Header: []string{"User-Agent: Mozilla/5.0 (X11; rv:120.0) Gecko/20100101 Firefox/120.0"}},
			),
		},
		{
			Name: "redirect-hosts",
			Conf: `server { listen 127.0.0.1:{{PORT}}; server_name canonical.example;
				location = /rel { return 302 /dest; }
				location = /noabs { absolute_redirect off; return 302 /dest; }
				location = /noport { port_in_redirect off; return 302 /dest; }
				location = /sn { server_name_in_redirect on; return 302 /dest; }
			}`,
			Requests: []conformance.Request{
				{Target: "/rel"},
				{Name: "host header", Target: "/rel", Header: []string{"Host: Example.COM:8080"}},
				{Name: "absolute form", Target: "http://abs.example:99/rel"},
				{Target: "/noabs"},
				{Target: "/noport"},
				{Target: "/sn"},
				{Name: "sn with host", Target: "/sn", Header: []string{"Host: other.example"}},
			},
		},
	})
}
