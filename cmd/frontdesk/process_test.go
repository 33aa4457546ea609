package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// server is a frontdesk started on a prefix with processConf.
type server struct {
	*proc
	dir  string
	port int
	pid  int
}

func startServer(t *testing.T, body string) *server {
	t.Helper()
	return startServerEnv(t, nil, body)
}

// startServerEnv is startServer with env added to the environment.
func startServerEnv(t *testing.T, env []string, body string) *server {
	t.Helper()
	s := &server{dir: t.TempDir(), port: freePort(t)}
	writeFile(t, filepath.Join(s.dir, "conf/nginx.conf"), processConf(s.port, body))
	require.NoError(t, os.MkdirAll(filepath.Join(s.dir, "logs"), 0o755))
	s.proc = start(t, env, s.args()...)
	s.pid = waitPid(t, s.pidFile())
	assert.Equal(t, s.cmd.Process.Pid, s.pid, "daemon off: the pid file holds the started process")
	return s
}

func (s *server) args(extra ...string) []string {
	return append([]string{"-p", s.dir + "/", "-c", "conf/nginx.conf", "-e", "logs/error.log"}, extra...)
}

func (s *server) pidFile() string { return filepath.Join(s.dir, "logs/nginx.pid") }
func (s *server) url(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", s.port, path)
}
func (s *server) errorLog() string { return readFile(filepath.Join(s.dir, "logs/error.log")) }

// signal is `frontdesk -s name` with the server's command line.
func (s *server) signal(t *testing.T, name string) {
	t.Helper()
	r := runBinary(t, "", s.args("-s", name)...)
	require.Equal(t, 0, r.code, r.stderr)
}

func (s *server) rewrite(t *testing.T, conf string) {
	t.Helper()
	writeFile(t, filepath.Join(s.dir, "conf/nginx.conf"), conf)
}

// TestQuitDrainsInFlight: QUIT stops accepting but lets a request in
// flight finish; then the process exits 0 and removes its pid file.
func TestQuitDrainsInFlight(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		fmt.Fprint(w, "slow done")
	}))
	defer backend.Close()
	s := startServer(t, fmt.Sprintf("location / { proxy_pass http://%s; }", backend.Listener.Addr()))

	type reply struct {
		body string
		err  error
	}
	done := make(chan reply, 1)
	go func() {
		b, err := get(s.url("/slow"))
		done <- reply{b, err}
	}()
	<-arrived
	s.signal(t, "quit")
	// The listener closes before the in-flight request is done.
	eventually(t, "listener closed", func() bool {
		_, err := get(s.url("/"))
		return err != nil
	})
	close(release)
	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, "slow done", r.body)
	assert.Equal(t, 0, s.waitExit(t))
	assert.NoFileExists(t, s.pidFile())
	assert.Contains(t, s.errorLog(), "gracefully shutting down")
}

// TestReload: HUP switches to the new configuration, binds a new listen
// address and closes a removed one; a bad configuration keeps the
// running one serving and logs why.
func TestReload(t *testing.T) {
	s := startServer(t, `location / { return 200 "one"; }`)
	body, err := get(s.url("/"))
	require.NoError(t, err)
	require.Equal(t, "one", body)

	// A client keeps sending requests on one keep-alive connection
	// through the reload: every one is answered, by the old
	// configuration and then by the new one, never back.
	stop, seen, first := make(chan struct{}), make(chan []string, 1), make(chan struct{})
	go func() {
		c := &http.Client{Timeout: waitTimeout}
		var got []string
		defer func() { seen <- got }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := func() (string, error) {
				resp, err := c.Get(s.url("/"))
				if err != nil {
					return "", err
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				return string(b), err
			}()
			if err != nil {
				b = "error: " + err.Error()
			}
			got = append(got, b)
			if len(got) == 1 {
				close(first)
			}
		}
	}()
	<-first

	port2 := freePort(t)
	s.rewrite(t, processConf(s.port, fmt.Sprintf(`listen 127.0.0.1:%d; location / { return 200 "two"; }`, port2)))
	began := time.Now()
	s.signal(t, "reload")
	eventually(t, "new configuration", func() bool {
		b, _ := get(s.url("/"))
		return b == "two"
	})
	t.Logf("reload: new configuration answering %v after -s reload", time.Since(began))
	close(stop)
	answers := <-seen
	switched := slices.Index(answers, "two")
	require.GreaterOrEqual(t, switched, 0, "the client saw the new configuration")
	assert.Equal(t, []string{"one"}, slices.Compact(slices.Clone(answers[:switched])), "before the switch")
	assert.Equal(t, []string{"two"}, slices.Compact(slices.Clone(answers[switched:])), "after the switch")
	t.Logf("reload under load: %d requests on one keep-alive connection, none lost", len(answers))
	body, err = get(fmt.Sprintf("http://127.0.0.1:%d/", port2))
	require.NoError(t, err)
	assert.Equal(t, "two", body, "added listener")

	s.rewrite(t, processConf(s.port, "bogus;"))
	// -s reload itself refuses the bad file, as nginx -s does: signal
	// directly.
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGHUP))
	eventually(t, "reload failure logged", func() bool {
		return strings.Contains(s.errorLog(), `[emerg]`)
	})
	assert.Regexp(t, `\[emerg\] \d+#\d+: unknown directive "bogus" in `+regexp.QuoteMeta(s.dir)+`/conf/nginx.conf:10`, s.errorLog())
	body, err = get(s.url("/"))
	require.NoError(t, err)
	assert.Equal(t, "two", body, "a bad configuration keeps the old one serving")

	s.rewrite(t, processConf(s.port, `location / { return 200 "three"; }`))
	s.signal(t, "reload")
	eventually(t, "removed listener closed", func() bool {
		_, err := get(fmt.Sprintf("http://127.0.0.1:%d/", port2))
		return err != nil
	})
	body, err = get(s.url("/"))
	require.NoError(t, err)
	assert.Equal(t, "three", body)

	s.signal(t, "stop")
	assert.Equal(t, 0, s.waitExit(t))
	assert.NoFileExists(t, s.pidFile())
}

