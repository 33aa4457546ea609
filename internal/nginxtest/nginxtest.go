// Package nginxtest runs real nginx for a test, so that conformance tests can
// send the same requests to nginx and to frontdesk and compare the answers.
//
// A test passes only the body of the http{} block; [Start] renders a complete
// nginx.conf around it (see [Render]), picks free loopback ports, starts
// nginx in the foreground with every file it writes inside a private
// directory, waits until it is serving, and stops it when the test ends:
//
//	srv := nginxtest.Start(t, `
//	    server {
//	        listen 127.0.0.1:{{PORT}};
//	        location / { return 200 "hello"; }
//	    }`)
//	resp, err := rawhttp.Do(t.Context(), srv.Addr, rawhttp.Request("GET", "/"))
//
// # Placeholders
//
// {{PORT}} is the first free port, {{PORT2}}, {{PORT3}}, ... further ones
// (as many as the text uses), and {{DIR}} is the test's data directory, for
// files served with root or alias. [Substitute] does the replacement, so the
// frontdesk side of a test can load exactly the text nginx ran.
//
// # When nginx is missing
//
// Tests skip when no nginx binary is found, except when the environment sets
// FRONTDESK_REQUIRE_NGINX=1 (as CI does): then they fail, so conformance
// testing never silently disappears. See [Require].
package nginxtest

import (
	"errors"
	"fmt"
	"net"
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
)

// RequireEnv is the environment variable that turns a missing nginx from a
// skipped test into a failed one when set to "1".
const RequireEnv = "FRONTDESK_REQUIRE_NGINX"

// BinaryEnv names an environment variable that, when set, is the nginx binary
// to use instead of searching PATH and /usr/sbin, e.g. to run the
// conformance tests against another nginx build.
const BinaryEnv = "FRONTDESK_NGINX"

// ErrNotInstalled is returned by [Launch] when no nginx binary is found.
var ErrNotInstalled = errors.New("nginxtest: nginx not installed")

// errAddrInUse marks a start that failed because another process took one of
// the ports between our choosing it and nginx binding it; Launch retries
// those with fresh ports.
var errAddrInUse = errors.New("address already in use")

const (
	defaultStartTimeout = 10 * time.Second
	// stopTimeout bounds the wait for nginx to exit after SIGTERM, and then
	// again after SIGKILL. A single-process nginx exits within milliseconds.
	stopTimeout = 5 * time.Second
	// maxAttempts bounds the retries after "Address already in use".
	maxAttempts = 5
)

// startedRE matches the notice nginx logs (ngx_os_status, "nginx/1.22.1")
// right after its configuration is loaded and every listening socket is
// bound, just before it starts accepting. nginx writes its error log
// unbuffered, so once the line is there the ports are nginx's: unlike a
// connect probe, it cannot mistake another process that grabbed a port for
// nginx, it works for configurations that listen on no {{PORT}} (or use a
// {{PORTn}} for something other than a listen socket), and it adds no
// "client closed connection" line to the error log that tests may inspect.
var startedRE = regexp.MustCompile(`(?m)\[notice\] \d+#\d+: nginx/`)

// Options configures [Launch] and [StartWith]. The zero value is ready to use.
type Options struct {
	// DataDir replaces {{DIR}} in the configuration. Default for Start: a
	// fresh t.TempDir(); for Launch: the "data" subdirectory of Dir.
	DataDir string
	// Dir is the nginx prefix directory, holding nginx.conf, the logs, the pid
	// file and the temp directories. Default for Start: a fresh t.TempDir();
	// for Launch: a new temporary directory that Stop removes.
	Dir string
	// Ports is the minimum number of free ports to allocate. Default: as
	// many as the configuration's placeholders need (see PortsNeeded), and
	// at least one.
	Ports int
	// Debug sets the error_log level to "debug" instead of "info" (Debian's
	// nginx is built --with-debug). The log gets large; use it to investigate.
	Debug bool
	// StartTimeout bounds the wait for nginx to be ready. Default: 10s.
	StartTimeout time.Duration
	// Binary is the nginx binary to run. Default: see Binary.
	Binary string
	// PidReady waits for the pid file (nginx.pid in Dir) to hold the
	// started process's pid, as tools that start nginx (systemd's
	// PIDFile=, nginx -s) learn that it is ready, instead of for its
	// startup notice; Stop then also requires the pid file to be gone.
	// For drop-ins such as frontdesk's binary, whose readiness is the
	// pid file's promise.
	PidReady bool
	// Env is added to the environment the process inherits.
	Env []string
}

