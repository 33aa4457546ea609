// Package h1server is frontdesk's HTTP/1.x server loop: it serves an
// http.Handler (the same handler tree the library is) with nginx's wire
// behaviour where Go's net/http server cannot have it — nginx's status
// lines and reason phrases, its header order, "HTTP/1.1" answers to
// HTTP/1.0 clients with the Connection header nginx writes, its limits on
// request heads (client_header_buffer_size, large_client_header_buffers →
// 414/494), its request-line and header parsing, keep-alive and pipelining
// as nginx, and lingering close.
//
// Requests the loop itself refuses (a malformed request line or header,
// a head too large) still go to the handler, with the status in the
// request's context ([RequestError]), so that the handler answers with its
// own error page (error_page, server_tokens and access logging included)
// rather than the loop duplicating them. The client's header lines, in
// order and as spelled, are in the context too ([ClientFields]), since
// http.Header keeps neither.
package h1server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Config holds the nginx directives the loop applies; zero fields take
// nginx 1.22.1's defaults (see [Config.withDefaults]).
type Config struct {
	ClientHeaderBufferSize int           // client_header_buffer_size, 1k
	LargeHeaderBuffers     int           // large_client_header_buffers number, 4
	LargeHeaderBufferSize  int           // large_client_header_buffers size, 8k
	ClientHeaderTimeout    time.Duration // client_header_timeout, 60s
	ClientBodyTimeout      time.Duration // client_body_timeout, 60s
	SendTimeout            time.Duration // send_timeout, 60s
	KeepaliveTimeout       time.Duration // keepalive_timeout, 75s; negative: off
	// KeepaliveHeader is keepalive_timeout's second parameter: when
	// positive, responses carry "Keep-Alive: timeout=N".
	KeepaliveHeader   time.Duration
	KeepaliveRequests int           // keepalive_requests, 1000 (nginx ≥ 1.19.10)
	LingeringClose    string        // lingering_close: "off", "on" (default), "always"
	LingeringTime     time.Duration // lingering_time, 30s
	LingeringTimeout  time.Duration // lingering_timeout, 5s
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.ClientHeaderBufferSize, 1024)
	def(&c.LargeHeaderBuffers, 4)
	def(&c.LargeHeaderBufferSize, 8192)
	def(&c.KeepaliveRequests, 1000)
	defD(&c.ClientHeaderTimeout, 60*time.Second)
	defD(&c.ClientBodyTimeout, 60*time.Second)
	defD(&c.SendTimeout, 60*time.Second)
	defD(&c.KeepaliveTimeout, 75*time.Second)
	defD(&c.LingeringTime, 30*time.Second)
	defD(&c.LingeringTimeout, 5*time.Second)
	if c.LingeringClose == "" {
		c.LingeringClose = "on"
	}
	return c
}

// Server serves HTTP/1.x connections with Handler.
type Server struct {
	Handler http.Handler
	Config  Config
	// ConnContext, when set, derives each connection's base context (as
	// net/http's Server.ConnContext).
	ConnContext func(ctx context.Context, c net.Conn) context.Context
	// ErrorLog receives handler panics and accept errors; nil: log's
	// standard logger.
	ErrorLog *log.Logger
	// Configure, when set, gives each new connection its Config instead
	// of the Config field: a reloaded configuration applies to the next
	// connection without rebinding the listener.
	Configure func() Config

	mu        sync.Mutex
	listeners map[*net.Listener]struct{}
	conns     map[*conn]struct{}
	shutting  atomic.Bool
	connDone  chan struct{} // signalled when a connection goes away
}

func (s *Server) logf(format string, args ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}

// Serve accepts connections on l until it is closed or the server shuts
// down; it returns http.ErrServerClosed after [Server.Shutdown] or
// [Server.Close].
func (s *Server) Serve(l net.Listener) error {
	cfg := s.Config.withDefaults()
	s.mu.Lock()
	if s.shutting.Load() {
		s.mu.Unlock()
		return http.ErrServerClosed
	}
	if s.listeners == nil {
		s.listeners = map[*net.Listener]struct{}{}
		s.conns = map[*conn]struct{}{}
		s.connDone = make(chan struct{}, 1)
	}
	s.listeners[&l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, &l)
		s.mu.Unlock()
	}()
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.shutting.Load() {
				return http.ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Out of descriptors and the like: back off as
				// net/http does rather than spin.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.logf("h1server: accept error: %v; retrying in %v", err, backoff)
				t := time.NewTimer(backoff)
				<-t.C
				continue
			}
			return err
		}
		backoff = 0
		c := &conn{srv: s, cfg: cfg, nc: nc, state: stateIdle}
		if s.Configure != nil {
			c.cfg = s.Configure().withDefaults()
		}
		s.mu.Lock()
		if s.shutting.Load() {
			s.mu.Unlock()
			nc.Close()
			return http.ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		go c.serve()
	}
}

