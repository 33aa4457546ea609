package frontdesk

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
)

// TLS to upstreams: proxy_pass https://… and the proxy_ssl_* directives,
// with nginx's defaults: the upstream's certificate is not verified
// (proxy_ssl_verify off), no SNI is sent (proxy_ssl_server_name off), the
// name checked and sent is $proxy_host (proxy_ssl_name), sessions are
// reused (proxy_ssl_session_reuse on: one session per peer), and nginx 1.22's protocols are
// "TLSv1 TLSv1.1 TLSv1.2" (TLSv1.3 is added only from 1.23.4).

// proxySSLSet is the raw form of the proxy_ssl_* directives.
type proxySSLSet struct {
	verify       *bool
	trusted      *x509.CertPool
	serverName   *bool
	name         *string
	versions     *[2]uint16
	cert         *tls.Certificate
	certFile     *string
	keyFile      *string
	sessionReuse *bool
	ciphers      *[]uint16
	depth        *int
}

func (c proxySSLSet) inherit(p proxySSLSet) proxySSLSet {
	inheritPtr(&c.verify, p.verify)
	if c.trusted == nil {
		c.trusted = p.trusted
	}
	inheritPtr(&c.serverName, p.serverName)
	inheritPtr(&c.name, p.name)
	inheritPtr(&c.versions, p.versions)
	inheritPtr(&c.cert, p.cert)
	inheritPtr(&c.certFile, p.certFile)
	inheritPtr(&c.keyFile, p.keyFile)
	inheritPtr(&c.sessionReuse, p.sessionReuse)
	inheritPtr(&c.ciphers, p.ciphers)
	inheritPtr(&c.depth, p.depth)
	return c
}

// upstreamTLS is the compiled proxy_ssl_* configuration of a location.
type upstreamTLS struct {
	verify     bool
	trusted    *x509.CertPool
	serverName bool
	name       *template
	min, max   uint16
	certs      []tls.Certificate
	// sessionReuse: proxy_ssl_session_reuse, the peer's session offered
	// and replaced.
	sessionReuse bool
	ciphers      []uint16
	depth        int
}

func (c *compiler) compileProxySSL(l *location, s *proxySSLSet) *upstreamTLS {
	vs := valueOr(s.versions, [2]uint16{tls.VersionTLS12, tls.VersionTLS12})
	u := &upstreamTLS{
		verify:     valueOr(s.verify, false),
		trusted:    s.trusted,
		serverName: valueOr(s.serverName, false),
		min:        vs[0], max: vs[1],
		ciphers: valueOr(s.ciphers, nil),
		depth:   valueOr(s.depth, 1),
	}
	switch {
	case s.cert != nil:
		u.certs = []tls.Certificate{*s.cert}
	case s.certFile != nil && strings.ContainsRune(*s.certFile+valueOr(s.keyFile, ""), '$'):
		c.errorf(l.pattern, "proxy_ssl_certificate", "variables in proxy_ssl_certificate are not implemented by frontdesk")
	case s.certFile != nil && s.keyFile == nil:
		c.errorf(l.pattern, "proxy_ssl_certificate", "no \"proxy_ssl_certificate_key\" is defined for certificate \"%s\"", *s.certFile)
	case s.certFile != nil:
		// Read as nginx reads them, once, when the configuration loads.
		pair, err := tls.LoadX509KeyPair(*s.certFile, *s.keyFile)
		if err != nil {
			c.errorf(l.pattern, "proxy_ssl_certificate", "cannot load certificate \"%s\": %v", *s.certFile, err)
		}
		u.certs = []tls.Certificate{pair}
	}
	if u.verify && u.trusted == nil {
		c.errorf(l.pattern, "proxy_ssl_verify", "no proxy_ssl_trusted_certificate for proxy_ssl_verify")
	}
	u.sessionReuse = valueOr(s.sessionReuse, true)
	c.tmpl(l, "proxy_ssl_name", valueOr(s.name, "$proxy_host"), &u.name)
	return u
}

func proxySSLDirective(name string, f func(*proxySSLSet) error) Directive {
	return proxyDirective(name, func(p *proxyConfSet) error { return f(&p.ssl) })
}

// ProxySSLVerify mirrors proxy_ssl_verify (default off: any certificate is
// accepted, as in nginx).
func ProxySSLVerify(on bool) Directive {
	return proxySSLDirective("proxy_ssl_verify", func(s *proxySSLSet) error { s.verify = &on; return nil })
}

