package frontdesk_test

import (
	"strings"
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
)

// What the backend receives from a proxy_pass: every case has a raw
// recording backend, so the runner compares the exact bytes nginx and
// frontdesk send upstream (request line, header names, order and values,
// body framing) as well as the response.
//
// net/http hands frontdesk the client's headers under canonical names in
// a map, so their order and spelling are lost (see
// TestClientHeaderOrderIsNotKept); requests here send canonical names in
// sorted order, which frontdesk then reproduces exactly.

// prPost is a request with a body sent with Content-Length.
func prPost(name, target, body string, header ...string) conformance.Request {
	return conformance.Request{Name: name, Method: "POST", Target: target, Body: body, Header: header}
}

// prChunked is an HTTP/1.1 POST whose body is sent chunked, one chunk per
// argument.
func prChunked(name, target string, chunks ...string) conformance.Request {
	return conformance.Request{Name: name, Method: "POST", Target: target, HTTP11: true,
		Header: []string{"Transfer-Encoding: chunked"}, Body: string(rawhttp.Chunked(chunks...))}
}

// prRaw is a request written byte for byte.
func prRaw(name, raw string) conformance.Request {
	return conformance.Request{Name: name, Raw: raw}
}

func TestConformanceProxyRequestURI(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name:    "internal-redirects",
			Backend: &conformance.Backend{},
			Files:   map[string]string{"dir/index.html": "i", "exists.txt": "e"},
			Conf: `server { listen 127.0.0.1:{{PORT}};
				root {{DIR}};
				location /ep/ { error_page 404 /up/from-error?code=404; return 404; }
				location /ep-args/ { error_page 404 /up/e?a=$arg_a&uri=$uri; return 404; }
				location /ep-named/ { error_page 404 @up; return 404; }
				location /ep-part/ { error_page 404 /part/x/y; return 404; }
				location /tf/ { try_files $uri /up$uri; }
				location /tf-args/ { try_files $uri /up/fallback?orig=$uri&$args; }
				location /tf-named/ { try_files $uri @up; }
				location /tf-part/ { try_files $uri /part$uri; }
				location /tf-exists/ { try_files /exists.txt /up/never; }
				location /dir/ { index index.html; }
				location ~ \.html$ { proxy_pass http://{{BACKEND}}; }
				location /up/ { proxy_pass http://{{BACKEND}}; }
				location /part/ { proxy_pass http://{{BACKEND}}/new/; }
				location @up { proxy_pass http://{{BACKEND}}; }
			}`,
			Requests: get(
				"/ep/x", "/ep/x?q=1", "/ep-args/a%20b?a=1&b=2", "/ep-named/n?x=1", "/ep-part/z",
				"/tf/a", "/tf/a?x=1", "/tf/a%20b", "/tf/a%2Fb", "/tf/%3F%23", "/tf/%25", "/tf/%22%3C%3E%5C%5E%60%7B%7C%7D",
				"/tf/caf%C3%A9", "/tf/a;b=c+d&e", "/tf//a/./b/../c", "/tf/%7E", "/tf-args/x?y=1&z", "/tf-args/x",
				"/tf-named/n%20m?x=1", "/tf-named/raw//x", "/tf-part/p%20q", "/tf-part/p?x", "/tf-exists/", "/dir/", "/dir/?x=1",
			),
		},
		{
			Name:    "regex-and-args",
			Backend: &conformance.Backend{},
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location ~ ^/re/ { proxy_pass http://{{BACKEND}}; }
				location ~* \.PHP$ { proxy_pass http://{{BACKEND}}; }
				location /nested/ {
					location ~ /deep$ { proxy_pass http://{{BACKEND}}; }
					proxy_pass http://{{BACKEND}}/n/;
				}
				location /args/ { proxy_pass http://{{BACKEND}}/a/; }
				location = /exact { proxy_pass http://{{BACKEND}}/e?fixed=1; }
			}`,
			Requests: get(
				"/re/a%20b?x", "/re//a", "/re/a/../b", "/re/%2e%2e/x", "/x/index.php?a=b", "/x/INDEX.Php",
				"/nested/deep", "/nested/deep?x=1", "/nested/other%41", "/args/?", "/args/x?a=%20b+c&d",
				"/args/x?a#frag", "/args/%3F?q", "/args/a?b?c", "/exact", "/exact?q=1",
			),
		},
	})
}

func TestConformanceProxyRequestHeaders(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name:    "client-headers",
			Backend: &conformance.Backend{},
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location / { proxy_pass http://{{BACKEND}}; }
				location /nohdr/ { proxy_pass_request_headers off; proxy_set_header X-Kept yes; proxy_pass http://{{BACKEND}}; }
			}`,
			Requests: []conformance.Request{
				named("sorted canonical", "GET", "/a", "Accept: */*", "Cookie: a=1", "User-Agent: ua/1", "X-Custom: v"),
				named("repeated header", "GET", "/a", "X-A: 1", "X-A: 2", "X-B: 3"),
				named("empty value", "GET", "/a", "X-Empty:", "X-Full: f"),
				named("value spaces trimmed", "GET", "/a", "X-Sp:    padded   "),
				named("hop-by-hop", "GET", "/a", "Connection: keep-alive, X-Foo", "Keep-Alive: 300", "Te: trailers", "Upgrade: h2c", "X-Foo: bar"),
				named("proxy-connection passed", "GET", "/a", "Proxy-Connection: keep-alive"),
				named("expect dropped", "GET", "/a", "Expect: 100-continue"),
				named("host not copied", "GET", "/a", "Host: example.org:8080"),
				named("underscore dropped", "GET", "/a", "X_Under: 1", "X-Ok: 2"),
				named("dot dropped", "GET", "/a", "X.Dot: 1", "X-Ok: 2"),
				named("other token bytes dropped", "GET", "/a", "X!Bang: 1", "X+Plus: 2", "X~Tilde: 3", "X-Ok: 4"),
				named("request headers off", "GET", "/nohdr/", "Accept: x", "X-Forwarded-For: 1.2.3.4"),
				{Name: "http/1.1 client", Target: "/a", HTTP11: true, Header: []string{"Accept: y"}},
				{Name: "head", Method: "HEAD", Target: "/a"},
				{Name: "odd method", Method: "PROPFIND", Target: "/a"},
			},
		},
		{
			Name:    "underscores-on",
			Backend: &conformance.Backend{},
			Conf: `underscores_in_headers on;
				server { listen 127.0.0.1:{{PORT}};
				location / { proxy_set_header X-Seen $http_x_under; proxy_pass http://{{BACKEND}}; }
			}`,
			Requests: []conformance.Request{
				named("underscore kept", "GET", "/", "X-Ok: 2", "X_under: 1"),
				named("dot still dropped", "GET", "/", "X.dot: 1"),
			},
		},
		{
			Name:    "invalid-headers-kept",
			Backend: &conformance.Backend{},
			Conf: `server { listen 127.0.0.1:{{PORT}}; ignore_invalid_headers off;
				location / { proxy_pass http://{{BACKEND}}; }
			}`,
			Requests: []conformance.Request{
				named("underscore kept", "GET", "/", "X_under: 1"),
				named("dot kept", "GET", "/", "X-Ok: 2", "X.dot: 1"),
			},
		},
		{
			Name:    "set-header",
			Backend: &conformance.Backend{},
			Conf: `server { listen 127.0.0.1:{{PORT}}; server_name srv.example;
				proxy_set_header X-Server server-level;
				proxy_set_header X-Real-IP $remote_addr;
				location /inherit/ {
					location /inherit/nested/ { proxy_pass http://{{BACKEND}}; }
					proxy_pass http://{{BACKEND}};
				}
				location /own/ {
					proxy_set_header X-Own own;
					location /own/nested/ { proxy_pass http://{{BACKEND}}; }
					location /own/nested-own/ { proxy_set_header X-Inner inner; proxy_pass http://{{BACKEND}}; }
					proxy_pass http://{{BACKEND}};
				}
				location /host/ { proxy_set_header Host $host; proxy_pass http://{{BACKEND}}; }
				location /http-host/ { proxy_set_header Host $http_host; proxy_pass http://{{BACKEND}}; }
				location /host-port/ { proxy_set_header Host $host:$proxy_port; proxy_pass http://{{BACKEND}}; }
				location /no-host/ { proxy_set_header Host ""; proxy_pass http://{{BACKEND}}; }
				location /empty/ {
					proxy_set_header User-Agent "";
					proxy_set_header X-Var $http_x_missing;
					proxy_set_header x-lower lower;
					proxy_set_header X-Dup one;
					proxy_set_header X-Dup two;
					proxy_pass http://{{BACKEND}};
				}
				location /conn/ { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://{{BACKEND}}; }
				location /upgrade/ {
					proxy_http_version 1.1;
					proxy_set_header Upgrade $http_upgrade;
					proxy_set_header Connection "upgrade";
					proxy_pass http://{{BACKEND}};
				}
				location /xff/ {
					proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
					proxy_set_header X-Forwarded-Proto $scheme;
					proxy_pass http://{{BACKEND}};
				}
				location /vars/ {
					proxy_set_header X-Proxy $proxy_host|$proxy_port;
					proxy_set_header X-Request $request_method|$request_uri|$uri|$args;
					proxy_set_header X-Order-Last last;
					proxy_pass http://{{BACKEND}};
				}
				location /override/ { proxy_set_header X-Custom from-config; proxy_set_header Accept ""; proxy_pass http://{{BACKEND}}; }
			}`,
			Requests: []conformance.Request{
				named("server level", "GET", "/inherit/", "X-Real-Ip: 9.9.9.9"),
				named("nested inherits", "GET", "/inherit/nested/"),
				named("own replaces", "GET", "/own/"),
				named("nested inherits own", "GET", "/own/nested/"),
				named("nested own", "GET", "/own/nested-own/"),
				named("host", "GET", "/host/", "Host: Example.ORG:8080"),
				{Name: "host missing 1.0", Raw: "GET /host/ HTTP/1.0\r\n\r\n"},
				named("http host", "GET", "/http-host/", "Host: Example.ORG:8080"),
				{Name: "http host missing", Raw: "GET /http-host/ HTTP/1.0\r\n\r\n"},
				named("host port", "GET", "/host-port/", "Host: a.example"),
				named("no host", "GET", "/no-host/", "Host: a.example"),
				named("empty values", "GET", "/empty/", "User-Agent: ua", "X-Dup: client", "X-Lower: client", "X-Var: client"),
				named("empty var", "GET", "/empty/", "X-Missing: here"),
				named("connection empty", "GET", "/conn/", "Connection: keep-alive"),
				named("upgrade", "GET", "/upgrade/", "Connection: Upgrade", "Upgrade: websocket"),
				named("upgrade absent", "GET", "/upgrade/"),
				named("xff none", "GET", "/xff/"),
				named("xff one", "GET", "/xff/", "X-Forwarded-For: 1.2.3.4"),
				named("xff two lines", "GET", "/xff/", "X-Forwarded-For: 1.1.1.1", "X-Forwarded-For: 2.2.2.2, 3.3.3.3"),
				named("xff empty", "GET", "/xff/", "X-Forwarded-For:"),
				named("vars", "GET", "/vars/a%20b?x=1&y"),
				named("override client", "GET", "/override/", "Accept: text/html", "X-Custom: from-client"),
			},
		},
		{
			Name:    "http-level-set-header",
			Backend: &conformance.Backend{},
			Conf: `proxy_set_header X-Http http-level;
				server { listen 127.0.0.1:{{PORT}};
				location /a/ { proxy_pass http://{{BACKEND}}; }
				location /b/ { proxy_set_header X-Loc loc; proxy_pass http://{{BACKEND}}; }
			}`,
			Requests: get("/a/", "/b/"),
		},
		{
			Name:    "server-replaces-http-set-header",
			Backend: &conformance.Backend{},
			Conf: `proxy_set_header X-Http http-level;
				server { listen 127.0.0.1:{{PORT}};
				proxy_set_header X-Server srv;
				location / { proxy_pass http://{{BACKEND}}; }
			}`,
			Requests: get("/"),
		},
		{
			Name:    "upstream-group-host",
			Backend: &conformance.Backend{},
			Conf: `upstream app_servers { server {{BACKEND}}; }
				server { listen 127.0.0.1:{{PORT}};
				location / { proxy_pass http://app_servers; }
				location /uri/ { proxy_set_header X-P $proxy_host:$proxy_port; proxy_pass http://app_servers/base/; }
			}`,
			Requests: get("/x?y", "/uri/z"),
		},
	})
}

func TestConformanceProxyRequestBody(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 6000) // 96000 bytes: past the buffer, into a temp file
	conformance.Run(t, []conformance.Case{
		{
			Name:    "bodies",
			Backend: &conformance.Backend{},
			Conf: `server { listen 127.0.0.1:{{PORT}};
				client_max_body_size 200k;
				location / { proxy_pass http://{{BACKEND}}; }
				location /small-buffer/ { client_body_buffer_size 16; proxy_pass http://{{BACKEND}}; }
				location /nobody/ { proxy_pass_request_body off; proxy_pass http://{{BACKEND}}; }
				location /nobody-nocl/ { proxy_pass_request_body off; proxy_set_header Content-Length ""; proxy_pass http://{{BACKEND}}; }
				location /nocl/ { proxy_set_header Content-Length ""; proxy_pass http://{{BACKEND}}; }
				location /setbody/ { proxy_set_body "a=$arg_a&m=$request_method"; proxy_pass http://{{BACKEND}}; }
				location /setbody-empty/ { proxy_set_body $arg_none; proxy_pass http://{{BACKEND}}; }
				location /method/ { proxy_method PUT; proxy_pass http://{{BACKEND}}; }
				location /method-var/ { proxy_method $arg_m; proxy_pass http://{{BACKEND}}; }
				location /unbuffered/ { proxy_request_buffering off; proxy_pass http://{{BACKEND}}; }
				location /unbuffered10/ { proxy_request_buffering off; proxy_http_version 1.0; proxy_pass http://{{BACKEND}}; }
			}`,
			Requests: []conformance.Request{
				prPost("post", "/p", "hello=world"),
				prPost("post empty", "/p", "", "Content-Length: 0"),
				{Name: "get no body", Target: "/g"},
				prPost("put", "/p", "data", "Content-Type: text/plain"),
				prPost("binary", "/p", "\x00\x01\r\n\xff"),
				prPost("big spills to file", "/p", big),
				prPost("small buffer", "/small-buffer/p", "more than sixteen bytes of body"),
				prChunked("chunked", "/c", "hello", " ", "world"),
				prChunked("chunked one", "/c", "x"),
				prChunked("chunked empty", "/c"),
				prChunked("chunked big", "/c", big[:40000], big[40000:]),
				prChunked("chunked small buffer", "/small-buffer/c", "0123456789", "0123456789", "0123456789"),
				prRaw("chunked extensions and trailer", "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n"),
				prRaw("chunked uppercase hex", "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"),
				prRaw("chunked with trailer header", "POST /c HTTP/1.1\r\nHost: x\r\nTrailer: X-T\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T: v\r\n\r\n"),
				prRaw("chunked invalid size", "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"),
				// With the body not passed nginx still sends its
				// Content-Length (TestPassRequestBodyOffKeepsLength): the
				// recording backend would wait for it, so these cases
				// drop the header as nginx's documentation advises.
				{Name: "pass body off get", Target: "/nobody/g"},
				prPost("pass body off", "/nobody-nocl/p", "abc"),
				prChunked("pass body off chunked", "/nobody-nocl/c", "hello"),
				prPost("no content-length", "/nocl/p", "abc"),
				{Name: "set body get", Target: "/setbody/?a=1"},
				prPost("set body post", "/setbody/?a=2", "ignored body"),
				prChunked("set body chunked", "/setbody/?a=3", "ignored"),
				prPost("set body empty", "/setbody-empty/", "x"),
				prPost("method", "/method/", "abc"),
				{Name: "method get", Target: "/method/"},
				prPost("method var", "/method-var/?m=PATCH", "abc"),
				prPost("unbuffered", "/unbuffered/p", "streamed"),
				prPost("unbuffered big", "/unbuffered/p", big),
				prChunked("unbuffered chunked to 1.0", "/unbuffered10/c", "hello", "world"),
				{Name: "expect", Method: "POST", Target: "/e", HTTP11: true, Header: []string{"Expect: 100-continue"}, Body: "abc"},
				{Name: "expect case", Method: "POST", Target: "/e", HTTP11: true, Header: []string{"Expect: 100-Continue"}, Body: "abc"},
				{Name: "expect no body", Target: "/e", HTTP11: true, Header: []string{"Expect: 100-continue"}},
				{Name: "expect http/1.0", Method: "POST", Target: "/e", Header: []string{"Expect: 100-continue"}, Body: "abc"},
				{Name: "expect chunked", Method: "POST", Target: "/e", HTTP11: true, Header: []string{"Expect: 100-continue", "Transfer-Encoding: chunked"}, Body: string(rawhttp.Chunked("abc"))},
			},
		},
		{
			Name:    "limits",
			Backend: &conformance.Backend{},
			Conf: `server { listen 127.0.0.1:{{PORT}};
				client_max_body_size 10;
				location / { proxy_pass http://{{BACKEND}}; }
				location /big/ { client_max_body_size 1k; proxy_pass http://{{BACKEND}}; }
				location /none/ { client_max_body_size 0; proxy_pass http://{{BACKEND}}; }
				location /ret/ { return 200 "ret\n"; }
				location /ep/ { error_page 413 /up/413; proxy_pass http://{{BACKEND}}; }
				location /ep-chunked/ { error_page 413 = /up/413; proxy_pass http://{{BACKEND}}; }
				location /up/ { client_max_body_size 0; proxy_pass http://{{BACKEND}}; }
				location /dir/ { client_max_body_size 1; proxy_pass http://{{BACKEND}}; }
				location /spill/ { client_body_buffer_size 4; proxy_pass http://{{BACKEND}}; }
			}`,
			Requests: []conformance.Request{
				prPost("at limit", "/x", "0123456789"),
				prPost("over limit", "/x", "0123456789A"),
				prPost("location limit", "/big/", "0123456789A"),
				prPost("unlimited", "/none/", strings.Repeat("z", 5000)),
				prPost("return too", "/ret/", "0123456789A"),
				prPost("return under", "/ret/", "0"),
				prChunked("chunked at limit", "/x", "01234", "56789"),
				prChunked("chunked over limit", "/x", "01234", "56789", "A"),
				prChunked("chunked one big chunk", "/x", "0123456789AB"),
				prChunked("chunked spilled at limit", "/spill/", "012345", "6789"),
				prChunked("chunked spilled over limit", "/spill/", "012345", "6789AB"),
				prPost("error page for 413", "/ep/", "0123456789A"),
				prPost("error page keeps status", "/ep-chunked/", "0123456789A"),
				{Name: "expect over limit", Method: "POST", Target: "/x", HTTP11: true, Header: []string{"Expect: 100-continue"}, Body: "0123456789A"},
				prPost("auto redirect after limit", "/dir", "ab"),
			},
		},
	})
}

