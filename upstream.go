package frontdesk

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Unlimited, as [Server.MaxFails], turns failure accounting off (nginx's
// max_fails=0).
const Unlimited = -1

// Server is one server line of an nginx upstream block. Zero values are
// nginx's defaults: weight 1, max_fails 1, fail_timeout 10s, no max_conns.
type Server struct {
	// Addr is "host:port", "[ipv6]:port" or "unix:/path/to.sock". A host
	// name is resolved when the Proxy is built and every address becomes a
	// peer, as nginx does. A missing port means 80.
	Addr string
	// Weight is the round-robin weight (default 1).
	Weight int
	// MaxFails failures within FailTimeout make the server unavailable for
	// FailTimeout (default 1; [Unlimited] never marks it down).
	MaxFails int
	// FailTimeout (default 10s) is both the window and the time out.
	FailTimeout time.Duration
	// MaxConns limits concurrent connections (0: no limit).
	MaxConns int
	// Backup servers are used only when no primary is available.
	Backup bool
	// Down marks the server permanently unavailable.
	Down bool
	// Resolve looks the host name up again when its addresses expire (the
	// DNS TTL, or the resolver's "valid"), adding and removing peers while
	// the pool serves: nginx's "server … resolve" (open source since
	// 1.27.3; nginx 1.22.1, and so the nginxconf loader, rejects it). It
	// needs [WithResolver]. A name that does not resolve yet leaves the
	// server without peers instead of failing the configuration.
	Resolve bool
}

// UpstreamPool is an nginx upstream block: named servers and a balancer.
// It is an [http.Handler] meaning "proxy_pass http://NAME" (the request URI
// passed unchanged), and an [Option]: given to [New] it can be named in
// [ProxyPass] URLs. Peer state is shared by every Proxy that uses the pool.
type UpstreamPool struct {
	name      string
	servers   []Server
	balancer  Balancer
	keepalive keepaliveConf
	clock     func() time.Time
	lookup    LookupFunc // WithResolver
	system    LookupFunc // the Proxy's SystemResolver, for names without Resolve
	err       error
	built     atomic.Pointer[poolState]
	mu        sync.Mutex // serialises building, SetServers and re-resolution

	// Re-resolution runs in the background, one at a time; Close cancels
	// it and waits, so that no goroutine outlives the pool's users.
	refreshing    atomic.Bool
	refreshMu     sync.Mutex // guards refreshCancel and refreshWG.Add against Close
	refreshWG     sync.WaitGroup
	refreshCancel context.CancelFunc

	standalone
}

// UpstreamOption configures an [UpstreamPool].
type UpstreamOption func(*UpstreamPool) error

// WithBalancer sets the pool's balancer ([RoundRobin] by default).
func WithBalancer(b Balancer) UpstreamOption {
	return func(u *UpstreamPool) error {
		if b == nil {
			return errors.New("nil balancer")
		}
		u.balancer = b
		return nil
	}
}

// Keepalive mirrors nginx's keepalive: up to n idle connections to the
// pool's servers are kept for reuse (nginx 1.22 keeps none by default).
// As in nginx, a connection is reused only for HTTP/1.1 requests whose
// response said nothing of closing and was read to its end; set
// [ProxyHTTPVersion]("1.1") and ProxySetHeader("Connection", "") on the
// locations that use the pool.
func Keepalive(n int) UpstreamOption {
	return func(u *UpstreamPool) error {
		if n <= 0 {
			return fmt.Errorf("keepalive: invalid value %d", n)
		}
		u.keepalive.max = n
		return nil
	}
}

// KeepaliveRequests mirrors keepalive_requests (default 1000): a
// connection is closed after serving n requests.
func KeepaliveRequests(n int) UpstreamOption {
	return func(u *UpstreamPool) error {
		if n <= 0 {
			return fmt.Errorf("keepalive_requests: invalid value %d", n)
		}
		u.keepalive.requests = n
		return nil
	}
}

// KeepaliveTimeout mirrors keepalive_timeout (default 60s): how long a
// connection may stay idle in the cache.
func KeepaliveTimeout(d time.Duration) UpstreamOption {
	return func(u *UpstreamPool) error {
		if d <= 0 {
			return fmt.Errorf("keepalive_timeout: invalid value %v", d)
		}
		u.keepalive.timeout = d
		return nil
	}
}

// KeepaliveTime mirrors keepalive_time (default 1h): the longest a
// connection is used, whatever its traffic.
func KeepaliveTime(d time.Duration) UpstreamOption {
	return func(u *UpstreamPool) error {
		if d <= 0 {
			return fmt.Errorf("keepalive_time: invalid value %v", d)
		}
		u.keepalive.lifetime = d
		return nil
	}
}

// WithClock replaces the clock the pool's failure accounting reads
// (max_fails, fail_timeout, keepalive timeouts), so that tests can move
// time instead of waiting for it.
func WithClock(now func() time.Time) UpstreamOption {
	return func(u *UpstreamPool) error {
		if now == nil {
			return errors.New("nil clock")
		}
		u.clock = now
		return nil
	}
}

// WithResolver sets how the pool looks its servers' host names up: when
// the pool is built, and again, for servers with [Server.Resolve], each
// time their addresses expire. Without it names are resolved once by the
// system resolver (or the Proxy's [SystemResolver]), as nginx does at
// startup.
func WithResolver(fn LookupFunc) UpstreamOption {
	return func(u *UpstreamPool) error {
		if fn == nil {
			return errors.New("nil resolver")
		}
		u.lookup = fn
		return nil
	}
}

// defaultKeepalive gives a pool that set no keepalive n idle connections
// (nginx 1.29.7's default for upstream blocks), unless it is already built.
func (u *UpstreamPool) defaultKeepalive(n int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.keepalive.max == 0 && u.built.Load() == nil {
		u.keepalive.max = n
	}
}

// Close drops the pool's idle keep-alive connections and stops a
// re-resolution in progress; the pool stays usable and opens new
// connections on demand.
func (u *UpstreamPool) Close() error {
	// Waiting under refreshMu keeps a new refresh from starting (Add)
	// while Wait runs; the refresh goroutine never takes refreshMu.
	u.refreshMu.Lock()
	if u.refreshCancel != nil {
		u.refreshCancel()
	}
	u.refreshWG.Wait()
	u.refreshMu.Unlock()
	if ps := u.built.Load(); ps != nil && ps.idle != nil {
		ps.idle.closeAll()
	}
	return nil
}

// Upstream declares a pool of servers, as nginx's upstream block does.
func Upstream(name string, servers []Server, opts ...UpstreamOption) *UpstreamPool {
	u := &UpstreamPool{name: name, servers: servers, balancer: RoundRobin()}
	for _, o := range opts {
		if err := o(u); err != nil {
			u.err = errors.Join(u.err, err)
		}
	}
	return u
}

func (u *UpstreamPool) applyServer(s *serverBuilder) error {
	s.pools = append(s.pools, u)
	return nil
}

// Servers returns a copy of the pool's servers as last declared or set.
func (u *UpstreamPool) Servers() []Server {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]Server(nil), u.servers...)
}

