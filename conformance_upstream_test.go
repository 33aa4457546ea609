package frontdesk_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

// Upstream pools against real nginx: which server each request reaches
// (every backend answers with its name), where each try went
// ($upstream_addr) and how it ended ($upstream_status), request by
// request. Each case runs its whole sequence on nginx, then on frontdesk,
// with the backends reset in between (see conformance.Case.Backends).

// upObserve shows every try in the response headers.
const upObserve = "add_header X-Addr $upstream_addr always; add_header X-Status $upstream_status always;\n"

// upServer is a server block with upObserve around the given locations.
func upServer(locations string) string {
	return "server { listen 127.0.0.1:{{PORT}};\n" + upObserve + locations + "\n}"
}

// upCase is a case with n named backends b1…bn; every request also
// compares the upstream headers.
func upCase(name string, backends []*conformance.Backend, conf string, reqs ...conformance.Request) conformance.Case {
	for i := range reqs {
		reqs[i].Compare = append(reqs[i].Compare, "X-Addr", "X-Status")
	}
	return conformance.Case{Name: name, Backends: backends, Conf: conf, Requests: reqs}
}

// healthy returns n backends that always answer 200.
func healthy(n int) []*conformance.Backend {
	bs := make([]*conformance.Backend, n)
	for i := range bs {
		bs[i] = &conformance.Backend{}
	}
	return bs
}

// times repeats target n times as a sequence of GETs.
func times(n int, target string) []conformance.Request {
	reqs := make([]conformance.Request, n)
	for i := range reqs {
		reqs[i] = conformance.Request{Name: fmt.Sprintf("%02d %s", i+1, target), Target: target}
	}
	return reqs
}

// seq joins request lists.
func seq(lists ...[]conformance.Request) []conformance.Request {
	var out []conformance.Request
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// one is a single named request.
func one(name, method, target string) []conformance.Request {
	return []conformance.Request{{Name: name, Method: method, Target: target}}
}

// held sends target without waiting: a backend holding it keeps it busy.
func held(name, target string) []conformance.Request {
	return []conformance.Request{{Name: name, Target: target, Async: true}}
}

// release lets the requests backend n holds go.
func release(n ...int) []conformance.Request {
	return []conformance.Request{{Release: n}}
}

// byPath answers by the last segment of the request path ("/loc/reset"
// → "reset"), 200 for any other.
func byPath(m map[string]conformance.Reply) func(int, []byte) conformance.Reply {
	return func(_ int, req []byte) conformance.Reply {
		line, _, _ := strings.Cut(string(req), "\r\n")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			return conformance.Reply{}
		}
		path, _, _ := strings.Cut(fields[1], "?")
		return m[path[strings.LastIndexByte(path, '/')+1:]]
	}
}

func TestConformanceUpstreamRoundRobin(t *testing.T) {
	rr := func(name, servers string, n, requests int) conformance.Case {
		return upCase(name, healthy(n), "upstream u { "+servers+" }\n"+upServer("location / { proxy_pass http://u; }"),
			times(requests, "/")...)
	}
	conformance.Run(t, []conformance.Case{
		rr("1-1", "server {{BACKEND1}}; server {{BACKEND2}};", 2, 6),
		rr("2-1", "server {{BACKEND1}} weight=2; server {{BACKEND2}};", 2, 6),
		rr("1-2", "server {{BACKEND1}}; server {{BACKEND2}} weight=2;", 2, 6),
		rr("3-2-1", "server {{BACKEND1}} weight=3; server {{BACKEND2}} weight=2; server {{BACKEND3}};", 3, 12),
		rr("4-2-1", "server {{BACKEND1}} weight=4; server {{BACKEND2}} weight=2; server {{BACKEND3}};", 3, 14),
		rr("5-1-1", "server {{BACKEND1}} weight=5; server {{BACKEND2}}; server {{BACKEND3}};", 3, 14),
		rr("1-1-1-down", "server {{BACKEND1}}; server {{BACKEND2}} down; server {{BACKEND3}};", 3, 6),
		rr("single", "server {{BACKEND1}};", 1, 2),
		rr("same-address-twice", "server {{BACKEND1}}; server {{BACKEND1}} weight=2; server {{BACKEND2}};", 2, 8),
		// A literal address in proxy_pass is a pool of its own.
		upCase("implicit", healthy(1), upServer("location / { proxy_pass http://{{BACKEND1}}; }"), times(2, "/")...),
	})
}

