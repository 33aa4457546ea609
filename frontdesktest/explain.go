package frontdesktest

// Explanations: what frontdesk decided for a request, gathered from
// frontdesk.Observe and frontdesk.OnUpstreamAttempt through the request's
// context.

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk-go/frontdesk"
)

// Explanation is how one request was served.
type Explanation struct {
	// Listen is the configured listen address that accepted the request.
	Listen string
	// Server is the chosen server block's $server_name ("" for a block
	// without server_name) and ServerAt its "file:line" when the listen
	// address and name single it out.
	Server, ServerAt string
	// Location is the pattern of the location that served the request
	// ("" when none matched), after rewrites and internal redirects.
	Location string
	// URI is the final $uri and Args $args.
	URI, Args string
	// Status is the status sent to the client.
	Status int
	// Upstream lists every try against an upstream server, in order.
	Upstream []Attempt
	// UpstreamAddr and UpstreamStatus are $upstream_addr and
	// $upstream_status, as nginx logs them.
	UpstreamAddr, UpstreamStatus string
	// AccessLog is the line nginx's "combined" log format would have
	// written.
	AccessLog string

	mu sync.Mutex // guards Upstream while the request runs
}

// Attempt is one try of the request against an upstream server.
type Attempt struct {
	Upstream string // the upstream block, or proxy_pass's host
	Addr     string // the server, as configured ($upstream_addr)
	Status   int    // its status; 502/504 for an error/timeout, 499 when the client left
	Err      string // why the try failed, "" for a complete response
	Time     time.Duration
}

func (a Attempt) String() string {
	s := fmt.Sprintf("%s %s → %d (%s)", a.Upstream, a.Addr, a.Status, a.Time.Round(time.Microsecond))
	if a.Err != "" {
		s += ": " + a.Err
	}
	return s
}

// String lays the explanation out for a failing test's message.
func (e *Explanation) String() string {
	if e == nil {
		return "(no explanation: the request did not go through frontdesktest)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "listen %s, server %q", e.Listen, e.Server)
	if e.ServerAt != "" {
		fmt.Fprintf(&b, " (%s)", e.ServerAt)
	}
	fmt.Fprintf(&b, ", location %q, $uri %q", e.Location, e.URI)
	if e.Args != "" {
		fmt.Fprintf(&b, ", $args %q", e.Args)
	}
	fmt.Fprintf(&b, " → %d\n", e.Status)
	for i, a := range e.Upstream {
		fmt.Fprintf(&b, "  try %d: %v\n", i+1, a)
	}
	fmt.Fprintf(&b, "  access log: %s", e.AccessLog)
	return b.String()
}

type explainKey struct{}

// attempt is the OnUpstreamAttempt callback.
func (n *Nginx) attempt(a frontdesk.UpstreamAttempt) {
	ex, _ := a.Request.Context().Value(explainKey{}).(*Explanation)
	if ex == nil {
		return
	}
	at := Attempt{Upstream: a.Upstream, Addr: a.Addr, Status: a.Status, Time: a.ResponseTime}
	if a.Err != nil {
		at.Err = a.Err.Error()
	}
	ex.mu.Lock()
	ex.Upstream = append(ex.Upstream, at)
	ex.mu.Unlock()
}

// observe is the Observe callback: nginx's log phase.
func (n *Nginx) observe(i frontdesk.RequestInfo) {
	r := i.Request()
	ex, _ := r.Context().Value(explainKey{}).(*Explanation)
	if ex == nil {
		return
	}
	v := func(name string) string {
		s, _ := i.Variable(name)
		return s
	}
	ex.Server = v("server_name")
	ex.ServerAt = n.serverAt(ex.Listen, ex.Server)
	ex.Location, ex.URI, ex.Args, ex.Status = i.Location(), i.URI(), i.Args(), i.Status()
	ex.UpstreamAddr, ex.UpstreamStatus = v("upstream_addr"), v("upstream_status")

	// log_format combined '$remote_addr - $remote_user [$time_local] '
	//                     '"$request" $status $body_bytes_sent '
	//                     '"$http_referer" "$http_user_agent"';
	request, ok := i.Variable("request")
	if !ok {
		request = r.Method + " " + r.RequestURI + " " + r.Proto
	}
	user, ok := i.Variable("remote_user")
	if !ok {
		user, _, _ = r.BasicAuth()
	}
	sent, ok := i.Variable("body_bytes_sent")
	if !ok {
		sent = "-"
	}
	ex.AccessLog = fmt.Sprintf("%s - %s [%s] \"%s\" %s %s \"%s\" \"%s\"",
		v("remote_addr"), dash(user), v("time_local"), request, strconv.Itoa(ex.Status), sent,
		dash(v("http_referer")), dash(v("http_user_agent")))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// serverAt names the server block for a listen address and
// $server_name when exactly one block has both.
func (n *Nginx) serverAt(listen, name string) string {
	at := ""
	for _, s := range n.conf.Servers {
		first := ""
		if len(s.Names) > 0 {
			first = s.Names[0]
		}
		if first != name {
			continue
		}
		for _, l := range s.Listen {
			if l.Addr == listen {
				if at != "" {
					return ""
				}
				at = fmt.Sprintf("%s:%d", s.File, s.Line)
			}
		}
	}
	return at
}
