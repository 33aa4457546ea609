package main

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"
)

// clkTck is USER_HZ, the unit of utime and stime in /proc/PID/stat
// (`getconf CLK_TCK`; 100 on every Linux architecture Go supports).
const clkTck = 100

type options struct {
	rounds              int
	duration, warmup    time.Duration
	conns               int
	idle                int
	serverCPU, loadCPU  string
	frontdesk, nginx    string
	servers, loads      []string
	keep                bool
	wrk                 string
	self                string
	dir                 string
	backendAddrs        []string // every upstream peer's host:port, the two backend processes' ports interleaved
	backendCtl          []string // one address per backend process, for /__accepted
	peers               int      // upstream peers in the current nginx.conf: backendAddrs[:peers]
	port                int
	nofile              uint64 // RLIMIT_NOFILE the started processes inherit
	idleHold            time.Duration
	skipLoad, skipIdle  bool
	profileSeconds      int
	profileDir, profile string
	scale               bool
	scaleLocations      []int
	scalePeers          []int
	scaleConns          []int
	scaleRegex          float64
	flat                float64
}

// workload is one wrk target.
type workload struct{ name, path string }

var workloads = []workload{
	{"proxy-1K", "/proxy/1k"},
	{"static-1K", "/static/1k"},
	{"static-1M", "/static/1m"},
}

// server is one system under test.
type server struct {
	name string
	// start returns the started process and the pid whose CPU time is the
	// server's (nginx's worker, not its master).
	start func(o *options) (*exec.Cmd, error)
	nginx bool
}

var servers = []server{
	{name: "binary", start: func(o *options) (*exec.Cmd, error) {
		cmd := pinned(o.serverCPU, o.frontdesk, "-p", o.dir+"/", "-c", "conf/nginx.conf")
		cmd.Env = append(os.Environ(), "FRONTDESK_ALLOW_ROOT=1")
		return cmd, cmd.Start()
	}},
	// The binary served by Go's net/http instead of its own HTTP/1 loop
	// (not in the default -servers list).
	{name: "binary-nethttp", start: func(o *options) (*exec.Cmd, error) {
		cmd := pinned(o.serverCPU, o.frontdesk, "-p", o.dir+"/", "-c", "conf/nginx.conf")
		cmd.Env = append(os.Environ(), "FRONTDESK_ALLOW_ROOT=1", "FRONTDESK_SERVER=net/http")
		return cmd, cmd.Start()
	}},
	{name: "library", start: func(o *options) (*exec.Cmd, error) {
		cmd := pinned(o.serverCPU, o.self, "lib", "-addr", o.addr(), "-conf", filepath.Join(o.dir, "conf/nginx.conf"), "-prefix", o.dir+"/", "-error-log", filepath.Join(o.dir, "logs/library-error.log"))
		return cmd, cmd.Start()
	}},
	{name: "nginx", nginx: true, start: func(o *options) (*exec.Cmd, error) {
		cmd := pinned(o.serverCPU, o.nginx, "-p", o.dir+"/", "-c", "conf/nginx.conf")
		return cmd, cmd.Start()
	}},
	{name: "httputil", start: func(o *options) (*exec.Cmd, error) {
		cmd := pinned(o.serverCPU, o.self, "httputil", "-addr", o.addr(), "-backends", strings.Join(o.backendAddrs[:o.peers], ","), "-static", filepath.Join(o.dir, "html"))
		return cmd, cmd.Start()
	}},
}

func (o *options) addr() string { return "127.0.0.1:" + strconv.Itoa(o.port) }

// procs records every process started, so that all are stopped on exit.
var procs struct {
	sync.Mutex
	cmds []*exec.Cmd
}

func pinned(cpu, name string, args ...string) *exec.Cmd {
	cmd := exec.Command("taskset", append([]string{"-c", cpu, name}, args...)...)
	cmd.Stderr = os.Stderr
	// If this program dies, take the child with it.
	return track(cmd)
}

// track makes cmd die with this program and records it for stopAll.
func track(cmd *exec.Cmd) *exec.Cmd {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	procs.Lock()
	procs.cmds = append(procs.cmds, cmd)
	procs.Unlock()
	return cmd
}

