package nginxconf

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/syserr"
)

// TLS to clients: the ssl_* directives of ngx_http_ssl_module become one
// *tls.Config per listen address with "ssl", which picks the server block
// by SNI as nginx's ngx_http_ssl_servername does.
//
// What Go cannot do, and what is done instead:
//   - ssl_dhparam: crypto/tls has no finite-field (DHE) key exchange, so
//     the file is accepted and unused; DHE suites in ssl_ciphers are
//     dropped with a warning.
//   - ssl_stapling: the response of ssl_stapling_file is stapled; none is
//     fetched (see staple).
//   - ssl_session_cache: crypto/tls resumes through tickets only; the
//     cache size is meaningless in-process. ssl_session_tickets off
//     disables tickets, so no session is resumed at all.
//     ssl_session_ticket_key files become crypto/tls's keys (ticketKeys).
//   - ssl_early_data: accepted; crypto/tls's server never accepts 0-RTT,
//     which is nginx's default (off).
//   - TLSv1 and TLSv1.1 in ssl_protocols: crypto/tls still implements
//     them, but OpenSSL 3 in Debian bookworm refuses them at its default
//     security level, so a client asking for them fails with both.

// sslDirectives are the ngx_http_ssl_module directives the loader honours.
var sslDirectives = []string{
	"ssl_certificate", "ssl_certificate_key", "ssl_protocols", "ssl_ciphers",
	"ssl_prefer_server_ciphers", "ssl_session_cache", "ssl_session_timeout",
	"ssl_session_tickets", "ssl_session_ticket_key", "ssl_dhparam",
	"ssl_stapling", "ssl_stapling_verify", "ssl_stapling_file", "ssl_stapling_responder",
	"ssl_trusted_certificate", "ssl_client_certificate", "ssl_verify_client",
	"ssl_verify_depth", "ssl_early_data", "ssl_ecdh_curve", "ssl_buffer_size",
	// HTTP/2 settings that net/http's server exposes, per listen address.
	"http2_max_concurrent_streams",
	// nginx 1.25.1's "http2 on" (structHTTP2).
	"http2",
}

func init() {
	for _, n := range sslDirectives {
		directiveTable[n].tuning = false
		directiveTable[n].structural = structSSL
	}
	directiveTable["http2"].structural = structHTTP2
}

// structHTTP2 is "http2 on|off", which nginx 1.25.1 added and 1.22.1
// refuses as an unknown directive. It is honoured as 1.25.1 does: h2 by
// ALPN on the server's ssl listeners (per SNI server), and on a plain
// address whose default server has it, HTTP/1 and HTTP/2 with prior
// knowledge side by side (the client preface tells them apart). -t warns,
// since the reference nginx would not start with it.
func structHTTP2(b *builder, f *frame, d *Directive) {
	structSSL(b, f, d)
	if f.check {
		return
	}
	b.cfg.Warnings = append(b.cfg.Warnings, Warning{File: d.File, Line: d.Line, Directive: d.Name,
		Message: fmt.Sprintf(`"%s" is nginx %s syntax: nginx 1.22.1 refuses it as an unknown directive ("listen ... http2" is its spelling)`, d.Name, directiveTable[d.Name].newer)})
	b.warnedAt = append(b.warnedAt, d)
}

// structSSL records an ssl_* directive at its level; the configurations are
// built once the http block is read (buildTLS).
func structSSL(_ *builder, f *frame, d *Directive) {
	if !f.check {
		f.sc.ssl = append(f.sc.ssl, d)
	}
}

// serverTLS is the TLS side of one server block.
type serverTLS struct {
	srv          *serverState
	conf         *tls.Config
	preferServer bool        // ssl_prefer_server_ciphers
	http2        bool        // "http2 on" (nginx 1.25.1)
	ticketKeys   [][32]byte  // ssl_session_ticket_key files (ticketKeys)
	certs        *certLoader // certificates named with variables
}

// TLS is the configuration to serve the listen address addr (as in
// [Listen.Addr]) with, or nil when no server listens there with "ssl".
func (c *Config) TLS(addr string) *tls.Config {
	return c.tls[addr]
}

