package frontdesk

// realip: the client address taken from a header sent by a trusted proxy,
// as ngx_http_realip_module takes it.
//
// A request's address ($remote_addr, $remote_port, $binary_remote_addr)
// is the connection's peer until realip replaces it, at most once per
// request (internal redirects keep the replacement):
//
//   - With realip configured at server level, it runs before location
//     selection (nginx's post-read phase).
//   - Otherwise the matched location's configuration runs after the
//     rewrite phase, so a location's own return still sees the peer
//     (nginx's preaccess phase).
//
// It applies only when the current address is trusted (set_real_ip_from).
// The value comes from real_ip_header: X-Real-IP (the first such header)
// by default, X-Forwarded-For (all such headers, read as one list, last
// one last), or any other header (the first one). A value is a list of
// addresses separated by spaces or commas, each "addr", "addr:port" or
// "[v6]:port", parsed as ngx_parse_addr_port parses them (nginx's own
// IPv4 and IPv6 parsers, not the C library's, so "01.2.3.4" is 1.2.3.4 and
// 255.255.255.255 is not an address). The last address is taken; with
// real_ip_recursive on the walk continues leftwards while the address just
// taken is trusted, and stops at the first untrusted one, or at an entry
// that does not parse, keeping the last good address.

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// SetRealIPFrom mirrors set_real_ip_from: the proxies whose forwarding
// header is believed. Each entry is a CIDR ("10.0.0.0/8", "2001:db8::/32"),
// an address, "unix:" (peers on a unix socket), or a host name, resolved
// once when the Proxy is built as nginx resolves it at startup. Entries
// given at one level replace the outer level's list, as in nginx. Without
// it no header is believed.
func SetRealIPFrom(addrs ...string) Directive {
	return directive("set_real_ip_from", func(c *confSet) error {
		if len(addrs) == 0 {
			return errors.New("no addresses")
		}
		nets := c.realip.from
		if nets == nil {
			// A non-nil empty list marks the level as having its own.
			nets = []trustedNet{}
		}
		for _, a := range addrs {
			n, err := parseTrusted(a)
			if err != nil {
				return err
			}
			nets = append(nets, n...)
		}
		c.realip.from = nets
		return nil
	})
}

// RealIPHeader mirrors real_ip_header: "X-Real-IP" (the default),
// "X-Forwarded-For", or any other request header. As in nginx only those
// two exact spellings select their special handling: "X-Forwarded-For"
// reads every such header as one list, any other name (including
// "x-forwarded-for") reads only the first header of that name. nginx's
// "proxy_protocol" is not supported: frontdesk serves no PROXY protocol.
func RealIPHeader(name string) Directive {
	return directive("real_ip_header", func(c *confSet) error {
		switch {
		case name == "proxy_protocol":
			return errors.New("proxy_protocol is not supported by frontdesk")
		case name == "" || strings.ContainsAny(name, " :\r\n"):
			return fmt.Errorf("invalid header name %q", name)
		case c.realip.header != nil:
			return errors.New("is duplicate")
		}
		c.realip.header = &name
		return nil
	})
}

// RealIPRecursive mirrors real_ip_recursive (default off): when on, the
// address is the last one in the header that is not itself trusted,
// rather than the last one.
func RealIPRecursive(on bool) Directive {
	return directive("real_ip_recursive", func(c *confSet) error { c.realip.recursive = &on; return nil })
}

// trustedNet is one set_real_ip_from entry: a prefix, or every unix
// socket peer.
type trustedNet struct {
	unix   bool
	prefix netip.Prefix
	// lowBits: the address had bits set beyond the mask, which nginx
	// clears with a warning.
	lowBits bool
	raw     string
}

