package nginxconf

import (
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCertTemplate(t *testing.T) {
	v := hsVars{sni: "A.test", serverName: "srv.test",
		local:  &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8443},
		remote: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 5555}}
	for _, tc := range []struct{ in, want string }{
		{"/certs/$ssl_server_name.crt", "/certs/A.test.crt"},
		{"/certs/${ssl_server_name}x.crt", "/certs/A.testx.crt"},
		{"/c/$server_name-$host-$server_addr:$server_port-$remote_addr:$remote_port", "/c/srv.test-srv.test-127.0.0.1:8443-10.0.0.2:5555"},
		{"/plain.crt", "/plain.crt"},
		{"$SSL_SERVER_NAME", "A.test"},
	} {
		parts, err := parseCertTemplate(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, expandTemplate(parts, v), tc.in)
	}
	assert.Equal(t, "/certs/.crt", expandTemplate(must(parseCertTemplate("/certs/$ssl_server_name.crt")), hsVars{}))
	for _, bad := range []string{"/certs/$uri.crt", "/c/${ssl_server_name", "/c/$.crt", "$foo"} {
		_, err := parseCertTemplate(bad)
		assert.Error(t, err, bad)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestCertLoader(t *testing.T) {
	dir := t.TempDir()
	write := func(name string) {
		c, k := selfSigned(t, name)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".crt"), c, 0o600))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".key"), k, 0o600))
	}
	write("a.test")
	write("b.test")
	l := &certLoader{dir: dir, pairs: []certTemplate{{
		cert: must(parseCertTemplate("$ssl_server_name.crt")),
		key:  must(parseCertTemplate(filepath.Join(dir, "${ssl_server_name}.key"))),
	}}}
	cn := func(c *tls.Certificate) string {
		leaf := c.Leaf
		if leaf == nil {
			t.Fatal("no leaf")
		}
		return leaf.Subject.CommonName
	}
	a, err := l.getCertificate(&tls.ClientHelloInfo{ServerName: "a.test"})
	require.NoError(t, err)
	assert.Equal(t, "a.test", cn(a))
	b, err := l.getCertificate(&tls.ClientHelloInfo{ServerName: "b.test"})
	require.NoError(t, err)
	assert.Equal(t, "b.test", cn(b))

	// Cached while the files are unchanged.
	a2, err := l.getCertificate(&tls.ClientHelloInfo{ServerName: "a.test"})
	require.NoError(t, err)
	assert.Same(t, a, a2)

	// An edited file is read again.
	old := a.Certificate[0]
	write("a.test")
	future := time.Now().Add(time.Minute)
	require.NoError(t, os.Chtimes(filepath.Join(dir, "a.test.crt"), future, future))
	a3, err := l.getCertificate(&tls.ClientHelloInfo{ServerName: "a.test"})
	require.NoError(t, err)
	assert.NotEqual(t, old, a3.Certificate[0])

	// Missing files, no SNI and names leaving the directory fail.
	for _, name := range []string{"c.test", "", "../a.test", "x/../../a.test"} {
		_, err := l.getCertificate(&tls.ClientHelloInfo{ServerName: name})
		assert.Error(t, err, name)
	}
	// A key without its certificate's match fails.
	require.NoError(t, os.Rename(filepath.Join(dir, "b.test.key"), filepath.Join(dir, "c.test.key")))
	require.NoError(t, os.Rename(filepath.Join(dir, "a.test.crt"), filepath.Join(dir, "c.test.crt")))
	_, err = l.getCertificate(&tls.ClientHelloInfo{ServerName: "c.test"})
	assert.ErrorContains(t, err, "cannot load certificate")
	_, err = l.getCertificate(&tls.ClientHelloInfo{ServerName: "b.test"})
	assert.ErrorContains(t, err, `cannot load certificate key`)
}

func TestCertLoaderFS(t *testing.T) {
	c, k := selfSigned(t, "a.test")
	fsys := fstest.MapFS{"certs/a.test.crt": {Data: c}, "certs/a.test.key": {Data: k}}
	l := &certLoader{dir: "/certs", fsys: fsys, pairs: []certTemplate{{
		cert: must(parseCertTemplate("$ssl_server_name.crt")),
		key:  must(parseCertTemplate("$ssl_server_name.key")),
	}}}
	got, err := l.getCertificate(&tls.ClientHelloInfo{ServerName: "a.test"})
	require.NoError(t, err)
	assert.Equal(t, "a.test", got.Leaf.Subject.CommonName)
	_, err = l.getCertificate(&tls.ClientHelloInfo{ServerName: "b.test"})
	assert.Error(t, err)
}

func TestLoadTLSVariableCertificate(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.test", "b.test"} {
		c, k := selfSigned(t, n)
		require.NoError(t, os.WriteFile(filepath.Join(dir, n+".crt"), c, 0o600))
		require.NoError(t, os.WriteFile(filepath.Join(dir, n+".key"), k, 0o600))
	}
	cfg, err := LoadString(filepath.Join(dir, "nginx.conf"), "events {}\nhttp {\n"+
		`server { listen 127.0.0.1:8443 ssl; server_name a.test b.test; ssl_certificate certs/../$ssl_server_name.crt; ssl_certificate_key $ssl_server_name.key; }`+
		"\n}\n", Options{Prefix: dir})
	require.NoError(t, err)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "certs"), 0o700))
	tc := cfg.TLS("127.0.0.1:8443")
	require.NotNil(t, tc)
	for _, n := range []string{"a.test", "b.test"} {
		sc, err := tc.GetConfigForClient(&tls.ClientHelloInfo{ServerName: n})
		require.NoError(t, err)
		require.NotNil(t, sc.GetCertificate)
		c, err := sc.GetCertificate(&tls.ClientHelloInfo{ServerName: n})
		require.NoError(t, err)
		assert.Equal(t, n, c.Leaf.Subject.CommonName)
	}
	_, err = tc.GetConfigForClient(&tls.ClientHelloInfo{ServerName: "c.test"})
	assert.Error(t, err)
}
