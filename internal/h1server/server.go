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
//
// Per request the loop costs little more than its system calls: no
// goroutine per request (a client going away is watched for only once a
// request has run for a while), deadlines re-armed lazily as nginx's
// timers are, files sent with sendfile (response.ReadFrom). Between
// requests a connection holds no buffers, and once idle no goroutine
// either: on Linux it waits in one epoll set per server (park_linux.go).
//
// A listener that yields *tls.Conn (tls.NewListener) is served over TLS:
// the handshake runs on the connection's goroutine within
// client_header_timeout, as nginx's, requests carry the connection's
// state in http.Request.TLS, and a connection that negotiated another
// protocol by ALPN (HTTP/2) goes to [Server.TLSNextProto]. TLS connections
// are never parked: tls.Conn may hold decrypted bytes the poller cannot
// see.
package h1server

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
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
	// TLSNextProto takes over a TLS connection that negotiated one of
	// its keys by ALPN ("h2"), as net/http's Server.TLSNextProto, with
	// the connection's context (ConnContext's, without the loop's byte
	// counts): the connection is no longer the server's. Other
	// connections are served as HTTP/1.x.
	TLSNextProto map[string]func(context.Context, *tls.Conn)

	mu        sync.Mutex
	listeners map[*net.Listener]struct{}
	conns     map[*conn]struct{}
	shutting  atomic.Bool
	connDone  chan struct{} // signalled when a connection goes away
	idle      *poller       // parks idle connections; nil until one is parked
	noPark    bool          // no poller here: idle connections keep their goroutine
	lastCfg   *Config       // the last Configure's, shared (sharedConfig)

	// For tests: the grace before parking (0: idleGrace), and a
	// function called when a connection has parked.
	grace    time.Duration
	onParked func()
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
	cfg := new(s.Config.withDefaults())
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
		c := &conn{srv: s, cfg: cfg, nc: nc, state: stateIdle, fd: -1}
		_, c.parkable = nc.(syscall.Conn)
		c.parkable = c.parkable && parkSupported
		if s.Configure != nil {
			c.cfg = s.sharedConfig(s.Configure().withDefaults())
		}
		s.mu.Lock()
		if s.shutting.Load() {
			s.mu.Unlock()
			nc.Close()
			return http.ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		go c.run()
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
	p := s.idle
	s.mu.Unlock()
	// Nothing parks once shutting: the poller has no more work.
	p.close()
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
	s.shutting.Store(true)
	for l := range s.listeners {
		(*l).Close()
	}
	for c := range s.conns {
		s.closeLocked(c)
	}
	p := s.idle
	s.mu.Unlock()
	p.close()
	return nil
}

// closeIdleLocked closes connections waiting for a request; s.mu held.
func (s *Server) closeIdleLocked() {
	for c := range s.conns {
		if c.state == stateIdle {
			s.closeLocked(c)
		}
	}
}

// closeLocked closes c; a parked connection, which has no goroutine to
// notice, is forgotten here. s.mu held.
func (s *Server) closeLocked(c *conn) {
	c.nc.Close()
	if s.idle.unpark(c) {
		delete(s.conns, c)
		s.signalDone()
	}
}

// sharedConfig is cfg, shared with the connections accepted before it
// while it does not change (an idle connection holds little else).
func (s *Server) sharedConfig(cfg Config) *Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastCfg == nil || *s.lastCfg != cfg {
		s.lastCfg = &cfg
	}
	return s.lastCfg
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.signalDone()
}

func (s *Server) signalDone() {
	select {
	case s.connDone <- struct{}{}:
	default:
	}
}