func TestConformanceUpstreamLeastConn(t *testing.T) {
	hangFirst := func() *conformance.Backend {
		return &conformance.Backend{Reply: conformance.FirstN(1, conformance.Reply{Do: conformance.Hang})}
	}
	conformance.Run(t, []conformance.Case{
		upCase("idle-ties-round-robin", healthy(3),
			"upstream lc { least_conn; server {{BACKEND1}}; server {{BACKEND2}}; server {{BACKEND3}}; }\n"+
				upServer("location / { proxy_pass http://lc; }"),
			times(6, "/")...),
		upCase("one-busy", []*conformance.Backend{hangFirst(), {}, {}},
			"upstream lc { least_conn; server {{BACKEND1}}; server {{BACKEND2}}; server {{BACKEND3}}; }\n"+
				upServer("location / { proxy_pass http://lc; }"),
			seq(held("held by b1", "/held"), times(6, "/busy"), release(1), times(6, "/idle"))...),
		upCase("two-busy", []*conformance.Backend{hangFirst(), hangFirst(), {}},
			"upstream lc { least_conn; server {{BACKEND1}}; server {{BACKEND2}}; server {{BACKEND3}}; }\n"+
				upServer("location / { proxy_pass http://lc; }"),
			seq(held("held by b1", "/h1"), held("held by b2", "/h2"), times(4, "/busy"), release(1),
				times(4, "/one"), release(2), times(4, "/none"))...),
		// b1 holding one request of weight 3 is less busy than b2 holding
		// one of weight 1.
		upCase("weighted-busy", []*conformance.Backend{hangFirst(), hangFirst()},
			"upstream lc { least_conn; server {{BACKEND1}} weight=3; server {{BACKEND2}}; }\n"+
				upServer("location / { proxy_pass http://lc; }"),
			seq(held("held by b1", "/h1"), held("held by b2", "/h2"), times(4, "/busy"), release(1, 2), times(6, "/idle"))...),
		upCase("busy-backup", []*conformance.Backend{hangFirst(), {}},
			"upstream lc { least_conn; server {{BACKEND1}} max_conns=1; server {{BACKEND2}} backup; }\n"+
				upServer("location / { proxy_pass http://lc; }"),
			seq(held("held by b1", "/held"), times(3, "/full"), release(1), times(3, "/free"))...),
	})
}

func TestConformanceUpstreamIPHash(t *testing.T) {
	from := func(n int, first int) []conformance.Request {
		reqs := make([]conformance.Request, n)
		for i := range reqs {
			src := fmt.Sprintf("127.0.%d.%d", first+i, 1+i%3)
			reqs[i] = conformance.Request{Name: "from " + src, Target: "/", Source: src}
		}
		return reqs
	}
	ih := func(name, servers string, n int, reqs []conformance.Request, backends ...*conformance.Backend) conformance.Case {
		if backends == nil {
			backends = healthy(n)
		}
		return upCase(name, backends, "upstream ih { ip_hash; "+servers+" }\n"+upServer("location / { proxy_pass http://ih; }"), reqs...)
	}
	conformance.Run(t, []conformance.Case{
		ih("three", "server {{BACKEND1}}; server {{BACKEND2}}; server {{BACKEND3}};", 3, from(30, 1)),
		ih("two", "server {{BACKEND1}}; server {{BACKEND2}};", 2, from(10, 1)),
		ih("one-24", "server {{BACKEND1}}; server {{BACKEND2}}; server {{BACKEND3}};", 3, []conformance.Request{
			{Name: "127.0.9.1", Target: "/", Source: "127.0.9.1"},
			{Name: "127.0.9.77", Target: "/", Source: "127.0.9.77"},
			{Name: "127.0.9.200", Target: "/", Source: "127.0.9.200"},
		}),
		ih("weighted", "server {{BACKEND1}} weight=3; server {{BACKEND2}}; server {{BACKEND3}} weight=2;", 3, from(15, 40)),
		ih("down", "server {{BACKEND1}}; server {{BACKEND2}} down; server {{BACKEND3}};", 3, from(15, 60)),
		ih("failing", "server {{BACKEND1}}; server {{BACKEND2}}; server {{BACKEND3}};", 3, from(15, 80),
			&conformance.Backend{}, &conformance.Backend{Refuse: true}, &conformance.Backend{}),
	})
}

