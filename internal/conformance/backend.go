package conformance

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Backend is a raw upstream for proxy cases: it records the exact bytes
// of every request it receives and answers it. As [Case.Backend] it is
// named {{BACKEND}} (host:port) and answers with Respond; as one of
// [Case.Backends] it is {{BACKEND1}}, {{BACKEND2}} … and answers with
// Reply, its name in every body so that a response shows which peer
// served it.
type Backend struct {
	// Respond returns the raw response to a recorded request; nil answers
	// 200 with the request echoed as the body. Returning nil closes the
	// connection without a response.
	Respond func(req []byte) []byte
	// Serve, when set, takes over instead of Respond once the request is
	// read: a script for what a canned answer cannot express (a response
	// in parts, a reset or a hang mid-body, an upgrade). br holds what
	// the client sent beyond the request; the connection is closed when
	// Serve returns.
	Serve func(c net.Conn, br *bufio.Reader, req []byte)

	// Name is what a named backend answers with; default "b1", "b2" … by
	// position in Case.Backends.
	Name string
	// Reply chooses how a named backend answers its n-th request (from 1,
	// counted separately for nginx and for frontdesk); nil always answers
	// 200. See [Status], [FailEvery], [FirstN].
	Reply func(n int, req []byte) Reply
	// Refuse keeps the backend's port bound but not listening, so that
	// connecting is refused (nginx: "connect() failed (111: Connection
	// refused)").
	Refuse bool
	// Blackhole leaves connections unanswered at the TCP level (a full
	// accept queue), so that connecting times out (proxy_connect_timeout).
	Blackhole bool
	// TLS, when set, serves the backend over TLS with this configuration
	// (proxy_pass https://); Serve then gets the *tls.Conn.
	TLS *tls.Config
}

// Reply is how a named backend answers one request.
type Reply struct {
	// Status is the response's status (default 200); the body is the
	// backend's name.
	Status int
	// Raw, when set, is sent as the whole response instead.
	Raw string
	// Do is what the backend does once it has read the request.
	Do Action
	// Delay holds the answer back (slow headers). The proxy closing the
	// connection ends the wait with nothing sent.
	Delay time.Duration
}

// Action is what a backend does with a request it has read.
type Action uint8

const (
	// Answer sends the response.
	Answer Action = iota
	// Close closes the connection without a response (nginx: "upstream
	// prematurely closed connection while reading response header").
	Close
	// Reset resets the connection (RST) without a response.
	Reset
	// Hang holds the request until the case releases the backend
	// ([Request.Release]), then answers; the proxy closing the connection
	// first (a timeout) ends it with nothing sent.
	Hang
)

// Status answers every request with code.
func Status(code int) func(int, []byte) Reply {
	return func(int, []byte) Reply { return Reply{Status: code} }
}

// FailEvery answers the k-th, 2k-th … request with fail and the others
// with 200.
func FailEvery(k int, fail Reply) func(int, []byte) Reply {
	return func(n int, _ []byte) Reply {
		if n%k == 0 {
			return fail
		}
		return Reply{}
	}
}

// FirstN answers the first n requests with r and the later ones with 200:
// a backend that recovers.
func FirstN(n int, r Reply) func(int, []byte) Reply {
	return func(i int, _ []byte) Reply {
		if i <= n {
			return r
		}
		return Reply{}
	}
}

