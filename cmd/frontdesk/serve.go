package main

// Serving: the listeners, the handler of the current configuration, the
// signals nginx's master process answers, and -t/-s.
//
// A reload builds a complete new generation (handler, access logs, error
// log) before anything changes; only then does it bind the new listen
// addresses and swap the generation in. A configuration that fails at any
// step leaves the old generation serving. Requests hold their generation
// until they finish, and an old generation is closed once its last
// request is done, so a reload cuts nothing in flight.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/accesslog"
	"github.com/frontdesk-go/frontdesk/internal/h1server"
	"github.com/frontdesk-go/frontdesk/internal/syserr"
	"github.com/frontdesk-go/frontdesk/nginxconf"
)

// testConfig is -t and -T.
func testConfig(p *paths, c *cmdline, stdout, stderr io.Writer) int {
	startup, err := startupLog(p, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "nginx: [alert] could not open error log file: %v\n", err)
		return 1
	}
	defer startup.close()
	failed := func(msg string) int {
		startup.log(levelEmerg, "%s", msg)
		fmt.Fprintf(stderr, "nginx: configuration file %s test failed\n", p.confFile)
		return 1
	}
	syntaxOK := func() {
		if !c.quiet {
			fmt.Fprintf(stderr, "nginx: the configuration file %s syntax is ok\n", p.confFile)
		}
	}
	ld, err := loadConfig(p, c.directives, c.hasDirectives)
	if err != nil {
		if reportedAfterParse[err.Error()] {
			syntaxOK()
		}
		return failed(err.Error())
	}
	// nginx's own warnings are logged while it parses, before its
	// verdict; frontdesk's findings come after it, which they never
	// change.
	var lint []nginxconf.Warning
	for _, w := range ld.cfg.Warnings {
		if nginxWarnings[w.Message] {
			startup.log(levelWarn, "%s in %s:%d", w.Message, w.File, w.Line)
		} else {
			lint = append(lint, w)
		}
	}
	// The files are opened after parsing (ngx_init_cycle).
	syntaxOK()
	// nginx -t opens every log file of the configuration, creating it,
	// and the pid file without truncating it (ngx_create_pidfile in test
	// mode), so a permission problem shows up here rather than at start.
	elog, err := openErrorLog(ld.proc.errorLogs)
	if err != nil {
		return failed(err.Error())
	}
	elog.close()
	if err := ld.proc.access.open(); err != nil {
		return failed(err.Error())
	}
	ld.proc.access.close()
	if f, err := os.OpenFile(ld.proc.pidFile, os.O_RDWR|os.O_CREATE, 0o644); err != nil {
		return failed(fmt.Sprintf("open() \"%s\" failed %s", ld.proc.pidFile, syserr.Quote(err)))
	} else {
		f.Close()
	}
	if !c.quiet {
		fmt.Fprintf(stderr, "nginx: configuration file %s test is successful\n", p.confFile)
	}
	for _, w := range lint {
		startup.log(levelWarn, "%s in %s:%d", w.Message, w.File, w.Line)
	}
	for _, w := range ld.proc.warnings {
		startup.log(levelWarn, "%s", w)
	}
	if c.dump {
		for _, name := range ld.files {
			b, err := os.ReadFile(name)
			if err != nil {
				continue
			}
			fmt.Fprintf(stdout, "# configuration file %s:\n%s\n", name, b)
		}
	}
	return 0
}

// startupLog is the log nginx uses until it has read error_log: the -e
// file (created at once, so it exists even when the configuration is
// refused) or stderr.
func startupLog(p *paths, stderr io.Writer) (*errorLog, error) {
	e, err := openErrorLog([]logTarget{{path: p.errorLog, level: levelNotice}})
	if err != nil {
		return nil, err
	}
	e.stderr = stderr
	return e, nil
}

// sendSignal is -s: nginx reads the configuration for the pid file's
// name and signals the pid it holds.
func sendSignal(p *paths, c *cmdline, stderr io.Writer) int {
	startup, err := startupLog(p, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "nginx: [alert] could not open error log file: %v\n", err)
		return 1
	}
	defer startup.close()
	ld, err := loadConfig(p, c.directives, c.hasDirectives)
	if err != nil {
		startup.log(levelEmerg, "%s", err)
		return 1
	}
	startup.log(levelNotice, "signal process started")
	b, err := os.ReadFile(ld.proc.pidFile)
	if err != nil {
		startup.log(levelError, "open() \"%s\" failed %s", ld.proc.pidFile, syserr.Quote(err))
		return 1
	}
	text := strings.TrimRight(string(b), "\n")
	n, err := strconv.Atoi(text)
	if err != nil || n <= 0 {
		startup.log(levelError, "invalid PID number \"%s\" in \"%s\"", text, ld.proc.pidFile)
		return 1
	}
	sig := map[string]syscall.Signal{"stop": syscall.SIGTERM, "quit": syscall.SIGQUIT, "reopen": syscall.SIGUSR1, "reload": syscall.SIGHUP}[c.signal]
	if err := syscall.Kill(n, sig); err != nil {
		startup.log(levelAlert, "kill(%d, %d) failed %s", n, int(sig), syserr.Quote(err))
		return 1
	}
	return 0
}

