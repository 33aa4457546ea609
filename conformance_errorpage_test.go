package frontdesk_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

// withHeaders adds compared response headers to requests.
func withHeaders(reqs []conformance.Request, headers ...string) []conformance.Request {
	for i := range reqs {
		reqs[i].Compare = append(reqs[i].Compare, headers...)
	}
	return reqs
}

// builtinCodes are the codes "return CODE;" is tried with: every code
// nginx 1.22.1 has a built-in page for, its neighbours without one, and
// the codes that close the connection instead (408, 444, 499). 304 is
// left out: nginx sends "Content-Type" and "Content-Length: 0" with it,
// which Go's server strips from every 304 after the handler has run.
var builtinCodes = []int{
	300, 301, 302, 303, 305, 307, 308,
	400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417,
	418, 421, 422, 425, 426, 428, 429, 431, 444, 451,
	494, 495, 496, 497, 498, 499,
	500, 501, 502, 503, 504, 505, 506, 507, 508, 511, 599, 600, 999,
}

func builtinPagesCase() conformance.Case {
	var conf strings.Builder
	conf.WriteString("server { listen 127.0.0.1:{{PORT}};\n")
	var reqs []conformance.Request
	for _, code := range builtinCodes {
		fmt.Fprintf(&conf, "location = /%d { return %d; }\n", code, code)
		reqs = append(reqs, conformance.Request{Target: fmt.Sprintf("/%d", code), Compare: []string{"Server"}})
	}
	conf.WriteString("}")
	return conformance.Case{Name: "builtin-pages", Conf: conf.String(), Requests: reqs}
}

