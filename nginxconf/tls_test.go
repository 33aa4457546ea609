package nginxconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// selfSigned is a certificate and key for name, in PEM.
func selfSigned(t testing.TB, name string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

func TestParseOpenSSLCiphers(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []uint16
		dropped []string
		err     bool
	}{
		{in: "ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256", want: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, dropped: []string{"DHE-RSA-AES128-GCM-SHA256"}},
		{in: "DHE-RSA-AES128-GCM-SHA256:EDH+AESGCM", err: true, dropped: []string{"DHE-RSA-AES128-GCM-SHA256", "EDH+AESGCM"}},
		{in: "EECDH+aRSA+AESGCM:!AES256", want: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		{in: "HIGH:!aNULL:!MD5:-RSA:-CHACHA20:-SHA1:-SHA256:-SHA384:+AES256", err: true},
		{in: "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA:+AES256", want: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}},
		{in: "!AESGCM:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA", want: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}},
	} {
		got, dropped, err := ParseOpenSSLCiphers(tc.in)
		assert.Equal(t, tc.err, err != nil, tc.in)
		if !tc.err {
			assert.Equal(t, tc.want, got, tc.in)
		}
		assert.Equal(t, tc.dropped, dropped, tc.in)
	}
}

func TestLoadTLS(t *testing.T) {
	dir := t.TempDir()
	c, k := selfSigned(t, "a.test")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.crt"), c, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.key"), k, 0o600))
	load := func(server string) (*Config, error) {
		return LoadString(filepath.Join(dir, "nginx.conf"), "events {}\nhttp {\n"+server+"\n}\n", Options{Prefix: dir})
	}
	cfg, err := load(`server { listen 127.0.0.1:8443 ssl http2; ssl_certificate a.crt; ssl_certificate_key a.key;
		ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers "ECDHE-ECDSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256"; ssl_dhparam a.crt; }
		server { listen 127.0.0.1:8080; }`)
	require.NoError(t, err)
	tc := cfg.TLS("127.0.0.1:8443")
	require.NotNil(t, tc)
	assert.Equal(t, []string{"h2", "http/1.1"}, tc.NextProtos)
	assert.Equal(t, uint16(tls.VersionTLS12), tc.MinVersion)
	assert.Equal(t, uint16(tls.VersionTLS13), tc.MaxVersion)
	assert.Nil(t, cfg.TLS("127.0.0.1:8080"))
	require.Len(t, cfg.Warnings, 1)
	assert.Contains(t, cfg.Warnings[0].Message, "DHE-RSA-AES128-GCM-SHA256")

	for _, tc := range []struct{ conf, msg string }{
		{`server { listen 8443 ssl; }`, `no "ssl_certificate" is defined for the "listen ... ssl" directive`},
		{`server { listen 8443 ssl; ssl_certificate missing.crt; ssl_certificate_key a.key; }`, `cannot load certificate "missing.crt"`},
		{`server { listen 8443 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; ssl_ciphers DHE-RSA-AES128-SHA; }`, `no cipher match`},
		{`server { listen 8443 ssl; ssl_certificate $ssl_server_name.crt; ssl_certificate_key $foo.key; }`, `the "$foo" variable in "ssl_certificate"`},
		{`server { listen 8443 ssl; ssl_certificate $ssl_server_name.crt; }`, `no "ssl_certificate_key" is defined`},
		{`server { listen 8443 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; ssl_verify_client on; }`, `no ssl_client_certificate`},
	} {
		_, err := load(tc.conf)
		if assert.Error(t, err, tc.conf) {
			assert.True(t, strings.Contains(err.Error(), tc.msg), "%s: %v", tc.conf, err)
		}
	}
}
