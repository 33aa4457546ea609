package frontdesk

// Virtual servers, chosen as nginx chooses them
// (ngx_http_find_virtual_server): first the servers listening on the
// address the request came in on, then among them by name — an exact
// name, else the longest wildcard starting with "*", else the longest
// wildcard ending with "*", else the first regular expression in
// configuration order, else that address's default server (the one marked
// default_server, or the first). A name ".example.com" stands for both
// "example.com" and "*.example.com".
//
// In a library, requests arrive on whatever listener the program opened,
// which need not be one the configuration lists. The address a request
// stands for is, in order: the one [WithListenAddr] put in its context
// (a program serving an nginx.conf on listeners of its own says which
// listen address each one replaces), else the connection's local address
// (http.LocalAddrContextKey). When no server lists that address, every
// server takes part, and the first one marked default_server, else the
// first server, is the default: one listener serves the whole
// configuration.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// VirtualServerBlock is an nginx server block declared with
// [VirtualServer].
type VirtualServerBlock struct {
	opts []Option
}

// VirtualServer declares an nginx server block: [ServerName], [Listen],
// locations and directives. Options given to [New] outside any
// VirtualServer are inherited by every server, as http-level directives
// are in nginx; locations must then be inside a VirtualServer.
func VirtualServer(opts ...Option) *VirtualServerBlock {
	return &VirtualServerBlock{opts: opts}
}

func (v *VirtualServerBlock) applyServer(s *serverBuilder) error {
	if s.parent != nil {
		return errors.New("virtual servers cannot be nested")
	}
	s.vservers = append(s.vservers, v)
	return nil
}

// ServerName mirrors nginx's server_name: exact names, "*.example.com"
// and "www.example.*" wildcards, ".example.com" (the name and its
// subdomains) and "~regex" names. The first name is $server_name and the
// host of redirects when [ServerNameInRedirect] is on.
func ServerName(names ...string) Option {
	return serverOption(func(s *serverBuilder) error {
		if len(names) == 0 {
			return errors.New("server_name: no names")
		}
		for _, n := range names {
			// An empty name may come anywhere: nginx accepts
			// "server_name "" example.com;", and with it first,
			// $server_name is empty.
			switch {
			case n == "*":
				return errors.New(`"server_name *" is unsupported, use "server_name_in_redirect off" instead`)
			case strings.HasPrefix(n, "*") && (len(n) < 3 || n[1] != '.'), n == ".":
				return fmt.Errorf("server name %q is invalid", n)
			}
		}
		s.names = append(s.names, names...)
		return nil
	})
}

// Listen mirrors nginx's listen: "8080", "127.0.0.1:8080", "[::1]:80",
// "*:80", with "default_server" among params to make this server the
// default of that address. A server without Listen listens on *:80, as in
// nginx.
func Listen(addr string, params ...string) Option {
	return serverOption(func(s *serverBuilder) error {
		l, err := parseListen(addr)
		if err != nil {
			return err
		}
		for _, p := range params {
			switch p {
			case "default_server", "default":
				l.defaultServer = true
			default:
				return fmt.Errorf("listen: the invalid %q parameter", p)
			}
		}
		s.listens = append(s.listens, l)
		return nil
	})
}

type listenSpec struct {
	ip            string // "" for every address
	port          string
	defaultServer bool
}

func parseListen(addr string) (listenSpec, error) {
	if addr == "" {
		return listenSpec{}, errors.New("listen: empty address")
	}
	if !strings.ContainsAny(addr, ":[") {
		if isPort(addr) {
			return listenSpec{port: addr}, nil
		}
		return listenSpec{ip: addr, port: "80"}, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return listenSpec{}, fmt.Errorf("listen: invalid address %q", addr)
	}
	if !isPort(port) {
		return listenSpec{}, fmt.Errorf("listen: invalid port in %q", addr)
	}
	if host == "*" || host == "0.0.0.0" || host == "::" {
		host = ""
	}
	return listenSpec{ip: host, port: port}, nil
}

func isPort(s string) bool {
	n, err := strconv.ParseUint(s, 10, 16)
	return err == nil && n > 0 && s[0] != '+'
}

// vhostTable chooses the server for a request.
type vhostTable struct {
	byAddr map[string]*nameTable // "ip:port" and ":port" (wildcard address)
	any    *nameTable            // every server, for addresses nobody listens on
}

type nameTable struct {
	exact     map[string]*server
	wildStart []wildName // "*.example.com" as ".example.com", longest first
	wildEnd   []wildName // "www.example.*" as "www.example.", longest first
	regexes   []regexName
	def       *server
}

type wildName struct {
	part string
	srv  *server
}

type regexName struct {
	re  *nginxRegexp
	srv *server
}

