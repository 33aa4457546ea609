package nginxconf

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/frontdesk-go/frontdesk"
)

// resolver and resolver_timeout load; "server … resolve" (nginx 1.27.3+)
// and resolver inside upstream are rejected, as nginx 1.22.1 rejects them.
func TestLoadResolver(t *testing.T) {
	// load reports the loader's errors and, past them, New's.
	load := func(body string) error {
		cfg, err := LoadString("nginx.conf", "events {}\nhttp {\n"+body+"\n}\n", Options{})
		if err != nil || len(cfg.Servers) == 0 {
			return err
		}
		p, err := frontdesk.New(cfg.Servers[0].Options...)
		if err == nil {
			p.Close()
		}
		return err
	}
	assert.NoError(t, load(`resolver 127.0.0.1 [::1]:5353 valid=30s ipv6=off; resolver_timeout 5s;
		server { listen 127.0.0.1:8080; location / { resolver 127.0.0.2; proxy_pass http://$arg_h; } }`))
	assert.ErrorContains(t, load(`resolver 127.0.0.1 ipv6=maybe; server { listen 127.0.0.1:8080; }`), "ipv6=maybe")
	assert.ErrorContains(t, load(`upstream u { server 127.0.0.1:81 resolve; }`), `invalid parameter "resolve"`)
	assert.ErrorContains(t, load(`upstream u { resolver 127.0.0.1; server 127.0.0.1:81; }`), `"resolver" directive is not allowed here`)
}
