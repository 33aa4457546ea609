package frontdesk_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

// Whole configurations against real nginx: several server blocks on one
// address, several locations each, and the rewrite module (rewrite,
// return, set, if, break), map, error_page, named locations and upstreams
// working together, loaded through nginxconf as a user's nginx.conf is.

// at is a GET of target with the given Host header.
func at(host, target string) conformance.Request {
	return conformance.Request{Name: host + " " + target, Target: target, Header: []string{"Host: " + host}}
}

// hosts is a GET of target for each Host header.
func hosts(target string, hs ...string) reqList {
	out := make(reqList, len(hs))
	for i, h := range hs {
		out[i] = at(h, target)
	}
	return out
}

// rawReq sends raw bytes as they are.
func rawReq(name, raw string) conformance.Request {
	return conformance.Request{Name: name, Raw: raw}
}

// also compares the given headers on every request.
func also(reqs []conformance.Request, headers ...string) []conformance.Request {
	return withHeaders(reqs, headers...)
}

// cat concatenates request lists.
func cat(lists ...[]conformance.Request) []conformance.Request { return seq(lists...) }

func TestConformanceConfigServerNames(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name: "exact-and-first-default",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name a.test alias-a.test;
					location / { return 200 "A server_name=$server_name host=$host uri=$uri\n"; }
					location /only-a { return 200 "only in A\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name b.test;
					location / { return 200 "B server_name=$server_name host=$host\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name c.test;
					location / { return 200 "C $server_name $http_host\n"; }
				}`,
			Requests: cat(
				hosts("/x", "a.test", "alias-a.test", "b.test", "c.test", "B.TEST", "b.test:8080", "b.test.",
					"C.Test.:81", "unknown.test", "localhost", "127.0.0.1", "[::1]:80"),
				hosts("/only-a", "b.test", "unknown"),
				[]conformance.Request{
					rawReq("http10-no-host", "GET /x HTTP/1.0\r\n\r\n"),
					rawReq("http10-no-host-only-a", "GET /only-a HTTP/1.0\r\n\r\n"),
					// The request line's host wins over the Host header. (Not
					// with $http_host in the answer: Go's server replaces the
					// Host header with the request line's host.)
					{Name: "absolute-form-wins", Target: "http://a.test/x", Header: []string{"Host: b.test"}},
					{Name: "absolute-form-port", Target: "http://B.test:99/x"},
					{Name: "absolute-form-unknown", Target: "http://nobody.test/x", Header: []string{"Host: c.test"}},
					{Name: "http11-host", Target: "/x", HTTP11: true, Header: []string{"Host: c.test", "Connection: close"}},
				},
			),
		},
		{
			Name: "default-server-marked",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name first.test;
					location / { return 200 "first $server_name\n"; }
				}
				server { listen 127.0.0.1:{{PORT}} default_server; server_name marked.test;
					location / { return 200 "marked default $server_name host=$host\n"; }
					location /m { return 200 "m in marked\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name third.test;
					location / { return 200 "third\n"; }
				}`,
			Requests: cat(
				hosts("/", "first.test", "marked.test", "third.test", "other.test", "FIRST.test", "third.test.", "x"),
				hosts("/m", "first.test", "nobody"),
				[]conformance.Request{
					rawReq("http10-no-host", "GET / HTTP/1.0\r\n\r\n"),
					{Name: "absolute-form-unknown", Target: "http://zzz.test/"},
				},
			),
		},
		{
			Name: "wildcards",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name default.test;
					location / { return 200 "default\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name *.example.com;
					location / { return 200 "star-dot example.com ($server_name)\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name *.deep.example.com;
					location / { return 200 "star-dot deep ($server_name)\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name www.example.*;
					location / { return 200 "dot-star www.example ($server_name)\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name www.example.com;
					location / { return 200 "exact www.example.com\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name .example.org;
					location / { return 200 "dot example.org ($server_name) host=$host\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name mail.*;
					location / { return 200 "mail.* ($server_name)\n"; }
				}`,
			Requests: hosts("/",
				"www.example.com", "WWW.EXAMPLE.COM", "api.example.com", "a.b.example.com", "x.deep.example.com",
				"deep.example.com", "example.com", "www.example.net", "www.example.org", "example.org",
				"a.example.org", "x.y.example.org:8080", "mail.example.com", "mail.test", "mail", "EXAMPLE.ORG.",
				"nope.test"),
		},
		{
			Name: "regex-names-and-captures",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name plain.test;
					location / { return 200 "plain\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name ~^(?<sub>[a-z]+)\.users\.test$;
					location / { return 200 "user sub=$sub server_name=$server_name\n"; }
					location ~ ^/p/(\d+)$ { return 200 "user sub=$sub page=$1\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name ~^(\d+)\.(\d+)\.num\.test$ num.test;
					location / { return 200 "num $1-$2 server_name=$server_name\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name ~^www\. ~\.users\.test$;
					location / { return 200 "www-regex server_name=$server_name host=$host\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name *.users.test;
					location / { return 200 "wildcard users\n"; }
				}`,
			Requests: hosts("/",
				"alice.users.test", "ALICE.users.test", "bob.users.test:99", "b0b.users.test", "12.34.num.test",
				"num.test", "1.num.test", "www.anything", "www.alice.users.test", "nomatch.test").
				// Captures of the server name survive location matching
				// unless a location regex replaces them.
				add(at("carol.users.test", "/p/42"), at("carol.users.test", "/p/x")),
		},
		{
			Name: "server-name-in-redirect",
			Files: map[string]string{
				"site/dir/index.html": "index\n",
				"site/other/a.txt":    "a\n",
			},
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name on.test alias.on.test;
					server_name_in_redirect on;
					root {{DIR}}/site;
					location /r { rewrite ^ /dir/ redirect; }
					location /ret { return 302 /other/a.txt; }
					location /abs { return 301 http://elsewhere.test/x; }
					location / { }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name off.test;
					root {{DIR}}/site;
					location /r { rewrite ^ /dir/ redirect; }
					location /ret { return 302 /other/a.txt; }
					location / { }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name "";
					server_name_in_redirect on;
					root {{DIR}}/site;
					location / { }
				}`,
			Requests: cat(
				hosts("/dir", "on.test", "alias.on.test", "off.test", "OFF.test.", "unknown.test"),
				hosts("/r", "alias.on.test", "off.test"),
				hosts("/ret", "alias.on.test", "off.test:8080"),
				hosts("/abs", "on.test"),
				[]conformance.Request{
					rawReq("http10-no-host-dir", "GET /dir HTTP/1.0\r\n\r\n"),
					rawReq("http10-no-host-ret", "GET /ret HTTP/1.0\r\n\r\n"),
				},
			),
		},
		{
			Name: "empty-name-and-host-forms",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name named.test;
					location / { return 200 "named host=$host sn=$server_name\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name "" nohost;
					location / { return 200 "empty-name host=$host sn=$server_name\n"; }
				}`,
			Requests: cat(
				hosts("/", "named.test", "NAMED.TEST.", "named.test:1", "nohost", "other"),
				[]conformance.Request{
					rawReq("http10-no-host", "GET / HTTP/1.0\r\n\r\n"),
					rawReq("http10-absolute", "GET http://named.test/abs HTTP/1.0\r\n\r\n"),
					rawReq("http10-absolute-port", "GET http://NAMED.test:8080/abs HTTP/1.0\r\nHost: other\r\n\r\n"),
					rawReq("http11-absolute", "GET http://nohost/abs HTTP/1.1\r\nHost: named.test\r\nConnection: close\r\n\r\n"),
				},
				hosts("/", "NOHOST:80"),
			),
		},
		{
			// Requests arrive on {{PORT}}: the servers listening only on
			// {{PORT2}} take no part, their names and default_server
			// included, and {{PORT}}'s default is its own first server.
			Name: "listen-ports-and-default",
			Conf: `
				server { listen 127.0.0.1:{{PORT2}} default_server; server_name other-port.test shared.test;
					location / { return 200 "port2 default\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name first.test;
					location / { return 200 "first on port $server_name\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; listen 127.0.0.1:{{PORT2}}; server_name both.test;
					location / { return 200 "both ports\n"; }
				}
				server { listen 127.0.0.1:{{PORT2}}; server_name *.wild.test;
					location / { return 200 "port2 wildcard\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name shared.test;
					location / { return 200 "shared on port\n"; }
				}`,
			Requests: cat(
				hosts("/", "first.test", "both.test", "other-port.test", "shared.test", "x.wild.test", "nobody.test",
					"BOTH.test.", "shared.test:1"),
				[]conformance.Request{rawReq("http10-no-host", "GET / HTTP/1.0\r\n\r\n")},
				hosts("/", "FIRST.TEST"),
			),
		},
		{
			Name: "same-name-first-wins-and-per-server-locations",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name dup.test one.test;
					location / { return 200 "one\n"; }
					location /api/ { return 200 "one api $uri\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name two.test;
					location / { return 200 "two\n"; }
					location ~ \.php$ { return 200 "two php $uri\n"; }
				}`,
			Requests: cat(
				hosts("/", "dup.test", "one.test", "two.test"),
				hosts("/api/x", "one.test", "two.test"),
				hosts("/a.php", "one.test", "two.test", "TWO.test"),
				hosts("/api/b.php", "two.test", "dup.test"),
			),
		},
	})
}

// add appends requests to a list.
type reqList []conformance.Request

func (l reqList) add(rs ...conformance.Request) []conformance.Request { return append(l, rs...) }

func TestConformanceConfigRewrite(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name: "flags",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name flags.test;
					location /last/ { rewrite ^/last/(.*)$ /target/$1 last; return 200 "not reached\n"; }
					location /break/ { rewrite ^/break/(.*)$ /target/$1 break; return 200 "after break uri=$uri\n"; }
					location /redirect/ { rewrite ^/redirect/(.*)$ /target/$1 redirect; }
					location /permanent/ { rewrite ^/permanent/(.*)$ /target/$1 permanent; }
					location /noflag/ { rewrite ^/noflag/(.*)$ /target/$1; set $after "ran"; }
					location /noflag-return/ { rewrite ^ /target/x; return 200 "return after rewrite uri=$uri\n"; }
					location /chain/ { rewrite ^/chain/(.*)$ /chain2/$1; rewrite ^/chain2/(.*)$ /target/$1-twice; }
					location /nomatch/ { rewrite ^/zzz /target/never last; return 200 "no match uri=$uri\n"; }
					location /target/ { return 200 "target uri=$uri args=$args after=$after\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-flags.test;
					location / { if ($arg_x) { return 200 "other-flags.test x=$arg_x\n"; } return 200 "other-flags.test plain $uri\n"; }
					location /r/ { rewrite ^/r/(.*)$ /$1 last; }
				}`,
			Requests: cat(
				get("/last/a", "/break/b", "/redirect/c", "/permanent/d?q=1", "/noflag/e", "/noflag-return/",
					"/chain/f", "/nomatch/g", "/target/h", "/last/%41%20b"),
				hosts("/?x=1", "other-flags.test"),
				hosts("/r/y", "other-flags.test"),
			),
		},
		{
			Name: "args",
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					location /append { rewrite ^ /show last; }
					location /drop { rewrite ^ /show? last; }
					location /both { rewrite ^ /show?new=1 last; }
					location /both-drop { rewrite ^ /show?new=1? last; }
					location /redir-append { rewrite ^ /show?r=1 redirect; }
					location /redir-drop { rewrite ^ /show? permanent; }
					location /cap { rewrite ^/cap/(\w+)/(\w+)$ /show?a=$1&b=$2 last; }
					location /argcap { rewrite ^ /show?from=$arg_x last; }
					location /show { return 200 "uri=$uri args=$args is_args=$is_args request_uri=$request_uri\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-args.test;
					rewrite ^/legacy/(.*)$ /modern/$1 last;
					location /modern/ { return 200 "other-args.test modern $uri args=$args\n"; }
					location / { return 404; }
				}`,
			Requests: cat(
				get("/append?x=1", "/append", "/drop?x=1", "/both?x=1", "/both", "/both-drop?x=1",
					"/redir-append?x=1&y=2", "/redir-drop?x=1", "/cap/one/two?z=3", "/argcap?x=v", "/show?direct=1"),
				hosts("/legacy/a?b=1", "other-args.test"),
				hosts("/else", "other-args.test"),
			),
		},
		{
			Name: "redirect-to-scheme-and-urls",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name r.test;
					location /s { rewrite ^/s(.*)$ $scheme://$host/x$1; }
					location /http { rewrite ^ http://other.test/path; }
					location /https { rewrite ^/https/(.*) https://secure.test/$1 permanent; }
					location /hostport { rewrite ^ $scheme://$http_host/hp? redirect; }
					location /rel { rewrite ^/rel/(.*)$ /x/$1 redirect; }
					location /encoded { rewrite ^/encoded/(.*)$ /x/$1 redirect; }
					location / { return 200 "root $uri\n"; }
				}`,
			Requests: cat(
				hosts("/s/abc?q=1", "r.test", "R.TEST:8080"),
				hosts("/http?x=y", "r.test"),
				hosts("/https/p/q?k=v", "r.test"),
				hosts("/hostport?a=1", "r.test:1234"),
				hosts("/rel/a?b=c", "r.test"),
				hosts("/encoded/a%20b", "r.test"),
				hosts("/encoded/%3F", "r.test"),
				hosts("/nothing", "r.test"),
			),
		},
		{
			Name: "cycle-limit",
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					location /loop { rewrite ^ /loop last; }
					location /ping { rewrite ^ /pong last; }
					location /pong { rewrite ^ /ping last; }
					location /count { rewrite ^/count(\d*)$ /count$1x last; }
					location /countx { rewrite ^/countx(x*)$ /countx$1x; }
					location ~ "^/count(x{9})$" { return 200 "nine: $uri\n"; }
					location /noloop { rewrite ^ /done last; }
					location /done { return 200 "done\n"; }
					location /server-and-loc { rewrite ^ /server-and-loc last; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-cycle.test;
					rewrite ^/legacy/(.*)$ /modern/$1 last;
					location /modern/ { return 200 "other-cycle.test modern $uri args=$args\n"; }
					location / { return 404; }
				}`,
			Requests: cat(
				get("/loop", "/ping", "/pong", "/count", "/countxxxxxxxx", "/countxxxxxxxxx", "/noloop", "/done",
					"/server-and-loc?x=1", "/countx"),
				hosts("/legacy/a?b=1", "other-cycle.test"),
				hosts("/else", "other-cycle.test"),
			),
		},
		{
			Name: "server-level-vs-location-level",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name s.test;
					rewrite ^/old/(.*)$ /new/$1;
					rewrite ^/gone$ /new/gone-last last;
					rewrite ^/stop(.*)$ /new/stop$1 break;
					rewrite ^/moved$ /new/moved permanent;
					location /old/ { return 200 "old location (never)\n"; }
					location /new/ { rewrite ^/new/again$ /old/again; return 200 "new uri=$uri\n"; }
					location / { return 200 "root uri=$uri\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name t.test;
					location /old/ { rewrite ^/old/(.*)$ /new/$1; }
					location /new/ { return 200 "t new uri=$uri\n"; }
				}`,
			Requests: cat(
				hosts("/old/a", "s.test", "t.test"),
				hosts("/gone", "s.test"),
				hosts("/stop/x", "s.test"),
				hosts("/moved", "s.test"),
				hosts("/new/again", "s.test"),
				hosts("/new/b?q=1", "s.test"),
				hosts("/other", "s.test"),
				hosts("/old/c?q=2", "t.test"),
				hosts("/gone", "t.test"),
			),
		},
		{
			Name:    "break-with-proxy-pass",
			Backend: &conformance.Backend{},
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					location /nouri/ { rewrite ^/nouri/(.*)$ /rewritten/$1 break; proxy_pass http://{{BACKEND}}; }
					location /withuri/ { rewrite ^/withuri/(.*)$ /rewritten/$1 break; proxy_pass http://{{BACKEND}}/base/; }
					location /args/ { rewrite ^/args/(.*)$ /rewritten/$1?added=1 break; proxy_pass http://{{BACKEND}}/base/; }
					location /dropargs/ { rewrite ^/dropargs/(.*)$ /rewritten/$1? break; proxy_pass http://{{BACKEND}}; }
					location /plain/ { proxy_pass http://{{BACKEND}}/base/; }
					location /last/ { rewrite ^/last/(.*)$ /plain/$1 last; }
					location /nomatch/ { rewrite ^/zzz /never break; proxy_pass http://{{BACKEND}}/base/; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-bwp.test;
					location = /gone { return 410; }
					location / { return 302 /gone; }
				}`,
			Requests: cat(
				get("/nouri/a", "/nouri/a%20b?x=1", "/withuri/b", "/withuri/b?y=2", "/args/c?z=3", "/dropargs/d?z=4",
					"/plain/e?k=v", "/last/f?k=v", "/nomatch/g", "/withuri/%2F"),
				hosts("/x", "other-bwp.test"),
				hosts("/gone", "other-bwp.test"),
			),
		},
	})
}

func TestConformanceConfigReturn(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name: "codes",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name ret.test;
					location = /200 { return 200 "ok $request_method\n"; }
					location = /200-empty { return 200; }
					location = /201 { return 201 "created\n"; }
					location = /204 { return 204; }
					location = /301 { return 301 /to?x=1; }
					location = /301-abs { return 301 https://other.test/to; }
					location = /302 { return 302 $scheme://$host/h; }
					location = /303 { return 303 /see; }
					location = /307 { return 307 /tmp; }
					location = /308 { return 308 /perm; }
					location = /url-only { return http://u.test/only; }
					location = /url-var { return $scheme://$server_name/v; }
					location = /403 { return 403; }
					location = /404-text { return 404 "missing $uri\n"; }
					location = /410 { return 410; }
					location = /444 { return 444; }
					location = /500 { return 500; }
					location = /503-text { return 503 "busy\n"; }
					location = /299 { return 299 "odd\n"; }
					location = /302-text { return 302 "not a url"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-codes.test;
					location / { if ($arg_x) { return 200 "other-codes.test x=$arg_x\n"; } return 200 "other-codes.test plain $uri\n"; }
					location /r/ { rewrite ^/r/(.*)$ /$1 last; }
				}`,
			Requests: cat(
				append(get("/200", "/200-empty", "/201", "/204", "/301", "/301-abs", "/302", "/303", "/307", "/308",
					"/url-only", "/url-var", "/403", "/404-text", "/410", "/444", "/500", "/503-text", "/299", "/302-text"),
					conformance.Request{Name: "head-200", Method: "HEAD", Target: "/200"}),
				hosts("/?x=1", "other-codes.test"),
				hosts("/r/y", "other-codes.test"),
			),
		},
		{
			Name: "server-level-before-locations",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name maint.test;
					return 503 "maintenance $uri\n";
					location / { return 200 "never\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name redirect.test;
					return 301 https://$host$request_uri;
					location /x { return 200 "never\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name partial.test;
					if ($request_method = POST) { return 405; }
					set $v "server-set";
					location / { return 200 "partial $v\n"; }
					location /internal-only { internal; return 200 "internal\n"; }
				}`,
			Requests: cat(
				hosts("/a", "maint.test", "maint.test:8080"),
				hosts("/x?y=1", "redirect.test", "REDIRECT.test"),
				hosts("/nothing-here", "redirect.test"),
				hosts("/a", "partial.test"),
				hosts("/internal-only", "partial.test"),
				[]conformance.Request{
					{Name: "post-partial", Method: "POST", Target: "/a", Header: []string{"Host: partial.test"}, Body: "x"},
					{Name: "post-maint", Method: "POST", Target: "/a", Header: []string{"Host: maint.test"}, Body: "x"},
				},
				hosts("/", "unknown.test"),
			),
		},
		{
			Name: "inside-if",
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					location / {
						if ($arg_code = 1) { return 418 "teapot $arg_code\n"; }
						if ($arg_code = 2) { return 302 /two; }
						if ($arg_code = 3) { return 444; }
						if ($arg_code = 4) { return 204; }
						if ($arg_code = 5) { return https://five.test/; }
						return 200 "fallthrough $arg_code\n";
					}
					location /two { return 200 "two\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-inside.test;
					location = /gone { return 410; }
					location / { return 302 /gone; }
				}`,
			Requests: cat(
				get("/?code=1", "/?code=2", "/?code=3", "/?code=4", "/?code=5", "/?code=6", "/", "/two",
					"/x?code=2&y", "/?code=01"),
				hosts("/x", "other-inside.test"),
				hosts("/gone", "other-inside.test"),
			),
		},
	})
}

func TestConformanceConfigSet(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name: "set-and-variables",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name set.test;
					set $srv "from-server";
					set $combined "$srv+$host";
					location /a { set $loc "a:$uri"; return 200 "srv=$srv combined=$combined loc=$loc\n"; }
					location /b { return 200 "loc uninitialized=[$loc] srv=$srv\n"; }
					location /c { set $srv "overridden"; return 200 "srv=$srv combined=$combined\n"; }
					location /d { set $x $arg_x; set $y "${x}y"; set $x "changed"; return 200 "x=$x y=$y\n"; }
					location /e { set $empty ""; return 200 "empty=[$empty] len\n"; }
					location /f { set $cap none; if ($uri ~ ^/f/(?<part>\w+)) { set $cap $part; } return 200 "cap=$cap part=$part\n"; }
					location /g { rewrite ^ /a last; }
				}`,
			Requests: cat(
				hosts("/a", "set.test", "OTHER.test"),
				hosts("/b", "set.test"),
				hosts("/c", "set.test"),
				hosts("/d?x=1", "set.test"),
				hosts("/d", "set.test"),
				hosts("/e", "set.test"),
				hosts("/f/word", "set.test"),
				hosts("/f", "set.test"),
				hosts("/g", "set.test"),
			),
		},
		{
			Name: "set-across-servers-and-redirects",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name one.test;
					set $who one;
					location / { set $seen "$who"; rewrite ^/go$ /landed last; return 200 "one who=$who seen=$seen\n"; }
					location /landed { return 200 "landed who=$who seen=$seen uri=$uri\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name two.test;
					location / { return 200 "two who=[$who] seen=[$seen]\n"; }
					location /s { set $who two; return 200 "two who=$who\n"; }
				}`,
			Requests: cat(
				hosts("/", "one.test", "two.test"),
				hosts("/go", "one.test", "two.test"),
				hosts("/s", "one.test", "two.test"),
				hosts("/landed", "one.test"),
				hosts("/x", "unknown.test", "TWO.TEST"),
				hosts("/landed?x=1", "two.test"),
			),
		},
	})
}

func TestConformanceConfigIf(t *testing.T) {
	files := map[string]string{
		"www/file.txt":    "file\n",
		"www/dir/":        "",
		"www/dir/in.txt":  "in dir\n",
		"www/script.sh":   "#!/bin/sh\n",
		"www/index.html":  "index\n",
		"www/tf/real.txt": "real\n",
	}
	chmodX := func(t testing.TB, dir string) {
		if err := os.Chmod(filepath.Join(dir, "www/script.sh"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	conformance.Run(t, []conformance.Case{
		{
			Name: "string-conditions",
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					location /eq { if ($arg_v = "yes") { return 200 "eq\n"; } return 200 "not eq\n"; }
					location /ne { if ($arg_v != yes) { return 200 "ne\n"; } return 200 "not ne\n"; }
					location /re { if ($arg_v ~ ^a(\d+)$) { return 200 "re $1\n"; } return 200 "not re\n"; }
					location /rei { if ($arg_v ~* ^A(\d+)$) { return 200 "rei $1\n"; } return 200 "not rei\n"; }
					location /nre { if ($arg_v !~ ^a) { return 200 "nre\n"; } return 200 "not nre\n"; }
					location /nrei { if ($arg_v !~* ^A) { return 200 "nrei\n"; } return 200 "not nrei\n"; }
					location /eqvar { if ($arg_a = $arg_b) { return 200 "same\n"; } return 200 "differ\n"; }
					location /named { if ($http_x_v ~ "^(?<major>\d+)\.(?<minor>\d+)") { return 200 "v $major $minor\n"; } return 200 "none\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-str.test;
					location / { if ($arg_x) { return 200 "other-str.test x=$arg_x\n"; } return 200 "other-str.test plain $uri\n"; }
					location /r/ { rewrite ^/r/(.*)$ /$1 last; }
				}`,
			Requests: cat(
				append(get("/eq?v=yes", "/eq?v=no", "/ne?v=yes", "/ne?v=no", "/re?v=a12", "/re?v=A12", "/rei?v=a7",
					"/nre?v=abc", "/nre?v=xyz", "/nrei?v=ABC", "/nrei?v=q", "/eqvar?a=1&b=1", "/eqvar?a=1&b=2", "/eqvar"),
					conformance.Request{Target: "/named", Header: []string{"X-V: 12.34.5"}},
					conformance.Request{Name: "named-none", Target: "/named"}),
				hosts("/?x=1", "other-str.test"),
				hosts("/r/y", "other-str.test"),
			),
		},
		{
			Name:  "file-conditions",
			Files: files,
			Setup: chmodX,
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					root {{DIR}}/www;
					location /t/ {
						set $p $document_root/$arg_p;
						if (-f $p) { return 200 "-f\n"; }
						if (-d $p) { return 200 "-d\n"; }
						return 200 "neither\n";
					}
					location /e/ { if (-e $document_root/$arg_p) { return 200 "exists\n"; } return 200 "absent\n"; }
					location /x/ { if (-x $document_root/$arg_p) { return 200 "executable\n"; } return 200 "not executable\n"; }
					location /nf/ { if (!-f $request_filename) { return 200 "no file $uri\n"; } return 200 "file $uri\n"; }
					location /nd/ { if (!-d "$document_root/$arg_p") { return 200 "no dir\n"; } return 200 "dir\n"; }
					location /ne/ { if (!-e $document_root/$arg_p) { return 200 "not exists\n"; } return 200 "exists\n"; }
					location /nx/ { if (!-x $document_root/$arg_p) { return 200 "not x\n"; } return 200 "x\n"; }
					location / { if (!-e $request_filename) { rewrite ^ /index.html break; } }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-file.test;
					location / { if ($arg_x) { return 200 "other-file.test x=$arg_x\n"; } return 200 "other-file.test plain $uri\n"; }
					location /r/ { rewrite ^/r/(.*)$ /$1 last; }
				}`,
			Requests: cat(
				get("/t/?p=file.txt", "/t/?p=dir", "/t/?p=missing", "/e/?p=dir", "/e/?p=nope", "/x/?p=script.sh",
					"/x/?p=file.txt", "/x/?p=dir", "/nf/", "/nd/?p=dir", "/nd/?p=file.txt", "/ne/?p=file.txt", "/nx/?p=script.sh",
					"/nx/?p=file.txt", "/file.txt", "/missing", "/dir/in.txt"),
				hosts("/?x=1", "other-file.test"),
				hosts("/r/y", "other-file.test"),
			),
		},
		{
			Name: "truthiness",
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					location / {
						if ($arg_v) { return 200 "true [$arg_v]\n"; }
						return 200 "false [$arg_v]\n";
					}
					location /unset { if ($never_set) { return 200 "true\n"; } return 200 "false unset\n"; }
					location /set0 { set $z 0; if ($z) { return 200 "true\n"; } return 200 "false zero\n"; }
					location /setvar { set $z "$arg_a$arg_b"; if ($z) { return 200 "true $z\n"; } return 200 "false\n"; }
					location /never { set $never_set 1; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-truth.test;
					location / { if ($arg_x) { return 200 "other-truth.test x=$arg_x\n"; } return 200 "other-truth.test plain $uri\n"; }
					location /r/ { rewrite ^/r/(.*)$ /$1 last; }
				}`,
			Requests: cat(
				get("/?v=1", "/?v=0", "/?v=", "/", "/?v=00", "/?v=false", "/?v=%30", "/unset", "/set0",
					"/setvar?a=0", "/setvar?a=0&b=0", "/setvar"),
				hosts("/?x=1", "other-truth.test"),
				hosts("/r/y", "other-truth.test"),
			),
		},
		{
			Name: "captures-used-later",
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					if ($uri ~ ^/srv/(?<section>\w+)) { set $from_server $section; }
					location /srv/ {
						if ($arg_id ~ ^(\d+)-(\d+)$) { set $a $1; }
						set $b $2;
						return 200 "section=$section from_server=$from_server a=$a b=$b one=$1\n";
					}
					location ~ ^/loc/(\w+)$ {
						if ($arg_q ~ (x+)) { }
						return 200 "capture after if: $1\n";
					}
					location ~ ^/keep/(\w+)$ {
						if ($arg_q ~ (x+)) { return 200 "in if $1\n"; }
						return 200 "kept $1\n";
					}
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-cap.test;
					location / { if ($arg_x) { return 200 "other-cap.test x=$arg_x\n"; } return 200 "other-cap.test plain $uri\n"; }
					location /r/ { rewrite ^/r/(.*)$ /$1 last; }
				}`,
			Requests: cat(
				get("/srv/news?id=12-34", "/srv/news", "/srv/news?id=x", "/loc/abc?q=xxx", "/loc/abc", "/keep/def",
					"/keep/def?q=axxb", "/srv/", "/other", "/loc/a?q=yyy"),
				hosts("/?x=1", "other-cap.test"),
				hosts("/r/y", "other-cap.test"),
			),
		},
		{
			Name: "if-in-server",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name ifs.test;
					if ($http_x_block) { return 403 "blocked\n"; }
					if ($host ~* ^www\.(.+)$) { return 301 $scheme://$1$request_uri; }
					if ($arg_rw) { rewrite ^ /rewritten last; }
					if ($arg_set = 1) { set $flag on; }
					location / { return 200 "root flag=$flag uri=$uri\n"; }
					location /rewritten { return 200 "rewritten flag=$flag args=$args\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name www.ifs.test;
					location / { return 200 "www server\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name ~^www\.;
					if ($host ~* ^www\.(.+)$) { return 301 $scheme://$1$request_uri; }
					location / { return 200 "www regex\n"; }
				}`,
			Requests: cat(
				hosts("/a?x=1", "ifs.test", "www.ifs.test", "www.other.test", "WWW.Other.Test"),
				hosts("/a?rw=1", "ifs.test"),
				hosts("/a?set=1", "ifs.test"),
				hosts("/a?set=1&rw=1", "ifs.test"),
				[]conformance.Request{{Name: "blocked", Target: "/", Header: []string{"Host: ifs.test", "X-Block: 1"}},
					{Name: "block-zero", Target: "/", Header: []string{"Host: ifs.test", "X-Block: 0"}}},
				hosts("/a?rw=1", "www.ifs.test"),
			),
		},
		{
			Name:    "if-with-proxy-pass-and-add-header",
			Backend: &conformance.Backend{},
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					location /p/ {
						add_header X-Outer outer;
						proxy_set_header X-Level location;
						if ($arg_to = backend) {
							proxy_pass http://{{BACKEND}};
							add_header X-In-If yes;
						}
						if ($arg_to = base) {
							proxy_pass http://{{BACKEND}};
							add_header X-In-If base;
						}
						return 200 "no proxy\n";
					}
					location /q/ {
						proxy_pass http://{{BACKEND}};
						add_header X-Outer outer;
						if ($arg_hdr) { add_header X-If if; }
					}
					location /r/ {
						proxy_set_header X-Level location;
						if ($arg_to) { proxy_pass http://{{BACKEND}}; }
						set $after yes;
					}
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-proxy.test;
					location = /gone { return 410; }
					location / { return 302 /gone; }
				}`,
			Requests: cat(
				also(get("/p/?to=backend", "/p/a?to=base", "/p/", "/q/x", "/q/x?hdr=1", "/r/?to=1", "/r/x?to=1",
					"/p/b?to=backend&z=1", "/q/y?hdr=0", "/r/"), "X-Outer", "X-In-If", "X-If"),
				hosts("/x", "other-proxy.test"),
				hosts("/gone", "other-proxy.test"),
			),
		},
		{
			Name:  "surprises",
			Files: map[string]string{"www/tf/real.txt": "real\n", "www/index.html": "index\n", "www/fallback.txt": "fallback\n"},
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					root {{DIR}}/www;
					location /two/ {
						if ($arg_a) { add_header X-A a; }
						if ($arg_b) { add_header X-B b; }
						return 200 "two\n";
					}
					location /two-content/ {
						if ($arg_a) { return 200 "first\n"; }
						if ($arg_b) { set $dummy 1; }
					}
					location /tf/ {
						try_files $uri /fallback.txt;
						if ($arg_x) { add_header X-If x; }
					}
					location /after/ {
						if ($arg_x) { set $v inside; }
						set $w after;
						add_header X-W $w;
						add_header X-V "$v";
						return 200 "v=$v w=$w\n";
					}
					location /root/ { alias {{DIR}}/www/tf/; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-surprise.test;
					location = /gone { return 410; }
					location / { return 302 /gone; }
				}`,
			Requests: cat(
				also(get("/two/?a=1", "/two/?b=1", "/two/?a=1&b=1", "/two/", "/two-content/?a=1",
					"/tf/real.txt", "/tf/missing", "/tf/real.txt?x=1", "/tf/missing?x=1", "/after/", "/after/?x=1",
					"/root/real.txt", "/two-content/?b=1"), "X-A", "X-B", "X-If", "X-W", "X-V"),
				hosts("/x", "other-surprise.test"),
				hosts("/gone", "other-surprise.test"),
			),
		},
		{
			Name:  "break-in-if",
			Files: map[string]string{"www/a.txt": "a\n", "www/b.txt": "b\n"},
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					root {{DIR}}/www;
					location / {
						if ($arg_stop) { break; }
						rewrite ^/x$ /b.txt;
						set $s reached;
						add_header X-S $s;
					}
					location /brk { set $a 1; break; set $a 2; return 200 "never\n"; }
					location /brk2 { if ($arg_q) { rewrite ^ /a.txt break; } rewrite ^ /b.txt break; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-brk.test;
					location / { if ($arg_x) { return 200 "other-brk.test x=$arg_x\n"; } return 200 "other-brk.test plain $uri\n"; }
					location /r/ { rewrite ^/r/(.*)$ /$1 last; }
				}`,
			Requests: cat(
				also(get("/a.txt", "/x", "/x?stop=1", "/a.txt?stop=1", "/brk", "/brk2", "/brk2?q=1", "/b.txt",
					"/missing", "/missing?stop=1"), "X-S"),
				hosts("/?x=1", "other-brk.test"),
				hosts("/r/y", "other-brk.test"),
			),
		},
	})
}

func TestConformanceConfigMap(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name: "exact-regex-default",
			Conf: `
				map $arg_k $exact {
					default   "dflt";
					alpha     "A";
					Beta      "B";
					"with space" "S";
					~^num(\d+)$ "number-$1";
					~*^CASE(?<rest>.*)$ "caseless-$rest";
					\~tilde "escaped tilde";
				}
				map $arg_k $nodefault { one 1; }
				server { listen 127.0.0.1:{{PORT}};
					location / { return 200 "exact=$exact nodefault=[$nodefault]\n"; }
					location /uri { return 200 "uri capture after map: $exact $1\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-map.test;
					rewrite ^/legacy/(.*)$ /modern/$1 last;
					location /modern/ { return 200 "other-map.test modern $uri args=$args\n"; }
					location / { return 404; }
				}`,
			Requests: cat(
				get("/?k=alpha", "/?k=ALPHA", "/?k=beta", "/?k=BETA", "/?k=with%20space", "/?k=num42", "/?k=NUM42",
					"/?k=caseXyz", "/?k=CASEq", "/?k=~tilde", "/?k=one", "/?k=", "/", "/uri?k=num7"),
				hosts("/legacy/a?b=1", "other-map.test"),
				hosts("/else", "other-map.test"),
			),
		},
		{
			Name: "hostnames",
			Conf: `
				map $host $site {
					hostnames;
					default          other;
					example.com      apex;
					*.example.com    sub;
					*.a.example.com  deep;
					.example.org     org;
					www.example.*    www-any;
					~^(\w+)\.regex\.test$ regex-$1;
				}
				server { listen 127.0.0.1:{{PORT}}; server_name _;
					location / { return 200 "site=$site host=$host\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name second.test;
					location / { return 200 "second site=$site\n"; }
				}`,
			Requests: hosts("/", "example.com", "EXAMPLE.com", "x.example.com", "x.a.example.com", "a.example.com",
				"example.org", "y.example.org", "www.example.net", "www.example.com", "foo.regex.test", "nothing.test",
				"second.test", "example.com."),
		},
		{
			Name: "volatile-and-lazy",
			Conf: `
				map $uri $cached { ~^/first "first"; ~^/second "second"; default "other"; }
				map $uri $fresh { volatile; ~^/first "first"; ~^/second "second"; default "other"; }
				server { listen 127.0.0.1:{{PORT}};
					location /first {
						set $c1 $cached; set $f1 $fresh;
						rewrite ^ /second last;
					}
					location /second { return 200 "cached=$cached fresh=$fresh\n"; }
					location /lazy { rewrite ^ /second last; }
					location /both {
						set $before $cached;
						rewrite ^ /second;
						set $mid $fresh;
						return 200 "before=$before mid=$mid cached=$cached\n";
					}
				}`,
			Requests: get("/first", "/second", "/lazy", "/both", "/first?x", "/firstly", "/other", "/second/x",
				"/lazy/x", "/both?y"),
		},
		{
			Name:    "in-proxy-set-header-and-return",
			Backend: &conformance.Backend{},
			Conf: `
				map $http_x_tier $tier_backend_header { default "standard"; gold "premium"; ~^(silver|bronze)$ "metal-$1"; }
				map $arg_dest $dest_path { default "/fallback"; a "/alpha"; b "/beta"; }
				server { listen 127.0.0.1:{{PORT}};
					location /proxy/ {
						proxy_set_header X-Tier $tier_backend_header;
						proxy_set_header X-Dest $dest_path;
						proxy_pass http://{{BACKEND}};
					}
					location /ret { return 302 $dest_path; }
					location /text { return 200 "tier=$tier_backend_header\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-mapproxy.test;
					location = /gone { return 410; }
					location / { return 302 /gone; }
				}`,
			Requests: cat(
				[]conformance.Request{
					{Target: "/proxy/x", Header: []string{"X-Tier: gold"}},
					{Target: "/proxy/y", Header: []string{"X-Tier: silver"}},
					{Target: "/proxy/z?dest=a", Header: []string{"X-Tier: GOLD"}},
					{Target: "/proxy/w"},
					{Target: "/ret?dest=a"},
					{Target: "/ret?dest=b"},
					{Target: "/ret"},
					{Target: "/text", Header: []string{"X-Tier: bronze"}},
					{Target: "/text", Header: []string{"X-Tier: iron"}},
					{Target: "/text"},
				},
				hosts("/x", "other-mapproxy.test"),
				hosts("/gone", "other-mapproxy.test"),
			),
		},
		{
			Name:    "websocket-upgrade-map",
			Backend: &conformance.Backend{},
			Conf: `
				map $http_upgrade $connection_upgrade { default upgrade; '' close; }
				server { listen 127.0.0.1:{{PORT}};
					location /ws/ {
						proxy_http_version 1.1;
						proxy_set_header Upgrade $http_upgrade;
						proxy_set_header Connection $connection_upgrade;
						proxy_pass http://{{BACKEND}};
					}
					location /show { return 200 "conn=$connection_upgrade upgrade=$http_upgrade\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-ws.test;
					location = /gone { return 410; }
					location / { return 302 /gone; }
				}`,
			Requests: cat(
				[]conformance.Request{
					{Name: "no-upgrade", Target: "/ws/a"},
					{Name: "upgrade", Target: "/ws/b", Header: []string{"Upgrade: websocket"}},
					{Name: "upgrade-other", Target: "/ws/c", Header: []string{"Upgrade: h2c"}},
					{Name: "show-none", Target: "/show"},
					{Name: "show-ws", Target: "/show", Header: []string{"Upgrade: websocket", "Connection: upgrade"}},
					{Name: "ws-11", Target: "/ws/d", HTTP11: true, Header: []string{"Upgrade: websocket", "Connection: close"}},
					{Name: "post", Method: "POST", Target: "/ws/e", Body: "hello"},
					{Name: "args", Target: "/ws/f?x=1"},
					{Name: "show-empty", Target: "/show", Header: []string{"Upgrade: "}},
					{Name: "root", Target: "/nothing"},
				},
				hosts("/x", "other-ws.test"),
				hosts("/gone", "other-ws.test"),
			),
		},
		{
			Name: "map-chains-and-set",
			Conf: `
				map $arg_lang $lang { default en; de de; fr fr; "~^(?<l>[a-z]{2})-[a-z]{2}$" $l; }
				map $lang $greeting { en "hello"; de "hallo"; fr "bonjour"; default "?"; }
				map "$request_method:$lang" $combo { "GET:en" get-en; "~^POST:(.*)$" post-$1; default none; }
				server { listen 127.0.0.1:{{PORT}};
					location / { return 200 "lang=$lang greeting=$greeting combo=$combo\n"; }
					location /set { set $lang_copy $lang; return 200 "copy=$lang_copy\n"; }
					location /if { if ($lang = de) { return 200 "german\n"; } return 200 "not german $greeting\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-chain.test;
					location / { if ($arg_x) { return 200 "other-chain.test x=$arg_x\n"; } return 200 "other-chain.test plain $uri\n"; }
					location /r/ { rewrite ^/r/(.*)$ /$1 last; }
				}`,
			Requests: cat(
				append(get("/", "/?lang=de", "/?lang=fr-ca", "/?lang=xx", "/?lang=DE", "/set?lang=fr", "/if?lang=de",
					"/if?lang=fr"), conformance.Request{Method: "POST", Target: "/?lang=de", Body: "b"},
					conformance.Request{Method: "POST", Target: "/", Body: "b"}),
				hosts("/?x=1", "other-chain.test"),
				hosts("/r/y", "other-chain.test"),
			),
		},
	})
}

func TestConformanceConfigErrorPagesAndNamed(t *testing.T) {
	files := map[string]string{
		"a/index.html":   "a index\n",
		"a/404.html":     "a custom 404\n",
		"b/page.txt":     "b page\n",
		"b/errors/5.txt": "b error page\n",
	}
	conformance.Run(t, []conformance.Case{
		{
			Name:  "error-page-across-locations-and-servers",
			Files: files,
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name a.test;
					root {{DIR}}/a;
					error_page 404 /404.html;
					error_page 500 502 = @oops;
					error_page 403 http://b.test/forbidden;
					location / { }
					location /gone { return 404; }
					location /fail { return 500; }
					location /deny { return 403; }
					location /rw { rewrite ^/rw/(.*)$ /missing/$1 last; }
					location /to-b { error_page 404 = /b-like; return 404; }
					location /b-like { return 200 "still a.test uri=$uri host=$host\n"; }
					location @oops { return 200 "oops from $uri status=$status\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name b.test;
					root {{DIR}}/b;
					error_page 404 =200 /errors/5.txt;
					location / { }
					location /forbidden { return 200 "b forbidden page\n"; }
					location /gone { return 404; }
					location /errors/ { internal; }
				}`,
			Requests: cat(
				hosts("/missing", "a.test", "b.test"),
				hosts("/gone", "a.test", "b.test"),
				hosts("/fail", "a.test"),
				hosts("/deny", "a.test"),
				hosts("/rw/x", "a.test"),
				hosts("/to-b", "a.test"),
				hosts("/errors/5.txt", "b.test"),
				hosts("/page.txt", "b.test"),
				hosts("/forbidden", "b.test"),
				hosts("/", "a.test"),
			),
		},
		{
			Name:  "named-locations",
			Files: files,
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					root {{DIR}}/a;
					location / { try_files $uri $uri/ @fallback; }
					location /err { error_page 404 = @notfound; return 404; }
					location /err-args { error_page 404 = @notfound; return 404; }
					location /chain { try_files $uri @first; }
					location @fallback { return 200 "fallback uri=$uri args=$args\n"; }
					location @notfound { set $n "nf"; return 200 "notfound $n uri=$uri\n"; }
					location @first { rewrite ^ /second last; }
					location /second { return 200 "second uri=$uri args=$args\n"; }
					location /self { try_files $uri @self; }
					location @self { rewrite ^ /self last; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-named.test;
					rewrite ^/legacy/(.*)$ /modern/$1 last;
					location /modern/ { return 200 "other-named.test modern $uri args=$args\n"; }
					location / { return 404; }
				}`,
			Requests: cat(
				get("/index.html", "/missing", "/missing?q=1", "/err", "/err-args?a=b", "/chain/x?k=v", "/self",
					"/", "/404.html", "/a/b/c"),
				hosts("/legacy/a?b=1", "other-named.test"),
				hosts("/else", "other-named.test"),
			),
		},
		{
			Name:  "error-page-after-rewrite-and-if",
			Files: files,
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					root {{DIR}}/a;
					error_page 404 /handler?from=$uri;
					error_page 418 = @tea;
					location / { if ($arg_tea) { return 418; } }
					location /r { rewrite ^/r(.*)$ /nowhere$1 break; }
					location /handler { return 200 "handler uri=$uri args=$args status=$status\n"; }
					location @tea { return 200 "tea from $uri\n"; }
					location /cycle { error_page 404 /cycle2; return 404; }
					location /cycle2 { error_page 404 /cycle; return 404; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-ep.test;
					location = /gone { return 410; }
					location / { return 302 /gone; }
				}`,
			Requests: cat(
				get("/missing", "/index.html?tea=1", "/index.html", "/r/x", "/rabc?x=1", "/cycle", "/cycle2",
					"/missing?tea=1", "/handler", "/404.html"),
				hosts("/x", "other-ep.test"),
				hosts("/gone", "other-ep.test"),
			),
		},
	})
}

func TestConformanceConfigUpstreams(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		upCase("round-robin-behind-rewrites", healthy(3),
			`upstream pool { server {{BACKEND1}}; server {{BACKEND2}}; server {{BACKEND3}}; }
			upstream solo { server {{BACKEND3}}; }
			server { listen 127.0.0.1:{{PORT}}; server_name api.test;
				add_header X-Addr $upstream_addr always; add_header X-Status $upstream_status always;
				rewrite ^/v1/(.*)$ /api/$1 last;
				location /api/ { rewrite ^/api/(.*)$ /$1 break; proxy_pass http://pool; }
				location /solo/ { proxy_pass http://solo/; }
				location /old { rewrite ^ /api/old last; }
			}
			server { listen 127.0.0.1:{{PORT}}; server_name other.test;
				add_header X-Addr $upstream_addr always; add_header X-Status $upstream_status always;
				location / { if ($arg_solo) { proxy_pass http://solo; } proxy_pass http://pool; }
			}`,
			cat(
				hosts("/v1/a", "api.test", "api.test", "api.test"),
				hosts("/api/b?x=1", "api.test"),
				hosts("/old", "api.test"),
				hosts("/solo/c", "api.test"),
				hosts("/d", "other.test", "other.test"),
				hosts("/e?solo=1", "other.test"),
				hosts("/f", "other.test"),
			)...),
		upCase("failover-behind-map", []*conformance.Backend{
			{Reply: conformance.Status(502)}, {}, {Reply: conformance.Status(503)},
		},
			`map $arg_pool $pool_name { default main; alt alt; }
			upstream main { server {{BACKEND1}}; server {{BACKEND2}}; }
			upstream alt { server {{BACKEND3}}; server {{BACKEND2}} backup; }
			server { listen 127.0.0.1:{{PORT}};
				add_header X-Addr $upstream_addr always; add_header X-Status $upstream_status always;
				proxy_next_upstream error timeout http_502 http_503;
				location / { rewrite ^/go/(.*)$ /$1 break; proxy_pass http://$pool_name; }
				location /named { try_files /nonexistent @up; }
				location @up { proxy_pass http://main; }
			}`,
			cat(
				times(3, "/go/x"),
				times(2, "/go/y?pool=alt"),
				times(2, "/named"),
				times(2, "/z"),
				times(1, "/go/w?pool=nope"),
			)...),
	})
}

// The cases below mix everything in configurations shaped like real ones.
func TestConformanceConfigRealistic(t *testing.T) {
	files := map[string]string{
		"site/index.html":         "home\n",
		"site/about/index.html":   "about\n",
		"site/static/app.js":      "js\n",
		"site/static/style.css":   "css\n",
		"site/blog/2024/post.txt": "post\n",
		"site/maintenance.html":   "maintenance page\n",
	}
	conformance.Run(t, []conformance.Case{
		{
			Name:  "canonical-host-and-https-redirects",
			Files: files,
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name example.test www.example.test;
					root {{DIR}}/site;
					if ($host = www.example.test) { return 301 $scheme://example.test$request_uri; }
					location / { try_files $uri $uri/ =404; }
					location /old-blog/ { rewrite ^/old-blog/(\d+)/(.*)$ /blog/$1/$2 permanent; }
					location = /feed { return 302 /blog/; }
				}
				server { listen 127.0.0.1:{{PORT}} default_server; server_name _;
					return 444;
				}`,
			Requests: cat(
				hosts("/", "example.test", "www.example.test"),
				hosts("/about/?x=1", "www.example.test", "example.test"),
				hosts("/about", "example.test"),
				hosts("/old-blog/2024/post.txt", "example.test"),
				hosts("/feed", "example.test"),
				hosts("/static/app.js", "example.test", "evil.test"),
				hosts("/blog/2024/post.txt", "EXAMPLE.TEST"),
				[]conformance.Request{rawReq("http10-no-host", "GET / HTTP/1.0\r\n\r\n")},
			),
		},
		{
			Name:  "maintenance-switch",
			Files: files,
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					root {{DIR}}/site;
					set $maint 0;
					if ($arg_maint) { set $maint 1; }
					if ($remote_addr = 127.0.0.2) { set $maint 0; }
					if ($uri = /maintenance.html) { set $maint 0; }
					error_page 503 /maintenance.html;
					location / {
						if ($maint) { return 503; }
						try_files $uri $uri/index.html =404;
					}
					location = /maintenance.html { internal; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-maint.test;
					location = /gone { return 410; }
					location / { return 302 /gone; }
				}`,
			Requests: cat(
				get("/", "/?maint=1", "/about/", "/about/?maint=1", "/static/style.css?maint=0", "/maintenance.html",
					"/maintenance.html?maint=1", "/missing", "/missing?maint=1", "/static/app.js"),
				hosts("/x", "other-maint.test"),
				hosts("/gone", "other-maint.test"),
			),
		},
		{
			Name:  "front-controller",
			Files: files,
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name app.test;
					root {{DIR}}/site;
					location / { try_files $uri /index.php?$query_string; }
					location ~ \.php$ { return 200 "php uri=$uri args=$args file=$request_filename\n"; }
					location ~* \.(js|css)$ { add_header X-Static yes; expires 1h; }
					location ~ /\. { return 403; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-fc.test;
					rewrite ^/legacy/(.*)$ /modern/$1 last;
					location /modern/ { return 200 "other-fc.test modern $uri args=$args\n"; }
					location / { return 404; }
				}`,
			Requests: cat(
				also(hosts("/", "app.test").add(at("app.test", "/pretty/url?a=1"), at("app.test", "/static/app.js"),
					at("app.test", "/static/STYLE.CSS"), at("app.test", "/static/missing.js"), at("app.test", "/.env"),
					at("app.test", "/x.php?y=2"), at("app.test", "/about/"), at("app.test", "/blog/2024/post.txt"),
					at("app.test", "/static/style.css")), "X-Static"),
				hosts("/legacy/a?b=1", "other-fc.test"),
				hosts("/else", "other-fc.test"),
			),
		},
		{
			Name: "api-versioning",
			Conf: `
				map $http_accept $api_version { default v1; ~application/vnd\.api\.v(?<v>\d+)\+json v$v; }
				server { listen 127.0.0.1:{{PORT}}; server_name api.test;
					location /api/ {
						rewrite ^/api/(?!v\d)(.*)$ /api/$api_version/$1 last;
						return 404 "no version route $uri\n";
					}
					location ~ ^/api/v1/(?<res>\w+)(?:/(?<id>\d+))?$ { return 200 "v1 res=$res id=$id\n"; }
					location ~ ^/api/v2/(?<res>\w+) { return 200 "v2 res=$res\n"; }
				}`,
			Requests: []conformance.Request{
				at("api.test", "/api/users"),
				at("api.test", "/api/users/7"),
				{Target: "/api/users", Header: []string{"Host: api.test", "Accept: application/vnd.api.v2+json"}},
				{Target: "/api/users", Header: []string{"Host: api.test", "Accept: application/vnd.api.v3+json"}},
				at("api.test", "/api/v1/items/9"),
				at("api.test", "/api/v2/items"),
				at("api.test", "/api/v9/items"),
				at("api.test", "/api/"),
				at("api.test", "/api/users/x"),
				at("other.test", "/api/users?x=1"),
			},
		},
		{
			Name: "multi-tenant-regex-servers",
			Conf: `
				map $tenant $plan { default free; acme pro; globex enterprise; }
				server { listen 127.0.0.1:{{PORT}}; server_name ~^(?<tenant>[a-z0-9-]+)\.saas\.test$;
					location / { return 200 "tenant=$tenant plan=$plan uri=$uri\n"; }
					location /admin { if ($plan = free) { return 403 "upgrade\n"; } return 200 "admin for $tenant\n"; }
					location ~ ^/t/(?<tenant>\w+)$ { return 200 "overridden tenant=$tenant plan=$plan\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name saas.test www.saas.test;
					location / { return 200 "marketing plan=[$plan]\n"; }
				}`,
			Requests: cat(
				hosts("/", "acme.saas.test", "globex.saas.test", "foo.saas.test", "saas.test", "www.saas.test",
					"UPPER.saas.test"),
				hosts("/admin", "acme.saas.test", "foo.saas.test"),
				hosts("/t/zeta", "acme.saas.test"),
				hosts("/x", "bad_name.saas.test"),
			),
		},
		{
			Name: "language-redirects",
			Conf: `
				map $http_accept_language $pref { default en; ~^de de; ~^fr fr; }
				server { listen 127.0.0.1:{{PORT}};
					location = / { return 302 /$pref/; }
					location ~ ^/(?<lang>en|de|fr)/(?<rest>.*)$ { return 200 "lang=$lang rest=$rest\n"; }
					location / { rewrite ^/(.*)$ /$pref/$1 redirect; }
				}`,
			Requests: []conformance.Request{
				{Target: "/"},
				{Target: "/", Header: []string{"Accept-Language: de-DE,de;q=0.9"}},
				{Target: "/", Header: []string{"Accept-Language: fr"}},
				{Target: "/page?x=1", Header: []string{"Accept-Language: fr"}},
				{Target: "/page"},
				{Target: "/de/page"},
				{Target: "/en/"},
				{Target: "/it/page", Header: []string{"Accept-Language: it"}},
				{Target: "/fr/a/b?c=d"},
				{Target: "/de"},
			},
		},
		{
			Name:    "proxy-with-rewrites-and-headers",
			Backend: &conformance.Backend{},
			Conf: `
				map $http_x_forwarded_proto $fwd_proto { default $scheme; https https; }
				server { listen 127.0.0.1:{{PORT}}; server_name proxy.test;
					proxy_set_header Host $host;
					proxy_set_header X-Forwarded-Proto $fwd_proto;
					location /app/ {
						rewrite ^/app/legacy/(.*)$ /app/v2/$1 last;
						proxy_pass http://{{BACKEND}}/;
					}
					location /app/v2/ {
						set $ver 2;
						proxy_set_header X-Version $ver;
						proxy_pass http://{{BACKEND}};
					}
					location /strip/ { rewrite ^/strip(/.*)$ $1 break; proxy_pass http://{{BACKEND}}; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other.test;
					location / { proxy_pass http://{{BACKEND}}/other$request_uri; }
				}`,
			Requests: cat(
				hosts("/app/x?y=1", "proxy.test"),
				hosts("/app/legacy/z", "proxy.test"),
				hosts("/app/v2/w", "proxy.test"),
				hosts("/strip/a/b?c", "proxy.test"),
				hosts("/q?r=s", "other.test"),
				[]conformance.Request{
					{Target: "/app/h", Header: []string{"Host: proxy.test", "X-Forwarded-Proto: https"}},
					{Target: "/app/h", Header: []string{"Host: PROXY.test:99"}},
					{Target: "/strip/", Header: []string{"Host: proxy.test"}},
					{Target: "/x", Header: []string{"Host: nobody"}},
					rawReq("http10-no-host", "GET /app/n HTTP/1.0\r\n\r\n"),
				},
			),
		},
		{
			Name:  "static-site-with-legacy-rules",
			Files: files,
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name static.test;
					root {{DIR}}/site;
					rewrite ^/index\.html$ / permanent;
					rewrite ^/(.*)/$ /$1/index.html;
					location / { }
					location /blog/ {
						if ($arg_year ~ "^(\d{4})$") { rewrite ^ /blog/$1/post.txt? last; }
					}
					location = /about/index.html { add_header X-About yes; }
				}`,
			Requests: also(hosts("/", "static.test").add(at("static.test", "/index.html"), at("static.test", "/about/"),
				at("static.test", "/blog/?year=2024"), at("static.test", "/blog/?year=24"), at("static.test", "/blog/2024/post.txt"),
				at("static.test", "/about"), at("static.test", "/static/app.js"), at("static.test", "/nope/"),
				at("static.test", "/blog/x?year=2024")), "X-About"),
		},
		{
			Name: "deny-by-user-agent-and-method",
			Conf: `
				map $http_user_agent $bad_bot { default 0; ~*(crawler|spider) 1; "~*^curl/" 2; }
				server { listen 127.0.0.1:{{PORT}};
					if ($bad_bot = 1) { return 403 "bot\n"; }
					location / {
						if ($request_method !~ ^(GET|HEAD)$) { return 405 "method $request_method\n"; }
						if ($bad_bot) { add_header X-Bot $bad_bot; }
						return 200 "ok bot=$bad_bot\n";
					}
				}`,
			Requests: also([]conformance.Request{
				{Target: "/"},
				{Target: "/", Header: []string{"User-Agent: MyCrawler/1.0"}},
				{Target: "/", Header: []string{"User-Agent: SPIDER"}},
				{Target: "/", Header: []string{"User-Agent: curl/8.0"}},
				{Target: "/", Header: []string{"User-Agent: Curl/8.0"}},
				{Method: "POST", Target: "/", Body: "x"},
				{Method: "DELETE", Target: "/"},
				{Method: "HEAD", Target: "/"},
				{Method: "POST", Target: "/", Body: "x", Header: []string{"User-Agent: crawler"}},
				{Target: "/x?y", Header: []string{"User-Agent: curl/1"}},
			}, "X-Bot"),
		},
	})
}

func TestConformanceConfigPhases(t *testing.T) {
	files := map[string]string{
		"sites/alpha/index.html": "alpha home\n",
		"sites/alpha/a.txt":      "alpha a\n",
		"sites/beta/index.html":  "beta home\n",
		"docs/guide/index.html":  "guide\n",
		"docs/page.txt":          "page\n",
		"maps/tiers.map":         "gold premium;\nsilver standard;\n",
	}
	conformance.Run(t, []conformance.Case{
		{
			// The server's rewrite phase runs again after every internal
			// redirect (error_page, try_files to a URI), not for a named
			// location.
			Name:  "server-phase-reruns",
			Files: files,
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					root {{DIR}}/docs;
					set $trail "${trail}s";
					rewrite ^/legacy/(.*)$ /$1;
					error_page 404 /nf;
					error_page 410 = @gone;
					location / { try_files $uri $uri/index.html /fallback; }
					location = /fallback { return 200 "fallback trail=$trail uri=$uri\n"; }
					location = /nf { return 200 "nf trail=$trail uri=$uri\n"; }
					location /g { return 410; }
					location @gone { return 200 "gone trail=$trail uri=$uri\n"; }
					location /e { return 404; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-rerun.test;
					rewrite ^/legacy/(.*)$ /modern/$1 last;
					location /modern/ { return 200 "other-rerun.test modern $uri args=$args\n"; }
					location / { return 404; }
				}`,
			Requests: cat(
				get("/page.txt", "/legacy/page.txt", "/guide/", "/nothing", "/legacy/nothing", "/g", "/e",
					"/legacy/e", "/legacy/g?x=1", "/legacy/guide/"),
				hosts("/legacy/a?b=1", "other-rerun.test"),
				hosts("/else", "other-rerun.test"),
			),
		},
		{
			Name:  "regex-server-root-per-subdomain",
			Files: files,
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name ~^(?<site>alpha|beta)\.sites\.test$;
					root {{DIR}}/sites/$site;
					location / { try_files $uri $uri/ /index.html; }
					location ~ ^/(?<name>\w+)\.txt$ { add_header X-Site $site; try_files /$name.txt =404; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name sites.test;
					location / { return 200 "sites index\n"; }
				}`,
			Requests: also(cat(
				hosts("/", "alpha.sites.test", "beta.sites.test", "gamma.sites.test", "ALPHA.sites.test."),
				hosts("/a.txt", "alpha.sites.test", "beta.sites.test"),
				hosts("/missing/path", "alpha.sites.test", "beta.sites.test"),
				hosts("/index.html", "beta.sites.test"),
				hosts("/x", "sites.test"),
			), "X-Site"),
		},
		{
			Name:  "trailing-slash-and-directories",
			Files: files,
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name docs.test;
					root {{DIR}}/docs;
					location / {
						if (-d $request_filename) { rewrite ^(.*[^/])$ $1/ permanent; }
						if (!-e $request_filename) { rewrite ^/(.*)$ /index.php?q=$1 last; }
					}
					location = /index.php { return 200 "php q=$arg_q args=$args\n"; }
				}`,
			Requests: cat(hosts("/guide", "docs.test"), hosts("/guide/", "docs.test"), hosts("/guide?x=1", "docs.test"),
				hosts("/page.txt", "docs.test"), hosts("/no/such?y=2", "docs.test"), hosts("/a+b", "docs.test"),
				hosts("/a%20b", "docs.test"), hosts("/", "docs.test"), hosts("/guide/index.html", "docs.test"),
				hosts("/GUIDE", "docs.test")),
		},
		{
			Name: "escaped-captures",
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					location /args/ { rewrite ^/args/(.*)$ /show?v=$1 last; }
					location /path/ { rewrite ^/path/(.*)$ /show/$1 last; }
					location /red/ { rewrite ^/red/(.*)$ /show/$1?v=$1 redirect; }
					location /lit/ { rewrite ^/lit/(.*)$ /show/%41$1%20x? redirect; }
					location /show { return 200 "uri=$uri args=$args\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-esc.test;
					rewrite ^/legacy/(.*)$ /modern/$1 last;
					location /modern/ { return 200 "other-esc.test modern $uri args=$args\n"; }
					location / { return 404; }
				}`,
			Requests: cat(
				get("/args/a%20b", "/args/a+b", "/args/plain", "/args/a%26b", "/path/a%3Fb", "/path/a+b?z=1",
					"/red/a%20b", "/red/a+b?k=v", "/red/plain", "/red/%25", "/lit/y", "/lit/%3F"),
				hosts("/legacy/a?b=1", "other-esc.test"),
				hosts("/else", "other-esc.test"),
			),
		},
		{
			Name:  "map-include-and-default-variables",
			Files: files,
			Conf: `
				map $http_x_tier $tier { include {{DIR}}/maps/tiers.map; default "basic-$arg_d"; }
				map $host $by_host { hostnames; *.test "any test"; default "none"; }
				server { listen 127.0.0.1:{{PORT}}; server_name a.test;
					location / { return 200 "tier=$tier host=$by_host\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name b.example;
					location / { return 200 "b tier=$tier host=$by_host\n"; }
				}`,
			Requests: []conformance.Request{
				{Target: "/", Header: []string{"Host: a.test", "X-Tier: gold"}},
				{Target: "/", Header: []string{"Host: a.test", "X-Tier: Silver"}},
				{Target: "/?d=1", Header: []string{"Host: a.test", "X-Tier: bronze"}},
				{Target: "/?d=2", Header: []string{"Host: a.test"}},
				{Target: "/", Header: []string{"Host: b.example", "X-Tier: gold"}},
				{Target: "/", Header: []string{"Host: x.test"}},
				{Target: "/", Header: []string{"Host: b.example."}},
				{Target: "/?d=3", Header: []string{"Host: B.EXAMPLE"}},
				{Target: "/", Header: []string{"Host: deep.sub.test"}},
				rawReq("http10-no-host", "GET / HTTP/1.0\r\nX-Tier: gold\r\n\r\n"),
			},
		},
		{
			Name: "server-break-and-return-order",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name order.test;
					set $a 1;
					if ($arg_stop) { break; }
					set $a 2;
					rewrite ^/r$ /target;
					location / { set $b "$a"; return 200 "a=$a b=$b uri=$uri\n"; }
					location /target { return 200 "target a=$a\n"; }
					location /ret { return 200 "first\n"; return 200 "second\n"; }
					location /setret { set $x 1; return 200 "x=$x\n"; set $x 2; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-order.test;
					location / { if ($arg_x) { return 200 "other-order.test x=$arg_x\n"; } return 200 "other-order.test plain $uri\n"; }
					location /r/ { rewrite ^/r/(.*)$ /$1 last; }
				}`,
			Requests: cat(hosts("/", "order.test"), hosts("/?stop=1", "order.test"), hosts("/r", "order.test"),
				hosts("/r?stop=1", "order.test"), hosts("/ret", "order.test"), hosts("/setret", "order.test"),
				hosts("/target", "order.test"), hosts("/x?stop=0", "order.test"), hosts("/r?stop=", "order.test"),
				hosts("/", "else.test"),
				hosts("/?x=1", "other-order.test"),
				hosts("/r/y", "other-order.test"),
			),
		},
	})
}

func TestConformanceConfigSetArgs(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name:    "set-args",
			Backend: &conformance.Backend{},
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					location /p/ { set $args "p=1"; proxy_pass http://{{BACKEND}}; }
					location /pu/ { set $args "p=2&$args"; proxy_pass http://{{BACKEND}}/base/; }
					location /pe/ { set $args ""; proxy_pass http://{{BACKEND}}/base/; }
					location /a { set $args "x=1&$args"; return 200 "args=$args is_args=$is_args arg_x=$arg_x\n"; }
					location /b { set $args ""; rewrite ^ /show last; }
					location /c { set $args "new=1"; rewrite ^ /show last; }
					location /d { set $args "d=1"; rewrite ^ /show? last; }
					location /show { return 200 "show args=$args\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-setargs.test;
					rewrite ^/legacy/(.*)$ /modern/$1 last;
					location /modern/ { return 200 "other-setargs.test modern $uri args=$args\n"; }
					location / { return 404; }
				}`,
			Requests: cat(
				get("/a", "/a?y=2", "/b?q=1", "/c?q=1", "/d?q=1", "/c", "/show?z=1", "/p/x?q=1", "/p/x",
					"/pu/y?q=1", "/pe/z?q=1"),
				hosts("/legacy/a?b=1", "other-setargs.test"),
				hosts("/else", "other-setargs.test"),
			),
		},
	})
}

func TestConformanceConfigQuirks(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			// A map's regex, evaluated lazily, is the last regex to
			// match when a later $1 is read: its captures replace the
			// location's.
			Name: "map-regex-captures-shadow-location",
			Conf: `
				map $arg_v $mapped { ~^(?<mv>x+)(y*)$ "m:$1:$2"; ~^z "zed"; default "d"; }
				server { listen 127.0.0.1:{{PORT}};
					location ~ ^/loc/(\w+)$ { return 200 "before=$1 map=$mapped after=$1 mv=$mv\n"; }
					location ~ ^/set/(\w+)$ { set $keep $1; set $m $mapped; return 200 "keep=$keep m=$m now=$1\n"; }
				}`,
			Requests: get("/loc/abc", "/loc/abc?v=xxy", "/loc/abc?v=z", "/loc/abc?v=q", "/set/def?v=xy", "/set/def",
				"/set/def?v=zz", "/loc/a?v=x", "/loc/a?v=xyy"),
		},
		{
			Name: "redirect-flavours",
			Files: map[string]string{
				"d/sub/index.html": "sub\n",
			},
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name main.test alt.test;
					root {{DIR}}/d;
					location /np/ { port_in_redirect off; rewrite ^ /x redirect; }
					location /na/ { absolute_redirect off; rewrite ^ /x redirect; }
					location /nar/ { absolute_redirect off; return 301 /y; }
					location /sn/ { server_name_in_redirect on; return 302 /z; }
					location /snoff/ { server_name_in_redirect on; port_in_redirect off; return 302 /z; }
					location / { }
				}`,
			Requests: cat(hosts("/np/", "alt.test"), hosts("/na/", "alt.test"), hosts("/nar/", "alt.test"),
				hosts("/sn/", "alt.test", "other.test"), hosts("/snoff/", "alt.test"), hosts("/sub", "alt.test:8080"),
				[]conformance.Request{rawReq("http10-sn", "GET /sn/ HTTP/1.0\r\n\r\n"), rawReq("http10-sub", "GET /sub HTTP/1.0\r\n\r\n")}),
		},
		{
			Name:    "if-method-and-empty-compare",
			Backend: &conformance.Backend{},
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					rewrite_log on;
					uninitialized_variable_warn off;
					location /api/ {
						if ($request_method = OPTIONS) { add_header Allow "GET, POST"; return 204; }
						if ($http_x_token = "") { return 401 "token required\n"; }
						if ($http_x_token != "secret") { return 403 "bad token\n"; }
						proxy_pass http://{{BACKEND}};
					}
					location ~* \.(jpg|png)$ {
						if ($uri ~* "^/img/(\d{2,4})/") { return 200 "year $1\n"; }
						return 200 "image $uri\n";
					}
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-method.test;
					location / { if ($arg_x) { return 200 "other-method.test x=$arg_x\n"; } return 200 "other-method.test plain $uri\n"; }
					location /r/ { rewrite ^/r/(.*)$ /$1 last; }
				}`,
			Requests: cat(
				also([]conformance.Request{
					{Method: "OPTIONS", Target: "/api/x"},
					{Target: "/api/x"},
					{Target: "/api/x", Header: []string{"X-Token: nope"}},
					{Target: "/api/x?q=1", Header: []string{"X-Token: secret"}},
					{Method: "POST", Target: "/api/y", Header: []string{"X-Token: secret"}, Body: "payload"},
					{Target: "/img/2024/a.JPG"},
					{Target: "/img/1/a.png"},
					{Target: "/other/b.png"},
					{Target: "/api/", Header: []string{"X-Token:"}},
					{Method: "OPTIONS", Target: "/api/z", Header: []string{"X-Token: secret"}},
				}, "Allow"),
				hosts("/?x=1", "other-method.test"),
				hosts("/r/y", "other-method.test"),
			),
		},
		{
			Name: "rewrite-last-inside-if-and-internal",
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					location / {
						if ($arg_mobile) { rewrite ^/(.*)$ /m/$1 last; }
						if ($http_x_private) { rewrite ^ /private last; }
						return 200 "desktop $uri\n";
					}
					location /m/ { return 200 "mobile $uri args=$args\n"; }
					location /private { internal; return 200 "private reached $uri\n"; }
					location /loop/ { if ($uri) { rewrite ^/loop/(.*)$ /loop/$1 last; } }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-last.test;
					rewrite ^/legacy/(.*)$ /modern/$1 last;
					location /modern/ { return 200 "other-last.test modern $uri args=$args\n"; }
					location / { return 404; }
				}`,
			Requests: cat(
				[]conformance.Request{
					{Target: "/page"},
					{Target: "/page?mobile=1"},
					{Target: "/a/b?mobile=0"},
					{Target: "/x", Header: []string{"X-Private: 1"}},
					{Target: "/private"},
					{Target: "/private", Header: []string{"X-Private: 1"}},
					{Target: "/loop/x"},
					{Target: "/m/direct?mobile=1"},
					{Target: "/page?mobile=1", Header: []string{"X-Private: 1"}},
					{Target: "/?mobile=yes"},
				},
				hosts("/legacy/a?b=1", "other-last.test"),
				hosts("/else", "other-last.test"),
			),
		},
		{
			Name: "exact-beats-wildcard-across-servers",
			Conf: `
				server { listen 127.0.0.1:{{PORT}}; server_name *.shop.test;
					location / { return 200 "wild shop $host\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name ~^(?<store>[a-z]+)\.shop\.test$;
					location / { return 200 "regex store=$store\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name api.shop.test shop.*;
					location / { return 200 "api or shop.* ($server_name)\n"; }
				}
				server { listen 127.0.0.1:{{PORT}}; server_name ~^www\.(?<rest>.+)$ www.shop.test;
					location / { return 200 "www rest=[$rest] sn=$server_name\n"; }
				}`,
			Requests: hosts("/", "api.shop.test", "foo.shop.test", "www.shop.test", "shop.test", "shop.com", "www.other.test",
				"a.b.shop.test", "SHOP.TEST", "www.shop.test.", "nothing"),
		},
	})
}

func TestConformanceConfigIfContent(t *testing.T) {
	files := map[string]string{
		"main/page.txt":   "main page\n",
		"main/only.txt":   "only in main\n",
		"alt/page.txt":    "alt page\n",
		"alias/file.txt":  "aliased\n",
		"alias/other.txt": "other aliased\n",
	}
	conformance.Run(t, []conformance.Case{
		{
			// An if block is a location of its own: root, expires and
			// add_header inside it replace the outer ones when it holds.
			Name:  "root-and-headers-inside-if",
			Files: files,
			Conf: `
				server { listen 127.0.0.1:{{PORT}};
					root {{DIR}}/main;
					set $variant main;
					if ($http_x_alt) { set $variant alt; }
					location / {
						add_header X-Variant $variant;
						if ($variant = alt) { root {{DIR}}/alt; add_header X-From-If yes; }
						if ($arg_cache) { expires 1h; }
					}
					location /al/ {
						alias {{DIR}}/alias/;
						if ($arg_to) { rewrite ^/al/(.*)$ /al/$arg_to break; }
					}
				}
				server { listen 127.0.0.1:{{PORT}}; server_name other-root.test;
					location = /gone { return 410; }
					location / { return 302 /gone; }
				}`,
			Requests: cat(
				also([]conformance.Request{
					{Target: "/page.txt"},
					{Target: "/page.txt", Header: []string{"X-Alt: 1"}},
					{Target: "/only.txt", Header: []string{"X-Alt: 1"}},
					{Target: "/only.txt"},
					{Target: "/page.txt?cache=1"},
					{Target: "/page.txt?cache=1", Header: []string{"X-Alt: 1"}},
					{Target: "/al/file.txt"},
					{Target: "/al/file.txt?to=other.txt"},
					{Target: "/al/missing"},
					{Target: "/page.txt", Header: []string{"X-Alt: 0"}},
				}, "X-Variant", "X-From-If"),
				hosts("/x", "other-root.test"),
				hosts("/gone", "other-root.test"),
			),
		},
	})
}
