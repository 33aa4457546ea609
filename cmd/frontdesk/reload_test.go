package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echoBackend answers an Upgrade request with 101 and then echoes every
// byte: an upgraded connection (a WebSocket's) through the proxy.
func echoBackend(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		if rw.Flush() == nil {
			_, _ = io.Copy(c, rw)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// wsLocation proxies /ws to backend with the Upgrade headers passed.
func wsLocation(backend string) string {
	return fmt.Sprintf(`location /ws {
            proxy_pass http://%s;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
        }`, backend)
}

// tunnel is a client's upgraded connection.
type tunnel struct {
	c  net.Conn
	br *bufio.Reader
}

// openTunnel upgrades a connection to the server's /ws.
func openTunnel(t *testing.T, port int) *tunnel {
	t.Helper()
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(waitTimeout)))
	_, err = io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(c)
	resp, err := rawhttp.ReadResponse(br, "GET")
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.Status)
	return &tunnel{c, br}
}

// echo sends msg through the tunnel and returns what comes back.
func (tn *tunnel) echo(msg string) (string, error) {
	if err := tn.c.SetDeadline(time.Now().Add(waitTimeout)); err != nil {
		return "", err
	}
	if _, err := io.WriteString(tn.c, msg+"\n"); err != nil {
		return "", err
	}
	line, err := tn.br.ReadString('\n')
	return strings.TrimSuffix(line, "\n"), err
}

// TestReloadUnderLoad: clients keep requesting, on keep-alive and on
// fresh connections, through several reloads. Every request is
// answered, and each client sees the configurations in order, never an
// older one after a newer.
func TestReloadUnderLoad(t *testing.T) {
	const reloads, clients, perClient = 5, 4, 4000
	s := startServer(t, `location / { return 200 "0"; }`)

	type stats struct {
		answers []int
		errs    []error
		slowest time.Duration
	}
	stop := make(chan struct{})
	results := make([]stats, clients)
	var wg sync.WaitGroup
	for i := range clients {
		// Odd clients open a connection per request: their requests
		// meet the reload at accept time.
		tr := &http.Transport{DisableKeepAlives: i%2 == 1}
		c := &http.Client{Transport: tr, Timeout: waitTimeout}
		wg.Go(func() {
			defer tr.CloseIdleConnections()
			st := &results[i]
			for range perClient {
				// A request that began before the last reload may still
				// end on the old configuration: stop once this client
				// too has seen the last one.
				select {
				case <-stop:
					if n := len(st.answers); n > 0 && st.answers[n-1] == reloads {
						return
					}
				default:
				}
				began := time.Now()
				body, err := func() (string, error) {
					resp, err := c.Get(s.url("/"))
					if err != nil {
						return "", err
					}
					defer resp.Body.Close()
					b, err := io.ReadAll(resp.Body)
					return string(b), err
				}()
				st.slowest = max(st.slowest, time.Since(began))
				n, convErr := strconv.Atoi(body)
				if err == nil && convErr != nil {
					err = fmt.Errorf("unexpected body %q", body)
				}
				if err != nil {
					st.errs = append(st.errs, err)
					continue
				}
				st.answers = append(st.answers, n)
			}
		})
	}
	var reloadTimes []time.Duration
	for gen := 1; gen <= reloads; gen++ {
		s.rewrite(t, processConf(s.port, fmt.Sprintf(`location / { return 200 "%d"; }`, gen)))
		began := time.Now()
		s.signal(t, "reload")
		eventually(t, fmt.Sprintf("configuration %d", gen), func() bool {
			b, _ := get(s.url("/"))
			return b == strconv.Itoa(gen)
		})
		reloadTimes = append(reloadTimes, time.Since(began))
	}
	close(stop)
	wg.Wait()

	total := 0
	var slowest time.Duration
	for i, st := range results {
		assert.Empty(t, st.errs, "client %d: every request answered", i)
		assert.True(t, slices.IsSorted(st.answers), "client %d: configurations in order, old then new", i)
		require.NotEmpty(t, st.answers)
		assert.Equal(t, reloads, st.answers[len(st.answers)-1], "client %d ends on the last configuration", i)
		total += len(st.answers)
		slowest = max(slowest, st.slowest)
	}
	t.Logf("reload under load: %d clients, %d reloads, %d requests answered, 0 lost; slowest request %v; -s reload to new configuration answering: %v",
		clients, reloads, total, slowest, reloadTimes)
	s.signal(t, "quit")
	assert.Equal(t, 0, s.waitExit(t))
}