// sslValues are the effective ssl_* directives of a server: its own, else
// the http block's (every ssl_* directive is merged by name).
func sslValues(http, own *scope) map[string][]*Directive {
	m := map[string][]*Directive{}
	for _, d := range http.ssl {
		m[d.Name] = append(m[d.Name], d)
	}
	mine := map[string][]*Directive{}
	for _, d := range own.ssl {
		mine[d.Name] = append(mine[d.Name], d)
	}
	for k, v := range mine {
		m[k] = v
	}
	return m
}

// buildTLS builds the per-address TLS configurations of the http block.
func (b *builder) buildTLS(h *httpState) {
	byAddr := map[string][]*serverTLS{}
	var order []string
	for _, s := range h.servers {
		ssl := false
		for _, l := range s.out.Listen {
			ssl = ssl || l.SSL
		}
		vals := sslValues(h.sc, s.sc)
		st := &serverTLS{srv: s}
		if ds := vals["http2"]; len(ds) > 0 {
			st.http2 = strings.EqualFold(ds[0].Args[0], "on")
		}
		if len(vals["ssl_certificate"]) > 0 || ssl {
			conf, loader, verify, err := b.serverTLSConfig(s, vals)
			if e := (*Error)(nil); errors.As(err, &e) && e.NotImplemented {
				b.refused = append(b.refused, e)
				continue
			} else if err != nil {
				b.errs = append(b.errs, err)
				continue
			}
			st.conf, st.certs = conf, loader
			if ds := vals["ssl_session_ticket_key"]; len(ds) > 0 {
				// Read whether or not tickets are on, as nginx does.
				if st.ticketKeys, err = b.ticketKeys(h, ds); err != nil {
					b.errs = append(b.errs, err)
					continue
				}
			}
			if ds := vals["ssl_prefer_server_ciphers"]; len(ds) > 0 {
				st.preferServer = strings.EqualFold(ds[0].Args[0], "on")
			}
			if verify != nil {
				s.out.Options = append(s.out.Options, verify)
			}
		}
		for _, l := range s.out.Listen {
			if _, ok := byAddr[l.Addr]; !ok {
				order = append(order, l.Addr)
			}
			byAddr[l.Addr] = append(byAddr[l.Addr], st)
		}
	}
	for _, addr := range order {
		srvs := byAddr[addr]
		ssl, h2 := false, false
		var def *serverTLS
		for _, st := range srvs {
			for _, l := range st.srv.out.Listen {
				if l.Addr != addr {
					continue
				}
				ssl, h2 = ssl || l.SSL, h2 || l.HTTP2
				if l.DefaultServer && def == nil {
					def = st
				}
			}
		}
		if def == nil {
			def = srvs[0]
		}
		if !ssl {
			b.plainHTTP2(h, addr, def, h2)
			continue
		}
		if def.conf == nil {
			// nginx checks this for the server with "listen ... ssl".
			b.errs = append(b.errs, &Error{Msg: fmt.Sprintf(`no "ssl_certificate" is defined for the "listen ... ssl" directive in %s:%d`, def.srv.d.File, def.srv.d.Line)})
			continue
		}
		if b.cfg.tls == nil {
			b.cfg.tls = map[string]*tls.Config{}
		}
		b.cfg.tls[addr] = sniConfig(def, srvs, h2)
		if h2 || slices.ContainsFunc(srvs, func(st *serverTLS) bool { return st.http2 }) {
			b.http2Config(h, addr, def)
		}
	}
}

// http2Config records the HTTP/2 settings of addr: nginx's default of 128
// streams (net/http's is 250), or the default server's
// http2_max_concurrent_streams, which applies to the connection.
func (b *builder) http2Config(h *httpState, addr string, def *serverTLS) {
	n := 128
	if ds := sslValues(h.sc, def.srv.sc)["http2_max_concurrent_streams"]; len(ds) > 0 {
		n, _ = strconv.Atoi(ds[0].Args[0])
	}
	if b.cfg.h2 == nil {
		b.cfg.h2 = map[string]*http.HTTP2Config{}
	}
	b.cfg.h2[addr] = &http.HTTP2Config{MaxConcurrentStreams: n}
}

