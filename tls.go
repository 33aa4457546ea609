package frontdesk

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
)

// TLS to clients.
//
// The handshake itself is crypto/tls's: the embedder (or nginxconf, from
// ssl_* directives) builds the *tls.Config and serves the listener with
// it. What belongs to the HTTP layer is here: nginx's client-certificate
// verdicts (ssl_verify_client), which nginx gives per request after a
// handshake that never fails for a bad client certificate, and the
// $ssl_* variables.

// clientVerify is ssl_verify_client of a server.
type clientVerify struct {
	mode  string // "on", "optional", "optional_no_ca"
	roots *x509.CertPool
	depth int
}

// SSLVerifyClient mirrors nginx's ssl_verify_client with
// ssl_client_certificate (roots) and ssl_verify_depth (default 1 in nginx).
// mode is "off", "on", "optional" or "optional_no_ca". The TLS listener
// must request a client certificate without verifying it
// (tls.RequestClientCert): nginx completes the handshake whatever the
// client sends and answers the request with 400 and its 495 page ("The SSL
// certificate error") or, with "on" and no certificate, its 496 page ("No
// required SSL certificate was sent").
func SSLVerifyClient(mode string, roots *x509.CertPool, depth int) Option {
	return serverOption(func(s *serverBuilder) error {
		switch mode {
		case "off":
			s.verify = nil
			return nil
		case "on", "optional", "optional_no_ca":
		default:
			return fmt.Errorf("ssl_verify_client: invalid value %q", mode)
		}
		if roots == nil && mode != "optional_no_ca" {
			return errors.New(`no ssl_client_certificate for ssl_verify_client`)
		}
		s.verify = &clientVerify{mode: mode, roots: roots, depth: depth}
		return nil
	})
}

// result is $ssl_client_verify: "NONE", "SUCCESS" or "FAILED:reason".
func (v *clientVerify) result(cs *tls.ConnectionState) string {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return "NONE"
	}
	if v == nil {
		// Without ssl_verify_client nginx does not ask for a
		// certificate; one is never there.
		return "NONE"
	}
	leaf := cs.PeerCertificates[0]
	if v.roots == nil {
		return "FAILED:unable to get local issuer certificate"
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: v.roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return "FAILED:" + opensslVerifyError(err)
	}
	// ssl_verify_depth counts the certificates above the leaf
	// (OpenSSL's depth: the leaf is 0).
	best := -1
	for _, ch := range chains {
		if best < 0 || len(ch) < best {
			best = len(ch)
		}
	}
	if best-1 > v.depth {
		return "FAILED:certificate chain too long"
	}
	return "SUCCESS"
}

// opensslVerifyError words a chain error as OpenSSL's X509_verify_cert_error_string.
func opensslVerifyError(err error) string {
	var ui x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ui):
		return "unable to verify the first certificate"
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		return "certificate has expired"
	}
	return "certificate verify failed"
}

// checkClientCert is nginx's check in ngx_http_process_request: 495 for a
// certificate that failed verification (optional_no_ca tolerates an
// unknown issuer), 496 for a missing one under "on", 0 to go on.
func (v *clientVerify) check(cs *tls.ConnectionState) int {
	if v == nil || cs == nil {
		return 0
	}
	res := v.result(cs)
	switch {
	case res == "NONE":
		if v.mode == "on" {
			return 496
		}
	case res == "SUCCESS":
	case v.mode == "optional_no_ca" && v.roots == nil,
		v.mode == "optional_no_ca" && res == "FAILED:unable to verify the first certificate":
	default:
		return 495
	}
	return 0
}