func TestConformanceUpstreamHash(t *testing.T) {
	keys := func(n int, format string) []conformance.Request {
		reqs := make([]conformance.Request, n)
		for i := range reqs {
			target := fmt.Sprintf(format, i+1)
			reqs[i] = conformance.Request{Name: target, Target: target}
		}
		return reqs
	}
	h := func(name, directive, servers string, n int, reqs []conformance.Request, backends ...*conformance.Backend) conformance.Case {
		if backends == nil {
			backends = healthy(n)
		}
		return upCase(name, backends, "upstream h { "+directive+"; "+servers+" }\n"+upServer("location / { proxy_pass http://h; }"), reqs...)
	}
	three := "server {{BACKEND1}}; server {{BACKEND2}}; server {{BACKEND3}};"
	conformance.Run(t, []conformance.Case{
		h("arg-three", "hash $arg_a", three, 3, keys(20, "/?a=%d")),
		h("arg-two", "hash $arg_a", "server {{BACKEND1}}; server {{BACKEND2}};", 2, keys(10, "/?a=%d")),
		h("arg-weighted", "hash $arg_a", "server {{BACKEND1}} weight=2; server {{BACKEND2}}; server {{BACKEND3}} weight=3;", 3, keys(15, "/?a=k%d")),
		h("arg-down", "hash $arg_a", "server {{BACKEND1}}; server {{BACKEND2}} down; server {{BACKEND3}};", 3, keys(12, "/?a=%d")),
		h("empty-key", "hash $arg_a", three, 3, times(6, "/")),
		h("arg-failing", "hash $arg_a", three, 3, keys(12, "/?a=%d"),
			&conformance.Backend{}, &conformance.Backend{Refuse: true}, &conformance.Backend{}),
		h("uri-consistent", "hash $request_uri consistent", three, 3, keys(20, "/item/%d")),
		h("uri-consistent-weighted", "hash $request_uri consistent", "server {{BACKEND1}} weight=3; server {{BACKEND2}}; server {{BACKEND3}};", 3, keys(12, "/w/%d")),
		h("uri-consistent-down", "hash $request_uri consistent", "server {{BACKEND1}}; server {{BACKEND2}} down; server {{BACKEND3}};", 3, keys(12, "/item/%d")),
		h("uri-consistent-failing", "hash $request_uri consistent", three, 3, keys(12, "/item/%d"),
			&conformance.Backend{Refuse: true}, &conformance.Backend{}, &conformance.Backend{}),
		h("consistent-empty-key", "hash $arg_a consistent", three, 3, times(4, "/")),
		h("composite-key", "hash $arg_a$arg_b", three, 3, keys(8, "/?a=x&b=%d")),
	})
}