// Echo is the default backend answer: the received request as the body.
func Echo(req []byte) []byte {
	return []byte(fmt.Sprintf("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(req), req))
}

// Static answers every request with the given raw response.
func Static(resp string) func([]byte) []byte {
	return func([]byte) []byte { return []byte(resp) }
}

// received is one request a backend read: which backend (from 1; 0 for
// Case.Backend) and the bytes.
type received struct {
	backend int
	req     []byte
}

// requestLog collects what the backends of one case receive, in order,
// and signals each request on events as it arrives, so that a runner can
// wait for a request to be observed instead of sleeping.
type requestLog struct {
	mu      sync.Mutex
	entries []received
	events  chan int // backend number per received request
}

func newRequestLog() *requestLog { return &requestLog{events: make(chan int, 1024)} }

func (l *requestLog) add(backend int, req []byte) {
	l.mu.Lock()
	l.entries = append(l.entries, received{backend, req})
	l.mu.Unlock()
	select {
	case l.events <- backend:
	default: // nobody is counting this many; the record is kept anyway
	}
}

// take returns and forgets what was received since the last call.
func (l *requestLog) take() []received {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.entries
	l.entries = nil
	return r
}

// drain forgets the pending events.
func (l *requestLog) drain() {
	for {
		select {
		case <-l.events:
		default:
			return
		}
	}
}

type runningBackend struct {
	num     int // from 1 in Case.Backends; 0 for Case.Backend
	name    string
	addr    string
	ln      net.Listener // nil when refusing
	closers []io.Closer  // what Refuse and Blackhole hold open
	respond func([]byte) []byte
	script  func(net.Conn, *bufio.Reader, []byte)
	reply   func(int, []byte) Reply
	log     *requestLog
	wg      sync.WaitGroup // the accept loop and every connection

	mu      sync.Mutex
	n       int           // requests read since the last reset
	release chan struct{} // closed to let held requests go
	active  sync.WaitGroup
}

func startBackend(t testing.TB, b *Backend) *runningBackend {
	t.Helper()
	return startBackendNum(t, b, 0, newRequestLog())
}

func startBackendNum(t testing.TB, b *Backend, num int, log *requestLog) *runningBackend {
	t.Helper()
	rb := &runningBackend{num: num, name: b.Name, respond: b.Respond, script: b.Serve, reply: b.Reply, log: log, release: make(chan struct{})}
	if rb.name == "" {
		rb.name = "b" + strconv.Itoa(num)
	}
	if rb.respond == nil {
		rb.respond = Echo
	}
	t.Cleanup(func() {
		if rb.ln != nil {
			rb.ln.Close()
		}
		rb.releaseHeld()
		rb.wg.Wait()
		for _, c := range rb.closers {
			c.Close()
		}
	})
	switch {
	case b.Refuse:
		rb.refuse(t)
		return rb
	case b.Blackhole:
		rb.blackhole(t)
		return rb
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rb.ln, rb.addr = ln, ln.Addr().String()
	if b.TLS != nil {
		rb.ln = tls.NewListener(ln, b.TLS)
	}
	rb.wg.Add(1)
	go rb.serve()
	return rb
}

// refuse binds a port without listening on it: the port stays ours, and
// connecting to it is refused.
func (rb *runningBackend) refuse(t testing.TB) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "refusing socket")
	rb.closers = append(rb.closers, f)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	rb.addr = "127.0.0.1:" + strconv.Itoa(sa.(*syscall.SockaddrInet4).Port)
}

// blackhole listens with a backlog of zero and fills the accept queue
// with one connection it never accepts: Linux then drops further SYNs,
// so connecting hangs until the client's connect timeout.
func (rb *runningBackend) blackhole(t testing.TB) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "blackhole socket")
	rb.closers = append(rb.closers, f)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	rb.addr = "127.0.0.1:" + strconv.Itoa(sa.(*syscall.SockaddrInet4).Port)
	filler, err := net.DialTimeout("tcp", rb.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	rb.closers = append(rb.closers, filler)
}

func (rb *runningBackend) serve() {
	defer rb.wg.Done()
	for {
		c, err := rb.ln.Accept()
		if err != nil {
			return
		}
		rb.wg.Add(1)
		rb.mu.Lock()
		rb.active.Add(1)
		rb.mu.Unlock()
		go func() {
			defer rb.wg.Done()
			defer rb.active.Done()
			defer c.Close()
			rb.handle(c)
		}()
	}
}