// Name is the upstream's name, which is also its $proxy_host.
func (u *UpstreamPool) Name() string { return u.name }

func (u *UpstreamPool) bind(c *compiler, l *location) http.Handler {
	c.registerPool(u)
	return c.bindProxy(l, &ProxyPassHandler{raw: "http://" + u.name})
}

// ServeHTTP proxies r to the pool, as "proxy_pass http://NAME" does; used
// outside a Proxy it builds one with a single "/" location.
func (u *UpstreamPool) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.serveStandalone(u, w, r)
}

// poolState is the resolved, runnable form of a pool.
type poolState struct {
	name     string
	primary  tier
	backup   tier
	balancer Balancer
	// single: one primary and no backup, which nginx never marks failed.
	single bool
	idle   *connCache // nil without keepalive
	clock  func() time.Time
	// realClock: clock is time.Now, so a time the request has already
	// read serves instead of another clock read (see at).
	realClock bool
	// resolved holds each server line's addresses, in the order of the
	// pool's servers; refreshAt is when the first Resolve server's expire
	// (zero when none does).
	resolved  []resolution
	refreshAt time.Time
}

func (ps *poolState) now() time.Time { return ps.clock() }

// at is the pool's time for a request whose clock last read t: t itself,
// unless [WithClock] replaced the clock.
func (ps *poolState) at(t time.Time) time.Time {
	if ps.realClock {
		return t
	}
	return ps.clock()
}

