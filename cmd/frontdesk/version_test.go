package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/frontdesk-go/frontdesk/nginxconf"
	"github.com/stretchr/testify/assert"
)

// withoutModules maps each --without-… of -V to a directive of that
// module, placed where nginx allows it.
var withoutModules = map[string]string{
	"http_charset_module":       "http: charset utf-8;",
	"http_ssi_module":           "http: ssi on;",
	"http_userid_module":        "http: userid on;",
	"http_mirror_module":        "location: mirror /m;",
	"http_geo_module":           "http: geo $g { default 0; }",
	"http_split_clients_module": "http: split_clients $a $b { * x; }",
	"http_referer_module":       "location: valid_referers none;",
	"http_fastcgi_module":       "location: fastcgi_pass 127.0.0.1:9;",
	"http_uwsgi_module":         "location: uwsgi_pass 127.0.0.1:9;",
	"http_scgi_module":          "location: scgi_pass 127.0.0.1:9;",
	"http_grpc_module":          "location: grpc_pass 127.0.0.1:9;",
	"http_memcached_module":     "location: memcached_pass 127.0.0.1:9;",
	"http_limit_conn_module":    "http: limit_conn_zone $a zone=z:1m;",
	"http_limit_req_module":     "http: limit_req_zone $a zone=z:1m rate=1r/s;",
	"http_empty_gif_module":     "location: empty_gif;",
	"http_browser_module":       "http: ancient_browser x;",
	"http_upstream_hash_module": "upstream: hash $a;",
	"http-cache":                "http: proxy_cache_path /tmp/c keys_zone=c:1m;",
}

// TestWithoutModulesNotImplemented keeps -V honest: every module it
// disowns must still be refused by the loader as not implemented, so
// that -V is updated when a module lands.
func TestWithoutModulesNotImplemented(t *testing.T) {
	for _, arg := range strings.Fields(configureArguments) {
		mod, ok := strings.CutPrefix(arg, "--without-")
		if !ok || strings.HasPrefix(mod, "mail_") || strings.HasPrefix(mod, "stream_") {
			continue
		}
		t.Run(mod, func(t *testing.T) {
			spec, ok := withoutModules[mod]
			if !assert.True(t, ok, "no directive listed for %s", mod) {
				return
			}
			where, d, _ := strings.Cut(spec, ": ")
			var conf string
			switch where {
			case "http":
				conf = fmt.Sprintf("events {} http { %s server { listen 127.0.0.1:1; } }", d)
			case "location":
				conf = fmt.Sprintf("events {} http { server { listen 127.0.0.1:1; location / { %s } } }", d)
			case "upstream":
				conf = fmt.Sprintf("events {} http { upstream u { %s server 127.0.0.1:9; } server { listen 127.0.0.1:1; location / { proxy_pass http://u; } } }", d)
			}
			_, err := nginxconf.LoadString("/x/nginx.conf", conf, nginxconf.Options{})
			assert.ErrorIs(t, err, nginxconf.ErrNotImplemented, "%s: %v", d, err)
		})
	}
}
