//go:build linux

package h1server

// Parking idle connections: a connection waiting for its next request
// (past idleGrace) holds no goroutine and no buffers, only its place in
// one epoll instance per server, as nginx's keep-alive connections sit in
// its event loop. The epoll descriptor is itself in Go's netpoller, so
// the poller goroutine sleeps there, woken when a parked connection
// becomes readable or at the earliest keep-alive deadline.

import (
	"container/heap"
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

const parkSupported = true

// poller holds the parked connections of one server.
type poller struct {
	f    *os.File // the epoll descriptor, in Go's netpoller
	epfd int      // f's descriptor, open while !closed
	rc   syscall.RawConn
	done chan struct{}

	mu     sync.Mutex
	closed bool
	seq    uint64           // the last park's id, the epoll event's data
	parked map[uint64]*conn // by park id
	due    parkHeap         // by waitDue
	armed  time.Time        // f's read deadline: the earliest waitDue, or later
}

func newPoller() (*poller, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, os.NewSyscallError("fcntl", err)
	}
	f := os.NewFile(uintptr(fd), "h1server-epoll")
	// Deadlines work only on a descriptor Go's netpoller took.
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		f.Close()
		return nil, err
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	p := &poller{f: f, epfd: fd, rc: rc, done: make(chan struct{}), parked: map[uint64]*conn{}}
	go p.run()
	return p, nil
}

// park registers idle c (no buffers, no goroutine from now on); false when
// it cannot be parked.
func (p *poller) park(c *conn) bool {
	if c.fd < 0 {
		sc, ok := c.nc.(syscall.Conn)
		if !ok {
			return false
		}
		rc, err := sc.SyscallConn()
		if err != nil || rc.Control(func(fd uintptr) { c.fd = int(fd) }) != nil {
			return false
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.seq++
	id := p.seq
	// One shot: once reported, the descriptor stays in the set,
	// disabled, until parked again.
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: int32(id), Pad: int32(id >> 32)}
	op := syscall.EPOLL_CTL_MOD
	if !c.inPoller {
		op = syscall.EPOLL_CTL_ADD
	}
	if err := syscall.EpollCtl(p.epfd, op, c.fd, &ev); err != nil {
		return false
	}
	c.inPoller = true
	c.parkID = id
	p.parked[id] = c
	heap.Push(&p.due, c)
	if p.armed.IsZero() || c.waitDue.Before(p.armed) {
		p.armed = c.waitDue
		_ = p.f.SetReadDeadline(p.armed)
	}
	return true
}

// unpark takes c out of the poller; false when it was not parked (its
// goroutine owns it).
func (p *poller) unpark(c *conn) bool {
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c.parkID == 0 || p.parked[c.parkID] != c {
		return false
	}
	p.removeLocked(c)
	return true
}

func (p *poller) removeLocked(c *conn) {
	delete(p.parked, c.parkID)
	c.parkID = 0
	heap.Remove(&p.due, c.heapIdx)
}

// close stops the poller; no connection may be parked any more.
func (p *poller) close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.done
		return
	}
	p.closed = true
	p.mu.Unlock()
	p.f.Close()
	<-p.done
}

// run hands each parked connection that becomes readable (a request, or
// the client gone) to a goroutine, and closes those whose wait is over.
func (p *poller) run() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 128)
	var ready []*conn
	for {
		err := p.rc.Read(func(fd uintptr) bool {
			n, err := syscall.EpollWait(int(fd), events, 0)
			if n <= 0 {
				// Nothing ready: sleep in the netpoller until the
				// epoll descriptor is readable.
				return err != nil && err != syscall.EINTR && err != syscall.EAGAIN
			}
			p.mu.Lock()
			for _, ev := range events[:n] {
				id := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
				if c := p.parked[id]; c != nil {
					p.removeLocked(c)
					ready = append(ready, c)
				}
			}
			p.mu.Unlock()
			return true
		})
		for i, c := range ready {
			go c.run()
			ready[i] = nil
		}
		ready = ready[:0]
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			p.expire()
		default:
			return
		}
	}
}

// expire closes the parked connections whose wait is over, silently as
// nginx does, and arms the deadline of the next.
func (p *poller) expire() {
	p.mu.Lock()
	now := time.Now()
	var gone []*conn
	for len(p.due) > 0 && !p.due[0].waitDue.After(now) {
		c := p.due[0]
		p.removeLocked(c)
		gone = append(gone, c)
	}
	p.armed = time.Time{}
	if len(p.due) > 0 {
		p.armed = p.due[0].waitDue
	}
	_ = p.f.SetReadDeadline(p.armed)
	p.mu.Unlock()
	for _, c := range gone {
		c.nc.Close()
		c.srv.forget(c)
	}
}

// awaitReadable waits until nc has bytes to read, or its end, or an
// error, or until its read deadline passes, without reading them.
func awaitReadable(nc net.Conn) error {
	_, _, err := peek(nc)
	return err
}

// peek is awaitReadable that also returns the first byte waiting, when
// there is one (ok).
func peek(nc net.Conn) (b byte, ok bool, err error) {
	sc, isSC := nc.(syscall.Conn)
	if !isSC {
		return 0, false, errors.ErrUnsupported
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, false, err
	}
	var buf [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		ok = n == 1 && rerr == nil
		// Not EAGAIN: bytes, the end, or an error the read will see.
		return rerr != syscall.EAGAIN
	})
	return buf[0], ok, err
}

// parkHeap orders parked connections by the end of their wait.
type parkHeap []*conn

func (h parkHeap) Len() int           { return len(h) }
func (h parkHeap) Less(i, j int) bool { return h[i].waitDue.Before(h[j].waitDue) }
func (h parkHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}

func (h *parkHeap) Push(x any) {
	c := x.(*conn)
	c.heapIdx = len(*h)
	*h = append(*h, c)
}

func (h *parkHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return c
}
