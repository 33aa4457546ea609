package h1server_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/h1server"
)

// BenchmarkServe compares the loop with net/http's server on a trivial
// handler over one loopback keep-alive connection; the client allocates
// nothing, so allocations are the server's.
func BenchmarkServe(b *testing.B) {
	// h1server-parking parks the connection between any two requests
	// (as an idle one is after its grace): what parking costs.
	for _, name := range []string{"h1server", "h1server-parking", "nethttp"} {
		b.Run(name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			var srv interface {
				Serve(net.Listener) error
				Close() error
			}
			if name != "nethttp" {
				// Not keepalive_requests' 1000: one connection for the whole run.
				s := &h1server.Server{Handler: okHandler, Config: h1server.Config{KeepaliveRequests: 1 << 30}}
				if name == "h1server-parking" {
					h1server.SetParking(s, time.Nanosecond, nil)
				}
				srv = s
			} else {
				srv = &http.Server{Handler: okHandler}
			}
			done := make(chan struct{})
			go func() { defer close(done); _ = srv.Serve(ln) }()
			defer func() { _ = srv.Close(); <-done }()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			br := bufio.NewReader(c)
			req := []byte("GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
			body := make([]byte, 2)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Write(req); err != nil {
					b.Fatal(err)
				}
				for {
					line, err := br.ReadSlice('\n')
					if err != nil {
						b.Fatal(err)
					}
					if len(bytes.TrimSpace(line)) == 0 {
						break
					}
				}
				if _, err := io.ReadFull(br, body); err != nil || string(body) != "ok" {
					b.Fatal(err, string(body))
				}
			}
		})
	}
}