// park hands idle c to the server's poller, creating it on first use;
// false when c must wait on its own goroutine, or close when shutting.
func (s *Server) park(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Under s.mu and not shutting, nothing else has closed c: its
	// descriptor is its own.
	if s.shutting.Load() {
		return false
	}
	if s.idle == nil {
		if s.noPark {
			return false
		}
		p, err := newPoller()
		if err != nil {
			s.noPark = true
			s.logf("h1server: idle connections keep a goroutine each: %v", err)
			return false
		}
		s.idle = p
	}
	return s.idle.park(c)
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

// conn is one client connection. Waiting for a request it holds no
// buffers (a busy one keeps them through its grace, idleGrace), and past
// its grace no goroutine either: it is parked in the server's poller, as
// nginx's keep-alive state frees its buffers.
type conn struct {
	srv   *Server
	cfg   *Config // shared while the configuration is the same (sharedConfig)
	nc    net.Conn
	ctx   context.Context // the connection's base context
	br    *bufio.Reader   // nil while idle
	bw    *bufio.Writer   // nil while idle
	state int             // guarded by srv.mu
	// order is the request's header order (HeaderOrder), reused.
	order []string

	requests int
	hijacked bool
	remote   string               // the client's address, once asked for
	tls      *tls.ConnectionState // a TLS connection's, once its handshake is done
	// plainOnTLS: a TLS listener's client that sent plain HTTP.
	plainOnTLS bool

	// The bytes read from and written to nc (used as br and bw are),
	// where this request's output began, and its Counts.
	inTotal, outTotal int64
	outStart          int64
	counts            Counts
	// lim is the request's limits when its handler set them
	// (SetLimits); they stay for the wait for the next request.
	lim atomic.Pointer[Config]

	// What the reader is for, so that socket reads arm the deadline of
	// their phase (connReader), and the deadlines armed on nc.
	phase     int
	headArmed bool
	rdArmed   time.Time
	rdKind    int
	wrArmed   time.Time
	// waitDue ends the wait for the next request (client_header_timeout
	// on a new connection, keepalive_timeout after a response); zero
	// while a request is served.
	waitDue time.Time

	// Parking (park_linux.go); parkID and heapIdx guarded by the
	// poller's mutex.
	parkable bool
	fd       int // nc's descriptor once known, else -1
	inPoller bool
	parkID   uint64
	heapIdx  int

	// The background read that notices a client going away while its
	// request is served (nginx: the connection's read event; the
	// request's context is cancelled, so that the upstream request is
	// abandoned as with proxy_ignore_client_abort off). It starts once
	// the request has run for watchDelay and its body has been read
	// (a handler may read it from another goroutine), and runs until
	// the handler returns: bgMu guards the fields.
	bgMu       sync.Mutex
	bgAllowed  bool
	bgDue      bool // watchDelay has passed
	bgBodyDone bool
	cancel     context.CancelFunc
	bgDone     chan struct{}
	bgStopping atomic.Bool
	// The watch's timer is the connection's, not the request's: it is
	// armed when a request is watched and none is pending, and when it
	// fires early for the request then served (armed for an earlier
	// one) it waits the rest, so a busy connection costs no timer
	// update per request.
	bgTimer *time.Timer
	bgArmed bool      // bgTimer will fire
	bgStart time.Time // when the request being served was watched
}

const (
	phaseNone  = iota // no deadline armed by reads (lingering close, hijacked)
	phaseWait         // awaitRequest arms its own
	phaseHead         // client_header_timeout, armed by the first socket read
	phaseBody         // client_body_timeout, between two successive reads
	phaseWatch        // the background read: no deadline
)

// Kinds of read deadline armed.
const (
	armOther = iota
	armSoft  // the grace period: when it passes, the connection parks
	armBody
)

// lazyDelay is nginx's NGX_TIMER_LAZY_DELAY: a timer re-armed for a time
// less than this away from the armed one is kept, saving a timer update
// per read or write.
const lazyDelay = 300 * time.Millisecond

// idleGrace is how long a connection waits for its next request on its
// own goroutine before it parks, and busyGrace the same once it has
// served more than one request: parking and waking cost some µs, and a
// busy keep-alive connection's next request comes well within busyGrace,
// while most connections that stay idle do so after one request.
const (
	idleGrace = 5 * time.Millisecond
	busyGrace = time.Second
)

func (c *conn) idleGrace() time.Duration {
	switch {
	case c.srv.grace > 0:
		return c.srv.grace
	case c.requests > 1:
		return busyGrace
	}
	return idleGrace
}

// watchDelay is how long a request runs before its connection is watched
// for the client going away: most requests end well before, and a
// goroutine per request would cost more than the rest of the loop.
const watchDelay = 20 * time.Millisecond

// aLongTimeAgo is a deadline in the past, to wake a blocked read.
var aLongTimeAgo = time.Unix(1, 0)

func (c *conn) setReadDeadline(t time.Time, kind int) {
	_ = c.nc.SetReadDeadline(t)
	c.rdArmed, c.rdKind = t, kind
}

// lazy reports whether a timer armed for armed may stay for t.
func lazy(armed, t time.Time) bool {
	d := t.Sub(armed)
	return !armed.IsZero() && d < lazyDelay && d > -lazyDelay
}

// armWrite arms send_timeout for a write: nginx's limit is between two
// successive writes, not on the whole response.
func (c *conn) armWrite() {
	t := time.Now().Add(c.limits().SendTimeout)
	if !lazy(c.wrArmed, t) {
		_ = c.nc.SetWriteDeadline(t)
		c.wrArmed = t
	}
}

// connReader is the connection as its bufio.Reader reads it: each socket
// read arms the deadline of the phase.
type connReader conn

func (r *connReader) Read(p []byte) (int, error) {
	c := (*conn)(r)
	switch c.phase {
	case phaseHead:
		// nginx arms client_header_timeout when the head is not
		// whole in what was read with its first bytes.
		if !c.headArmed {
			c.headArmed = true
			c.setReadDeadline(time.Now().Add(c.cfg.ClientHeaderTimeout), armOther)
		}
	case phaseBody:
		if t := time.Now().Add(c.limits().ClientBodyTimeout); c.rdKind != armBody || !lazy(c.rdArmed, t) {
			c.setReadDeadline(t, armBody)
		}
	}
	n, err := c.nc.Read(p)
	c.inTotal += int64(n)
	return n, err
}

// consumed is how much of what nc gave the reader was taken from it.
func (c *conn) consumed() int64 { return c.inTotal - int64(c.br.Buffered()) }

// sent is how much went into the writer, flushed or not.
func (c *conn) sent() int64 { return c.outTotal + int64(c.bw.Buffered()) }

// deadlineWriter is the connection as its bufio.Writer writes it.
type deadlineWriter struct {
	c *conn
}

func (w deadlineWriter) Write(p []byte) (int, error) {
	w.c.armWrite()
	n, err := w.c.nc.Write(p)
	w.c.outTotal += int64(n)
	return n, err
}

var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}