// Server is a running nginx. Its fields are read-only; its methods are safe
// for concurrent use.
type Server struct {
	// Addr is "127.0.0.1:PORT" for {{PORT}}, the first port.
	Addr string
	// Ports are the ports substituted for {{PORT}}, {{PORT2}}, ... in order.
	Ports []int
	// Dir is the nginx prefix directory (nginx.conf, error.log, access.log).
	Dir string
	// DataDir is the directory substituted for {{DIR}}.
	DataDir string
	// Conf is the complete nginx.conf that nginx runs.
	Conf string

	cmd      *exec.Cmd
	pidReady bool
	env      []string
	exited   chan struct{} // closed once cmd.Wait has returned
	waitErr  error         // cmd.Wait's result; read only after exited is closed
	ownDir   bool          // Dir was created by Launch and is removed by Stop

	stopOnce sync.Once
	stopErr  error
}

// Binary returns the nginx binary to use: $FRONTDESK_NGINX when set (ok
// reports whether it is an executable file), else "nginx" in PATH, else
// /usr/sbin/nginx, which is where Debian installs it but is not in a normal
// user's PATH.
func Binary() (path string, ok bool) {
	if p := os.Getenv(BinaryEnv); p != "" {
		return p, isExecutable(p)
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, true
	}
	if p := "/usr/sbin/nginx"; isExecutable(p) {
		return p, true
	}
	return "", false
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// Require skips the test when no nginx binary is found (see [Binary]), or
// fails it when the environment sets FRONTDESK_REQUIRE_NGINX=1, so that CI
// cannot pass by skipping every conformance test.
func Require(t testing.TB) {
	t.Helper()
	if _, ok := Binary(); ok {
		return
	}
	msg := "nginx not installed: no nginx in PATH or at /usr/sbin/nginx"
	if p := os.Getenv(BinaryEnv); p != "" {
		msg = fmt.Sprintf("nginx not installed: %s=%s is not an executable file", BinaryEnv, p)
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s (and %s=1 forbids skipping)", msg, RequireEnv)
		return
	}
	t.Skipf("%s (install Debian's nginx package; set %s=1 to fail instead of skip)", msg, RequireEnv)
}

// Start is [StartWith] with zero [Options].
func Start(t testing.TB, conf string) *Server {
	t.Helper()
	return StartWith(t, conf, Options{})
}

// StartWith starts nginx with conf, the body of the http{} block, and stops
// it when the test and its subtests end. It skips or fails the test as
// [Require] does when nginx is missing, and fails the test, quoting nginx's
// stderr and error log, when nginx does not start.
//
// Unset Dir and DataDir default to fresh t.TempDir() directories. When the
// test fails, the cleanup logs nginx's error log.
func StartWith(t testing.TB, conf string, opts Options) *Server {
	t.Helper()
	if opts.Binary == "" {
		Require(t)
	}
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	s, err := Launch(conf, opts)
	if err != nil {
		t.Fatal(err)
		return nil
	}
	// Registered after t.TempDir's own cleanups, so it runs before them:
	// nginx is gone before its directory is removed.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("nginx error.log (%s):\n%s", filepath.Join(s.Dir, errorLogName), s.ErrorLog())
		}
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// Launch starts nginx with conf, the body of the http{} block, and returns
// once it is serving. The caller must call [Server.Stop]. It is the building
// block of [StartWith], for callers without a testing.TB (benchmark
// harnesses, TestMain).
//
// Free ports are found by listening on 127.0.0.1:0 and closing again; if
// another process takes one before nginx binds it, Launch retries with new
// ports, up to 5 times. When nginx fails to start, the error includes its
// stderr and error log.
func Launch(conf string, opts Options) (*Server, error) {
	return launch(conf, opts, freePorts)
}

// launch is Launch with the port allocator as a parameter, so tests can hand
// out a port that is in use.
func launch(conf string, opts Options, allocPorts func(n int) ([]int, error)) (*Server, error) {
	bin := opts.Binary
	if bin == "" {
		var ok bool
		if bin, ok = Binary(); !ok {
			return nil, ErrNotInstalled
		}
	}
	// nginx is given absolute paths only: a relative -p would be resolved
	// against nginx's working directory, and a relative {{DIR}} against the
	// prefix, rather than against the caller's directory.
	dir, dataDir := opts.Dir, opts.DataDir
	ownDir := dir == ""
	if ownDir {
		d, err := os.MkdirTemp("", "nginxtest-")
		if err != nil {
			return nil, fmt.Errorf("nginxtest: %w", err)
		}
		dir = d
	}
	fail := func(err error) (*Server, error) {
		if ownDir {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	if dataDir == "" {
		dataDir = filepath.Join(dir, "data")
	}
	for _, d := range []*string{&dir, &dataDir} {
		abs, err := filepath.Abs(*d)
		if err == nil {
			err = os.MkdirAll(abs, 0o700)
		}
		if err != nil {
			return fail(fmt.Errorf("nginxtest: %w", err))
		}
		*d = abs
	}
	level := "info"
	if opts.Debug {
		level = "debug"
	}
	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = defaultStartTimeout
	}
	n := max(1, opts.Ports, PortsNeeded(conf))

	for attempt := 1; ; attempt++ {
		ports, err := allocPorts(n)
		if err != nil {
			err = fmt.Errorf("nginxtest: choosing ports: %w", err)
		} else {
			s := &Server{
				Addr:    net.JoinHostPort("127.0.0.1", fmt.Sprint(ports[0])),
				Ports:   ports,
				Dir:     dir,
				DataDir: dataDir,
				Conf:    render(conf, ports, dataDir, level),
				ownDir:  ownDir,

				pidReady: opts.PidReady,
				env:      opts.Env,
			}
			if err = s.start(bin, timeout); err == nil {
				return s, nil
			}
		}
		if !errors.Is(err, errAddrInUse) || attempt == maxAttempts {
			return fail(err)
		}
	}
}

// freePorts returns n distinct ports that were free on 127.0.0.1 a moment
// ago. All n listeners are open at once so the kernel cannot hand out the
// same port twice.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// start writes the configuration, runs nginx and waits until it is serving.
// On failure nothing is left running.
func (s *Server) start(bin string, timeout time.Duration) error {
	confPath := filepath.Join(s.Dir, confName)
	if err := os.WriteFile(confPath, []byte(s.Conf), 0o600); err != nil {
		return fmt.Errorf("nginxtest: %w", err)
	}
	// Start every attempt with empty logs, so that what Launch reports, and
	// what the test later reads, belongs to this nginx only.
	for _, name := range []string{errorLogName, accessLogName} {
		if err := os.Remove(filepath.Join(s.Dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("nginxtest: %w", err)
		}
	}
	// nginx writes "nginx: [emerg] ..." to stderr as well as to the error
	// log. A file rather than a pipe means no copying goroutine, and Wait
	// cannot block on a descendant that inherited the pipe.
	stderr, err := os.Create(filepath.Join(s.Dir, stderrName))
	if err != nil {
		return fmt.Errorf("nginxtest: %w", err)
	}
	defer stderr.Close() // the child has its own copy

	// -e: the log nginx uses before it has read error_log from the
	// configuration. Without it nginx would open its compiled-in default,
	// which on other builds is /var/log/nginx/error.log.
	s.cmd = exec.Command(bin, "-p", s.Dir+"/", "-c", confPath, "-e", filepath.Join(s.Dir, errorLogName))
	s.cmd.Dir = s.Dir
	if s.env != nil {
		s.cmd.Env = append(os.Environ(), s.env...)
	}
	s.cmd.Stdout = stderr
	s.cmd.Stderr = stderr
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("nginxtest: %w", err)
	}
	s.exited = make(chan struct{})
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()

	if err := s.waitReady(timeout); err != nil {
		s.kill()
		return fmt.Errorf("nginxtest: starting %s: %w%s", bin, err, s.report())
	}
	return nil
}

// waitReady polls, with a short growing backoff, until nginx has logged that
// it finished starting (see startedRE), exits, reports a port in use, or
// timeout passes.
func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	delay := time.Millisecond
	for {
		select {
		case <-s.exited:
			if strings.Contains(s.stderr(), "Address already in use") {
				return errAddrInUse
			}
			return fmt.Errorf("nginx exited during startup: %v", s.waitErr)
		default:
		}
		if s.ready() {
			return nil
		}
		// nginx retries a failed bind() five times, 500ms apart, before
		// giving up; there is no point waiting for that.
		if strings.Contains(s.stderr(), "Address already in use") {
			return errAddrInUse
		}
		select {
		case <-s.exited:
		case <-deadline.C:
			return fmt.Errorf("nginx not ready after %v", timeout)
		case <-time.After(delay):
			delay = min(2*delay, 50*time.Millisecond)
		}
	}
}

// ready reports whether the server has said it is serving: its startup
// notice, or with PidReady its pid in the pid file.
func (s *Server) ready() bool {
	if s.pidReady {
		return strings.TrimSpace(s.readFile(pidName)) == strconv.Itoa(s.cmd.Process.Pid)
	}
	return startedRE.MatchString(s.ErrorLog())
}

// Stop stops nginx: SIGTERM, then SIGKILL if it has not exited within 5
// seconds. It removes Dir if Launch created it. It returns an error if nginx
// had already exited on its own or did not exit cleanly. Calling Stop again
// returns the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.stopErr = s.stop()
		if s.ownDir {
			os.RemoveAll(s.Dir)
		}
	})
	return s.stopErr
}

