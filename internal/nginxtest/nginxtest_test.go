package nginxtest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
)

// TestMain fails the run if any nginx started by these tests is still alive
// afterwards: the package's promise is that no test leaves a process behind.
func TestMain(m *testing.M) {
	code := m.Run()
	if left := nginxChildren(); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "nginxtest: nginx processes left behind: %v\n", left)
		code = 1
	}
	os.Exit(code)
}

// nginxChildren lists the nginx processes whose parent is this test binary,
// read from /proc (nil where there is no /proc).
func nginxChildren() []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var pids []int
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // exited meanwhile
		}
		// "pid (comm) state ppid ...": comm may contain spaces, so split
		// after its closing parenthesis.
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if s[open+1:end] != "nginx" || len(fields) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid == os.Getpid() {
			pid, _ := strconv.Atoi(strings.TrimSpace(s[:open]))
			pids = append(pids, pid)
		}
	}
	return pids
}

const helloConf = `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { return 200 "hello"; }
    }`

func get(t *testing.T, addr, target string, headers ...string) *rawhttp.Response {
	t.Helper()
	resp, err := rawhttp.Do(t.Context(), addr, rawhttp.Request("GET", target, headers...))
	require.NoError(t, err)
	return resp
}

func TestStart(t *testing.T) {
	t.Parallel()
	srv := Start(t, helloConf)

	resp := get(t, srv.Addr, "/")
	assert.Equal(t, 200, resp.Status)
	assert.Equal(t, "hello", string(resp.Body))
	assert.True(t, strings.HasPrefix(resp.Get("Server"), "nginx/"), "Server: %q", resp.Get("Server"))

	require.Len(t, srv.Ports, 1)
	assert.Equal(t, fmt.Sprintf("127.0.0.1:%d", srv.Ports[0]), srv.Addr)
	assert.Contains(t, srv.Conf, fmt.Sprintf("listen 127.0.0.1:%d;", srv.Ports[0]))
	onDisk, err := os.ReadFile(filepath.Join(srv.Dir, "nginx.conf"))
	require.NoError(t, err)
	assert.Equal(t, srv.Conf, string(onDisk))
	assert.DirExists(t, filepath.Join(srv.Dir, "proxy_temp"), "temp paths live in the prefix directory")

	// The log phase runs after the response is sent: poll, bounded.
	assert.Eventually(t, func() bool {
		return strings.Contains(srv.AccessLog(), `"GET / HTTP/1.0" 200 5`)
	}, 5*time.Second, 10*time.Millisecond, "access log: %q", srv.AccessLog())
	assert.Contains(t, srv.ErrorLog(), "[notice]", "error log at level info")
}

func TestStartInParallel(t *testing.T) {
	t.Parallel()
	addrs := make(chan string, 2)
	for _, name := range []string{"a", "b"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := Start(t, `server { listen 127.0.0.1:{{PORT}}; return 200 "`+name+`"; }`)
			addrs <- srv.Addr
			assert.Equal(t, name, string(get(t, srv.Addr, "/").Body))
		})
	}
	t.Cleanup(func() {
		close(addrs)
		var seen []string
		for a := range addrs {
			seen = append(seen, a)
		}
		if len(seen) == 2 {
			assert.NotEqual(t, seen[0], seen[1])
		}
	})
}