func TestConformanceUpstreamBackupDown(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		upCase("backup-idle", healthy(2),
			"upstream u { server {{BACKEND1}}; server {{BACKEND2}} backup; }\n"+upServer("location / { proxy_pass http://u; }"),
			times(3, "/")...),
		upCase("backup-takes-over", []*conformance.Backend{{Refuse: true}, {}},
			"upstream u { server {{BACKEND1}}; server {{BACKEND2}} backup; }\n"+upServer("location / { proxy_pass http://u; }"),
			times(3, "/")...),
		upCase("backups-round-robin", []*conformance.Backend{{}, {}, {}},
			"upstream u { server {{BACKEND1}} down; server {{BACKEND2}} backup; server {{BACKEND3}} backup weight=2; }\n"+
				upServer("location / { proxy_pass http://u; }"),
			times(6, "/")...),
		upCase("backup-failing", []*conformance.Backend{{}, {Refuse: true}, {}},
			"upstream u { server {{BACKEND1}} down; server {{BACKEND2}} backup; server {{BACKEND3}} backup; }\n"+
				upServer("location / { proxy_pass http://u; }"),
			times(4, "/")...),
		upCase("everything-fails", []*conformance.Backend{{Refuse: true}, {Refuse: true}, {Refuse: true}},
			"upstream u { server {{BACKEND1}}; server {{BACKEND2}}; server {{BACKEND3}} backup; }\n"+
				upServer("location / { proxy_pass http://u; }"),
			times(3, "/")...),
		upCase("all-down", healthy(2),
			"upstream d { server {{BACKEND1}} down; server {{BACKEND2}} down; }\n"+upServer("location / { proxy_pass http://d; }"),
			times(2, "/")...),
		upCase("down-primary-down-backup", healthy(2),
			"upstream d { server {{BACKEND1}} down; server {{BACKEND2}} backup down; }\n"+upServer("location / { proxy_pass http://d; }"),
			times(2, "/")...),
		upCase("single-refusing", []*conformance.Backend{{Refuse: true}},
			"upstream s { server {{BACKEND1}}; }\n"+upServer("location / { proxy_pass http://s; }"),
			times(3, "/")...),
		upCase("no-live-upstreams", []*conformance.Backend{{Refuse: true}, {Refuse: true}},
			"upstream f { server {{BACKEND1}}; server {{BACKEND2}}; }\n"+upServer("location / { proxy_pass http://f; }"),
			times(3, "/")...),
		upCase("max-fails-0", []*conformance.Backend{{Refuse: true}, {}},
			"upstream z { server {{BACKEND1}} max_fails=0; server {{BACKEND2}}; }\n"+upServer("location / { proxy_pass http://z; }"),
			times(4, "/")...),
		// nginx-tests upstream.t: a server failing every third request
		// with max_fails=3 stays in, its weight lowered after each failure.
		upCase("fail-every-third", []*conformance.Backend{{Reply: conformance.FailEvery(3, conformance.Reply{Do: conformance.Close})}, {}},
			"upstream u { server {{BACKEND1}} max_fails=3; server {{BACKEND2}}; }\n"+upServer("location / { proxy_pass http://u; }"),
			times(30, "/close")...),
		upCase("max-fails-3", []*conformance.Backend{{Refuse: true}, {}},
			"upstream m { server {{BACKEND1}} max_fails=3; server {{BACKEND2}}; }\n"+upServer("location / { proxy_pass http://m; }"),
			times(10, "/")...),
	})
}

