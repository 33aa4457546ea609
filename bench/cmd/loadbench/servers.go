package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/nginxconf"
)

// The subcommands below are the processes the harness starts; each is this
// same executable, re-run with a subcommand name as its first argument.

// backendMain serves a fixed body of -size bytes on every path, on -n
// loopback ports it picks (one per upstream peer), and prints their
// host:port list, comma-separated, as its first line. The harness starts
// two of these and interleaves their ports into the upstream.
func backendMain(args []string) {
	fs := flag.NewFlagSet("backend", flag.ExitOnError)
	n := fs.Int("n", 1, "ports to listen on")
	size := fs.Int("size", 1024, "response body size in bytes")
	_ = fs.Parse(args)
	body := bytes.Repeat([]byte("b"), *size)
	// accepted counts the connections the proxies opened to this backend,
	// on any of its ports, and served the requests they proxied to it (GET
	// /__accepted: "accepted served"): a proxy that reuses its keep-alive
	// connections opens about as many as it has in flight, nginx exactly
	// that; served counts a proxy's requests over any time window.
	var accepted, served atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/__accepted" {
			fmt.Fprint(w, accepted.Load(), " ", served.Load())
			return
		}
		served.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(body)
	})
	var (
		ls    []net.Listener
		addrs []string
	)
	for range *n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		ls = append(ls, l)
		addrs = append(addrs, l.Addr().String())
	}
	fmt.Println(strings.Join(addrs, ","))
	srv := &http.Server{Handler: h, ConnState: func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			accepted.Add(1)
		}
	}}
	serve(ls, srv, "")
}

// libMain is the library path: the same nginx.conf loaded by nginxconf,
// frontdesk.New with its options, mounted in a plain net/http server.
func libMain(args []string) {
	fs := flag.NewFlagSet("lib", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	conf := fs.String("conf", "", "nginx.conf to load")
	prefix := fs.String("prefix", "", "nginx prefix (-p)")
	errorLog := fs.String("error-log", "", "file for the library's log (default stderr)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile here until the process is stopped")
	_ = fs.Parse(args)
	cfg, err := nginxconf.LoadFile(*conf, nginxconf.Options{Prefix: *prefix})
	if err != nil {
		log.Fatal(err)
	}
	opts := cfg.Options()
	if *errorLog != "" {
		f, err := os.OpenFile(*errorLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		opts = append(opts, frontdesk.Logger(slog.New(slog.NewTextHandler(f, nil))))
	}
	h, err := frontdesk.New(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()
	serveUntilSignal(*addr, h, *cpuprofile)
}

// httputilMain is the standard-library baseline: httputil.ReverseProxy
// (round robin over the backends, keep-alive pool of 64 per backend) and
// http.FileServer for /static/.
func httputilMain(args []string) {
	fs := flag.NewFlagSet("httputil", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	backends := fs.String("backends", "", "comma-separated backend host:port list")
	static := fs.String("static", "", "directory served under /static/")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile here until the process is stopped")
	_ = fs.Parse(args)
	var targets []*url.URL
	for _, b := range strings.Split(*backends, ",") {
		targets = append(targets, &url.URL{Scheme: "http", Host: b})
	}
	var next atomic.Uint64
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(targets[next.Add(1)%uint64(len(targets))])
			pr.Out.Host = pr.In.Host
		},
		Transport: tr,
		ErrorLog:  log.New(io.Discard, "", 0),
	}
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.Dir(*static))))
	mux.Handle("/", rp)
	serveUntilSignal(*addr, mux, *cpuprofile)
}

// serveUntilSignal serves h on addr until SIGTERM or SIGINT.
func serveUntilSignal(addr string, h http.Handler, cpuprofile string) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	serve([]net.Listener{l}, &http.Server{Handler: h}, cpuprofile)
}

// serve runs srv on ls until SIGTERM or SIGINT, with a CPU profile if asked.
func serve(ls []net.Listener, srv *http.Server, cpuprofile string) {
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	errc := make(chan error, len(ls))
	for _, l := range ls {
		go func() { errc <- srv.Serve(l) }()
	}
	for range ls {
		if err := <-errc; err != nil && err != http.ErrServerClosed {
			log.Fatal(err)
		}
	}
}

// idleMain opens -n keep-alive connections to -addr, makes one request on
// each, prints "ready N" and holds them open until its standard input is
// closed: the idle clients of the memory measurement.
func idleMain(args []string) {
	fs := flag.NewFlagSet("idle", flag.ExitOnError)
	addr := fs.String("addr", "", "server host:port")
	n := fs.Int("n", 10000, "connections")
	path := fs.String("path", "/static/1k", "request path")
	_ = fs.Parse(args)
	conns := make([]net.Conn, *n)
	var (
		wg      sync.WaitGroup
		failed  atomic.Int64
		firstMu sync.Mutex
		first   error
	)
	work := make(chan int)
	for range 64 {
		wg.Go(func() {
			for i := range work {
				c, err := dialAndRequest(*addr, *path)
				if err != nil {
					failed.Add(1)
					firstMu.Lock()
					if first == nil {
						first = err
					}
					firstMu.Unlock()
					continue
				}
				conns[i] = c
			}
		})
	}
	for i := range *n {
		work <- i
	}
	close(work)
	wg.Wait()
	if f := failed.Load(); f > 0 {
		fmt.Printf("ready %d (failed %d: %v)\n", int64(*n)-f, f, first)
	} else {
		fmt.Printf("ready %d\n", *n)
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

func dialAndRequest(addr, path string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path); err != nil {
		c.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || resp.Close {
		c.Close()
		return nil, fmt.Errorf("status %d, close %v, err %v", resp.StatusCode, resp.Close, err)
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}