func TestStartWithPortsAndDataDir(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(data, "file.txt"), []byte("from disk\n"), 0o600))
	srv := StartWith(t, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { root {{DIR}}; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        return 200 "second";
    }`, Options{DataDir: data, Ports: 3})

	require.Len(t, srv.Ports, 3, "Options.Ports is a minimum")
	assert.Equal(t, data, srv.DataDir)
	assert.Contains(t, srv.Conf, "root "+data+";")

	resp := get(t, srv.Addr, "/file.txt")
	assert.Equal(t, 200, resp.Status)
	assert.Equal(t, "from disk\n", string(resp.Body))

	resp = get(t, fmt.Sprintf("127.0.0.1:%d", srv.Ports[1]), "/")
	assert.Equal(t, "second", string(resp.Body))
}

func TestLaunchConfigError(t *testing.T) {
	t.Parallel()
	Require(t)
	s, err := Launch(`bogus_directive on;`, Options{})
	require.Error(t, err)
	assert.Nil(t, s)
	assert.ErrorContains(t, err, `unknown directive "bogus_directive"`)
	assert.ErrorContains(t, err, "--- nginx stderr ---")
	dir := errDir(t, err)
	assert.NoDirExists(t, dir, "Launch removes the directory it created")
}

// errDir extracts the prefix directory from the error log path Launch quotes.
func errDir(t *testing.T, err error) string {
	t.Helper()
	_, rest, ok := strings.Cut(err.Error(), "--- /")
	require.True(t, ok, "error names the error log: %v", err)
	path, _, _ := strings.Cut(rest, " ---")
	return filepath.Dir("/" + path)
}

func TestLaunchStartTimeout(t *testing.T) {
	t.Parallel()
	Require(t)
	// A timeout too short for any nginx: Launch must give up, and kill it.
	s, err := Launch(helloConf, Options{StartTimeout: time.Nanosecond})
	if err == nil { // nginx beat a 1ns timer after all
		require.NoError(t, s.Stop())
		t.Skip("nginx started within the timeout")
	}
	assert.ErrorContains(t, err, "not ready after")
}

// fakeTB records what StartWith and Require report instead of ending the
// test; everything else goes to the real test.
type fakeTB struct {
	testing.TB
	mu          sync.Mutex
	fatal, skip string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) record(into *string, msg string) {
	f.mu.Lock()
	*into = msg
	f.mu.Unlock()
	runtime.Goexit() // as the real Fatal and Skip do
}

func (f *fakeTB) Fatal(args ...any)                 { f.record(&f.fatal, fmt.Sprint(args...)) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.record(&f.fatal, fmt.Sprintf(format, args...)) }
func (f *fakeTB) Skip(args ...any)                  { f.record(&f.skip, fmt.Sprint(args...)) }
func (f *fakeTB) Skipf(format string, args ...any)  { f.record(&f.skip, fmt.Sprintf(format, args...)) }

// runTB runs fn on its own goroutine, since fakeTB's Fatal and Skip end it.
func runTB(f *fakeTB, fn func(testing.TB)) (fatal, skip string) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fatal, f.skip
}

func TestStartFailsTestWithNginxMessage(t *testing.T) {
	t.Parallel()
	Require(t)
	var srv *Server
	fatal, _ := runTB(&fakeTB{TB: t}, func(tb testing.TB) {
		srv = Start(tb, `server { listen 127.0.0.1:{{PORT}}; return 200 "missing semicolon" }`)
	})
	assert.Nil(t, srv)
	assert.Contains(t, fatal, `unexpected "}"`)
	assert.Contains(t, fatal, "nginx.conf:")
}

// Not parallel: it changes the environment.
func TestRequire(t *testing.T) {
	t.Setenv(BinaryEnv, "/nonexistent/nginx")

	t.Setenv(RequireEnv, "")
	fatal, skip := runTB(&fakeTB{TB: t}, Require)
	assert.Empty(t, fatal)
	assert.Contains(t, skip, "nginx not installed")

	t.Setenv(RequireEnv, "1")
	fatal, skip = runTB(&fakeTB{TB: t}, func(tb testing.TB) { Start(tb, helloConf) })
	assert.Empty(t, skip)
	assert.Contains(t, fatal, "nginx not installed")
	assert.Contains(t, fatal, RequireEnv+"=1")

	_, err := Launch(helloConf, Options{})
	assert.ErrorIs(t, err, ErrNotInstalled)
}

func TestLaunchRetriesWhenPortTaken(t *testing.T) {
	t.Parallel()
	Require(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port

	calls := 0
	alloc := func(n int) ([]int, error) {
		calls++
		if calls == 1 { // someone else got there first
			return []int{takenPort}, nil
		}
		return freePorts(n)
	}
	start := time.Now()
	s, err := launch(helloConf, Options{}, alloc)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Stop()) })

	assert.Equal(t, 2, calls)
	assert.NotEqual(t, takenPort, s.Ports[0])
	// nginx itself would retry bind() for 2.5s before exiting.
	assert.Less(t, time.Since(start), 2*time.Second, "Launch waited for nginx's own bind retries")
	assert.Equal(t, "hello", string(get(t, s.Addr, "/").Body))
}

func TestLaunchGivesUpWhenPortStaysTaken(t *testing.T) {
	t.Parallel()
	Require(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	calls := 0
	alloc := func(int) ([]int, error) {
		calls++
		return []int{taken.Addr().(*net.TCPAddr).Port}, nil
	}
	_, err = launch(helloConf, Options{}, alloc)
	assert.ErrorIs(t, err, errAddrInUse)
	assert.ErrorContains(t, err, "Address already in use")
	assert.Equal(t, maxAttempts, calls)
}

func TestStop(t *testing.T) {
	t.Parallel()
	Require(t)
	s, err := Launch(helloConf, Options{})
	require.NoError(t, err)
	assert.DirExists(t, s.Dir)
	assert.Contains(t, nginxChildren(), s.cmd.Process.Pid, "TestMain's leak check sees nginx")

	require.NoError(t, s.Stop())
	assert.NotContains(t, nginxChildren(), s.cmd.Process.Pid)
	assert.NoError(t, s.Stop(), "Stop is idempotent")
	assert.True(t, s.cmd.ProcessState.Exited(), "nginx exited by itself on SIGTERM")
	assert.NoDirExists(t, s.Dir, "Stop removes the directory Launch created")
	_, err = net.DialTimeout("tcp", s.Addr, time.Second)
	assert.Error(t, err, "nothing listens any more")
}

func TestStopReportsEarlyExit(t *testing.T) {
	t.Parallel()
	Require(t)
	s, err := Launch(helloConf, Options{Dir: t.TempDir()})
	require.NoError(t, err)
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGKILL))
	<-s.exited

	err = s.Stop()
	assert.ErrorContains(t, err, "exited before Stop")
	assert.ErrorContains(t, err, "killed")
	assert.DirExists(t, s.Dir, "a caller's Dir is left alone")
}

func TestSubstitute(t *testing.T) {
	t.Parallel()
	conf := "listen {{PORT}}; listen {{PORT1}}; listen {{PORT2}}; listen {{PORT10}}; root {{DIR}}/x; {{OTHER}} {{PORT0}}"
	assert.Equal(t,
		"listen 81; listen 81; listen 82; listen {{PORT10}}; root /d/x; {{OTHER}} {{PORT0}}",
		Substitute(conf, []int{81, 82}, "/d"))
	assert.Equal(t, 10, PortsNeeded(conf))
	assert.Equal(t, 1, PortsNeeded("listen {{PORT}};"))
	assert.Equal(t, 0, PortsNeeded("root {{DIR}};"))
	assert.Equal(t, "{{PORT99999999999999999999}}", Substitute("{{PORT99999999999999999999}}", []int{1}, ""))
}

func TestRender(t *testing.T) {
	t.Parallel()
	conf := Render("server { listen 127.0.0.1:{{PORT}}; root {{DIR}}; }", []int{8080}, "/data")
	for _, want := range []string{
		"daemon off;\n", "master_process off;\n", "error_log error.log info;\n", "pid nginx.pid;\n",
		"events {\n    worker_connections 1024;\n}",
		"proxy_temp_path proxy_temp;", "client_body_temp_path client_body_temp;",
		"fastcgi_temp_path fastcgi_temp;", "uwsgi_temp_path uwsgi_temp;", "scgi_temp_path scgi_temp;",
		"access_log access.log;",
		"server { listen 127.0.0.1:8080; root /data; }",
	} {
		assert.Containsf(t, conf, want, "rendered conf:\n%s", conf)
	}
	assert.Equal(t, os.Geteuid() == 0, strings.Contains(conf, "user root root;\n"))
	assert.NotContains(t, conf, "/var/", "nothing outside the prefix directory")
}

func TestBinary(t *testing.T) {
	t.Setenv(BinaryEnv, "")
	path, ok := Binary()
	if !ok {
		t.Skip("no nginx here")
	}
	assert.True(t, filepath.IsAbs(path) || strings.Contains(path, string(filepath.Separator)), path)

	t.Setenv(BinaryEnv, path)
	got, ok := Binary()
	assert.True(t, ok)
	assert.Equal(t, path, got)

	t.Setenv(BinaryEnv, t.TempDir()) // a directory is not a binary
	_, ok = Binary()
	assert.False(t, ok)
}

// rawhttp against the real thing: keep-alive, HEAD and a chunked response on
// one connection.
func TestRawHTTPAgainstNginx(t *testing.T) {
	t.Parallel()
	srv := Start(t, `
    server {
        listen 127.0.0.1:{{PORT}};
        location = /text { return 200 "0123456789"; }
        location = /gz {
            gzip on; gzip_min_length 1; gzip_types text/plain;
            return 200 "compressed";
        }
    }`)
	conn, err := rawhttp.Dial(t.Context(), srv.Addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write(append(append(
		rawhttp.Request11("HEAD", "/text"),
		rawhttp.Request11("GET", "/gz", "Accept-Encoding: gzip")...),
		rawhttp.Request11("GET", "/text", "Connection: close")...))
	require.NoError(t, err)

	br := bufio.NewReader(conn)
	head, err := rawhttp.ReadResponse(br, "HEAD")
	require.NoError(t, err)
	assert.Equal(t, "10", head.Get("Content-Length"))
	assert.Empty(t, head.Body)

	gz, err := rawhttp.ReadResponse(br, "GET")
	require.NoError(t, err)
	assert.True(t, gz.Chunked, "nginx streams a gzipped body chunked")
	assert.Equal(t, "gzip", gz.Get("Content-Encoding"))
	assert.NotEmpty(t, gz.Body)

	last, err := rawhttp.ReadResponse(br, "GET")
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(last.Body))
	assert.Equal(t, "close", last.Get("Connection"))
	_, err = rawhttp.ReadResponse(br, "GET")
	assert.ErrorIs(t, err, io.EOF, "nginx closed the connection")
}

// TestPidReady: with PidReady, Launch returns once the pid file holds the
// process's pid (the server answers then), and Stop checks the file is
// removed; Env reaches the process.
func TestPidReady(t *testing.T) {
	t.Parallel()
	Require(t)
	srv, err := Launch(helloConf, Options{PidReady: true, Env: []string{"NGINXTEST_MARK=1"}})
	require.NoError(t, err)
	pid := strings.TrimSpace(srv.readFile(pidName))
	assert.Equal(t, strconv.Itoa(srv.cmd.Process.Pid), pid)
	environ, err := os.ReadFile("/proc/" + pid + "/environ")
	if err == nil {
		assert.Contains(t, string(environ), "NGINXTEST_MARK=1\x00")
	}
	assert.Equal(t, "hello", string(get(t, srv.Addr, "/").Body))
	dir := srv.Dir
	require.NoError(t, srv.Stop())
	assert.NoDirExists(t, dir, "Stop removes the directory Launch made")
}
