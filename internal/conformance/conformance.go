// Package conformance runs the same nginx.conf and the same raw requests
// against real nginx and against frontdesk, and compares what comes back.
//
// A [Case] is one configuration (the body of the http{} block, with
// {{PORT}} and {{DIR}} placeholders) and a list of requests; every request
// is a subtest, so `go test -run Conformance -v` lists each comparison.
// Both sides serve the very same files from one data directory, so
// modification times, sizes and ETags agree.
package conformance

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
	"github.com/frontdesk-go/frontdesk/nginxconf"
)

// Case is one configuration and the requests sent to it.
type Case struct {
	Name string
	// Conf is the http{} body. It must listen on 127.0.0.1:{{PORT}}.
	Conf string
	// Files are created under the data directory ({{DIR}}) before the
	// servers start: a name ending in "/" is a directory, any other holds
	// the given content.
	Files map[string]string
	// Setup prepares anything Files cannot express (symlinks, modes,
	// times). dir is {{DIR}}, the "data" directory inside nginx's prefix.
	Setup func(t testing.TB, dir string)
	// Backend, when set, is started first and named {{BACKEND}} in Conf.
	Backend *Backend
	// Backends, when set, are started first and named {{BACKEND1}},
	// {{BACKEND2}} … (host:port; {{BACKEND1_PORT}} is the port alone) in
	// Conf and in the requests. Such a case runs as a sequence: every
	// request against nginx, then (the backends reset, so that both meet
	// the same behaviour) every request against frontdesk, and then the
	// two are compared request by request, what the backends received
	// included. Requests may then hold backends busy (Async, Release).
	Backends []*Backend
	// DNS, with Backends, is served by a loopback DNS server named {{DNS}}
	// (host:port, for nginx's resolver): each name's IPv4 and IPv6
	// addresses. Other names do not exist (NXDOMAIN).
	DNS      map[string][]string
	Requests []Request
}

// Request is one raw request and what to compare besides the defaults.
type Request struct {
	Name   string
	Method string // default GET
	Target string
	// Header lines ("Name: value"); Host: localhost is added when absent.
	Header []string
	// Body, when not empty, is sent with a Content-Length header.
	Body string
	// HTTP11 sends the request as HTTP/1.1 instead of HTTP/1.0.
	HTTP11 bool
	// Compare names response headers compared in addition to the defaults.
	Compare []string
	// Shape names response headers compared with every run of digits
	// replaced by "0": timings ($upstream_response_time) agree in form,
	// not in value.
	Shape []string
	// Raw, when set, is sent as is instead of Method/Target/Header/Body.
	Raw string
	// Exchange, when set, drives the client connection itself instead of
	// sending one request (a WebSocket conversation, a stream read piece
	// by piece). It runs against nginx, then frontdesk, each on a fresh
	// connection, and returns a transcript of what it saw; the two
	// transcripts, with the servers' ports normalised, must be equal.
	Exchange func(c net.Conn) string
	// TLS, when set, sends the request over TLS with this client
	// configuration (versions, suites, SNI, client certificate) and
	// compares what was negotiated too (see tls.go).
	TLS *tls.Config

	// Gunzip compares the bodies after undoing a "Content-Encoding: gzip":
	// two deflate implementations legitimately differ in their output
	// bytes, not in what those bytes decompress to.
	Gunzip bool
	// Source is the client's local address, such as "127.0.3.1": nginx's
	// ip_hash, allow/deny and $remote_addr see the TCP source address.
	Source string

	// The fields below apply to cases with Backends.

	// Async sends the request without waiting for its response: the
	// sequence goes on once a backend has received it (or it was
	// answered). A backend holding it (Hang) keeps it in flight, which
	// least_conn and max_conns count, until a later Release.
	Async bool
	// Release lets the requests held by these backends (numbered from 1)
	// go before this request is sent, and waits until the async requests
	// they held are answered. A request with Release and no Target or Raw
	// only releases.
	Release []int
	// WaitSeconds delays the request until the clock is that many whole
	// seconds past the Date of the previous response: how a case lets
	// fail_timeout, which nginx counts in whole seconds, run out.
	WaitSeconds int
}

// DefaultCompared are the response headers every request compares.
var DefaultCompared = []string{
	"Location", "Content-Type", "Content-Length", "Content-Range",
	"Last-Modified", "ETag", "Expires", "Cache-Control", "Accept-Ranges",
}