// build resolves the pool's servers into peers, once, looking host names
// up with the pool's resolver, else system (nil: the system resolver).
func (u *UpstreamPool) build() (*poolState, error) { return u.buildWith(nil) }

func (u *UpstreamPool) buildWith(system LookupFunc) (*poolState, error) {
	if ps := u.built.Load(); ps != nil {
		return ps, nil
	}
	if u.err != nil {
		return nil, u.err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if ps := u.built.Load(); ps != nil {
		return ps, nil
	}
	u.system = system
	ps, err := u.newState(u.servers, nil, false)
	if err != nil {
		return nil, err
	}
	u.built.Store(ps)
	return ps, nil
}

// current is the state a request uses. Once addresses of Resolve servers
// have expired it starts their re-resolution in the background, as
// nginx's resolver does: requests never wait for DNS, they use the
// addresses known until the new ones are in.
func (u *UpstreamPool) current() (*poolState, error) {
	ps, err := u.build()
	if err != nil || ps.refreshAt.IsZero() || ps.now().Before(ps.refreshAt) {
		return ps, err
	}
	if !u.refreshing.CompareAndSwap(false, true) {
		return ps, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), defaultResolverTimeout)
	u.refreshMu.Lock()
	u.refreshCancel = cancel
	u.refreshWG.Add(1)
	u.refreshMu.Unlock()
	go func() {
		defer u.refreshWG.Done()
		defer u.refreshing.Store(false)
		defer cancel()
		u.refresh(ctx)
	}()
	return ps, nil
}

// refresh re-resolves the Resolve servers whose addresses have expired
// and publishes the new peers; peers whose address stays keep their
// state.
func (u *UpstreamPool) refresh(ctx context.Context) {
	defer func() {
		// The lookup is the embedder's code: a panic in it must not take
		// the process down from a goroutine nobody waits on.
		_ = recover()
	}()
	u.mu.Lock()
	defer u.mu.Unlock()
	prev := u.built.Load()
	if prev == nil {
		return
	}
	ps, err := u.newStateCtx(ctx, u.servers, prev, true)
	if err != nil {
		return
	}
	u.built.Store(ps)
}

// SetServers replaces the pool's servers while it serves: requests in
// flight finish on the servers they picked, new ones see the new list.
// A server kept across the change keeps its failure state and connection
// count; setting Down drains it (no new requests, in-flight ones finish).
// The hot path takes no lock for this: the pool's state is an immutable
// snapshot swapped atomically.
func (u *UpstreamPool) SetServers(servers []Server) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	ps, err := u.newState(servers, u.built.Load(), false)
	if err != nil {
		return err
	}
	u.servers = servers
	u.built.Store(ps)
	return nil
}

// PeerState is a snapshot of one upstream server address, for tests and
// metrics.
type PeerState struct {
	Addr      string // the resolved address, as $upstream_addr shows it
	Backup    bool   // marked backup: tried only when no primary is available
	Down      bool   // marked down
	Weight    int    // its weight (1 unless configured)
	Fails     int    // failures counted towards max_fails
	Conns     int64  // requests in flight
	Available bool   // would be chosen now (not down, failed or full)
}

// State reports every peer of the pool.
func (u *UpstreamPool) State() ([]PeerState, error) {
	ps, err := u.build()
	if err != nil {
		return nil, err
	}
	now := ps.now()
	var out []PeerState
	for _, t := range []*tier{&ps.primary, &ps.backup} {
		t.mu.Lock()
		for _, p := range t.peers {
			out = append(out, PeerState{
				Addr: p.name, Backup: t == &ps.backup, Down: p.down, Weight: p.weight,
				Fails: p.fails, Conns: p.conns.Load(), Available: p.available(now),
			})
		}
		t.mu.Unlock()
	}
	return out, nil
}

