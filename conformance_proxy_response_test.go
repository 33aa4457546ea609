package frontdesk_test

// Conformance of the response side of proxy_pass (issue 4): what the
// client gets back from an upstream, compared with nginx 1.22 request by
// request. Three groups: headers with proxy_redirect and the cookie
// rules; misbehaving upstreams; streaming and WebSocket tunnels.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
)

// upstreamRequest is what the tests read of a request a backend got.
type upstreamRequest struct {
	method, path string
	query        url.Values
	host         string
	header       string // the head, as received
}

func parseUpstream(req []byte) upstreamRequest {
	head, _, _ := bytes.Cut(req, []byte("\r\n\r\n"))
	line, rest, _ := strings.Cut(string(head), "\r\n")
	parts := strings.SplitN(line, " ", 3)
	u := upstreamRequest{header: string(head)}
	if len(parts) >= 2 {
		u.method = parts[0]
		p, q, _ := strings.Cut(parts[1], "?")
		u.path = p
		u.query, _ = url.ParseQuery(q)
	}
	for _, l := range strings.Split(rest, "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, "Host") {
			u.host = strings.TrimSpace(v)
		}
	}
	return u
}

// redirector answers 302 with Location and Refresh set to the "loc"
// parameter, "HOST" standing for the Host the proxy sent (its
// $proxy_host, which the default proxy_redirect rule is made of).
func redirector() *conformance.Backend {
	return &conformance.Backend{Respond: func(req []byte) []byte {
		u := parseUpstream(req)
		loc := strings.ReplaceAll(u.query.Get("loc"), "HOST", u.host)
		return []byte("HTTP/1.1 302 Found\r\nLocation: " + loc + "\r\nRefresh: 3; url=" + loc +
			"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	}}
}

// cookieJar answers 200 with one Set-Cookie per "c" parameter.
func cookieJar() *conformance.Backend {
	return &conformance.Backend{Respond: func(req []byte) []byte {
		var b strings.Builder
		b.WriteString("HTTP/1.1 200 OK\r\n")
		for _, c := range parseUpstream(req).query["c"] {
			b.WriteString("Set-Cookie: " + c + "\r\n")
		}
		b.WriteString("Content-Length: 2\r\n\r\nok")
		return []byte(b.String())
	}}
}

// canned answers each upstream path with its raw response, and 404
// otherwise.
func canned(routes map[string]string) *conformance.Backend {
	return &conformance.Backend{Respond: func(req []byte) []byte {
		if r, ok := routes[parseUpstream(req).path]; ok {
			return []byte(r)
		}
		return []byte("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nno route\n")
	}}
}

func redirectReq(name, target, loc string, header ...string) conformance.Request {
	return conformance.Request{Name: name, Target: target + "?loc=" + url.QueryEscape(loc), Header: header, Compare: []string{"Refresh"}}
}

func cookieReq(name, target string, cookies ...string) conformance.Request {
	q := url.Values{"c": cookies}
	return conformance.Request{Name: name, Target: target + "?" + q.Encode(), Compare: []string{"Set-Cookie", "X-UC"}}
}

func TestConformanceProxyResponseHeaders(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name:    "proxy_redirect",
			Backend: redirector(),
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location /def/ { proxy_pass http://{{BACKEND}}/up/; }
				location /noturi/ { proxy_pass http://{{BACKEND}}; }
				location /off/ { proxy_pass http://{{BACKEND}}/up/; proxy_redirect off; }
				location /str/ { proxy_pass http://{{BACKEND}}/up/;
					proxy_redirect http://{{BACKEND}}/up/ /mapped/;
					proxy_redirect /rel/ http://other.example/; }
				location /re/ { proxy_pass http://{{BACKEND}}/up/;
					proxy_redirect ~^http://([^/]+)/up/(.*)$ /re-$2?from=$1; }
				location /rei/ { proxy_pass http://{{BACKEND}}/up/;
					proxy_redirect ~*^HTTP://[^/]+/UP/(?<rest>.*) https://$host/ci/$rest; }
				location /var/ { proxy_pass http://{{BACKEND}}/up/;
					proxy_redirect http://$proxy_host/up/ http://$host:$server_port/var/; }
				location /multi/ { proxy_pass http://{{BACKEND}}/up/;
					proxy_redirect http://a.example/ /a/;
					proxy_redirect http://b.example/ /b/;
					proxy_redirect default; }
				location /abs/ { absolute_redirect off; proxy_pass http://{{BACKEND}}/up/; }
				location /noport/ { port_in_redirect off; proxy_pass http://{{BACKEND}}/up/; }
				location /nest/ { proxy_pass http://{{BACKEND}}/up/;
					location /nest/in/ { proxy_pass http://{{BACKEND}}/in/; } }
				location /outer/ { proxy_redirect http://x.example/ /x/;
					location /outer/in/ { proxy_pass http://{{BACKEND}}/up/; } }
				location /offout/ { proxy_redirect off;
					location /offout/in/ { proxy_pass http://{{BACKEND}}/up/; } }
				location ~ ^/regex/ { proxy_pass http://{{BACKEND}}; }
			}`,
			Requests: []conformance.Request{
				redirectReq("default rewritten, made absolute", "/def/a", "http://HOST/up/x/y?q=1"),
				redirectReq("default other path", "/def/a", "http://HOST/other/x"),
				redirectReq("default relative untouched", "/def/a", "/up/x"),
				redirectReq("default other host spelling", "/def/a", "http://localhost/up/x"),
				redirectReq("default without uri", "/noturi/a", "http://HOST/x/y"),
				redirectReq("default without uri, root", "/noturi/a", "http://HOST/"),
				redirectReq("off absolute", "/off/a", "http://HOST/up/x"),
				redirectReq("off relative not made absolute", "/off/a", "/rel/x"),
				redirectReq("string rule", "/str/a", "http://HOST/up/x"),
				redirectReq("string rule, relative pattern", "/str/a", "/rel/y?z"),
				redirectReq("string rule, no match", "/str/a", "http://elsewhere/up/x"),
				redirectReq("regex with captures", "/re/a", "http://HOST/up/x/y"),
				redirectReq("regex no match", "/re/a", "http://HOST/down/x"),
				redirectReq("caseless regex, named capture", "/rei/a", "http://HOST/up/Z/w"),
				redirectReq("variables in both parts", "/var/a", "http://HOST/up/q"),
				redirectReq("several rules, second", "/multi/a", "http://b.example/z"),
				redirectReq("several rules, default", "/multi/a", "http://HOST/up/z"),
				redirectReq("several rules, first", "/multi/a", "http://a.example/"),
				redirectReq("absolute_redirect off", "/abs/a", "http://HOST/up/z"),
				redirectReq("port_in_redirect off", "/noport/a", "http://HOST/up/z"),
				redirectReq("host header", "/def/a", "http://HOST/up/h", "Host: Example.COM:8080"),
				redirectReq("nested inherits outer default", "/nest/in/a", "http://HOST/up/z"),
				redirectReq("nested own url not rewritten", "/nest/in/a", "http://HOST/in/z"),
				redirectReq("inherited explicit rule", "/outer/in/a", "http://x.example/k"),
				redirectReq("inherited rule replaces default", "/outer/in/a", "http://HOST/up/k"),
				redirectReq("inherited off", "/offout/in/a", "http://HOST/up/k"),
				redirectReq("regex location default", "/regex/a", "http://HOST/regex/b"),
				{Name: "no host header", Raw: "GET /def/a?loc=" + url.QueryEscape("http://HOST/up/n") + " HTTP/1.0\r\n\r\n", Compare: []string{"Refresh"}},
			},
		},
		{
			Name:    "proxy_cookie",
			Backend: cookieJar(),
			Conf: `server { listen 127.0.0.1:{{PORT}};
				proxy_cookie_domain backend.internal example.com;
				proxy_cookie_domain ~^(?<sub>[a-z]+)\.corp\.internal$ $sub.example.org;
				proxy_cookie_path /app/ /ck/;
				proxy_cookie_path ~*^/API/(.*)$ /ck/api/$1;
				proxy_cookie_flags session secure httponly samesite=lax;
				proxy_cookie_flags ~^tmp nosecure nohttponly nosamesite;
				add_header X-UC $upstream_cookie_session;
				location /ck/ { proxy_pass http://{{BACKEND}}; }
				location /off/ { proxy_pass http://{{BACKEND}}; proxy_cookie_domain off; proxy_cookie_path off; proxy_cookie_flags off; }
				location /own/ { proxy_pass http://{{BACKEND}}; proxy_cookie_path / /own/; proxy_cookie_flags $arg_n $arg_f; }
			}`,
			Requests: []conformance.Request{
				cookieReq("domain", "/ck/", "a=1; domain=backend.internal"),
				cookieReq("domain with dot and case", "/ck/", "a=1; Domain=.Backend.Internal; Path=/"),
				cookieReq("domain regex", "/ck/", "a=1; domain=dev.corp.internal"),
				cookieReq("domain no match kept as sent", "/ck/", "a=1 ;  domain=other.example ; path=/x"),
				cookieReq("path prefix", "/ck/", "a=1; path=/app/x"),
				cookieReq("path caseless regex", "/ck/", "a=1; Path=/api/v1/x"),
				cookieReq("domain and path", "/ck/", "a=1; path=/app/; domain=backend.internal; HttpOnly"),
				cookieReq("flags added", "/ck/", "session=abc; Path=/"),
				cookieReq("flags kept and samesite replaced", "/ck/", "SESSION=abc; secure; SameSite=Strict"),
				cookieReq("flags removed by regex", "/ck/", "tmpX=1; Secure; HttpOnly; SameSite=None; path=/app/"),
				cookieReq("no value", "/ck/", "session; path=/app/"),
				cookieReq("several cookies", "/ck/", "x=1; path=/app/", "session=2", "y=3"),
				cookieReq("off", "/off/", "session=1; domain=backend.internal; path=/app/"),
				cookieReq("own path rule and variable flags", "/own/?n=a&f=secure", "a=1; path=/p"),
				cookieReq("variable flags, other cookie", "/own/?n=b&f=httponly", "a=1; path=/p"),
			},
		},
		{
			Name: "headers",
			Backend: canned(map[string]string{
				"/h/basic": "HTTP/1.0 200 OK\r\nServer: backend/1\r\nDate: Mon, 01 Jan 2001 00:00:00 GMT\r\nX-Pad: p\r\n" +
					"X-Accel-Expires: 10\r\nX-Accel-Charset: utf-8\r\nX-Accel-Limit-Rate: 100000\r\nX-App: yes\r\nx-lower: case\r\n" +
					"Upgrade: h2c\r\nTE: trailers\r\nTrailer: X-T\r\nKeep-Alive: timeout=5\r\nConnection: keep-alive\r\n" +
					"Content-Type: text/x-a\r\nContent-Type: text/x-b\r\nContent-Length: 2\r\n\r\nok",
				"/h/404":   "HTTP/1.1 404 Nope\r\nLast-Modified: Thu, 01 Jan 1970 00:00:01 GMT\r\nETag: \"e\"\r\nContent-Length: 2\r\n\r\nnf",
				"/h/empty": "HTTP/1.1 200 OK\r\nX-E:\r\nX-F:  \r\nContent-Length: 0\r\n\r\n",
				"/h/vars": "HTTP/1.1 200 OK\r\nX-Foo: a\r\nX-Foo: b\r\nSet-Cookie: one=1; path=/\r\nSet-Cookie: Two = 2\r\n" +
					"X-Accel-Expires: 5\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nok",
				"/pass/x":    "HTTP/1.1 200 OK\r\nServer: up\r\nServer: up2\r\nDate: Mon, 01 Jan 2001 00:00:00 GMT\r\nX-Secret: s\r\nX-Accel-Buffering: yes\r\nContent-Length: 2\r\n\r\nok",
				"/pass/none": "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
			}),
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location /h/ { proxy_pass http://{{BACKEND}};
					add_header X-Added yes; add_header X-Always a always;
					add_header X-V "$upstream_addr|$upstream_status|$upstream_http_x_foo|$upstream_http_x_accel_expires|$upstream_http_server|$upstream_cookie_two|$sent_http_content_type|$sent_http_x_foo|$sent_http_content_length";
					add_header X-T "$upstream_connect_time $upstream_header_time $upstream_response_time"; }
				location /pass/ { proxy_pass http://{{BACKEND}}; proxy_hide_header X-Secret;
					proxy_pass_header Server; proxy_pass_header Date; proxy_pass_header X-Accel-Buffering; }
			}`,
			Requests: []conformance.Request{
				{Name: "hidden and passed", Target: "/h/basic", Compare: []string{"Server", "X-Pad", "X-Accel-Expires", "X-Accel-Charset",
					"X-Accel-Limit-Rate", "X-App", "x-lower", "Upgrade", "TE", "Trailer", "Keep-Alive", "X-Added", "X-Always"}},
				{Name: "head", Method: "HEAD", Target: "/h/basic", Compare: []string{"X-App", "X-Added"}},
				{Name: "http/1.1 client", Target: "/h/basic", HTTP11: true, Header: []string{"Connection: close"}, Compare: []string{"X-App", "Keep-Alive"}},
				{Name: "404 keeps Last-Modified, add_header always only", Target: "/h/404", Compare: []string{"X-Added", "X-Always"}},
				{Name: "empty values", Target: "/h/empty", Compare: []string{"X-E", "X-F"}},
				{Name: "variables", Target: "/h/vars", Compare: []string{"X-V", "X-Foo", "Set-Cookie"}, Shape: []string{"X-T"}},
				{Name: "pass Server and Date", Target: "/pass/x", Compare: []string{"Server", "Date", "X-Secret", "X-Accel-Buffering"}},
				{Name: "passed but absent", Target: "/pass/none", Compare: []string{"Server", "Date"}},
			},
		},
		{
			Name:  "x-accel-redirect",
			Files: map[string]string{"files/a.txt": "file a\n"},
			Backend: &conformance.Backend{Respond: func(req []byte) []byte {
				u := parseUpstream(req)
				return []byte("HTTP/1.1 " + orDefault(u.query.Get("s"), "200") + " X\r\nX-Accel-Redirect: " + u.query.Get("to") +
					"\r\nContent-Type: text/x-up\r\nSet-Cookie: s=1; path=/app/\r\nContent-Disposition: attachment\r\n" +
					"Cache-Control: no-cache\r\nCache-Control: private\r\nExpires: Thu, 01 Jan 1970 00:00:01 GMT\r\nAccept-Ranges: none\r\n" +
					"Last-Modified: Thu, 01 Jan 1970 00:00:01 GMT\r\nETag: \"e\"\r\nX-Foo: bar\r\nLocation: /loc\r\nContent-Length: 4\r\n\r\nbody")
			}},
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location /x/ { proxy_pass http://{{BACKEND}}; proxy_hide_header Set-Cookie; proxy_cookie_path /app/ /x/; }
				location /ig/ { proxy_pass http://{{BACKEND}}; proxy_ignore_headers X-Accel-Redirect; proxy_pass_header X-Accel-Redirect; }
				location /int/ { internal; return 200 "internal $uri $args $request_method\n"; }
				location /files/ { internal; root {{DIR}}; }
				location @named { return 200 "named $uri\n"; }
			}`,
			Requests: accelRequests(),
		},
		{
			Name: "intercept",
			Backend: &conformance.Backend{Respond: func(req []byte) []byte {
				code := strings.TrimPrefix(parseUpstream(req).path, "/")
				code, _, _ = strings.Cut(code, "/")
				if i := strings.LastIndexByte(parseUpstream(req).path, '/'); i >= 0 {
					code = parseUpstream(req).path[i+1:]
				}
				return []byte("HTTP/1.1 " + code + " Up\r\nWWW-Authenticate: Basic realm=\"x\"\r\nSet-Cookie: a=b\r\nLocation: /elsewhere\r\n" +
					"X-Up: 1\r\nContent-Type: text/x-up\r\nContent-Length: 8\r\n\r\nupstream")
			}},
			Conf: `server { listen 127.0.0.1:{{PORT}};
				error_page 404 /srv404;
				location /i/ { proxy_pass http://{{BACKEND}}; proxy_intercept_errors on;
					error_page 404 /err404; error_page 500 =200 /ok; error_page 502 = @fb; error_page 503 =503 @fb;
					error_page 401 /err401; error_page 301 302 /redir; error_page 418 = /i/404; add_header X-Add yes; }
				location /noi/ { proxy_pass http://{{BACKEND}}; error_page 404 /err404; }
				location /srv/ { proxy_pass http://{{BACKEND}}; proxy_intercept_errors on; }
				location = /err404 { return 200 "err404 $status $upstream_status\n"; }
				location = /srv404 { return 200 "srv404\n"; }
				location = /err401 { return 403; }
				location = /redir { return 200 "redir\n"; }
				location = /ok { return 201 "ok\n"; }
				location @fb { return 203 "fb $upstream_status\n"; }
			}`,
			Requests: []conformance.Request{
				{Name: "404 to error page keeps status", Target: "/i/404"},
				{Name: "500 to =200", Target: "/i/500"},
				{Name: "502 to = named", Target: "/i/502"},
				{Name: "503 to =503 named", Target: "/i/503"},
				{Name: "401 keeps WWW-Authenticate", Target: "/i/401", Compare: []string{"WWW-Authenticate", "Set-Cookie"}},
				{Name: "302 intercepted", Target: "/i/302", Compare: []string{"Set-Cookie", "X-Up"}},
				{Name: "403 without error page passes", Target: "/i/403", Compare: []string{"Set-Cookie", "X-Up", "X-Add"}},
				{Name: "200 passes", Target: "/i/200", Compare: []string{"X-Up", "X-Add"}},
				{Name: "error page proxies again", Target: "/i/418"},
				{Name: "head", Method: "HEAD", Target: "/i/404"},
				{Name: "intercept off", Target: "/noi/404", Compare: []string{"X-Up"}},
				{Name: "server-level error page", Target: "/srv/404"},
			},
		},
	})
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func accelRequests() []conformance.Request {
	compare := []string{"Set-Cookie", "Content-Disposition", "Expires", "X-Foo", "X-Accel-Redirect"}
	req := func(name, method, prefix, to string, extra ...string) conformance.Request {
		q := url.Values{"to": {to}}
		for i := 0; i+1 < len(extra); i += 2 {
			q.Set(extra[i], extra[i+1])
		}
		r := conformance.Request{Name: name, Method: method, Target: prefix + "?" + q.Encode(), Compare: compare}
		if method == "POST" {
			r.Body = "data"
		}
		return r
	}
	return []conformance.Request{
		req("to uri with args", "", "/x/", "/int/a?b=1"),
		req("head stays head", "HEAD", "/x/", "/int/a"),
		req("post becomes get", "POST", "/x/", "/int/p"),
		req("status of the upstream ignored", "", "/x/", "/int/s", "s", "404"),
		req("named location", "", "/x/", "@named"),
		req("escaped uri", "", "/x/", "/int/a%20b%3Fc"),
		req("unsafe", "", "/x/", "/int/../x"),
		req("unsafe escaped", "", "/x/", "/int/%2e%2e/x"),
		req("empty", "", "/x/", ""),
		req("static file keeps upstream type", "", "/x/", "/files/a.txt"),
		req("not a uri", "", "/x/", "http://x/int/"),
		req("ignored and passed", "", "/ig/", "/int/a"),
	}
}

// misbehaving is a backend that does, for each request, what the last
// segment of its path says: close or reset before answering, hang until
// the proxy gives up, send a head or a body in part and then close or
// hang, or answer with one of the canned responses. (A reset after part
// of a body is left out: whether nginx reads the data before it sees the
// reset is a race.)
func misbehaving() *conformance.Backend {
	return &conformance.Backend{Serve: func(c net.Conn, br *bufio.Reader, req []byte) {
		path := parseUpstream(req).path
		what := path[strings.LastIndexByte(path, '/')+1:]
		write := func(s string) { _, _ = io.WriteString(c, s) }
		hang := func() { _, _ = io.Copy(io.Discard, br) }
		reset := func() {
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
		}
		const head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		switch what {
		case "close":
		case "reset":
			reset()
		case "hang":
			hang()
		case "partial-status":
			write("HTTP/1.1 20")
		case "status-then-hang":
			write("HTTP/1.1 200 OK\r\n")
			hang()
		case "headers-then-close":
			write(head + "X-A: b\r\n")
		case "headers-then-hang":
			write(head + "X-A: b\r\n")
			hang()
		case "headers-then-reset":
			write(head + "X-A: b\r\n")
			reset()
		case "split-head":
			for _, part := range []string{"HTTP/1.1 2", "00 OK\r\nX-", "A: b\r", "\nContent-Length: 2\r\n", "\r", "\nok"} {
				write(part)
			}
		case "head-then-close":
			write(head + "Content-Length: 10\r\n\r\n")
		case "body-then-close":
			write(head + "Content-Length: 10\r\n\r\nhello")
		case "body-then-hang":
			write(head + "Content-Length: 10\r\n\r\nhello")
			hang()
		case "chunk-then-close":
			write(head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
		case "chunk-then-hang":
			write(head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
			hang()
		case "bad-chunk-mid":
			write(head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nx\r\n0\r\n\r\n")
		case "chunk-no-crlf":
			write(head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n")
		case "unknown-length-then-hang":
			write(head + "\r\nhello")
			hang()
		case "big-header":
			write(head + "X-Big: " + strings.Repeat("b", 5000) + "\r\nContent-Length: 2\r\n\r\nok")
		case "many-headers":
			for i := range 200 {
				write(fmt.Sprintf("X-H%03d: %s\r\n", i, strings.Repeat("v", 20)))
			}
		case "folded":
			write(head + "X-A: b\r\n c\r\nContent-Length: 2\r\n\r\nok")
		case "nul-value":
			write(head + "X-A: b\x00c\r\nContent-Length: 2\r\n\r\nok")
		case "http2-status":
			write("HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
		case "status-1xx":
			write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		case "no-body-close":
			write("HTTP/1.1 204 No Content\r\n\r\n")
		default:
			// A status code: answered with a body.
			write("HTTP/1.1 " + what + " Upstream\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nupstream\n")
		}
	}}
}

func TestConformanceProxyResponseErrors(t *testing.T) {
	get := func(targets ...string) []conformance.Request {
		var rs []conformance.Request
		for _, tg := range targets {
			rs = append(rs, conformance.Request{Target: tg, Compare: []string{"X-A", "X-US", "X-UA"}})
		}
		return rs
	}
	conformance.Run(t, []conformance.Case{
		{
			Name:    "before-the-head",
			Backend: misbehaving(),
			Conf: `server { listen 127.0.0.1:{{PORT}};
				proxy_read_timeout 200ms;
				add_header X-US $upstream_status always;
				location / { proxy_pass http://{{BACKEND}}; }
				location /refused/ { proxy_pass http://127.0.0.1:1; }
				location /ep/ { proxy_pass http://{{BACKEND}}; error_page 502 504 /err; }
				location = /err { return 200 "err $status $upstream_status\n"; }
			}`,
			Requests: append(get("/close", "/reset", "/hang", "/partial-status", "/status-then-hang",
				"/headers-then-close", "/headers-then-hang", "/headers-then-reset", "/split-head",
				"/refused/x", "/ep/close", "/ep/hang", "/big-header", "/many-headers", "/folded",
				"/nul-value", "/http2-status", "/status-1xx", "/no-body-close"),
				conformance.Request{Name: "head hang", Method: "HEAD", Target: "/hang"},
				conformance.Request{Name: "post hang", Method: "POST", Target: "/hang", Body: "x=1"},
				conformance.Request{Name: "http/1.1 reset", Target: "/reset", HTTP11: true},
			),
		},
		{
			Name:    "mid-body",
			Backend: misbehaving(),
			Conf: `server { listen 127.0.0.1:{{PORT}};
				proxy_read_timeout 200ms;
				location / { proxy_pass http://{{BACKEND}}; }
				location /unbuf/ { proxy_pass http://{{BACKEND}}; proxy_buffering off; }
			}`,
			Requests: append(get("/head-then-close", "/body-then-close", "/body-then-hang",
				"/chunk-then-close", "/chunk-then-hang", "/bad-chunk-mid", "/chunk-no-crlf",
				"/unknown-length-then-hang",
				"/unbuf/body-then-close", "/unbuf/body-then-hang", "/unbuf/chunk-then-hang", "/unbuf/bad-chunk-mid",
				"/unbuf/unknown-length-then-hang"),
				conformance.Request{Name: "http/1.1 body then hang", Target: "/body-then-hang", HTTP11: true},
				conformance.Request{Name: "http/1.1 chunk then close", Target: "/chunk-then-close", HTTP11: true},
				conformance.Request{Name: "http/1.1 unbuffered chunk then hang", Target: "/unbuf/chunk-then-hang", HTTP11: true},
				conformance.Request{Name: "head body then hang", Method: "HEAD", Target: "/body-then-hang"},
			),
		},
		{
			Name:    "5xx-and-peers",
			Backend: misbehaving(),
			Conf: `upstream two { server 127.0.0.1:1; server {{BACKEND}}; }
			upstream dead { server 127.0.0.1:1; server 127.0.0.1:2; }
			server { listen 127.0.0.1:{{PORT}};
				proxy_read_timeout 200ms;
				add_header X-US $upstream_status always;
				add_header X-UA $upstream_addr always;
				location / { proxy_pass http://{{BACKEND}}; }
				location /two/ { proxy_pass http://two; }
				location /dead/ { proxy_pass http://dead; }
				location /next/ { proxy_pass http://two; proxy_next_upstream error timeout http_500; }
				location /i/ { proxy_pass http://{{BACKEND}}; proxy_intercept_errors on; error_page 500 503 = /fallback; }
				location = /fallback { return 200 "fallback $upstream_status\n"; }
			}`,
			Requests: append(get("/500", "/502", "/503", "/504", "/507", "/599", "/two/200", "/two/hang",
				"/dead/x", "/next/500", "/i/500", "/i/503", "/i/502"),
				conformance.Request{Name: "head 503", Method: "HEAD", Target: "/503"},
			),
		},
	})
}

// stage lets a backend script pause until the client has seen what came
// before, without sleeping: the backend hands over a fresh channel at
// each pause, and the client closes it to let the backend go on. Waits
// are bounded, so that a proxy that holds what it should pass fails the
// comparison instead of hanging the test.
type stage chan chan struct{}

const stageWait = 5 * time.Second

// pause (backend side) waits until the client resumes it.
func (s stage) pause() bool {
	next := make(chan struct{})
	t := time.NewTimer(stageWait)
	defer t.Stop()
	select {
	case s <- next:
	case <-t.C:
		return false
	}
	select {
	case <-next:
		return true
	case <-t.C:
		return false
	}
}

// resume (client side) lets the paused backend go on.
func (s stage) resume() bool {
	t := time.NewTimer(stageWait)
	defer t.Stop()
	select {
	case next := <-s:
		close(next)
		return true
	case <-t.C:
		return false
	}
}

// streamer answers with head and the first part, then each further part
// after a pause.
func streamer(s stage, head string, parts ...string) *conformance.Backend {
	return &conformance.Backend{Serve: func(c net.Conn, _ *bufio.Reader, _ []byte) {
		_, _ = io.WriteString(c, head+parts[0])
		for _, p := range parts[1:] {
			if !s.pause() {
				return
			}
			_, _ = io.WriteString(c, p)
		}
	}}
}

// streamRequest sends req and, for each mark, reads until the mark has
// arrived, notes it ("|seen|") and lets the backend send its next part;
// then it reads to the end. With no marks the backend is let go at each
// pause without waiting for anything: what a buffering proxy needs.
func streamRequest(name string, s stage, req string, pauses int, marks ...string) conformance.Request {
	return conformance.Request{Name: name, Exchange: func(c net.Conn) string {
		_, _ = io.WriteString(c, req)
		var got []byte
		buf := make([]byte, 64<<10)
		for i := 0; i < pauses; i++ {
			if i < len(marks) {
				_ = c.SetReadDeadline(time.Now().Add(stageWait))
				for !bytes.Contains(got, []byte(marks[i])) {
					n, err := c.Read(buf)
					got = append(got, buf[:n]...)
					if err != nil {
						return canonical(string(got)) + fmt.Sprintf("|%v before %q|", err, marks[i])
					}
				}
				got = append(got, "|seen|"...)
			}
			if !s.resume() {
				return canonical(string(got)) + "|backend never paused|"
			}
		}
		_ = c.SetReadDeadline(time.Now().Add(stageWait))
		rest, err := io.ReadAll(c)
		got = append(got, rest...)
		if err != nil {
			got = append(got, fmt.Sprintf("|%v|", err)...)
		}
		if len(marks) == 0 {
			// Buffered: when nginx hands the parts on, and so how it
			// frames them in chunks, is its pipe's business; the decoded
			// body is what must agree.
			return canonical(dechunk(string(got)))
		}
		return canonical(string(got))
	}}
}

// dechunk decodes a chunked body in a raw response, best effort.
func dechunk(raw string) string {
	end := strings.Index(raw, "\r\n\r\n")
	if end < 0 || !strings.Contains(strings.ToLower(raw[:end]), "transfer-encoding: chunked") {
		return raw
	}
	var out strings.Builder
	out.WriteString(raw[:end+4])
	body := raw[end+4:]
	for {
		line, rest, ok := strings.Cut(body, "\r\n")
		var n int
		if _, err := fmt.Sscanf(line, "%x", &n); !ok || err != nil || n == 0 || len(rest) < n {
			out.WriteString("|chunks: " + body + "|")
			return out.String()
		}
		out.WriteString(rest[:n])
		body = strings.TrimPrefix(rest[n:], "\r\n")
	}
}

// canonical renders a raw response for comparison: the status line
// without its protocol version, the header fields sorted without Date
// and a Connection of close or keep-alive, then the body as received,
// chunk framing included. What is left out is what net/http decides and
// the README lists: header order, and the version and Connection header
// of its answers to HTTP/1.0 clients.
func canonical(raw string) string {
	end := strings.Index(raw, "\r\n\r\n")
	if end < 0 {
		return raw
	}
	lines := strings.Split(raw[:end], "\r\n")
	var fields []string
	for _, f := range lines[1:] {
		lf := strings.ToLower(f)
		if strings.HasPrefix(lf, "date:") || lf == "connection: keep-alive" || lf == "connection: close" {
			continue
		}
		fields = append(fields, f)
	}
	slices.Sort(fields)
	_, status, _ := strings.Cut(lines[0], " ")
	return status + "\n" + strings.Join(fields, "\n") + "\n\n" + raw[end+4:]
}

func get10(path string) string { return "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n" }

func get11(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
}

// streamCase is a case of its own (one backend script) with the given
// requests, each run against both servers in turn.
func streamCase(name, conf string, head string, parts []string, reqs func(s stage) []conformance.Request) conformance.Case {
	s := make(stage)
	return conformance.Case{Name: name, Backend: streamer(s, head, parts...), Conf: conf, Requests: reqs(s)}
}

const (
	headCL      = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 15\r\n\r\n"
	headChunked = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
	headClose   = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
	headSSE     = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
	headNoBuf   = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Accel-Buffering: no\r\n\r\n"
	headYesBuf  = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Accel-Buffering: yes\r\n\r\n"
)

// streamConf has the locations the streaming cases use.
const streamConf = `server { listen 127.0.0.1:{{PORT}};
	location /on/ { proxy_pass http://{{BACKEND}}; }
	location /off/ { proxy_pass http://{{BACKEND}}; proxy_buffering off; }
	location /ig/ { proxy_pass http://{{BACKEND}}; proxy_ignore_headers X-Accel-Buffering; }
}`

func TestConformanceProxyResponseStreaming(t *testing.T) {
	var cases []conformance.Case
	three := []string{"part1", "part2", "part3"}
	cases = append(cases,
		streamCase("off-length", streamConf, headCL, []string{"part1", "part2", "part3"}, func(s stage) []conformance.Request {
			return []conformance.Request{
				streamRequest("http/1.0", s, get10("/off/"), 2, "part1", "part2"),
				streamRequest("http/1.1", s, get11("/off/"), 2, "part1", "part2"),
				streamRequest("buffered", s, get10("/on/"), 2),
			}
		}),
		streamCase("off-chunked", streamConf, headChunked, []string{"5\r\npart1\r\n", "5\r\npart2\r\n", "0\r\n\r\n"}, func(s stage) []conformance.Request {
			return []conformance.Request{
				streamRequest("http/1.0", s, get10("/off/"), 2, "part1", "part2"),
				streamRequest("http/1.1", s, get11("/off/"), 2, "part1", "part2"),
				streamRequest("buffered http/1.1", s, get11("/on/"), 2),
			}
		}),
		streamCase("off-until-close", streamConf, headClose, three, func(s stage) []conformance.Request {
			return []conformance.Request{
				streamRequest("http/1.0", s, get10("/off/"), 2, "part1", "part2"),
				streamRequest("http/1.1", s, get11("/off/"), 2, "part1", "part2"),
				streamRequest("buffered http/1.0", s, get10("/on/"), 2),
			}
		}),
		streamCase("x-accel-buffering-no", streamConf, headNoBuf, three, func(s stage) []conformance.Request {
			return []conformance.Request{
				streamRequest("http/1.0", s, get10("/on/"), 2, "part1", "part2"),
				streamRequest("http/1.1", s, get11("/on/"), 2, "part1", "part2"),
				streamRequest("ignored", s, get11("/ig/"), 2),
			}
		}),
		streamCase("x-accel-buffering-yes", streamConf, headYesBuf, three, func(s stage) []conformance.Request {
			return []conformance.Request{
				streamRequest("buffering off overridden", s, get11("/off/"), 2),
			}
		}),
		streamCase("sse", streamConf, headSSE, []string{"data: 1\n\n", "data: 2\n\n", "data: 3\n\n", "event: end\ndata: 4\n\n"}, func(s stage) []conformance.Request {
			return []conformance.Request{
				streamRequest("events http/1.1", s, get11("/off/"), 3, "data: 1", "data: 2", "data: 3"),
				streamRequest("events http/1.0", s, get10("/off/"), 3, "data: 1", "data: 2", "data: 3"),
				streamRequest("buffered", s, get11("/on/"), 3),
			}
		}),
		streamCase("head-first", streamConf, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Step: 1\r\n\r\n", []string{"", "body"}, func(s stage) []conformance.Request {
			return []conformance.Request{
				streamRequest("head before any body", s, get11("/off/"), 1, "\r\n\r\n"),
				streamRequest("buffered", s, get11("/on/"), 1),
			}
		}),
		streamCase("many-chunks", streamConf, headChunked, []string{"1\r\na\r\n", "2\r\nbb\r\n", "3\r\nccc\r\n", "4\r\ndddd\r\n", "0\r\n\r\n"}, func(s stage) []conformance.Request {
			return []conformance.Request{
				streamRequest("unbuffered", s, get11("/off/"), 4, "a", "bb", "ccc", "dddd"),
			}
		}),
		conformance.Case{
			Name: "bodies",
			Backend: canned(map[string]string{
				"/big":     "HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n" + strings.Repeat("0123456789", 20000),
				"/bigc":    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n30d40\r\n" + strings.Repeat("abcdefghij", 20000) + "\r\n0\r\n\r\n",
				"/empty":   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
				"/rate":    "HTTP/1.1 200 OK\r\nX-Accel-Limit-Rate: 1000\r\nContent-Length: 1500\r\n\r\n" + strings.Repeat("r", 1500),
				"/ratebad": "HTTP/1.1 200 OK\r\nX-Accel-Limit-Rate: off\r\nContent-Length: 5\r\n\r\nhello",
				"/small":   "HTTP/1.1 200 OK\r\nX-Accel-Limit-Rate: 100\r\nContent-Length: 5\r\n\r\nhello",
				"/sse":     headSSE + "data: 1\n\ndata: 2\n\n",
			}),
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location / { proxy_pass http://{{BACKEND}}; }
				location /off/ { proxy_pass http://{{BACKEND}}/; proxy_buffering off; }
				location /lim/ { proxy_pass http://{{BACKEND}}/; proxy_limit_rate 100; }
			}`,
			Requests: []conformance.Request{
				{Target: "/big"}, {Target: "/off/big"}, {Target: "/bigc", HTTP11: true, Header: []string{"Connection: close"}},
				{Target: "/off/bigc"}, {Target: "/empty", HTTP11: true, Header: []string{"Connection: close"}},
				{Target: "/off/empty", HTTP11: true, Header: []string{"Connection: close"}},
				{Name: "head unbuffered", Method: "HEAD", Target: "/off/big"},
				{Name: "x-accel-limit-rate", Target: "/rate"},
				{Name: "x-accel-limit-rate not a number", Target: "/ratebad"},
				{Name: "proxy_limit_rate", Target: "/lim/small"},
				{Name: "proxy_limit_rate unbuffered", Target: "/off/small"},
				{Name: "sse buffered", Target: "/sse"},
			},
		},
	)
	cases = append(cases, webSocketCases()...)
	conformance.Run(t, cases)
}

// wsBackend is a WebSocket server as far as the handshake goes: it
// switches protocols when the request asks for it with "Upgrade:
// websocket" and then echoes what it reads, answering "quit" with "bye"
// and a close; a request without the header gets 426.
func wsBackend(always101 bool) *conformance.Backend {
	return &conformance.Backend{Serve: func(c net.Conn, br *bufio.Reader, req []byte) {
		asked := strings.Contains(strings.ToLower(parseUpstream(req).header), "\r\nupgrade: websocket")
		if !asked && !always101 {
			_, _ = io.WriteString(c, "HTTP/1.1 426 Upgrade Required\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nno upgrade\n")
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nX-Up: 1\r\n\r\nhello")
		buf := make([]byte, 64<<10)
		for {
			n, err := br.Read(buf)
			if string(buf[:n]) == "quit" {
				_, _ = io.WriteString(c, "bye")
				return
			}
			if n > 0 {
				if _, werr := c.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}}
}

// wsStep is one client turn of a WebSocket conversation.
type wsStep struct {
	send string // written to the tunnel
	want int    // bytes then read back (the echo)
	// end: "quit" sends quit and reads to the end, "half" closes the
	// client's side and reads to the end, "idle" just reads to the end.
	end string
}

// wsExchange asks path for an upgrade (with pipelined bytes after the
// request) and plays the steps, noting the response head and every byte
// read back.
func wsExchange(path, proto, pipelined string, upgrade bool, steps ...wsStep) func(net.Conn) string {
	return func(c net.Conn) string {
		req := "GET " + path + " " + proto + "\r\nHost: localhost\r\n"
		if upgrade {
			// No Sec-WebSocket-Key: net/http would pass it upstream as
			// Sec-Websocket-Key, a difference of the request side.
			req += "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		}
		_, _ = io.WriteString(c, req+"\r\n"+pipelined)
		_ = c.SetDeadline(time.Now().Add(stageWait))
		br := bufio.NewReader(c)
		resp, err := rawhttp.ReadResponse(br, "GET")
		if err != nil {
			return "error: " + err.Error()
		}
		var tr strings.Builder
		tr.WriteString(canonical(string(resp.Raw)))
		tr.Write(resp.Body)
		if resp.Status != 101 {
			return tr.String()
		}
		readN := func(n int) {
			got := make([]byte, n)
			k, err := io.ReadFull(br, got)
			fmt.Fprintf(&tr, "[%s]", got[:k])
			if err != nil {
				fmt.Fprintf(&tr, "<%v>", err)
			}
		}
		readN(len("hello") + len(pipelined))
		for _, s := range steps {
			switch s.end {
			case "quit":
				_, _ = io.WriteString(c, "quit")
			case "half":
				_ = c.(*net.TCPConn).CloseWrite()
			case "":
				_, _ = io.WriteString(c, s.send)
				readN(s.want)
				continue
			}
			rest, err := io.ReadAll(br)
			fmt.Fprintf(&tr, "[%s]<end: %v>", rest, err)
		}
		return tr.String()
	}
}

func webSocketCases() []conformance.Case {
	const ws = `proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade";`
	conf := `upstream wsgroup { server {{BACKEND}}; }
	server { listen 127.0.0.1:{{PORT}};
		location /ws/ { proxy_pass http://{{BACKEND}}; ` + ws + ` }
		location /idle/ { proxy_pass http://{{BACKEND}}; ` + ws + ` proxy_read_timeout 300ms; }
		location /hdr/ { proxy_pass http://{{BACKEND}}; ` + ws + ` add_header X-Always a always; add_header X-Not b; proxy_hide_header X-Up; }
		location /group/ { proxy_pass http://wsgroup; ` + ws + ` }
		location /v10/ { proxy_pass http://{{BACKEND}}; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; }
		location /nows/ { proxy_pass http://{{BACKEND}}; }
	}`
	big := strings.Repeat("0123456789abcdef", 8192)
	req := func(name, path, proto, pipelined string, upgrade bool, steps ...wsStep) conformance.Request {
		return conformance.Request{Name: name, Exchange: wsExchange(path, proto, pipelined, upgrade, steps...)}
	}
	const h11, h10 = "HTTP/1.1", "HTTP/1.0"
	quit := wsStep{end: "quit"}
	return []conformance.Case{
		{
			Name:    "websocket",
			Backend: wsBackend(false),
			Conf:    conf,
			Requests: []conformance.Request{
				req("echo", "/ws/", h11, "", true, wsStep{send: "ping", want: 4}, quit),
				req("pipelined after the request", "/ws/", h11, "early", true, wsStep{send: "x", want: 1}, quit),
				req("several messages", "/ws/", h11, "", true, wsStep{send: "a", want: 1}, wsStep{send: "bb", want: 2}, wsStep{send: "ccc", want: 3}, quit),
				req("large message", "/ws/", h11, "", true, wsStep{send: big, want: len(big)}, quit),
				req("upstream closes", "/ws/", h11, "", true, quit),
				req("client closes its side", "/ws/", h11, "", true, wsStep{send: "z", want: 1}, wsStep{end: "half"}),
				req("idle timeout", "/idle/", h11, "", true, wsStep{send: "k", want: 1}, wsStep{end: "idle"}),
				req("add_header and hidden header", "/hdr/", h11, "", true, quit),
				req("upstream block", "/group/", h11, "", true, wsStep{send: "g", want: 1}, quit),
				req("http/1.0 client", "/ws/", h10, "", true, wsStep{send: "o", want: 1}, quit),
				req("proxy_http_version 1.0", "/v10/", h11, "", true, wsStep{send: "v", want: 1}, quit),
				req("no upgrade asked", "/ws/", h11, "", false),
				req("not configured", "/nows/", h11, "", true),
				req("not configured, http/1.0", "/nows/", h10, "", true),
			},
		},
		{
			Name:    "101-without-upgrade",
			Backend: wsBackend(true),
			Conf:    conf,
			Requests: []conformance.Request{
				req("passed on a client that asked", "/nows/", h11, "", true, wsStep{send: "n", want: 1}, quit),
			},
		},
	}
}
