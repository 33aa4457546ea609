package frontdesk_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

// Variables whose values necessarily differ between the two servers
// ($remote_port, $request_id, $msec, $time_iso8601, $time_local) are
// checked by format in variables_test.go; $server_port is printed after a
// ":" so that the runner's port normalisation applies.
func TestConformanceVariables(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name: "request-line",
			Conf: `server { listen 127.0.0.1:{{PORT}}; server_name vars.example other.example;
				add_header X-Method $request_method always;
				add_header X-Request-URI $request_uri always;
				location / { return 200 "uri=[$uri] document_uri=[$document_uri] request_uri=[$request_uri] args=[$args] query_string=[$query_string] is_args=[$is_args] arg_a=[$arg_a] method=[$request_method] protocol=[$server_protocol] scheme=[$scheme] https=[$https] host=[$host] server_name=[$server_name]\n"; }
			}`,
			Requests: withHeaders([]conformance.Request{
				{Target: "/p/a%20b?a=1&b=2"},
				{Target: "/p/../q?"},
				{Name: "HTTP/1.1", Target: "/x?A=up", HTTP11: true},
				{Name: "POST", Method: "POST", Target: "/form", Body: "a=body"},
				{Name: "HEAD", Method: "HEAD", Target: "/head?a=1"},
				{Name: "custom method", Method: "PURGE", Target: "/cache"},
				{Name: "host header", Target: "/", Header: []string{"Host: Vars.Example.:8080"}},
				{Name: "no host: server_name", Raw: "GET /nohost HTTP/1.0\r\n\r\n"},
				{Name: "absolute form", Target: "http://Abs.Example/p?a=2"},
			}, "X-Method", "X-Request-URI"),
		},
		{
			Name: "no-server-name",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location / { return 200 "host=[$host] server_name=[$server_name]\n"; }
			}`,
			Requests: []conformance.Request{
				{Target: "/"},
				{Name: "no host", Raw: "GET / HTTP/1.0\r\n\r\n"},
			},
		},
		{
			Name: "server-name-forms",
			Conf: `server { listen 127.0.0.1:{{PORT}}; server_name .Wild.Example www.example;
				location / { return 200 "server_name=[$server_name]\n"; }
			}`,
			Requests: get("/"),
		},
		{
			Name: "connection",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location / { return 200 "remote_addr=[$remote_addr] server=[$server_addr:$server_port] binary=[$binary_remote_addr] hostname=[$hostname]\n"; }
			}`,
			Requests: get("/"),
		},
		{
			Name: "headers",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location / { return 200 "x_a=[$http_x_a] ua=[$http_user_agent] ref=[$http_referer] http_host=[$http_host] cookie=[$http_cookie] xff=[$http_x_forwarded_for] ct=[$content_type] cl=[$content_length] multi_word=[$http_x_multi_word] c_a=[$cookie_a] c_b=[$cookie_b]\n"; }
			}`,
			Requests: []conformance.Request{
				{Name: "none", Target: "/"},
				{Name: "repeated header: first", Target: "/", Header: []string{"X-A: one", "X-A: two"}},
				{Name: "empty value", Target: "/", Header: []string{"X-A:", "X-A: two"}},
				{Name: "lower-case name", Target: "/", Header: []string{"x-a: lower", "x-multi-word: mw"}},
				{Name: "underscore header ignored", Target: "/", Header: []string{"X_A: underscore", "X_Multi_Word: u"}},
				{Name: "underscore after dash", Target: "/", Header: []string{"X_A: underscore", "X-A: dash"}},
				{Name: "user agent and referer", Target: "/", Header: []string{"User-Agent: first", "User-Agent: second", "Referer: http://r.example/"}},
				{Name: "host", Target: "/", Header: []string{"Host: Example.COM:8080"}},
				{Name: "cookies joined", Target: "/", Header: []string{"Cookie: a=1; b=2", "Cookie: c=3"}},
				{Name: "cookie in second header", Target: "/", Header: []string{"Cookie: x=1", "Cookie: b=2; a=3"}},
				{Name: "cookie spaces", Target: "/", Header: []string{"Cookie: a = spaced ; b= 2 "}},
				{Name: "cookie comma", Target: "/", Header: []string{"Cookie: x=1, a=2,b=3"}},
				{Name: "cookie without value", Target: "/", Header: []string{"Cookie: a;b=1"}},
				{Name: "cookie without value hides next", Target: "/", Header: []string{"Cookie: a;a=1; b=2"}},
				{Name: "cookie name then space", Target: "/", Header: []string{"Cookie: a x=1; a =2"}},
				{Name: "cookie prefix name", Target: "/", Header: []string{"Cookie: ab=1; a=2; B=3"}},
				{Name: "cookie empty", Target: "/", Header: []string{"Cookie: a=; b"}},
				{Name: "xff joined", Target: "/", Header: []string{"X-Forwarded-For: 10.0.0.1, 10.0.0.2", "X-Forwarded-For: 10.0.0.3"}},
				{Name: "content type and length", Method: "POST", Target: "/", Body: "12345", Header: []string{"Content-Type: application/x-www-form-urlencoded; charset=UTF-8"}},
				{Name: "repeated content type", Method: "POST", Target: "/", Body: "x", Header: []string{"Content-Type: text/a", "Content-Type: text/b"}},
			},
		},
		{
			Name: "paths",
			Files: map[string]string{
				"site/index.html":   "index\n",
				"site/sub/file.txt": "sub\n",
			},
			Setup: func(t testing.TB, dir string) {
				if err := os.Symlink(filepath.Join(dir, "site"), filepath.Join(dir, "link")); err != nil {
					t.Fatal(err)
				}
			},
			Conf: `server { listen 127.0.0.1:{{PORT}};
				root {{DIR}}/site;
				location / { return 200 "document_root=[$document_root] realpath_root=[$realpath_root] request_filename=[$request_filename]\n"; }
				location /al/ { alias {{DIR}}/site/sub/; return 200 "document_root=[$document_root] realpath_root=[$realpath_root] request_filename=[$request_filename]\n"; }
				location ~ ^/re/(.*)$ { alias {{DIR}}/site/$1; return 200 "document_root=[$document_root] request_filename=[$request_filename]\n"; }
				location /link/ { root {{DIR}}/link/; return 200 "document_root=[$document_root] realpath_root=[$realpath_root] request_filename=[$request_filename]\n"; }
				location /var/ { root {{DIR}}/$arg_d; return 200 "document_root=[$document_root] realpath_root=[$realpath_root] request_filename=[$request_filename]\n"; }
			}`,
			Requests: get("/", "/index.html", "/a/b%20c", "/al/file.txt", "/al/", "/re/sub/file.txt", "/link/x", "/var/y?d=link",
				"/var/y?d=missing"),
		},
		{
			Name: "captures",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				add_header X-Cap "$1-$2" always;
				location ~ ^/c/(\w+)/(\d+)$ { return 200 "1=[$1] 2=[$2] 3=[$3] 10=[$10] 1x=[$1x] braced=[${uri}text] dollar-brace=[$1${args}]\n"; }
				location ~ ^/n/(?<first>\w+)/(?P<second>\d+)/(?'third'\w+)$ { return 200 "first=[$first] second=[$second] third=[$third] 1=[$1] 3=[$3]\n"; }
				location ~ ^/many/(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)$ { return 200 "9=[$9] 10=[$10]\n"; }
				location ~ ^/opt/(a)?(b)$ { return 200 "1=[$1] 2=[$2]\n"; }
				location ~* ^/case/(?<Sec>\w+)$ { return 200 "sec=[$sec] SEC=[$SEC] Sec=[${Sec}]\n"; }
				location ~ ^/redir/(\w+)$ { error_page 404 /after; return 404; }
				location ~ ^/named-redir/(\w+)$ { error_page 404 @after; return 404; }
				location = /after { return 200 "after 1=[$1] first=[$first]\n"; }
				location @after { return 200 "named after 1=[$1]\n"; }
				location / { return 200 "no regex 1=[$1] first=[$first]\n"; }
			}`,
			Requests: withHeaders(get("/c/abc/42", "/c/abc/42?q=1", "/n/x/7/z", "/many/abcdefghij", "/opt/b", "/opt/ab", "/CASE/Up",
				"/redir/cap", "/named-redir/cap", "/after", "/plain"), "X-Cap"),
		},
		{
			Name: "status-and-sent",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				add_header X-Status $status always;
				add_header X-CT $sent_http_content_type always;
				add_header X-CL $sent_http_content_length always;
				add_header X-Location $sent_http_location always;
				error_page 404 /page;
				location = /page { return 200 "page status=$status\n"; }
				location = /ok { return 200 "status=$status\n"; }
				location = /created { return 201 "status=$status\n"; }
				location = /404 { return 404; }
				location = /500 { return 500; }
				location = /redirect { return 302 /to; }
				location = /teapot { return 418 "status=$status\n"; }
			}`,
			Requests: withHeaders(get("/ok", "/created", "/404", "/500", "/redirect", "/teapot", "/missing"),
				"X-Status", "X-CT", "X-CL", "X-Location"),
		},
	})
}