// newState resolves servers into a runnable snapshot, carrying over the
// state of peers that prev already had. With refresh, only the addresses
// of Resolve servers that have expired are looked up again.
func (u *UpstreamPool) newState(servers []Server, prev *poolState, refresh bool) (*poolState, error) {
	ctx, cancel := context.WithTimeout(context.Background(), defaultResolverTimeout)
	defer cancel()
	return u.newStateCtx(ctx, servers, prev, refresh)
}

func (u *UpstreamPool) newStateCtx(ctx context.Context, servers []Server, prev *poolState, refresh bool) (*poolState, error) {
	if hb, ok := u.balancer.(*hashBalancer); ok && hb.err != nil {
		return nil, fmt.Errorf("upstream %q: hash: %w", u.name, hb.err)
	}
	if len(servers) == 0 {
		return nil, fmt.Errorf("no servers are inside upstream %q", u.name)
	}
	ps := &poolState{name: u.name, balancer: u.balancer, clock: u.clock}
	if ps.clock == nil {
		ps.clock, ps.realClock = time.Now, true
	}
	if prev != nil {
		ps.idle = prev.idle
	} else if u.keepalive.max > 0 {
		ps.idle = newConnCache(u.keepalive)
	}
	now := ps.now()
	resolving := false
	for i, s := range servers {
		var old *resolution
		if refresh && prev != nil && i < len(prev.resolved) {
			old = &prev.resolved[i]
		}
		res, err := u.resolveServer(ctx, s, old, now)
		if err != nil {
			return nil, err
		}
		ps.resolved = append(ps.resolved, res)
		if s.Resolve && !res.expires.IsZero() && (ps.refreshAt.IsZero() || res.expires.Before(ps.refreshAt)) {
			ps.refreshAt = res.expires
		}
		resolving = resolving || s.Resolve
		peers := newPeers(s, res)
		if s.Backup {
			if _, rr := u.balancer.(roundRobin); !rr {
				if _, lc := u.balancer.(leastConn); !lc {
					return nil, fmt.Errorf("upstream %q: balancing method does not support parameter \"backup\"", u.name)
				}
			}
			ps.backup.peers = append(ps.backup.peers, peers...)
		} else {
			ps.primary.peers = append(ps.primary.peers, peers...)
		}
	}
	if len(ps.primary.peers) == 0 && !resolving {
		return nil, fmt.Errorf("upstream %q has only backup servers", u.name)
	}
	if prev != nil {
		ps.primary.carryOver(&prev.primary)
		ps.backup.carryOver(&prev.backup)
	}
	ps.single = len(ps.primary.peers) == 1 && len(ps.backup.peers) == 0
	for _, p := range ps.primary.peers {
		ps.primary.totalWeight += p.weight
	}
	for _, p := range ps.backup.peers {
		ps.backup.totalWeight += p.weight
	}
	if ch, ok := u.balancer.(*hashBalancer); ok && ch.consistent {
		ps.primary.points = chashPoints(ps.primary.peers)
	}
	return ps, nil
}

// carryOver gives peers that existed in old their failure state and their
// in-flight counter, so max_fails and least_conn see through the change.
func (t *tier) carryOver(old *tier) {
	old.mu.Lock()
	defer old.mu.Unlock()
	for _, p := range t.peers {
		for _, q := range old.peers {
			if q.name == p.name {
				p.fails, p.accessed, p.checked = q.fails, q.accessed, q.checked
				p.conns = q.conns
				break
			}
		}
	}
}

// resolution is what one server line stands for: its addresses, and for
// a Resolve server until when they hold.
type resolution struct {
	network string   // "tcp" or "unix"
	addrs   []string // "ip:port", or the socket path
	expires time.Time
}

