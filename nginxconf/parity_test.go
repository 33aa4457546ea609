package nginxconf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
)

// parityCase is one configuration given to `nginx -t` and to frontdesk.
type parityCase struct {
	name string
	conf string
	// files are written next to nginx.conf (includes); a name ending in
	// "/" is a directory.
	files map[string]string
	// refused lists what frontdesk refuses in a configuration nginx
	// accepts, as fragments of its messages: the directives it does not
	// implement, the one divergence allowed.
	refused []string
	// newer lists directives of later nginx versions that frontdesk
	// accepts on purpose (README, differences): nginx refuses the first
	// as unknown, frontdesk loads the file and warns about it.
	newer []string
}

// h wraps a body in an http block, after the events block nginx requires.
func h(body string) string { return "events {}\nhttp {\n" + body + "\n}\n" }

// s wraps a body in a server block.
func s(body string) string { return h("server {\n" + body + "\n}") }

// l wraps a body in "location /".
func l(body string) string { return s("location / {\n" + body + "\n}") }

var parityCases = []parityCase{
	// Accepted by both.
	{name: "minimal", conf: "events {}\nhttp {}\n"},
	{name: "empty server", conf: s("")},
	{name: "static site", conf: s("listen 8080;\nserver_name example.com www.example.com;\nroot html;\nindex index.html index.htm;\nlocation / {\n try_files $uri $uri/ /index.html =404;\n}")},
	{name: "every location kind", conf: s("location = /exact {}\nlocation ^~ /static/ {}\nlocation ~ \\.php$ {}\nlocation ~* \\.(gif|jpg)$ {}\nlocation /prefix {}\nlocation @named {}")},
	{name: "glued modifiers", conf: s("location =/a {}\nlocation ^~/b {}\nlocation ~^/c {}\nlocation ~*^/d {}")},
	{name: "exact and prefix of one name", conf: s("location = /a {}\nlocation /a {}")},
	{name: "same named location twice", conf: s("location @a {}\nlocation @a {}")},
	{name: "same regex twice", conf: s("location ~ ^/a {}\nlocation ~ ^/a {}")},
	{name: "nested locations", conf: s("location /a/ {\n location /a/b/ {\n  location ~ \\.txt$ {}\n }\n location ~ ^/a/c {}\n}")},
	{name: "regex parent, prefix child named like the regex", conf: s("location ~ /a {\n location /a/b {}\n}")},
	{name: "main and events tuning", conf: "user root;\nworker_processes auto;\nworker_rlimit_nofile 8192;\npid nginx.pid;\nerror_log error.log warn;\npcre_jit on;\nevents {\n worker_connections 512;\n multi_accept on;\n use epoll;\n accept_mutex off;\n}\nhttp {}\n"},
	{name: "http tuning", conf: h("sendfile on;\ntcp_nopush on;\ntcp_nodelay on;\nkeepalive_timeout 65 60;\nkeepalive_requests 100;\ntypes_hash_max_size 2048;\nserver_names_hash_bucket_size 64;\nclient_header_timeout 10s;\nsend_timeout 1m;\nlarge_client_header_buffers 4 8k;\nopen_file_cache max=1000 inactive=20s;\nlog_format main '$remote_addr $status';\naccess_log off;\nproxy_buffers 8 16k;\nproxy_buffer_size 32k;\nresolver 127.0.0.1;\nresolver_timeout 5s;")},
	{name: "flags in any case", conf: l("autoindex ON;\netag Off;\nabsolute_redirect oFF;")},
	{name: "sizes and times", conf: l("client_max_body_size 1G;\nclient_body_buffer_size 16k;\nproxy_read_timeout 1h30m;\nproxy_send_timeout \"1m 30s\";\nproxy_connect_timeout 500ms;")},
	{name: "client_max_body_size 0", conf: l("client_max_body_size 0;")},
	{name: "enums", conf: l("autoindex_format json;\nif_modified_since before;\nserver_tokens off;\nproxy_http_version 1.1;")},
	{name: "bitmask", conf: l("proxy_next_upstream error timeout http_502 non_idempotent;\nproxy_next_upstream_tries 3;\nproxy_next_upstream_timeout 10s;")},
	{name: "error pages", conf: s("error_page 404 /404.html;\nerror_page 500 502 503 504 /50x.html;\nerror_page 403 =200 /ok;\nerror_page 401 = @named;\nerror_page 410 =0 /gone;\nlocation @named {}")},
	{name: "error page to a URL", conf: s("error_page 404 http://example.com/notfound;")},
	{name: "returns", conf: s("location /a { return 444; }\nlocation /b { return 301 https://example.com$request_uri; }\nlocation /c { return 200 'ok\\n'; }\nlocation /d { return http://example.com/; }\nlocation /e { return 0; }\nlocation /f { return 999 x; }")},
	{name: "add_header always", conf: l("add_header X-Frame-Options DENY;\nadd_header Strict-Transport-Security \"max-age=31536000\" always;")},
	{name: "expires", conf: s("location /a { expires 30d; }\nlocation /b { expires epoch; }\nlocation /c { expires max; }\nlocation /d { expires modified +1h; }\nlocation /e { expires -1; }\nlocation /f { expires off; }")},
	{name: "types block", conf: h("types {\n text/html html htm;\n image/png png;\n}\ndefault_type application/octet-stream;")},
	{name: "alias", conf: s("location /media/ {\n alias /srv/media/;\n}\nlocation ~ ^/files/(.*)$ {\n alias /srv/files/$1;\n}")},
	{name: "index absolute last", conf: l("index index.html /fallback.html;")},
	{name: "index absolute first warns only", conf: l("index /index.html index.htm;")},
	{name: "internal", conf: s("location /private/ {\n internal;\n}")},
	{name: "proxy to address", conf: l("proxy_pass http://127.0.0.1:8080;\nproxy_set_header Host $host;\nproxy_set_header X-Real-IP $remote_addr;\nproxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\nproxy_hide_header X-Powered-By;\nproxy_pass_header Server;\nproxy_buffering off;\nproxy_redirect off;")},
	{name: "proxy_pass with variables", conf: l("proxy_pass http://127.0.0.1$request_uri;")},
	{name: "proxy to a unix socket", conf: s("location /app/ {\n proxy_pass http://unix:/tmp/app.sock:/;\n}\nlocation ~ ^/b {\n proxy_pass http://unix:/tmp/app.sock;\n}")},
	{name: "proxy to a unix socket with URI in regex location", conf: s("location ~ ^/b {\n proxy_pass http://unix:/tmp/app.sock:/x;\n}")},
	{name: "proxy to localhost", conf: l("proxy_pass http://localhost:8080/app/;")},
	{name: "proxy_redirect default after proxy_pass", conf: l("proxy_pass http://127.0.0.1:8080/;\nproxy_redirect default;\nproxy_redirect http://a/ /;")},
	{name: "proxy_redirect pairs", conf: l("proxy_redirect http://a/ /;\nproxy_redirect http://b/ /b/;")},
	{name: "upstream round robin", conf: h("upstream app {\n server 127.0.0.1:8001 weight=3 max_fails=2 fail_timeout=30s;\n server 127.0.0.1:8002 max_conns=10;\n server 127.0.0.1:8003 backup;\n server 127.0.0.1:8004 down;\n keepalive 16;\n keepalive_timeout 60s;\n keepalive_requests 100;\n}\nserver {\n location / { proxy_pass http://app; }\n}")},
	{name: "upstream balancers", conf: h("upstream a {\n least_conn;\n server 127.0.0.1:8001;\n server 127.0.0.1:8002 backup;\n}\nupstream b {\n ip_hash;\n server 127.0.0.1:8001;\n}\nupstream c {\n hash $request_uri consistent;\n server 127.0.0.1:8001;\n}\nupstream d {\n random two least_conn;\n server 127.0.0.1:8001;\n}\nupstream e {\n zone e 64k;\n server localhost:8001;\n}")},
	{name: "upstream declared after its use", conf: h("server {\n location / { proxy_pass http://late; }\n}\nupstream late {\n server 127.0.0.1:8001;\n}")},
	{name: "upstream keepalive_timeout beside core keepalive_timeout", conf: h("keepalive_timeout 10s;\nupstream u {\n server 127.0.0.1:1;\n keepalive_timeout 5s;\n}")},
	{name: "realip", conf: s("set_real_ip_from 10.0.0.0/8;\nset_real_ip_from 192.168.0.1;\nreal_ip_header X-Forwarded-For;\nreal_ip_recursive on;")},
	{name: "merge_slashes at http and server", conf: h("merge_slashes off;\nserver {\n merge_slashes on;\n}")},
	{name: "include", conf: h("include mime.types;\ninclude conf.d/*.conf;"), files: map[string]string{"mime.types": "types {\n text/html html;\n}\n", "conf.d/a.conf": "server {\n listen 8081;\n}\n", "conf.d/b.conf": "server {\n listen 8082;\n}\n"}},
	{name: "include glob matching nothing", conf: h("include conf.d/*.conf;"), files: map[string]string{"conf.d/": ""}},
	{name: "comments and quotes", conf: "# comment\nevents { } # trailing\nhttp {\n server {\n  location \"/a;b\" { return 200 \"quoted;\\\"\"; }\n  location '/c' { return 200 'single'; }\n }\n}\n"},
	{name: "multi-line directive", conf: s("server_name\n  a.example.com\n  b.example.com;")},
	{name: "try_files with code", conf: l("try_files $uri =404;")},
	{name: "proxy cookie rules", conf: l("proxy_cookie_domain localhost example.org;\nproxy_cookie_path /one/ /;\nproxy_cookie_flags one secure httponly;\nproxy_cookie_flags ~^tmp nosecure;")},
	{name: "proxy_cookie_flags off then a rule", conf: l("proxy_cookie_flags off;\nproxy_cookie_flags one secure;")},

	// Unknown directives.
	{name: "unknown at main", conf: "worker_process 1;\nevents {}\n"},
	{name: "unknown in events", conf: "events {\n worker_connection 1;\n}\n"},
	{name: "unknown in http", conf: h("sendfiles on;")},
	{name: "unknown in server", conf: s("listen 80;\nserver_nam example.com;")},
	{name: "unknown in location", conf: l("proxy_pas http://127.0.0.1;")},
	{name: "unknown in upstream", conf: h("upstream u {\n sever 127.0.0.1;\n}")},
	{name: "unknown inside if", conf: l("if ($request_method = POST) {\n retrun 405;\n}")},
	{name: "stream without its module", conf: "events {}\nstream {}\n"},
	{name: "unknown before a later error", conf: s("foo;\nlocation / {\n root a b;\n}")},

	// Directives in the wrong place.
	{name: "listen in http", conf: h("listen 80;")},
	{name: "server_name in location", conf: l("server_name a;")},
	{name: "proxy_pass in server", conf: s("proxy_pass http://127.0.0.1;")},
	{name: "worker_connections in http", conf: h("worker_connections 10;")},
	{name: "user in http", conf: h("user root;")},
	{name: "alias in server", conf: s("alias /x/;")},
	{name: "try_files in http", conf: h("try_files $uri =404;")},
	{name: "internal in server", conf: s("internal;")},
	{name: "location in http", conf: h("location / {}")},
	{name: "upstream in server", conf: s("upstream u { server 127.0.0.1; }")},
	{name: "keepalive in server", conf: s("keepalive 10;")},
	{name: "server in location", conf: l("server 127.0.0.1;")},
	{name: "if in http", conf: h("if ($host) { return 404; }")},
	{name: "return in http", conf: h("return 404;")},
	{name: "events inside http", conf: h("events {}")},
	{name: "http inside http", conf: h("http {}")},
	{name: "location inside if", conf: l("if ($host) {\n location /x {}\n}")},
	{name: "root in limit_except", conf: l("limit_except GET {\n root /x;\n}")},
	{name: "proxy_pass in server if", conf: s("if ($host) {\n proxy_pass http://127.0.0.1;\n}")},

	// Argument counts.
	{name: "listen without address", conf: s("listen;")},
	{name: "root with two paths", conf: l("root /a /b;")},
	{name: "proxy_pass without url", conf: l("proxy_pass;")},
	{name: "error_page with one argument", conf: l("error_page 404;")},
	{name: "return with three arguments", conf: l("return 200 a b;")},
	{name: "try_files with one argument", conf: l("try_files $uri;")},
	{name: "keepalive_timeout with three", conf: h("keepalive_timeout 1 2 3;")},
	{name: "add_header with one", conf: l("add_header X;")},
	{name: "proxy_set_header with three", conf: l("proxy_set_header X y z;")},
	{name: "location without name", conf: s("location {}")},
	{name: "location with three", conf: s("location = /a b {}")},
	{name: "server with a name", conf: h("server x {}")},
	{name: "upstream without name", conf: h("upstream {}")},
	{name: "events with an argument", conf: "events x {}\n"},
	{name: "worker_processes with two", conf: "worker_processes 1 2;\nevents {}\n"},
	{name: "index without files", conf: l("index;")},
	{name: "sendfile without value", conf: h("sendfile;")},
	{name: "internal with an argument", conf: l("internal yes;")},
	{name: "include with two", conf: h("include a b;")},
	{name: "upstream server without address", conf: h("upstream u {\n server;\n}")},

	// Blocks and semicolons.
	{name: "server without block", conf: h("server;")},
	{name: "location without block", conf: s("location /a;")},
	{name: "http without block", conf: "events {}\nhttp;\n"},
	{name: "sendfile with a block", conf: h("sendfile on {}")},
	{name: "include with a block", conf: h("include x {}")},

	// Flags.
	{name: "bad flag", conf: h("sendfile maybe;")},
	{name: "bad flag implemented", conf: l("autoindex 1;")},
	{name: "bad flag not implemented", conf: h("ssi yes;")},
	{name: "bad flag at main", conf: "master_process 1;\nevents {}\n"},
	{name: "bad flag in events", conf: "events {\n multi_accept yes;\n}\n"},
	{name: "bad flag merge_slashes", conf: s("merge_slashes enabled;")},
	{name: "bad flag underscores", conf: s("underscores_in_headers 0;")},

	// Sizes, times, numbers, enums.
	{name: "bad size mb", conf: l("client_max_body_size 10mb;")},
	{name: "size without g", conf: l("proxy_buffer_size 1g;")},
	{name: "bad size word", conf: l("client_body_buffer_size big;")},
	{name: "negative offset", conf: l("client_max_body_size -1;")},
	{name: "bad time unit", conf: l("proxy_read_timeout 10x;")},
	{name: "years in msec time", conf: h("send_timeout 1y;")},
	{name: "ms in sec time", conf: h("open_file_cache_valid 1ms;")},
	{name: "bad keepalive_timeout", conf: h("keepalive_timeout abc;")},
	{name: "bad time in events", conf: "events {\n accept_mutex_delay soon;\n}\n"},
	{name: "negative number", conf: l("max_ranges -1;")},
	{name: "bad number at main", conf: "worker_rlimit_nofile many;\nevents {}\n"},
	{name: "bad tries", conf: l("proxy_next_upstream_tries x;")},
	{name: "bad enum", conf: l("autoindex_format yaml;")},
	{name: "bad if_modified_since", conf: l("if_modified_since later;")},
	{name: "bad server_tokens", conf: h("server_tokens maybe;")},
	{name: "bad proxy_http_version", conf: l("proxy_http_version 2.0;")},
	{name: "bad bitmask member", conf: l("proxy_next_upstream error foo;")},
	{name: "bad ssl_protocols", conf: s("ssl_protocols TLSv1.2 TLSv9;")},
	{name: "bad upstream keepalive", conf: h("upstream u {\n server 127.0.0.1;\n keepalive 0;\n}")},
	{name: "bad upstream keepalive_requests", conf: h("upstream u {\n server 127.0.0.1;\n keepalive_requests x;\n}")},

	// Duplicates.
	{name: "root twice", conf: l("root /a;\nroot /b;")},
	{name: "proxy_pass twice", conf: l("proxy_pass http://127.0.0.1;\nproxy_pass http://127.0.0.1;")},
	{name: "sendfile twice", conf: h("sendfile on;\nsendfile off;")},
	{name: "alias after root", conf: l("root /a;\nalias /b/;")},
	{name: "root after alias", conf: l("alias /b/;\nroot /a;")},
	{name: "try_files twice", conf: l("try_files $uri =404;\ntry_files $uri =404;")},
	{name: "expires twice", conf: l("expires 1h;\nexpires 2h;")},
	{name: "events twice", conf: "events {}\nevents {}\n"},
	{name: "http twice", conf: "events {}\nhttp {}\nhttp {}\n"},
	{name: "worker_processes twice", conf: "worker_processes 1;\nworker_processes 2;\nevents {}\n"},
	{name: "proxy_redirect off then rule", conf: l("proxy_redirect off;\nproxy_redirect http://a/ /;")},
	{name: "keepalive_timeout twice", conf: h("keepalive_timeout 5;\nkeepalive_timeout 6;")},
	{name: "worker_connections twice", conf: "events {\n worker_connections 1;\n worker_connections 2;\n}\n"},
	{name: "twice at different levels is fine", conf: h("sendfile on;\nserver {\n sendfile off;\n location / { sendfile on; }\n}")},
	{name: "duplicate location", conf: s("location /a {}\nlocation /b {}\nlocation /a {}")},
	{name: "duplicate location by ^~", conf: s("location ^~ /a {}\nlocation /a {}")},
	{name: "duplicate exact location", conf: s("location = /a {}\nlocation = /a {}")},
	{name: "duplicate nested location first", conf: s("location /a {\n location /a/c {}\n location /a/c {}\n}\nlocation /b {}\nlocation /b {}")},
	{name: "duplicate location in second server", conf: h("server {\n location /a {}\n}\nserver {\n location /b {}\n location /b {}\n}")},
	{name: "duplicate location sorted order", conf: s("location /b {}\nlocation /a {}\nlocation /b {}\nlocation /a {}")},
	{name: "duplicate location after parse error", conf: s("location /a {}\nlocation /a {}\nlocation ~ ^/(a {}")},
	{name: "duplicate location before unknown variable", conf: s("location /a {}\nlocation /a {}\nadd_header X $nope;")},

	// Locations.
	{name: "nested in exact location", conf: s("location = /a {\n location /a/b {}\n}")},
	{name: "named location nested", conf: s("location /a {\n location @n {}\n}")},
	{name: "nested in named location", conf: s("location @n {\n location /a {}\n}")},
	{name: "location outside its parent", conf: s("location /b {\n location /a {}\n}")},
	{name: "prefix inside regex is outside", conf: s("location ~ ^/a {\n location /a/b {}\n}")},
	{name: "invalid location modifier", conf: s("location =~ /a {}")},
	{name: "alias in named location", conf: s("location @n {\n alias /x/;\n}")},

	// Regexes.
	{name: "regex missing paren", conf: s("location ~ ^/(a {}")},
	{name: "regex unmatched paren", conf: s("location ~ ^/a) {}")},
	{name: "regex missing bracket", conf: s("location ~ [a {}")},
	{name: "regex nothing to repeat", conf: s("location ~ *.php {}")},
	{name: "regex double quantifier", conf: s("location ~ a** {}")},
	{name: "regex counts out of order", conf: s("location ~ \"a{2,1}\" {}")},
	{name: "regex duplicate names", conf: s("location ~ \"(?<n>a)(?<n>b)\" {}")},
	{name: "regex unknown escape", conf: s("location ~ ^/a\\ib {}")},
	{name: "regex range out of order", conf: s("location ~ [z-a] {}")},
	{name: "regex caseless missing paren", conf: s("location ~* (a|b {}")},
	{name: "regex lookahead is fine", conf: s("location ~ ^/(?!api/)(.*)$ {}")},
	{name: "regex named groups are fine", conf: s("location ~ \"^/(?<year>\\d{4})/(?P<slug>[a-z-]+)$\" {}")},

	// Includes and syntax.
	{name: "missing include", conf: h("include missing.conf;")},
	{name: "syntax error in include", conf: h("include bad.conf;"), files: map[string]string{"bad.conf": "server {\n listen 80\n}\n"}},
	{name: "unknown directive in include", conf: h("include bad.conf;"), files: map[string]string{"bad.conf": "server {\n lisen 80;\n}\n"}},
	{name: "unexpected brace", conf: "events {}\n}\n"},
	{name: "unexpected end of file", conf: "events {}\nhttp {\n"},
	{name: "missing semicolon", conf: s("listen 80\nserver_name a;")},
	{name: "unknown before syntax error", conf: "events {}\nfoo;\nhttp {\n}}\n"},
	{name: "syntax error before unknown", conf: "events {}\nhttp {\n}}\nfoo;\n"},
	{name: "missing events", conf: "http {}\n"},
	{name: "unknown variable beats missing events", conf: "http {\n server {\n  add_header X $nope;\n }\n}\n"},

	// error_page and return.
	{name: "error_page 200", conf: s("error_page 200 /x;")},
	{name: "error_page 499", conf: s("error_page 499 /x;")},
	{name: "error_page 600", conf: s("error_page 600 /x;")},
	{name: "error_page word", conf: s("error_page 404 x 500 /y;")},
	{name: "error_page bad overwrite", conf: s("error_page 404 =2x /x;")},
	{name: "error_page overwrite without code", conf: s("error_page =200 /x;")},
	{name: "return 1000", conf: l("return 1000;")},
	{name: "return word", conf: l("return abc x;")},
	{name: "return negative", conf: l("return -1;")},
	{name: "return bad code in server", conf: s("return 1000;")},
	{name: "index empty", conf: l("index \"\";")},
	{name: "add_header bad flag", conf: l("add_header X y z;")},
	{name: "expires bad", conf: l("expires soon;")},
	{name: "expires two values", conf: l("expires 1h 2h;")},
	{name: "try_files bad code", conf: l("try_files $uri =abc;")},

	// Upstreams and proxy_pass.
	{name: "upstream without servers", conf: h("upstream u {\n}")},
	{name: "upstream server bad parameter", conf: h("upstream u {\n server 127.0.0.1 weight=x;\n}")},
	{name: "upstream server weight 0", conf: h("upstream u {\n server 127.0.0.1 weight=0;\n}")},
	{name: "upstream server unknown parameter", conf: h("upstream u {\n server 127.0.0.1 slow_start=10s;\n}")},
	{name: "upstream backup with ip_hash", conf: h("upstream u {\n ip_hash;\n server 127.0.0.1 backup;\n}")},
	{name: "upstream host not found", conf: h("upstream u {\n server nonexistent.invalid:5000;\n}")},
	{name: "upstream bad port", conf: h("upstream u {\n server 127.0.0.1:http;\n}")},
	{name: "upstream bad hash parameter", conf: h("upstream u {\n hash $uri ketama;\n server 127.0.0.1;\n}")},
	{name: "proxy_pass unknown host", conf: l("proxy_pass http://nonexistent.invalid;")},
	{name: "proxy_pass bad prefix", conf: l("proxy_pass 127.0.0.1:8080;")},
	{name: "proxy_pass uri in regex location", conf: s("location ~ ^/a {\n proxy_pass http://127.0.0.1/x;\n}")},
	{name: "proxy_pass uri in named location", conf: s("location @a {\n proxy_pass http://127.0.0.1/x;\n}")},
	{name: "proxy_redirect default before proxy_pass", conf: l("proxy_redirect default;\nproxy_pass http://127.0.0.1;")},
	{name: "proxy_redirect bad parameter", conf: l("proxy_redirect on;")},

	// Variables.
	{name: "unknown variable", conf: l("add_header X $nope;")},
	{name: "unknown variable in return", conf: l("return 200 $nope;")},

	// Accepted by nginx, refused by frontdesk.
	{name: "gzip", conf: h("gzip on;\ngzip_types text/css;")},
	{name: "ssl server", conf: s("ssl_protocols TLSv1.2 TLSv1.3;\nssl_prefer_server_ciphers on;")},
	{name: "access rules", conf: l("allow 127.0.0.1;\ndeny all;")},
	{name: "map", conf: h("map $http_upgrade $connection_upgrade {\n default upgrade;\n '' close;\n}")},
	{name: "rewrite", conf: l("rewrite ^/old/(.*)$ /new/$1 permanent;")},
	{name: "set", conf: l("set $a 1;")},
	{name: "if with return", conf: l("if ($request_method = POST) {\n return 405;\n}")},
	{name: "server-level return", conf: s("return 301 https://$host$request_uri;")},
	{name: "limit_req", conf: h("limit_req_zone $binary_remote_addr zone=one:10m rate=1r/s;\nserver {\n location / { limit_req zone=one burst=5; }\n}"), refused: []string{`"limit_req_zone" directive`, `"limit_req" directive`}},
	{name: "fastcgi", conf: s("location ~ \\.php$ {\n fastcgi_pass 127.0.0.1:9000;\n fastcgi_index index.php;\n}"), refused: []string{`"fastcgi_pass" directive`, `"fastcgi_index" directive`}},
	{name: "stub_status", conf: s("location = /status {\n stub_status;\n}"), refused: []string{`"stub_status" directive`}},
	{name: "limit_except", conf: l("limit_except GET {\n deny all;\n}")},
	{name: "proxy_pass in limit_except", conf: l("limit_except GET {\n proxy_pass http://127.0.0.1;\n}"), refused: []string{`"proxy_pass" directive inside "limit_except"`}},
	{name: "https upstream", conf: l("proxy_pass https://127.0.0.1;")},
	{name: "http2 on is nginx 1.25.1 syntax", conf: s("listen 8443;\nhttp2 on;"), newer: []string{"http2"}},
	{name: "http2 on in http, off in a server", conf: h("http2 on;\nserver {\n listen 8443;\n http2 off;\n}"), newer: []string{"http2", "http2"}},
	{name: "listen ssl without a certificate", conf: s("listen 8443 ssl;")},
	{name: "https upstream with variables", conf: l("proxy_pass https://127.0.0.1$request_uri;"), refused: []string{"https upstreams"}},
	{name: "proxy_ssl_verify without CAs", conf: l("proxy_pass https://127.0.0.1;\nproxy_ssl_verify on;")},
	{name: "auth_basic", conf: l("auth_basic \"closed\";\nauth_basic_user_file htpasswd;")},
	{name: "location name with a space", conf: s("location \"/a b\" {}"), refused: []string{"location names with spaces"}},
	{name: "regex alias without captures", conf: s("location ~ ^/img/(.*)$ {\n alias /srv/img/;\n}"), refused: []string{"must use captures"}},
	{name: "sub_filter", conf: l("sub_filter a b;\nsub_filter_once off;"), refused: []string{`"sub_filter" directive`, `"sub_filter_once" directive`}},
}