func TestConformanceErrorPage(t *testing.T) {
	files := map[string]string{
		"404.html":       "custom 404 page\n",
		"50x.html":       "custom 50x page\n",
		"err/page.html":  "nested error page\n",
		"index.html":     "index\n",
		"static/a.txt":   "a text file\n",
		"private/x.html": "private\n",
	}
	conformance.Run(t, []conformance.Case{
		builtinPagesCase(),
		{
			Name:  "uri-targets",
			Files: files,
			Conf: `server { listen 127.0.0.1:{{PORT}};
				root {{DIR}};
				error_page 404 /404.html;
				error_page 500 502 503 504 /50x.html;
				location /a { return 404; }
				location /b { return 503; }
				location /c { error_page 404 =200 /404.html; return 404; }
				location /d { error_page 404 = /dyn; return 404; }
				location /e { error_page 403 =404 /404.html; return 403; }
				location /f { error_page 404 /dyn?x=1&y=2; return 404; }
				location /g { error_page 404 /dyn?from=$uri&args=$args; return 404; }
				location /h { error_page 404 =201 /dyn; return 404; }
				location /i { error_page 404 /err/page.html; }
				location /j { error_page 404 = /static/a.txt; return 404; }
				location /k { error_page 404 /status; return 404; }
				location /l { error_page 404 = /status; return 404; }
				location = /dyn { return 202 "dyn uri=$uri args=$args status=$status\n"; }
				location = /status { return 200 "status=$status\n"; }
				location /static/ { }
			}`,
			Requests: get("/a", "/b", "/c", "/d", "/e", "/f", "/g?q=1", "/h", "/i/missing", "/j", "/k", "/l",
				"/missing", "/static/missing", "/static/a.txt", "/404.html"),
		},
		{
			Name:  "named-and-internal",
			Files: files,
			Conf: `server { listen 127.0.0.1:{{PORT}};
				root {{DIR}};
				location /a { error_page 404 @fallback; return 404; }
				location /b { error_page 404 = @fallback; return 404; }
				location /c { error_page 404 =200 @fallback; return 404; }
				location /d { error_page 404 = @text; return 404; }
				location /e { error_page 404 @missing; return 404; }
				location /f { error_page 404 /private/x.html; return 404; }
				location /g { error_page 404 = /private/x.html; return 404; }
				location /h { error_page 404 = /int; return 404; }
				location /private/ { internal; }
				location = /int { internal; return 200 "internal uri=$uri method=$request_method\n"; }
				location @fallback { return 200 "named uri=$uri method=$request_method status=$status\n"; }
				location @text { return 503 "named 503\n"; }
			}`,
			Requests: append(get("/a", "/b", "/c", "/d", "/f", "/g", "/h", "/int", "/private/x.html"),
				conformance.Request{Name: "POST named keeps method", Method: "POST", Target: "/b", Body: "x=1"},
				conformance.Request{Name: "POST uri becomes GET", Method: "POST", Target: "/h", Body: "x=1"},
				conformance.Request{Name: "HEAD uri stays HEAD", Method: "HEAD", Target: "/h"},
				conformance.Request{Name: "HEAD named", Method: "HEAD", Target: "/a"},
				conformance.Request{Name: "HEAD builtin", Method: "HEAD", Target: "/private/none"},
				conformance.Request{Name: "PUT static 405 to page", Method: "PUT", Target: "/g", Body: "x"},
			),
		},
		{
			Name: "url-targets",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location /a { error_page 404 http://example.com/x?y=1; return 404; }
				location /b { error_page 404 =301 http://example.com/b; return 404; }
				location /c { error_page 404 =200 https://example.com/c; return 404; }
				location /d { error_page 404 =307 $scheme://$host/d$is_args$args; return 404; }
				location /e { error_page 404 =308 http://example.com/e; return 404; }
				location /f { error_page 404 = http://example.com/f; return 404; }
				location /g { error_page 500 =303 http://example.com/g; return 500; }
			}`,
			Requests: append(get("/a", "/b", "/c", "/d?x=1", "/e", "/f", "/g"),
				conformance.Request{Name: "POST to redirect", Method: "POST", Target: "/a", Body: "x"},
				conformance.Request{Name: "HEAD redirect", Method: "HEAD", Target: "/b"},
			),
		},
		{
			Name: "chains-and-recursion",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				error_page 500 /server500;
				location = /server500 { return 200 "server 500 page\n"; }
				location /off { error_page 404 /off-target; return 404; }
				location = /off-target { error_page 500 /never; return 500; }
				location /on { recursive_error_pages on; error_page 404 /on-target; return 404; }
				location = /on-target { error_page 500 /on-final; return 500; }
				location = /on-final { return 200 "final after chain status=$status\n"; }
				location /inner-on { error_page 404 /inner-target; return 404; }
				location = /inner-target { recursive_error_pages on; error_page 403 /on-final; return 403; }
				location /cycle { recursive_error_pages on; error_page 404 /cycle; return 404; }
				location /cycle500 { recursive_error_pages on; error_page 404 /cycle500; error_page 500 /on-final; return 404; }
				location /keep { error_page 404 /keep-target; return 404; }
				location = /keep-target { return 403; }
				location = /nopage { error_page 404 /x; return 403; }
			}`,
			Requests: get("/off", "/on", "/inner-on", "/cycle", "/cycle500", "/keep", "/nopage"),
		},
		{
			Name:  "inheritance",
			Files: files,
			Conf: `error_page 404 /404.html;
			server { listen 127.0.0.1:{{PORT}};
				root {{DIR}};
				location /inherits { return 404; }
				location /own { error_page 500 /50x.html; return 404; }
				location /own500 { error_page 500 /50x.html; return 500; }
				location /outer/ {
					error_page 403 /err/page.html;
					location /outer/inner { return 403; }
					location /outer/inner404 { return 404; }
				}
			}`,
			Requests: get("/inherits", "/own", "/own500", "/outer/inner", "/outer/inner404", "/outer/missing"),
		},
		{
			Name: "add-header-inheritance",
			Conf: `add_header X-Http http;
			server { listen 127.0.0.1:{{PORT}};
				location = /http { return 200 "ok\n"; }
				location /own { add_header X-Loc loc; return 200 "ok\n"; }
				location /outer/ {
					add_header X-Outer outer;
					location /outer/inherit { return 200 "ok\n"; }
					location /outer/own { add_header X-Inner inner; return 200 "ok\n"; }
				}
			}`,
			Requests: withHeaders(get("/http", "/own", "/outer/inherit", "/outer/own"), "X-Http", "X-Loc", "X-Outer", "X-Inner"),
		},
		{
			Name: "bad-request-pages",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				error_page 400 /bad;
				location = /bad { return 200 "bad request page uri=$uri\n"; }
				location / { return 200 "ok\n"; }
			}`,
			Requests: append(get("/..", "/%00", "/a/../../b"),
				conformance.Request{Name: "invalid host", Target: "/", Header: []string{"Host: a..b"}}),
		},
		{
			Name: "return",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location = /404t { return 404 "custom not found\n"; }
				location = /500t { return 500 "oops $uri\n"; }
				location = /403e { error_page 403 /never; return 403 "text wins\n"; }
				location = /444 { return 444; }
				location = /444t { return 444 "text\n"; }
				location = /301e { return 301; }
				location = /302ep { error_page 302 = /redirect-page; return 302 /x; }
				location = /redirect-page { return 200 "redirect page\n"; }
				location = /status { return 200 "status=$status\n"; }
				location = /status404 { return 404 "status=$status\n"; }
				location = /rel { return 301 x/y; }
				location = /slashes { return 302 //other/path; }
				location = /ep-to-redirect { error_page 404 = /redirect-target; return 404; }
				location = /redirect-target { return 301 /moved; }
				location = /expires200 { expires 1h; return 200 "ok\n"; }
				location = /expires404 { expires 1h; return 404; }
				location = /expires301 { expires epoch; return 301 /x; }
				location = /expires-ep { expires 1h; error_page 404 =200 /expires-page; return 404; }
				location = /expires-page { return 200 "page\n"; }
			}`,
			Requests: append(withHeaders(get("/404t", "/500t", "/403e", "/444", "/444t", "/301e", "/302ep", "/status",
				"/status404", "/rel", "/slashes", "/ep-to-redirect", "/expires200", "/expires404", "/expires301", "/expires-ep"), "Server"),
				conformance.Request{Name: "POST 444", Method: "POST", Target: "/444", Body: "x", HTTP11: true},
			),
		},
		{
			Name: "add-header",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				add_header X-Server server;
				add_header X-Server-Always server always;
				error_page 404 /404page;
				error_page 418 =200 /404page;
				location = /404page { return 200 "page\n"; }
				location = /inherit200 { return 200 "ok\n"; }
				location = /inherit404 { return 404; }
				location = /own { add_header X-Own own; return 200 "ok\n"; }
				location = /own404 { add_header X-Own own; add_header X-Own-Always own always; return 404; }
				location = /redirect { add_header X-Own own; return 302 /x; }
				location = /redirect-always { add_header X-Own own always; return 307 /x; }
				location = /vars { add_header X-Uri $uri; add_header X-Args "a=$arg_a"; add_header X-Empty ""; add_header X-Var-Empty $arg_none; add_header X-Status $status always; return 200 "ok\n"; }
				location = /vars404 { add_header X-Status $status always; add_header X-Uri $uri always; return 404; }
				location = /teapot { add_header X-Own own; return 418; }
				location = /ep404 { add_header X-Own own always; return 404; }
				location = /multi { add_header X-M one; add_header X-M two; add_header Cache-Control no-cache; add_header Cache-Control private; return 200 "ok\n"; }
				location = /server { add_header Server custom; return 200 "ok\n"; }
				location = /etag { add_header ETag '"custom"'; add_header Last-Modified "Mon, 01 Jan 2024 00:00:00 GMT"; return 200 "ok\n"; }
				location = /etag404 { add_header ETag '"custom"' always; add_header Last-Modified "Mon, 01 Jan 2024 00:00:00 GMT" always; return 404 "x\n"; }
				location = /201 { add_header X-Own own; return 201 "created\n"; }
				location = /204 { add_header X-Own own; return 204; }
				location = /206 { add_header X-Own own; return 206 "partial\n"; }
				location = /400 { add_header X-Own own; return 400 "bad\n"; }
				location = /500 { add_header X-Own own; return 500; }
			}`,
			Requests: withHeaders(get("/inherit200", "/inherit404", "/missing-uses-page", "/own", "/own404", "/redirect",
				"/redirect-always", "/vars?a=1", "/vars", "/vars404", "/teapot", "/ep404", "/multi", "/server", "/etag",
				"/etag404", "/201", "/204", "/206", "/400", "/500"),
				"X-Server", "X-Server-Always", "X-Own", "X-Own-Always", "X-Uri", "X-Args", "X-Empty", "X-Var-Empty",
				"X-Status", "X-M", "Server"),
		},
		{
			Name: "tokens-and-padding",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location = /on { return 404; }
				location = /off { server_tokens off; return 404; }
				location = /build { server_tokens build; return 500; }
				location = /ok-off { server_tokens off; return 200 "ok\n"; }
				location = /nopad { msie_padding off; return 404; }
				location = /redirect { return 302 /x; }
				location = /ep { server_tokens off; error_page 404 /target; return 404; }
				location = /target { server_tokens on; return 404; }
			}`,
			Requests: withHeaders([]conformance.Request{
				{Target: "/on"}, {Target: "/off"}, {Target: "/build"}, {Target: "/ok-off"}, {Target: "/ep"},
				{Name: "msie", Target: "/on", Header: []string{"User-Agent: Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)"}},
				{Name: "msie too short", Target: "/on", Header: []string{"User-Agent: MSIE 8."}},
				{Name: "msie opera", Target: "/on", Header: []string{"User-Agent: Opera/9.80 (MSIE 6.0)"}},
				{Name: "chrome", Target: "/off", Header: []string{"User-Agent: Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"}},
				{Name: "chrome with Gecko/", Target: "/on", Header: []string{"User-Agent: Gecko/1 Chrome/120.0"}},
				{Name: "padding off", Target: "/nopad", Header: []string{"User-Agent: Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)"}},
				{Name: "no padding on 3xx", Target: "/redirect", Header: []string{"User-Agent: Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)"}},
				{Name: "padding HEAD", Method: "HEAD", Target: "/on", Header: []string{"User-Agent: Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)"}},
			}, "Server"),
		},
	})
}
