package frontdesk

// Name resolution at request time, as nginx's resolver does it: for
// proxy_pass URLs with variables whose host is not an upstream name, and
// for upstream servers marked resolve.
//
// nginx resolves the host names written in the configuration once, at
// startup, with the system resolver (getaddrinfo). Names met at request
// time go to the DNS servers of the "resolver" directive instead; the
// answers are cached for their TTL (or the resolver's valid=), concurrent
// requests for one name share one query, and without a resolver such a
// request fails with 502. frontdesk keeps both paths: [SystemResolver]
// (the build-time lookup) and [Resolver]/[ResolverFunc] (request time).

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/frontdesk-go/frontdesk/internal/fileserve"
)

// LookupFunc resolves host to its IP addresses and how long they may be
// used (the DNS TTL). It stands in for DNS in tests and for service
// discovery; it must honour ctx's deadline.
type LookupFunc func(ctx context.Context, host string) ([]netip.Addr, time.Duration, error)

// defaultResolverTimeout is nginx's resolver_timeout default.
const defaultResolverTimeout = 30 * time.Second

// negativeTTL is how long a name that does not exist stays unresolved in
// the cache when the resolver has no valid= (nginx caches such answers
// too, so that a missing name does not send a query per request).
const negativeTTL = 10 * time.Second

// resolverSet is the raw form of resolver, resolver_timeout and
// SystemResolver at one level; nil means unset.
type resolverSet struct {
	resolver *resolverConf
	timeout  *time.Duration
	system   LookupFunc
}

func (c resolverSet) inherit(p resolverSet) resolverSet {
	inheritPtr(&c.resolver, p.resolver)
	inheritPtr(&c.timeout, p.timeout)
	if c.system == nil {
		c.system = p.system
	}
	return c
}

// resolverUse is a location's compiled resolver settings.
type resolverUse struct {
	resolver *resolverConf // nil: no resolver, as nginx's default
	timeout  time.Duration
	system   LookupFunc // nil: the system resolver
}

func (c resolverSet) compile() resolverUse {
	return resolverUse{resolver: c.resolver, timeout: valueOr(c.timeout, defaultResolverTimeout), system: c.system}
}

func resolverDirective(name string, f func(*resolverSet) error) Directive {
	return proxyDirective(name, func(c *proxyConfSet) error { return f(&c.dns) })
}

// Resolver mirrors nginx's resolver directive, arguments as in nginx.conf:
// DNS server addresses ("127.0.0.1", "127.0.0.1:5353", "[::1]") and the
// parameters "valid=TIME" (cache answers for TIME instead of their TTL)
// and "ipv6=off" (ask for A records only; nginx 1.22 asks for AAAA too by
// default). Names met at request time (a proxy_pass URL with variables
// whose host is no upstream) are resolved with it; without a resolver
// such requests are answered 502, as nginx does. Answers are cached,
// shared by every location that inherits this resolver. Servers are tried
// in turn until one answers.
func Resolver(args ...string) Directive {
	return resolverDirective("resolver", func(c *resolverSet) error {
		rc := &resolverConf{ipv6: true}
		for _, a := range args {
			switch k, v, _ := strings.Cut(a, "="); {
			case k == "valid" && strings.Contains(a, "="):
				// valid=0 is allowed and means the TTL, as in nginx.
				secs, err := fileserve.ParseSeconds(v)
				if err != nil {
					return fmt.Errorf("invalid parameter %q", a)
				}
				rc.valid = time.Duration(secs) * time.Second
			case k == "ipv6" && strings.Contains(a, "="):
				switch v {
				case "on", "off":
					rc.ipv6 = v == "on"
				default:
					return fmt.Errorf("invalid parameter %q", a)
				}
			default:
				addr, err := dnsServerAddr(a)
				if err != nil {
					return err
				}
				rc.servers = append(rc.servers, addr)
			}
		}
		if len(rc.servers) == 0 {
			return errors.New("no name servers defined")
		}
		rc.lookup = rc.dnsLookup
		c.resolver = rc
		return nil
	})
}

// ResolverFunc is [Resolver] with lookups done by fn instead of DNS: a
// test's fixed answers, or a service registry. Answers are cached for the
// TTL fn returns.
func ResolverFunc(fn LookupFunc) Directive {
	return resolverDirective("resolver", func(c *resolverSet) error {
		if fn == nil {
			return errors.New("nil lookup function")
		}
		c.resolver = &resolverConf{lookup: fn}
		return nil
	})
}

// ResolverTimeout mirrors resolver_timeout (default 30s): how long a
// request waits for a name to resolve before it is answered 502.
func ResolverTimeout(d time.Duration) Directive {
	return resolverDirective("resolver_timeout", func(c *resolverSet) error {
		if d <= 0 {
			return fmt.Errorf("invalid value %v", d)
		}
		c.timeout = &d
		return nil
	})
}

