package frontdesk_test

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frontdesk-go/frontdesk"
)

// The Go API of TLS to upstreams: verification against a trusted CA with
// the name checked, SNI, and a client certificate from files.
func TestProxySSLAPI(t *testing.T) {
	p := getPKI(t)
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cn := ""
		if len(r.TLS.PeerCertificates) > 0 {
			cn = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		io.WriteString(w, "sni="+r.TLS.ServerName+" client="+cn)
	}))
	up.TLS = &tls.Config{Certificates: []tls.Certificate{p.servers["a.test"]}, ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: p.caPool}
	up.StartTLS()
	defer up.Close()

	dir := t.TempDir()
	for _, n := range []string{"client.crt", "client.key"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), []byte(p.files[n]), 0o600))
	}
	roots := p.caPool
	px, err := frontdesk.New(frontdesk.Logger(slog.New(slog.DiscardHandler)),
		frontdesk.Location("/ok", frontdesk.ProxyPass("https://"+up.Listener.Addr().String()),
			frontdesk.ProxySSLVerify(true), frontdesk.ProxySSLTrustedCertificate(roots),
			frontdesk.ProxySSLName("a.test"), frontdesk.ProxySSLServerName(true),
			frontdesk.ProxySSLCertificateFile(filepath.Join(dir, "client.crt")),
			frontdesk.ProxySSLCertificateKeyFile(filepath.Join(dir, "client.key"))),
		frontdesk.Location("/wrongname", frontdesk.ProxyPass("https://"+up.Listener.Addr().String()),
			frontdesk.ProxySSLVerify(true), frontdesk.ProxySSLTrustedCertificate(roots), frontdesk.ProxySSLName("b.test")),
		frontdesk.Location("/noverify", frontdesk.ProxyPass("https://"+up.Listener.Addr().String())),
	)
	require.NoError(t, err)
	defer px.Close()
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		px.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	code, body := get("/ok")
	assert.Equal(t, 200, code)
	assert.Equal(t, "sni=a.test client=client", body)
	code, _ = get("/wrongname")
	assert.Equal(t, http.StatusBadGateway, code)
	code, body = get("/noverify")
	assert.Equal(t, 200, code)
	assert.Equal(t, "sni= client=", body)

	_, err = frontdesk.New(frontdesk.Location("/", frontdesk.ProxyPass("https://127.0.0.1:1"), frontdesk.ProxySSLVerify(true)))
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "no proxy_ssl_trusted_certificate for proxy_ssl_verify"), err)
}
