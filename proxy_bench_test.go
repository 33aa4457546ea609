package frontdesk_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/nginxconf"
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

// benchConf is an nginx.conf with what a real deployment turns on:
// realip, several locations (a regex one among them), an upstream of two
// servers with keepalive, proxy_set_header lines with variables, a
// proxy_redirect, hidden headers and add_header. BACKEND is replaced by
// the backend's address.
const benchConf = `
events {}
http {
	upstream app {
		server BACKEND;
		server BACKEND;
		keepalive 64;
	}
	server {
		listen 127.0.0.1:8080;
		server_name bench.example;
		set_real_ip_from 192.0.2.0/24;
		real_ip_header X-Forwarded-For;
		location = /healthz { return 200 "ok\n"; }
		location ~ \.(png|css)$ { return 404; }
		location /static/ { return 404; }
		location /api/ {
			proxy_pass http://app;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host $host;
			proxy_set_header X-Real-IP $remote_addr;
			proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
			proxy_set_header X-Forwarded-Proto $scheme;
			proxy_set_header X-Original-URI $request_uri;
			proxy_redirect http://backend/ /;
			proxy_hide_header X-Powered-By;
			add_header X-Upstream $upstream_addr;
		}
	}
}
`

// cannedBackend answers every request on a keep-alive connection with
// the same response and allocates nothing per request, so that a
// benchmark's allocations are the proxy's own.
func cannedBackend(b *testing.B, body string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	resp := []byte(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Wed, 25 Nov 2026 03:00:00 GMT\r\nX-Powered-By: bench\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	b.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				br := bufio.NewReader(c)
				for {
					// The requests have no body: the head ends the request.
					for {
						line, err := br.ReadSlice('\n')
						if err != nil {
							return
						}
						if len(line) <= 2 {
							break
						}
					}
					if _, err := c.Write(resp); err != nil {
						return
					}
				}
			})
		}
	})
	return ln.Addr().String()
}

// BenchmarkProxy compares frontdesk's proxy_pass with httputil.ReverseProxy
// in one run, against the same loopback backend, both with keep-alive
// upstream connections. Report the ratio frontdesk/httputil.
//
// frontdesk is a single location with the usual proxy_set_header lines;
// frontdesk-config is benchConf loaded by nginxconf, with every nginx
// behaviour it lists on. backend=nethttp is a net/http server in the same
// process, whose own allocations count too; backend=canned allocates
// nothing, so that allocs/op is the proxy's own.
func BenchmarkProxy(b *testing.B) {
	for _, backend := range []string{"nethttp", "canned"} {
		for _, size := range []int{1, 1024} {
			body := strings.Repeat("x", size)
			var addr string
			if backend == "canned" {
				addr = cannedBackend(b, body)
			} else {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/plain")
					io.WriteString(w, body)
				}))
				b.Cleanup(srv.Close)
				addr = strings.TrimPrefix(srv.URL, "http://")
			}
			benchProxies(b, fmt.Sprintf("body=%dB/backend=%s", size, backend), addr)
		}
	}
}

func benchProxies(b *testing.B, suffix, addr string) {
	fd := frontdesk.MustNew(
		frontdesk.Upstream("app", []frontdesk.Server{{Addr: addr}}, frontdesk.Keepalive(64)),
		frontdesk.Location("/", frontdesk.ProxyPass("http://app"),
			frontdesk.ProxyHTTPVersion("1.1"),
			frontdesk.ProxySetHeader("Connection", ""),
			frontdesk.ProxySetHeader("X-Real-IP", "$remote_addr"),
			frontdesk.ProxySetHeader("X-Forwarded-For", "$proxy_add_x_forwarded_for")),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	defer fd.Close()
	cfg, err := nginxconf.LoadString("nginx.conf", strings.ReplaceAll(benchConf, "BACKEND", addr), nginxconf.Options{})
	if err != nil {
		b.Fatal(err)
	}
	fdConf, err := frontdesk.New(append(cfg.Options(), frontdesk.Logger(slog.New(slog.DiscardHandler)))...)
	if err != nil {
		b.Fatal(err)
	}
	defer fdConf.Close()
	u := &url.URL{Scheme: "http", Host: addr}
	rp := httputil.NewSingleHostReverseProxy(u)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	rp.Transport = tr

	for _, tc := range []struct {
		name string
		h    http.Handler
	}{{"frontdesk", fd}, {"frontdesk-config", fdConf}, {"httputil", rp}} {
		b.Run(tc.name+"/"+suffix, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/api/items?id=7", nil)
			req.Host = "bench.example"
			req.Header.Set("User-Agent", "bench")
			req.Header.Set("X-Forwarded-For", "203.0.113.7")
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
}
