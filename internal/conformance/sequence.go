package conformance

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
)

// backendSet is the running Backends of one case, sharing one request
// log.
type backendSet struct {
	backends []*runningBackend
	log      *requestLog
	dns      *dnsServer // nil without Case.DNS
}

func startBackends(t testing.TB, bs []*Backend) *backendSet {
	t.Helper()
	set := &backendSet{log: newRequestLog()}
	for i, b := range bs {
		set.backends = append(set.backends, startBackendNum(t, b, i+1, set.log))
	}
	return set
}

// substitute replaces {{BACKENDn}}, {{BACKENDn_PORT}} and {{DNS}}.
func (s *backendSet) substitute(text string) string {
	if s.dns != nil {
		text = strings.ReplaceAll(text, "{{DNS}}", s.dns.addr())
	}
	for i, b := range s.backends {
		n := strconv.Itoa(i + 1)
		text = strings.ReplaceAll(text, "{{BACKEND"+n+"}}", b.addr)
		text = strings.ReplaceAll(text, "{{BACKEND"+n+"_PORT}}", portOf(b.addr))
	}
	return text
}

// reset ends what one side left in flight and starts the backends' counts
// afresh for the other side.
func (s *backendSet) reset() {
	for _, b := range s.backends {
		b.reset()
	}
	s.log.take()
	s.log.drain()
}

// stepResult is what one request of a sequence gave on one side.
type stepResult struct {
	resp *rawhttp.Response
	err  error
	// upstream is what the backends received while the request ran;
	// released is what they received while the step's Release let held
	// requests go.
	upstream, released []received
	done               chan struct{} // closed once resp and err are set
}

// sequenceTimeout bounds every wait of a sequence: for an async request
// to be seen, for released requests to be answered.
const sequenceTimeout = 10 * time.Second

// play runs the requests against addr, in order.
func (s *backendSet) play(t *testing.T, addr string, reqs []Request) []*stepResult {
	results := make([]*stepResult, len(reqs))
	heldBy := map[int][]*stepResult{} // backend number → async requests it received
	var pending []*stepResult         // every async request
	var prevDate time.Time
	for i, r := range reqs {
		res := &stepResult{done: make(chan struct{})}
		results[i] = res
		if len(r.Release) > 0 {
			for _, n := range r.Release {
				s.backends[n-1].releaseHeld()
			}
			for _, n := range r.Release {
				for _, held := range heldBy[n] {
					if !waitDone(held.done) {
						t.Fatalf("request %d: requests held by backend %d were not answered after their release", i, n)
					}
				}
				delete(heldBy, n)
			}
			res.released = s.log.take()
		}
		if r.Target == "" && r.Raw == "" {
			close(res.done)
			continue
		}
		if r.WaitSeconds > 0 && !prevDate.IsZero() {
			// A timer to an absolute moment read off the server's own
			// clock (its Date header), not a guess at how long things take.
			wait := time.Until(prevDate.Add(time.Duration(r.WaitSeconds) * time.Second))
			<-time.After(wait)
		}
		s.log.drain()
		raw := []byte(s.substitute(string(r.raw())))
		go func() {
			defer close(res.done)
			res.resp, res.err = doFrom(addr, r.Source, raw)
		}()
		if r.Async {
			pending = append(pending, res)
			select {
			case n := <-s.log.events:
				heldBy[n] = append(heldBy[n], res)
			case <-res.done:
			case <-time.After(sequenceTimeout):
				t.Fatalf("request %d: no backend received the async request", i)
			}
		} else if !waitDone(res.done) {
			t.Fatalf("request %d: no answer", i)
		}
		res.upstream = s.log.take()
		if !r.Async && res.resp != nil {
			if d, err := http.ParseTime(res.resp.Get("Date")); err == nil {
				prevDate = d
			}
		}
	}
	for _, b := range s.backends {
		b.releaseHeld()
	}
	for _, res := range pending {
		if !waitDone(res.done) {
			t.Fatal("async requests were not answered at the end of the sequence")
		}
	}
	if rest := s.log.take(); len(rest) > 0 && len(results) > 0 {
		last := results[len(results)-1]
		last.released = append(last.released, rest...)
	}
	return results
}

func waitDone(done chan struct{}) bool {
	select {
	case <-done:
		return true
	case <-time.After(sequenceTimeout):
		return false
	}
}

// runSequence plays the requests against nginx, then against frontdesk,
// and compares them one by one.
func runSequence(t *testing.T, reqs []Request, set *backendSet, ngAddr, fdAddr string) {
	want := set.play(t, ngAddr, reqs)
	set.reset()
	got := set.play(t, fdAddr, reqs)
	set.reset()
	for i, r := range reqs {
		if r.Target == "" && r.Raw == "" {
			if len(r.Release) > 0 {
				t.Run(fmt.Sprintf("release %v", r.Release), func(t *testing.T) {
					compareReceived(t, want[i].released, got[i].released, ngAddr, fdAddr)
				})
			}
			continue
		}
		name := r.Name
		if name == "" {
			name = strings.TrimSpace(r.Method + " " + r.Target)
		}
		t.Run(name, func(t *testing.T) {
			compareReceived(t, want[i].released, got[i].released, ngAddr, fdAddr)
			compareReceived(t, want[i].upstream, got[i].upstream, ngAddr, fdAddr)
			compareOutcome(t, r, want[i].resp, want[i].err, got[i].resp, got[i].err, ngAddr, fdAddr)
		})
	}
}

// compareReceived compares which backends received what, in order.
func compareReceived(t *testing.T, want, got []received, ngAddr, fdAddr string) {
	t.Helper()
	names := func(rs []received) string {
		var b strings.Builder
		for _, r := range rs {
			fmt.Fprintf(&b, "b%d ", r.backend)
		}
		return strings.TrimSpace(b.String())
	}
	if names(want) != names(got) {
		t.Errorf("backends reached: nginx [%s]; frontdesk [%s]", names(want), names(got))
		return
	}
	w := make([][]byte, len(want))
	g := make([][]byte, len(got))
	for i := range want {
		w[i], g[i] = want[i].req, got[i].req
	}
	compareUpstream(t, w, g, portOf(ngAddr), portOf(fdAddr))
}
