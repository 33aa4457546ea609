package frontdesk_test

// TLS to upstreams (issue 9): proxy_pass https:// and the proxy_ssl_*
// directives on real nginx and on frontdesk, against a TLS backend that
// reports what was negotiated with it.

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"testing"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

// tlsBackend serves cert over TLS (up to max) and answers every request
// with the SNI name, protocol and suite the proxy negotiated.
func tlsBackend(cert tls.Certificate, max uint16) *conformance.Backend {
	return &conformance.Backend{
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, MaxVersion: max},
		Serve: func(c net.Conn, _ *bufio.Reader, _ []byte) {
			cs := c.(*tls.Conn).ConnectionState()
			body := fmt.Sprintf("sni=%q %s %s\n", cs.ServerName, frontdesk.TLSVersionName(cs.Version), frontdesk.OpenSSLCipherName(cs.CipherSuite))
			if len(cs.PeerCertificates) > 0 {
				body += "client " + cs.PeerCertificates[0].Subject.String() + "\n"
			}
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
		},
	}
}

func TestConformanceTLSUpstreams(t *testing.T) {
	p := getPKI(t)
	reqs := func(extra ...conformance.Request) []conformance.Request {
		return append([]conformance.Request{
			{Target: "/"},
			{Target: "/path/x?y=1", Header: []string{"Host: www.test"}},
			{Name: "POST", Method: "POST", Target: "/form", Body: "a=1&b=2"},
			{Name: "HEAD", Method: "HEAD", Target: "/"},
		}, extra...)
	}
	one := func(name, conf string, max uint16, cert string, rs []conformance.Request) conformance.Case {
		return conformance.Case{
			Name:     name,
			Conf:     `server { listen 127.0.0.1:{{PORT}}; location / { ` + conf + ` } }`,
			Files:    p.files,
			Backend:  tlsBackend(p.servers[cert], max),
			Requests: rs,
		}
	}
	const v12, v13 = tls.VersionTLS12, tls.VersionTLS13
	cases := []conformance.Case{
		one("defaults: no verify, no SNI, TLS 1.2", `proxy_pass https://{{BACKEND}};`, v13, "a.test", reqs()),
		one("proxy_pass with URI", `proxy_pass https://{{BACKEND}}/base/;`, v13, "a.test", reqs()),
		one("proxy_ssl_verify trusted, name matches", `proxy_pass https://{{BACKEND}}; proxy_ssl_verify on;
			proxy_ssl_trusted_certificate {{DIR}}/ca.crt; proxy_ssl_name a.test;`, v13, "a.test", reqs()),
		one("proxy_ssl_verify trusted, name differs", `proxy_pass https://{{BACKEND}}; proxy_ssl_verify on;
			proxy_ssl_trusted_certificate {{DIR}}/ca.crt; proxy_ssl_name b.test;`, v13, "a.test", reqs()),
		one("proxy_ssl_verify other CA", `proxy_pass https://{{BACKEND}}; proxy_ssl_verify on;
			proxy_ssl_trusted_certificate {{DIR}}/other-ca.crt; proxy_ssl_name a.test;`, v13, "a.test", reqs()),
		one("proxy_ssl_server_name with proxy_ssl_name", `proxy_pass https://{{BACKEND}}; proxy_ssl_server_name on; proxy_ssl_name a.test;`, v13, "a.test", reqs()),
		one("proxy_ssl_server_name with an IP $proxy_host", `proxy_pass https://{{BACKEND}}; proxy_ssl_server_name on;`, v13, "a.test", reqs()),
		one("proxy_ssl_name from a variable", `proxy_pass https://{{BACKEND}}; proxy_ssl_server_name on; proxy_ssl_name $host;`, v13, "a.test",
			[]conformance.Request{{Target: "/", Header: []string{"Host: a.test"}}, {Target: "/", Header: []string{"Host: other.test"}}}),
		one("proxy_ssl_protocols TLSv1.2 TLSv1.3", `proxy_pass https://{{BACKEND}}; proxy_ssl_protocols TLSv1.2 TLSv1.3;`, v13, "a.test", reqs()),
		one("proxy_ssl_protocols TLSv1.3 to a TLS 1.2 backend", `proxy_pass https://{{BACKEND}}; proxy_ssl_protocols TLSv1.3;`, v12, "a.test", reqs()),
		one("proxy_ssl_ciphers", `proxy_pass https://{{BACKEND}}; proxy_ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384;`, v12, "a.test", reqs()),
		one("ECDSA backend", `proxy_pass https://{{BACKEND}}; proxy_ssl_session_reuse off;`, v12, "b.test", reqs()),
		{
			Name: "upstream block name as SNI and verified name",
			Conf: `upstream a.test { server {{BACKEND}}; }
				server { listen 127.0.0.1:{{PORT}};
					location / { proxy_pass https://a.test; proxy_ssl_server_name on; proxy_ssl_verify on;
						proxy_ssl_trusted_certificate {{DIR}}/ca.crt; proxy_ssl_verify_depth 2; }
					location /plain { proxy_pass https://a.test; } }`,
			Files:    p.files,
			Backend:  tlsBackend(p.servers["a.test"], v13),
			Requests: reqs(conformance.Request{Target: "/plain/x"}),
		},
		{
			Name: "proxy_ssl_certificate to a backend that asks for one",
			Conf: `server { listen 127.0.0.1:{{PORT}};
					location / { proxy_pass https://{{BACKEND}}; proxy_ssl_certificate {{DIR}}/client.crt; proxy_ssl_certificate_key {{DIR}}/client.key; }
					location /none { proxy_pass https://{{BACKEND}}; } }`,
			Files: p.files,
			Backend: func() *conformance.Backend {
				b := tlsBackend(p.servers["a.test"], v13)
				b.TLS.ClientAuth, b.TLS.ClientCAs = tls.VerifyClientCertIfGiven, p.caPool
				return b
			}(),
			Requests: reqs(conformance.Request{Target: "/none"}),
		},
		{
			Name: "inherited from server level",
			Conf: `server { listen 127.0.0.1:{{PORT}}; proxy_ssl_server_name on; proxy_ssl_name b.test;
					location / { proxy_pass https://{{BACKEND}}; }
					location /own { proxy_pass https://{{BACKEND}}; proxy_ssl_name own.test; } }`,
			Files:    p.files,
			Backend:  tlsBackend(p.servers["b.test"], v13),
			Requests: []conformance.Request{{Target: "/"}, {Target: "/own/x"}},
		},
	}
	conformance.Run(t, cases)
}
