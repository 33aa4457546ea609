package frontdesk

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// restartable is a loopback backend that can be killed and started again
// on the same address.
type restartable struct {
	t    testing.TB
	name string
	addr string
	mu   sync.Mutex
	srv  *http.Server
	done chan struct{}
}

func newRestartable(t testing.TB, name string) *restartable {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	b := &restartable{t: t, name: name, addr: ln.Addr().String()}
	b.serve(ln)
	t.Cleanup(b.kill)
	return b
}

func (b *restartable) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, b.name)
	})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	b.mu.Lock()
	b.srv, b.done = srv, done
	b.mu.Unlock()
}

func (b *restartable) kill() {
	b.mu.Lock()
	srv, done := b.srv, b.done
	b.srv = nil
	b.mu.Unlock()
	if srv != nil {
		srv.Close()
		<-done
	}
}

func (b *restartable) start() bool {
	ln, err := net.Listen("tcp", b.addr)
	if err != nil {
		return false // the port was taken meanwhile; stay down
	}
	b.serve(ln)
	return true
}

// TestFailoverUnderLoad kills and restarts backends while a bounded load
// runs: every request must be answered by a live backend or with 502, and
// nothing may leak.
func TestFailoverUnderLoad(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a, b := newRestartable(t, "a"), newRestartable(t, "b")
	// max_fails=0: with nginx's default a single refused connection takes
	// a server out for 10 s, and both could be out at once; this test is
	// about failing over, not ejection (TestFailTimeoutStateMachine).
	pool := Upstream("app", []Server{{Addr: a.addr, MaxFails: Unlimited}, {Addr: b.addr, MaxFails: Unlimited}}, Keepalive(8))
	p := MustNew(pool, Location("/", ProxyPass("http://app"), ProxyHTTPVersion("1.1"), ProxySetHeader("Connection", "")), quiet)
	front := httptest.NewServer(p)
	client := &http.Client{Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	results := make(chan string, 8*50)
	served := make(chan struct{})
	var once sync.Once
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				resp, err := client.Get(front.URL + "/x")
				if err != nil {
					results <- "transport error: " + err.Error()
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					results <- "body error: " + err.Error()
					continue
				}
				if resp.StatusCode == http.StatusOK {
					once.Do(func() { close(served) })
				}
				results <- fmt.Sprintf("%d %s", resp.StatusCode, body)
			}
		}()
	}
	// Start killing once the load is flowing.
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("no request succeeded before the backends were killed")
	}
	for i := 0; i < 6; i++ {
		victim := a
		if i%2 == 1 {
			victim = b
		}
		victim.kill()
		victim.start()
	}
	wg.Wait()
	close(results)
	counts := map[string]int{}
	for r := range results {
		counts[r]++
	}
	for r := range counts {
		switch {
		case r == "200 a", r == "200 b":
		case len(r) > 3 && r[:3] == "502":
		default:
			t.Errorf("unexpected outcome %q (%d times)", r, counts[r])
		}
	}
	assert.Positive(t, counts["200 a"]+counts["200 b"])
	front.Close()
	client.CloseIdleConnections()
	require.NoError(t, p.Close())
	a.kill()
	b.kill()
}

// TestSetServersWhileServing swaps the pool under load: no request fails
// and the new servers take over.
func TestSetServersWhileServing(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a, b := newRestartable(t, "a"), newRestartable(t, "b")
	pool := Upstream("app", []Server{{Addr: a.addr}})
	p := MustNew(pool, Location("/", pool), quiet)
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]int{}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				rec := httptest.NewRecorder()
				p.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
				mu.Lock()
				seen[fmt.Sprintf("%d %s", rec.Code, rec.Body)]++
				mu.Unlock()
			}
		}()
	}
	require.NoError(t, pool.SetServers([]Server{{Addr: a.addr}, {Addr: b.addr}}))
	require.NoError(t, pool.SetServers([]Server{{Addr: a.addr, Down: true}, {Addr: b.addr}}))
	wg.Wait()
	for k := range seen {
		assert.Contains(t, []string{"200 a", "200 b"}, k)
	}
	state, err := pool.State()
	require.NoError(t, err)
	require.Len(t, state, 2)
	assert.Equal(t, a.addr, state[0].Addr)
	assert.True(t, state[0].Down)
	assert.False(t, state[0].Available)
	assert.True(t, state[1].Available)
	assert.Zero(t, state[1].Conns)

	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, "b", rec.Body.String(), "the drained server gets no new requests")
	assert.Error(t, pool.SetServers(nil))
	require.NoError(t, p.Close())
	a.kill()
	b.kill()
}

func TestNoLiveUpstreams(t *testing.T) {
	pool := Upstream("app", []Server{{Addr: "127.0.0.1:1", Down: true}, {Addr: "127.0.0.1:2", Down: true}})
	var upstreamAddr string
	p := MustNew(pool, Location("/", pool), quiet, Observe(func(i RequestInfo) { upstreamAddr, _ = i.Variable("upstream_addr") }))
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, http.StatusBadGateway, rec.Code)
	assert.Equal(t, "app", upstreamAddr, "$upstream_addr names the group when no peer is live")
}

// TestProfileNginx130 checks nginx 1.29.7's defaults: HTTP/1.1 upstream
// requests without a Connection header, and idle connections kept for an
// upstream block without keepalive.
func TestProfileNginx130(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	heads := make(chan string, 4)
	conns := make(chan struct{}, 4)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					heads <- string(buf[:n])
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				}
			}()
		}
	}()
	pool := Upstream("app", []Server{{Addr: ln.Addr().String()}})
	p := MustNew(quiet, Profile(Nginx130), pool, Location("/", pool))
	for i := 0; i < 2; i++ {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
		require.Equal(t, "ok", rec.Body.String())
	}
	first := <-heads
	assert.True(t, strings.HasPrefix(first, "GET /x HTTP/1.1\r\nHost: app\r\n"), first)
	assert.NotContains(t, first, "Connection")
	<-heads
	assert.Len(t, conns, 1, "the second request reused the first connection")
	require.NoError(t, p.Close())
	ln.Close()
	wg.Wait()

	_, err = New(Profile(NginxProfile(7)))
	assert.ErrorContains(t, err, "unknown profile")
}

func TestObserveCallbacksAllRun(t *testing.T) {
	var got []string
	p := MustNew(quiet, Location("/", Return(204, "")),
		Observe(func(i RequestInfo) { got = append(got, "first "+i.URI()) }),
		Observe(func(i RequestInfo) { got = append(got, fmt.Sprint("second ", i.Status())) }))
	p.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
	assert.Equal(t, []string{"first /x", "second 204"}, got)
}

// A client that leaves while the upstream is still working is not the
// upstream's failure: nginx frees the peer as successful (found by the
// load harness, where wrk closing its connections took both peers out).
func TestClientAbortIsNotAPeerFailure(t *testing.T) {
	accepted := make(chan struct{})
	addr := oneConnUpstream(t, func(c net.Conn) {
		close(accepted)
		_, _ = io.Copy(io.Discard, c) // hold the request: never answer
	})
	pool := Upstream("app", []Server{{Addr: addr}, {Addr: "127.0.0.1:1", Down: true}})
	p := MustNew(quiet, pool, Location("/", pool))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	}()
	<-accepted
	cancel()
	<-done
	state, err := pool.State()
	require.NoError(t, err)
	assert.Zero(t, state[0].Fails)
	assert.True(t, state[0].Available)
	require.NoError(t, p.Close())
}
