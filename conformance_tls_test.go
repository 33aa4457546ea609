package frontdesk_test

// TLS to clients (issue 9): certificates, protocols, suites, SNI and
// client certificates on real nginx and on frontdesk, with certificates
// generated here by a test CA.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

// testPKI is a CA, the server certificates of the cases and client
// certificates from that CA and from another one.
type testPKI struct {
	files map[string]string // name -> PEM, for Case.Files
	// client certificates for tls.Config.Certificates
	client, stranger, expired tls.Certificate
	// servers are the server certificates by name, for TLS backends.
	servers map[string]tls.Certificate
	caPool  *x509.CertPool // the test CA
}

var (
	pkiOnce sync.Once
	pki     *testPKI
)

// getPKI generates the certificates once per test binary: RSA keys are
// slow enough to matter when every case would make its own.
func getPKI(t testing.TB) *testPKI {
	pkiOnce.Do(func() {
		p := &testPKI{files: map[string]string{}, servers: map[string]tls.Certificate{}}
		ca, caKey := makeCert(t, "Test CA", nil, nil, ecKey(t), true, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
		other, otherKey := makeCert(t, "Other CA", nil, nil, ecKey(t), true, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
		p.files["ca.crt"] = pemCert(ca)
		p.files["other-ca.crt"] = pemCert(other)
		rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []struct {
			name string
			rsa  bool
		}{{"default.test", true}, {"a.test", true}, {"b.test", false}, {"dual-rsa", true}, {"dual-ecdsa", false}, {"wild.test", false}} {
			var key crypto.Signer = rsaKey
			if !s.rsa {
				key = ecKey(t)
			}
			c, _ := makeCert(t, s.name, ca, caKey, key, false, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
			p.files[s.name+".crt"] = pemCert(c)
			p.files[s.name+".key"] = pemKey(t, key)
			p.servers[s.name] = tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: key, Leaf: c}
		}
		p.client = clientPair(t, "client", ca, caKey, time.Now().Add(24*time.Hour))
		p.files["client.crt"] = pemCert(p.client.Leaf)
		p.files["client.key"] = pemKey(t, p.client.PrivateKey.(crypto.Signer))
		p.caPool = x509.NewCertPool()
		p.caPool.AddCert(ca)
		p.stranger = clientPair(t, "stranger", other, otherKey, time.Now().Add(24*time.Hour))
		p.expired = clientPair(t, "expired", ca, caKey, time.Now().Add(-time.Minute))
		pki = p
	})
	return pki
}

func ecKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var serial int64

func makeCert(t testing.TB, cn string, parent *x509.Certificate, parentKey crypto.Signer, key crypto.Signer, isCA bool, from, until time.Time) (*x509.Certificate, crypto.Signer) {
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Frontdesk Test"}},
		NotBefore:    from, NotAfter: until,
		BasicConstraintsValid: true, IsCA: isCA,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if !isCA {
		tmpl.DNSNames = []string{cn}
		tmpl.KeyUsage &^= x509.KeyUsageCertSign
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func clientPair(t testing.TB, cn string, ca *x509.Certificate, caKey crypto.Signer, until time.Time) tls.Certificate {
	key := ecKey(t)
	c, _ := makeCert(t, cn, ca, caKey, key, false, time.Now().Add(-2*time.Hour), until)
	return tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: key, Leaf: c}
}

func pemCert(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

func pemKey(t testing.TB, k crypto.Signer) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// tlsc is a client configuration: TLS 1.2 at most when max12, the given
// TLS 1.2 suites (all of Go's when none), SNI name.
func tlsc(sni string, max uint16, suites ...uint16) *tls.Config {
	c := &tls.Config{InsecureSkipVerify: true, ServerName: sni, MinVersion: tls.VersionTLS10, MaxVersion: max}
	if len(suites) > 0 {
		c.CipherSuites = suites
	}
	return c
}

// forceCert sends cert whatever CA names the server asks for.
func forceCert(c *tls.Config, cert tls.Certificate) *tls.Config {
	c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	return c
}

func withCert(c *tls.Config, cert tls.Certificate) *tls.Config {
	c.Certificates = []tls.Certificate{cert}
	return c
}

const tlsVars = `return 200 "$scheme|$https|$ssl_protocol|$ssl_cipher|$ssl_server_name|$server_name\n";`

func tlsReq(name string, c *tls.Config) conformance.Request {
	return conformance.Request{Name: name, Target: "/", TLS: c}
}

func TestConformanceTLSClients(t *testing.T) {
	p := getPKI(t)
	const v12, v13 = tls.VersionTLS12, tls.VersionTLS13
	cert := func(name string) string {
		return "ssl_certificate {{DIR}}/" + name + ".crt; ssl_certificate_key {{DIR}}/" + name + ".key;"
	}
	cases := []conformance.Case{
		{
			Name: "defaults",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl; server_name one.test; ` + cert("default.test") + `
				location / { ` + tlsVars + ` } }`,
			Files: p.files,
			Requests: []conformance.Request{
				tlsReq("tls13", tlsc("", v13)),
				tlsReq("tls12", tlsc("", v12)),
				tlsReq("tls12 ECDHE-RSA-AES128-GCM-SHA256", tlsc("", v12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)),
				tlsReq("tls12 ECDHE-RSA-AES256-GCM-SHA384", tlsc("", v12, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)),
				tlsReq("tls12 ECDHE-RSA-CHACHA20-POLY1305", tlsc("", v12, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256)),
				tlsReq("tls12 ECDHE-RSA-AES128-SHA", tlsc("", v12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA)),
				tlsReq("tls12 ECDHE-RSA-AES256-SHA", tlsc("", v12, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA)),
				tlsReq("tls12 AES128-GCM-SHA256", tlsc("", v12, tls.TLS_RSA_WITH_AES_128_GCM_SHA256)),
				tlsReq("tls12 AES256-GCM-SHA384", tlsc("", v12, tls.TLS_RSA_WITH_AES_256_GCM_SHA384)),
				tlsReq("tls12 AES128-SHA", tlsc("", v12, tls.TLS_RSA_WITH_AES_128_CBC_SHA)),
				tlsReq("tls12 client order", tlsc("", v12, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)),
				tlsReq("tls12 ECDSA suite only", tlsc("", v12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)),
				tlsReq("sni", tlsc("one.test", v13)),
				tlsReq("sni unknown", tlsc("nowhere.test", v13)),
				tlsReq("tls11 only", tlsc("", tls.VersionTLS11)),
				{Name: "HEAD", Method: "HEAD", Target: "/", TLS: tlsc("", v13)},
				{Name: "http11", Target: "/x?y", HTTP11: true, TLS: tlsc("", v13)},
			},
		},
		{
			Name: "ssl_protocols TLSv1.2",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert("default.test") + ` ssl_protocols TLSv1.2;
				location / { ` + tlsVars + ` } }`,
			Files: p.files,
			Requests: []conformance.Request{
				tlsReq("tls13 client", tlsc("", v13)),
				tlsReq("tls12 client", tlsc("", v12)),
			},
		},
		{
			Name: "ssl_protocols TLSv1.3",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert("default.test") + ` ssl_protocols TLSv1.3;
				location / { ` + tlsVars + ` } }`,
			Files: p.files,
			Requests: []conformance.Request{
				tlsReq("tls13 client", tlsc("", v13)),
				tlsReq("tls12 client fails", tlsc("", v12)),
			},
		},
		{
			Name: "ssl_protocols old and new",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert("default.test") + ` ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
				location / { ` + tlsVars + ` } }`,
			Files: p.files,
			Requests: []conformance.Request{
				tlsReq("tls13 client", tlsc("", v13)),
				tlsReq("tls12 client", tlsc("", v12)),
			},
		},
		{
			Name: "ssl_ciphers",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert("default.test") + `
				ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA;
				location / { ` + tlsVars + ` } }`,
			Files: p.files,
			Requests: []conformance.Request{
				tlsReq("tls13 unaffected", tlsc("", v13)),
				tlsReq("tls12 any", tlsc("", v12)),
				tlsReq("tls12 listed", tlsc("", v12, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)),
				tlsReq("tls12 second listed", tlsc("", v12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA)),
				tlsReq("tls12 client order", tlsc("", v12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)),
				tlsReq("tls12 unlisted fails", tlsc("", v12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)),
			},
		},
		{
			Name: "ssl_prefer_server_ciphers",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert("default.test") + `
				ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA; ssl_prefer_server_ciphers on;
				location / { ` + tlsVars + ` } }`,
			Files: p.files,
			Requests: []conformance.Request{
				tlsReq("server order", tlsc("", v12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)),
			},
		},
		{
			Name: "ssl_ciphers aliases",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert("default.test") + `
				ssl_ciphers EECDH+AESGCM:EDH+AESGCM:!CHACHA20; ssl_prefer_server_ciphers off;
				location / { ` + tlsVars + ` } }`,
			Files: p.files,
			Requests: []conformance.Request{
				tlsReq("tls12 any", tlsc("", v12)),
				tlsReq("tls12 chacha refused", tlsc("", v12, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256)),
				tlsReq("tls12 cbc refused", tlsc("", v12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA)),
			},
		},
		{
			Name: "session and stapling directives accepted",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert("default.test") + `
				ssl_session_cache shared:SSL:10m; ssl_session_timeout 1d; ssl_session_tickets off;
				ssl_stapling on; ssl_stapling_verify on; ssl_early_data off; ssl_buffer_size 4k;
				location / { ` + tlsVars + ` } }`,
			Files: p.files,
			Requests: []conformance.Request{
				tlsReq("tls13", tlsc("", v13)),
				tlsReq("tls12", tlsc("", v12)),
			},
		},
		{
			Name: "SNI picks the server block",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl; server_name default.test; ` + cert("default.test") + ` location / { ` + tlsVars + ` } }
				server { listen 127.0.0.1:{{PORT}} ssl; server_name a.test; ` + cert("a.test") + ` location / { ` + tlsVars + ` } }
				server { listen 127.0.0.1:{{PORT}} ssl; server_name b.test; ` + cert("b.test") + ` location / { ` + tlsVars + ` } }
				server { listen 127.0.0.1:{{PORT}} ssl; server_name *.wild.test; ` + cert("wild.test") + ` location / { ` + tlsVars + ` } }`,
			Files: p.files,
			Requests: []conformance.Request{
				{Name: "a", Target: "/", Header: []string{"Host: a.test"}, TLS: tlsc("a.test", v13)},
				{Name: "b", Target: "/", Header: []string{"Host: b.test"}, TLS: tlsc("b.test", v13)},
				{Name: "b tls12", Target: "/", Header: []string{"Host: b.test"}, TLS: tlsc("b.test", v12)},
				{Name: "wildcard", Target: "/", Header: []string{"Host: x.wild.test"}, TLS: tlsc("x.wild.test", v13)},
				{Name: "unknown name: default certificate", Target: "/", Header: []string{"Host: c.test"}, TLS: tlsc("c.test", v13)},
				{Name: "no SNI", Target: "/", TLS: tlsc("", v13)},
				{Name: "SNI a, Host b", Target: "/", Header: []string{"Host: b.test"}, TLS: tlsc("a.test", v13)},
				{Name: "SNI case", Target: "/", Header: []string{"Host: A.TEST"}, TLS: tlsc("A.Test", v13)},
			},
		},
		{
			Name: "SNI default_server",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl; server_name a.test; ` + cert("a.test") + ` location / { ` + tlsVars + ` } }
				server { listen 127.0.0.1:{{PORT}} ssl default_server; server_name b.test; ` + cert("b.test") + ` location / { ` + tlsVars + ` } }`,
			Files: p.files,
			Requests: []conformance.Request{
				{Name: "no SNI", Target: "/", TLS: tlsc("", v13)},
				{Name: "a", Target: "/", Header: []string{"Host: a.test"}, TLS: tlsc("a.test", v13)},
			},
		},
		{
			// nginx 1.15.9+ loads certificates named with variables
			// during the handshake; a missing file fails it.
			Name: "ssl_certificate with ssl_server_name variable",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl; server_name a.test b.test c.test;
					ssl_certificate {{DIR}}/$ssl_server_name.crt; ssl_certificate_key {{DIR}}/${ssl_server_name}.key;
					location / { ` + tlsVars + ` } }
				server { listen 127.0.0.1:{{PORT}} ssl; server_name default.test; ` + cert("default.test") + ` location / { ` + tlsVars + ` } }`,
			Files: p.files,
			Requests: []conformance.Request{
				{Name: "a", Target: "/", Header: []string{"Host: a.test"}, TLS: tlsc("a.test", v13)},
				{Name: "b (ECDSA)", Target: "/", Header: []string{"Host: b.test"}, TLS: tlsc("b.test", v13)},
				{Name: "a tls12", Target: "/", Header: []string{"Host: a.test"}, TLS: tlsc("a.test", v12)},
				{Name: "b tls12", Target: "/", Header: []string{"Host: b.test"}, TLS: tlsc("b.test", v12)},
				{Name: "b tls12 RSA suite only fails", Target: "/", Header: []string{"Host: b.test"}, TLS: tlsc("b.test", v12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)},
				{Name: "known server, no file: handshake fails", Target: "/", Header: []string{"Host: c.test"}, TLS: tlsc("c.test", v13)},
				{Name: "unknown name, no file: handshake fails", Target: "/", Header: []string{"Host: nowhere.test"}, TLS: tlsc("nowhere.test", v13)},
				{Name: "no SNI: handshake fails", Target: "/", TLS: tlsc("", v13)},
				{Name: "static certificate beside", Target: "/", Header: []string{"Host: default.test"}, TLS: tlsc("default.test", v13)},
				{Name: "static certificate beside tls12", Target: "/", Header: []string{"Host: default.test"}, TLS: tlsc("default.test", v12)},
			},
		},
		{
			Name: "ssl_certificate with variables, static default server",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl default_server; server_name default.test; ` + cert("default.test") + ` location / { ` + tlsVars + ` } }
				server { listen 127.0.0.1:{{PORT}} ssl; server_name a.test *.wild.test;
					ssl_certificate {{DIR}}/$ssl_server_name.crt; ssl_certificate_key {{DIR}}/$ssl_server_name.key;
					location / { ` + tlsVars + ` } }
				server { listen 127.0.0.1:{{PORT}} ssl; server_name b.test;
					ssl_certificate {{DIR}}/$server_name.crt; ssl_certificate_key {{DIR}}/$server_name.key;
					location / { ` + tlsVars + ` } }`,
			Files: p.files,
			Requests: []conformance.Request{
				{Name: "a", Target: "/", Header: []string{"Host: a.test"}, TLS: tlsc("a.test", v13)},
				{Name: "wildcard server, no file", Target: "/", Header: []string{"Host: x.wild.test"}, TLS: tlsc("x.wild.test", v13)},
				{Name: "$server_name", Target: "/", Header: []string{"Host: b.test"}, TLS: tlsc("b.test", v13)},
				{Name: "unknown name: static default", Target: "/", Header: []string{"Host: nowhere.test"}, TLS: tlsc("nowhere.test", v13)},
				{Name: "no SNI: static default", Target: "/", TLS: tlsc("", v12)},
			},
		},
		{
			Name: "RSA and ECDSA certificates",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert("dual-rsa") + " " + cert("dual-ecdsa") + `
				location / { ` + tlsVars + ` } }`,
			Files: p.files,
			Requests: []conformance.Request{
				tlsReq("tls12 RSA suite", tlsc("", v12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)),
				tlsReq("tls12 ECDSA suite", tlsc("", v12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)),
			},
		},
		{
			Name: "http level ssl directives",
			Conf: cert("default.test") + ` ssl_protocols TLSv1.2;
				server { listen 127.0.0.1:{{PORT}} ssl; location / { ` + tlsVars + ` } }`,
			Files: p.files,
			Requests: []conformance.Request{
				tlsReq("tls13 client gets 1.2", tlsc("", v13)),
			},
		},
	}
	verifyVars := `return 200 "$ssl_client_verify|$ssl_client_s_dn\n";`
	for _, mode := range []string{"on", "optional", "optional_no_ca"} {
		cases = append(cases, conformance.Case{
			Name: "ssl_verify_client " + mode,
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert("default.test") + `
				ssl_client_certificate {{DIR}}/ca.crt; ssl_verify_client ` + mode + `;
				location / { ` + verifyVars + ` } }`,
			Files: p.files,
			Requests: []conformance.Request{
				tlsReq("no certificate", tlsc("", v13)),
				tlsReq("trusted", withCert(tlsc("", v13), p.client)),
				tlsReq("trusted tls12", withCert(tlsc("", v12), p.client)),
				tlsReq("other CA", withCert(tlsc("", v13), p.stranger)),
				tlsReq("expired", withCert(tlsc("", v13), p.expired)),
				tlsReq("other CA, sent anyway", forceCert(tlsc("", v12), p.stranger)),
				tlsReq("expired, sent anyway", forceCert(tlsc("", v12), p.expired)),
			},
		})
	}
	cases = append(cases, conformance.Case{
		Name: "no ssl_verify_client",
		Conf: `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert("default.test") + `
			location / { ` + verifyVars + ` } }`,
		Files: p.files,
		Requests: []conformance.Request{
			tlsReq("no certificate", tlsc("", v13)),
			tlsReq("certificate offered", withCert(tlsc("", v13), p.client)),
		},
	}, conformance.Case{
		Name: "redirect to https",
		Conf: `server { listen 127.0.0.1:{{PORT}}; server_name www.test;
				location / { return 301 https://$host$request_uri; }
				location /if { if ($https != "on") { return 301 https://$server_name$request_uri; } return 200 "secure\n"; }
				location /scheme { if ($scheme = http) { return 302 https://$host$uri; } return 200 "ok\n"; }
				location /vars { ` + tlsVars + ` } }
			server { listen 127.0.0.1:{{PORT2}} ssl; server_name www.test; ` + cert("default.test") + ` location / { ` + tlsVars + ` } }`,
		Files: p.files,
		Requests: []conformance.Request{
			{Target: "/a/b?c=d", Header: []string{"Host: www.test"}},
			{Target: "/if/x?y", Header: []string{"Host: other.test"}},
			{Target: "/scheme/z?q"},
			{Target: "/vars"},
		},
	}, conformance.Case{
		Name: "TLS side of the redirect idiom",
		Conf: `server { listen 127.0.0.1:{{PORT}} ssl; server_name www.test; ` + cert("default.test") + `
				location /if { if ($https != "on") { return 301 https://$server_name$request_uri; } return 200 "secure\n"; }
				location /scheme { if ($scheme = http) { return 302 https://$host$uri; } return 200 "ok $scheme\n"; }
				location /redir { return 301 /elsewhere; }
				location /abs { absolute_redirect on; return 302 /there; } }`,
		Files: p.files,
		Requests: []conformance.Request{
			{Target: "/if/x", TLS: tlsc("www.test", v13)},
			{Target: "/scheme/x", TLS: tlsc("www.test", v13)},
			{Target: "/redir", Header: []string{"Host: www.test"}, TLS: tlsc("www.test", v13)},
			{Target: "/abs", Header: []string{"Host: www.test"}, TLS: tlsc("www.test", v13)},
			{Target: "/missing", TLS: tlsc("www.test", v13)},
		},
	})
	conformance.Run(t, cases)
}

