package frontdesktest

// The environment a configuration runs in, substituted: ${VAR} values,
// directories, host names and the addresses connections go to.

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing/fstest"
	"time"
)

type env struct {
	vars     map[string]string
	paths    []pathMap // longest prefix first
	backends map[string]string

	mu    sync.Mutex
	hosts map[string]netip.Addr // host name → its stand-in address
	byIP  map[netip.Addr]string // and back
	// conns are the upstream connections open, or closed with a request
	// not yet reported; stopped is set by closeConns.
	conns   map[*upConn]bool
	stopped bool
}

type pathMap struct{ from, to string }

func newEnv(c Config) *env {
	e := &env{vars: c.Vars, backends: c.Backends, hosts: map[string]netip.Addr{}, byIP: map[netip.Addr]string{}, conns: map[*upConn]bool{}}
	for from, to := range c.Paths {
		// Absolute, so that the test's working directory is read once.
		if abs, err := filepath.Abs(to); err == nil {
			to = abs
		}
		e.paths = append(e.paths, pathMap{strings.TrimSuffix(from, "/"), strings.TrimSuffix(to, "/")})
	}
	sort.Slice(e.paths, func(i, j int) bool { return len(e.paths[i].from) > len(e.paths[j].from) })
	return e
}

// subst replaces the ${NAME} placeholders listed in Vars.
func (e *env) subst(s string) string {
	for k, v := range e.vars {
		s = strings.ReplaceAll(s, "${"+k+"}", v)
	}
	return s
}

// mapPath maps a configured directory to its fixture.
func (e *env) mapPath(dir string) string {
	for _, p := range e.paths {
		if dir == p.from || strings.HasPrefix(dir, p.from+"/") {
			return p.to + dir[len(p.from):]
		}
	}
	return dir
}

// fsys returns the file system the loader reads: base (the operating
// system's when nil) with Paths and Vars applied; a path under one of
// Paths is read from its fixture even with a base, so that certificates
// and htpasswd files move with it. It is base itself when there is
// nothing to apply, so the loader's own messages are unchanged.
func (e *env) fsys(base fs.FS) fs.FS {
	if base != nil && len(e.vars) == 0 && len(e.paths) == 0 {
		return base
	}
	return &envFS{e: e, base: base}
}

// envFS reads files as nginx would find them in the test's environment.
type envFS struct {
	e    *env
	base fs.FS // nil: the operating system, with Paths applied
}

func (f *envFS) Open(name string) (fs.File, error) {
	var file fs.File
	var err error
	if mapped := f.e.mapPath("/" + name); f.base != nil && mapped == "/"+name {
		file, err = f.base.Open(name)
	} else {
		// fs names have no leading "/"; the loader strips it from nginx's
		// absolute paths.
		file, err = os.Open(mapped)
		if err != nil {
			// Keep fs's error shape: the loader words "No such file".
			err = &fs.PathError{Op: "open", Path: name, Err: unwrapPathErr(err)}
		}
	}
	if err != nil || len(f.e.vars) == 0 {
		return file, err
	}
	st, err := file.Stat()
	if err != nil || st.IsDir() {
		return file, err
	}
	data, err := io.ReadAll(file)
	file.Close()
	if err != nil {
		return nil, err
	}
	sub := fstest.MapFS{"f": {Data: []byte(f.e.subst(string(data))), Mode: st.Mode(), ModTime: st.ModTime()}}
	return sub.Open("f")
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// standIn is the network host names stand in from: loopback, so that a
// name nobody substituted is refused quickly rather than resolved by DNS.
var standIn = netip.MustParsePrefix("127.77.0.0/16")

// addrFor gives a host name its stand-in address (the same one each time).
func (e *env) addrFor(host string) netip.Addr {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a, ok := e.hosts[host]; ok {
		return a
	}
	n := len(e.hosts) + 1
	a := netip.AddrFrom4([4]byte{127, 77, byte(n >> 8), byte(n)})
	e.hosts[host], e.byIP[a] = a, host
	return a
}

// lookupHost is the loader's host-name check: every name exists.
func (e *env) lookupHost(host string) ([]string, error) {
	if host == "localhost" {
		return []string{"127.0.0.1"}, nil
	}
	return []string{e.addrFor(host).String()}, nil
}

// lookupAddrs is frontdesk's resolver for proxy_pass and upstream host
// names, agreeing with lookupHost.
func (e *env) lookupAddrs(_ context.Context, host string) ([]netip.Addr, time.Duration, error) {
	if host == "localhost" {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, 0, nil
	}
	return []netip.Addr{e.addrFor(host)}, 0, nil
}

// dial opens an upstream connection where Backends sends it, recording
// what the request sends on it.
func (e *env) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := e.dialTarget(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	uc := &upConn{Conn: c, e: e}
	uc.ex, _ = ctx.Value(explainKey{}).(*Explanation)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		c.Close()
		return nil, net.ErrClosed
	}
	e.conns[uc] = true
	return uc, nil
}

// closeConns closes every upstream connection and refuses new ones: a
// request stopped while it waits for its upstream then ends at once,
// whatever deadline frontdesk has set on the connection.
func (e *env) closeConns() {
	e.mu.Lock()
	e.stopped = true
	conns := e.conns
	e.conns = map[*upConn]bool{}
	e.mu.Unlock()
	for c := range conns {
		c.Conn.Close()
	}
}

// upConn is an upstream connection that keeps what its first request
// writes, for the explanation's Attempt.Sent.
type upConn struct {
	net.Conn
	e *env
	// Guarded by e.mu.
	ex     *Explanation // the request that opened it, until reported
	buf    bytes.Buffer
	closed bool
}

func (c *upConn) Write(p []byte) (int, error) {
	c.e.mu.Lock()
	if c.ex != nil && c.buf.Len()+len(p) <= maxSent {
		c.buf.Write(p)
	}
	c.e.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *upConn) Close() error {
	c.e.mu.Lock()
	c.closed = true
	if c.ex == nil {
		delete(c.e.conns, c)
	}
	c.e.mu.Unlock()
	return c.Conn.Close()
}

func (e *env) dialTarget(ctx context.Context, network, addr string) (net.Conn, error) {
	target, ok := e.target(network, addr)
	if !ok {
		if ap, err := netip.ParseAddrPort(addr); err == nil && standIn.Contains(ap.Addr()) {
			// A service nobody stood in for: refused, as a stopped
			// container's address is.
			return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
		}
		target = addr
		if network == "unix" {
			target = "unix:" + addr
		}
	}
	var d net.Dialer
	if p, ok := strings.CutPrefix(target, "unix:"); ok {
		return d.DialContext(ctx, "unix", p)
	}
	return d.DialContext(ctx, "tcp", target)
}

// target finds the Backends entry for a configured address.
func (e *env) target(network, addr string) (string, bool) {
	if network == "unix" {
		t, ok := e.backends["unix:"+addr]
		return t, ok
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", false
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		e.mu.Lock()
		name, ok := e.byIP[ip]
		e.mu.Unlock()
		if ok {
			host = name
		}
	}
	for _, k := range []string{net.JoinHostPort(host, port), host, addr} {
		if t, ok := e.backends[k]; ok {
			return t, true
		}
	}
	return "", false
}