// stop ends one started process: TERM (nginx's and frontdesk's fast
// shutdown), then KILL after 5 s.
func stop(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

func stopAll() {
	procs.Lock()
	cmds := slices.Clone(procs.cmds)
	procs.Unlock()
	for _, c := range cmds {
		stop(c)
	}
}

func run(args []string) error {
	o := &options{}
	fs := flag.NewFlagSet("loadbench", flag.ExitOnError)
	fs.IntVar(&o.rounds, "rounds", 3, "rounds; each round runs every server on every workload (with -scale: at every scale point)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "measured wrk run per server, workload and round")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured wrk run before each measured one")
	fs.IntVar(&o.conns, "c", 64, "wrk connections (with -scale: the first -scale-conns value)")
	fs.IntVar(&o.idle, "idle", 10000, "idle keep-alive connections for the memory measurement (0: skip; not with -scale)")
	fs.StringVar(&o.serverCPU, "server-cpu", "1", "core the server under test is pinned to")
	fs.StringVar(&o.loadCPU, "load-cpu", "0", "core of wrk and the backends")
	fs.StringVar(&o.frontdesk, "frontdesk", "", "frontdesk binary (required)")
	fs.StringVar(&o.nginx, "nginx", "/usr/sbin/nginx", "nginx binary")
	srv := fs.String("servers", "binary,library,nginx,httputil", "servers to measure (also: binary-nethttp, the binary on Go's net/http server; with -scale the default is binary,nginx)")
	ld := fs.String("loads", "proxy-1K,static-1K,static-1M", "workloads (with -scale: proxy-1K only)")
	fs.StringVar(&o.wrk, "wrk", "wrk", "wrk binary")
	fs.BoolVar(&o.keep, "keep", false, "keep the working directory")
	fs.IntVar(&o.profileSeconds, "profile", 0, "after measuring, record a CPU profile of the binary and the library under proxy-1K load for this many seconds (perf for the binary, pprof for the library); with -scale: perf of the binary at the base point and at its worst scale point")
	fs.StringVar(&o.profileDir, "profile-dir", "profiles", "where -profile writes its files")
	fs.BoolVar(&o.scale, "scale", false, "instead of the workload table: proxy-1K with one dimension at a time varied from the base point (the first value of each -scale-* list)")
	locs := fs.String("scale-locations", "10,100,1000", "with -scale: location blocks in the server, the two real ones included (empty: do not vary)")
	peers := fs.String("scale-peers", "2,10,100", "with -scale: servers in the upstream (empty: do not vary)")
	conns := fs.String("scale-conns", "64,512,4096", "with -scale: wrk connections (empty: do not vary)")
	fs.Float64Var(&o.scaleRegex, "scale-regex", 0.1, "with -scale: share of the generated locations that are regex locations (the rest are prefix locations)")
	fs.Float64Var(&o.flat, "flat", 1.2, "with -scale: CPU/request at a dimension's largest value ÷ at its smallest up to which the dimension counts as flat")
	_ = fs.Parse(args)
	o.loads = strings.Split(*ld, ",")
	if o.scale {
		var err error
		if o.scaleLocations, err = intList("-scale-locations", *locs, 2); err != nil {
			return err
		}
		if o.scalePeers, err = intList("-scale-peers", *peers, 1); err != nil {
			return err
		}
		if o.scaleConns, err = intList("-scale-conns", *conns, 1); err != nil {
			return err
		}
		if o.scaleRegex < 0 || o.scaleRegex > 1 {
			return fmt.Errorf("-scale-regex %v: want a share between 0 and 1", o.scaleRegex)
		}
		set := false
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == "servers" })
		if !set {
			*srv = "binary,nginx"
		}
		o.loads = []string{"proxy-1K"}
	}
	o.servers = strings.Split(*srv, ",")
	for _, name := range o.servers {
		if _, err := lookup(name); err != nil {
			return err
		}
	}
	loads, err := lookupLoads(o.loads)
	if err != nil {
		return err
	}
	if o.frontdesk == "" {
		return errors.New("-frontdesk is required (go build -o /tmp/frontdesk ./cmd/frontdesk)")
	}
	if o.self, err = os.Executable(); err != nil {
		return err
	}
	for _, p := range []*string{&o.frontdesk, &o.nginx} {
		if *p, err = filepath.Abs(*p); err != nil {
			return err
		}
	}
	if o.nofile, err = raiseNofile(); err != nil {
		return err
	}
	if o.scale {
		// wrk's connections, plus its own and the harness's few.
		if need := uint64(slices.Max(append(o.scaleConns, o.conns)) + 64); o.nofile < need {
			return fmt.Errorf("-scale-conns needs %d open files, RLIMIT_NOFILE allows %d: raise the hard limit (ulimit -Hn)", need, o.nofile)
		}
	}

	// Clean up on every exit path, including ^C.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		<-sigs
		stopAll()
		if o.dir != "" && !o.keep {
			os.RemoveAll(o.dir)
		}
		os.Exit(130)
	}()
	defer stopAll()

	if o.dir, err = os.MkdirTemp("", "loadbench"); err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "working directory:", o.dir)
	} else {
		defer os.RemoveAll(o.dir)
	}
	if err := os.Chmod(o.dir, 0o755); err != nil {
		return err
	}
	maxPeers := 2
	for _, n := range o.scalePeers {
		maxPeers = max(maxPeers, n)
	}
	if err := setup(o, maxPeers); err != nil {
		return err
	}
	host, _ := os.Hostname()
	wrkConns := "-c" + strconv.Itoa(o.conns)
	if o.scale {
		wrkConns = "-c per scale point"
	}
	fmt.Printf("loadbench %s on %s (%s, %d cores); server on core %s, wrk -t1 %s and backends on core %s; %d rounds x %s (+%s warm-up); RLIMIT_NOFILE %d\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), host, cpuModel(), nproc(), o.serverCPU, wrkConns, o.loadCPU, o.rounds, o.duration, o.warmup, o.nofile)
	fmt.Printf("frontdesk -v: %s; nginx -v: %s\n", versionOf(o.frontdesk, "-v"), versionOf(o.nginx, "-v"))
	if o.scale {
		return scale(o)
	}
	if err := writeConf(o, confShape{locations: 2, peers: 2, keepalive: 64}); err != nil {
		return err
	}

	results := map[string][]sample{} // server/workload -> rounds
	for r := range o.rounds {
		for _, name := range rotate(o.servers, r) {
			ss, err := runServer(o, name, loads)
			if err != nil {
				return err
			}
			for i, w := range loads {
				key := name + "/" + w.name
				results[key] = append(results[key], ss[i])
				logSample(fmt.Sprintf("round %d %-14s %-9s", r+1, name, w.name), ss[i])
			}
		}
	}
	if o.rounds > 0 {
		report(o, results)
	}
	if o.idle > 0 {
		if err := idleMemory(o); err != nil {
			return err
		}
	}
	if o.profileSeconds > 0 {
		if err := profile(o); err != nil {
			return err
		}
	}
	return nil
}

