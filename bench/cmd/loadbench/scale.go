package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The scale mode (-scale, issue 10's "Scale" target): proxy-1K, the
// servers side by side, at a base point and at every value of each
// dimension with the other two at their base values. Flat means the CPU
// per request does not grow with the dimension.

// scalePoint is one configuration the scale mode measures.
type scalePoint struct {
	shape confShape
	conns int // wrk connections
}

func (p scalePoint) String() string {
	return fmt.Sprintf("%d locations, %d peers, %d conns", p.shape.locations, p.shape.peers, p.conns)
}

// dimension is one thing the scale mode varies, with its values.
type dimension struct {
	name   string
	values []int
	at     func(base scalePoint, v int) scalePoint // base with this dimension at v
}

func scaleDimensions(o *options) []dimension {
	return []dimension{
		{"locations", o.scaleLocations, func(p scalePoint, v int) scalePoint { p.shape.locations = v; return p }},
		{"upstream peers", o.scalePeers, func(p scalePoint, v int) scalePoint { p.shape.peers = v; return p }},
		{"client connections", o.scaleConns, func(p scalePoint, v int) scalePoint { p.conns = v; return p }},
	}
}

// basePoint is the first value of every dimension; a dimension not varied
// stays as in the workload table (2 locations, 2 peers, -c connections).
func basePoint(o *options) scalePoint {
	first := func(l []int, def int) int {
		if len(l) == 0 {
			return def
		}
		return l[0]
	}
	return scalePoint{confShape{locations: first(o.scaleLocations, 2), peers: first(o.scalePeers, 2)}, first(o.scaleConns, o.conns)}
}

// use makes p the configuration the next servers start with. The
// upstream's keepalive is twice the larger of peers and connections: the
// cache is per worker over all peers, and a request whose round-robin peer
// has no idle connection dials even while others sit idle for other peers,
// so a cache just the size of the requests in flight overflows and closes
// connections (about 8 dials per 1,000 requests at 2 peers, 64 clients and
// keepalive 64; every request at 100 peers). A real config with that many
// peers or clients sizes it so; the dials column shows what is left.
func (o *options) use(p scalePoint) error {
	o.conns = p.conns
	sh := p.shape
	sh.keepalive = 2 * max(sh.peers, p.conns)
	return writeConf(o, sh)
}

// scale measures every distinct scale point, round after round, the
// server order rotating per round and point; prints the table and the
// flatness of each dimension; and with -profile records the binary at
// the base point and at the points scaleReport picks.
func scale(o *options) error {
	w, err := lookupLoad("proxy-1K")
	if err != nil {
		return err
	}
	base := basePoint(o)
	dims := scaleDimensions(o)
	points := []scalePoint{base}
	for _, d := range dims {
		for _, v := range d.values {
			if p := d.at(base, v); !slices.Contains(points, p) {
				points = append(points, p)
			}
		}
	}
	fmt.Printf("scale: %d points x %d servers x %d rounds; generated locations %.0f%% regex\n", len(points), len(o.servers), o.rounds, 100*o.scaleRegex)
	results := map[string][]sample{} // server + "/" + point -> rounds
	for r := range o.rounds {
		for i, p := range points {
			if err := o.use(p); err != nil {
				return err
			}
			for _, name := range rotate(o.servers, r+i) {
				ss, err := runServer(o, name, []workload{w})
				if err != nil {
					return fmt.Errorf("%s: %w", p, err)
				}
				key := name + "/" + p.String()
				results[key] = append(results[key], ss[0])
				logSample(fmt.Sprintf("round %d %-40s %-14s", r+1, p, name), ss[0])
			}
		}
	}
	if o.rounds == 0 {
		return nil
	}
	worst := scaleReport(o, base, dims, results)
	if o.profileSeconds > 0 {
		return scaleProfile(o, w, base, worst)
	}
	return nil
}

// scaleReport prints the table and each dimension's flatness, and returns
// the points to profile the binary at: in each dimension not flat for the
// binary, its worst value (the highest CPU per request relative to the
// dimension's smallest value); if all are flat, the worst of all.
func scaleReport(o *options, base scalePoint, dims []dimension, results map[string][]sample) []scalePoint {
	sum := func(server string, p scalePoint) (summary, bool) {
		ss := results[server+"/"+p.String()]
		if len(ss) == 0 {
			return summary{}, false
		}
		return summarize(ss), true
	}
	fmt.Printf("\nScale, proxy 1 KiB, one dimension varied at a time from the base point (%s); medians of %d rounds:\n\n", base, o.rounds)
	fmt.Println("| dimension | value | server | CPU/request, server core (min–max) | ÷ nginx | req/s | p99 | server core | upstream dials /1k req | rounds without errors |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, d := range dims {
		for _, v := range d.values {
			p := d.at(base, v)
			n, okn := sum("nginx", p)
			for _, s := range o.servers {
				m, ok := sum(s, p)
				if !ok {
					continue
				}
				vsNginx := "-"
				if okn && s != "nginx" {
					vsNginx = fmt.Sprintf("%.2f", float64(m.cpu)/float64(n.cpu))
				}
				fmt.Printf("| %s | %d | %s | %s (%s–%s) | %s | %.0f | %s | %.0f%% | %.1f | %d/%d |\n",
					d.name, v, s, round(m.cpu), round(m.cpuMin), round(m.cpuMx), vsNginx, m.rps, round(m.p99), 100*m.util, m.dialsPerK, m.valid, m.rounds)
			}
		}
	}

	fmt.Printf("\nPer dimension, largest value ÷ smallest (flat: CPU/request within %.2f×; p99 for reference, it grows with connections by Little's law):\n\n", o.flat)
	fmt.Println("| dimension | server | CPU/request, smallest → largest value | ratio | p99, smallest → largest | ratio | CPU/request |")
	fmt.Println("|---|---|---|---|---|---|---|")
	var (
		notFlat    []scalePoint
		worst      scalePoint
		worstRatio float64
	)
	for _, d := range dims {
		if len(d.values) < 2 {
			continue
		}
		lo, hi := d.at(base, slices.Min(d.values)), d.at(base, slices.Max(d.values))
		for _, s := range o.servers {
			a, oka := sum(s, lo)
			b, okb := sum(s, hi)
			if !oka || !okb {
				continue
			}
			r := float64(b.cpu) / float64(a.cpu)
			verdict := "flat"
			if r > o.flat {
				verdict = "NOT FLAT"
			}
			fmt.Printf("| %s | %s | %s → %s | %.2f | %s → %s | %.2f | %s |\n",
				d.name, s, round(a.cpu), round(b.cpu), r, round(a.p99), round(b.p99), float64(b.p99)/float64(a.p99), verdict)
			if s != "binary" {
				continue
			}
			var dimWorst scalePoint
			dimRatio := 0.0
			for _, v := range d.values {
				if m, ok := sum(s, d.at(base, v)); ok {
					if r := float64(m.cpu) / float64(a.cpu); r > dimRatio {
						dimWorst, dimRatio = d.at(base, v), r
					}
				}
			}
			if dimRatio > o.flat && dimWorst != base {
				notFlat = append(notFlat, dimWorst)
			}
			if dimRatio > worstRatio {
				worst, worstRatio = dimWorst, dimRatio
			}
		}
	}
	if len(notFlat) > 0 {
		return notFlat
	}
	if worstRatio > 0 && worst != base {
		return []scalePoint{worst}
	}
	return nil
}

// scaleProfile records perf profiles of the binary at the base point and
// at each of worst, and for each worst point prints the symbols whose CPU
// time per request (share of samples × CPU/request) grew most over the
// base's: the cause of a dimension that is not flat.
func scaleProfile(o *options, w workload, base scalePoint, worst []scalePoint) error {
	dir, err := filepath.Abs(o.profileDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	d := time.Duration(o.profileSeconds) * time.Second
	type prof struct {
		cpu    time.Duration
		shares map[string]float64
	}
	record := func(p scalePoint, name string) (prof, error) {
		if err := o.use(p); err != nil {
			return prof{}, err
		}
		file := filepath.Join(dir, name)
		txt, cpu, err := perfProfile(o, w, d, file)
		if err != nil || txt == "" {
			return prof{}, err
		}
		shares, err := perfShares(file + ".perf.data")
		if err != nil {
			return prof{}, err
		}
		fmt.Printf("\nbinary at %s: CPU/request %s while profiled; %s (perf report -i %s.perf.data)\n", p, round(cpu), txt, file)
		return prof{cpu, shares}, nil
	}
	bp, err := record(base, "scale-base")
	if err != nil || bp.shares == nil {
		return err
	}
	for i, p := range worst {
		x, err := record(p, fmt.Sprintf("scale-worst%d", i+1))
		if err != nil {
			return err
		}
		type growth struct {
			sym           string
			before, after float64 // µs per request
		}
		var gs []growth
		for sym, share := range x.shares {
			g := growth{sym, bp.shares[sym] * bp.cpu.Seconds() * 1e6, share * x.cpu.Seconds() * 1e6}
			gs = append(gs, g)
		}
		// By kind first: kernel, Go runtime (scheduler, GC, allocation),
		// frontdesk, the rest (standard library, vDSO).
		kinds := map[string][2]float64{}
		for _, g := range gs {
			k := symbolKind(g.sym)
			v := kinds[k]
			kinds[k] = [2]float64{v[0] + g.before, v[1] + g.after}
		}
		for sym, share := range bp.shares {
			if _, ok := x.shares[sym]; !ok {
				k := symbolKind(sym)
				v := kinds[k]
				kinds[k] = [2]float64{v[0] + share*bp.cpu.Seconds()*1e6, v[1]}
			}
		}
		fmt.Printf("\nCPU per request by kind, base → %s:\n\n", p)
		for _, k := range []string{"kernel", "Go runtime", "frontdesk", "other user space"} {
			v := kinds[k]
			fmt.Printf("    %+7.2f µs  %6.2f → %6.2f µs  %s\n", v[1]-v[0], v[0], v[1], k)
		}
		slices.SortFunc(gs, func(a, b growth) int { return cmp.Compare(b.after-b.before, a.after-a.before) })
		fmt.Printf("\nCPU per request by symbol (self), base → %s; grew most (of %s → %s):\n\n", p, round(bp.cpu), round(x.cpu))
		for _, g := range gs[:min(15, len(gs))] {
			fmt.Printf("    %+7.2f µs  %6.2f → %6.2f µs  %s\n", g.after-g.before, g.before, g.after, g.sym)
		}
	}
	return nil
}

// symbolKind sorts a perf report symbol ("[k] name" or "[.] name") into
// the kinds scaleProfile totals.
func symbolKind(sym string) string {
	name, user := strings.CutPrefix(sym, "[.] ")
	switch {
	case !user:
		return "kernel"
	case strings.HasPrefix(name, "runtime.") || strings.HasPrefix(name, "internal/runtime/"):
		return "Go runtime"
	case strings.HasPrefix(name, "github.com/frontdesk-go/"):
		return "frontdesk"
	default:
		return "other user space"
	}
}
