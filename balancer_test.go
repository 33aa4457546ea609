package frontdesk

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testPool builds a pool of servers 127.0.0.1:9001… with the given
// weights, named a, b, c… in configuration order.
func testPool(t testing.TB, b Balancer, weights ...int) (*poolState, map[*peer]string) {
	t.Helper()
	servers := make([]Server, len(weights))
	for i, w := range weights {
		servers[i] = Server{Addr: fmt.Sprintf("127.0.0.1:%d", 9001+i), Weight: w}
	}
	ps, err := Upstream("test", servers, WithBalancer(b)).build()
	require.NoError(t, err)
	names := map[*peer]string{}
	for i, p := range ps.primary.peers {
		names[p] = string(rune('a' + i))
	}
	return ps, names
}

// sequence picks n times, each as a fresh request.
func sequence(ps *poolState, names map[*peer]string, n int, key func(i int) []byte) string {
	var b strings.Builder
	now := time.Unix(1000, 0)
	for i := 0; i < n; i++ {
		var k []byte
		if key != nil {
			k = key(i)
		}
		p, _ := newCursor(ps, k).next(now)
		if p == nil {
			b.WriteByte('-')
			continue
		}
		b.WriteString(names[p])
	}
	return b.String()
}

// TestSmoothWeightedRoundRobin checks nginx's sequences (NGINX.md
// Appendix A, from a model of ngx_http_upstream_get_peer).
func TestSmoothWeightedRoundRobin(t *testing.T) {
	tests := []struct {
		weights []int
		want    string
	}{
		{[]int{1, 1}, "abab"},
		{[]int{2, 1}, "abaaba"},
		{[]int{1, 2}, "babbab"},
		{[]int{3, 2, 1}, "abacbaabacba"},
		{[]int{4, 2, 1}, "abacabaabacaba"},
		{[]int{5, 1, 1}, "aabacaaaabacaa"},
	}
	for _, tt := range tests {
		ps, names := testPool(t, RoundRobin(), tt.weights...)
		assert.Equalf(t, tt.want, sequence(ps, names, len(tt.want), nil), "weights %v", tt.weights)
	}
}

func TestIPHashMatchesNginx(t *testing.T) {
	ps, names := testPool(t, IPHash(), 1, 1)
	got := sequence(ps, names, 10, func(i int) []byte { return []byte{127, 0, byte(i + 1)} })
	assert.Equal(t, "babababab"+"a", got, "127.0.i.x for i=1..10 alternate between the peers")

	ps3, names3 := testPool(t, IPHash(), 1, 1, 1)
	counts := map[string]int{}
	for _, c := range sequence(ps3, names3, 30, func(i int) []byte { return []byte{127, 0, byte(i + 1)} }) {
		counts[string(c)]++
	}
	assert.Equal(t, map[string]int{"a": 10, "b": 10, "c": 10}, counts)
}

func TestHashMatchesNginx(t *testing.T) {
	key := func(i int) []byte { return []byte(fmt.Sprint(i + 1)) }
	ps3, names3 := testPool(t, Hash("$arg_a"), 1, 1, 1)
	assert.Equal(t, "bcbabaacca", sequence(ps3, names3, 10, key))
	ps2, names2 := testPool(t, Hash("$arg_a"), 1, 1)
	assert.Equal(t, "abaabababb", sequence(ps2, names2, 10, key))
}

func TestHashEmptyKeyFallsBackToRoundRobin(t *testing.T) {
	ps, names := testPool(t, Hash("$arg_a"), 1, 1)
	assert.Equal(t, "abab", sequence(ps, names, 4, func(int) []byte { return nil }))
}

func TestConsistentHashStableUnderRemoval(t *testing.T) {
	key := func(i int) []byte { return []byte(fmt.Sprintf("/item/%d", i)) }
	ps4, names4 := testPool(t, ConsistentHash("$request_uri"), 1, 1, 1, 1)
	ps3, names3 := testPool(t, ConsistentHash("$request_uri"), 1, 1, 1)
	four := sequence(ps4, names4, 200, key)
	three := sequence(ps3, names3, 200, key)
	moved := 0
	for i := range four {
		if four[i] != 'd' && four[i] != three[i] {
			moved++
		}
	}
	assert.Zero(t, moved, "keys not on the removed server keep their server")
	assert.Equal(t, four, sequence(ps4, names4, 200, key), "the same keys map the same way")
}

func TestLeastConnPrefersIdleThenRoundRobin(t *testing.T) {
	ps, names := testPool(t, LeastConn(), 1, 1)
	assert.Equal(t, "abab", sequence(ps, names, 4, nil), "ties are broken by round-robin")
	ps.primary.peers[0].conns.Add(1)
	assert.Equal(t, "bbbb", sequence(ps, names, 4, nil))
	ps.primary.peers[0].conns.Add(-1)
}

func TestRandomStaysOnAvailablePeers(t *testing.T) {
	ps, names := testPool(t, RandomTwo(), 1, 1, 1)
	ps.primary.peers[1].down = true
	for _, c := range sequence(ps, names, 100, nil) {
		assert.NotEqual(t, 'b', c)
	}
}

