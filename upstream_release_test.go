package frontdesk

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stalledWriter is a client that has stopped reading: its first body
// write blocks until release is closed.
type stalledWriter struct {
	header  http.Header
	status  int
	body    strings.Builder
	writing chan struct{} // closed when the first write starts
	release chan struct{}
	started bool
}

func newStalledWriter(release chan struct{}) *stalledWriter {
	return &stalledWriter{header: http.Header{}, writing: make(chan struct{}), release: release}
}

func (w *stalledWriter) Header() http.Header { return w.header }
func (w *stalledWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *stalledWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if !w.started {
		w.started = true
		close(w.writing)
		<-w.release
	}
	return w.body.Write(p)
}

// countingBackend answers every request with body and counts the
// connections it accepted.
func countingBackend(t *testing.T, body string) (addr string, accepted *atomic.Int64) {
	t.Helper()
	accepted = new(atomic.Int64)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(body))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			accepted.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), accepted
}

// Buffered, nginx finalizes the upstream part of a request once the
// response is read whole (ngx_http_upstream_process_request on
// upstream_done): the peer is freed and the connection cached while the
// client is still being written to. Clients that stopped reading thus
// share one upstream connection, and max_conns=1 does not turn the
// second one away. Unbuffered, the upstream is held until the last byte
// reached the client: each stalled client keeps its own connection.
func TestStalledClientsReleaseUpstream(t *testing.T) {
	const clients = 4
	body := strings.Repeat("x", 8<<10) // more than a client buffer, less than one read
	for _, tc := range []struct {
		name      string
		buffering bool
		maxConns  int
		wantConns int64
	}{
		{"buffered", true, 0, 1},
		{"buffered max_conns=1", true, 1, 1},
		{"unbuffered", false, 0, clients},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, accepted := countingBackend(t, body)
			pool := Upstream("app", []Server{{Addr: addr, MaxConns: tc.maxConns}}, Keepalive(clients))
			p := MustNew(quiet, pool, Location("/", ProxyPass("http://app"), ProxyHTTPVersion("1.1"),
				ProxySetHeader("Connection", ""), ProxyBuffering(tc.buffering)))
			defer p.Close()
			release := make(chan struct{})
			done := make(chan *stalledWriter, clients)
			started := 0
			defer func() {
				close(release)
				for range started {
					w := <-done
					assert.Equal(t, http.StatusOK, w.status)
					assert.Equal(t, len(body), w.body.Len(), "body bytes")
				}
			}()
			// One stalled client after the other: each starts once the
			// one before it is blocked writing to its client.
			for i := range clients {
				w := newStalledWriter(release)
				started++
				go func() {
					p.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
					done <- w
				}()
				select {
				case <-w.writing:
				case w := <-done:
					done <- w // for the deferred check
					require.Failf(t, "request answered before its client stalled", "request %d: status %d", i, w.status)
				case <-time.After(10 * time.Second):
					require.Failf(t, "request never reached its client", "request %d", i)
				}
			}
			assert.Equal(t, tc.wantConns, accepted.Load(), "upstream connections accepted")
		})
	}
}

// deadlineCounter counts the read deadlines set on a connection.
type deadlineCounter struct {
	net.Conn
	reads int
}

func (c *deadlineCounter) SetReadDeadline(t time.Time) error {
	c.reads++
	return c.Conn.SetReadDeadline(t)
}

// On the slow way, proxy_read_timeout is re-armed for every read only
// when the armed deadline is at least nginx's lazy delay (300 ms) from
// the new one, or has passed: reads in quick succession share one.
func TestSlowReadDeadlineLazy(t *testing.T) {
	proxySide, upstreamSide := net.Pipe()
	defer upstreamSide.Close()
	c := &deadlineCounter{Conn: proxySide}
	uc := newUpstreamConn(c, &peer{name: "p"}, 4096, time.Now())
	defer uc.conn.Close()
	uc.begin(context.Background(), time.Now(), time.Hour, time.Hour, true)
	defer uc.end()
	go func() {
		for range 3 {
			if _, err := upstreamSide.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 1)
	for range 3 {
		_, err := uc.Read(buf)
		require.NoError(t, err)
	}
	assert.Equal(t, 1, c.reads, "read deadlines set for three quick reads")
	// With a timeout under the lazy delay, an armed deadline already
	// past is re-armed, however close to the new one.
	uc.end()
	uc.begin(context.Background(), time.Now(), 200*time.Millisecond, 200*time.Millisecond, true)
	uc.ex.rd = time.Now().Add(-time.Millisecond)
	go func() { _, _ = upstreamSide.Write([]byte("x")) }()
	_, err := uc.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, 2, c.reads, "read deadlines set after the armed one passed")
}

// Waves of concurrent requests never need more upstream connections
// than requests in flight: with keepalive at twice that, every
// connection a wave opened is cached and taken again by the next waves,
// none is dropped on the way.
func TestConcurrentWavesReuseConnections(t *testing.T) {
	const inFlight, waves = 64, 4
	body := strings.Repeat("x", 1<<10)
	addr, accepted := countingBackend(t, body)
	pool := Upstream("app", []Server{{Addr: addr}}, Keepalive(2*inFlight))
	p := MustNew(quiet, pool, Location("/", ProxyPass("http://app"), ProxyHTTPVersion("1.1"),
		ProxySetHeader("Connection", "")))
	defer p.Close()
	for wave := range waves {
		var failed atomic.Int64
		var wg sync.WaitGroup
		for range inFlight {
			wg.Go(func() {
				w := httptest.NewRecorder()
				p.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
				if w.Code != http.StatusOK || w.Body.Len() != len(body) {
					failed.Add(1)
				}
			})
		}
		wg.Wait()
		require.Zero(t, failed.Load(), "wave %d: failed requests", wave)
	}
	assert.LessOrEqual(t, accepted.Load(), int64(inFlight), "upstream connections accepted for %d waves of %d", waves, inFlight)
}