// SystemResolver replaces the system resolver (nginx's getaddrinfo at
// startup) that looks up the host names written in proxy_pass URLs and in
// pools without [WithResolver], once, when the Proxy is built. Every
// address of a name becomes a peer. Tests use it to give a name several
// addresses without DNS.
func SystemResolver(fn LookupFunc) Directive {
	return resolverDirective("SystemResolver", func(c *resolverSet) error {
		if fn == nil {
			return errors.New("nil lookup function")
		}
		c.system = fn
		return nil
	})
}

// systemLookup is the default build-time lookup. The system resolver
// reports no TTL, which does not matter here: such names are resolved
// once.
func systemLookup(ctx context.Context, host string) ([]netip.Addr, time.Duration, error) {
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	return ips, 0, err
}

// dnsServerAddr turns a resolver address as nginx takes it (port 53 by
// default, IPv6 in brackets) into host:port.
func dnsServerAddr(a string) (string, error) {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		host, port = strings.Trim(a, "[]"), "53"
	}
	_, ipErr := netip.ParseAddr(host)
	if host == "" || ipErr != nil && strings.Trim(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != "" {
		return "", fmt.Errorf("invalid resolver address %q", a)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("invalid port in resolver %q", a)
	}
	return net.JoinHostPort(host, port), nil
}

// resolverConf is one resolver directive: where names are looked up, and
// the cache of the answers.
type resolverConf struct {
	lookup  LookupFunc
	servers []string      // DNS servers, host:port
	valid   time.Duration // replaces the TTL when > 0
	ipv6    bool
	now     func() time.Time // nil: time.Now; tests move it

	mu    sync.Mutex
	cache map[string]*dnsEntry
}

// dnsEntry is a cached answer, or a query in progress (ready not yet
// closed) that later requests for the name wait on.
type dnsEntry struct {
	ready   chan struct{}
	addrs   []netip.Addr
	err     error
	expires time.Time
}

// maxCachedNames bounds the cache: past it, expired entries are dropped
// before a new one is added.
const maxCachedNames = 1024

func (rc *resolverConf) clock() time.Time {
	if rc.now != nil {
		return rc.now()
	}
	return time.Now()
}

