package frontdesk

// Peer selection. The default is nginx's smooth weighted round-robin
// (ngx_http_upstream_get_peer): on each pick every eligible peer adds its
// effective weight to its current weight, the peer with the largest
// current weight wins (the first in configuration order on a tie) and
// loses the total of the effective weights. Weights 5, 1, 1 give
// a a b a c a a. The update touches several peers together, so it runs
// under a short per-tier mutex with no allocation or I/O inside.
//
// Balancers see only what peer.available says: down, failed within
// fail_timeout and max_conns are decided there, not here.

import (
	"sync"
	"time"
)

// Balancer chooses the upstream server for each attempt. It is sealed:
// use [RoundRobin] (the default) or [LeastConn].
type Balancer interface {
	pick(t *tier, tried []bool, now time.Time) *peer
}

// RoundRobin is nginx's default smooth weighted round-robin.
func RoundRobin() Balancer { return roundRobin{} }

// LeastConn mirrors nginx's least_conn: the peer with the fewest active
// connections relative to its weight, ties broken by weighted round-robin
// among the tied peers.
func LeastConn() Balancer { return leastConn{} }

type roundRobin struct{}

var _ Balancer = roundRobin{}

func (roundRobin) pick(t *tier, tried []bool, now time.Time) *peer {
	t.mu.Lock()
	defer t.mu.Unlock()
	var best *peer
	total := 0
	for i, p := range t.peers {
		if tried[i] || !p.available(now) {
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

type leastConn struct{}

var _ Balancer = leastConn{}

func (leastConn) pick(t *tier, tried []bool, now time.Time) *peer {
	t.mu.Lock()
	defer t.mu.Unlock()
	var best *peer
	ties := 0
	for i, p := range t.peers {
		if tried[i] || !p.available(now) {
			continue
		}
		if best == nil || p.conns.Load()*int64(best.weight) < best.conns.Load()*int64(p.weight) {
			best, ties = p, 1
		} else if p.conns.Load()*int64(best.weight) == best.conns.Load()*int64(p.weight) {
			ties++
		}
	}
	if best == nil {
		return nil
	}
	if ties > 1 {
		// Weighted round-robin over the tied peers only, from the first.
		var winner *peer
		total := 0
		for i, p := range t.peers {
			if tried[i] || !p.available(now) || p.conns.Load()*int64(best.weight) != best.conns.Load()*int64(p.weight) {
				continue
			}
			p.currentWeight += p.effectiveWeight
			total += p.effectiveWeight
			if p.effectiveWeight < p.weight {
				p.effectiveWeight++
			}
			if winner == nil || p.currentWeight > winner.currentWeight {
				winner = p
			}
		}
		winner.currentWeight -= total
		best = winner
	}
	best.selected(now)
	return best
}

// tier is the primary or the backup list of a pool, with its own
// round-robin state.
type tier struct {
	mu    sync.Mutex
	peers []*peer
}