func TestParityWithNginx(t *testing.T) {
	nginxtest.Require(t)
	bin, _ := nginxtest.Binary()
	assert.GreaterOrEqual(t, len(parityCases), 120)
	for _, tt := range parityCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, data := range tt.files {
				p := filepath.Join(dir, name)
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
				if !strings.HasSuffix(name, "/") {
					require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
				}
			}
			conf := filepath.Join(dir, "nginx.conf")
			require.NoError(t, os.WriteFile(conf, []byte(tt.conf), 0o644))

			want := nginxVerdict(t, bin, dir)
			got, refused := frontdeskVerdict(t, dir, tt.conf)
			if tt.newer != nil {
				assert.Equal(t, fmt.Sprintf(`unknown directive "%s" in %s:%d`, tt.newer[0], conf, newerLine(tt.conf, tt.newer[0])), want)
				cfg, err := LoadFile(conf, Options{Prefix: dir + "/"})
				if assert.NoError(t, err, "frontdesk accepts what a later nginx accepts") {
					var warned []string
					for _, w := range cfg.Warnings {
						warned = append(warned, w.Directive)
					}
					assert.Equal(t, tt.newer, warned, "-t warns about each")
				}
				return
			}

			if tt.refused != nil {
				assert.Equal(t, "", want, "nginx must accept a configuration marked refused")
				for _, r := range tt.refused {
					assert.Contains(t, strings.Join(refused, "\n"), r)
				}
				assert.Equal(t, "", got, "frontdesk's verdict apart from what it does not implement")
				return
			}
			if want == "" {
				assert.Empty(t, refused, "frontdesk refuses what nginx accepts")
			}
			assert.Equal(t, want, got)
		})
	}
}