// plainHTTP2 records what a plain address speaks besides HTTP/1. nginx
// 1.22 serves a "listen ... http2" address without ssl with HTTP/2 only,
// prior knowledge (no Upgrade: h2c); nginx 1.25.1's "http2 on" in its
// default server keeps HTTP/1 and tells HTTP/2 by the client preface.
func (b *builder) plainHTTP2(h *httpState, addr string, def *serverTLS, listenH2 bool) {
	p := &http.Protocols{}
	switch {
	case listenH2:
		p.SetUnencryptedHTTP2(true)
	case def.http2:
		p.SetHTTP1(true)
		p.SetUnencryptedHTTP2(true)
	default:
		return
	}
	if b.cfg.h2c == nil {
		b.cfg.h2c = map[string]*http.Protocols{}
	}
	b.cfg.h2c[addr] = p
	b.http2Config(h, addr, def)
}

// Protocols is what the plain listen address addr speaks, for
// http.Server.Protocols: nil for HTTP/1 alone (and for ssl addresses,
// where ALPN decides), HTTP/2 with prior knowledge alone for "listen ...
// http2" without ssl (serve it through [Config.Listener]), or both for a
// default server with "http2 on".
func (c *Config) Protocols(addr string) *http.Protocols {
	return c.h2c[addr]
}

// Listener returns l, the listener of the plain address addr, as nginx
// serves it: for an HTTP/2-only address a connection that does not open
// with the HTTP/2 client preface gets nginx's SETTINGS, WINDOW_UPDATE and
// GOAWAY (PROTOCOL_ERROR) frames and is closed, where net/http would close
// it without a word.
func (c *Config) Listener(addr string, l net.Listener) net.Listener {
	if p := c.h2c[addr]; p == nil || p.HTTP1() {
		return l
	}
	return &h2OnlyListener{Listener: l, streams: c.h2[addr].MaxConcurrentStreams}
}

// HTTP2 is the HTTP/2 configuration of the listen address addr for
// http.Server.HTTP2 (http2_max_concurrent_streams), or nil when it does
// not serve HTTP/2.
func (c *Config) HTTP2(addr string) *http.HTTP2Config {
	return c.h2[addr]
}

// sniConfig serves def's configuration, switching to the server block whose
// server_name matches the client's SNI name.
// h2 is "listen ... http2" on the address; a server with "http2 on" offers
// h2 when SNI picks it, as nginx 1.25.1's ALPN callback decides by the
// server the name selected.
func sniConfig(def *serverTLS, srvs []*serverTLS, h2 bool) *tls.Config {
	keys := def.ticketKeys
	if keys == nil {
		// OpenSSL's own: random, made once per configuration (a
		// reload starts afresh, as nginx's new SSL_CTX does).
		keys = make([][32]byte, 1)
		_, _ = rand.Read(keys[0][:])
	}
	withProtos := func(st *serverTLS) *tls.Config {
		c := st.conf.Clone()
		sessionTickets(c, keys, def.conf.SessionTicketsDisabled, st.conf.SessionTicketsDisabled)
		if h2 || st.http2 {
			c.NextProtos = []string{"h2", "http/1.1"}
		} else {
			c.NextProtos = []string{"http/1.1"}
		}
		return c
	}
	confs := map[*serverTLS]*tls.Config{}
	for _, st := range srvs {
		if st.conf != nil {
			confs[st] = withProtos(st)
		}
	}
	base := withProtos(def)
	prefer := map[*tls.Config]bool{}
	loaders := map[*tls.Config]*certLoader{}
	for st, c := range confs {
		prefer[c] = st.preferServer
		loaders[c] = st.certs
	}
	base.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		c := confs[def]
		if hello.ServerName != "" {
			if st := matchServerName(srvs, hello.ServerName); st != nil && confs[st] != nil {
				c = confs[st]
			}
		}
		certs := c.Certificates
		if l := loaders[c]; l != nil {
			// Loaded here to fail the handshake as nginx does when
			// the files are missing, and for the key types
			// chooseSuite needs; GetCertificate then finds them in
			// the loader's cache.
			loaded, err := l.certificates(hello)
			if err != nil {
				return nil, err
			}
			certs = nil
			for _, p := range loaded {
				certs = append(certs, *p)
			}
		}
		return chooseSuite(c, hello, prefer[c], certs), nil
	}
	return base
}