func TestConformanceUpstreamMaxConns(t *testing.T) {
	hang := func(n int) *conformance.Backend {
		return &conformance.Backend{Reply: conformance.FirstN(n, conformance.Reply{Do: conformance.Hang})}
	}
	conformance.Run(t, []conformance.Case{
		upCase("one-full", []*conformance.Backend{hang(1), {}},
			"upstream m { server {{BACKEND1}} max_conns=1; server {{BACKEND2}}; }\n"+upServer("location / { proxy_pass http://m; }"),
			seq(held("held by b1", "/held"), times(4, "/full"), release(1), times(4, "/free"))...),
		upCase("all-full", []*conformance.Backend{hang(1)},
			"upstream m { server {{BACKEND1}} max_conns=1; }\n"+upServer("location / { proxy_pass http://m; }"),
			seq(held("held by b1", "/held"), times(2, "/full"), release(1), times(2, "/free"))...),
		upCase("two-of-two-full", []*conformance.Backend{hang(1), hang(1)},
			"upstream m { server {{BACKEND1}} max_conns=1; server {{BACKEND2}} max_conns=1; }\n"+upServer("location / { proxy_pass http://m; }"),
			seq(held("held by b1", "/h1"), held("held by b2", "/h2"), times(2, "/full"), release(2), times(2, "/b2-free"), release(1), times(2, "/free"))...),
		upCase("limit-two", []*conformance.Backend{hang(2), {}},
			"upstream m { server {{BACKEND1}} max_conns=2 weight=5; server {{BACKEND2}}; }\n"+upServer("location / { proxy_pass http://m; }"),
			seq(held("first", "/h1"), held("second", "/h2"), times(3, "/full"), release(1), times(4, "/free"))...),
		upCase("full-then-backup", []*conformance.Backend{hang(1), {}},
			"upstream m { server {{BACKEND1}} max_conns=1; server {{BACKEND2}} backup; }\n"+upServer("location / { proxy_pass http://m; }"),
			seq(held("held by b1", "/held"), times(2, "/full"), release(1), times(2, "/free"))...),
		upCase("hash-full", []*conformance.Backend{hang(1), hang(1), {}},
			"upstream m { hash $arg_a; server {{BACKEND1}} max_conns=1; server {{BACKEND2}} max_conns=1; server {{BACKEND3}}; }\n"+upServer("location / { proxy_pass http://m; }"),
			// Keys 4 and 1 hash to b1 and b2 (NGINX.md Appendix A).
			seq([]conformance.Request{{Name: "held by b1", Target: "/?a=4", Async: true}, {Name: "held by b2", Target: "/?a=1", Async: true}},
				[]conformance.Request{{Name: "key 4", Target: "/?a=4"}, {Name: "key 1", Target: "/?a=1"}, {Name: "key 2", Target: "/?a=2"}},
				release(1, 2), []conformance.Request{{Name: "key 4 free", Target: "/?a=4"}, {Name: "key 1 free", Target: "/?a=1"}})...),
		upCase("ip-hash-full", []*conformance.Backend{hang(1), hang(1)},
			"upstream m { ip_hash; server {{BACKEND1}} max_conns=1; server {{BACKEND2}} max_conns=1; }\n"+upServer("location / { proxy_pass http://m; }"),
			seq(held("held", "/h1"), held("same client, next peer", "/h2"), times(2, "/both-full"), release(1, 2), times(2, "/free"))...),
	})
}

