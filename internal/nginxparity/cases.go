// Package nginxparity is the table of configurations whose `nginx -t`
// verdict frontdesk reproduces: the loader's (nginxconf/parity_test.go)
// and the binary's -t output and exit status (cmd/frontdesk) are both
// checked against real nginx with it.
package nginxparity

import (
	"os"
	"path/filepath"
	"strings"
)

// Case is one configuration given to `nginx -t` and to frontdesk.
type Case struct {
	Name string
	// Conf is nginx.conf.
	Conf string
	// Files are written next to nginx.conf (includes); a name ending in
	// "/" is a directory.
	Files map[string]string
	// Refused lists what frontdesk refuses in a configuration nginx
	// accepts, as fragments of its messages: the directives it does not
	// implement, the one divergence allowed.
	Refused []string
	// Newer lists directives of later nginx versions that frontdesk
	// accepts on purpose (README, differences): nginx refuses the first
	// as unknown, frontdesk loads the file and warns about it.
	Newer []string
}

// Write lays out the case in dir: Files, and Conf as nginx.conf, whose
// path it returns.
func (c Case) Write(dir string) (string, error) {
	for name, data := range c.Files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if !strings.HasSuffix(name, "/") {
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				return "", err
			}
		}
	}
	conf := filepath.Join(dir, "nginx.conf")
	return conf, os.WriteFile(conf, []byte(c.Conf), 0o644)
}

// HTTP wraps a body in an http block, after the events block nginx
// requires.
func HTTP(body string) string { return "events {}\nhttp {\n" + body + "\n}\n" }

// Server wraps a body in a server block.
func Server(body string) string { return HTTP("server {\n" + body + "\n}") }

// Location wraps a body in "location /".
func Location(body string) string { return Server("location / {\n" + body + "\n}") }

// The table's shorthands.
var h, s, l = HTTP, Server, Location

