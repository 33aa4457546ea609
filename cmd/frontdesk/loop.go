package main

// The server each listener runs: frontdesk's own HTTP/1.x loop
// (internal/h1server), which answers on the wire as nginx does, unless
// FRONTDESK_SERVER=net/http asks for Go's net/http server. On TLS
// listeners the loop hands connections that negotiate HTTP/2 to
// net/http's HTTP/2 server (tlsServer, tls.go).

import (
	"context"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/accesslog"
	"github.com/frontdesk-go/frontdesk/internal/h1server"
	"github.com/frontdesk-go/frontdesk/nginxconf"
)

// serverEnv chooses the server: "net/http" for Go's; anything else for
// frontdesk's loop.
const serverEnv = "FRONTDESK_SERVER"

// httpServer is what a listener is served with: *http.Server or
// *h1server.Server.
type httpServer interface {
	Serve(l net.Listener) error
	Shutdown(ctx context.Context) error
	Close() error
}

// newServer returns the server for the listener of addr, TLS when tlsOn.
func (m *master) newServer(addr string, tlsOn bool) httpServer {
	if os.Getenv(serverEnv) == "net/http" {
		hs := m.netHTTPServer()
		if tlsOn {
			// The http2_* limits of the address (max concurrent
			// streams …), as the library's HTTP/2 listeners take
			// them.
			hs.HTTP2 = m.cur.Load().conf.HTTP2(addr)
		}
		return hs
	}
	loop := &h1server.Server{
		Handler:     m,
		ErrorLog:    m.serverLog(),
		ConnContext: accesslog.WithConn,
		// Every connection takes the limits of the address's default
		// server in the configuration current when it was accepted,
		// so a reload applies them without rebinding.
		Configure: func() h1server.Config {
			g := m.cur.Load()
			if c, ok := g.loops[addr]; ok {
				return c
			}
			return g.loop
		},
	}
	if !tlsOn {
		return loop
	}
	h2 := m.netHTTPServer()
	h2.HTTP2 = m.cur.Load().conf.HTTP2(addr)
	return newTLSServer(loop, h2)
}

// netHTTPServer is a net/http server of the master's handler.
func (m *master) netHTTPServer() *http.Server {
	return &http.Server{
		Handler:     m,
		ErrorLog:    m.serverLog(),
		ConnContext: accesslog.WithConn,
	}
}

// serverLog takes the servers' own complaints (TLS handshakes on a plain
// port, Accept errors) to the error log as nginx's [info].
func (m *master) serverLog() *log.Logger {
	return slog.NewLogLogger(&slogHandler{log: m.elog.Load}, slog.LevelInfo)
}

// loopConfig reads the directives the server loop applies from one
// block (http{}; loopserver.go overlays each address's default server).
// The loader has validated them.
func loopConfig(httpBlock *nginxconf.Directive) h1server.Config {
	var c h1server.Config
	if httpBlock == nil {
		return c
	}
	for _, d := range httpBlock.Block {
		arg := func(i int) string {
			if i < len(d.Args) {
				return d.Args[i]
			}
			return ""
		}
		switch d.Name {
		case "client_header_buffer_size":
			c.ClientHeaderBufferSize = nginxSize(arg(0))
		case "large_client_header_buffers":
			c.LargeHeaderBuffers, _ = strconv.Atoi(arg(0))
			c.LargeHeaderBufferSize = nginxSize(arg(1))
		case "client_header_timeout":
			c.ClientHeaderTimeout = loopDuration(arg(0))
		case "client_body_timeout":
			c.ClientBodyTimeout = loopDuration(arg(0))
		case "send_timeout":
			c.SendTimeout = loopDuration(arg(0))
		case "keepalive_timeout":
			c.KeepaliveTimeout = loopDuration(arg(0))
			if c.KeepaliveTimeout == 0 {
				// keepalive_timeout 0 turns keep-alive off.
				c.KeepaliveTimeout = -1
			}
			if len(d.Args) > 1 {
				c.KeepaliveHeader = loopDuration(arg(1))
			}
		case "keepalive_requests":
			c.KeepaliveRequests, _ = strconv.Atoi(arg(0))
		case "lingering_close":
			c.LingeringClose = arg(0)
		case "lingering_time":
			c.LingeringTime = loopDuration(arg(0))
		case "lingering_timeout":
			c.LingeringTimeout = loopDuration(arg(0))
		}
	}
	return c
}

// loopDuration is an nginx time; 0 when Go cannot spell it (days,
// weeks), which leaves the default.
func loopDuration(s string) time.Duration {
	d, _ := time.ParseDuration(nginxDuration(s))
	return d
}

// nginxSize is an nginx size ("8k", "1m", "512"); 0 (the default) when
// unreadable.
func nginxSize(s string) int {
	mult := 1
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, s = 1024, s[:len(s)-1]
	case strings.HasSuffix(s, "m"), strings.HasSuffix(s, "M"):
		mult, s = 1024*1024, s[:len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n * mult
}
