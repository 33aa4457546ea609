package frontdesk

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An upstream slower than quickWait, before its head and again before its
// body, is answered in full, and its connection is still reused: the
// first deadline's expiry only moves the exchange to per-operation
// deadlines. The upstream accepts one connection, so a second dial would
// leave the second request unanswered (a 504 after the read timeout).
func TestExchangePastQuickWait(t *testing.T) {
	slow := 2 * quickWait
	addr := oneConnUpstream(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for range 2 {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			<-time.After(slow) // a slow application, before its head
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
			<-time.After(slow) // and before its body
			_, _ = io.WriteString(c, "hello")
		}
	})
	pool := Upstream("app", []Server{{Addr: addr}}, Keepalive(2))
	p := MustNew(quiet, pool, Location("/", ProxyPass("http://app"), ProxyHTTPVersion("1.1"),
		ProxySetHeader("Connection", ""), ProxyReadTimeout(5*time.Second)))
	defer p.Close()
	for i := range 2 {
		w := httptest.NewRecorder()
		p.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		assert.Equal(t, http.StatusOK, w.Code, "request %d", i)
		assert.Equal(t, "hello", w.Body.String(), "request %d", i)
	}
}

// A client that leaves once the exchange has gone past quickWait is
// noticed at once by the watcher armed then, not at proxy_read_timeout:
// the upstream connection is closed and the request logged as 499.
func TestClientAbortAfterQuickWait(t *testing.T) {
	slowNow := make(chan struct{})
	upstreamClosed := make(chan struct{})
	addr := oneConnUpstream(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		<-time.After(2 * quickWait) // the proxy is on its slow path now
		close(slowNow)
		_, _ = io.Copy(io.Discard, br) // never answer: until the proxy closes
		close(upstreamClosed)
	})
	observed := make(chan int, 1)
	p := MustNew(quiet, Observe(func(i RequestInfo) { observed <- i.Status() }),
		Location("/", ProxyPass("http://"+addr), ProxyReadTimeout(time.Hour)))
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	<-slowNow
	cancel()
	select {
	case status := <-observed:
		assert.Equal(t, 499, status)
	case <-time.After(10 * time.Second):
		require.FailNow(t, "the client's leaving was not noticed")
	}
	<-upstreamClosed
}

// deadlineConn records the deadlines set on it.
type deadlineConn struct {
	net.Conn
	set []time.Time
}

func (c *deadlineConn) SetDeadline(t time.Time) error {
	c.set = append(c.set, t)
	return nil
}

// Exchanges that follow one another on a busy connection keep the
// deadline an earlier one armed while it is at least quickWait/2 away, so
// that the timer moves about once per quickWait/2, not once per request;
// a later exchange, or one after an exchange that went the slow way,
// arms its own.
func TestQuickDeadlineKept(t *testing.T) {
	dc := &deadlineConn{}
	uc := newUpstreamConn(dc, nil, 4096, time.Now())
	ctx := context.Background()
	exchange := func(start time.Time, slow bool) {
		uc.begin(ctx, start, time.Minute, time.Minute, false)
		if slow {
			uc.goSlow()
		}
		require.True(t, uc.end())
	}
	t0 := time.Now()
	exchange(t0, false)
	exchange(t0.Add(quickWait/4), false)
	assert.Equal(t, []time.Time{t0.Add(quickWait)}, dc.set, "kept for an exchange soon after")
	t1 := t0.Add(quickWait/2 + time.Millisecond)
	exchange(t1, true)
	assert.Equal(t, []time.Time{t0.Add(quickWait), t1.Add(quickWait)}, dc.set, "moved for a later exchange")
	exchange(t1, false)
	assert.Equal(t, []time.Time{t0.Add(quickWait), t1.Add(quickWait), t1.Add(quickWait)}, dc.set, "armed again after a slow exchange")
}