// Cases are the configurations, by what nginx -t says of them.
var Cases = []Case{
	// Accepted by both.
	{Name: "minimal", Conf: "events {}\nhttp {}\n"},
	{Name: "empty server", Conf: s("")},
	{Name: "static site", Conf: s("listen 8080;\nserver_name example.com www.example.com;\nroot html;\nindex index.html index.htm;\nlocation / {\n try_files $uri $uri/ /index.html =404;\n}")},
	{Name: "every location kind", Conf: s("location = /exact {}\nlocation ^~ /static/ {}\nlocation ~ \\.php$ {}\nlocation ~* \\.(gif|jpg)$ {}\nlocation /prefix {}\nlocation @named {}")},
	{Name: "glued modifiers", Conf: s("location =/a {}\nlocation ^~/b {}\nlocation ~^/c {}\nlocation ~*^/d {}")},
	{Name: "exact and prefix of one name", Conf: s("location = /a {}\nlocation /a {}")},
	{Name: "same named location twice", Conf: s("location @a {}\nlocation @a {}")},
	{Name: "same regex twice", Conf: s("location ~ ^/a {}\nlocation ~ ^/a {}")},
	{Name: "nested locations", Conf: s("location /a/ {\n location /a/b/ {\n  location ~ \\.txt$ {}\n }\n location ~ ^/a/c {}\n}")},
	{Name: "regex parent, prefix child named like the regex", Conf: s("location ~ /a {\n location /a/b {}\n}")},
	{Name: "main and events tuning", Conf: "user root;\nworker_processes auto;\nworker_rlimit_nofile 8192;\npid nginx.pid;\nerror_log error.log warn;\npcre_jit on;\nevents {\n worker_connections 512;\n multi_accept on;\n use epoll;\n accept_mutex off;\n}\nhttp {}\n"},
	{Name: "http tuning", Conf: h("sendfile on;\ntcp_nopush on;\ntcp_nodelay on;\nkeepalive_timeout 65 60;\nkeepalive_requests 100;\ntypes_hash_max_size 2048;\nserver_names_hash_bucket_size 64;\nclient_header_timeout 10s;\nsend_timeout 1m;\nlarge_client_header_buffers 4 8k;\nopen_file_cache max=1000 inactive=20s;\nlog_format main '$remote_addr $status';\naccess_log off;\nproxy_buffers 8 16k;\nproxy_buffer_size 32k;\nresolver 127.0.0.1;\nresolver_timeout 5s;")},
	{Name: "flags in any case", Conf: l("autoindex ON;\netag Off;\nabsolute_redirect oFF;")},
	{Name: "sizes and times", Conf: l("client_max_body_size 1G;\nclient_body_buffer_size 16k;\nproxy_read_timeout 1h30m;\nproxy_send_timeout \"1m 30s\";\nproxy_connect_timeout 500ms;")},
	{Name: "client_max_body_size 0", Conf: l("client_max_body_size 0;")},
	{Name: "enums", Conf: l("autoindex_format json;\nif_modified_since before;\nserver_tokens off;\nproxy_http_version 1.1;")},
	{Name: "bitmask", Conf: l("proxy_next_upstream error timeout http_502 non_idempotent;\nproxy_next_upstream_tries 3;\nproxy_next_upstream_timeout 10s;")},
	{Name: "error pages", Conf: s("error_page 404 /404.html;\nerror_page 500 502 503 504 /50x.html;\nerror_page 403 =200 /ok;\nerror_page 401 = @named;\nerror_page 410 =0 /gone;\nlocation @named {}")},
	{Name: "error page to a URL", Conf: s("error_page 404 http://example.com/notfound;")},
	{Name: "returns", Conf: s("location /a { return 444; }\nlocation /b { return 301 https://example.com$request_uri; }\nlocation /c { return 200 'ok\\n'; }\nlocation /d { return http://example.com/; }\nlocation /e { return 0; }\nlocation /f { return 999 x; }")},
	{Name: "add_header always", Conf: l("add_header X-Frame-Options DENY;\nadd_header Strict-Transport-Security \"max-age=31536000\" always;")},
	{Name: "expires", Conf: s("location /a { expires 30d; }\nlocation /b { expires epoch; }\nlocation /c { expires max; }\nlocation /d { expires modified +1h; }\nlocation /e { expires -1; }\nlocation /f { expires off; }")},
	{Name: "types block", Conf: h("types {\n text/html html htm;\n image/png png;\n}\ndefault_type application/octet-stream;")},
	{Name: "alias", Conf: s("location /media/ {\n alias /srv/media/;\n}\nlocation ~ ^/files/(.*)$ {\n alias /srv/files/$1;\n}")},
	{Name: "index absolute last", Conf: l("index index.html /fallback.html;")},
	{Name: "index absolute first warns only", Conf: l("index /index.html index.htm;")},
	{Name: "internal", Conf: s("location /private/ {\n internal;\n}")},
	{Name: "proxy to address", Conf: l("proxy_pass http://127.0.0.1:8080;\nproxy_set_header Host $host;\nproxy_set_header X-Real-IP $remote_addr;\nproxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\nproxy_hide_header X-Powered-By;\nproxy_pass_header Server;\nproxy_buffering off;\nproxy_redirect off;")},
	{Name: "proxy_pass with variables", Conf: l("proxy_pass http://127.0.0.1$request_uri;")},
	{Name: "proxy to a unix socket", Conf: s("location /app/ {\n proxy_pass http://unix:/tmp/app.sock:/;\n}\nlocation ~ ^/b {\n proxy_pass http://unix:/tmp/app.sock;\n}")},
	{Name: "proxy to a unix socket with URI in regex location", Conf: s("location ~ ^/b {\n proxy_pass http://unix:/tmp/app.sock:/x;\n}")},
	{Name: "proxy to localhost", Conf: l("proxy_pass http://localhost:8080/app/;")},
	{Name: "proxy_redirect default after proxy_pass", Conf: l("proxy_pass http://127.0.0.1:8080/;\nproxy_redirect default;\nproxy_redirect http://a/ /;")},
	{Name: "proxy_redirect pairs", Conf: l("proxy_redirect http://a/ /;\nproxy_redirect http://b/ /b/;")},
	{Name: "upstream round robin", Conf: h("upstream app {\n server 127.0.0.1:8001 weight=3 max_fails=2 fail_timeout=30s;\n server 127.0.0.1:8002 max_conns=10;\n server 127.0.0.1:8003 backup;\n server 127.0.0.1:8004 down;\n keepalive 16;\n keepalive_timeout 60s;\n keepalive_requests 100;\n}\nserver {\n location / { proxy_pass http://app; }\n}")},
	{Name: "upstream balancers", Conf: h("upstream a {\n least_conn;\n server 127.0.0.1:8001;\n server 127.0.0.1:8002 backup;\n}\nupstream b {\n ip_hash;\n server 127.0.0.1:8001;\n}\nupstream c {\n hash $request_uri consistent;\n server 127.0.0.1:8001;\n}\nupstream d {\n random two least_conn;\n server 127.0.0.1:8001;\n}\nupstream e {\n zone e 64k;\n server localhost:8001;\n}")},
	{Name: "upstream declared after its use", Conf: h("server {\n location / { proxy_pass http://late; }\n}\nupstream late {\n server 127.0.0.1:8001;\n}")},
	{Name: "upstream keepalive_timeout beside core keepalive_timeout", Conf: h("keepalive_timeout 10s;\nupstream u {\n server 127.0.0.1:1;\n keepalive_timeout 5s;\n}")},
	{Name: "realip", Conf: s("set_real_ip_from 10.0.0.0/8;\nset_real_ip_from 192.168.0.1;\nreal_ip_header X-Forwarded-For;\nreal_ip_recursive on;")},
	{Name: "merge_slashes at http and server", Conf: h("merge_slashes off;\nserver {\n merge_slashes on;\n}")},
	{Name: "include", Conf: h("include mime.types;\ninclude conf.d/*.conf;"), Files: map[string]string{"mime.types": "types {\n text/html html;\n}\n", "conf.d/a.conf": "server {\n listen 8081;\n}\n", "conf.d/b.conf": "server {\n listen 8082;\n}\n"}},
	{Name: "include glob matching nothing", Conf: h("include conf.d/*.conf;"), Files: map[string]string{"conf.d/": ""}},
	{Name: "comments and quotes", Conf: "# comment\nevents { } # trailing\nhttp {\n server {\n  location \"/a;b\" { return 200 \"quoted;\\\"\"; }\n  location '/c' { return 200 'single'; }\n }\n}\n"},
	{Name: "multi-line directive", Conf: s("server_name\n  a.example.com\n  b.example.com;")},
	{Name: "try_files with code", Conf: l("try_files $uri =404;")},
	{Name: "proxy cookie rules", Conf: l("proxy_cookie_domain localhost example.org;\nproxy_cookie_path /one/ /;\nproxy_cookie_flags one secure httponly;\nproxy_cookie_flags ~^tmp nosecure;")},
	{Name: "proxy_cookie_flags off then a rule", Conf: l("proxy_cookie_flags off;\nproxy_cookie_flags one secure;")},

	// Unknown directives.
	{Name: "unknown at main", Conf: "worker_process 1;\nevents {}\n"},
	{Name: "unknown in events", Conf: "events {\n worker_connection 1;\n}\n"},
	{Name: "unknown in http", Conf: h("sendfiles on;")},
	{Name: "unknown in server", Conf: s("listen 80;\nserver_nam example.com;")},
	{Name: "unknown in location", Conf: l("proxy_pas http://127.0.0.1;")},
	{Name: "unknown in upstream", Conf: h("upstream u {\n sever 127.0.0.1;\n}")},
	{Name: "unknown inside if", Conf: l("if ($request_method = POST) {\n retrun 405;\n}")},
	{Name: "stream without its module", Conf: "events {}\nstream {}\n"},
	{Name: "unknown before a later error", Conf: s("foo;\nlocation / {\n root a b;\n}")},

	// Directives in the wrong place.
	{Name: "listen in http", Conf: h("listen 80;")},
	{Name: "server_name in location", Conf: l("server_name a;")},
	{Name: "proxy_pass in server", Conf: s("proxy_pass http://127.0.0.1;")},
	{Name: "worker_connections in http", Conf: h("worker_connections 10;")},
	{Name: "user in http", Conf: h("user root;")},
	{Name: "alias in server", Conf: s("alias /x/;")},
	{Name: "try_files in http", Conf: h("try_files $uri =404;")},
	{Name: "internal in server", Conf: s("internal;")},
	{Name: "location in http", Conf: h("location / {}")},
	{Name: "upstream in server", Conf: s("upstream u { server 127.0.0.1; }")},
	{Name: "keepalive in server", Conf: s("keepalive 10;")},
	{Name: "server in location", Conf: l("server 127.0.0.1;")},
	{Name: "if in http", Conf: h("if ($host) { return 404; }")},
	{Name: "return in http", Conf: h("return 404;")},
	{Name: "events inside http", Conf: h("events {}")},
	{Name: "http inside http", Conf: h("http {}")},
	{Name: "location inside if", Conf: l("if ($host) {\n location /x {}\n}")},
	{Name: "root in limit_except", Conf: l("limit_except GET {\n root /x;\n}")},
	{Name: "proxy_pass in server if", Conf: s("if ($host) {\n proxy_pass http://127.0.0.1;\n}")},

	// Argument counts.
	{Name: "listen without address", Conf: s("listen;")},
	{Name: "root with two paths", Conf: l("root /a /b;")},
	{Name: "proxy_pass without url", Conf: l("proxy_pass;")},
	{Name: "error_page with one argument", Conf: l("error_page 404;")},
	{Name: "return with three arguments", Conf: l("return 200 a b;")},
	{Name: "try_files with one argument", Conf: l("try_files $uri;")},
	{Name: "keepalive_timeout with three", Conf: h("keepalive_timeout 1 2 3;")},
	{Name: "add_header with one", Conf: l("add_header X;")},
	{Name: "proxy_set_header with three", Conf: l("proxy_set_header X y z;")},
	{Name: "location without name", Conf: s("location {}")},
	{Name: "location with three", Conf: s("location = /a b {}")},
	{Name: "server with a name", Conf: h("server x {}")},
	{Name: "upstream without name", Conf: h("upstream {}")},
	{Name: "events with an argument", Conf: "events x {}\n"},
	{Name: "worker_processes with two", Conf: "worker_processes 1 2;\nevents {}\n"},
	{Name: "index without files", Conf: l("index;")},
	{Name: "sendfile without value", Conf: h("sendfile;")},
	{Name: "internal with an argument", Conf: l("internal yes;")},
	{Name: "include with two", Conf: h("include a b;")},
	{Name: "upstream server without address", Conf: h("upstream u {\n server;\n}")},

	// Blocks and semicolons.
	{Name: "server without block", Conf: h("server;")},
	{Name: "location without block", Conf: s("location /a;")},
	{Name: "http without block", Conf: "events {}\nhttp;\n"},
	{Name: "sendfile with a block", Conf: h("sendfile on {}")},
	{Name: "include with a block", Conf: h("include x {}")},

	// Flags.
	{Name: "bad flag", Conf: h("sendfile maybe;")},
	{Name: "bad flag implemented", Conf: l("autoindex 1;")},
	{Name: "bad flag not implemented", Conf: h("ssi yes;")},
	{Name: "bad flag at main", Conf: "master_process 1;\nevents {}\n"},
	{Name: "bad flag in events", Conf: "events {\n multi_accept yes;\n}\n"},
	{Name: "bad flag merge_slashes", Conf: s("merge_slashes enabled;")},
	{Name: "bad flag underscores", Conf: s("underscores_in_headers 0;")},

	// Sizes, times, numbers, enums.
	{Name: "bad size mb", Conf: l("client_max_body_size 10mb;")},
	{Name: "size without g", Conf: l("proxy_buffer_size 1g;")},
	{Name: "bad size word", Conf: l("client_body_buffer_size big;")},
	{Name: "negative offset", Conf: l("client_max_body_size -1;")},
	{Name: "bad time unit", Conf: l("proxy_read_timeout 10x;")},
	{Name: "years in msec time", Conf: h("send_timeout 1y;")},
	{Name: "ms in sec time", Conf: h("open_file_cache_valid 1ms;")},
	{Name: "open_file_cache without max", Conf: h("open_file_cache inactive=10s;")},
	{Name: "open_file_cache max=0", Conf: l("open_file_cache max=0;")},
	{Name: "open_file_cache unknown parameter", Conf: s("open_file_cache max=10 size=1;")},
	{Name: "open_file_cache ms inactive", Conf: h("open_file_cache max=10 inactive=1ms;")},
	{Name: "open_file_cache off and settings", Conf: l("open_file_cache off;\nopen_file_cache_valid 30s;\nopen_file_cache_min_uses 2;\nopen_file_cache_errors on;")},
	{Name: "bad keepalive_timeout", Conf: h("keepalive_timeout abc;")},
	{Name: "bad time in events", Conf: "events {\n accept_mutex_delay soon;\n}\n"},
	{Name: "negative number", Conf: l("max_ranges -1;")},
	{Name: "bad number at main", Conf: "worker_rlimit_nofile many;\nevents {}\n"},
	{Name: "bad tries", Conf: l("proxy_next_upstream_tries x;")},
	{Name: "bad enum", Conf: l("autoindex_format yaml;")},
	{Name: "bad if_modified_since", Conf: l("if_modified_since later;")},
	{Name: "bad server_tokens", Conf: h("server_tokens maybe;")},
	{Name: "bad proxy_http_version", Conf: l("proxy_http_version 2.0;")},
	{Name: "bad bitmask member", Conf: l("proxy_next_upstream error foo;")},
	{Name: "bad ssl_protocols", Conf: s("ssl_protocols TLSv1.2 TLSv9;")},
	{Name: "bad upstream keepalive", Conf: h("upstream u {\n server 127.0.0.1;\n keepalive 0;\n}")},
	{Name: "bad upstream keepalive_requests", Conf: h("upstream u {\n server 127.0.0.1;\n keepalive_requests x;\n}")},

	// Duplicates.
	{Name: "root twice", Conf: l("root /a;\nroot /b;")},
	{Name: "proxy_pass twice", Conf: l("proxy_pass http://127.0.0.1;\nproxy_pass http://127.0.0.1;")},
	{Name: "sendfile twice", Conf: h("sendfile on;\nsendfile off;")},
	{Name: "alias after root", Conf: l("root /a;\nalias /b/;")},
	{Name: "root after alias", Conf: l("alias /b/;\nroot /a;")},
	{Name: "try_files twice", Conf: l("try_files $uri =404;\ntry_files $uri =404;")},
	{Name: "expires twice", Conf: l("expires 1h;\nexpires 2h;")},
	{Name: "events twice", Conf: "events {}\nevents {}\n"},
	{Name: "http twice", Conf: "events {}\nhttp {}\nhttp {}\n"},
	{Name: "worker_processes twice", Conf: "worker_processes 1;\nworker_processes 2;\nevents {}\n"},
	{Name: "proxy_redirect off then rule", Conf: l("proxy_redirect off;\nproxy_redirect http://a/ /;")},
	{Name: "keepalive_timeout twice", Conf: h("keepalive_timeout 5;\nkeepalive_timeout 6;")},
	{Name: "worker_connections twice", Conf: "events {\n worker_connections 1;\n worker_connections 2;\n}\n"},
	{Name: "twice at different levels is fine", Conf: h("sendfile on;\nserver {\n sendfile off;\n location / { sendfile on; }\n}")},
	{Name: "duplicate location", Conf: s("location /a {}\nlocation /b {}\nlocation /a {}")},
	{Name: "duplicate location by ^~", Conf: s("location ^~ /a {}\nlocation /a {}")},
	{Name: "duplicate exact location", Conf: s("location = /a {}\nlocation = /a {}")},
	{Name: "duplicate nested location first", Conf: s("location /a {\n location /a/c {}\n location /a/c {}\n}\nlocation /b {}\nlocation /b {}")},
	{Name: "duplicate location in second server", Conf: h("server {\n location /a {}\n}\nserver {\n location /b {}\n location /b {}\n}")},
	{Name: "duplicate location sorted order", Conf: s("location /b {}\nlocation /a {}\nlocation /b {}\nlocation /a {}")},
	{Name: "duplicate location after parse error", Conf: s("location /a {}\nlocation /a {}\nlocation ~ ^/(a {}")},
	{Name: "duplicate location before unknown variable", Conf: s("location /a {}\nlocation /a {}\nadd_header X $nope;")},

	// Locations.
	{Name: "nested in exact location", Conf: s("location = /a {\n location /a/b {}\n}")},
	{Name: "named location nested", Conf: s("location /a {\n location @n {}\n}")},
	{Name: "nested in named location", Conf: s("location @n {\n location /a {}\n}")},
	{Name: "location outside its parent", Conf: s("location /b {\n location /a {}\n}")},
	{Name: "prefix inside regex is outside", Conf: s("location ~ ^/a {\n location /a/b {}\n}")},
	{Name: "invalid location modifier", Conf: s("location =~ /a {}")},
	{Name: "alias in named location", Conf: s("location @n {\n alias /x/;\n}")},

	// Regexes.
	{Name: "regex missing paren", Conf: s("location ~ ^/(a {}")},
	{Name: "regex unmatched paren", Conf: s("location ~ ^/a) {}")},
	{Name: "regex missing bracket", Conf: s("location ~ [a {}")},
	{Name: "regex nothing to repeat", Conf: s("location ~ *.php {}")},
	{Name: "regex double quantifier", Conf: s("location ~ a** {}")},
	{Name: "regex counts out of order", Conf: s("location ~ \"a{2,1}\" {}")},
	{Name: "regex duplicate names", Conf: s("location ~ \"(?<n>a)(?<n>b)\" {}")},
	{Name: "regex unknown escape", Conf: s("location ~ ^/a\\ib {}")},
	{Name: "regex range out of order", Conf: s("location ~ [z-a] {}")},
	{Name: "regex caseless missing paren", Conf: s("location ~* (a|b {}")},
	{Name: "regex lookahead is fine", Conf: s("location ~ ^/(?!api/)(.*)$ {}")},
	{Name: "regex named groups are fine", Conf: s("location ~ \"^/(?<year>\\d{4})/(?P<slug>[a-z-]+)$\" {}")},

	// Includes and syntax.
	{Name: "missing include", Conf: h("include missing.conf;")},
	{Name: "syntax error in include", Conf: h("include bad.conf;"), Files: map[string]string{"bad.conf": "server {\n listen 80\n}\n"}},
	{Name: "unknown directive in include", Conf: h("include bad.conf;"), Files: map[string]string{"bad.conf": "server {\n lisen 80;\n}\n"}},
	{Name: "unexpected brace", Conf: "events {}\n}\n"},
	{Name: "unexpected end of file", Conf: "events {}\nhttp {\n"},
	{Name: "missing semicolon", Conf: s("listen 80\nserver_name a;")},
	{Name: "unknown before syntax error", Conf: "events {}\nfoo;\nhttp {\n}}\n"},
	{Name: "syntax error before unknown", Conf: "events {}\nhttp {\n}}\nfoo;\n"},
	{Name: "missing events", Conf: "http {}\n"},
	{Name: "unknown variable beats missing events", Conf: "http {\n server {\n  add_header X $nope;\n }\n}\n"},

	// error_page and return.
	{Name: "error_page 200", Conf: s("error_page 200 /x;")},
	{Name: "error_page 499", Conf: s("error_page 499 /x;")},
	{Name: "error_page 600", Conf: s("error_page 600 /x;")},
	{Name: "error_page word", Conf: s("error_page 404 x 500 /y;")},
	{Name: "error_page bad overwrite", Conf: s("error_page 404 =2x /x;")},
	{Name: "error_page overwrite without code", Conf: s("error_page =200 /x;")},
	{Name: "return 1000", Conf: l("return 1000;")},
	{Name: "return word", Conf: l("return abc x;")},
	{Name: "return negative", Conf: l("return -1;")},
	{Name: "return bad code in server", Conf: s("return 1000;")},
	{Name: "index empty", Conf: l("index \"\";")},
	{Name: "add_header bad flag", Conf: l("add_header X y z;")},
	{Name: "expires bad", Conf: l("expires soon;")},
	{Name: "expires two values", Conf: l("expires 1h 2h;")},
	{Name: "try_files bad code", Conf: l("try_files $uri =abc;")},

	// Upstreams and proxy_pass.
	{Name: "upstream without servers", Conf: h("upstream u {\n}")},
	{Name: "upstream server bad parameter", Conf: h("upstream u {\n server 127.0.0.1 weight=x;\n}")},
	{Name: "upstream server weight 0", Conf: h("upstream u {\n server 127.0.0.1 weight=0;\n}")},
	{Name: "upstream server unknown parameter", Conf: h("upstream u {\n server 127.0.0.1 slow_start=10s;\n}")},
	{Name: "upstream backup with ip_hash", Conf: h("upstream u {\n ip_hash;\n server 127.0.0.1 backup;\n}")},
	{Name: "upstream host not found", Conf: h("upstream u {\n server nonexistent.invalid:5000;\n}")},
	{Name: "upstream bad port", Conf: h("upstream u {\n server 127.0.0.1:http;\n}")},
	{Name: "upstream bad hash parameter", Conf: h("upstream u {\n hash $uri ketama;\n server 127.0.0.1;\n}")},
	{Name: "proxy_pass unknown host", Conf: l("proxy_pass http://nonexistent.invalid;")},
	{Name: "proxy_pass bad prefix", Conf: l("proxy_pass 127.0.0.1:8080;")},
	{Name: "proxy_pass uri in regex location", Conf: s("location ~ ^/a {\n proxy_pass http://127.0.0.1/x;\n}")},
	{Name: "proxy_pass uri in named location", Conf: s("location @a {\n proxy_pass http://127.0.0.1/x;\n}")},
	{Name: "proxy_redirect default before proxy_pass", Conf: l("proxy_redirect default;\nproxy_pass http://127.0.0.1;")},
	{Name: "proxy_redirect bad parameter", Conf: l("proxy_redirect on;")},

	// Variables.
	{Name: "unknown variable", Conf: l("add_header X $nope;")},
	{Name: "unknown variable in return", Conf: l("return 200 $nope;")},

	// Accepted by nginx, refused by frontdesk.
	{Name: "gzip", Conf: h("gzip on;\ngzip_types text/css;")},
	{Name: "ssl server", Conf: s("ssl_protocols TLSv1.2 TLSv1.3;\nssl_prefer_server_ciphers on;")},
	{Name: "access rules", Conf: l("allow 127.0.0.1;\ndeny all;")},
	{Name: "map", Conf: h("map $http_upgrade $connection_upgrade {\n default upgrade;\n '' close;\n}")},
	{Name: "rewrite", Conf: l("rewrite ^/old/(.*)$ /new/$1 permanent;")},
	{Name: "set", Conf: l("set $a 1;")},
	{Name: "if with return", Conf: l("if ($request_method = POST) {\n return 405;\n}")},
	{Name: "server-level return", Conf: s("return 301 https://$host$request_uri;")},
	{Name: "limit_req", Conf: h("limit_req_zone $binary_remote_addr zone=one:10m rate=1r/s;\nserver {\n location / { limit_req zone=one burst=5; }\n}"), Refused: []string{`"limit_req_zone" directive`, `"limit_req" directive`}},
	{Name: "fastcgi", Conf: s("location ~ \\.php$ {\n fastcgi_pass 127.0.0.1:9000;\n fastcgi_index index.php;\n}"), Refused: []string{`"fastcgi_pass" directive`, `"fastcgi_index" directive`}},
	{Name: "stub_status", Conf: s("location = /status {\n stub_status;\n}"), Refused: []string{`"stub_status" directive`}},
	{Name: "limit_except", Conf: l("limit_except GET {\n deny all;\n}")},
	{Name: "proxy_pass in limit_except", Conf: l("limit_except GET {\n proxy_pass http://127.0.0.1;\n}")},
	{Name: "https upstream", Conf: l("proxy_pass https://127.0.0.1;")},
	{Name: "http2 on is nginx 1.25.1 syntax", Conf: s("listen 8443;\nhttp2 on;"), Newer: []string{"http2"}},
	{Name: "http2 on in http, off in a server", Conf: h("http2 on;\nserver {\n listen 8443;\n http2 off;\n}"), Newer: []string{"http2", "http2"}},
	{Name: "listen ssl without a certificate", Conf: s("listen 8443 ssl;")},
	{Name: "https upstream with variables", Conf: l("proxy_pass https://127.0.0.1$request_uri;")},
	{Name: "proxy_ssl_verify without CAs", Conf: l("proxy_pass https://127.0.0.1;\nproxy_ssl_verify on;")},
	{Name: "auth_basic", Conf: l("auth_basic \"closed\";\nauth_basic_user_file htpasswd;")},
	{Name: "location name with a space", Conf: s("location \"/a b\" {}")},
	{Name: "regex alias without captures", Conf: s("location ~ ^/img/(.*)$ {\n alias /srv/img/;\n}")},
	{Name: "sub_filter", Conf: l("sub_filter a b;\nsub_filter_once off;"), Refused: []string{`"sub_filter" directive`, `"sub_filter_once" directive`}},
	{Name: "buffered access_log", Conf: h("access_log a.log combined buffer=32k flush=5s;\naccess_log a.log;\naccess_log b.log combined gzip;\naccess_log c.log combined gzip=9 buffer=8k flush=1m;")},
}