// nginxVerdict runs nginx -t on dir/nginx.conf and returns its verdict:
// see runNginxTest.
func nginxVerdict(t *testing.T, bin, dir string) string {
	t.Helper()
	msg, err := runNginxTest(t.Context(), bin, dir)
	require.NoError(t, err)
	return msg
}

// runNginxTest runs nginx -t with prefix dir on dir/nginx.conf and returns
// its first [emerg] message without the "nginx: [emerg] " prefix, or ""
// when nginx accepts the configuration.
func runNginxTest(ctx context.Context, bin, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-t", "-q", "-p", dir+"/", "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	for _, line := range strings.Split(stderr.String(), "\n") {
		if msg, ok := strings.CutPrefix(line, "nginx: [emerg] "); ok {
			return msg, nil
		}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		// nginx refuses a few values without a word ("modern_browser x").
		return "(refused without a message)", nil
	}
	if err != nil {
		return "", fmt.Errorf("nginx -t: %v: %s", err, stderr.String())
	}
	return "", nil
}

// frontdeskVerdict loads conf and compiles its servers. It returns the
// first error that is not a refusal, and the refusals.
func frontdeskVerdict(t *testing.T, dir, conf string) (first string, refused []string) {
	t.Helper()
	cfg, err := LoadString(filepath.Join(dir, "nginx.conf"), conf, Options{Prefix: dir + "/"})
	for _, e := range flatten(err) {
		if errors.Is(e, ErrNotImplemented) {
			refused = append(refused, e.Error())
		} else if first == "" {
			first = e.Error()
		}
	}
	if err != nil {
		return first, refused
	}
	for _, srv := range cfg.Servers {
		opts := append([]frontdesk.Option{frontdesk.Logger(slog.New(slog.DiscardHandler))}, srv.Options...)
		p, err := frontdesk.New(opts...)
		require.NoError(t, err, "frontdesk.New after a successful load")
		require.NoError(t, p.Close())
	}
	return "", nil
}

// newerLine is the line of conf where the directive name is first
// written, which nginx names in its "unknown directive" message.
func newerLine(conf, name string) int {
	for i, line := range strings.Split(conf, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), name+" ") {
			return i + 1
		}
	}
	return 0
}