// TestFailTimeoutStateMachine follows nginx's max_fails/fail_timeout rules
// (NGINX.md §3.9) on an injected clock.
func TestFailTimeoutStateMachine(t *testing.T) {
	now := time.Unix(1000, 0)
	ps, err := Upstream("t", []Server{
		{Addr: "127.0.0.1:9001", MaxFails: 3, FailTimeout: 10 * time.Second},
		{Addr: "127.0.0.1:9002"},
	}, WithClock(func() time.Time { return now })).build()
	require.NoError(t, err)
	a := ps.primary.peers[0]
	fail := func() { ps.free(&ps.primary, a, true, now) }
	ok := func() { ps.free(&ps.primary, a, false, now) }

	fail()
	now = now.Add(5 * time.Second)
	fail()
	now = now.Add(time.Second)
	ok() // a success inside the window does not reset the count
	assert.True(t, a.available(now))
	now = now.Add(8 * time.Second) // t=14
	fail()
	assert.False(t, a.available(now), "three failures, the last within fail_timeout")
	now = now.Add(10 * time.Second)
	assert.False(t, a.available(now), "still within fail_timeout of the last failure")
	now = now.Add(time.Second)
	require.True(t, a.available(now), "fail_timeout passed: one probe")
	a.selected(now) // the probe moves checked forward
	assert.False(t, a.available(now), "only one probe per fail_timeout")
	ok()
	assert.True(t, a.available(now), "a successful probe restores the server")
	assert.Zero(t, a.fails)
}

func TestSinglePeerIsNeverMarkedFailed(t *testing.T) {
	ps, err := Upstream("t", []Server{{Addr: "127.0.0.1:9001"}}).build()
	require.NoError(t, err)
	now := time.Unix(1000, 0)
	for i := 0; i < 5; i++ {
		ps.free(&ps.primary, ps.primary.peers[0], true, now)
	}
	assert.True(t, ps.primary.peers[0].available(now))
}

func TestBackupUsedOnlyWithoutPrimaries(t *testing.T) {
	ps, err := Upstream("t", []Server{
		{Addr: "127.0.0.1:9001"}, {Addr: "127.0.0.1:9002", Backup: true},
	}).build()
	require.NoError(t, err)
	now := time.Unix(1000, 0)
	c := newCursor(ps, nil)
	p, tr := c.next(now)
	assert.Equal(t, "127.0.0.1:9001", p.name)
	assert.Equal(t, &ps.primary, tr)
	p, tr = c.next(now)
	assert.Equal(t, "127.0.0.1:9002", p.name, "the primary was tried: backups next")
	assert.Equal(t, &ps.backup, tr)
	p, _ = c.next(now)
	assert.Nil(t, p)
	assert.Equal(t, 2, newCursor(ps, nil).tries)

	_, err = Upstream("h", []Server{{Addr: "127.0.0.1:1"}, {Addr: "127.0.0.1:2", Backup: true}}, WithBalancer(IPHash())).build()
	assert.ErrorContains(t, err, "backup")
}

func BenchmarkBalancerPick(b *testing.B) {
	for _, bal := range []struct {
		name string
		b    Balancer
		key  []byte
		// rehash marks every peer but the last down, so that the hash
		// balancers draw again (and fall back to round-robin).
		rehash bool
	}{
		{"round-robin", RoundRobin(), nil, false},
		{"least-conn", LeastConn(), nil, false},
		{"ip-hash", IPHash(), []byte{10, 1, 2}, false},
		{"hash", Hash("$request_uri"), []byte("/item/42"), false},
		{"hash-rehash", Hash("$request_uri"), []byte("/item/42"), true},
		{"consistent-hash", ConsistentHash("$request_uri"), []byte("/item/42"), false},
	} {
		for _, n := range []int{2, 10, 100} {
			weights := make([]int, n)
			for i := range weights {
				weights[i] = 1 + i%3
			}
			ps, _ := testPool(b, bal.b, weights...)
			for _, p := range ps.primary.peers[:n-1] {
				p.down = bal.rehash
			}
			c := newCursor(ps, bal.key)
			now := time.Unix(1000, 0)
			b.Run(fmt.Sprintf("%s/peers=%d", bal.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					clear(c.tried)
					c.hash, c.hashTries, c.rehash, c.chashPoint = 89, 0, 0, -1
					if p := bal.b.pick(&ps.primary, c, now); p == nil {
						b.Fatal("no peer")
					}
				}
			})
		}
	}
}

// A server line with several addresses adds its 160*weight points once,
// as nginx's de-duplication of the identical chains of its peers does.
func TestConsistentHashPointsPerServerLine(t *testing.T) {
	f := &fakeLookup{}
	f.set("multi.test", "10.0.0.1", "10.0.0.2")
	ps, err := Upstream("c", []Server{{Addr: "multi.test:80", Weight: 2}, {Addr: "10.0.0.3:80"}},
		WithBalancer(ConsistentHash("$request_uri")), WithResolver(f.lookup)).build()
	require.NoError(t, err)
	require.Len(t, ps.primary.peers, 3)
	per := map[string]int{}
	for _, p := range ps.primary.points {
		per[p.server]++
	}
	assert.Equal(t, 320, per["multi.test:80"])
	assert.Equal(t, 160, per["10.0.0.3:80"])
}