// retryResolve is how soon a Resolve server whose name did not resolve is
// tried again.
const retryResolve = 10 * time.Second

// resolveServer looks s up. A Resolve server reuses old until it
// expires, and keeps it when a new lookup fails.
func (u *UpstreamPool) resolveServer(ctx context.Context, s Server, old *resolution, now time.Time) (resolution, error) {
	if s.Weight < 0 || s.MaxConns < 0 || s.FailTimeout < 0 || s.MaxFails < Unlimited {
		return resolution{}, fmt.Errorf("server %q: invalid parameter", s.Addr)
	}
	if path, ok := strings.CutPrefix(s.Addr, "unix:"); ok {
		return resolution{network: "unix", addrs: []string{path}}, nil
	}
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		host, port = strings.Trim(s.Addr, "[]"), "80"
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return resolution{}, fmt.Errorf("invalid port in upstream %q", s.Addr)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return resolution{network: "tcp", addrs: []string{net.JoinHostPort(ip.String(), port)}}, nil
	}
	if s.Resolve && u.lookup == nil {
		return resolution{}, fmt.Errorf("no resolver defined to resolve %q", host)
	}
	if old != nil && (old.expires.IsZero() || now.Before(old.expires)) {
		return *old, nil
	}
	lookup := u.lookup
	if lookup == nil {
		lookup = u.system
	}
	if lookup == nil {
		lookup = systemLookup
	}
	ips, ttl, err := lookup(ctx, host)
	if err == nil && len(ips) == 0 {
		err = errors.New("no addresses")
	}
	if err != nil {
		if !s.Resolve {
			return resolution{}, fmt.Errorf("host not found in upstream %q", s.Addr)
		}
		// nginx keeps serving the addresses it had, and tries again.
		res := resolution{network: "tcp", expires: now.Add(retryResolve)}
		if old != nil {
			res.addrs = old.addrs
		}
		return res, nil
	}
	res := resolution{network: "tcp", addrs: make([]string, len(ips))}
	for i, ip := range ips {
		res.addrs[i] = net.JoinHostPort(ip.Unmap().String(), port)
	}
	if s.Resolve {
		res.expires = now.Add(max(ttl, time.Second))
	}
	return res, nil
}

// newPeers makes a peer of every address of s.
func newPeers(s Server, res resolution) []*peer {
	peers := make([]*peer, 0, len(res.addrs))
	for _, a := range res.addrs {
		name := a
		if res.network == "unix" {
			name = s.Addr
		}
		p := &peer{
			network: res.network, addr: a, name: name, server: s.Addr,
			weight:      max(s.Weight, 1),
			maxFails:    s.MaxFails,
			failTimeout: int64((s.FailTimeout + time.Second - 1) / time.Second),
			maxConns:    int64(s.MaxConns),
			down:        s.Down,
		}
		if p.maxFails == 0 {
			p.maxFails = 1
		}
		if s.FailTimeout == 0 {
			p.failTimeout = 10
		}
		p.effectiveWeight = p.weight
		p.conns = new(atomic.Int64)
		peers = append(peers, p)
	}
	return peers
}

// peer is one upstream address with nginx's per-peer state. It must not
// be copied once in use. Failure times are whole seconds since the epoch,
// as nginx's ngx_time(): fail_timeout=1s means "until the clock has moved
// on by two seconds", not by one.
type peer struct {
	network, addr, name string
	server              string // the server line's address, as written (consistent hash input)
	weight              int
	maxFails            int
	failTimeout         int64 // seconds
	maxConns            int64
	down                bool

	// Guarded by the tier's mutex.
	currentWeight   int
	effectiveWeight int
	fails           int
	accessed        int64 // last failure
	checked         int64 // last failure or probe

	// conns counts requests in flight; it is shared with the same address
	// in later snapshots (SetServers).
	conns *atomic.Int64

	session peerSession // the TLS session to offer (proxy_tls.go)
}

