package frontdesktest_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frontdesk-go/frontdesk/frontdesktest"
)

// The "listen 443 ssl" server of a configuration answers https:// URLs,
// with h2 where the listener says "http2".
func TestListenSSL(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "example.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600))

	n := frontdesktest.Start(t, frontdesktest.Config{Prefix: dir, Text: `
events {}
http {
    server { listen 80; server_name example.com; return 301 https://$host$request_uri; }
    server {
        listen 443 ssl http2;
        server_name example.com;
        ssl_certificate cert.pem;
        ssl_certificate_key key.pem;
        location / { return 200 "$scheme $https $ssl_protocol $server_protocol\n"; }
    }
}`})
	res, _, err := n.Do(mustRequest(t, "http://example.com/a?b"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusMovedPermanently, res.StatusCode)
	assert.Equal(t, "https://example.com/a?b", res.Header.Get("Location"))

	res, _, err = n.Do(mustRequest(t, "https://example.com/"))
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	assert.Equal(t, "https on TLSv1.2 HTTP/2.0\n", string(body))
	assert.Equal(t, "https://"+n.Addr("443"), n.URL("443"))
}

func mustRequest(t *testing.T, url string) *http.Request {
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	return req
}