// master is the serving process.
type master struct {
	paths *paths
	cmd   *cmdline
	elog  atomic.Pointer[errorLog]
	cur   atomic.Pointer[generation]
	// servers are the listeners by address; only the signal loop
	// changes the map.
	servers map[string]httpServer
	served  sync.WaitGroup // the Serve goroutines
	// retiring counts the generations a reload replaced that still
	// serve requests (upgraded connections among them).
	retiring sync.WaitGroup
	pidFile  string
}

// generation is one loaded configuration and what serves it.
type generation struct {
	proxy  *frontdesk.Proxy
	access *accessConf
	elog   *errorLog
	addrs  []string
	tls    func(addr string) *tls.Config // nginxconf's Config.TLS (tls.go)
	conf   *nginxconf.Config             // HTTP/2 of the listeners (tls.go)
	loop   h1server.Config               // the server loop's limits (loop.go)
	loops  map[string]h1server.Config    // by listen address (loopserver.go)

	mu       sync.Mutex
	inflight int
	retired  bool
	drained  chan struct{}
}

// acquire counts a request on g; false once g is retired.
func (g *generation) acquire() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.retired {
		return false
	}
	g.inflight++
	return true
}

func (g *generation) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	if g.inflight == 0 && g.retired {
		close(g.drained)
	}
}

// retire stops new requests from taking g; drained closes once the last
// one finishes.
func (g *generation) retire() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.retired = true
	if g.inflight == 0 {
		close(g.drained)
	}
}

func (g *generation) close() {
	g.proxy.Close()
	g.access.close()
}

// ServeHTTP serves r with the current generation.
func (m *master) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for {
		g := m.cur.Load()
		if g.acquire() {
			defer g.release()
			if g.access.conf.ServerVariables {
				r = accesslog.WithRequest(r)
			}
			g.proxy.ServeHTTP(w, r)
			return
		}
		if m.cur.Load() == g {
			// Retired with no successor: shutting down, and this
			// request came after the drain began. Cut it, as the
			// connection would be on exit.
			panic(http.ErrAbortHandler)
		}
		// g was retired between Load and acquire: its successor is
		// already published.
	}
}

// newGeneration builds everything a configuration needs to serve,
// changing nothing outside it.
func (m *master) newGeneration(ld *loaded) (*generation, error) {
	if err := checkUser(ld.proc.user); err != nil {
		return nil, err
	}
	elog, err := openErrorLog(ld.proc.errorLogs)
	if err != nil {
		return nil, err
	}
	if err := ld.proc.access.open(); err != nil {
		elog.close()
		return nil, err
	}
	opts := append(slices.Clip(ld.cfg.Options()),
		frontdesk.Logger(slog.New(&slogHandler{log: m.elog.Load})),
		frontdesk.Observe(ld.proc.access.observe))
	if ld.proc.limits != nil {
		opts = append(opts, frontdesk.OnLocation(ld.proc.limits.apply))
	}
	proxy, err := frontdesk.New(opts...)
	if err != nil {
		elog.close()
		ld.proc.access.close()
		return nil, err
	}
	g := &generation{proxy: proxy, access: ld.proc.access, elog: elog, drained: make(chan struct{}), tls: ld.cfg.TLS, conf: ld.cfg, loop: ld.proc.loop, loops: ld.proc.loops}
	for _, s := range ld.cfg.Servers {
		for _, l := range s.Listen {
			if !slices.Contains(g.addrs, l.Addr) {
				g.addrs = append(g.addrs, l.Addr)
			}
		}
	}
	g.addrs = bindAddrs(g.addrs)
	return g, nil
}