// available is nginx's eligibility test: not down, under max_conns, and
// not failed within fail_timeout. Called under the tier's mutex.
func (p *peer) available(now time.Time) bool {
	if p.down {
		return false
	}
	if p.maxConns > 0 && p.conns.Load() >= p.maxConns {
		return false
	}
	if p.maxFails > 0 && p.fails >= p.maxFails && now.Unix()-p.checked <= p.failTimeout {
		return false
	}
	return true
}

// selected marks a pick made after fail_timeout as the probe nginx sends.
func (p *peer) selected(now time.Time) {
	if now.Unix()-p.checked > p.failTimeout {
		p.checked = now.Unix()
	}
}

// free records an attempt's outcome, as ngx_http_upstream_free_round_robin_peer;
// disabled reports a failure that reached max_fails, which nginx logs.
func (ps *poolState) free(t *tier, p *peer, failed bool, now time.Time) (disabled bool) {
	if ps.single {
		// A lone server is never marked failed.
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if failed {
		p.fails++
		p.accessed, p.checked = now.Unix(), now.Unix()
		if p.maxFails > 0 {
			p.effectiveWeight -= p.weight / p.maxFails
		}
		if p.effectiveWeight < 0 {
			p.effectiveWeight = 0
		}
		return p.maxFails > 0 && p.fails >= p.maxFails
	}
	if p.accessed < p.checked {
		p.fails = 0
	}
	return false
}

// attemptCursor walks a pool for one request: each peer at most once,
// primaries first, then backups, as nginx's tried bitmap does. It also
// carries the per-request state of the hash balancers.
type attemptCursor struct {
	ps         *poolState
	tried      []bool
	backupMode bool
	tries      int

	key        []byte // ip_hash address bytes or hash key
	hash       uint32 // ip_hash and hash accumulators
	hashTries  int    // nginx gives up hashing after 20 and falls back to round-robin
	rehash     int
	chashPoint int      // consistent hash: index into the points, -1 before the first pick
	digits     [20]byte // hash: room for the rehash prefix, so that rehashing allocates nothing
}

func newCursor(ps *poolState, key []byte) *attemptCursor {
	c := new(attemptCursor)
	c.reset(ps, key)
	return c
}

// reset starts a walk of ps, keeping the storage of the last one.
func (c *attemptCursor) reset(ps *poolState, key []byte) {
	// nginx's tries: the servers not marked down, backups included.
	tries := 0
	for _, t := range [...]*tier{&ps.primary, &ps.backup} {
		for _, p := range t.peers {
			if !p.down {
				tries++
			}
		}
	}
	tried := c.tried[:0]
	tried = slices.Grow(tried, max(len(ps.primary.peers), len(ps.backup.peers)))
	tried = tried[:max(len(ps.primary.peers), len(ps.backup.peers))]
	clear(tried)
	*c = attemptCursor{
		ps:         ps,
		tried:      tried,
		tries:      tries,
		key:        key,
		hash:       89, // ip_hash's seed; hash resets it
		chashPoint: -1,
	}
}

func (c *attemptCursor) next(now time.Time) (*peer, *tier) {
	if !c.backupMode {
		if p := c.pickFrom(&c.ps.primary, now); p != nil {
			return p, &c.ps.primary
		}
		if len(c.ps.backup.peers) == 0 {
			return nil, nil
		}
		c.backupMode = true
		clear(c.tried)
	}
	if p := c.pickFrom(&c.ps.backup, now); p != nil {
		return p, &c.ps.backup
	}
	return nil, nil
}

func (c *attemptCursor) pickFrom(t *tier, now time.Time) *peer {
	b := c.ps.balancer
	if c.backupMode {
		// Backups always use round-robin.
		b = roundRobin{}
	}
	p := b.pick(t, c, now)
	if p == nil {
		return nil
	}
	for i, q := range t.peers {
		if q == p {
			c.tried[i] = true
		}
	}
	return p
}

type keepaliveConf struct {
	max      int
	requests int
	timeout  time.Duration
	lifetime time.Duration
}

// upstreamConn is a connection to a peer with what the cache needs to
// know. It is also the io.ReadWriter the exchange goes through (see
// begin), so that one deadline covers a quick exchange.
type upstreamConn struct {
	conn     net.Conn
	br       *bufio.Reader // reads through the upstreamConn
	peer     *peer
	created  time.Time
	idleFrom time.Time
	requests int
	ex       exchange
	// quick is the deadline begin armed for both directions, kept while
	// the exchanges on the connection stay quick (zero: another is armed).
	quick time.Time
	// abort is the watcher a slow exchange arms on the client's context:
	// bound once per connection, not per request.
	abort func()
}

// exchange is the state of one request on an upstreamConn.
//
// nginx notices at once that a client left, and times its upstream
// reads and writes out separately (proxy_read_timeout between two reads,
// proxy_send_timeout between two writes). Arming a context watcher and
// two deadlines per request is most of the cost of a quick exchange, so
// an exchange starts with a single deadline, quickWait away (less when a
// timeout is shorter), and no watcher. Most exchanges end before it. One
// that reaches it checks whether the client left, then goes on the slow
// way: a watcher on the client's context and a deadline set before every
// read and write, as nginx's timers. A client abort is thus noticed
// within quickWait, and at once after that.
type exchange struct {
	active, slow bool
	ctx          context.Context
	send, read   time.Duration
	stop         func() bool // the slow way's watcher
	// rd and wd are the deadlines the slow way armed (zero: none yet).
	rd, wd time.Time
}

// timerLazyDelay is nginx's NGX_TIMER_LAZY_DELAY: a timer re-armed for a
// time less than this away from the armed one keeps the armed one, which
// spares most re-arming on a connection that keeps reading or writing.
const timerLazyDelay = 300 * time.Millisecond

// quickWait is how long an exchange runs on its first deadline. An
// exchange keeps the one an earlier exchange armed while it is at least
// quickWait/2 away: a busy connection moves its deadline (a timer update)
// about once per quickWait/2, not once per request.
const quickWait = 100 * time.Millisecond

func newUpstreamConn(conn net.Conn, p *peer, bufSize int, now time.Time) *upstreamConn {
	uc := &upstreamConn{conn: conn, peer: p, created: now}
	uc.br = bufio.NewReaderSize(uc, bufSize)
	uc.abort = func() { _ = uc.conn.SetDeadline(time.Unix(1, 0)) }
	return uc
}

// begin starts an exchange at start for the client request of ctx.
// slow starts it the slow way at once, as does a timeout shorter than
// quickWait, which only per-operation deadlines measure right.
func (uc *upstreamConn) begin(ctx context.Context, start time.Time, send, read time.Duration, slow bool) {
	uc.ex = exchange{active: true, ctx: ctx, send: send, read: read}
	if slow || min(send, read) <= quickWait {
		uc.goSlow()
		return
	}
	if uc.quick.Sub(start) < quickWait/2 {
		uc.quick = start.Add(quickWait)
		_ = uc.conn.SetDeadline(uc.quick)
	}
}

// goSlow arms the client watcher; reads and writes set their own
// deadlines from now on.
func (uc *upstreamConn) goSlow() {
	if uc.ex.slow {
		return
	}
	uc.ex.slow = true
	uc.quick = time.Time{}
	uc.ex.stop = context.AfterFunc(uc.ex.ctx, uc.abort)
}

// end ends the exchange: the connection is a plain one again, for a
// tunnel, or for the cache. It reports false when the client watcher
// has run, or may still be running: its deadline would cut whatever
// exchange came next, so the connection must not be cached.
func (uc *upstreamConn) end() bool {
	clean := uc.ex.stop == nil || uc.ex.stop()
	uc.ex = exchange{}
	return clean
}

// errClientGone interrupts an exchange whose client left.
var errClientGone = errors.New("client closed the connection")

// Read reads from the upstream within proxy_read_timeout.
func (uc *upstreamConn) Read(p []byte) (int, error) {
	if !uc.ex.active {
		return uc.conn.Read(p)
	}
	if uc.ex.slow {
		if err := uc.slowDeadline(uc.conn.SetReadDeadline, uc.ex.read, &uc.ex.rd); err != nil {
			return 0, err
		}
		return uc.conn.Read(p)
	}
	n, err := uc.conn.Read(p)
	if n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		return n, err
	}
	if err := uc.quickExpired(); err != nil {
		return 0, err
	}
	return uc.Read(p)
}

