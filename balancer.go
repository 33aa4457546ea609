package frontdesk

// Peer selection, as nginx's upstream balancers choose.
//
// The default is nginx's smooth weighted round-robin
// (ngx_http_upstream_get_peer): on each pick every eligible peer adds its
// effective weight to its current weight, the peer with the largest
// current weight wins (the first in configuration order on a tie) and
// loses the total of the effective weights. Weights 5, 1, 1 give
// a a b a c a a. The update touches several peers together, so it runs
// under a short per-tier mutex with no allocation or I/O inside.
//
// Balancers see only what peer.available says: down, failed within
// fail_timeout and max_conns are decided there, not here. The hash
// methods keep their per-request state in the attemptCursor and, like
// nginx, fall back to round-robin after 20 unlucky draws.

import (
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Balancer chooses the upstream server for each attempt. It is sealed: use
// [RoundRobin] (the default), [LeastConn], [IPHash], [Hash],
// [ConsistentHash], [Random] or [RandomTwo].
type Balancer interface {
	pick(t *tier, c *attemptCursor, now time.Time) *peer
}

// tier is the primary or the backup list of a pool, with its own
// round-robin state.
type tier struct {
	mu          sync.Mutex
	peers       []*peer
	totalWeight int
	points      []chashPoint // consistent hash ring, primary tier only
}

// RoundRobin is nginx's default smooth weighted round-robin.
func RoundRobin() Balancer { return roundRobin{} }

type roundRobin struct{}

var _ Balancer = roundRobin{}

func (roundRobin) pick(t *tier, c *attemptCursor, now time.Time) *peer {
	t.mu.Lock()
	defer t.mu.Unlock()
	return swrr(t, c.tried, now, func(*peer) bool { return true })
}

// swrr runs one smooth weighted round-robin step over the eligible peers
// that also pass filter. Called under the tier's mutex.
func swrr(t *tier, tried []bool, now time.Time, filter func(*peer) bool) *peer {
	var best *peer
	total := 0
	for i, p := range t.peers {
		if tried[i] || !p.available(now) || !filter(p) {
			continue
		}
		p.currentWeight += p.effectiveWeight
		total += p.effectiveWeight
		if p.effectiveWeight < p.weight {
			p.effectiveWeight++
		}
		if best == nil || p.currentWeight > best.currentWeight {
			best = p
		}
	}
	if best == nil {
		return nil
	}
	best.currentWeight -= total
	best.selected(now)
	return best
}

// LeastConn mirrors nginx's least_conn: the peer with the fewest active
// connections relative to its weight, ties broken by weighted round-robin
// among the tied peers.
func LeastConn() Balancer { return leastConn{} }

type leastConn struct{}

var _ Balancer = leastConn{}

func (leastConn) pick(t *tier, c *attemptCursor, now time.Time) *peer {
	t.mu.Lock()
	defer t.mu.Unlock()
	var best *peer
	ties := 0
	for i, p := range t.peers {
		if c.tried[i] || !p.available(now) {
			continue
		}
		// conns/weight compared by cross-multiplying, as nginx does.
		switch {
		case best == nil || p.conns.Load()*int64(best.weight) < best.conns.Load()*int64(p.weight):
			best, ties = p, 1
		case p.conns.Load()*int64(best.weight) == best.conns.Load()*int64(p.weight):
			ties++
		}
	}
	if best == nil || ties == 1 {
		if best != nil {
			best.selected(now)
		}
		return best
	}
	conns, weight := best.conns.Load(), int64(best.weight)
	return swrr(t, c.tried, now, func(p *peer) bool { return p.conns.Load()*weight == conns*int64(p.weight) })
}

// IPHash mirrors nginx's ip_hash: clients are spread by the first three
// octets of their IPv4 address (the whole address for IPv6), so one /24
// always reaches the same server while it is available.
func IPHash() Balancer { return ipHash{} }

type ipHash struct{}

var _ Balancer = ipHash{}

func (ipHash) pick(t *tier, c *attemptCursor, now time.Time) *peer {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c.hashTries > 20 || len(t.peers) == 1 || len(c.key) == 0 {
		return swrr(t, c.tried, now, func(*peer) bool { return true })
	}
	for {
		for _, b := range c.key {
			c.hash = (c.hash*113 + uint32(b)) % 6271
		}
		if i := weightIndex(t, int(c.hash%uint32(t.totalWeight))); !c.tried[i] && t.peers[i].available(now) {
			t.peers[i].selected(now)
			return t.peers[i]
		}
		c.hashTries++
		if c.hashTries > 20 {
			return swrr(t, c.tried, now, func(*peer) bool { return true })
		}
	}
}

// weightIndex finds the peer a weight offset w falls on.
func weightIndex(t *tier, w int) int {
	for i, p := range t.peers {
		if w < p.weight {
			return i
		}
		w -= p.weight
	}
	return len(t.peers) - 1
}

// Hash mirrors nginx's "hash KEY": key is an nginx variable expression
// ("$request_uri", "$arg_user$http_x_tenant"); equal keys reach the same
// server, with nginx's crc32-based (Cache::Memcached compatible) mapping.
// An empty key falls back to round-robin.
func Hash(key string) Balancer { return newHashBalancer(key, false) }

// ConsistentHash mirrors "hash KEY consistent": ketama-style consistent
// hashing (Cache::Memcached::Fast compatible), so adding or removing a
// server remaps only a share of the keys.
func ConsistentHash(key string) Balancer { return newHashBalancer(key, true) }

type hashBalancer struct {
	consistent bool
	key        *template
	err        error // an invalid key, reported when the pool is built
}

func newHashBalancer(key string, consistent bool) *hashBalancer {
	// Compiled here, once: a pool and its balancer may serve several
	// Proxies. Regex captures are not known to a pool, as in nginx's
	// upstream context, where only request variables make sense.
	t, err := compileTemplate(key, nil)
	return &hashBalancer{consistent: consistent, key: t, err: err}
}

var _ Balancer = (*hashBalancer)(nil)

func (h *hashBalancer) pick(t *tier, c *attemptCursor, now time.Time) *peer {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c.hashTries > 20 || len(t.peers) < 2 || len(c.key) == 0 {
		return swrr(t, c.tried, now, func(*peer) bool { return true })
	}
	if h.consistent {
		return h.pickConsistent(t, c, now)
	}
	for {
		crc := uint32(0)
		if c.rehash > 0 {
			crc = crc32.Update(crc, crc32.IEEETable, strconv.AppendInt(c.digits[:0], int64(c.rehash), 10))
		}
		crc = crc32.Update(crc, crc32.IEEETable, c.key)
		if c.rehash == 0 {
			c.hash = 0
		}
		c.hash += (crc >> 16) & 0x7fff
		c.rehash++
		if i := weightIndex(t, int(c.hash%uint32(t.totalWeight))); !c.tried[i] && t.peers[i].available(now) {
			t.peers[i].selected(now)
			return t.peers[i]
		}
		c.hashTries++
		if c.hashTries > 20 {
			return swrr(t, c.tried, now, func(*peer) bool { return true })
		}
	}
}

func (h *hashBalancer) pickConsistent(t *tier, c *attemptCursor, now time.Time) *peer {
	points := t.points
	if c.chashPoint < 0 {
		sum := crc32.ChecksumIEEE(c.key)
		c.chashPoint = sort.Search(len(points), func(i int) bool { return points[i].hash >= sum })
	}
	for {
		server := points[c.chashPoint%len(points)].server
		// Peers sharing the server line (a name with several addresses)
		// take turns by weighted round-robin.
		if p := swrr(t, c.tried, now, func(p *peer) bool { return p.server == server }); p != nil {
			return p
		}
		c.chashPoint++
		c.hashTries++
		if c.hashTries > 20 {
			return swrr(t, c.tried, now, func(*peer) bool { return true })
		}
	}
}

type chashPoint struct {
	hash   uint32
	server string
}

// chashPoints builds the ring: 160 points per unit of weight, each the
// crc32 of host, NUL, port and the previous point's little-endian bytes.
func chashPoints(peers []*peer) []chashPoint {
	var points []chashPoint
	seen := map[string]bool{}
	for _, p := range peers {
		if seen[p.server] {
			// nginx adds points per peer; peers of one server line share them.
			continue
		}
		seen[p.server] = true
		host, port := p.server, ""
		if rest, ok := cutPrefixFold(p.server, "unix:"); ok {
			host = rest
		} else if i := lastIndexByte(p.server, ':'); i >= 0 {
			host, port = p.server[:i], p.server[i+1:]
		}
		base := append(append(append([]byte(host), 0), port...), 0, 0, 0, 0)
		prev := uint32(0)
		// Each peer of the line adds the same chain of 160*weight points,
		// which the de-duplication below reduces to one chain.
		for j := 0; j < 160*p.weight; j++ {
			binary.LittleEndian.PutUint32(base[len(base)-4:], prev)
			prev = crc32.ChecksumIEEE(base)
			points = append(points, chashPoint{hash: prev, server: p.server})
		}
	}
	sort.SliceStable(points, func(i, j int) bool { return points[i].hash < points[j].hash })
	out := points[:0]
	for i, pt := range points {
		if i == 0 || pt.hash != points[i-1].hash {
			out = append(out, pt)
		}
	}
	return out
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && equalFoldASCII(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return len(a) == len(b)
}

func lastIndexByte(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// Random mirrors nginx's random: a weighted random available peer.
func Random() Balancer { return randomBalancer{} }

// RandomTwo mirrors "random two least_conn": of two distinct weighted
// random peers, the one with fewer connections relative to its weight.
func RandomTwo() Balancer { return randomBalancer{two: true} }

type randomBalancer struct{ two bool }

var _ Balancer = randomBalancer{}

func (b randomBalancer) pick(t *tier, c *attemptCursor, now time.Time) *peer {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.peers) == 1 {
		return swrr(t, c.tried, now, func(*peer) bool { return true })
	}
	var first *peer
	for tries := 0; tries <= 20; tries++ {
		i := weightIndex(t, rand.IntN(t.totalWeight))
		p := t.peers[i]
		if c.tried[i] || !p.available(now) {
			continue
		}
		if !b.two {
			p.selected(now)
			return p
		}
		if first == nil {
			first = p
			continue
		}
		if p == first {
			continue
		}
		if p.conns.Load()*int64(first.weight) > first.conns.Load()*int64(p.weight) {
			p = first
		}
		p.selected(now)
		return p
	}
	if first != nil {
		first.selected(now)
		return first
	}
	return swrr(t, c.tried, now, func(*peer) bool { return true })
}