func (s *Server) stop() error {
	select {
	case <-s.exited:
		return fmt.Errorf("nginxtest: nginx exited before Stop: %v%s", s.waitErr, s.report())
	default:
	}
	// SIGTERM is nginx's fast shutdown; SIGQUIT's graceful one would wait
	// for idle keep-alive connections a test may have left open.
	//
	// The signal is repeated because single-process nginx can lose it: its
	// handler only sets a flag, which the main loop checks after each
	// epoll_wait. A signal that lands after that check but before the next
	// epoll_wait (as when a test stops nginx right after starting it, while
	// nginx is still initialising between its startup notice and its first
	// epoll_wait) leaves nginx asleep in an epoll_wait with no timers, until
	// the next event; the repeat is that event.
	repeat := time.NewTicker(100 * time.Millisecond)
	defer repeat.Stop()
	deadline := time.NewTimer(stopTimeout)
	defer deadline.Stop()
	for waiting := true; waiting; {
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("nginxtest: %w", err)
		}
		select {
		case <-s.exited:
			if s.waitErr != nil {
				return fmt.Errorf("nginxtest: nginx exited with %v after SIGTERM%s", s.waitErr, s.report())
			}
			if _, err := os.Stat(filepath.Join(s.Dir, pidName)); s.pidReady && err == nil {
				return fmt.Errorf("nginxtest: %s exited but left its pid file behind", s.cmd.Path)
			}
			return nil
		case <-repeat.C:
		case <-deadline.C:
			waiting = false
		}
	}
	if err := s.kill(); err != nil {
		return err
	}
	return fmt.Errorf("nginxtest: nginx did not exit within %v of SIGTERM and was killed%s", stopTimeout, s.report())
}