// parseTrusted reads a set_real_ip_from argument as ngx_http_realip_from
// does: "unix:", a CIDR or address (ngx_ptocidr), else a host name.
func parseTrusted(s string) ([]trustedNet, error) {
	if s == "unix:" {
		return []trustedNet{{unix: true, raw: s}}, nil
	}
	addr, mask, hasMask := strings.Cut(s, "/")
	ip, ok := parseNginxAddr(addr)
	if !ok {
		if hasMask {
			return nil, fmt.Errorf("invalid address %q", s)
		}
		ips, err := net.LookupIP(s)
		if err != nil || len(ips) == 0 {
			return nil, fmt.Errorf("host not found in set_real_ip_from %q", s)
		}
		nets := make([]trustedNet, 0, len(ips))
		for _, a := range ips {
			na, _ := netip.AddrFromSlice(a)
			if a.To4() != nil {
				na = na.Unmap()
			}
			nets = append(nets, trustedNet{prefix: netip.PrefixFrom(na, na.BitLen()), raw: s})
		}
		return nets, nil
	}
	bits := ip.BitLen()
	if hasMask {
		n, err := strconv.Atoi(mask)
		if err != nil || n < 0 || n > ip.BitLen() || mask[0] == '+' {
			return nil, fmt.Errorf("invalid address %q", s)
		}
		bits = n
	}
	p := netip.PrefixFrom(ip, bits)
	m := p.Masked()
	return []trustedNet{{prefix: m, lowBits: m.Addr() != ip, raw: s}}, nil
}

// realipSet is the raw realip configuration of one level; nil fields are
// unset there.
type realipSet struct {
	from      []trustedNet
	header    *string
	recursive *bool
	// inherited: from came from an outer level (for the lint, which
	// reports a list once, where it is written).
	inherited bool
}

// inherit is ngx_http_realip_merge_loc_conf: the trusted list as a whole,
// header and recursive each on their own.
func (s realipSet) inherit(p realipSet) realipSet {
	if s.from == nil {
		s.from, s.inherited = p.from, p.from != nil
	}
	inheritPtr(&s.header, p.header)
	inheritPtr(&s.recursive, p.recursive)
	return s
}

type realipMode uint8

const (
	realipXRealIP realipMode = iota
	realipXFF
	realipHeader
)

// realipConf is the compiled realip configuration of a location; nil when
// no set_real_ip_from applies there.
type realipConf struct {
	from      []trustedNet
	mode      realipMode
	header    string // canonical name, for realipHeader
	recursive bool
}

func (c *compiler) compileRealIP(l *location, s realipSet) *realipConf {
	if len(s.from) == 0 {
		return nil
	}
	rc := &realipConf{from: s.from, recursive: valueOr(s.recursive, false)}
	switch h := valueOr(s.header, "X-Real-IP"); h {
	case "X-Real-IP":
		rc.mode = realipXRealIP
	case "X-Forwarded-For":
		rc.mode = realipXFF
	default:
		rc.mode, rc.header = realipHeader, http.CanonicalHeaderKey(h)
	}
	if !s.inherited {
		for _, n := range s.from {
			switch {
			case n.lowBits:
				// nginx: "low address bits of ... are meaningless".
				c.warn(l.pattern, "set_real_ip_from", "low address bits of %s are meaningless", n.raw)
			case !n.unix && n.prefix.Bits() == 0:
				c.warn(l.pattern, "set_real_ip_from", "%s trusts every client: any client chooses its own $remote_addr (and so limits, access rules and ip_hash)", n.raw)
			}
		}
	}
	return rc
}

// peerAddr is a client address as nginx keeps it in the connection:
// c->sockaddr and its text form c->addr_text.
type peerAddr struct {
	addr netip.Addr // invalid for a unix socket peer
	unix bool
	text string // $remote_addr
	port string // $remote_port, "" when there is none
}

// remote returns the request's client address: the connection's, or the
// one realip set.
func (st *reqState) remote() *peerAddr {
	if !st.peerSet {
		st.peer = connPeer(st.r)
		st.peerSet = true
	}
	return &st.peer
}