// sessionTickets sets c's session tickets as nginx's OpenSSL has them on
// an address: the ticket keys and whether tickets are accepted are the
// default server's (OpenSSL decrypts with the context the connection
// started with, before SNI picks a server), whether new tickets are
// issued is the server SNI picked (nginx copies its options). The keys
// are explicit on every configuration: crypto/tls would otherwise make
// its own for each clone. A server with ssl_session_tickets off behind a
// default with them on issues, after a full handshake, tickets that never
// resume, where nginx issues none: what clients see of their sessions is
// the same.
func sessionTickets(c *tls.Config, keys [][32]byte, defaultOff, ownOff bool) {
	c.SessionTicketsDisabled = defaultOff
	if defaultOff {
		return
	}
	c.SetSessionTicketKeys(keys)
	if ownOff {
		c.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
			if !cs.DidResume {
				ss.Extra = append(ss.Extra, noResume)
			}
			// A resumed session's new ticket stands for the one the
			// client keeps with nginx, which resumes.
			return c.EncryptTicket(cs, ss)
		}
	}
	c.UnwrapSession = func(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		ss, err := c.DecryptTicket(identity, cs)
		if err != nil || ss == nil || slices.ContainsFunc(ss.Extra, func(e []byte) bool { return bytes.Equal(e, noResume) }) {
			return nil, err
		}
		return ss, nil
	}
}

// noResume marks the tickets of a server with ssl_session_tickets off.
var noResume = []byte("frontdesk: tickets off")

// chooseSuite narrows c to the TLS 1.2 suite OpenSSL would pick: the
// client's first acceptable one, or the server's with
// ssl_prefer_server_ciphers on. crypto/tls ignores both orders and picks
// by its own (hardware-dependent) preference, which would make
// $ssl_cipher differ from nginx's. TLS 1.3 suites are not narrowed.
func chooseSuite(c *tls.Config, hello *tls.ClientHelloInfo, preferServer bool, certs []tls.Certificate) *tls.Config {
	allowed := c.CipherSuites
	if allowed == nil {
		allowed = defaultSuites
	}
	hasRSA, hasECDSA := false, false
	for _, cert := range certs {
		switch cert.PrivateKey.(type) {
		case *rsa.PrivateKey:
			hasRSA = true
		case *ecdsa.PrivateKey:
			hasECDSA = true
		}
	}
	usable := func(id uint16) bool {
		a, ok := goSuiteAttrs[id]
		if !ok || !slices.Contains(allowed, id) {
			return false
		}
		return (a.auth == "RSA" && hasRSA) || (a.auth == "ECDSA" && hasECDSA)
	}
	first, second := hello.CipherSuites, allowed
	if preferServer {
		first, second = allowed, hello.CipherSuites
	}
	for _, id := range first {
		if usable(id) && slices.Contains(second, id) {
			n := c.Clone()
			n.CipherSuites = []uint16{id}
			return n
		}
	}
	return c
}

// defaultSuites is nginx's default ssl_ciphers, "HIGH:!aNULL:!MD5".
var defaultSuites, _, _ = ParseOpenSSLCiphers("HIGH:!aNULL:!MD5")

// matchServerName finds the server of name as nginx's virtual server
// search does: exact, then the longest "*." wildcard, then ".*" wildcard,
// then regexes in order.
func matchServerName(srvs []*serverTLS, name string) *serverTLS {
	name = strings.ToLower(name)
	var wildStart, wildEnd *serverTLS
	bestStart, bestEnd := -1, -1
	for _, st := range srvs {
		for _, n := range st.srv.out.Names {
			n = strings.ToLower(n)
			switch {
			case strings.HasPrefix(n, "~"):
			case n == name:
				return st
			case strings.HasPrefix(n, "*.") && strings.HasSuffix(name, n[1:]) && len(n) > bestStart:
				wildStart, bestStart = st, len(n)
			case strings.HasPrefix(n, ".") && (name == n[1:] || strings.HasSuffix(name, n)) && len(n) > bestStart:
				wildStart, bestStart = st, len(n)
			case strings.HasSuffix(n, ".*") && strings.HasPrefix(name, n[:len(n)-1]) && len(n) > bestEnd:
				wildEnd, bestEnd = st, len(n)
			}
		}
	}
	if wildStart != nil {
		return wildStart
	}
	if wildEnd != nil {
		return wildEnd
	}
	for _, st := range srvs {
		for _, n := range st.srv.out.Names {
			if re, ok := strings.CutPrefix(n, "~"); ok {
				if rx, err := regexp.Compile(re); err == nil && rx.MatchString(name) {
					return st
				}
			}
		}
	}
	return nil
}