// bindAddrs drops the addresses a wildcard address of the same port
// already covers: nginx binds only *:port then (without "bind"), and the
// kernel would refuse the second socket.
func bindAddrs(addrs []string) []string {
	wild := map[string]bool{}
	for _, a := range addrs {
		if host, port, err := splitListen(a); err == nil && (host == "0.0.0.0" || host == "::") {
			wild[port] = true
		}
	}
	var out []string
	for _, a := range addrs {
		host, port, err := splitListen(a)
		if err == nil && wild[port] && host != "0.0.0.0" && host != "::" {
			continue
		}
		out = append(out, a)
	}
	return out
}

func splitListen(addr string) (host, port string, err error) {
	if strings.HasPrefix(addr, "unix:") {
		return addr, "", nil
	}
	return net.SplitHostPort(addr)
}

// listen binds one listen address.
func listen(addr string) (net.Listener, error) {
	network := "tcp"
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		network, addr = "unix", path
	}
	l, err := net.Listen(network, addr)
	if err != nil {
		return nil, fmt.Errorf("bind() to %s failed %s", addr, syserr.Quote(err))
	}
	return l, nil
}

// checkUser refuses to serve as root: frontdesk cannot switch users, and
// must never serve as root without being told to.
func checkUser(user []string) error {
	if os.Geteuid() != 0 || os.Getenv(allowRootEnv) == "1" {
		return nil
	}
	if len(user) > 0 && user[0] == "root" {
		return nil
	}
	name := "nobody"
	if len(user) > 0 {
		name = user[0]
	}
	return fmt.Errorf("frontdesk cannot switch to user \"%s\" and refuses to serve as root: run it as that user, write \"user root;\", or set %s=1", name, allowRootEnv)
}

// serve starts serving and returns the exit status once it has stopped.
func serve(p *paths, c *cmdline, stderr io.Writer) int {
	startup, err := startupLog(p, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "nginx: [alert] could not open error log file: %v\n", err)
		return 1
	}
	m := &master{paths: p, cmd: c, servers: map[string]httpServer{}}
	m.elog.Store(startup)
	ld, err := loadConfig(p, c.directives, c.hasDirectives)
	if err != nil {
		startup.log(levelEmerg, "%s", err)
		return 1
	}
	for _, w := range ld.cfg.Warnings {
		startup.log(levelWarn, "%s in %s:%d", w.Message, w.File, w.Line)
	}
	for _, w := range ld.proc.warnings {
		startup.log(levelWarn, "%s", w)
	}
	g, err := m.newGeneration(ld)
	if err != nil {
		startup.log(levelEmerg, "%s", err)
		return 1
	}
	inherited := inheritedListeners()
	listeners := map[string]net.Listener{}
	for _, a := range g.addrs {
		l, ok := inherited[a]
		if !ok {
			if l, err = listen(a); err != nil {
				for _, l := range listeners {
					l.Close()
				}
				startup.log(levelEmerg, "%v", err)
				g.close()
				return 1
			}
		}
		listeners[a] = l
	}
	if ld.proc.daemon && inherited == nil {
		// The configuration is good and every socket bound: detach, as
		// nginx forks only now (ngx_daemon after ngx_init_cycle).
		err := daemonize(g.addrs, listeners)
		for _, l := range listeners {
			l.Close()
		}
		g.close()
		g.elog.close()
		if err != nil {
			startup.log(levelEmerg, "%v", err)
			return 1
		}
		return 0
	}
	// Signals are caught before the pid file tells anyone where to send
	// them: one sent right after it appears must not kill the process by
	// its default action, leaving the pid file behind.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	// From here the configuration's error_log is the log; -e was only
	// for startup.
	m.cur.Store(g)
	m.elog.Store(g.elog)
	startup.close()
	for _, a := range g.addrs {
		m.start(a, listeners[a])
	}
	m.pidFile = ld.proc.pidFile
	if err := os.WriteFile(m.pidFile, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		g.elog.log(levelEmerg, "open() \"%s\" failed %s", m.pidFile, syserr.Quote(err))
		m.stopNow()
		return 1
	}
	// The notice nginx writes once it is serving; harnesses such as
	// internal/nginxtest wait for it.
	g.elog.log(levelNotice, "%s", nginxVersion)
	g.elog.log(levelNotice, "built by frontdesk/%s", frontdeskVersion())
	return m.loop(sigs, ld.proc)
}

// start serves one listener.
func (m *master) start(addr string, l net.Listener) {
	tl := m.tlsListener(addr, l)
	srv := m.newServer(addr, tl != l)
	l = tl
	srv, l = m.plainHTTP2(addr, srv, l)
	m.servers[addr] = srv
	m.served.Add(1)
	go func() {
		defer m.served.Done()
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.elog.Load().log(levelAlert, "serving %s: %v", addr, err)
		}
	}()
}