// registerTLSVariables adds nginx's $ssl_* variables (empty on plain
// connections, as in nginx).
func registerTLSVariables(vars map[string]varGetter) {
	vars["ssl_protocol"] = func(st *reqState, _ string, d []byte) []byte {
		if cs := st.r.TLS; cs != nil {
			return append(d, TLSVersionName(cs.Version)...)
		}
		return d
	}
	vars["ssl_cipher"] = func(st *reqState, _ string, d []byte) []byte {
		if cs := st.r.TLS; cs != nil {
			return append(d, OpenSSLCipherName(cs.CipherSuite)...)
		}
		return d
	}
	vars["ssl_server_name"] = func(st *reqState, _ string, d []byte) []byte {
		if cs := st.r.TLS; cs != nil {
			return append(d, cs.ServerName...)
		}
		return d
	}
	vars["ssl_session_reused"] = func(st *reqState, _ string, d []byte) []byte {
		if cs := st.r.TLS; cs != nil {
			if cs.DidResume {
				return append(d, 'r')
			}
			return append(d, '.')
		}
		return d
	}
	vars["ssl_client_verify"] = func(st *reqState, _ string, d []byte) []byte {
		if cs := st.r.TLS; cs != nil {
			return append(d, st.srv.verify.result(cs)...)
		}
		return d
	}
	vars["ssl_client_s_dn"] = func(st *reqState, _ string, d []byte) []byte {
		if cs := st.r.TLS; cs != nil && len(cs.PeerCertificates) > 0 && st.srv.verify != nil {
			// pkix.Name.String is RFC 2253, as nginx's
			// X509_NAME_print_ex with XN_FLAG_RFC2253.
			return append(d, cs.PeerCertificates[0].Subject.String()...)
		}
		return d
	}
	vars["ssl_client_i_dn"] = func(st *reqState, _ string, d []byte) []byte {
		if cs := st.r.TLS; cs != nil && len(cs.PeerCertificates) > 0 && st.srv.verify != nil {
			return append(d, cs.PeerCertificates[0].Issuer.String()...)
		}
		return d
	}
}

// TLSVersionName is a version as OpenSSL and nginx's $ssl_protocol name it.
func TLSVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return fmt.Sprintf("unknown(%#04x)", v)
}

// OpenSSLCipherName is a suite as OpenSSL names it ($ssl_cipher).
func OpenSSLCipherName(id uint16) string {
	for name, s := range OpenSSLCiphers {
		if s == id {
			return name
		}
	}
	return tls.CipherSuiteName(id)
}

// OpenSSLCiphers maps OpenSSL's names of the suites crypto/tls implements
// to their IDs. TLS 1.3 suites keep their IANA names in OpenSSL too.
var OpenSSLCiphers = map[string]uint16{
	"ECDHE-ECDSA-AES128-GCM-SHA256": tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-RSA-AES128-GCM-SHA256":   tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-ECDSA-AES256-GCM-SHA384": tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-RSA-AES256-GCM-SHA384":   tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-ECDSA-CHACHA20-POLY1305": tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-RSA-CHACHA20-POLY1305":   tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-ECDSA-AES128-SHA256":     tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
	"ECDHE-RSA-AES128-SHA256":       tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
	"ECDHE-ECDSA-AES128-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	"ECDHE-RSA-AES128-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	"ECDHE-ECDSA-AES256-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	"ECDHE-RSA-AES256-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	"AES128-GCM-SHA256":             tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	"AES256-GCM-SHA384":             tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
	"AES128-SHA256":                 tls.TLS_RSA_WITH_AES_128_CBC_SHA256,
	"AES128-SHA":                    tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	"AES256-SHA":                    tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	"DES-CBC3-SHA":                  tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
	"ECDHE-RSA-DES-CBC3-SHA":        tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA,
	"TLS_AES_128_GCM_SHA256":        tls.TLS_AES_128_GCM_SHA256,
	"TLS_AES_256_GCM_SHA384":        tls.TLS_AES_256_GCM_SHA384,
	"TLS_CHACHA20_POLY1305_SHA256":  tls.TLS_CHACHA20_POLY1305_SHA256,
}

// sslReject answers a request whose client certificate nginx rejects.
func (st *reqState) sslReject() bool {
	if st.r.TLS == nil || st.srv.verify == nil {
		return false
	}
	if code := st.srv.verify.check(st.r.TLS); code != 0 {
		st.finalize(code)
		return true
	}
	return false
}