// Run starts nginx and frontdesk for each case and compares every request.
func Run(t *testing.T, cases []Case) {
	t.Helper()
	nginxtest.Require(t)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			runCase(t, c)
		})
	}
}

func runCase(t *testing.T, c Case) {
	// The data directory is "data" inside nginx's prefix, so that a
	// relative root or alias ("root data/site;") names the same files on
	// both sides: nginx resolves it against its -p prefix, frontdesk
	// against the prefix the loader is given.
	prefix := t.TempDir()
	dir := filepath.Join(prefix, "data")
	writeFiles(t, dir, c.Files)
	if c.Setup != nil {
		c.Setup(t, dir)
	}
	conf := c.Conf
	var backend *runningBackend
	if c.Backend != nil {
		backend = startBackend(t, c.Backend)
		conf = strings.ReplaceAll(conf, "{{BACKEND}}", backend.addr)
	}
	var set *backendSet
	if len(c.Backends) > 0 {
		set = startBackends(t, c.Backends)
		if c.DNS != nil {
			set.dns = startDNS(t, c.DNS)
		}
		conf = set.substitute(conf)
	}
	ng := nginxtest.StartWith(t, conf, nginxtest.Options{Dir: prefix, DataDir: dir})
	var fd string
	if os.Getenv(ServerEnv) == "binary" {
		fd = startBinary(t, conf, ng)
	} else {
		fd = startFrontdesk(t, ng)
	}
	if set != nil {
		runSequence(t, c.Requests, set, ng.Addr, fd)
		return
	}
	for _, r := range c.Requests {
		name := r.Name
		if name == "" {
			name = strings.TrimSpace(r.Method + " " + r.Target)
		}
		t.Run(name, func(t *testing.T) {
			if r.Exchange != nil {
				runExchange(t, r.Exchange, backend, ng.Addr, fd)
				return
			}
			if r.TLS != nil {
				runTLS(t, r, backend, ng.Addr, fd)
				return
			}
			raw := r.raw()
			want, werr := doFrom(ng.Addr, r.Source, raw)
			var wantUp [][]byte
			if backend != nil {
				wantUp = backend.take()
			}
			got, gerr := doFrom(fd, r.Source, raw)
			if backend != nil {
				compareUpstream(t, wantUp, backend.take(), portOf(ng.Addr), portOf(fd))
			}
			compareOutcome(t, r, want, werr, got, gerr, ng.Addr, fd)
		})
	}
}

// compareOutcome compares one request's results, errors included.
func compareOutcome(t *testing.T, r Request, want *rawhttp.Response, werr error, got *rawhttp.Response, gerr error, ngAddr, fdAddr string) {
	t.Helper()
	if werr != nil || gerr != nil {
		switch {
		case errors.Is(werr, io.ErrUnexpectedEOF) && errors.Is(gerr, io.ErrUnexpectedEOF) && want != nil && got != nil:
			// Both cut the body short (an upstream that died
			// mid-body): what was sent must still agree.
		case errors.Is(werr, io.EOF) && errors.Is(gerr, io.EOF):
			// Both closed without any response (nginx's "return 444").
			return
		case werr != nil && gerr != nil && sameFailure(werr, gerr, ngAddr, fdAddr):
			// Both sent the same unparsable bytes (an HTTP/0.9
			// upstream passed through raw).
			return
		default:
			t.Fatalf("nginx: %v; frontdesk: %v", werr, gerr)
		}
	}
	compare(t, r, want, got, portOf(ngAddr), portOf(fdAddr))
}