// readers holds a sync.Pool of *bufio.Reader per size.
var readers sync.Map

// readerSize makes the reader hold a whole large header buffer, so that
// one line nginx accepts always fits in it.
func (c *conn) readerSize() int { return max(c.cfg.LargeHeaderBufferSize+2, 4096) }

// getBuffers gives c its reader and writer for a request.
func (c *conn) getBuffers() {
	if c.br != nil {
		return
	}
	size := c.readerSize()
	p, ok := readers.Load(size)
	if !ok {
		p, _ = readers.LoadOrStore(size, &sync.Pool{New: func() any { return bufio.NewReaderSize(nil, size) }})
	}
	c.br = p.(*sync.Pool).Get().(*bufio.Reader)
	c.br.Reset((*connReader)(c))
	c.bw = writers.Get().(*bufio.Writer)
	c.bw.Reset(deadlineWriter{c})
}

// putBuffers returns c's buffers; the reader must hold no bytes of a
// request (or c is closing).
func (c *conn) putBuffers() {
	if c.br == nil || c.hijacked {
		return
	}
	c.br.Reset(nil)
	if p, ok := readers.Load(c.readerSize()); ok {
		p.(*sync.Pool).Put(c.br)
	}
	c.bw.Reset(nil)
	writers.Put(c.bw)
	c.br, c.bw = nil, nil
}

// watch allows the background read for the request being served, once
// watchDelay has passed and (bodyDone) its body has been read.
func (c *conn) watch(cancel context.CancelFunc, bodyDone bool) {
	now := time.Now()
	c.bgMu.Lock()
	defer c.bgMu.Unlock()
	c.bgAllowed, c.bgDue, c.bgBodyDone, c.cancel, c.bgStart = true, false, bodyDone, cancel, now
	if c.bgArmed {
		return
	}
	c.bgArmed = true
	if c.bgTimer == nil {
		c.bgTimer = time.AfterFunc(watchDelay, c.watchDue)
	} else {
		c.bgTimer.Reset(watchDelay)
	}
}

func (c *conn) watchDue() {
	c.bgMu.Lock()
	defer c.bgMu.Unlock()
	if !c.bgAllowed || c.bgTimer == nil {
		// No request is watched: the timer rests until the next one.
		c.bgArmed = false
		return
	}
	if wait := watchDelay - time.Since(c.bgStart); wait > 0 {
		c.bgTimer.Reset(wait)
		return
	}
	c.bgArmed = false
	c.bgDue = true
	c.startBackgroundReadLocked()
}

// bodyRead tells the watch that the request body has been read whole.
func (c *conn) bodyRead() {
	c.bgMu.Lock()
	defer c.bgMu.Unlock()
	c.bgBodyDone = true
	c.startBackgroundReadLocked()
}