// rotate is list started at its k-th element (mod its length): each round
// starts with another server, so that none is always measured first.
func rotate(list []string, k int) []string {
	k %= len(list)
	return append(slices.Clone(list[k:]), list[:k]...)
}

// runServer starts the named server on the current nginx.conf, measures it
// on each workload in turn (a warm-up, then the measured run) and stops it.
func runServer(o *options, name string, loads []workload) ([]sample, error) {
	s, err := lookup(name)
	if err != nil {
		return nil, err
	}
	cmd, pid, err := startServer(o, s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer stop(cmd)
	var ss []sample
	for _, w := range loads {
		res, err := measure(o, pid, w)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", name, w.name, err)
		}
		ss = append(ss, res)
	}
	return ss, nil
}

// measure runs w against the server whose CPU time is pid's: an unmeasured
// warm-up, then o.duration with the server's CPU time read before and after.
func measure(o *options, pid int, w workload) (sample, error) {
	if o.scale {
		return measureSteady(o, pid, w, o.duration, nil)
	}
	if o.warmup > 0 {
		if _, err := runWrk(o, w, o.warmup); err != nil {
			return sample{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	before, err := cpuTicks(pid)
	if err != nil {
		return sample{}, err
	}
	dialsBefore, _, _ := o.backendCounts()
	res, err := runWrk(o, w, o.duration)
	if err != nil {
		return sample{}, err
	}
	after, err := cpuTicks(pid)
	if err != nil {
		return sample{}, err
	}
	dialsAfter, _, _ := o.backendCounts()
	res.dials = dialsAfter - dialsBefore
	res.cpuPerReq = time.Duration(float64(after-before) / clkTck * float64(time.Second) / float64(res.requests))
	res.cpuUtil = float64(after-before) / clkTck / o.duration.Seconds()
	return res, nil
}

// measureSteady measures w (a proxy workload) in steady state: one wrk
// run of o.warmup + d + 1 s, and the server's CPU time and the requests
// the backends served over the d after the warm-up, so that neither
// wrk's connecting (4,096 connections at -c 4096, each a new goroutine
// and buffers in the binary) nor the in-flight requests it drops on exit
// are counted. window, if not nil, runs for d at the start of the
// window (perf record); otherwise the window is a wait of d. req/s is
// over the window; p99 and errors are wrk's over its whole run.
func measureSteady(o *options, pid int, w workload, d time.Duration, window func() error) (sample, error) {
	wait := startWrk(o, w, o.warmup+d+time.Second)
	abort := func(err error) (sample, error) {
		_, _ = wait()
		return sample{}, err
	}
	time.Sleep(o.warmup)
	dials0, served0, err := o.backendCounts()
	if err != nil {
		return abort(err)
	}
	t0 := time.Now()
	ticks0, err := cpuTicks(pid)
	if err != nil {
		return abort(err)
	}
	if window != nil {
		err = window()
	} else {
		time.Sleep(d)
	}
	ticks1, terr := cpuTicks(pid)
	elapsed := time.Since(t0)
	dials1, served1, cerr := o.backendCounts()
	if err := firstErr(err, terr, cerr); err != nil {
		return abort(err)
	}
	res, err := wait()
	if err != nil {
		return sample{}, err
	}
	res.requests = served1 - served0
	if res.requests <= 0 {
		return sample{}, fmt.Errorf("the backends served no requests in the measured %s", d)
	}
	res.rps = float64(res.requests) / elapsed.Seconds()
	res.dials = dials1 - dials0
	res.cpuPerReq = time.Duration(float64(ticks1-ticks0) / clkTck * float64(time.Second) / float64(res.requests))
	res.cpuUtil = float64(ticks1-ticks0) / clkTck / elapsed.Seconds()
	return res, nil
}

// logSample prints one measured run to stderr, as progress.
func logSample(what string, res sample) {
	fmt.Fprintf(os.Stderr, "%s %9.0f req/s  p99 %8s  cpu/req %7s  core %3.0f%%  upstream dials %d%s\n",
		what, res.rps, round(res.p99), round(res.cpuPerReq), 100*res.cpuUtil, res.dials, res.errText())
}

// raiseNofile lifts the soft RLIMIT_NOFILE to the hard limit and returns
// it. Setting it explicitly (the Go runtime's own raise at start-up is not
// passed on) makes wrk, nginx, the backends and the servers inherit it:
// 4,096 wrk connections, or 10,000 idle ones, need that many descriptors.
func raiseNofile() (uint64, error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, err
	}
	r.Cur = r.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, fmt.Errorf("raising RLIMIT_NOFILE to %d: %w", r.Max, err)
	}
	return r.Cur, nil
}

// intList parses a flag's comma-separated list of integers, each at least
// least; an empty list is allowed.
func intList(flagName, v string, least int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < least {
			return nil, fmt.Errorf("%s: %q is not a whole number of at least %d", flagName, f, least)
		}
		out = append(out, n)
	}
	return out, nil
}