// realipRemote is the connection's own address, for $realip_remote_addr
// and $realip_remote_port.
func (st *reqState) realipRemote() *peerAddr {
	if st.realipDone {
		return &st.origPeer
	}
	return st.remote()
}

// connPeer is the connection's peer. net/http reports a unix socket peer
// as an empty RemoteAddr; nginx calls it "unix:".
func connPeer(r *http.Request) peerAddr {
	host, port := splitAddr(r.RemoteAddr)
	if port == "" {
		if _, ok := r.Context().Value(http.LocalAddrContextKey).(*net.UnixAddr); ok || host == "" || host == "@" {
			return peerAddr{unix: true, text: "unix:"}
		}
	}
	p := peerAddr{text: host, port: port}
	if a, err := netip.ParseAddr(host); err == nil {
		p.addr = a.WithZone("")
	}
	return p
}

// trusts is ngx_cidr_match: an IPv4-mapped IPv6 address matches IPv4
// entries, a unix peer matches "unix:".
func (rc *realipConf) trusts(p *peerAddr) bool {
	a := p.addr
	if a.Is4In6() {
		a = a.Unmap()
	}
	for i := range rc.from {
		n := &rc.from[i]
		switch {
		case n.unix:
			if p.unix {
				return true
			}
		case p.unix || !a.IsValid():
		case n.prefix.Addr().Is4() == a.Is4() && n.prefix.Contains(a):
			return true
		}
	}
	return false
}

// realipAt runs realip with the location's configuration, unless it
// already ran for this request.
func (st *reqState) realipAt(rc *realipConf) {
	if rc == nil || st.realipDone {
		return
	}
	var h http.Header = st.r.Header
	var values []string
	switch rc.mode {
	case realipXRealIP:
		values = firstValue(h["X-Real-Ip"])
	case realipXFF:
		values = h["X-Forwarded-For"]
	default:
		values = firstValue(h[rc.header])
	}
	if len(values) == 0 {
		return
	}
	addr := *st.remote()
	if !forwardedAddr(&addr, values, rc) {
		return
	}
	st.origPeer, st.peer, st.realipDone = st.peer, addr, true
}

// realipPreaccess runs the location's realip in nginx's preaccess
// phase, which a location answering with return (in the rewrite phase,
// before it) never reaches.
func (st *reqState) realipPreaccess(l *location) {
	if _, ret := l.handler.(*ReturnHandler); !ret {
		st.realipAt(l.conf.realip)
	}
}

func firstValue(vs []string) []string {
	if len(vs) > 1 {
		return vs[:1]
	}
	return vs
}

// forwardedAddr is ngx_http_get_forwarded_addr: it walks the header lines
// from the last, and reports whether addr was replaced.
func forwardedAddr(addr *peerAddr, lines []string, rc *realipConf) bool {
	found := false
	for i := len(lines) - 1; i >= 0; i-- {
		res := forwardedAddrLine(addr, lines[i], rc)
		if !rc.recursive {
			return res != fwdDeclined
		}
		if res == fwdDeclined && found {
			return true
		}
		if res != fwdOK {
			return res != fwdDeclined
		}
		found = true
	}
	return found
}

type fwdResult uint8

const (
	fwdDeclined fwdResult = iota // nothing taken from this line
	fwdDone                      // an address was taken, the walk stopped
	fwdOK                        // the whole line was walked
)