// kill sends SIGKILL to nginx and any process it started, and waits for it.
func (s *Server) kill() error {
	select {
	case <-s.exited:
		return nil
	default:
	}
	killGroup(s.cmd.Process)
	select {
	case <-s.exited:
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("nginxtest: nginx (pid %d) survived SIGKILL for %v", s.cmd.Process.Pid, stopTimeout)
	}
}

// ErrorLog returns the contents of nginx's error log (level info, or debug
// with Options.Debug), "" if it cannot be read.
func (s *Server) ErrorLog() string {
	return s.readFile(errorLogName)
}

// AccessLog returns the contents of nginx's access log in the default
// "combined" format. nginx writes a request's line in its log phase, after
// the response has been sent, so a test that has just read a response may
// have to poll for the line.
func (s *Server) AccessLog() string {
	return s.readFile(accessLogName)
}

func (s *Server) stderr() string {
	return s.readFile(stderrName)
}

func (s *Server) readFile(name string) string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, name))
	return string(b)
}

// report quotes what nginx said, for error messages.
func (s *Server) report() string {
	return fmt.Sprintf("\n--- nginx stderr ---\n%s--- %s ---\n%s--- end ---",
		withNewline(s.stderr()), filepath.Join(s.Dir, errorLogName), withNewline(s.ErrorLog()))
}

func withNewline(s string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}
