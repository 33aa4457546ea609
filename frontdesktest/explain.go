package frontdesktest

// Explanations: what frontdesk decided for a request, gathered from
// frontdesk.Trace, frontdesk.OnUpstreamAttempt and frontdesk.Observe
// through the request's context, and from the upstream connections.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/nginxconf"
)

// Explanation is how one request was served.
type Explanation struct {
	// Listen is the configured listen address that accepted the request.
	Listen string
	// Server is the chosen server block's $server_name ("" for a block
	// without server_name) and ServerAt its "file:line" when the listen
	// address and name single it out; ServerMatch says why it was chosen
	// (0 when the block is not singled out).
	Server, ServerAt string
	ServerMatch      ServerMatch
	// Host is $host, the name the server was chosen by.
	Host string
	// Location is the pattern of the location that served the request
	// ("" when none matched), after rewrites and internal redirects, and
	// LocationMatch the precedence step that chose it.
	Location      string
	LocationMatch frontdesk.MatchStep
	// Steps are frontdesk's decisions in order: each location selected
	// (and why), each rewrite, return, set, if and break, each internal
	// redirect (try_files, error_page, index, X-Accel-Redirect) and each
	// status nginx generated.
	Steps []frontdesk.TraceStep
	// URI is the final $uri and Args $args.
	URI, Args string
	// Status is the status sent to the client.
	Status int
	// Upstream lists every try against an upstream server, in order.
	Upstream []Attempt
	// UpstreamAddr and UpstreamStatus are $upstream_addr and
	// $upstream_status, as nginx logs them.
	UpstreamAddr, UpstreamStatus string
	// Peers is the state of the peers of every upstream block tried, by
	// block, once the request was done: failures counted towards
	// max_fails, requests in flight, availability.
	Peers map[string][]frontdesk.PeerState
	// AccessLogs are the lines nginx would have written for the request:
	// one per access_log of the location that served it (after rewrites
	// and internal redirects), else of its enclosing location, its server
	// block or the http level ("combined" to nginx's default log when
	// none has one), in the configuration's order and each in its
	// log_format, leaving out a log whose if= condition is false; none
	// for "access_log off". AccessLog is the first line, "" when there is
	// none. As in frontdesk's binary, access_log inside "if" is not
	// applied, $bytes_sent is "-", and a chunked body's framing is not
	// counted in $request_length.
	AccessLog  string
	AccessLogs []AccessLine

	mu sync.Mutex // guards Steps and Upstream while the request runs
}

// AccessLine is the line one access_log would have written for a request.
type AccessLine struct {
	// Path is the log's file as the configuration writes it; "" for
	// nginx's compiled-in default log.
	Path string
	// Line is the log_format rendered, without the newline.
	Line string
}

// Attempt is one try of the request against an upstream server.
type Attempt struct {
	Upstream string        // the upstream block, or proxy_pass's host
	Addr     string        // the server, as configured ($upstream_addr)
	Status   int           // its status; 502/504 for an error/timeout, 499 when the client left
	Err      string        // why the try failed, "" for a complete response
	Time     time.Duration // from the start of the try to the end of the response ($upstream_response_time)
	// Sent is the request as the upstream received it (request line,
	// headers, body), read from the connection frontdesk opened for the
	// try; nil when none was opened (refused) or when the try reused a
	// keep-alive connection opened by an earlier request.
	Sent *Received
}

// String is the try on one line, for a test's failure message.
func (a Attempt) String() string {
	s := fmt.Sprintf("%s %s → %d (%s)", a.Upstream, a.Addr, a.Status, a.Time.Round(time.Microsecond))
	if a.Err != "" {
		s += ": " + a.Err
	}
	if a.Sent != nil {
		s += fmt.Sprintf("\n    sent %q, Host %q", a.Sent.Line, a.Sent.Host)
		for _, k := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Real-Ip", "Upgrade", "Connection"} {
			if v := a.Sent.Header.Get(k); v != "" {
				s += fmt.Sprintf(", %s %q", k, v)
			}
		}
		if len(a.Sent.Body) > 0 {
			s += fmt.Sprintf(", %d-byte body", len(a.Sent.Body))
		}
	}
	return s
}

// ServerMatch is why nginx chose a server block for a request's host.
type ServerMatch uint8

const (
	// ServerExact: a server_name equal to the host.
	ServerExact ServerMatch = iota + 1
	// ServerWildcardStart: a name such as "*.example.com" or
	// ".example.com".
	ServerWildcardStart
	// ServerWildcardEnd: a name such as "www.example.*".
	ServerWildcardEnd
	// ServerRegex: the first "~" name, in configuration order, that
	// matched.
	ServerRegex
	// ServerDefault: no name matched; the listen address's default
	// server (default_server, else the first server block).
	ServerDefault
)

var serverMatchNames = [...]string{"unknown", "exact name", "wildcard name *.", "wildcard name .*", "regex name", "default server"}

// String names the rule, as a test's failure message shows it.
func (m ServerMatch) String() string {
	if int(m) < len(serverMatchNames) {
		return serverMatchNames[m]
	}
	return "ServerMatch(" + strconv.Itoa(int(m)) + ")"
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
	if e.ServerMatch != 0 {
		fmt.Fprintf(&b, " by %v for host %q", e.ServerMatch, e.Host)
	}
	fmt.Fprintf(&b, ", location %q, $uri %q", e.Location, e.URI)
	if e.Args != "" {
		fmt.Fprintf(&b, ", $args %q", e.Args)
	}
	fmt.Fprintf(&b, " → %d\n", e.Status)
	for i, s := range e.Steps {
		fmt.Fprintf(&b, "  step %d: %v\n", i+1, s)
	}
	for i, a := range e.Upstream {
		fmt.Fprintf(&b, "  try %d: %v\n", i+1, a)
	}
	for _, name := range sortedKeys(e.Peers) {
		fmt.Fprintf(&b, "  upstream %s:", name)
		for _, p := range e.Peers[name] {
			fmt.Fprintf(&b, " [%s fails=%d in-flight=%d available=%v]", p.Addr, p.Fails, p.Conns, p.Available)
		}
		b.WriteByte('\n')
	}
	if len(e.AccessLogs) == 0 {
		b.WriteString("  access log: none")
	}
	for i, l := range e.AccessLogs {
		if i > 0 {
			b.WriteByte('\n')
		}
		path := l.Path
		if path == "" {
			path = "(default)"
		}
		fmt.Fprintf(&b, "  access log %s: %s", path, l.Line)
	}
	return b.String()
}