// Shutdown stops accepting, closes idle connections (and each busy one
// once its response is done), and waits for every connection to go or
// for ctx to end, as nginx's graceful shutdown (QUIT) does.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutting.Store(true)
	for l := range s.listeners {
		(*l).Close()
	}
	s.closeIdleLocked()
	s.mu.Unlock()
	for {
		s.mu.Lock()
		n := len(s.conns)
		done := s.connDone
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close closes every listener and connection at once (nginx's TERM).
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shutting.Store(true)
	for l := range s.listeners {
		(*l).Close()
	}
	for c := range s.conns {
		c.nc.Close()
	}
	return nil
}

// closeIdleLocked closes connections waiting for a request; s.mu held.
func (s *Server) closeIdleLocked() {
	for c := range s.conns {
		if c.state == stateIdle {
			c.nc.Close()
		}
	}
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	select {
	case s.connDone <- struct{}{}:
	default:
	}
}

// setState records whether c is between requests; false when the server
// is shutting down and an idle connection must not take a new request.
func (c *conn) setState(st int) bool {
	s := c.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	if st == stateActive && c.state == stateIdle && s.shutting.Load() {
		return false
	}
	c.state = st
	return true
}

const (
	stateIdle = iota
	stateActive
)

// conn is one client connection.
type conn struct {
	srv   *Server
	cfg   Config
	nc    net.Conn
	br    *bufio.Reader
	bw    *bufio.Writer
	state int // guarded by srv.mu

	requests int
	hijacked bool

	// The background read that notices a client going away while its
	// request is served (nginx: the connection's read event; the
	// request's context is cancelled, so that the upstream request is
	// abandoned as with proxy_ignore_client_abort off).
	// It runs only while the handler does (the body, which a handler
	// may read from another goroutine, starts it at its end): bgMu
	// guards the fields.
	bgMu       sync.Mutex
	bgAllowed  bool
	cancel     context.CancelFunc
	bgDone     chan struct{}
	bgStopping atomic.Bool
}

// aLongTimeAgo is a deadline in the past, to wake a blocked read.
var aLongTimeAgo = time.Unix(1, 0)

// watch allows the background read for the request being served.
func (c *conn) watch(cancel context.CancelFunc) {
	c.bgMu.Lock()
	defer c.bgMu.Unlock()
	c.bgAllowed, c.cancel = true, cancel
}

// startBackgroundRead watches the connection once the request has been
// read whole. Bytes that arrive (a pipelined request) stay buffered; an
// error other than the loop's own wake-up cancels the request.
func (c *conn) startBackgroundRead() {
	c.bgMu.Lock()
	defer c.bgMu.Unlock()
	if !c.bgAllowed || c.bgDone != nil {
		return
	}
	done := make(chan struct{})
	c.bgDone = done
	cancel := c.cancel
	_ = c.nc.SetReadDeadline(time.Time{})
	go func() {
		defer close(done)
		if _, err := c.br.Peek(1); err != nil && !c.bgStopping.Load() {
			cancel()
		}
	}()
}

// stopBackgroundRead ends the background read, and allows no other, before
// the connection's reader is used again.
func (c *conn) stopBackgroundRead() {
	c.bgMu.Lock()
	c.bgAllowed, c.cancel = false, nil
	done := c.bgDone
	c.bgDone = nil
	c.bgMu.Unlock()
	if done == nil {
		return
	}
	c.bgStopping.Store(true)
	_ = c.nc.SetReadDeadline(aLongTimeAgo)
	<-done
	c.bgStopping.Store(false)
	_ = c.nc.SetReadDeadline(time.Time{})
}

// deadlineWriter arms send_timeout before each write: nginx's limit is
// between two successive writes, not on the whole response.
type deadlineWriter struct {
	c *conn
}

func (w deadlineWriter) Write(p []byte) (int, error) {
	_ = w.c.nc.SetWriteDeadline(time.Now().Add(w.c.cfg.SendTimeout))
	return w.c.nc.Write(p)
}

func (c *conn) serve() {
	defer func() {
		if p := recover(); p != nil && p != http.ErrAbortHandler {
			c.srv.logf("h1server: panic serving %v: %v", c.nc.RemoteAddr(), p)
		}
		if !c.hijacked {
			c.nc.Close()
		}
		c.srv.forget(c)
	}()
	// The reader holds a whole large header buffer, so that one line
	// nginx accepts always fits in it.
	c.br = bufio.NewReaderSize(c.nc, max(c.cfg.LargeHeaderBufferSize+2, 4096))
	c.bw = bufio.NewWriterSize(deadlineWriter{c}, 4096)
	ctx := context.Background()
	ctx = context.WithValue(ctx, http.LocalAddrContextKey, c.nc.LocalAddr())
	if c.srv.ConnContext != nil {
		ctx = c.srv.ConnContext(ctx, c.nc)
	}
	for {
		// Waiting for a request: client_header_timeout on a new
		// connection, keepalive_timeout between requests.
		wait := c.cfg.ClientHeaderTimeout
		if c.requests > 0 {
			wait = c.cfg.KeepaliveTimeout
		}
		_ = c.nc.SetReadDeadline(time.Now().Add(wait))
		if _, err := c.br.Peek(1); err != nil {
			return
		}
		if !c.setState(stateActive) {
			return
		}
		_ = c.nc.SetReadDeadline(time.Now().Add(c.cfg.ClientHeaderTimeout))
		keep := c.serveOne(ctx)
		if c.hijacked || !keep {
			return
		}
		if !c.setState(stateIdle) || c.srv.shutting.Load() {
			return
		}
	}
}

// serveOne reads one request and answers it; it reports whether the
// connection stays open for another.
func (c *conn) serveOne(ctx context.Context) bool {
	c.requests++
	req, perr := c.readRequest(ctx)
	if perr != nil && perr.code == 0 {
		// Closed, timed out or reset before a request was complete:
		// nginx closes without answering.
		return false
	}
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	req = req.WithContext(ctx)
	c.watch(cancel)
	if b, ok := req.Body.(*body); !ok || b.eof {
		c.startBackgroundRead()
	}
	w := newResponse(c, req)
	if perr != nil {
		w.closeAfter = true
	}
	if !w.keepalive() {
		w.closeAfter = true
	}
	aborted := false
	func() {
		defer func() {
			if p := recover(); p != nil {
				aborted = true
				if p != http.ErrAbortHandler {
					c.srv.logf("h1server: panic serving %v: %v", c.nc.RemoteAddr(), p)
				}
			}
		}()
		c.srv.Handler.ServeHTTP(w, req)
	}()
	c.stopBackgroundRead()
	if c.hijacked {
		return false
	}
	if aborted {
		// http.ErrAbortHandler is how the handler asks for nginx's
		// close without a response (444, 499, 408): nothing buffered
		// goes out.
		c.bw.Reset(deadlineWriter{c})
		return false
	}
	w.finish()
	if err := c.bw.Flush(); err != nil {
		return false
	}
	_ = c.nc.SetWriteDeadline(time.Time{})
	if w.closeAfter || !w.bodyDone() {
		// A refused head may have more of itself still coming, as
		// nginx assumes for 494 (r->lingering_close).
		c.lingeringClose(w, perr != nil)
		return false
	}
	return true
}

// lingeringClose is nginx's lingering_close: after the response, bytes the
// client is still sending (an unread body, pipelined requests) are read
// and dropped for a while before the socket closes, so that the kernel
// does not answer them with a reset that would destroy the response
// before the client read it.
func (c *conn) lingeringClose(w *response, force bool) {
	switch c.cfg.LingeringClose {
	case "off":
		return
	case "on":
		if !force && w.bodyDone() && c.br.Buffered() == 0 {
			return
		}
	}
	if tc, ok := c.nc.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	}
	end := time.Now().Add(c.cfg.LingeringTime)
	buf := make([]byte, 4096)
	for {
		d := time.Now().Add(c.cfg.LingeringTimeout)
		if d.After(end) {
			d = end
		}
		_ = c.nc.SetReadDeadline(d)
		if _, err := c.br.Read(buf); err != nil {
			return
		}
	}
}

// discard reads what is left of a request body so that the next request
// can be read, up to a bound past which closing is cheaper.
func discard(r io.Reader) bool {
	n, err := io.CopyN(io.Discard, r, 256<<10)
	return err == io.EOF || (err == nil && n < 256<<10)
}