// forwardedAddrLine is ngx_http_get_forwarded_addr_internal, index for
// pointer: it takes addresses from the end of xff while the current one is
// trusted.
func forwardedAddrLine(addr *peerAddr, xff string, rc *realipConf) fwdResult {
	found := false
	n := len(xff)
	for {
		if !rc.trusts(addr) {
			if found {
				return fwdDone
			}
			return fwdDeclined
		}
		p := n - 1
		for ; p > 0; p-- {
			if xff[p] != ' ' && xff[p] != ',' {
				break
			}
			n--
		}
		for ; p > 0; p-- {
			if xff[p] == ' ' || xff[p] == ',' {
				p++
				break
			}
		}
		// nginx would read the byte before the value when the line is
		// empty: the ':' or ' ' of the header line, never an address.
		var parsed peerAddr
		if p < 0 || !parseAddrPort(xff[p:n], &parsed) {
			if found {
				return fwdDone
			}
			return fwdDeclined
		}
		*addr = parsed
		found = true
		n = p - 1
		if !rc.recursive || p <= 0 {
			return fwdOK
		}
	}
}

// parseAddrPort is ngx_parse_addr_port: "addr", "addr:port" (the first
// colon) or "[v6]:port", with a port of 1 to 65535.
func parseAddrPort(s string, out *peerAddr) bool {
	if a, ok := parseNginxAddr(s); ok {
		*out = peerAddr{addr: a, text: ntop(a)}
		return true
	}
	host := s
	var i int
	if len(s) > 0 && s[0] == '[' {
		j := strings.IndexByte(s, ']')
		if j < 0 || j == len(s)-1 || s[j+1] != ':' {
			return false
		}
		host, i = s[1:j], j+1
	} else if i = strings.IndexByte(s, ':'); i < 0 {
		return false
	} else {
		host = s[:i]
	}
	port, ok := atoi(s[i+1:])
	if !ok || port < 1 || port > 65535 {
		return false
	}
	a, ok := parseNginxAddr(host)
	if !ok {
		return false
	}
	*out = peerAddr{addr: a, text: ntop(a), port: strconv.Itoa(port)}
	return true
}

// atoi is ngx_atoi: decimal digits only.
func atoi(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' || n > (1<<31)/10 {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseNginxAddr is ngx_parse_addr: ngx_inet_addr, else ngx_inet6_addr.
func parseNginxAddr(s string) (netip.Addr, bool) {
	if v4, ok := inetAddr(s); ok {
		return netip.AddrFrom4(v4), true
	}
	var v6 [16]byte
	if inet6Addr(s, v6[:]) {
		return netip.AddrFrom16(v6), true
	}
	return netip.Addr{}, false
}

// inetAddr is ngx_inet_addr: four dot-separated decimal octets, any of
// them possibly empty (0) or with leading zeros. Like nginx it refuses
// 255.255.255.255, which is its INADDR_NONE.
func inetAddr(s string) ([4]byte, bool) {
	var out [4]byte
	octet, n := 0, 0
	var addr uint32
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			octet = octet*10 + int(c-'0')
			if octet > 255 {
				return out, false
			}
		case c == '.':
			addr = addr<<8 + uint32(octet)
			octet = 0
			n++
			if n > 3 {
				// nginx keeps shifting and fails the count check.
				return out, false
			}
		default:
			return out, false
		}
	}
	if n != 3 {
		return out, false
	}
	addr = addr<<8 + uint32(octet)
	if addr == 0xffffffff {
		return out, false
	}
	out[0], out[1], out[2], out[3] = byte(addr>>24), byte(addr>>16), byte(addr>>8), byte(addr)
	return out, true
}