// startBackgroundReadLocked watches the connection. Bytes that arrive
// (a pipelined request) stay buffered; an error other than the loop's
// own wake-up cancels the request. c.bgMu held.
func (c *conn) startBackgroundReadLocked() {
	if !c.bgAllowed || !c.bgDue || !c.bgBodyDone || c.bgDone != nil {
		return
	}
	done := make(chan struct{})
	c.bgDone = done
	cancel := c.cancel
	c.phase = phaseWatch
	c.setReadDeadline(time.Time{}, armOther)
	go func() {
		defer close(done)
		if _, err := c.br.Peek(1); err != nil && !c.bgStopping.Load() {
			cancel()
		}
	}()
}

// dropWatchTimer stops and forgets the watch's timer of a connection
// that parks; it is made again for its next request.
func (c *conn) dropWatchTimer() {
	c.bgMu.Lock()
	defer c.bgMu.Unlock()
	if c.bgTimer != nil {
		c.bgTimer.Stop()
	}
	c.bgTimer, c.bgArmed = nil, false
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
	c.setReadDeadline(time.Time{}, armOther)
}

// run serves requests on c until it closes or parks; the poller runs it
// again when the parked connection has bytes to read.
func (c *conn) run() {
	parked := false
	defer func() {
		if p := recover(); p != nil && p != http.ErrAbortHandler {
			c.srv.logf("h1server: panic serving %v: %v", c.nc.RemoteAddr(), p)
		}
		if parked {
			// Another goroutine may own c already.
			return
		}
		if !c.hijacked {
			c.nc.Close()
			c.putBuffers()
		}
		if c.bgTimer != nil {
			c.bgTimer.Stop()
		}
		c.srv.forget(c)
	}()
	if c.ctx == nil {
		ctx := context.WithValue(context.Background(), http.LocalAddrContextKey, c.nc.LocalAddr())
		if c.srv.ConnContext != nil {
			ctx = c.srv.ConnContext(ctx, c.nc)
		}
		if tc, ok := c.nc.(*tls.Conn); ok {
			if !c.startTLS(ctx, tc) {
				return
			}
			if next := c.srv.TLSNextProto[c.protocol()]; next != nil {
				// Not the loop's any more: the deferred close
				// must not touch it.
				c.hijacked = true
				next(ctx, tc)
				return
			}
		}
		c.ctx = context.WithValue(ctx, countsKey, &c.counts)
	}
	for {
		switch c.awaitRequest() {
		case waitParked:
			parked = true
			return
		case waitClose:
			return
		}
		if !c.setState(stateActive) {
			return
		}
		c.phase, c.headArmed = phaseHead, false
		keep := c.serveOne(c.ctx)
		if c.hijacked || !keep {
			return
		}
		if !c.setState(stateIdle) || c.srv.shutting.Load() {
			return
		}
	}
}

// startTLS begins a connection of a TLS listener, within
// client_header_timeout (nginx arms it for the handshake too): with its
// handshake, or, when the client opens with something other than a TLS
// record (a plain HTTP request), without TLS: nginx reads that request and
// answers it with the page of 497 ("The plain HTTP request was sent to
// HTTPS port"). false when c must close.
func (c *conn) startTLS(ctx context.Context, tc *tls.Conn) bool {
	_ = tc.SetDeadline(time.Now().Add(c.cfg.ClientHeaderTimeout))
	b, ok, err := peek(tc.NetConn())
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		// No peeking here: the handshake decides.
	case err != nil || !ok:
		// Gone, or silent, before its first byte.
		return false
	case b != 0x16 && b&0x80 == 0:
		// nginx's test of the first byte: neither a TLS handshake
		// record nor an SSLv2 hello.
		raw := tc.NetConn()
		_ = raw.SetDeadline(time.Time{})
		c.srv.mu.Lock()
		c.nc = raw
		c.srv.mu.Unlock()
		c.plainOnTLS = true
		return true
	}
	if err := tc.HandshakeContext(ctx); err != nil {
		// nginx logs failed handshakes at [info].
		c.srv.logf("h1server: TLS handshake error from %v: %v", c.nc.RemoteAddr(), err)
		return false
	}
	_ = tc.SetDeadline(time.Time{})
	cs := tc.ConnectionState()
	c.tls = &cs
	return true
}

