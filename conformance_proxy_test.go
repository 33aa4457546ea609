package frontdesk_test

import (
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

func TestConformanceProxyURI(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name:    "uri-construction",
			Backend: &conformance.Backend{},
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location /raw/ { proxy_pass http://{{BACKEND}}; }
				location /replace/ { proxy_pass http://{{BACKEND}}/new/; }
				location /noslash/ { proxy_pass http://{{BACKEND}}/new; }
				location /short { proxy_pass http://{{BACKEND}}/x/; }
				location = /exact { proxy_pass http://{{BACKEND}}/e; }
				location ~ ^/re/ { proxy_pass http://{{BACKEND}}; }
				location /root/ { proxy_pass http://{{BACKEND}}/; }
			}`,
			Requests: get("/raw/a/b?x=1", "/raw//a/../b?y", "/raw/%41%2Fb", "/raw/a%20b", "/replace/a/b?x=1",
				"/replace//a//b", "/replace/a/../b", "/replace/%41%2Fb", "/replace/a%20b", "/replace/", "/noslash/x",
				"/short", "/shortcut/x", "/exact", "/exact?q", "/re/x/../y?z", "/root/q?a=b&c", "/raw", "/replace"),
		},
		{
			Name:    "request-headers",
			Backend: &conformance.Backend{},
			Conf: `server { listen 127.0.0.1:{{PORT}};
				proxy_set_header X-Server-Level server;
				location /default/ { proxy_pass http://{{BACKEND}}; }
				location /set/ {
					proxy_set_header X-Real-IP $remote_addr;
					proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
					proxy_set_header Host $host;
					proxy_set_header X-Empty "";
					proxy_set_header User-Agent "";
					proxy_pass http://{{BACKEND}};
				}
				location /v11/ { proxy_http_version 1.1; proxy_pass http://{{BACKEND}}; }
				location /nohdr/ { proxy_pass_request_headers off; proxy_pass http://{{BACKEND}}; }
			}`,
			Requests: []conformance.Request{
				{Target: "/default/"},
				{Name: "client headers", Target: "/default/h", Header: []string{"Accept: */*", "User-Agent: test/1.0", "X-Custom: a"}},
				{Name: "hop-by-hop dropped", Target: "/default/hop", Header: []string{"Connection: keep-alive, X-Foo", "Keep-Alive: 300", "TE: trailers", "Upgrade: websocket", "X-Foo: bar"}},
				{Name: "underscore dropped", Target: "/default/u", Header: []string{"X_Under: 1"}},
				{Name: "xff passed", Target: "/default/xff", Header: []string{"X-Forwarded-For: 10.0.0.1"}},
				{Target: "/set/"},
				{Name: "set with xff", Target: "/set/x", Header: []string{"X-Forwarded-For: 1.2.3.4", "User-Agent: ua"}},
				{Name: "set with host", Target: "/set/h", Header: []string{"Host: Example.COM:8080"}},
				{Target: "/v11/"},
				{Name: "no request headers", Target: "/nohdr/", Header: []string{"Accept: x"}},
				{Name: "post body", Method: "POST", Target: "/default/p", Body: "hello=world"},
				{Name: "post empty body", Method: "POST", Target: "/default/p", Header: []string{"Content-Length: 0"}},
				{Name: "head", Method: "HEAD", Target: "/default/head"},
				{Name: "put", Method: "PUT", Target: "/set/put", Body: "data"},
			},
		},
		{
			Name: "response-headers",
			Backend: &conformance.Backend{Respond: conformance.Static("HTTP/1.0 201 Created\r\n" +
				"Server: backend/1\r\nDate: Mon, 01 Jan 2001 00:00:00 GMT\r\nX-Pad: p\r\nX-Accel-Expires: 10\r\n" +
				"Content-Type: application/json\r\nX-App: yes\r\nContent-Length: 2\r\n\r\n{}")},
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location /a/ { proxy_pass http://{{BACKEND}}; }
				location /hide/ { proxy_hide_header X-App; proxy_pass_header Server; proxy_pass http://{{BACKEND}}; }
			}`,
			Requests: []conformance.Request{
				{Target: "/a/", Compare: []string{"X-App", "Server", "X-Pad", "X-Accel-Expires"}},
				{Target: "/hide/", Compare: []string{"X-App", "Server"}},
				{Name: "head", Method: "HEAD", Target: "/a/", Compare: []string{"X-App"}},
			},
		},
		{
			Name:    "errors-refused",
			Backend: &conformance.Backend{Respond: func([]byte) []byte { return nil }},
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location /closed/ { proxy_pass http://{{BACKEND}}; }
				location /refused/ { proxy_pass http://127.0.0.1:1; }
			}`,
			Requests: get("/closed/", "/refused/"),
		},
		malformed("dup-cl", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello"),
		malformed("bad-cl", "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nhello"),
		malformed("negative-cl", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nhello"),
		malformed("cl-and-te", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
		malformed("unknown-te", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nhello"),
		malformed("chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
		malformed("chunked-10", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
		malformed("bad-chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
		malformed("http09", "hello there"),
		malformed("bad-status", "HTTP/1.1 2x0 OK\r\n\r\nhello"),
		malformed("no-reason", "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok"),
		malformed("lf-only", "HTTP/1.1 200 OK\nContent-Length: 2\nX-A: b\n\nok"),
		malformed("bad-header", "HTTP/1.1 200 OK\r\nX A: b\r\nContent-Length: 2\r\n\r\nok"),
		malformed("close-delimited", "HTTP/1.1 200 OK\r\nContent-Type: text/x\r\n\r\nall until close"),
		malformed("short-body", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"),
		malformed("status-999", "HTTP/1.1 999 Odd\r\nContent-Length: 2\r\n\r\nok"),
		malformed("status-600", "HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nok"),
		malformed("304", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"),
		malformed("head-only-close", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"),
		{
			Name:    "body-limits",
			Backend: &conformance.Backend{},
			Conf: `server { listen 127.0.0.1:{{PORT}};
				client_max_body_size 10;
				location / { proxy_pass http://{{BACKEND}}; }
				location /big/ { client_max_body_size 1k; proxy_pass http://{{BACKEND}}; }
			}`,
			Requests: []conformance.Request{
				{Name: "under", Method: "POST", Target: "/x", Body: "0123456789"},
				{Name: "over", Method: "POST", Target: "/x", Body: "0123456789A"},
				{Name: "big ok", Method: "POST", Target: "/big/", Body: "0123456789A"},
			},
		},
	})
}

// malformed is a case whose backend answers resp to everything.
func malformed(name, resp string) conformance.Case {
	return conformance.Case{
		Name:     "upstream-" + name,
		Backend:  &conformance.Backend{Respond: conformance.Static(resp)},
		Conf:     `server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://{{BACKEND}}; } }`,
		Requests: []conformance.Request{{Target: "/" + name}, {Name: "HEAD", Method: "HEAD", Target: "/" + name}},
	}
}
