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

// proxy_pass https:// with variables: the host is an upstream block, an
// address or a name nginx's resolver looks up per request; proxy_ssl_*
// apply with the evaluated $proxy_host, and sessions are reused per peer
// of a pool but never for a request's own resolved peers.
func TestConformanceProxyTLSVariables(t *testing.T) {
	p := getPKI(t)
	b := &conformance.Backend{
		TLS: &tls.Config{Certificates: []tls.Certificate{p.servers["a.test"]}},
		Serve: func(c net.Conn, _ *bufio.Reader, _ []byte) {
			cs := c.(*tls.Conn).ConnectionState()
			body := fmt.Sprintf("sni=%q %s resumed=%t\n", cs.ServerName, frontdesk.TLSVersionName(cs.Version), cs.DidResume)
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
		},
	}
	verify := `proxy_ssl_verify on; proxy_ssl_trusted_certificate {{DIR}}/ca.crt; proxy_ssl_verify_depth 2;`
	r := func(name, target string) conformance.Request {
		return conformance.Request{Name: name, Target: target}
	}
	conformance.Run(t, []conformance.Case{{
		Name: "https with variables",
		Conf: `upstream a.test { server {{BACKEND1}}; }
			server { listen 127.0.0.1:{{PORT}};
				location /var/ { proxy_pass https://$arg_h$request_uri; }
				location /sni/ { proxy_pass https://$arg_h; proxy_ssl_server_name on; ` + verify + ` }
				location /res/ { resolver {{DNS}}; proxy_pass https://$arg_h:{{BACKEND1_PORT}}$uri; proxy_ssl_server_name on; ` + verify + ` }
				location /name/ { resolver {{DNS}}; proxy_pass https://$arg_h; proxy_ssl_server_name on; proxy_ssl_name $arg_n; ` + verify + ` }
				location /off/ { proxy_pass https://$arg_h; proxy_ssl_session_reuse off; }
				location /lit/ { proxy_pass https://a.test; }
				location /v13/ { proxy_pass https://$arg_h; proxy_ssl_protocols TLSv1.3; }
			}`,
		Files:    p.files,
		Backends: []*conformance.Backend{b},
		DNS:      map[string][]string{"a.test": {"127.0.0.1"}, "b.test": {"127.0.0.1"}},
		Requests: []conformance.Request{
			r("address", "/var/x?h={{BACKEND1}}"),
			r("address again: no session kept", "/var/x?h={{BACKEND1}}"),
			r("upstream block", "/var/y?h=a.test"),
			r("upstream block: session resumed", "/var/y?h=a.test"),
			r("upstream block, other case", "/var/y?h=A.TEST"),
			r("upstream block with a port is no block", "/var/y?h=a.test:{{BACKEND1_PORT}}"),
			r("SNI and verified name from the host", "/sni/?h=a.test"),
			r("SNI, resumed", "/sni/?h=a.test"),
			r("IP host: no SNI, name mismatch", "/sni/?h={{BACKEND1}}"),
			r("resolved, verified", "/res/a%20b?h=a.test"),
			r("resolved again: no session kept", "/res/a?h=a.test"),
			r("resolved, certificate for another name", "/res/?h=b.test"),
			r("not resolved", "/res/?h=missing.test"),
			r("resolved on port 443", "/name/?h=a.test&n=a.test"),
			r("proxy_ssl_name from a variable", "/name/?h=a.test:{{BACKEND1_PORT}}&n=a.test"),
			r("proxy_ssl_name mismatch", "/name/?h=a.test:{{BACKEND1_PORT}}&n=b.test"),
			r("session reuse off", "/off/?h=a.test"),
			r("session reuse off again", "/off/?h=a.test"),
			r("literal location", "/lit/"),
			r("TLS 1.3", "/v13/?h=a.test"),
			r("TLS 1.3 ticket", "/v13/?h=a.test"),
			r("TLS 1.3 next ticket", "/v13/?h=a.test"),
			r("TLS 1.2 after a TLS 1.3 ticket", "/var/?h=a.test"),
			r("TLS 1.3 again", "/v13/?h=a.test"),
			r("no host", "/var/?h="),
		},
	}})
}