func (rb *runningBackend) handle(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	req, err := readRawRequest(br)
	if err != nil && len(req) == 0 {
		return
	}
	rb.mu.Lock()
	rb.n++
	n, release := rb.n, rb.release
	rb.mu.Unlock()
	rb.log.add(rb.num, req)
	if rb.script != nil {
		rb.script(c, br, req)
		return
	}
	if rb.reply == nil && rb.num == 0 {
		if resp := rb.respond(req); resp != nil {
			_, _ = c.Write(resp)
		}
		return
	}
	r := Reply{}
	if rb.reply != nil {
		r = rb.reply(n, req)
	}
	switch r.Do {
	case Close:
		return
	case Reset:
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		return
	}
	if r.Do == Hang || r.Delay > 0 {
		// The proxy giving up (a timeout) closes the connection: a read
		// then fails, and the request is dropped with nothing sent.
		gone := make(chan struct{})
		go func() {
			defer close(gone)
			_, _ = io.Copy(io.Discard, br)
		}()
		defer func() { c.Close(); <-gone }()
		var timer <-chan time.Time
		if r.Do != Hang {
			release = nil
			tm := time.NewTimer(r.Delay)
			defer tm.Stop()
			timer = tm.C
		}
		select {
		case <-release:
		case <-timer:
		case <-gone:
			return
		}
	}
	_, _ = io.WriteString(c, rb.response(r))
}

// response renders r: the backend's name as a text body.
func (rb *runningBackend) response(r Reply) string {
	if r.Raw != "" {
		return r.Raw
	}
	status := r.Status
	if status == 0 {
		status = http.StatusOK
	}
	return fmt.Sprintf("HTTP/1.0 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), len(rb.name), rb.name)
}

// releaseHeld lets every request held by Hang go.
func (rb *runningBackend) releaseHeld() {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	close(rb.release)
	rb.release = make(chan struct{})
}

// reset waits for the connections in progress to end and starts counting
// requests from zero again, so that the next side meets the same
// behaviour.
func (rb *runningBackend) reset() {
	rb.releaseHeld()
	rb.active.Wait()
	rb.mu.Lock()
	rb.n = 0
	rb.mu.Unlock()
}

// take returns and forgets the bytes received since the last call.
func (rb *runningBackend) take() [][]byte {
	var out [][]byte
	for _, r := range rb.log.take() {
		out = append(out, r.req)
	}
	return out
}

// readRawRequest reads one request: its head, then a body framed by
// Content-Length or chunked encoding, returning the bytes as received.
func readRawRequest(br *bufio.Reader) ([]byte, error) {
	var raw bytes.Buffer
	length := 0
	chunked := false
	for {
		line, err := br.ReadString('\n')
		raw.WriteString(line)
		if err != nil {
			return raw.Bytes(), err
		}
		l := strings.TrimRight(line, "\r\n")
		if l == "" {
			break
		}
		name, value, _ := strings.Cut(l, ":")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "content-length":
			length, _ = strconv.Atoi(strings.TrimSpace(value))
		case "transfer-encoding":
			chunked = strings.Contains(strings.ToLower(value), "chunked")
		}
	}
	if chunked {
		for {
			line, err := br.ReadString('\n')
			raw.WriteString(line)
			if err != nil {
				return raw.Bytes(), err
			}
			size, _ := strconv.ParseInt(strings.TrimSpace(strings.SplitN(line, ";", 2)[0]), 16, 64)
			if size == 0 {
				for {
					t, err := br.ReadString('\n')
					raw.WriteString(t)
					if err != nil || t == "\r\n" || t == "\n" {
						return raw.Bytes(), err
					}
				}
			}
			if _, err := io.CopyN(&raw, br, size+2); err != nil {
				return raw.Bytes(), err
			}
		}
	}
	_, err := io.CopyN(&raw, br, int64(length))
	return raw.Bytes(), err
}