// ProxySSLTrustedCertificate mirrors proxy_ssl_trusted_certificate: the CAs
// proxy_ssl_verify checks the upstream's chain against. Without it, as in
// nginx, verification fails (the system roots are not used).
func ProxySSLTrustedCertificate(roots *x509.CertPool) Directive {
	return proxySSLDirective("proxy_ssl_trusted_certificate", func(s *proxySSLSet) error {
		if roots == nil {
			return errors.New("nil certificate pool")
		}
		s.trusted = roots
		return nil
	})
}

// ProxySSLServerName mirrors proxy_ssl_server_name (default off: no SNI).
func ProxySSLServerName(on bool) Directive {
	return proxySSLDirective("proxy_ssl_server_name", func(s *proxySSLSet) error { s.serverName = &on; return nil })
}

// ProxySSLName mirrors proxy_ssl_name: the name verified and sent as SNI
// (default $proxy_host; variables allowed). A ":port" suffix is dropped as
// nginx drops it.
func ProxySSLName(name string) Directive {
	return proxySSLDirective("proxy_ssl_name", func(s *proxySSLSet) error { s.name = &name; return nil })
}

// ProxySSLProtocols mirrors proxy_ssl_protocols ("TLSv1.2", "TLSv1.3";
// TLSv1 and TLSv1.1 are accepted and, as OpenSSL 3 at Debian's security
// level does, never negotiated).
func ProxySSLProtocols(names ...string) Directive {
	return proxySSLDirective("proxy_ssl_protocols", func(s *proxySSLSet) error {
		v, err := tlsVersions(names)
		if err != nil {
			return err
		}
		s.versions = &v
		return nil
	})
}

// tlsVersions is the lowest and highest of nginx's protocol names, TLSv1
// and TLSv1.1 counted as TLS 1.2 (see ProxySSLProtocols).
func tlsVersions(names []string) ([2]uint16, error) {
	var v [2]uint16
	for _, n := range names {
		var ver uint16
		switch strings.ToLower(n) {
		case "tlsv1", "tlsv1.1", "tlsv1.2":
			ver = tls.VersionTLS12
		case "tlsv1.3":
			ver = tls.VersionTLS13
		case "sslv2", "sslv3":
			continue
		default:
			return v, fmt.Errorf("invalid value %q", n)
		}
		if v[0] == 0 || ver < v[0] {
			v[0] = ver
		}
		if ver > v[1] {
			v[1] = ver
		}
	}
	if v[1] == 0 {
		return v, errors.New("no protocols available")
	}
	return v, nil
}

// ProxySSLCertificate mirrors proxy_ssl_certificate with
// proxy_ssl_certificate_key: the client certificate shown to upstreams
// that ask for one.
func ProxySSLCertificate(cert tls.Certificate) Directive {
	return proxySSLDirective("proxy_ssl_certificate", func(s *proxySSLSet) error { s.cert = &cert; return nil })
}

// ProxySSLCertificateFile mirrors proxy_ssl_certificate: a PEM file with
// the client certificate (and its chain) for upstreams; the key is
// [ProxySSLCertificateKeyFile]. Both are read by [New].
func ProxySSLCertificateFile(path string) Directive {
	return proxySSLDirective("proxy_ssl_certificate", func(s *proxySSLSet) error { s.certFile = &path; return nil })
}

// ProxySSLCertificateKeyFile mirrors proxy_ssl_certificate_key.
func ProxySSLCertificateKeyFile(path string) Directive {
	return proxySSLDirective("proxy_ssl_certificate_key", func(s *proxySSLSet) error { s.keyFile = &path; return nil })
}

// ProxySSLSessionReuse mirrors proxy_ssl_session_reuse (default on).
func ProxySSLSessionReuse(on bool) Directive {
	return proxySSLDirective("proxy_ssl_session_reuse", func(s *proxySSLSet) error { s.sessionReuse = &on; return nil })
}

// ProxySSLCiphers sets the TLS 1.2 suites offered to upstreams
// (proxy_ssl_ciphers, already mapped from OpenSSL's syntax).
func ProxySSLCiphers(suites []uint16) Directive {
	return proxySSLDirective("proxy_ssl_ciphers", func(s *proxySSLSet) error { s.ciphers = &suites; return nil })
}

