package frontdesktest

// Test backends: a recording HTTP server for an app handler, and raw TCP
// servers that fail the ways production backends do.

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Received is a request as an upstream received it.
type Received struct {
	// Line is the request line ("GET /x HTTP/1.0").
	Line   string
	Method string      // the request line's method
	URI    string      // the request target as sent
	Host   string      // the Host header ("" when none was sent)
	Header http.Header // the header fields but Host, keys canonical
	Body   []byte      // the body, de-chunked
}

// Backend is a test upstream listening on loopback. It records what it
// receives.
type Backend struct {
	// Addr is its address, "127.0.0.1:PORT": the value to give
	// [Config.Backends] or [Config.Upstreams].
	Addr string

	mu   sync.Mutex
	reqs []Received
}

// Requests returns what the backend received so far, in order.
func (b *Backend) Requests() []Received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Received(nil), b.reqs...)
}

// Last returns the last request received; the zero Received when none.
func (b *Backend) Last() Received {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.reqs) == 0 {
		return Received{Header: http.Header{}}
	}
	return b.reqs[len(b.reqs)-1]
}

// record reads r's body and records r with it; it returns the body.
func (b *Backend) record(r *http.Request) []byte {
	body, _ := io.ReadAll(r.Body)
	got := Received{
		Line: r.Method + " " + r.RequestURI + " " + r.Proto, Method: r.Method, URI: r.RequestURI,
		Host: r.Host, Header: r.Header.Clone(), Body: body,
	}
	b.mu.Lock()
	b.reqs = append(b.reqs, got)
	b.mu.Unlock()
	return body
}

// Serve runs h (nil: 200 "ok") as an HTTP backend on loopback, recording
// each request before h sees it (h gets the body too), until the test
// ends.
func Serve(t testing.TB, h http.Handler) *Backend {
	t.Helper()
	if h == nil {
		h = Status(http.StatusOK)
	}
	b := &Backend{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = io.NopCloser(bytes.NewReader(b.record(r)))
		h.ServeHTTP(w, r)
	}))
	srv.Start()
	t.Cleanup(srv.Close)
	b.Addr = srv.Listener.Addr().String()
	return b
}

// Status answers every request with code and the status text as body.
func Status(code int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, http.StatusText(code), code)
	})
}

// FailEvery answers the k-th, 2k-th … request with 500 and passes the
// others to h (nil: 200 "ok").
func FailEvery(k int, h http.Handler) http.Handler {
	if h == nil {
		h = Status(http.StatusOK)
	}
	var n atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%int64(k) == 0 {
			http.Error(w, "frontdesktest: failing request", http.StatusInternalServerError)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// rawServer is a TCP backend that reads each request and then runs a
// script on the connection: what a well-behaved HTTP server cannot do.
type rawServer struct {
	b    *Backend
	ln   net.Listener
	wg   sync.WaitGroup
	done chan struct{} // closed at cleanup: scripts waiting give up
	mu   sync.Mutex
	open map[net.Conn]bool
}

// maxConnTime bounds every raw connection, so that no test waits on one
// forever.
const maxConnTime = 30 * time.Second

func startRaw(t testing.TB, script func(s *rawServer, c net.Conn, br *bufio.Reader)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("frontdesktest: %v", err)
	}
	s := &rawServer{b: &Backend{Addr: ln.Addr().String()}, ln: ln, done: make(chan struct{}), open: map[net.Conn]bool{}}
	t.Cleanup(func() {
		close(s.done)
		ln.Close()
		s.mu.Lock()
		for c := range s.open {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.open[c] = true
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer func() {
					s.mu.Lock()
					delete(s.open, c)
					s.mu.Unlock()
					c.Close()
				}()
				_ = c.SetDeadline(time.Now().Add(maxConnTime))
				br := bufio.NewReader(c)
				if !s.read(br) {
					return
				}
				script(s, c, br)
			}()
		}
	}()
	return s
}

// read records one request; false when none could be read.
func (s *rawServer) read(br *bufio.Reader) bool {
	r, err := http.ReadRequest(br)
	if err != nil {
		return false
	}
	s.b.record(r)
	return true
}

// wait holds a script until d is closed or the test ends; it reports
// whether d was closed.
func (s *rawServer) wait(d <-chan struct{}) bool {
	select {
	case <-d:
		return true
	case <-s.done:
		return false
	}
}

func after(d time.Duration) <-chan struct{} {
	ch := make(chan struct{})
	time.AfterFunc(d, func() { close(ch) })
	return ch
}

const okResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"

// Refuse returns a loopback address where connecting is refused (nginx:
// "connect() failed (111: Connection refused)"), reserved until the test
// ends so that no other test's server takes it.
func Refuse(t testing.TB) string {
	t.Helper()
	return refusingAddr(t)
}

// Reset answers every request by resetting the connection (RST).
func Reset(t testing.TB) *Backend {
	t.Helper()
	return startRaw(t, func(_ *rawServer, c net.Conn, _ *bufio.Reader) {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // close sends RST instead of FIN
		}
	}).b
}

// CloseBeforeHeaders reads each request and closes the connection without
// a response (nginx: "upstream prematurely closed connection while
// reading response header").
func CloseBeforeHeaders(t testing.TB) *Backend {
	t.Helper()
	return startRaw(t, func(*rawServer, net.Conn, *bufio.Reader) {}).b
}

// Malformed answers every request with raw, sent as is, then closes.
func Malformed(t testing.TB, raw string) *Backend {
	t.Helper()
	return startRaw(t, func(_ *rawServer, c net.Conn, _ *bufio.Reader) {
		_, _ = io.WriteString(c, raw)
	}).b
}

// SlowHeaders answers every request with 200 "ok" after d (a proxy
// closing the connection first gets nothing).
func SlowHeaders(t testing.TB, d time.Duration) *Backend {
	t.Helper()
	return startRaw(t, func(s *rawServer, c net.Conn, _ *bufio.Reader) {
		if s.wait(after(d)) {
			_, _ = io.WriteString(c, okResponse)
		}
	}).b
}

// SlowBody answers every request with a 4-byte body: the headers and
// "ok" at once, "ok" again after d.
func SlowBody(t testing.TB, d time.Duration) *Backend {
	t.Helper()
	return startRaw(t, func(s *rawServer, c net.Conn, _ *bufio.Reader) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nok")
		if s.wait(after(d)) {
			_, _ = io.WriteString(c, "ok")
		}
	}).b
}

// Hung is a backend that holds every request until released.
type Hung struct {
	*Backend
	release chan struct{}
	once    sync.Once
	arrived chan struct{} // receives once per request held
}

// Hang returns a backend that reads each request and holds it without an
// answer until [Hung.Release] (then it answers 200 "ok") or the test ends.
func Hang(t testing.TB) *Hung {
	t.Helper()
	h := &Hung{release: make(chan struct{}), arrived: make(chan struct{}, 64)}
	h.Backend = startRaw(t, func(s *rawServer, c net.Conn, _ *bufio.Reader) {
		select {
		case h.arrived <- struct{}{}:
		default:
		}
		if s.wait(h.release) {
			_, _ = io.WriteString(c, okResponse)
		}
	}).b
	return h
}

// Release answers the requests held and every later one at once.
func (h *Hung) Release() { h.once.Do(func() { close(h.release) }) }

// Arrived receives once for each request the backend starts holding (up
// to 64 not yet received), so that a test can wait for a request to be
// in flight without sleeping.
func (h *Hung) Arrived() <-chan struct{} { return h.arrived }