// Write writes to the upstream, each write within proxy_send_timeout.
func (uc *upstreamConn) Write(p []byte) (int, error) {
	if !uc.ex.active {
		return uc.conn.Write(p)
	}
	if uc.ex.slow {
		if err := uc.slowDeadline(uc.conn.SetWriteDeadline, uc.ex.send, &uc.ex.wd); err != nil {
			return 0, err
		}
		return uc.conn.Write(p)
	}
	n, err := uc.conn.Write(p)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return n, err
	}
	if err := uc.quickExpired(); err != nil {
		return n, err
	}
	m, err := uc.Write(p[n:])
	return n + m, err
}

// quickExpired handles the end of the first deadline: an error when the
// client left, otherwise the exchange goes on the slow way.
func (uc *upstreamConn) quickExpired() error {
	if uc.ex.ctx.Err() != nil {
		return errClientGone
	}
	uc.goSlow()
	return nil
}

// slowDeadline sets a deadline timeout from now, unless the one armed
// (*armed) is still ahead and less than timerLazyDelay from it, as
// nginx's timers; then it reports a client gone meanwhile (the watcher
// may have run before it).
func (uc *upstreamConn) slowDeadline(set func(time.Time) error, timeout time.Duration, armed *time.Time) error {
	now := time.Now()
	if t := now.Add(timeout); !armed.After(now) || t.Sub(*armed) >= timerLazyDelay {
		_ = set(t)
		*armed = t
	}
	if uc.ex.ctx.Err() != nil {
		return errClientGone
	}
	return nil
}