// resolve returns host's addresses, from the cache while they are valid.
func (rc *resolverConf) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	host = strings.ToLower(host)
	rc.mu.Lock()
	e := rc.cache[host]
	if e != nil {
		select {
		case <-e.ready:
			if rc.clock().Before(e.expires) {
				rc.mu.Unlock()
				return e.addrs, e.err
			}
			e = nil
		default:
		}
	}
	if e == nil {
		e = &dnsEntry{ready: make(chan struct{})}
		if rc.cache == nil {
			rc.cache = map[string]*dnsEntry{}
		}
		if len(rc.cache) >= maxCachedNames {
			rc.evictLocked()
		}
		rc.cache[host] = e
		rc.mu.Unlock()
		rc.query(ctx, host, e)
	} else {
		rc.mu.Unlock()
	}
	select {
	case <-e.ready:
		return e.addrs, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// query fills e by one lookup. Failures other than "no such name" are not
// kept: the next request asks again.
func (rc *resolverConf) query(ctx context.Context, host string, e *dnsEntry) {
	defer close(e.ready)
	var ttl time.Duration
	func() {
		defer func() {
			if r := recover(); r != nil {
				e.err = fmt.Errorf("lookup panicked: %v", r)
			}
		}()
		e.addrs, ttl, e.err = rc.lookup(ctx, host)
	}()
	if e.err == nil && len(e.addrs) == 0 {
		e.err = errNoAddresses
	}
	switch {
	case rc.valid > 0:
		ttl = rc.valid
	case e.err != nil:
		ttl = negativeTTL
	}
	if e.err != nil && !errors.Is(e.err, errNoAddresses) && !errors.Is(e.err, errNameNotFound) {
		ttl = 0
	}
	e.expires = rc.clock().Add(ttl)
}

func (rc *resolverConf) evictLocked() {
	now := rc.clock()
	for k, e := range rc.cache {
		select {
		case <-e.ready:
			if !now.Before(e.expires) {
				delete(rc.cache, k)
			}
		default:
		}
	}
}

var (
	errNameNotFound = errors.New("host not found")
	errNoAddresses  = errors.New("no addresses")
)

// dnsLookup asks the resolver's DNS servers over UDP for A (and, with
// ipv6, AAAA) records, following CNAMEs within the answer. The TTL is the
// smallest of the records used.
func (rc *resolverConf) dnsLookup(ctx context.Context, host string) ([]netip.Addr, time.Duration, error) {
	name, err := dnsmessage.NewName(strings.TrimSuffix(host, ".") + ".")
	if err != nil {
		return nil, 0, fmt.Errorf("invalid name %q: %w", host, err)
	}
	types := []dnsmessage.Type{dnsmessage.TypeA}
	if rc.ipv6 {
		types = append(types, dnsmessage.TypeAAAA)
	}
	var lastErr error
	for _, server := range rc.servers {
		addrs, ttl, err := askServer(ctx, server, name, types)
		switch {
		case err == nil:
			return addrs, ttl, nil
		case errors.Is(err, errNameNotFound), errors.Is(err, errNoAddresses):
			return nil, 0, fmt.Errorf("%s: %w", host, err)
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, 0, fmt.Errorf("%s could not be resolved: %w", host, lastErr)
}

// askServer asks one DNS server every question type for name.
func askServer(ctx context.Context, server string, name dnsmessage.Name, types []dnsmessage.Type) ([]netip.Addr, time.Duration, error) {
	var addrs []netip.Addr
	ttl := time.Duration(-1)
	notFound := false
	for _, qt := range types {
		a, t, err := dnsQuery(ctx, server, name, qt)
		switch {
		case errors.Is(err, errNameNotFound):
			notFound = true
			continue
		case err != nil:
			return nil, 0, err
		}
		addrs = append(addrs, a...)
		if len(a) > 0 && (ttl < 0 || t < ttl) {
			ttl = t
		}
	}
	switch {
	case len(addrs) > 0:
		return addrs, ttl, nil
	case notFound:
		return nil, 0, errNameNotFound
	}
	return nil, 0, errNoAddresses
}

// dnsQuery sends one question to server and reads its answer.
func dnsQuery(ctx context.Context, server string, name dnsmessage.Name, qt dnsmessage.Type) ([]netip.Addr, time.Duration, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", server)
	if err != nil {
		return nil, 0, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	id := uint16(rand.Uint32())
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: id, RecursionDesired: true})
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, 0, err
	}
	if err := b.Question(dnsmessage.Question{Name: name, Type: qt, Class: dnsmessage.ClassINET}); err != nil {
		return nil, 0, err
	}
	msg, err := b.Finish()
	if err != nil {
		return nil, 0, err
	}
	if _, err := conn.Write(msg); err != nil {
		return nil, 0, err
	}
	buf := make([]byte, 1500)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil, 0, ctx.Err()
			}
			return nil, 0, err
		}
		var p dnsmessage.Parser
		h, err := p.Start(buf[:n])
		if err != nil || h.ID != id || !h.Response {
			continue // not our answer; keep waiting
		}
		if h.RCode == dnsmessage.RCodeNameError {
			return nil, 0, errNameNotFound
		}
		if h.RCode != dnsmessage.RCodeSuccess {
			return nil, 0, fmt.Errorf("server failure (%v)", h.RCode)
		}
		if err := p.SkipAllQuestions(); err != nil {
			return nil, 0, err
		}
		return parseAnswers(&p, name, qt)
	}
}

// parseAnswers collects the addresses of name, following CNAMEs.
func parseAnswers(p *dnsmessage.Parser, name dnsmessage.Name, qt dnsmessage.Type) ([]netip.Addr, time.Duration, error) {
	var addrs []netip.Addr
	ttl := uint32(0)
	first := true
	target := strings.ToLower(name.String())
	for {
		h, err := p.AnswerHeader()
		if errors.Is(err, dnsmessage.ErrSectionDone) {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		if strings.ToLower(h.Name.String()) != target {
			if err := p.SkipAnswer(); err != nil {
				return nil, 0, err
			}
			continue
		}
		use := true
		switch {
		case h.Type == dnsmessage.TypeCNAME:
			r, err := p.CNAMEResource()
			if err != nil {
				return nil, 0, err
			}
			target = strings.ToLower(r.CNAME.String())
		case h.Type == qt && qt == dnsmessage.TypeA:
			r, err := p.AResource()
			if err != nil {
				return nil, 0, err
			}
			addrs = append(addrs, netip.AddrFrom4(r.A))
		case h.Type == qt && qt == dnsmessage.TypeAAAA:
			r, err := p.AAAAResource()
			if err != nil {
				return nil, 0, err
			}
			addrs = append(addrs, netip.AddrFrom16(r.AAAA))
		default:
			use = false
			if err := p.SkipAnswer(); err != nil {
				return nil, 0, err
			}
		}
		if use && (first || h.TTL < ttl) {
			ttl, first = h.TTL, false
		}
	}
	return addrs, time.Duration(ttl) * time.Second, nil
}