func (b *builder) readFile(d *Directive, name string) ([]byte, error) {
	p := name
	if !filepath.IsAbs(p) {
		// nginx resolves these against its configuration prefix.
		p = filepath.Join(filepath.Dir(d.File), p)
	}
	if b.o.FS != nil {
		return fs.ReadFile(b.o.FS, strings.TrimPrefix(p, "/"))
	}
	return os.ReadFile(p)
}

func errAt(d *Directive, format string, args ...any) error {
	return &Error{File: d.File, Line: d.Line, Msg: fmt.Sprintf(format, args...)}
}

// serverTLSConfig builds one server block's configuration.
func (b *builder) serverTLSConfig(s *serverState, v map[string][]*Directive) (*tls.Config, *certLoader, frontdesk.Option, error) {
	certs, keys := v["ssl_certificate"], v["ssl_certificate_key"]
	if len(certs) == 0 {
		return nil, nil, nil, nil
	}
	// nginx 1.22's default is "TLSv1 TLSv1.1 TLSv1.2" (TLSv1.3 joined
	// the default in 1.23.4); OpenSSL 3 refuses TLSv1 and TLSv1.1 at
	// Debian's security level, so TLS 1.2 alone is what clients get.
	c := &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12}
	loader, err := b.certLoader(s, certs, keys)
	if err != nil {
		return nil, nil, nil, err
	}
	if loader != nil {
		// Loaded per handshake (see tls_dyncert.go).
		c.GetCertificate = loader.getCertificate
		certs = nil
	}
	for i, cd := range certs {
		if i >= len(keys) {
			return nil, nil, nil, &Error{Msg: fmt.Sprintf(`no "ssl_certificate_key" is defined for certificate "%s"`, cd.Args[0])}
		}
		kd := keys[i]
		certPEM, err := b.readFile(cd, cd.Args[0])
		if err != nil {
			return nil, nil, nil, errAt(cd, `cannot load certificate "%s": %v`, cd.Args[0], err)
		}
		keyPEM, err := b.readFile(kd, kd.Args[0])
		if err != nil {
			return nil, nil, nil, errAt(kd, `cannot load certificate key "%s": %v`, kd.Args[0], err)
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, nil, nil, errAt(cd, `cannot load certificate "%s": %v`, cd.Args[0], err)
		}
		// Several certificates (RSA and ECDSA) are chosen by crypto/tls
		// from what the client supports, as OpenSSL does.
		c.Certificates = append(c.Certificates, pair)
	}
	if err := b.staple(c, loader, v); err != nil {
		return nil, nil, nil, err
	}
	if ds := v["ssl_protocols"]; len(ds) > 0 {
		c.MinVersion, c.MaxVersion = 0, 0
		for _, p := range ds[0].Args {
			var ver uint16
			switch strings.ToLower(p) {
			case "tlsv1":
				ver = tls.VersionTLS10
			case "tlsv1.1":
				ver = tls.VersionTLS11
			case "tlsv1.2":
				ver = tls.VersionTLS12
			case "tlsv1.3":
				ver = tls.VersionTLS13
			default:
				// SSLv2 and SSLv3: neither OpenSSL 3 nor Go has them.
				continue
			}
			if c.MinVersion == 0 || ver < c.MinVersion {
				c.MinVersion = ver
			}
			if ver > c.MaxVersion {
				c.MaxVersion = ver
			}
		}
		if c.MaxVersion == 0 {
			return nil, nil, nil, errAt(ds[0], "no protocols available")
		}
	}
	cipherStr := "HIGH:!aNULL:!MD5"
	if ds := v["ssl_ciphers"]; len(ds) > 0 {
		cipherStr = ds[0].Args[0]
		suites, dropped, err := ParseOpenSSLCiphers(cipherStr)
		if err != nil {
			return nil, nil, nil, errAt(ds[0], `SSL_CTX_set_cipher_list("%s") failed: %v`, cipherStr, err)
		}
		if len(dropped) > 0 {
			b.cfg.Warnings = append(b.cfg.Warnings, Warning{File: ds[0].File, Line: ds[0].Line, Directive: ds[0].Name,
				Message: "ciphers crypto/tls does not implement are dropped: " + strings.Join(dropped, ", ")})
			b.warnedAt = append(b.warnedAt, ds[0])
		}
		c.CipherSuites = suites
	}
	if ds := v["ssl_dhparam"]; len(ds) > 0 {
		// Read only to fail as nginx does on a missing file: crypto/tls
		// has no finite-field Diffie-Hellman to use it for.
		if _, err := b.readFile(ds[0], ds[0].Args[0]); err != nil {
			return nil, nil, nil, errAt(ds[0], `BIO_new_file("%s") failed: %v`, ds[0].Args[0], err)
		}
	}
	if ds := v["ssl_session_tickets"]; len(ds) > 0 && strings.EqualFold(ds[0].Args[0], "off") {
		c.SessionTicketsDisabled = true
	}
	var verify frontdesk.Option
	if ds := v["ssl_verify_client"]; len(ds) > 0 && !strings.EqualFold(ds[0].Args[0], "off") {
		mode := strings.ToLower(ds[0].Args[0])
		var roots *x509.CertPool
		if cd := v["ssl_client_certificate"]; len(cd) > 0 {
			pem, err := b.readFile(cd[0], cd[0].Args[0])
			if err != nil {
				return nil, nil, nil, errAt(cd[0], `SSL_CTX_load_verify_locations("%s") failed: %v`, cd[0].Args[0], err)
			}
			roots = x509.NewCertPool()
			roots.AppendCertsFromPEM(pem)
			// nginx sends these names as the acceptable CAs.
		} else if mode != "optional_no_ca" {
			return nil, nil, nil, &Error{Msg: "no ssl_client_certificate for ssl_verify_client"}
		}
		depth := 1
		if dd := v["ssl_verify_depth"]; len(dd) > 0 {
			depth, _ = strconv.Atoi(dd[0].Args[0])
		}
		// The handshake accepts any certificate: nginx decides per
		// request (400 with its 495/496 pages).
		c.ClientAuth = tls.RequestClientCert
		// ClientCAs is not used to verify under RequestClientCert, but
		// its names go out in the CertificateRequest as OpenSSL sends
		// ssl_client_certificate's: clients choose their certificate by
		// them.
		c.ClientCAs = roots
		verify = frontdesk.SSLVerifyClient(mode, roots, depth)
	}
	return c, loader, verify, nil
}