// connCache is nginx's keepalive cache: idle connections of one pool,
// most recently used first, the oldest dropped when full.
type connCache struct {
	conf keepaliveConf
	mu   sync.Mutex
	idle []*upstreamConn // oldest first
}

func newConnCache(c keepaliveConf) *connCache {
	if c.requests == 0 {
		c.requests = 1000
	}
	if c.timeout == 0 {
		c.timeout = 60 * time.Second
	}
	if c.lifetime == 0 {
		c.lifetime = time.Hour
	}
	return &connCache{conf: c, idle: make([]*upstreamConn, 0, c.max)}
}

// get takes the most recently cached connection to p, closing expired ones
// on the way. A nil cache has nothing.
func (cc *connCache) get(p *peer, now time.Time) (*upstreamConn, bool) {
	if cc == nil {
		return nil, false
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for i := len(cc.idle) - 1; i >= 0; i-- {
		uc := cc.idle[i]
		if uc.peer.name != p.name {
			continue
		}
		cc.idle = slices.Delete(cc.idle, i, i+1)
		if now.Sub(uc.idleFrom) > cc.conf.timeout || now.Sub(uc.created) > cc.conf.lifetime {
			uc.conn.Close()
			continue
		}
		return uc, true
	}
	return nil, false
}

// put caches uc and reports whether it was kept. The cache's slice keeps
// its capacity: putting and getting allocate nothing.
func (cc *connCache) put(uc *upstreamConn, now time.Time) bool {
	if uc.requests >= cc.conf.requests || now.Sub(uc.created) > cc.conf.lifetime {
		return false
	}
	uc.idleFrom = now
	var evicted *upstreamConn
	cc.mu.Lock()
	if len(cc.idle) >= cc.conf.max {
		evicted = cc.idle[0]
		cc.idle = slices.Delete(cc.idle, 0, 1)
	}
	cc.idle = append(cc.idle, uc)
	cc.mu.Unlock()
	if evicted != nil {
		// Closed outside the lock: a system call other requests need
		// not wait for.
		evicted.conn.Close()
	}
	return true
}

func (cc *connCache) closeAll() {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for _, uc := range cc.idle {
		uc.conn.Close()
	}
	cc.idle = nil
}