// The backend b1 of these cases misbehaves by path; b2 is healthy. Each
// location has its own pool, so that each starts fresh.
func TestConformanceUpstreamNextUpstream(t *testing.T) {
	chaos := &conformance.Backend{Reply: byPath(map[string]conformance.Reply{
		"reset":      {Do: conformance.Reset},
		"close":      {Do: conformance.Close},
		"hang":       {Do: conformance.Hang},
		"slow":       {Delay: 20 * time.Millisecond}, // well within proxy_read_timeout
		"badheader":  {Raw: "HTTP/1.1 200 OK\r\nX A: b\r\nContent-Length: 2\r\n\r\nok"},
		"toobig":     {Raw: "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("x", 5000) + "\r\nContent-Length: 2\r\n\r\nok"},
		"http09":     {Raw: "not http"},
		"s500":       {Status: 500},
		"s502":       {Status: 502},
		"s503":       {Status: 503},
		"s504":       {Status: 504},
		"s403":       {Status: 403},
		"s404":       {Status: 404},
		"s429":       {Status: 429},
		"s501":       {Status: 501},
		"s201":       {Status: 201},
		"midbody":    {Raw: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"},
		"emptyreply": {Raw: "HTTP/1.1 200 OK\r\n"},
	})}
	// add declares a location /NAME/ with its own two-server pool and the
	// given directives, and the requests sent to it.
	var upstreams, locations strings.Builder
	var reqs []conformance.Request
	add := func(name, directives string, paths ...string) {
		fmt.Fprintf(&upstreams, "upstream %s { server {{BACKEND1}}; server {{BACKEND2}}; }\n", name)
		fmt.Fprintf(&locations, "location /%[1]s/ { %[2]s proxy_pass http://%[1]s; }\n", name, directives)
		for _, p := range paths {
			method, path, ok := strings.Cut(p, " ")
			if !ok {
				method, path = "GET", p
			}
			reqs = append(reqs, conformance.Request{Name: name + " " + method + " " + path, Method: method, Target: "/" + name + path})
		}
	}
	// Default: error and timeout.
	add("reset", "", "/reset", "/reset", "/ok")
	add("close", "", "/close", "/close")
	add("timeout", "proxy_read_timeout 200ms;", "/hang", "/hang", "/ok")
	add("slow", "proxy_read_timeout 2s;", "/slow", "/slow")
	add("badheader", "", "/badheader", "/ok")
	add("badheader-next", "proxy_next_upstream invalid_header;", "/badheader", "/badheader")
	add("toobig-next", "proxy_next_upstream invalid_header;", "/toobig")
	add("http09", "proxy_next_upstream error invalid_header;", "/http09")
	add("emptyreply", "", "/emptyreply")
	// Statuses: passed through unless listed.
	add("s500", "", "/s500", "/s500")
	add("s500-next", "proxy_next_upstream http_500;", "/s500", "/s500", "/s500")
	add("s502-next", "proxy_next_upstream http_502;", "/s502", "/s502")
	add("s503-next", "proxy_next_upstream http_503;", "/s503", "/s503")
	add("s504-next", "proxy_next_upstream http_504;", "/s504", "/s504")
	add("s403-next", "proxy_next_upstream http_403;", "/s403", "/s403", "/s403")
	add("s404-next", "proxy_next_upstream http_404;", "/s404", "/s404", "/s404")
	add("s429-next", "proxy_next_upstream http_429;", "/s429", "/s429")
	add("s501", "proxy_next_upstream http_500 http_502 http_503;", "/s501", "/s201")
	add("s503-only", "proxy_next_upstream http_503;", "/s500", "/reset")
	add("all-statuses", "proxy_next_upstream error timeout http_500 http_502 http_503 http_504 http_403 http_404 http_429;",
		"/s502", "/s404", "/s429")
	// Idempotency: POST, LOCK and PATCH are not sent twice.
	add("post", "", "POST /reset", "POST /ok")
	add("post-refused", "proxy_next_upstream error;", "POST /ok")
	add("post-next", "proxy_next_upstream error non_idempotent;", "POST /reset", "POST /close")
	add("post-status", "proxy_next_upstream http_500;", "POST /s500", "PUT /s500")
	add("post-status-next", "proxy_next_upstream http_500 non_idempotent;", "POST /s500")
	add("patch", "", "PATCH /close", "LOCK /close")
	add("put-delete", "", "PUT /reset", "DELETE /close")
	// off: nothing is retried, errors still count.
	add("off", "proxy_next_upstream off;", "/reset", "/ok", "/s500")
	add("timeout-only", "proxy_next_upstream timeout; proxy_read_timeout 200ms;", "/hang", "/reset")
	add("error-only", "proxy_next_upstream error; proxy_read_timeout 200ms;", "/hang")
	// A body cut short cannot be retried: what was sent stands.
	add("midbody", "", "/midbody")
	conformance.Run(t, []conformance.Case{
		upCase("conditions", []*conformance.Backend{chaos, {}}, upstreams.String()+upServer(locations.String()), reqs...),
		upCase("refused-first", []*conformance.Backend{{Refuse: true}, {}},
			"upstream r { server {{BACKEND1}}; server {{BACKEND2}}; }\nupstream rp { server {{BACKEND1}}; server {{BACKEND2}}; }\n"+
				upServer("location / { proxy_pass http://r; }\nlocation /post/ { proxy_pass http://rp; }"),
			seq(one("GET", "GET", "/"), one("POST", "POST", "/post/"), one("again", "GET", "/"))...),
		upCase("connect-timeout", []*conformance.Backend{{Blackhole: true}, {}},
			"upstream c { server {{BACKEND1}}; server {{BACKEND2}}; }\nupstream c1 { server {{BACKEND1}}; }\n"+
				upServer("proxy_connect_timeout 200ms;\nlocation / { proxy_pass http://c; }\nlocation /single/ { proxy_pass http://c1; }\n"+
					"location /off/ { proxy_next_upstream off; proxy_pass http://c; }\nlocation /post/ { proxy_pass http://c; }"),
			seq(one("GET", "GET", "/"), one("again", "GET", "/"), one("single", "GET", "/single/"),
				one("POST retried", "POST", "/post/"), one("off", "GET", "/off/"))...),
	})
}

func TestConformanceUpstreamTries(t *testing.T) {
	refusing := func(n int) []*conformance.Backend {
		bs := make([]*conformance.Backend, n)
		for i := range bs {
			bs[i] = &conformance.Backend{Refuse: true}
		}
		return bs
	}
	status500 := &conformance.Backend{Reply: conformance.Status(500)}
	hang := &conformance.Backend{Reply: func(int, []byte) conformance.Reply { return conformance.Reply{Do: conformance.Hang} }}
	conformance.Run(t, []conformance.Case{
		upCase("tries-2", append(refusing(3), &conformance.Backend{}),
			"upstream u { server {{BACKEND1}}; server {{BACKEND2}}; server {{BACKEND3}}; server {{BACKEND4}}; }\n"+
				upServer("proxy_next_upstream_tries 2;\nlocation / { proxy_pass http://u; }"),
			times(4, "/")...),
		upCase("tries-1", append(refusing(1), &conformance.Backend{}),
			"upstream u { server {{BACKEND1}}; server {{BACKEND2}}; }\n"+
				upServer("proxy_next_upstream_tries 1;\nlocation / { proxy_pass http://u; }"),
			times(3, "/")...),
		upCase("tries-over-peers", append(refusing(2), &conformance.Backend{}),
			"upstream u { server {{BACKEND1}}; server {{BACKEND2}}; server {{BACKEND3}}; }\n"+
				upServer("proxy_next_upstream_tries 10;\nlocation / { proxy_pass http://u; }"),
			times(3, "/")...),
		upCase("tries-with-backup", []*conformance.Backend{{Refuse: true}, {Refuse: true}, {}},
			"upstream u { server {{BACKEND1}}; server {{BACKEND2}}; server {{BACKEND3}} backup; }\n"+
				upServer("proxy_next_upstream_tries 2;\nlocation / { proxy_pass http://u; }"),
			times(3, "/")...),
		upCase("status-tries", []*conformance.Backend{status500, status500, status500},
			"upstream u { server {{BACKEND1}}; server {{BACKEND2}}; server {{BACKEND3}}; }\n"+
				upServer("proxy_next_upstream http_500; proxy_next_upstream_tries 2;\nlocation / { proxy_pass http://u; }"),
			times(3, "/")...),
		// The first try alone outlasts proxy_next_upstream_timeout: no
		// second one, and the answer is the first try's 504.
		upCase("next-upstream-timeout", []*conformance.Backend{hang, {}},
			"upstream u { server {{BACKEND1}}; server {{BACKEND2}}; }\n"+
				upServer("proxy_read_timeout 300ms; proxy_next_upstream_timeout 100ms;\nlocation / { proxy_pass http://u; }"),
			times(2, "/")...),
		upCase("next-upstream-timeout-unreached", []*conformance.Backend{{Refuse: true}, {}},
			"upstream u { server {{BACKEND1}}; server {{BACKEND2}}; }\n"+
				upServer("proxy_next_upstream_timeout 10s;\nlocation / { proxy_pass http://u; }"),
			times(2, "/")...),
	})
}

// Recovery after fail_timeout needs real seconds on nginx's side: the
// sequences wait, on a timer set from the Date of the failed answer,
// until the whole-second clock nginx keeps has moved past fail_timeout.
func TestConformanceUpstreamRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for fail_timeout in real seconds")
	}
	fails := func(n int) *conformance.Backend {
		return &conformance.Backend{Reply: conformance.FirstN(n, conformance.Reply{Do: conformance.Close})}
	}
	after := func(name string, seconds int) []conformance.Request {
		return []conformance.Request{{Name: name, Target: "/", WaitSeconds: seconds}}
	}
	conformance.Run(t, []conformance.Case{
		upCase("probe-succeeds", []*conformance.Backend{fails(1), {}},
			"upstream r { server {{BACKEND1}} fail_timeout=1s; server {{BACKEND2}}; }\n"+upServer("location / { proxy_pass http://r; }"),
			seq(one("fails", "GET", "/"), times(3, "/out"), after("after fail_timeout", 2), times(6, "/back"))...),
		upCase("probe-fails", []*conformance.Backend{fails(2), {}},
			"upstream r { server {{BACKEND1}} fail_timeout=1s; server {{BACKEND2}}; }\n"+upServer("location / { proxy_pass http://r; }"),
			seq(one("fails", "GET", "/"), times(2, "/out"), after("probe fails", 2), times(3, "/out-again"),
				after("second probe", 2), times(4, "/back"))...),
		upCase("max-fails-2", []*conformance.Backend{fails(2), {}},
			"upstream r { server {{BACKEND1}} max_fails=2 fail_timeout=1s; server {{BACKEND2}}; }\n"+upServer("location / { proxy_pass http://r; }"),
			seq(times(5, "/fail"), after("after fail_timeout", 2), times(5, "/back"))...),
	})
}

