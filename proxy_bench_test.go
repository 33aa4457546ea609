package frontdesk_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk-go/frontdesk"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmarks
// measure the proxies, not a recorder.
type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(code int)        { d.status = code }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) Flush()                      {}

// BenchmarkProxy compares frontdesk's proxy_pass with httputil.ReverseProxy
// in one run, against the same loopback backend, both with keep-alive
// upstream connections. Report the ratio frontdesk/httputil.
func BenchmarkProxy(b *testing.B) {
	for _, size := range []int{1, 1024} {
		body := strings.Repeat("x", size)
		backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, body)
		}))
		u, _ := url.Parse(backend.URL)

		fd := frontdesk.MustNew(
			frontdesk.Upstream("app", []frontdesk.Server{{Addr: u.Host}}, frontdesk.Keepalive(64)),
			frontdesk.Location("/", frontdesk.ProxyPass("http://app"),
				frontdesk.ProxyHTTPVersion("1.1"),
				frontdesk.ProxySetHeader("Connection", ""),
				frontdesk.ProxySetHeader("X-Real-IP", "$remote_addr"),
				frontdesk.ProxySetHeader("X-Forwarded-For", "$proxy_add_x_forwarded_for")),
			frontdesk.Logger(slog.New(slog.DiscardHandler)),
		)
		rp := httputil.NewSingleHostReverseProxy(u)
		rp.Transport = &http.Transport{MaxIdleConnsPerHost: 64}

		for _, tc := range []struct {
			name string
			h    http.Handler
		}{{"frontdesk", fd}, {"httputil", rp}} {
			b.Run(fmt.Sprintf("%s/body=%dB", tc.name, size), func(b *testing.B) {
				req := httptest.NewRequest("GET", "/api/items?id=7", nil)
				req.Header.Set("User-Agent", "bench")
				w := &discardWriter{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					clear(w.h)
					tc.h.ServeHTTP(w, req)
					if w.status != http.StatusOK {
						b.Fatalf("status %d", w.status)
					}
				}
			})
		}
		fd.Close()
		backend.Close()
	}
}
