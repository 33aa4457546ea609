package frontdesk_test

import (
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

// nginx frees the peer when the upstream part of a request ends
// (ngx_http_upstream_finalize_request), before an X-Accel-Redirect or an
// intercepted error's error_page sends the request on: a server at
// max_conns=1 takes the request again there.
func TestConformanceUpstreamFreedBeforeRedirect(t *testing.T) {
	b1 := &conformance.Backend{Reply: byPath(map[string]conformance.Reply{
		"accel": {Raw: "HTTP/1.1 200 OK\r\nX-Accel-Redirect: /again/ok\r\nContent-Length: 2\r\n\r\nno"},
		"err":   {Status: 404},
	})}
	conformance.Run(t, []conformance.Case{
		upCase("max-conns-1", []*conformance.Backend{b1},
			"upstream m { server {{BACKEND1}} max_conns=1; }\n"+upServer(`
				location / { proxy_pass http://m; proxy_intercept_errors on; error_page 404 /again/ok; }
				location /again/ { internal; proxy_pass http://m; }`),
			seq(one("x-accel-redirect", "GET", "/accel"), one("intercepted error", "GET", "/err"), one("plain", "GET", "/ok"))...),
	})
}