// raw is the request on the wire.
func (r Request) raw() []byte {
	method := orDefault(r.Method, "GET")
	switch {
	case r.Raw != "":
		return []byte(r.Raw)
	case r.Body != "" && r.HTTP11:
		return rawhttp.Request11Body(method, r.Target, []byte(r.Body), r.Header...)
	case r.Body != "":
		return rawhttp.RequestBody(method, r.Target, []byte(r.Body), r.Header...)
	case r.HTTP11:
		return rawhttp.Request11(method, r.Target, r.Header...)
	}
	return rawhttp.Request(method, r.Target, r.Header...)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, n)
		if strings.HasSuffix(n, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[n]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// startFrontdesk loads the configuration nginx runs and serves its first
// server on a loopback port of its own.
func startFrontdesk(t testing.TB, ng *nginxtest.Server) string {
	t.Helper()
	cfg, err := nginxconf.LoadString(filepath.Join(ng.Dir, "nginx.conf"), ng.Conf, nginxconf.Options{Prefix: ng.Dir})
	if err != nil {
		t.Fatalf("frontdesk refused the configuration nginx runs: %v", err)
	}
	if len(cfg.Servers) == 0 {
		t.Fatal("configuration has no server")
	}
	opts := append([]frontdesk.Option{frontdesk.Logger(slog.New(slog.DiscardHandler))}, cfg.Options()...)
	p, err := frontdesk.New(opts...)
	if err != nil {
		t.Fatalf("frontdesk.New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if tc := cfg.TLS(ng.Addr); tc != nil {
		// nginx's port is an ssl listener: frontdesk serves the same
		// certificates (HTTP/2 too when the listener offers h2).
		ln = tls.NewListener(ln, tc)
	}
	if os.Getenv(ServerEnv) == "h1server" && cfg.TLS(ng.Addr) == nil && cfg.Protocols(ng.Addr) == nil {
		return serveLoop(t, p, ln, ng.Addr)
	}
	if cfg.TLS(ng.Addr) == nil {
		// A plain HTTP/2-only address answers other protocols as nginx.
		ln = cfg.Listener(ng.Addr, ln)
	}
	srv := &http.Server{Handler: p, ErrorLog: nil, ReadHeaderTimeout: 10 * time.Second, HTTP2: cfg.HTTP2(ng.Addr),
		// HTTP/2 with prior knowledge on a plain address with http2.
		Protocols: cfg.Protocols(ng.Addr),
		// Requests come to nginx on its first port: frontdesk's listener
		// stands for that address, so that servers listening on other
		// ports ({{PORT2}} …) are left out of server selection as nginx
		// leaves them out.
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return frontdesk.WithListenAddr(ctx, ng.Addr)
		},
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
		_ = p.Close()
	})
	return ln.Addr().String()
}

// doFrom sends raw to addr from the local address source ("" for any).
// An error is returned, not fatal: a connection closed without a response
// is an outcome to compare.
func doFrom(addr, source string, raw []byte) (*rawhttp.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := rawhttp.DoFrom(ctx, addr, source, raw)
	if err != nil {
		// resp may hold a response cut short; callers compare it.
		return resp, fmt.Errorf("request to %s: %w", addr, err)
	}
	return resp, nil
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

var digitsRE = regexp.MustCompile(`[0-9]+`)

var boundaryRE = regexp.MustCompile(`boundary=([0-9A-Za-z'()+_,./:=?-]+)`)

// normalise removes what legitimately differs between the two servers:
// their ports, their prefix directories (in binary mode), and the random
// boundary of multipart responses.
func normalise(s, port, boundary string) string {
	s = strings.ReplaceAll(s, ":"+port, ":PORT")
	if dirs, ok := prefixes.Load(port); ok {
		for _, d := range dirs.([]string) {
			s = strings.ReplaceAll(s, d, "PREFIX")
		}
	}
	if boundary != "" {
		s = strings.ReplaceAll(s, boundary, "BOUNDARY")
	}
	return s
}

func boundaryOf(r *rawhttp.Response) string {
	if m := boundaryRE.FindStringSubmatch(r.Get("Content-Type")); m != nil {
		return m[1]
	}
	return ""
}

func compare(t *testing.T, req Request, want, got *rawhttp.Response, wantPort, gotPort string) {
	t.Helper()
	wb, gb := boundaryOf(want), boundaryOf(got)
	if want.Status != got.Status {
		t.Errorf("status: nginx %d; frontdesk %d", want.Status, got.Status)
	}
	// Interim responses ("100 Continue") are part of what the client sees.
	if wi, gi := interimLines(want), interimLines(got); wi != gi {
		t.Errorf("interim responses: nginx %q; frontdesk %q", wi, gi)
	}
	for _, h := range req.Shape {
		w := digitsRE.ReplaceAllString(strings.Join(want.Values(h), " | "), "0")
		g := digitsRE.ReplaceAllString(strings.Join(got.Values(h), " | "), "0")
		if w != g {
			t.Errorf("%s: nginx %q; frontdesk %q (digits aside)", h, strings.Join(want.Values(h), " | "), strings.Join(got.Values(h), " | "))
		}
	}
	for _, h := range append(append([]string{}, DefaultCompared...), req.Compare...) {
		w := normalise(strings.Join(want.Values(h), " | "), wantPort, wb)
		g := normalise(strings.Join(got.Values(h), " | "), gotPort, gb)
		if h == "Expires" && closeDates(w, g) {
			continue
		}
		if h == "Cache-Control" && closeMaxAge(w, g) {
			continue
		}
		if w != g {
			t.Errorf("%s: nginx %q; frontdesk %q", h, w, g)
		}
	}
	wantBody, gotBody := want.Body, got.Body
	if req.Gunzip {
		wantBody, gotBody = gunzip(t, "nginx", want), gunzip(t, "frontdesk", got)
	}
	w := normalise(string(wantBody), wantPort, wb)
	g := normalise(string(gotBody), gotPort, gb)
	if w != g {
		t.Errorf("body differs:\nnginx:     %q\nfrontdesk: %q", clip(w), clip(g))
	}
}

// gunzip is r's body, decompressed when its Content-Encoding is gzip.
func gunzip(t *testing.T, server string, r *rawhttp.Response) []byte {
	t.Helper()
	if r.Get("Content-Encoding") != "gzip" || len(r.Body) == 0 {
		return r.Body
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.Body))
	if err == nil {
		var b []byte
		if b, err = io.ReadAll(zr); err == nil {
			return b
		}
	}
	t.Errorf("%s: gzip body: %v", server, err)
	return r.Body
}