// staple applies ssl_stapling on with ssl_stapling_file: the file's DER
// OCSP response is stapled to every certificate of the server, as nginx
// staples it (unchecked, whatever its status). Without a file nginx asks
// the certificate's OCSP responder (or ssl_stapling_responder) and
// refreshes the answer; frontdesk does not: that needs outbound requests
// to the CA at run time and OCSP response parsing and verification, which
// the standard library lacks. -t says so, and nothing is stapled.
// Certificates named with variables are not stapled either.
func (b *builder) staple(c *tls.Config, loader *certLoader, v map[string][]*Directive) error {
	on := v["ssl_stapling"]
	if len(on) == 0 || !strings.EqualFold(on[0].Args[0], "on") {
		return nil
	}
	warn := func(msg string) {
		b.cfg.Warnings = append(b.cfg.Warnings, Warning{File: on[0].File, Line: on[0].Line, Directive: on[0].Name, Message: msg})
		b.warnedAt = append(b.warnedAt, on[0])
	}
	file := v["ssl_stapling_file"]
	if len(file) == 0 {
		warn("OCSP responses are not fetched: nothing is stapled without ssl_stapling_file")
		return nil
	}
	der, err := b.readFile(file[0], file[0].Args[0])
	if err != nil {
		// OpenSSL's errors, which nginx reports without a position.
		return &Error{Msg: fmt.Sprintf(`BIO_new_file("%s") failed (%s)`, confPath(file[0]), syserr.Text(err))}
	}
	// OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED,
	// responseBytes [0] EXPLICIT ... OPTIONAL }, what
	// d2i_OCSP_RESPONSE_bio insists on.
	var resp struct {
		Status asn1.Enumerated
		Bytes  asn1.RawValue `asn1:"explicit,tag:0,optional"`
	}
	if rest, err := asn1.Unmarshal(der, &resp); err != nil || len(rest) > 0 {
		return &Error{Msg: fmt.Sprintf(`d2i_OCSP_RESPONSE_bio("%s") failed`, confPath(file[0]))}
	}
	if loader != nil {
		warn("certificates named with variables are not stapled")
	}
	for i := range c.Certificates {
		c.Certificates[i].OCSPStaple = der
	}
	return nil
}