// TestReloadKeepsWebSocket: an upgraded connection opened before a
// reload keeps working after it, while new requests get the new
// configuration.
func TestReloadKeepsWebSocket(t *testing.T) {
	backend := echoBackend(t)
	s := startServer(t, wsLocation(backend)+`location / { return 200 "one"; }`)
	tn := openTunnel(t, s.port)
	got, err := tn.echo("before")
	require.NoError(t, err)
	require.Equal(t, "before", got)

	s.rewrite(t, processConf(s.port, `location / { return 200 "two"; }`))
	s.signal(t, "reload")
	eventually(t, "new configuration", func() bool {
		b, _ := get(s.url("/"))
		return b == "two"
	})
	got, err = tn.echo("after")
	require.NoError(t, err)
	assert.Equal(t, "after", got, "the tunnel outlives its configuration")
	// The new configuration has no /ws: new upgrades meet it.
	b, err := get(s.url("/ws"))
	require.NoError(t, err)
	assert.Equal(t, "two", b)

	s.signal(t, "stop")
	assert.Equal(t, 0, s.waitExit(t))
}

// TestQuitWaitsForWebSocket: QUIT closes the listener but, as nginx's
// graceful shutdown, keeps an upgraded connection, opened before or
// after a reload, until it closes; only then does the process exit.
// worker_shutdown_timeout bounds the wait. Both servers a listener may
// run: the loop, and net/http (FRONTDESK_SERVER=net/http), which forgets hijacked
// connections on Shutdown.
func TestQuitWaitsForWebSocket(t *testing.T) {
	for _, server := range []string{"h1server", "net/http"} {
		t.Run(server, func(t *testing.T) {
			quitWaitsForWebSocket(t, []string{serverEnv + "=" + server})
		})
	}
}

func quitWaitsForWebSocket(t *testing.T, env []string) {
	backend := echoBackend(t)
	s := startServerEnv(t, env, wsLocation(backend)+`location / { return 200 "one"; }`)
	old := openTunnel(t, s.port)
	// A reload retires the tunnel's configuration; the next tunnel is
	// on the new one.
	s.rewrite(t, processConf(s.port, wsLocation(backend)+`location / { return 200 "two"; }`))
	s.signal(t, "reload")
	eventually(t, "new configuration", func() bool {
		b, _ := get(s.url("/"))
		return b == "two"
	})
	cur := openTunnel(t, s.port)

	s.signal(t, "quit")
	eventually(t, "listener closed", func() bool {
		_, err := get(s.url("/"))
		return err != nil
	})
	for name, tn := range map[string]*tunnel{"old": old, "current": cur} {
		got, err := tn.echo("still " + name)
		require.NoError(t, err, name)
		assert.Equal(t, "still "+name, got)
	}
	require.NoError(t, cur.c.Close())
	got, err := old.echo("last")
	require.NoError(t, err, "one tunnel closed, the other still served")
	assert.Equal(t, "last", got)
	require.NoError(t, old.c.Close())
	assert.Equal(t, 0, s.waitExit(t))
	assert.NoFileExists(t, s.pidFile())

	t.Run("worker_shutdown_timeout", func(t *testing.T) {
		s := startServerEnv(t, env, wsLocation(backend)+`location / { return 200 "one"; }`)
		s.rewrite(t, strings.Replace(processConf(s.port, wsLocation(backend)), "daemon off;", "daemon off;\nworker_shutdown_timeout 1s;", 1))
		s.signal(t, "reload")
		eventually(t, "reloaded", func() bool {
			_, err := get(s.url("/"))
			return err == nil && strings.Contains(s.errorLog(), "reconfiguring done")
		})
		tn := openTunnel(t, s.port)
		began := time.Now()
		s.signal(t, "quit")
		assert.Equal(t, 0, s.waitExit(t))
		_, err := tn.echo("cut")
		assert.Error(t, err, "the tunnel is closed when the timeout ends the wait")
		assert.GreaterOrEqual(t, time.Since(began), time.Second, "not before the timeout")
	})
}