// proxy_pass with variables: the host is an upstream name, an address, or
// a name resolved at request time by nginx's resolver (here a loopback
// DNS server both sides ask).
func TestConformanceUpstreamVariables(t *testing.T) {
	redirects := byPath(map[string]conformance.Reply{
		"redir-abs": {Raw: "HTTP/1.0 302 Found\r\nLocation: http://named/var/x\r\nContent-Length: 0\r\n\r\n"},
		"redir-rel": {Raw: "HTTP/1.0 302 Found\r\nLocation: /var/y\r\nContent-Length: 0\r\n\r\n"},
	})
	r := func(name, target string) conformance.Request { return conformance.Request{Name: name, Target: target} }
	hosts := upCase("hosts", []*conformance.Backend{{Reply: redirects}, {Reply: redirects}, {}},
		"upstream named { server {{BACKEND1}}; server {{BACKEND2}}; }\n"+upServer(`
				location /var/ { proxy_pass http://$arg_h; }
				location /uri/ { proxy_pass http://$arg_h/fixed/path?x=1; }
				location /q/ { proxy_pass http://$arg_h?only; }
				location /res/ { resolver {{DNS}}; proxy_pass http://$arg_h; }
				location /res-uri/ { resolver {{DNS}} valid=30s ipv6=off; resolver_timeout 5s; proxy_pass http://$arg_n:{{BACKEND3_PORT}}$uri; }
				location /implicit/ { proxy_pass http://localhost:{{BACKEND3_PORT}}; }
				location /prefix/ { proxy_pass $arg_u; }
			`),
		r("pool", "/var/?h=named"),
		r("pool again", "/var/?h=named"),
		r("pool, other case", "/var/a?h=NAMED"),
		r("pool with port 80 is no pool", "/var/?h=named:80"),
		r("address", "/var/?h={{BACKEND3}}"),
		r("address, args kept", "/var/p?h={{BACKEND3}}&z=1"),
		r("no resolver", "/var/?h=b3.test:{{BACKEND3_PORT}}"),
		r("implicit pool", "/var/?h=localhost:{{BACKEND3_PORT}}"),
		r("implicit location", "/implicit/x"),
		r("empty host", "/var/?h="),
		r("invalid port", "/var/?h=named:99999"),
		r("URI sent as is", "/uri/a/b?h=named&c=d"),
		r("URI starting with ?", "/q/?h=named&c=d"),
		r("resolved", "/res/?h=b3.test:{{BACKEND3_PORT}}"),
		r("resolved, cached", "/res/r?h=b3.test:{{BACKEND3_PORT}}"),
		r("resolved, other case", "/res/?h=B3.Test:{{BACKEND3_PORT}}"),
		r("not found", "/res/?h=missing.test:{{BACKEND3_PORT}}"),
		r("resolver, pool first", "/res/?h=named"),
		r("resolver, default port", "/res/?h=b3.test"),
		r("resolved with $uri", "/res-uri/x/y?n=b3.test"),
		r("resolved, escaped $uri", "/res-uri/a%20b?n=b3.test"),
		r("not a URL", "/prefix/?u=ftp://x"),
		r("no redirect rewriting (absolute)", "/var/redir-abs?h=named"),
		r("no redirect rewriting (relative)", "/var/redir-rel?h=named"),
	)
	hosts.DNS = map[string][]string{"b3.test": {"127.0.0.1"}}
	conformance.Run(t, []conformance.Case{hosts})
}