func lookup(name string) (server, error) {
	for _, s := range servers {
		if s.name == name {
			return s, nil
		}
	}
	return server{}, fmt.Errorf("unknown server %q", name)
}

func lookupLoad(name string) (workload, error) {
	for _, w := range workloads {
		if w.name == name {
			return w, nil
		}
	}
	return workload{}, fmt.Errorf("unknown workload %q", name)
}

func lookupLoads(names []string) ([]workload, error) {
	var ws []workload
	for _, name := range names {
		w, err := lookupLoad(name)
		if err != nil {
			return nil, err
		}
		ws = append(ws, w)
	}
	return ws, nil
}

// setup writes the static files and starts the two backends with
// maxPeers ports between them.
func setup(o *options, maxPeers int) error {
	html := filepath.Join(o.dir, "html")
	for _, d := range []string{html, filepath.Join(o.dir, "conf"), filepath.Join(o.dir, "logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	for name, size := range map[string]int{"1k": 1024, "1m": 1 << 20} {
		b := make([]byte, size)
		for i := range b {
			b[i] = 'a' + byte(i%26)
		}
		if err := os.WriteFile(filepath.Join(html, name), b, 0o644); err != nil {
			return err
		}
	}
	perProc := (maxPeers + 1) / 2
	var lists [2][]string
	for p := range lists {
		cmd := pinned(o.loadCPU, o.self, "backend", "-n", strconv.Itoa(perProc), "-size", "1024")
		out, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			return fmt.Errorf("backend: reading its addresses: %w", err)
		}
		lists[p] = strings.Split(strings.TrimSpace(line), ",")
		if len(lists[p]) != perProc {
			return fmt.Errorf("backend: listening on %q, want %d ports", line, perProc)
		}
		if err := waitHTTP("http://"+lists[p][0]+"/", 10*time.Second); err != nil {
			return fmt.Errorf("backend: %w", err)
		}
		o.backendCtl = append(o.backendCtl, lists[p][0])
	}
	// Peers alternate between the two processes, so that any number of
	// them loads both.
	for i := range perProc {
		o.backendAddrs = append(o.backendAddrs, lists[0][i], lists[1][i])
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	o.port = port
	return nil
}

// confShape is what the scale mode varies in the generated nginx.conf.
type confShape struct {
	locations int // location blocks in the server, /static/ and / included
	peers     int // servers in the upstream
	keepalive int // the upstream's keepalive (idle connections cached)
}

// writeConf writes conf/nginx.conf, the file the binary and nginx both
// read (and the library loads), and sets o.peers to match it. With
// sh.locations > 2, the locations beyond /static/ and / match none of the
// benchmark's paths: see generatedLocations.
func writeConf(o *options, sh confShape) error {
	if sh.peers > len(o.backendAddrs) {
		return fmt.Errorf("%d peers asked for, %d backend ports started", sh.peers, len(o.backendAddrs))
	}
	o.peers = sh.peers
	var upstream strings.Builder
	for _, a := range o.backendAddrs[:sh.peers] {
		fmt.Fprintf(&upstream, "        server %s max_fails=0;\n", a)
	}
	html := filepath.Join(o.dir, "html")
	conf := fmt.Sprintf(`# written by bench/cmd/loadbench: the same file for nginx and the frontdesk binary
user root;
worker_processes 1;
daemon off;
error_log logs/error.log warn;
pid logs/nginx.pid;
# Enough descriptors and connections for 4,096 wrk connections plus as
# many upstream ones (nginx's default worker_connections, 512, would
# refuse them); the harness raises RLIMIT_NOFILE before it starts either.
worker_rlimit_nofile 19000;
events {
    worker_connections 16384;
}
http {
    access_log off;
    sendfile on;
    upstream app {
        # max_fails=0 keeps runs comparable with the first published
        # table, measured while frontdesk still counted a client abort as
        # a peer failure (fixed since).
%s        keepalive %d;
    }
    server {
        # Go's listen backlog is net.core.somaxconn (4096); nginx's
        # default is 511, which 4,096 connecting clients overflow.
        listen %s backlog=4096;
%s        location /static/ {
            alias %s/;
        }
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
`, upstream.String(), sh.keepalive, o.addr(), generatedLocations(sh.locations-2, o.scaleRegex), html)
	return os.WriteFile(filepath.Join(o.dir, "conf", "nginx.conf"), []byte(conf), 0o644)
}

// generatedLocations is n location blocks that match none of the
// benchmark's paths, written before /static/ and /, a share regex of
// them regex locations spread evenly among prefix ones. Half the prefix
// locations sit under /proxy/ (/proxy/vN/), so the longest-prefix search
// for /proxy/1k passes siblings of its path; the other half are /appN/.
// Every regex must be tried, since none matches and the longest prefix
// (/) is not ^~: half are anchored (^/legacy/N/, fail at once), half
// case-insensitive suffixes (/oldN\.(php|html?)$) scanned along the path.
func generatedLocations(n int, regex float64) string {
	var b strings.Builder
	nRegex := int(float64(n)*regex + 0.5)
	prefixes, regexes := 0, 0
	for i := range n {
		// Bresenham: the i-th block is a regex when the running share
		// of regexes steps up.
		if (i+1)*nRegex/n > i*nRegex/n {
			if regexes%2 == 0 {
				fmt.Fprintf(&b, "        location ~ ^/legacy/%d/ {\n            return 404;\n        }\n", regexes)
			} else {
				fmt.Fprintf(&b, "        location ~* /old%d\\.(php|html?)$ {\n            return 404;\n        }\n", regexes)
			}
			regexes++
			continue
		}
		if prefixes%2 == 0 {
			fmt.Fprintf(&b, "        location /proxy/v%d/ {\n            return 404;\n        }\n", prefixes)
		} else {
			fmt.Fprintf(&b, "        location /app%d/ {\n            return 404;\n        }\n", prefixes)
		}
		prefixes++
	}
	return b.String()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startServer starts s, waits until it answers every workload, and
// returns the pid to measure.
func startServer(o *options, s server) (*exec.Cmd, int, error) {
	cmd, err := s.start(o)
	if err != nil {
		return nil, 0, err
	}
	for _, w := range workloads {
		if err := waitHTTP("http://"+o.addr()+w.path, 10*time.Second); err != nil {
			stop(cmd)
			return nil, 0, err
		}
	}
	pid := cmd.Process.Pid
	if s.nginx {
		children, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
		if err != nil {
			stop(cmd)
			return nil, 0, err
		}
		f := strings.Fields(string(children))
		if len(f) != 1 {
			stop(cmd)
			return nil, 0, fmt.Errorf("nginx master %d has workers %q, want one", pid, f)
		}
		pid, _ = strconv.Atoi(f[0])
	}
	return cmd, pid, nil
}

func waitHTTP(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	c := &http.Client{Timeout: time.Second}
	for {
		resp, err := c.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
			err = fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cpuTicks is utime+stime of pid, all threads, in clock ticks.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+1:])
	// After the command come state (field 3) ... utime (14), stime (15).
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return u + st, nil
}

// sample is one measured wrk run.
type sample struct {
	rps       float64
	p99       time.Duration
	requests  int64
	errors    string
	cpuPerReq time.Duration
	cpuUtil   float64
	dials     int64 // connections opened to the backends during the run
}

func (s sample) errText() string {
	if s.errors == "" {
		return ""
	}
	return "  ERRORS: " + s.errors
}

var (
	reRequests = regexp.MustCompile(`(\d+) requests in`)
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reP99      = regexp.MustCompile(`\s99%\s+([\d.]+)(us|ms|s)`)
	reErrors   = regexp.MustCompile(`(Socket errors:.*|Non-2xx or 3xx responses:.*)`)
)

func runWrk(o *options, w workload, d time.Duration) (sample, error) {
	return startWrk(o, w, d)()
}

// startWrk starts wrk on w for d (whole seconds, at least 1) and returns
// the function that waits for it and reads its output.
func startWrk(o *options, w workload, d time.Duration) func() (sample, error) {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	// wrk's default --timeout, 2 s, counts the queueing of 4,096
	// connections (p99 over 1 s) as socket errors.
	cmd := exec.Command("taskset", "-c", o.loadCPU, o.wrk, "-t1", "-c"+strconv.Itoa(o.conns), "-d"+strconv.Itoa(secs)+"s", "--timeout", "10s", "--latency", "http://"+o.addr()+w.path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Start()
	return func() (sample, error) {
		if err == nil {
			err = cmd.Wait()
		}
		if err != nil {
			return sample{}, fmt.Errorf("wrk: %v\n%s", err, out.Bytes())
		}
		return parseWrk(out.String())
	}
}

// parseWrk reads requests, req/s, p99 and errors from wrk's output.
func parseWrk(text string) (sample, error) {
	var s sample
	m := reRequests.FindStringSubmatch(text)
	r := reRPS.FindStringSubmatch(text)
	p := reP99.FindStringSubmatch(text)
	if m == nil || r == nil || p == nil {
		return sample{}, fmt.Errorf("cannot read wrk output:\n%s", text)
	}
	s.requests, _ = strconv.ParseInt(m[1], 10, 64)
	s.rps, _ = strconv.ParseFloat(r[1], 64)
	v, _ := strconv.ParseFloat(p[1], 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[p[2]]
	s.p99 = time.Duration(v * float64(unit))
	if e := reErrors.FindAllString(text, -1); e != nil {
		s.errors = strings.Join(e, "; ")
	}
	if s.requests == 0 {
		return sample{}, fmt.Errorf("wrk completed no requests:\n%s", text)
	}
	return s, nil
}

func median[T int64 | float64 | time.Duration](v []T) T {
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

type summary struct {
	rps           float64
	p99, cpu      time.Duration
	cpuMin, cpuMx time.Duration
	util          float64
	dialsPerK     float64 // upstream connections opened per 1,000 requests
	valid, rounds int     // rounds without errors, rounds run
}

// summarize takes the medians over the rounds wrk saw no errors in (a
// run with 502s is cheaper per request and not comparable); when every
// round had errors, over all of them.
func summarize(ss []sample) summary {
	ok := slices.DeleteFunc(slices.Clone(ss), func(s sample) bool { return s.errors != "" })
	valid := len(ok)
	if valid == 0 {
		ok = ss
	}
	var rps, util, dials []float64
	var p99, cpu []time.Duration
	for _, s := range ok {
		rps = append(rps, s.rps)
		util = append(util, s.cpuUtil)
		p99 = append(p99, s.p99)
		cpu = append(cpu, s.cpuPerReq)
		dials = append(dials, 1000*float64(s.dials)/float64(s.requests))
	}
	return summary{rps: median(rps), p99: median(p99), cpu: median(cpu), cpuMin: slices.Min(cpu), cpuMx: slices.Max(cpu), util: median(util), dialsPerK: median(dials), valid: valid, rounds: len(ss)}
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= 100*time.Microsecond:
		return d.Round(time.Microsecond)
	default:
		return d.Round(100 * time.Nanosecond)
	}
}

func report(o *options, results map[string][]sample) {
	fmt.Printf("\nMedians of %d rounds (CPU/request range over rounds in brackets; server core = share of the server core used):\n\n", o.rounds)
	fmt.Println("| server | workload | req/s | p99 | CPU/request (min–max) | server core | upstream dials /1k req | rounds without errors |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	sum := map[string]summary{}
	for _, w := range o.loads {
		for _, s := range o.servers {
			ss := results[s+"/"+w]
			if len(ss) == 0 {
				continue
			}
			m := summarize(ss)
			sum[s+"/"+w] = m
			dials := "-"
			if w == "proxy-1K" {
				dials = fmt.Sprintf("%.1f", m.dialsPerK)
			}
			fmt.Printf("| %s | %s | %.0f | %s | %s (%s–%s) | %.0f%% | %s | %d/%d |\n", s, w, m.rps, round(m.p99), round(m.cpu), round(m.cpuMin), round(m.cpuMx), 100*m.util, dials, m.valid, m.rounds)
		}
	}
	fmt.Println("\nRatios (issue 10 targets):")
	fmt.Println()
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "target\tworkload\tmeasured\twant\tmet")
	limits := map[string]float64{"proxy-1K": 1.25, "static-1K": 1.6, "static-1M": 1.0}
	for _, w := range o.loads {
		b, okb := sum["binary/"+w]
		n, okn := sum["nginx/"+w]
		if okb && okn {
			r := float64(b.cpu) / float64(n.cpu)
			fmt.Fprintf(tw, "binary CPU/req ÷ nginx\t%s\t%.2f (efficiency nginx/frontdesk %.2f)\t≤ %.2f\t%v\n", w, r, 1/r, limits[w], r <= limits[w])
			fmt.Fprintf(tw, "binary p99 ÷ nginx p99\t%s\t%.2f (%s vs %s)\t≤ 1.00\t%v\n", w, float64(b.p99)/float64(n.p99), round(b.p99), round(n.p99), b.p99 <= n.p99)
		}
		l, okl := sum["library/"+w]
		h, okh := sum["httputil/"+w]
		if okl && okh {
			r := float64(l.cpu) / float64(h.cpu)
			want, met := "≤ 0.65", fmt.Sprint(r <= 0.65)
			if w != "proxy-1K" {
				want, met = "(no target)", "-"
			}
			fmt.Fprintf(tw, "library CPU/req ÷ httputil\t%s\t%.2f\t%s\t%s\n", w, r, want, met)
		}
	}
	tw.Flush()
}

// idleMemory measures resident memory with o.idle idle keep-alive client
// connections, binary vs nginx.
func idleMemory(o *options) error {
	fmt.Printf("\nResident memory with idle keep-alive client connections (one request each, then idle):\n\n")
	fmt.Println("| server | idle connections | RSS before | RSS with connections | per connection |")
	fmt.Println("|---|---|---|---|---|")
	var deltas []float64
	for _, name := range []string{"binary", "nginx"} {
		s, _ := lookup(name)
		cmd, pid, err := startServer(o, s)
		if err != nil {
			return err
		}
		before, err := rssKB(cmd.Process.Pid, pid)
		if err != nil {
			stop(cmd)
			return err
		}
		idle := track(exec.Command("taskset", "-c", o.loadCPU, o.self, "idle", "-addr", o.addr(), "-n", strconv.Itoa(o.idle)))
		idle.Stderr = os.Stderr
		stdin, _ := idle.StdinPipe()
		stdout, _ := idle.StdoutPipe()
		if err := idle.Start(); err != nil {
			stop(cmd)
			return err
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			stdin.Close()
			stop(idle)
			stop(cmd)
			return fmt.Errorf("idle client: %v", err)
		}
		time.Sleep(2 * time.Second)
		after, err := rssKB(cmd.Process.Pid, pid)
		stdin.Close()
		_ = idle.Wait()
		stop(cmd)
		if err != nil {
			return err
		}
		var n int
		fmt.Sscanf(line, "ready %d", &n)
		note := ""
		if n != o.idle {
			note = " (" + strings.TrimSpace(line) + ")"
		}
		per := float64(after-before) / float64(max(n, 1))
		fmt.Printf("| %s | %d%s | %.1f MiB | %.1f MiB | %.1f KiB |\n", name, n, note, float64(before)/1024, float64(after)/1024, per)
		deltas = append(deltas, float64(after))
	}
	if len(deltas) == 2 {
		fmt.Printf("\nbinary RSS ÷ nginx RSS with %d idle connections: %.2f (want ≤ 4)\n", o.idle, deltas[0]/deltas[1])
	}
	return nil
}

// rssKB is the resident memory of the server: for nginx, master plus
// worker (pid != main); for the binary, its one process.
func rssKB(main, pid int) (int64, error) {
	total := int64(0)
	for _, p := range slices.Compact([]int{main, pid}) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			return 0, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
				total += kb
			}
		}
	}
	return total, nil
}

// backendCounts is the number of connections the backends have accepted
// and of requests they have served; err names the first backend that did
// not say (its counts are missing from the sums).
func (o *options) backendCounts() (accepted, served int64, err error) {
	c := &http.Client{Timeout: 5 * time.Second}
	for _, a := range o.backendCtl {
		var n, m int64
		resp, gerr := c.Get("http://" + a + "/__accepted")
		if gerr == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			_, gerr = fmt.Sscanf(string(b), "%d %d", &n, &m)
		}
		if gerr != nil {
			err = cmp.Or(err, fmt.Errorf("backend %s: counts: %w", a, gerr))
			continue
		}
		accepted += n
		served += m
	}
	return accepted, served, err
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "unknown CPU"
}

func nproc() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}

func versionOf(bin, flag string) string {
	out, _ := exec.Command(bin, flag).CombinedOutput()
	return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
}