// ProxySSLVerifyDepth mirrors proxy_ssl_verify_depth (default 1).
func ProxySSLVerifyDepth(n int) Directive {
	return proxySSLDirective("proxy_ssl_verify_depth", func(s *proxySSLSet) error { s.depth = &n; return nil })
}

// upstreamHandshake runs the TLS handshake with peer p on conn, bounded
// by proxy_connect_timeout as nginx bounds it.
func (st *reqState) upstreamHandshake(ctx context.Context, h *proxyHandler, p *peer, conn net.Conn) (net.Conn, error) {
	u := h.conf.ssl
	name := u.name.string(st)
	if host, _, err := net.SplitHostPort(name); err == nil {
		name = host
	}
	name = strings.Trim(name, "[]")
	conf := &tls.Config{
		MinVersion: u.min, MaxVersion: u.max,
		CipherSuites: u.ciphers,
		Certificates: u.certs,
		// Verification is nginx's, done below: the name checked is
		// proxy_ssl_name whether or not it is sent as SNI.
		InsecureSkipVerify: true,
	}
	var use *sessionUse
	if u.sessionReuse && h.state == nil {
		// The addresses of a proxy_pass with variables that names no
		// pool are peers of this request alone, which nginx gives no
		// session to reuse.
		use = &sessionUse{peer: &p.session, by: u}
		conf.ClientSessionCache = use
	}
	if u.serverName && net.ParseIP(name) == nil {
		conf.ServerName = name
	}
	if u.verify {
		conf.VerifyConnection = func(cs tls.ConnectionState) error {
			chain := u
			if cs.DidResume && use != nil && use.offered != nil {
				chain = use.offered.by
			}
			return u.check(cs, name, chain)
		}
	}
	tc := tls.Client(conn, conf)
	hctx, cancel := context.WithTimeout(ctx, h.conf.connectTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		conn.Close()
		return nil, err
	}
	if use != nil && tc.ConnectionState().DidResume {
		// nginx (OpenSSL 3) offers a TLS 1.2 session once: after it is
		// resumed the next handshake with the peer is a full one. A
		// TLS 1.3 ticket the peer sends later is kept again.
		p.session.p.Store(nil)
	}
	return tc, nil
}

// check is proxy_ssl_verify: the chain against proxy_ssl_trusted_certificate
// within proxy_ssl_verify_depth, then the name. The chain is checked as
// chain's configuration says: a resumed session's is the one that
// established it, whose result OpenSSL reports again.
func (u *upstreamTLS) check(cs tls.ConnectionState, name string, chain *upstreamTLS) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("upstream SSL certificate verify error: no certificate")
	}
	roots := chain.trusted
	if roots == nil {
		roots = x509.NewCertPool()
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	leaf := cs.PeerCertificates[0]
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
	if err != nil {
		return fmt.Errorf("upstream SSL certificate verify error: %w", err)
	}
	short := len(chains[0])
	for _, ch := range chains {
		short = min(short, len(ch))
	}
	if short-1 > chain.depth {
		return errors.New("upstream SSL certificate verify error: certificate chain too long")
	}
	if err := leaf.VerifyHostname(name); err != nil {
		return fmt.Errorf("upstream SSL certificate does not match %q", name)
	}
	return nil
}

// peerSession is the one TLS session nginx keeps per peer, shared by
// every location that proxies to it, whatever name they send
// (crypto/tls would file sessions under the SNI name).
type peerSession struct{ p atomic.Pointer[savedSession] }

// savedSession is a session with the configuration whose handshake
// established it.
type savedSession struct {
	state *tls.ClientSessionState
	by    *upstreamTLS
}

// sessionUse is one handshake's access to its peer's session: it
// remembers the session it offered.
type sessionUse struct {
	peer    *peerSession
	by      *upstreamTLS
	offered *savedSession
}

func (s *sessionUse) Get(string) (*tls.ClientSessionState, bool) {
	s.offered = s.peer.p.Load()
	if s.offered == nil {
		return nil, false
	}
	return s.offered.state, true
}

func (s *sessionUse) Put(_ string, cs *tls.ClientSessionState) {
	if cs == nil {
		s.peer.p.Store(nil)
		return
	}
	s.peer.p.Store(&savedSession{state: cs, by: s.by})
}
