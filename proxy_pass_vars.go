package frontdesk

// proxy_pass with variables, as ngx_http_proxy_eval and
// ngx_http_upstream_init_request treat it: the URL is evaluated for each
// request, http:// or https:// (port 443 unless written, proxy_ssl_*
// applied with $proxy_host the evaluated host); a URI part, when there is one, is the whole upstream URI, sent
// as it is (the request's arguments are not added); the host is looked
// up among the upstream names (no port written) and the pools of literal
// proxy_pass addresses (same host and port), and otherwise taken as an
// address or resolved with the location's resolver. Without a resolver,
// or when the name does not resolve, the answer is 502. Such addresses
// form a pool for this one request, with no failure state kept across
// requests and no TLS session reused, as nginx's
// ngx_http_upstream_create_round_robin_peer.

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// evaluate returns the handler for this request of a proxy_pass URL with
// variables, or the status to answer with.
func (h *proxyHandler) evaluate(st *reqState) (*proxyHandler, int) {
	logger := st.srv.proxy.logger
	raw := h.urlTmpl.string(st)
	defPort, secure := "80", false
	rest, ok := cutPrefixFold(raw, "http://")
	if !ok {
		rest, secure = cutPrefixFold(raw, "https://")
		defPort = "443"
	}
	if !ok && !secure {
		if st.logging(slog.LevelError) {
			st.logRequest(slog.LevelError, `invalid URL prefix in "`+raw+`"`, "")
		}
		return nil, http.StatusInternalServerError
	}
	// nginx quotes the URL after its scheme in the errors below.
	url := rest
	badURL := func(what string) (*proxyHandler, int) {
		if st.logging(slog.LevelError) {
			st.logRequest(slog.LevelError, what+` in upstream "`+url+`"`, "")
		}
		return nil, http.StatusInternalServerError
	}
	hh := new(proxyHandler)
	*hh = *h
	hh.urlTmpl = nil // evaluated
	hh.tls = secure
	var host string
	unix := false
	if path, ok := cutPrefixFold(rest, "unix:"); ok {
		sock, tail, _ := strings.Cut(path, ":")
		host, rest, unix = sock, tail, true
		hh.proxyHost, hh.proxyPort = "localhost", ""
	} else {
		i := strings.IndexAny(rest, "/?")
		if i < 0 {
			i = len(rest)
		}
		host, rest = rest[:i], rest[i:]
	}
	if host == "" {
		return badURL("no host")
	}
	if strings.HasPrefix(rest, "?") {
		rest = "/" + rest
	}
	hh.uriPart, hh.hasURI, hh.verbatimURI = rest, rest != "", rest != ""
	if unix {
		hh.state = requestState("unix:"+host, "unix", []string{host})
		return hh, 0
	}

	name, port, err := net.SplitHostPort(host)
	explicitPort := err == nil
	if !explicitPort {
		name, port = strings.Trim(host, "[]"), defPort
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return badURL("invalid port")
	}
	if name == "" {
		return badURL("no host")
	}
	// $proxy_host carries the port unless it is the default.
	hh.proxyHost, hh.proxyPort = host, port
	if strconv.FormatUint(n, 10) == defPort {
		hh.proxyPort = defPort
		if explicitPort {
			hh.proxyHost = host[:len(host)-len(port)-1]
		}
	}
	if !explicitPort {
		for n, pool := range h.pools {
			if strings.EqualFold(n, name) {
				hh.pool = pool
				return hh, 0
			}
		}
	}
	if pool := h.implicit[implicitKey(net.JoinHostPort(name, port))]; pool != nil {
		hh.pool = pool
		return hh, 0
	}
	if ip, err := netip.ParseAddr(name); err == nil {
		hh.state = requestState(host, "tcp", []string{net.JoinHostPort(ip.String(), port)})
		return hh, 0
	}
	dns := &h.conf.dns
	if dns.resolver == nil {
		if st.logging(slog.LevelError) {
			st.logRequest(slog.LevelError, "no resolver defined to resolve "+name, "")
		}
		return nil, http.StatusBadGateway
	}
	ctx, cancel := context.WithTimeout(st.r.Context(), dns.timeout)
	ips, err := dns.resolver.resolve(ctx, name)
	cancel()
	if err != nil {
		logger.Error("upstream host could not be resolved", "location", st.loc.pattern, "host", name, "err", err)
		return nil, http.StatusBadGateway
	}
	// nginx's resolver hands the addresses out from a random start
	// (ngx_resolver_export), which spreads requests over them.
	addrs := make([]string, len(ips))
	start := rand.IntN(len(ips))
	for i := range ips {
		addrs[i] = net.JoinHostPort(ips[(start+i)%len(ips)].Unmap().String(), port)
	}
	hh.state = requestState(host, "tcp", addrs)
	return hh, 0
}

// requestState is a pool for one request's addresses, each tried at most
// once, in round-robin order.
func requestState(name, network string, addrs []string) *poolState {
	ps := &poolState{name: name, balancer: roundRobin{}, clock: time.Now}
	ps.primary.peers = newPeers(Server{Addr: name}, resolution{network: network, addrs: addrs})
	ps.primary.totalWeight = len(ps.primary.peers)
	ps.single = len(ps.primary.peers) == 1
	return ps
}