// inet6Addr is ngx_inet6_addr, including its embedded IPv4 tail.
func inet6Addr(s string, addr []byte) bool {
	if len(s) == 0 {
		return false
	}
	zero, digit := -1, -1
	out, nibbles, word, n := 0, 0, 0, 8
	i := 0
	if s[0] == ':' {
		i++
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c == ':' {
			if nibbles > 0 {
				digit = i + 1
				addr[out], addr[out+1] = byte(word>>8), byte(word)
				out += 2
				n--
				if n > 0 {
					nibbles, word = 0, 0
					continue
				}
			} else if zero < 0 {
				digit, zero = i+1, out
				continue
			}
			return false
		}
		if c == '.' && nibbles > 0 {
			if n < 2 || digit < 0 {
				return false
			}
			v4, ok := inetAddr(s[digit:])
			if !ok {
				return false
			}
			addr[out], addr[out+1] = v4[0], v4[1]
			out += 2
			word = int(v4[2])<<8 | int(v4[3])
			n--
			break
		}
		nibbles++
		if nibbles > 4 {
			return false
		}
		switch {
		case c >= '0' && c <= '9':
			word = word*16 + int(c-'0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			word = word*16 + int(c|0x20-'a') + 10
		default:
			return false
		}
	}
	if nibbles == 0 && zero < 0 {
		return false
	}
	addr[out], addr[out+1] = byte(word>>8), byte(word)
	out += 2
	n--
	if n > 0 {
		if zero < 0 {
			return false
		}
		// Move the words after "::" to the end and zero the gap.
		gap := n * 2
		copy(addr[zero+gap:], addr[zero:out])
		clear(addr[zero : zero+gap])
		return true
	}
	return zero < 0
}

// ntop is ngx_sock_ntop without the port: dotted IPv4, or
// ngx_inet6_ntop's IPv6 form, which differs from RFC 5952 (and Go) in
// writing IPv4-compatible addresses ("::1.2.3.4") with a dotted tail.
func ntop(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	p := a.As16()
	zero, last, maxRun, n := -1, -1, 1, 0
	for i := 0; i < 16; i += 2 {
		if p[i] != 0 || p[i+1] != 0 {
			if maxRun < n {
				zero, maxRun = last, n
			}
			n = 0
			continue
		}
		if n == 0 {
			last = i
		}
		n++
	}
	if maxRun < n {
		zero, maxRun = last, n
	}
	var b []byte
	end := 16
	if zero == 0 {
		if (maxRun == 5 && p[10] == 0xff && p[11] == 0xff) || maxRun == 6 || (maxRun == 7 && p[14] != 0 && p[15] != 1) {
			end = 12
		}
		b = append(b, ':')
	}
	for i := 0; i < end; i += 2 {
		if i == zero {
			b = append(b, ':')
			i += (maxRun - 1) * 2
			continue
		}
		b = strconv.AppendUint(b, uint64(p[i])<<8|uint64(p[i+1]), 16)
		if i < 14 {
			b = append(b, ':')
		}
	}
	if end == 12 {
		b = fmt.Appendf(b, "%d.%d.%d.%d", p[12], p[13], p[14], p[15])
	}
	return string(b)
}

// registerRealIPVariables adds the address variables, which follow
// realip: $remote_addr, $remote_port, $binary_remote_addr, and the
// connection's own $realip_remote_addr and $realip_remote_port.
func registerRealIPVariables(variables map[string]varGetter) {
	variables["remote_addr"] = func(st *reqState, _ string, d []byte) []byte { return append(d, st.remote().text...) }
	variables["remote_port"] = func(st *reqState, _ string, d []byte) []byte { return append(d, st.remote().port...) }
	variables["binary_remote_addr"] = func(st *reqState, _ string, d []byte) []byte { return appendBinaryAddr(d, st.remote()) }
	variables["realip_remote_addr"] = func(st *reqState, _ string, d []byte) []byte { return append(d, st.realipRemote().text...) }
	variables["realip_remote_port"] = func(st *reqState, _ string, d []byte) []byte { return append(d, st.realipRemote().port...) }
}

// appendBinaryAddr is $binary_remote_addr: 4 bytes for IPv4, 16 for IPv6
// (IPv4-mapped included), the text "unix:" for a unix socket peer.
func appendBinaryAddr(d []byte, p *peerAddr) []byte {
	switch {
	case p.unix || !p.addr.IsValid():
		return append(d, p.text...)
	case p.addr.Is4():
		b := p.addr.As4()
		return append(d, b[:]...)
	}
	b := p.addr.As16()
	return append(d, b[:]...)
}