// TestConformanceTLSSessions compares session resumption with
// ssl_session_ticket_key files and OCSP stapling from ssl_stapling_file.
// Each exchange makes its own connections, so that a session (a ticket)
// of one server is never offered to the other.
func TestConformanceTLSSessions(t *testing.T) {
	p := getPKI(t)
	const v12, v13 = tls.VersionTLS12, tls.VersionTLS13
	cert := `ssl_certificate {{DIR}}/default.test.crt; ssl_certificate_key {{DIR}}/default.test.key;`
	files := map[string]string{
		"k48a": strings.Repeat("0123456789abcdef", 3),
		"k48b": strings.Repeat("fedcba9876543210", 3),
		"k80":  strings.Repeat("0123456789", 8),
		// OCSPResponse{responseStatus: unauthorized (6)}: the smallest
		// response d2i_OCSP_RESPONSE_bio accepts; nginx staples it
		// unchecked.
		"ocsp.der": "\x30\x03\x0a\x01\x06",
	}
	for k, v := range p.files {
		files[k] = v
	}
	vars := `location / { return 200 "$ssl_protocol reused=$ssl_session_reused $server_name\n"; }`
	cases := []conformance.Case{
		{
			Name:  "ssl_session_ticket_key 48 bytes",
			Conf:  `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert + ` ssl_session_ticket_key {{DIR}}/k48a; ` + vars + ` }`,
			Files: files,
			Requests: []conformance.Request{
				{Name: "tls12 resumes", Exchange: resumption(v12, 3)},
			},
		},
		{
			Name:  "ssl_session_ticket_key 80 bytes, TLSv1.3 on",
			Conf:  `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert + ` ssl_protocols TLSv1.2 TLSv1.3; ssl_session_ticket_key {{DIR}}/k80; ` + vars + ` }`,
			Files: files,
			Requests: []conformance.Request{
				{Name: "tls12 resumes", Exchange: resumption(v12, 2)},
				{Name: "tls13 resumes", Exchange: resumption(v13, 2)},
			},
		},
		{
			Name:  "two ssl_session_ticket_key files",
			Conf:  `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert + ` ssl_session_ticket_key {{DIR}}/k48b; ssl_session_ticket_key {{DIR}}/k48a; ` + vars + ` }`,
			Files: files,
			Requests: []conformance.Request{
				{Name: "tls12 resumes", Exchange: resumption(v12, 2)},
			},
		},
		{
			Name:  "ssl_session_ticket_key in http, tickets off in the server",
			Conf:  `ssl_session_ticket_key {{DIR}}/k48a; server { listen 127.0.0.1:{{PORT}} ssl; ` + cert + ` ssl_session_tickets off; ` + vars + ` }`,
			Files: files,
			Requests: []conformance.Request{
				{Name: "tls12 not resumed", Exchange: resumption(v12, 2)},
			},
		},
		{
			Name:  "ssl_stapling_file",
			Conf:  `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert + ` ssl_protocols TLSv1.2 TLSv1.3; ssl_stapling on; ssl_stapling_file {{DIR}}/ocsp.der; ` + vars + ` }`,
			Files: files,
			Requests: []conformance.Request{
				{Name: "tls12 staple", Exchange: stapled(v12)},
				{Name: "tls13 staple", Exchange: stapled(v13)},
			},
		},
		{
			Name:  "ssl_stapling_file with stapling off",
			Conf:  `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert + ` ssl_stapling off; ssl_stapling_file {{DIR}}/ocsp.der; ` + vars + ` }`,
			Files: files,
			Requests: []conformance.Request{
				{Name: "no staple", Exchange: stapled(v12)},
			},
		},
	}
	// A session offered to another server block of the same address
	// (the client caches one session whatever the name).
	two := func(first, second, httpExtra, firstExtra, secondExtra string) string {
		srv := func(name, certName, extra string) string {
			return `server { listen 127.0.0.1:{{PORT}} ssl; server_name ` + name + `; ssl_certificate {{DIR}}/` + certName + `.crt; ssl_certificate_key {{DIR}}/` + certName + `.key; ` + extra + vars + ` }`
		}
		return "ssl_protocols TLSv1.2 TLSv1.3; " + httpExtra + srv("a.test", first, firstExtra) + srv("b.test", second, secondExtra)
	}
	for _, c := range []struct{ name, conf string }{
		// Both RSA: a session of an ECDSA server is not resumed at an
		// RSA one (README, differences).
		{"other certificate", two("a.test", "default.test", "", "", "")},
		{"other certificate, shared key file", two("a.test", "default.test", "ssl_session_ticket_key {{DIR}}/k48a; ", "", "")},
		{"other certificate, key file of its own", two("a.test", "default.test", "", "", "ssl_session_ticket_key {{DIR}}/k80; ")},
		{"same certificate", two("a.test", "a.test", "", "", "")},
		{"same certificate, tickets off there", two("a.test", "a.test", "", "", "ssl_session_tickets off; ")},
		{"same certificate, tickets off in the default server", two("a.test", "a.test", "", "ssl_session_tickets off; ", "")},
		{"same certificate, shared key file", two("a.test", "a.test", "ssl_session_ticket_key {{DIR}}/k48a; ", "", "")},
	} {
		cases = append(cases, conformance.Case{
			Name: "session offered to another server: " + c.name, Conf: c.conf, Files: files,
			Requests: []conformance.Request{
				{Name: "tls12", Exchange: crossResumption(v12)},
				{Name: "tls13", Exchange: crossResumption(v13)},
			},
		})
	}
	conformance.Run(t, cases)
}

// stickyCache is a client session cache of one session, offered to any
// server name.
type stickyCache struct {
	mu sync.Mutex
	cs *tls.ClientSessionState
}

func (c *stickyCache) Get(string) (*tls.ClientSessionState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cs, c.cs != nil
}

func (c *stickyCache) Put(_ string, cs *tls.ClientSessionState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cs != nil {
		c.cs = cs
	}
}

// crossResumption connects with SNI a.test, then with b.test offering
// a.test's session, then a.test again; then, afresh, twice to b.test.
func crossResumption(version uint16) func(net.Conn) string {
	return func(c net.Conn) string {
		cache := &stickyCache{}
		var out []string
		for i, name := range []string{"a.test", "b.test", "a.test", "", "b.test", "b.test"} {
			if name == "" {
				cache = &stickyCache{}
				continue
			}
			conn := c
			if i > 0 {
				var err error
				if conn, err = net.Dial("tcp", c.RemoteAddr().String()); err != nil {
					return err.Error()
				}
			}
			conf := &tls.Config{InsecureSkipVerify: true, ServerName: name, MaxVersion: version, ClientSessionCache: cache}
			out = append(out, name+" "+tlsGet(conn, conf))
			conn.Close()
		}
		return strings.Join(out, "\n")
	}
}

// resumption makes n TLS connections to the server with one client
// session cache (the first on c, the others dialled to the same
// address) and reports, for each, whether the handshake resumed and the
// server's answer to a GET.
func resumption(version uint16, n int) func(net.Conn) string {
	return func(c net.Conn) string {
		conf := &tls.Config{InsecureSkipVerify: true, ServerName: "default.test", MaxVersion: version,
			ClientSessionCache: tls.NewLRUClientSessionCache(4)}
		var out []string
		for i := range n {
			conn := c
			if i > 0 {
				var err error
				if conn, err = net.Dial("tcp", c.RemoteAddr().String()); err != nil {
					return err.Error()
				}
			}
			out = append(out, tlsGet(conn, conf))
			conn.Close()
		}
		return strings.Join(out, "\n")
	}
}

// stapled reports the OCSP response the server stapled, and its answer.
func stapled(version uint16) func(net.Conn) string {
	return func(c net.Conn) string {
		conf := &tls.Config{InsecureSkipVerify: true, ServerName: "default.test", MaxVersion: version}
		var staple []byte
		conf.VerifyConnection = func(cs tls.ConnectionState) error {
			staple = cs.OCSPResponse
			return nil
		}
		answer := tlsGet(c, conf)
		return fmt.Sprintf("staple %x\n%s", staple, answer)
	}
}

// tlsGet sends "GET /" over a TLS connection and returns whether the
// handshake resumed a session and the response's last line.
func tlsGet(c net.Conn, conf *tls.Config) string {
	c.SetDeadline(time.Now().Add(10 * time.Second))
	tc := tls.Client(c, conf)
	if err := tc.Handshake(); err != nil {
		return "handshake: " + err.Error()
	}
	if _, err := io.WriteString(tc, "GET / HTTP/1.0\r\nHost: default.test\r\n\r\n"); err != nil {
		return err.Error()
	}
	// Reading to the end also reads TLS 1.3's NewSessionTicket.
	b, _ := io.ReadAll(tc)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return fmt.Sprintf("resumed=%v %s", tc.ConnectionState().DidResume, lines[len(lines)-1])
}