// protocol is what c negotiated by ALPN; "" without TLS.
func (c *conn) protocol() string {
	if c.tls == nil {
		return ""
	}
	return c.tls.NegotiatedProtocol
}

// statusPlainOnTLS is nginx's NGX_HTTP_TO_HTTPS, answered as 400 with
// its own page.
const statusPlainOnTLS = 497

const (
	waitReady = iota
	waitClose
	waitParked
)

// awaitRequest waits for the first bytes of a request: on c's goroutine
// for idleGrace, then parked, without buffers, in the server's poller.
func (c *conn) awaitRequest() int {
	if c.br != nil && c.br.Buffered() > 0 {
		// Pipelined: the next request is here already.
		return waitReady
	}
	now := time.Now()
	if c.waitDue.IsZero() {
		wait := c.cfg.ClientHeaderTimeout
		if c.requests > 0 {
			wait = c.limits().KeepaliveTimeout
		}
		c.waitDue = now.Add(wait)
	}
	resumed := c.br == nil && c.inPoller
	if c.parkable && !resumed && c.requests <= 1 {
		// Most connections that stay idle do so from the start or
		// after one request: they wait without buffers, so that
		// many arriving at once do not leave the pools full.
		c.putBuffers()
	} else {
		c.getBuffers()
	}
	c.phase = phaseWait
	for {
		if !c.parkable || resumed {
			// Resumed by the poller, c has bytes to read (or the
			// client is gone): no grace to wait.
			resumed = false
			c.setReadDeadline(c.waitDue, armOther)
		} else if grace := c.idleGrace(); c.rdKind != armSoft || c.rdArmed.Before(now.Add(grace/2)) || c.rdArmed.After(c.waitDue) {
			// A grace deadline armed for an earlier wait stays
			// while it leaves half the grace: a busy connection
			// does not update its timer for every request.
			t := now.Add(grace)
			if t.After(c.waitDue) {
				t = c.waitDue
			}
			c.setReadDeadline(t, armSoft)
		}
		err := c.awaitBytes()
		if err == nil {
			c.waitDue = time.Time{}
			return waitReady
		}
		if !c.parkable || !errors.Is(err, os.ErrDeadlineExceeded) {
			return waitClose
		}
		if now = time.Now(); !now.Before(c.waitDue) {
			// nginx closes without a word.
			return waitClose
		}
		c.putBuffers()
		c.dropWatchTimer()
		if c.srv.park(c) {
			if h := c.srv.onParked; h != nil {
				h()
			}
			return waitParked
		}
		if c.srv.shutting.Load() {
			return waitClose
		}
		c.parkable = false
		c.getBuffers()
	}
}

// awaitBytes waits until c's reader has bytes; without buffers it waits
// on the socket and takes them once it is readable.
func (c *conn) awaitBytes() error {
	if c.br == nil {
		if err := awaitReadable(c.nc); err != nil {
			return err
		}
		c.getBuffers()
	}
	_, err := c.br.Peek(1)
	return err
}

// serveOne reads one request and answers it; it reports whether the
// connection stays open for another.
func (c *conn) serveOne(ctx context.Context) bool {
	c.requests++
	c.outStart = c.sent()
	c.counts.out.Store(0)
	c.counts.head.Store(0)
	c.lim.Store(nil)
	req, cancel, perr := c.readRequest(ctx)
	if perr == nil && c.plainOnTLS {
		// nginx refuses it once its head is read, as 497.
		req = req.WithContext(context.WithValue(req.Context(), errorKey, statusPlainOnTLS))
		perr = &parseError{code: statusPlainOnTLS, msg: "client sent plain HTTP request to HTTPS port"}
	}
	if perr != nil && perr.code == 0 {
		// Closed, timed out or reset before a request was complete:
		// nginx closes without answering.
		return false
	}
	c.phase = phaseBody
	defer cancel()
	b, ok := req.Body.(*body)
	c.watch(cancel, !ok || b.eof)
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
	c.phase = phaseBody
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
	lim := c.limits()
	switch lim.LingeringClose {
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
	if tc, ok := c.nc.(*tls.Conn); ok {
		// close_notify went first; then the TCP half-close, as
		// nginx's SSL shutdown before its lingering close.
		if cw, ok := tc.NetConn().(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
	}
	c.phase = phaseNone
	end := time.Now().Add(lim.LingeringTime)
	buf := make([]byte, 4096)
	for {
		d := time.Now().Add(lim.LingeringTimeout)
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