func newVhostTable(servers []*server) (*vhostTable, error) {
	vt := &vhostTable{byAddr: map[string]*nameTable{}, any: &nameTable{exact: map[string]*server{}}}
	for _, srv := range servers {
		if err := vt.any.add(srv); err != nil {
			return nil, err
		}
		for _, l := range srv.listens {
			key := l.ip + ":" + l.port
			nt := vt.byAddr[key]
			if nt == nil {
				nt = &nameTable{exact: map[string]*server{}}
				vt.byAddr[key] = nt
			}
			if l.defaultServer {
				if nt.def != nil && nt.defExplicit(l) {
					return nil, fmt.Errorf("a duplicate default server for %s", key)
				}
				nt.def = srv
				srv.explicitDefault = append(srv.explicitDefault, key)
			}
			if err := nt.add(srv); err != nil {
				return nil, err
			}
		}
	}
	for _, nt := range append(mapValues(vt.byAddr), vt.any) {
		nt.sort()
	}
	for _, srv := range servers {
		if len(srv.explicitDefault) > 0 && vt.any.def == servers[0] {
			vt.any.def = srv
			break
		}
	}
	return vt, nil
}

func mapValues(m map[string]*nameTable) []*nameTable {
	out := make([]*nameTable, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func (nt *nameTable) defExplicit(l listenSpec) bool {
	for _, k := range nt.def.explicitDefault {
		if k == l.ip+":"+l.port {
			return true
		}
	}
	return false
}

func (nt *nameTable) add(srv *server) error {
	if nt.def == nil {
		nt.def = srv
	}
	for _, name := range srv.names {
		switch {
		case strings.HasPrefix(name, "~"):
			if re := srv.nameRegexes[name]; re != nil {
				nt.regexes = append(nt.regexes, regexName{re: re, srv: srv})
			}
		case strings.HasPrefix(name, "*."):
			nt.addWildStart(name[1:], srv)
		case strings.HasPrefix(name, "."):
			nt.addExact(name[1:], srv)
			nt.addWildStart(name, srv)
		case strings.HasSuffix(name, ".*"):
			nt.wildEnd = append(nt.wildEnd, wildName{part: strings.ToLower(name[:len(name)-1]), srv: srv})
		default:
			nt.addExact(name, srv)
		}
	}
	return nil
}

// addExact keeps the first server to claim a name, as nginx does (it warns
// "conflicting server name" and ignores the later one).
func (nt *nameTable) addExact(name string, srv *server) {
	name = strings.ToLower(name)
	if _, dup := nt.exact[name]; !dup {
		nt.exact[name] = srv
	}
}

func (nt *nameTable) addWildStart(suffix string, srv *server) {
	suffix = strings.ToLower(suffix)
	for _, w := range nt.wildStart {
		if w.part == suffix {
			return
		}
	}
	nt.wildStart = append(nt.wildStart, wildName{part: suffix, srv: srv})
}

func (nt *nameTable) sort() {
	sort.SliceStable(nt.wildStart, func(i, j int) bool { return len(nt.wildStart[i].part) > len(nt.wildStart[j].part) })
	sort.SliceStable(nt.wildEnd, func(i, j int) bool { return len(nt.wildEnd[i].part) > len(nt.wildEnd[j].part) })
}

// find returns the server for host (lower-case, without port) and, for a
// regex name, the match so that its captures become variables.
func (nt *nameTable) find(host string) (*server, *nginxRegexp, []int) {
	if srv := nt.exact[host]; srv != nil {
		return srv, nil, nil
	}
	if host != "" {
		for _, w := range nt.wildStart {
			if strings.HasSuffix(host, w.part) && len(host) > len(w.part) {
				return w.srv, nil, nil
			}
		}
		for _, w := range nt.wildEnd {
			if strings.HasPrefix(host, w.part) && len(host) > len(w.part) {
				return w.srv, nil, nil
			}
		}
		for _, r := range nt.regexes {
			if ok, idx := r.re.match(host); ok {
				return r.srv, r.re, idx
			}
		}
	}
	return nt.def, nil, nil
}

type listenAddrKey struct{}

// WithListenAddr returns a copy of ctx saying that requests carrying it
// arrived on the nginx listen address addr ("127.0.0.1:8080", "*:80",
// "8080"; as [Listen] reads it): virtual servers are then chosen among
// those listening there, as nginx chooses them for a connection to that
// address. Set it per listener with [net/http.Server.ConnContext]. It
// affects server selection only: $server_addr, $server_port and the port
// of redirects still come from the real connection. An address that does
// not parse is ignored.
func WithListenAddr(ctx context.Context, addr string) context.Context {
	l, err := parseListen(addr)
	if err != nil {
		return ctx
	}
	return context.WithValue(ctx, listenAddrKey{}, l)
}

// choose finds the name table for the address the request arrived on.
func (vt *vhostTable) choose(r *http.Request) *nameTable {
	var ip, port string
	if l, ok := r.Context().Value(listenAddrKey{}).(listenSpec); ok {
		ip, port = l.ip, l.port
	} else if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		ip, port = splitAddr(a.String())
	} else {
		return vt.any
	}
	if nt := vt.byAddr[ip+":"+port]; nt != nil {
		return nt
	}
	if nt := vt.byAddr[":"+port]; nt != nil {
		return nt
	}
	return vt.any
}