// realipEcho sends the addresses nginx derives to the backend, which
// echoes them. $remote_port is only sent from /port/, used where a header
// sets it: the connection's own port differs between the two servers.
const realipEcho = `
	proxy_set_header X-RA $remote_addr;
	proxy_set_header X-RRA $realip_remote_addr;
	proxy_set_header X-XFF $proxy_add_x_forwarded_for;
	proxy_pass http://{{BACKEND}};`

func realipLocations(extra string) string {
	return `server { listen 127.0.0.1:{{PORT}};
		` + extra + `
		location / {` + realipEcho + `}
		location /port/ { proxy_set_header X-RP $remote_port; ` + realipEcho + `}
		location /bin/ { proxy_set_header X-Bin $binary_remote_addr; ` + realipEcho + `}
		location /ret/ { return 200 "$remote_addr $realip_remote_addr\n"; }
	}`
}

func TestConformanceProxyRequestRealIP(t *testing.T) {
	xri := func(name, target, value string) conformance.Request {
		return named(name, "GET", target, "X-Real-Ip: "+value)
	}
	xff := func(name string, values ...string) conformance.Request {
		h := make([]string, len(values))
		for i, v := range values {
			h[i] = "X-Forwarded-For: " + v
		}
		return named(name, "GET", "/", h...)
	}
	conformance.Run(t, []conformance.Case{
		{
			Name:    "x-real-ip",
			Backend: &conformance.Backend{},
			Conf:    realipLocations(`set_real_ip_from 127.0.0.1;`),
			Requests: []conformance.Request{
				{Name: "no header", Target: "/"},
				xri("v4", "/", "1.2.3.4"),
				xri("v4 port", "/port/", "1.2.3.4:5678"),
				xri("v6", "/", "2001:DB8:0:0:0:0:0:1"),
				xri("v6 port", "/port/", "[2001:db8::1]:80"),
				xri("v4 mapped", "/", "::ffff:1.2.3.4"),
				xri("v4 compatible", "/", "::1.2.3.4"),
				xri("v4 compatible written dotted", "/", "::ffff:ffff"),
				xri("v6 full", "/", "1:2:3:4:5:6:7:8"),
				xri("v6 one zero group", "/", "1:0:3:4:5:6:7:8"),
				xri("v6 two runs", "/", "1:0:0:4:0:0:0:8"),
				xri("leading zeros", "/", "01.002.3.4"),
				xri("empty octet", "/", "1..2.3"),
				xri("broadcast refused", "/", "255.255.255.255"),
				xri("octet too big", "/", "256.1.1.1"),
				xri("hostname", "/", "example.com"),
				xri("list takes last", "/", "1.2.3.4, 5.6.7.8"),
				xri("space list", "/", "1.2.3.4 5.6.7.8"),
				xri("trailing comma", "/", "1.2.3.4,"),
				xri("leading comma", "/", ",1.2.3.4"),
				xri("port zero", "/", "1.2.3.4:0"),
				xri("port too big", "/", "1.2.3.4:65536"),
				xri("bracket no port", "/", "[::1]"),
				xri("empty", "/", ""),
				xri("binary v4", "/bin/", "1.2.3.4"),
				xri("binary v6", "/bin/", "2001:db8::1"),
				xri("server level before return", "/ret/", "1.2.3.4"),
				named("first of two", "GET", "/", "X-Real-Ip: 1.1.1.1", "X-Real-Ip: 2.2.2.2"),
				named("xff ignored", "GET", "/", "X-Forwarded-For: 1.2.3.4"),
				named("xff appended after realip", "GET", "/", "X-Forwarded-For: 7.7.7.7", "X-Real-Ip: 1.2.3.4"),
			},
		},
		{
			Name:    "x-forwarded-for",
			Backend: &conformance.Backend{},
			Conf: realipLocations(`set_real_ip_from 127.0.0.1; set_real_ip_from 10.0.0.0/8;
				real_ip_header X-Forwarded-For;`),
			Requests: []conformance.Request{
				xff("one", "1.2.3.4"),
				xff("last even if trusted", "1.2.3.4, 10.0.0.1"),
				xff("last line", "1.1.1.1", "2.2.2.2, 10.0.0.2"),
				xff("garbage", "junk"),
				xff("last garbage", "1.2.3.4, junk"),
				named("x-real-ip ignored", "GET", "/", "X-Real-Ip: 1.2.3.4"),
			},
		},
		{
			Name:    "recursive",
			Backend: &conformance.Backend{},
			Conf: realipLocations(`set_real_ip_from 127.0.0.1; set_real_ip_from 10.0.0.0/8;
				real_ip_header X-Forwarded-For; real_ip_recursive on;`),
			Requests: []conformance.Request{
				xff("skips trusted", "1.2.3.4, 10.0.0.1"),
				xff("all trusted takes leftmost", "10.0.0.3, 10.0.0.1"),
				xff("stops at first untrusted", "1.2.3.4, 5.6.7.8, 10.0.0.1"),
				xff("garbage keeps last good", "1.2.3.4, junk, 10.0.0.1"),
				xff("across lines", "1.1.1.1", "10.0.0.5"),
				xff("across lines all trusted", "10.0.0.9", "10.0.0.5, 10.0.0.6"),
				xff("across lines stops", "1.1.1.1", "2.2.2.2", "10.0.0.5"),
				xff("ports", "1.2.3.4:80, 10.0.0.1:81"),
				xff("leading comma", ",10.0.0.2"),
				xff("empty line", "", "10.0.0.2"),
			},
		},
		{
			Name:    "untrusted-peer",
			Backend: &conformance.Backend{},
			Conf:    realipLocations(`set_real_ip_from 10.0.0.0/8; set_real_ip_from unix:;`),
			Requests: []conformance.Request{
				xri("ignored", "/", "1.2.3.4"),
				xri("ignored before return", "/ret/", "1.2.3.4"),
			},
		},
		{
			Name:    "custom-header",
			Backend: &conformance.Backend{},
			Conf: realipLocations(`set_real_ip_from 127.0.0.0/8; set_real_ip_from 10.0.0.0/8;
				real_ip_header X-Client-Addr; real_ip_recursive on;`),
			Requests: []conformance.Request{
				named("custom", "GET", "/", "X-Client-Addr: 1.2.3.4"),
				named("custom list", "GET", "/", "X-Client-Addr: 5.6.7.8, 10.1.1.1"),
				named("first line only", "GET", "/", "X-Client-Addr: 1.1.1.1", "X-Client-Addr: 2.2.2.2"),
				named("other headers ignored", "GET", "/", "X-Forwarded-For: 5.6.7.8", "X-Real-Ip: 1.2.3.4"),
			},
		},
		{
			Name:    "lowercase-xff-is-a-plain-header",
			Backend: &conformance.Backend{},
			Conf: realipLocations(`set_real_ip_from 127.0.0.1; set_real_ip_from 10.0.0.0/8;
				real_ip_header x-forwarded-for; real_ip_recursive on;`),
			Requests: []conformance.Request{
				xff("first line only", "1.1.1.1, 10.0.0.1", "2.2.2.2"),
			},
		},
		{
			Name:    "trust-forms",
			Backend: &conformance.Backend{},
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location /cidr/ { set_real_ip_from 127.0.0.0/8;` + realipEcho + `}
				location /lowbits/ { set_real_ip_from 127.0.0.1/24;` + realipEcho + `}
				location /host/ { set_real_ip_from localhost;` + realipEcho + `}
				location /v6/ { set_real_ip_from ::1;` + realipEcho + `}
				location /all/ { set_real_ip_from 0.0.0.0/0;` + realipEcho + `}
				location /unix/ { set_real_ip_from unix:;` + realipEcho + `}
			}`,
			Requests: []conformance.Request{
				xri("cidr", "/cidr/", "1.2.3.4"),
				xri("low bits", "/lowbits/", "1.2.3.4"),
				xri("hostname", "/host/", "1.2.3.4"),
				xri("v6 entry", "/v6/", "1.2.3.4"),
				xri("everyone", "/all/", "1.2.3.4"),
				xri("unix entry", "/unix/", "1.2.3.4"),
			},
		},
		{
			Name:    "location-level",
			Backend: &conformance.Backend{},
			Files:   map[string]string{"f.txt": "file"},
			Conf: `server { listen 127.0.0.1:{{PORT}};
				root {{DIR}};
				location /loc/ { set_real_ip_from 127.0.0.1;` + realipEcho + `}
				location /loc-ret/ { set_real_ip_from 127.0.0.1; return 200 "$remote_addr\n"; }
				location /loc-ep/ { set_real_ip_from 127.0.0.1; error_page 404 /echo/; return 404; }
				location /loc-tf/ { set_real_ip_from 127.0.0.1; try_files /nonexistent /echo/; }
				location /plain-ep/ { error_page 404 /loc/from-ep; return 404; }
				location /echo/ {` + realipEcho + `}
				location /nested/ {
					set_real_ip_from 127.0.0.1; real_ip_header X-Forwarded-For;
					location /nested/inner/ {` + realipEcho + `}
					location /nested/own/ { set_real_ip_from 10.0.0.0/8;` + realipEcho + `}
				}
			}`,
			Requests: []conformance.Request{
				xri("location", "/loc/", "1.2.3.4"),
				xri("not before return", "/loc-ret/", "1.2.3.4"),
				xri("error page after return", "/loc-ep/", "1.2.3.4"),
				xri("try_files fallback", "/loc-tf/", "1.2.3.4"),
				xri("applied in error page location", "/plain-ep/", "1.2.3.4"),
				xri("other location", "/echo/", "1.2.3.4"),
				named("nested inherits", "GET", "/nested/inner/", "X-Forwarded-For: 5.6.7.8"),
				named("nested own list", "GET", "/nested/own/", "X-Forwarded-For: 5.6.7.8"),
			},
		},
		{
			Name:    "server-and-location",
			Backend: &conformance.Backend{},
			Conf: `set_real_ip_from 10.0.0.0/8;
				server { listen 127.0.0.1:{{PORT}};
				set_real_ip_from 127.0.0.1;
				location / {` + realipEcho + `}
				location /override/ { set_real_ip_from 127.0.0.1; real_ip_header X-Forwarded-For;` + realipEcho + `}
				location /ret/ { return 200 "$remote_addr\n"; }
			}`,
			Requests: []conformance.Request{
				xri("server replaces http list", "/", "1.2.3.4"),
				xri("server level before return", "/ret/", "1.2.3.4"),
				named("server level applied first", "GET", "/override/", "X-Forwarded-For: 5.6.7.8", "X-Real-Ip: 1.2.3.4"),
				named("location level when server declined", "GET", "/override/", "X-Forwarded-For: 5.6.7.8"),
			},
		},
	})
}
