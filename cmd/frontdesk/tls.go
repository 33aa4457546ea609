package main

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"sync"

	"github.com/frontdesk-go/frontdesk/internal/h1server"
)

// tlsListener serves l with TLS when the configuration listens on addr
// with "ssl". Each handshake takes the configuration of the current
// generation, so that a reload (SIGHUP) brings new certificates to the
// sockets it keeps, as nginx's new workers do.
func (m *master) tlsListener(addr string, l net.Listener) net.Listener {
	if m.cur.Load().tls(addr) == nil {
		return l
	}
	return tls.NewListener(l, &tls.Config{
		GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			c := m.cur.Load().tls(addr)
			if c == nil {
				// A reload turned the address into a plain one; the
				// socket stays TLS until it is closed.
				return nil, errors.New("no ssl on this address any more")
			}
			if c.GetConfigForClient != nil {
				if sc, err := c.GetConfigForClient(hello); sc != nil || err != nil {
					return sc, err
				}
			}
			return c, nil
		},
	})
}

// plainHTTP2 returns the server and listener of a plain address that
// speaks HTTP/2 ("listen ... http2" without ssl, or nginx 1.25.1's "http2
// on"): net/http's, with prior-knowledge HTTP/2 and the address's HTTP/2
// settings. Any other address keeps srv and l. What an address speaks is
// fixed when it is first served: a reload that adds or removes http2 on a
// plain address takes effect after a restart.
func (m *master) plainHTTP2(addr string, srv httpServer, l net.Listener) (httpServer, net.Listener) {
	conf := m.cur.Load().conf
	p := conf.Protocols(addr)
	if p == nil {
		return srv, l
	}
	hs := m.netHTTPServer()
	hs.Protocols, hs.HTTP2 = p, conf.HTTP2(addr)
	return hs, conf.Listener(addr, l)
}

// tlsServer serves a TLS listener: the loop does the handshakes and
// answers HTTP/1.x as nginx; a connection that negotiates h2 by ALPN goes
// to net/http's HTTP/2 server (with the address's http2_* settings),
// which serves it as the net/http TLS path did, graceful shutdown
// included.
type tlsServer struct {
	loop *h1server.Server
	h2   *http.Server
	h2ln *handoff
}

func newTLSServer(loop *h1server.Server, h2 *http.Server) *tlsServer {
	s := &tlsServer{loop: loop, h2: h2, h2ln: &handoff{conns: make(chan net.Conn), done: make(chan struct{}), ctxs: map[net.Conn]context.Context{}}}
	loop.TLSNextProto = map[string]func(context.Context, *tls.Conn){"h2": s.h2ln.hand}
	// The connection keeps the loop's context values ($connection's
	// number among them).
	h2.ConnContext = s.h2ln.connContext
	return s
}

// Serve serves l until both servers stop.
func (s *tlsServer) Serve(l net.Listener) error {
	s.h2ln.addr = l.Addr()
	h2done := make(chan struct{})
	go func() {
		defer close(h2done)
		// It ends when the hand-off closes: below, or by Shutdown.
		_ = s.h2.Serve(s.h2ln)
	}()
	err := s.loop.Serve(l)
	s.h2ln.Close()
	<-h2done
	return err
}

// Shutdown shuts both servers down gracefully, together.
func (s *tlsServer) Shutdown(ctx context.Context) error {
	var wg sync.WaitGroup
	var h2err error
	wg.Go(func() { h2err = s.h2.Shutdown(ctx) })
	err := s.loop.Shutdown(ctx)
	wg.Wait()
	return errors.Join(err, h2err)
}

// Close closes both servers' listeners and connections.
func (s *tlsServer) Close() error {
	return errors.Join(s.loop.Close(), s.h2.Close())
}

// handoff is the listener of tlsServer's HTTP/2 server: the connections
// the loop hands over after their handshake.
type handoff struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once

	mu   sync.Mutex
	ctxs map[net.Conn]context.Context // the loop's, until the server takes them
}

// hand gives c, with the loop's context, to the HTTP/2 server, or closes
// it once that has stopped.
func (h *handoff) hand(ctx context.Context, c *tls.Conn) {
	h.mu.Lock()
	h.ctxs[c] = ctx
	h.mu.Unlock()
	select {
	case h.conns <- c:
		return
	case <-h.done:
	}
	h.mu.Lock()
	delete(h.ctxs, c)
	h.mu.Unlock()
	c.Close()
}

// connContext is the HTTP/2 server's ConnContext: its context with the
// values of the loop's for c.
func (h *handoff) connContext(ctx context.Context, c net.Conn) context.Context {
	h.mu.Lock()
	loop := h.ctxs[c]
	delete(h.ctxs, c)
	h.mu.Unlock()
	if loop == nil {
		return ctx
	}
	return loopValues{ctx, loop}
}

// loopValues is a context with the values of loop first.
type loopValues struct {
	context.Context
	loop context.Context
}

func (v loopValues) Value(key any) any {
	if x := v.loop.Value(key); x != nil {
		return x
	}
	return v.Context.Value(key)
}

func (h *handoff) Accept() (net.Conn, error) {
	select {
	case c := <-h.conns:
		return c, nil
	case <-h.done:
		return nil, net.ErrClosed
	}
}

func (h *handoff) Close() error {
	h.once.Do(func() { close(h.done) })
	return nil
}

func (h *handoff) Addr() net.Addr { return h.addr }