// loop answers signals until the process is told to stop.
func (m *master) loop(sigs <-chan os.Signal, pc *procConf) int {
	shutdownTimeout := pc.shutdownTimeout
	for sig := range sigs {
		elog := m.elog.Load()
		switch sig {
		case syscall.SIGHUP:
			elog.log(levelNotice, "signal %d (SIGHUP) received, reconfiguring", int(syscall.SIGHUP))
			if t, ok := m.reload(); ok {
				shutdownTimeout = t
			}
		case syscall.SIGUSR1:
			elog.log(levelNotice, "signal %d (SIGUSR1) received, reopening logs", int(syscall.SIGUSR1))
			g := m.cur.Load()
			g.elog.reopen()
			g.access.reopen(g.elog)
		case syscall.SIGQUIT:
			elog.log(levelNotice, "signal %d (SIGQUIT) received, shutting down", int(syscall.SIGQUIT))
			elog.log(levelNotice, "gracefully shutting down")
			m.stopGracefully(shutdownTimeout)
			return 0
		default:
			elog.log(levelNotice, "signal %d (%s) received, exiting", int(sig.(syscall.Signal)), sigName(sig))
			m.stopNow()
			return 0
		}
	}
	return 0
}

func sigName(sig os.Signal) string {
	if sig == syscall.SIGINT {
		return "SIGINT"
	}
	return "SIGTERM"
}

// reload loads the configuration again and switches to it; on any error
// the running configuration keeps serving and the error is logged.
func (m *master) reload() (shutdownTimeout time.Duration, ok bool) {
	elog := m.elog.Load()
	ld, err := loadConfig(m.paths, m.cmd.directives, m.cmd.hasDirectives)
	if err != nil {
		elog.log(levelEmerg, "%s", err)
		return 0, false
	}
	g, err := m.newGeneration(ld)
	if err != nil {
		elog.log(levelEmerg, "%s", err)
		return 0, false
	}
	added := map[string]net.Listener{}
	for _, a := range g.addrs {
		if _, ok := m.servers[a]; ok {
			continue
		}
		l, err := listen(a)
		if err != nil {
			for _, l := range added {
				l.Close()
			}
			g.close()
			g.elog.close()
			elog.log(levelEmerg, "%v", err)
			return 0, false
		}
		added[a] = l
	}
	old := m.cur.Swap(g)
	m.elog.Store(g.elog)
	for _, w := range ld.cfg.Warnings {
		g.elog.log(levelWarn, "%s in %s:%d", w.Message, w.File, w.Line)
	}
	for _, a := range g.addrs {
		if l, ok := added[a]; ok {
			m.start(a, l)
		}
	}
	for a, srv := range m.servers {
		if !slices.Contains(g.addrs, a) {
			delete(m.servers, a)
			// Requests on a removed address finish; the listener
			// closes at once.
			go srv.Shutdown(context.Background())
		}
	}
	old.retire()
	m.retiring.Go(func() {
		<-old.drained
		old.close()
		old.elog.close()
	})
	g.elog.log(levelNotice, "reconfiguring done")
	return ld.proc.shutdownTimeout, true
}

// stopGracefully is QUIT: stop accepting, let requests in flight finish
// (within worker_shutdown_timeout when set), then exit. Upgraded
// connections (WebSockets) are requests in flight until they close, on
// the current configuration and on those a reload replaced: nginx's
// workers wait for them too.
func (m *master) stopGracefully(timeout time.Duration) {
	ctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var wg sync.WaitGroup
	for _, srv := range m.servers {
		wg.Go(func() {
			if err := srv.Shutdown(ctx); err != nil {
				srv.Close()
			}
		})
	}
	wg.Wait()
	// The servers forget hijacked connections; the generations count
	// their handlers.
	g := m.cur.Load()
	g.retire()
	drained := make(chan struct{})
	go func() {
		<-g.drained
		m.retiring.Wait()
		close(drained)
	}()
	select {
	case <-drained:
	case <-ctx.Done():
		// worker_shutdown_timeout: exiting closes what is left.
	}
	m.finish()
}

// stopNow is TERM/INT: close every connection and exit.
func (m *master) stopNow() {
	for _, srv := range m.servers {
		srv.Close()
	}
	m.finish()
}

func (m *master) finish() {
	m.served.Wait()
	if m.pidFile != "" {
		os.Remove(m.pidFile)
	}
	g := m.cur.Load()
	g.elog.log(levelNotice, "exit")
	g.close()
	g.elog.close()
}
