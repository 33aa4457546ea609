package conformance

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/h1server"
)

// ServerEnv selects the server frontdesk runs in: "h1server" serves
// plain-HTTP cases through the binary's own server loop
// (internal/h1server) instead of net/http's, so that the same tables
// check the loop; "binary" runs the frontdesk binary itself, with
// nginx's nginx.conf and command line (binary.go); unset, the library
// in net/http's server.
const ServerEnv = "FRONTDESK_CONFORMANCE_SERVER"

// serveLoop serves p on ln through h1server until the test ends.
func serveLoop(t testing.TB, p *frontdesk.Proxy, ln net.Listener, ngAddr string) string {
	srv := &h1server.Server{Handler: p,
		// As with net/http: frontdesk's listener stands for nginx's
		// first port in server selection.
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return frontdesk.WithListenAddr(ctx, ngAddr)
		},
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			_ = srv.Close()
		}
		<-done
		_ = p.Close()
	})
	return ln.Addr().String()
}