// TestReopen: USR1 (-s reopen) opens the log files again, so a rotated
// log is recreated.
func TestReopen(t *testing.T) {
	s := startServer(t, `location / { return 200 "ok"; }`)
	access := filepath.Join(s.dir, "logs/access.log")
	_, err := get(s.url("/before"))
	require.NoError(t, err)
	eventually(t, "access log line", func() bool { return strings.Contains(readFile(access), "/before") })
	require.NoError(t, os.Rename(access, access+".1"))
	s.signal(t, "reopen")
	eventually(t, "reopened log", func() bool {
		_, _ = get(s.url("/after"))
		return strings.Contains(readFile(access), "/after")
	})
	assert.NotContains(t, readFile(access), "/before")
	assert.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	assert.Equal(t, 0, s.waitExit(t))
}

// TestDaemon: with "daemon on" the started process exits 0 once the
// sockets are bound; the detached copy writes its own pid, serves, and
// stops on -s stop.
func TestDaemon(t *testing.T) {
	dir, port := t.TempDir(), freePort(t)
	conf := strings.Replace(processConf(port, `location / { return 200 "daemon"; }`), "daemon off;", "daemon on;", 1)
	writeFile(t, filepath.Join(dir, "conf/nginx.conf"), conf)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "logs"), 0o755))
	args := []string{"-p", dir + "/", "-c", "conf/nginx.conf", "-e", "logs/error.log"}
	r := runBinary(t, "", args...)
	require.Equal(t, 0, r.code, r.stderr)
	pidFile := filepath.Join(dir, "logs/nginx.pid")
	pid := waitPid(t, pidFile)
	t.Cleanup(func() {
		// The daemon is not our child: kill it by its pid if the test
		// failed before stopping it.
		if alive(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	body, err := get(fmt.Sprintf("http://127.0.0.1:%d/", port))
	require.NoError(t, err)
	assert.Equal(t, "daemon", body)
	r = runBinary(t, "", append(args, "-s", "stop")...)
	require.Equal(t, 0, r.code, r.stderr)
	eventually(t, "pid file removed", func() bool {
		_, err := os.Stat(pidFile)
		return os.IsNotExist(err)
	})
	eventually(t, "daemon exit", func() bool { return !alive(pid) })
}

// timeField is the [$time_local] of a combined line.
var timeField = regexp.MustCompile(`\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]`)

// TestAccessLogMatchesNginx runs the nginx.conf internal/nginxtest gives
// nginx through frontdesk, with nginx's command line, and compares the
// "combined" lines both write for the same requests.
func TestAccessLogMatchesNginx(t *testing.T) {
	const body = `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { return 200 "hi\n"; }
        location /missing { return 404; }
    }`
	ng := nginxtest.Start(t, body)

	dir, port := t.TempDir(), freePort(t)
	writeFile(t, filepath.Join(dir, "nginx.conf"), nginxtest.Render(body, []int{port}, dir))
	p := start(t, nil, "-p", dir+"/", "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	waitPid(t, filepath.Join(dir, "nginx.pid"))

	requests := []string{
		"GET /a?b=1 HTTP/1.1\r\nHost: x\r\nReferer: http://r/\r\nUser-Agent: ua \"quoted\"\r\nConnection: close\r\n\r\n",
		"HEAD / HTTP/1.0\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n",
		"GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	}
	logs := func(addr, path string) string {
		for _, rq := range requests {
			_, err := rawhttp.Do(t.Context(), addr, []byte(rq))
			require.NoError(t, err)
		}
		var text string
		eventually(t, "access log lines", func() bool {
			text = readFile(path)
			return strings.Count(text, "\n") == len(requests)
		})
		return timeField.ReplaceAllString(text, "[TIME]")
	}
	want := logs(ng.Addr, filepath.Join(ng.Dir, "access.log"))
	got := logs(fmt.Sprintf("127.0.0.1:%d", port), filepath.Join(dir, "access.log"))
	assert.Equal(t, want, got)
	assert.NoError(t, p.cmd.Process.Signal(syscall.SIGQUIT))
	assert.Equal(t, 0, p.waitExit(t))
}

// alive reports whether pid runs: it exists and is not a zombie (the
// detached daemon's parent is init, which in a container may not reap).
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}
