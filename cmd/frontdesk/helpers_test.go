package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// mainEnv makes the test binary run main instead of the tests, so that
// process tests start "frontdesk" without building it first; a daemon
// re-executes the same binary with the same environment.
const mainEnv = "FRONTDESK_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// waitTimeout bounds every wait on the process under test.
const waitTimeout = 5 * time.Second

// result is a finished command.
type result struct {
	stdout, stderr string
	code           int
}

// runBinary runs bin with args to completion (frontdesk when bin is "").
func runBinary(t *testing.T, bin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	cmd := command(ctx, bin, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running %s: %v", bin, err)
	}
	return result{out.String(), errb.String(), code}
}

func command(ctx context.Context, bin string, args ...string) *exec.Cmd {
	if bin == "" {
		cmd := exec.CommandContext(ctx, os.Args[0], args...)
		// Tests run as root in CI containers; the root refusal has its
		// own test.
		// atexit_sleep_ms: under -race a process exiting with 0 would
		// otherwise linger for a second.
		cmd.Env = append(os.Environ(), mainEnv+"=1", allowRootEnv+"=1", "GORACE=atexit_sleep_ms=0")
		return cmd
	}
	return exec.CommandContext(ctx, bin, args...)
}

// proc is a frontdesk started in the background.
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
	stderr *lockedBuffer
}

// start runs frontdesk in the background and kills it when the test ends.
func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := command(context.Background(), "", args...)
	cmd.Env = append(cmd.Env, env...)
	p := &proc{cmd: cmd, exited: make(chan struct{}), stderr: &lockedBuffer{}}
	cmd.Stderr = p.stderr
	// Its own process group, and SIGKILL should the test binary die.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start())
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	})
	return p
}

// lockedBuffer is stderr of a background process, readable while exec's
// copier writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedBuffer) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(b)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// waitExit waits for the process to exit and returns its exit code.
func (p *proc) waitExit(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(waitTimeout):
		t.Fatalf("frontdesk did not exit within %v", waitTimeout)
	}
	return p.cmd.ProcessState.ExitCode()
}

// eventually polls cond, with a short growing interval, until it holds
// or waitTimeout passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	delay := time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", waitTimeout, what)
		}
		<-time.After(delay)
		delay = min(2*delay, 20*time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
}

// waitPid waits for the pid file and returns the pid it holds.
func waitPid(t *testing.T, path string) int {
	t.Helper()
	var pid int
	eventually(t, "pid file "+path, func() bool {
		n, err := strconv.Atoi(strings.TrimSpace(readFile(path)))
		pid = n
		return err == nil && n > 0
	})
	return pid
}

// get fetches a URL on a fresh connection and returns the body ("" and
// the error when it fails).
func get(url string) (string, error) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: waitTimeout}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// logLine matches the start of an error log line, to normalise time and
// pid when comparing with nginx.
var logLine = regexp.MustCompile(`\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: `)

func normalise(s, dir string) string {
	s = strings.ReplaceAll(s, dir, "PREFIX")
	return logLine.ReplaceAllString(s, "TIME [$1] PID: ")
}

// processConf is a configuration for process tests: foreground, files
// inside the prefix, one server.
func processConf(port int, body string) string {
	return fmt.Sprintf(`daemon off;
user root;
error_log logs/error.log info;
pid logs/nginx.pid;
events {}
http {
    access_log logs/access.log;
    server {
        listen 127.0.0.1:%d;
%s
    }
}
`, port, body)
}