type explainKey struct{}

func explanationOf(r *http.Request) *Explanation {
	ex, _ := r.Context().Value(explainKey{}).(*Explanation)
	return ex
}

// trace is the Trace callback.
func (n *Nginx) trace(r *http.Request, s frontdesk.TraceStep) {
	if ex := explanationOf(r); ex != nil {
		ex.mu.Lock()
		ex.Steps = append(ex.Steps, s)
		ex.mu.Unlock()
	}
}

// attempt is the OnUpstreamAttempt callback.
func (n *Nginx) attempt(a frontdesk.UpstreamAttempt) {
	ex := explanationOf(a.Request)
	if ex == nil {
		return
	}
	at := Attempt{Upstream: a.Upstream, Addr: a.Addr, Status: a.Status, Time: a.ResponseTime, Sent: n.env.sent(ex)}
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
	ex := explanationOf(r)
	if ex == nil {
		return
	}
	v := func(name string) string {
		s, _ := i.Variable(name)
		return s
	}
	ex.Server, ex.Host = v("server_name"), v("host")
	if s := n.serverBlock(ex.Listen, ex.Server); s != nil {
		ex.ServerAt = fmt.Sprintf("%s:%d", s.File, s.Line)
		ex.ServerMatch = serverMatch(s, ex.Host)
	}
	ex.Location, ex.URI, ex.Args, ex.Status = i.Location(), i.URI(), i.Args(), i.Status()
	ex.UpstreamAddr, ex.UpstreamStatus = v("upstream_addr"), v("upstream_status")
	ex.mu.Lock()
	for _, s := range ex.Steps {
		if s.Kind == frontdesk.TraceLocation {
			ex.LocationMatch = s.Match
		}
	}
	for _, a := range ex.Upstream {
		if p := n.Pool(a.Upstream); p != nil {
			if ex.Peers == nil {
				ex.Peers = map[string][]frontdesk.PeerState{}
			}
			ex.Peers[a.Upstream], _ = p.State()
		}
	}
	ex.mu.Unlock()

	now := time.Now()
	for _, l := range n.logs.Logs(i) {
		if l.Wanted(i) {
			// The frontdesktest server does not count the bytes on the
			// wire ($bytes_sent is "-").
			line := l.Format.Line(i, now, nil)
			ex.AccessLogs = append(ex.AccessLogs, AccessLine{Path: l.Path, Line: string(line[:len(line)-1])})
		}
	}
	if len(ex.AccessLogs) > 0 {
		ex.AccessLog = ex.AccessLogs[0].Line
	}
}

// serverBlock is the server block for a listen address and $server_name
// when exactly one block has both.
func (n *Nginx) serverBlock(listen, name string) *nginxconf.Server {
	var found *nginxconf.Server
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
				if found != nil {
					return nil
				}
				found = s
			}
		}
	}
	return found
}

// serverMatch is why s was chosen for host: the kind of the name of s
// that matches it in nginx's order (exact, leading wildcard, trailing
// wildcard, regex), or the default server when none does.
func serverMatch(s *nginxconf.Server, host string) ServerMatch {
	best := ServerDefault
	for _, name := range s.Names {
		m := ServerMatch(0)
		switch {
		case strings.HasPrefix(name, "~"):
			if re, err := regexp.Compile(name[1:]); err == nil && re.MatchString(host) {
				m = ServerRegex
			}
		case strings.HasPrefix(name, "*."):
			if strings.HasSuffix(host, name[1:]) {
				m = ServerWildcardStart
			}
		case strings.HasPrefix(name, "."):
			if host == name[1:] || strings.HasSuffix(host, name) {
				m = ServerWildcardStart
			}
		case strings.HasSuffix(name, ".*"):
			if strings.HasPrefix(host, name[:len(name)-1]) {
				m = ServerWildcardEnd
			}
		case strings.EqualFold(name, host):
			m = ServerExact
		}
		if m != 0 && m < best {
			best = m
		}
	}
	return best
}

// maxSent bounds what is kept of a request written to an upstream.
const maxSent = 1 << 20

// sent returns, and forgets, the request written on the upstream
// connection that ex's request opened last and has not yet reported.
func (e *env) sent(ex *Explanation) *Received {
	e.mu.Lock()
	var c *upConn
	for uc := range e.conns {
		if uc.ex == ex {
			c = uc
		}
	}
	if c == nil {
		e.mu.Unlock()
		return nil
	}
	// Later writes on the connection (keep-alive reuse) belong to
	// requests the connection cannot be tied to.
	c.ex = nil
	data := c.buf.Bytes()
	c.buf = bytes.Buffer{}
	if c.closed {
		delete(e.conns, c)
	}
	e.mu.Unlock()
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		return nil
	}
	body, _ := io.ReadAll(req.Body)
	return &Received{Line: req.Method + " " + req.RequestURI + " " + req.Proto, Method: req.Method, URI: req.RequestURI,
		Host: req.Host, Header: req.Header, Body: body}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