// closeDates accepts HTTP dates a second or two apart: the two servers
// answer at slightly different moments.
func closeDates(a, b string) bool {
	ta, err1 := http.ParseTime(a)
	tb, err2 := http.ParseTime(b)
	if err1 != nil || err2 != nil {
		return false
	}
	d := ta.Sub(tb)
	return d >= -2*time.Second && d <= 2*time.Second
}

var maxAgeRE = regexp.MustCompile(`^max-age=(\d+)$`)

func closeMaxAge(a, b string) bool {
	ma, mb := maxAgeRE.FindStringSubmatch(a), maxAgeRE.FindStringSubmatch(b)
	if ma == nil || mb == nil {
		return false
	}
	x, _ := strconv.Atoi(ma[1])
	y, _ := strconv.Atoi(mb[1])
	return x-y >= -2 && x-y <= 2
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}

// compareUpstream compares the exact bytes each server sent the backend.
func compareUpstream(t *testing.T, want, got [][]byte, wantPort, gotPort string) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("upstream requests: nginx sent %d; frontdesk sent %d", len(want), len(got))
		return
	}
	for i := range want {
		w := normalise(string(want[i]), wantPort, "")
		g := normalise(string(got[i]), gotPort, "")
		if w != g {
			t.Errorf("upstream request %d differs:\nnginx:     %q\nfrontdesk: %q", i, clip(w), clip(g))
		}
	}
}

// sameFailure reports whether two client errors say the same thing once
// the servers' addresses are taken out.
func sameFailure(a, b error, addrA, addrB string) bool {
	return strings.ReplaceAll(a.Error(), addrA, "ADDR") == strings.ReplaceAll(b.Error(), addrB, "ADDR")
}

// interimLines lists the status lines of r's 1xx interim responses.
func interimLines(r *rawhttp.Response) string {
	lines := make([]string, len(r.Interim))
	for i, ir := range r.Interim {
		lines[i] = ir.StatusLine
	}
	return strings.Join(lines, " | ")
}

// runExchange runs a scripted conversation against both servers and
// compares the transcripts, and what the backend received.
func runExchange(t *testing.T, exchange func(net.Conn) string, backend *runningBackend, ngAddr, fdAddr string) {
	t.Helper()
	talk := func(addr string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := rawhttp.Dial(ctx, addr)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		defer c.Close()
		return exchange(c)
	}
	want := talk(ngAddr)
	var wantUp [][]byte
	if backend != nil {
		wantUp = backend.take()
	}
	got := talk(fdAddr)
	if backend != nil {
		compareUpstream(t, wantUp, backend.take(), portOf(ngAddr), portOf(fdAddr))
	}
	if w, g := normalise(want, portOf(ngAddr), ""), normalise(got, portOf(fdAddr), ""); w != g {
		t.Errorf("transcripts differ:\nnginx:     %q\nfrontdesk: %q", clip(w), clip(g))
	}
}