// ticketKeys reads the ssl_session_ticket_key files. nginx's are 48 or 80
// bytes (a 16-byte key name, then the HMAC and AES keys, 16 or 32 bytes
// each); crypto/tls takes one 32-byte secret per key and derives its own
// name and keys from it, so each file becomes the SHA-256 of its bytes.
// As with nginx the first key encrypts new tickets and every key decrypts,
// so listing a new file first and the old one second rotates keys without
// losing sessions; the same files give the same keys in every process and
// across reloads. The tickets are frontdesk's own format: a ticket nginx
// issued with the same file does not resume here, nor the reverse. nginx
// checks the files once the http block is read, and reports there; the
// default server's keys serve the whole address (sessionTickets).
func (b *builder) ticketKeys(h *httpState, ds []*Directive) ([][32]byte, error) {
	end := &Error{File: h.d.File, Line: h.d.EndLine}
	var keys [][32]byte
	for _, d := range ds {
		data, err := b.readFile(d, d.Args[0])
		if err != nil {
			end.Msg = fmt.Sprintf(`open() "%s" failed (%s)`, confPath(d), syserr.Text(err))
			return nil, end
		}
		if len(data) != 48 && len(data) != 80 {
			end.Msg = fmt.Sprintf(`"%s" must be 48 or 80 bytes`, confPath(d))
			return nil, end
		}
		keys = append(keys, sha256.Sum256(data))
	}
	return keys, nil
}

// TLS to upstreams: the proxy_ssl_* directives map onto frontdesk's
// ProxySSL* directives. proxy_ssl_crl/_password_file/_conf_command stay
// refused by name in this first cut.
func init() {
	apply := map[string]func(d *Directive) (frontdesk.Directive, error){
		"proxy_ssl_verify":        flag(frontdesk.ProxySSLVerify),
		"proxy_ssl_server_name":   flag(frontdesk.ProxySSLServerName),
		"proxy_ssl_session_reuse": flag(frontdesk.ProxySSLSessionReuse),
		"proxy_ssl_name":          str(frontdesk.ProxySSLName),
		"proxy_ssl_protocols": func(d *Directive) (frontdesk.Directive, error) {
			return frontdesk.ProxySSLProtocols(d.Args...), nil
		},
		"proxy_ssl_verify_depth": func(d *Directive) (frontdesk.Directive, error) {
			n, _ := strconv.Atoi(d.Args[0])
			return frontdesk.ProxySSLVerifyDepth(n), nil
		},
		"proxy_ssl_ciphers": func(d *Directive) (frontdesk.Directive, error) {
			suites, _, err := ParseOpenSSLCiphers(d.Args[0])
			if err != nil {
				return frontdesk.Directive{}, fmt.Errorf(`SSL_CTX_set_cipher_list("%s") failed: %v`, d.Args[0], err)
			}
			return frontdesk.ProxySSLCiphers(suites), nil
		},
		"proxy_ssl_certificate": func(d *Directive) (frontdesk.Directive, error) {
			return frontdesk.ProxySSLCertificateFile(confPath(d)), nil
		},
		"proxy_ssl_certificate_key": func(d *Directive) (frontdesk.Directive, error) {
			return frontdesk.ProxySSLCertificateKeyFile(confPath(d)), nil
		},
		"proxy_ssl_trusted_certificate": func(d *Directive) (frontdesk.Directive, error) {
			pem, err := os.ReadFile(confPath(d))
			if err != nil {
				return frontdesk.Directive{}, fmt.Errorf(`SSL_CTX_load_verify_locations("%s") failed: %v`, d.Args[0], err)
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(pem)
			return frontdesk.ProxySSLTrustedCertificate(pool), nil
		},
	}
	for n, f := range apply {
		directiveTable[n].apply = f
	}
}

// noTrustedForVerify is nginx's message for proxy_ssl_verify on without
// proxy_ssl_trusted_certificate, which frontdesk.New reports.
const noTrustedForVerify = "no proxy_ssl_trusted_certificate for proxy_ssl_verify"

// confPath is a directive's file argument resolved as nginx resolves it:
// relative to the configuration's directory.
func confPath(d *Directive) string {
	if filepath.IsAbs(d.Args[0]) {
		return d.Args[0]
	}
	return filepath.Join(filepath.Dir(d.File), d.Args[0])
}
