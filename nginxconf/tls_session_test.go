package nginxconf

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
)

// tlsDir holds a certificate pair (a.crt, a.key) and the given files.
func tlsDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	c, k := selfSigned(t, "a.test")
	files["a.crt"], files["a.key"] = string(c), string(k)
	for name, data := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600))
	}
	return dir
}

// loadServer loads an http block holding server (and events {}).
func loadServer(t *testing.T, dir, server string) (*Config, error) {
	t.Helper()
	return LoadString(filepath.Join(dir, "nginx.conf"), "events {}\nhttp {\n"+server+"\n}\n", Options{Prefix: dir})
}

// handshake runs one TLS handshake with conf on a loopback connection
// and returns the client's view of it; the client reads to the end, so
// that a TLS 1.3 session ticket is received.
func handshake(t *testing.T, server, client *tls.Config) tls.ConnectionState {
	t.Helper()
	// Loopback TCP, not net.Pipe: TLS 1.3 has both sides write at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	cc, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	sc, err := ln.Accept()
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		s := tls.Server(sc, server)
		err := s.Handshake()
		if err == nil {
			_, err = s.Write([]byte("x"))
		}
		s.Close()
		done <- err
	}()
	c := tls.Client(cc, client)
	err = c.Handshake()
	if err == nil {
		_, _ = io.ReadAll(c)
	}
	c.Close()
	serr := <-done
	require.NoError(t, err, "client")
	require.NoError(t, serr, "server")
	return c.ConnectionState()
}

// TestSessionTicketKeyRotation: a session issued under one key file
// resumes under a configuration loaded again from the same file, and
// after rotation (a new file first, the old second); not once the old
// file is gone. nginx's rule: the first key encrypts, every key decrypts.
func TestSessionTicketKeyRotation(t *testing.T) {
	dir := tlsDir(t, map[string]string{
		"old.key": strings.Repeat("o", 48),
		"new.key": strings.Repeat("n", 80),
	})
	conf := func(keys ...string) *tls.Config {
		srv := `server { listen 127.0.0.1:8443 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; ssl_protocols TLSv1.2 TLSv1.3;`
		for _, k := range keys {
			srv += " ssl_session_ticket_key " + k + ";"
		}
		cfg, err := loadServer(t, dir, srv+" }")
		require.NoError(t, err)
		return cfg.TLS("127.0.0.1:8443")
	}
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			client := func() *tls.Config {
				return &tls.Config{InsecureSkipVerify: true, ServerName: "a.test", MaxVersion: version,
					ClientSessionCache: tls.NewLRUClientSessionCache(1)}
			}
			c := client()
			assert.False(t, handshake(t, conf("old.key"), c).DidResume, "first connection")
			assert.True(t, handshake(t, conf("old.key"), c).DidResume, "same file, configuration loaded again")

			c = client()
			handshake(t, conf("old.key"), c)
			assert.True(t, handshake(t, conf("new.key", "old.key"), c).DidResume, "old key second")

			c = client()
			handshake(t, conf("old.key"), c)
			assert.False(t, handshake(t, conf("new.key"), c).DidResume, "old key gone")

			c = client()
			handshake(t, conf("new.key", "old.key"), c)
			assert.True(t, handshake(t, conf("new.key"), c).DidResume, "tickets are issued with the first key")
		})
	}
}

// nginxFirstError runs nginx -t on conf in dir and returns its first
// [emerg] message ("" when it accepts the file).
func nginxFirstError(t *testing.T, dir, conf string) string {
	t.Helper()
	nginxtest.Require(t)
	bin, _ := nginxtest.Binary()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644))
	msg, err := runNginxTest(t.Context(), bin, dir)
	require.NoError(t, err)
	return msg
}

// TestSessionTicketKeyErrorsMatchNginx: a key file of the wrong size or a
// missing one is refused with nginx's message and position (the end of
// the http block, where nginx checks them).
func TestSessionTicketKeyErrorsMatchNginx(t *testing.T) {
	dir := tlsDir(t, map[string]string{"short.key": "0123456789", "good.key": strings.Repeat("g", 48)})
	for _, key := range []string{"short.key", "missing.key", "good.key"} {
		t.Run(key, func(t *testing.T) {
			conf := fmt.Sprintf("events {}\nhttp {\n server {\n  listen 127.0.0.1:8443 ssl;\n  ssl_certificate a.crt; ssl_certificate_key a.key;\n  ssl_session_ticket_key %s;\n  ssl_session_tickets off;\n }\n}\n", key)
			want := nginxFirstError(t, dir, conf)
			_, err := LoadString(filepath.Join(dir, "nginx.conf"), conf, Options{Prefix: dir + "/"})
			got := ""
			if err != nil {
				got = strings.Split(err.Error(), "\n")[0]
			}
			assert.Equal(t, want, got)
		})
	}
}

// TestStaplingFile: with ssl_stapling on, the file's response reaches the
// client (TLS 1.2 and 1.3) from every certificate; a file nginx cannot
// read or parse is refused as nginx refuses it; without a file nothing is
// stapled and -t says why.
func TestStaplingFile(t *testing.T) {
	staple := "\x30\x03\x0a\x01\x06"
	dir := tlsDir(t, map[string]string{"ocsp.der": staple, "bad.der": "junk\n"})
	srv := `server { listen 127.0.0.1:8443 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; ssl_protocols TLSv1.2 TLSv1.3; %s }`
	cfg, err := loadServer(t, dir, fmt.Sprintf(srv, "ssl_stapling on; ssl_stapling_file ocsp.der;"))
	require.NoError(t, err)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		cs := handshake(t, cfg.TLS("127.0.0.1:8443"), &tls.Config{InsecureSkipVerify: true, MaxVersion: v})
		assert.Equal(t, []byte(staple), cs.OCSPResponse, tls.VersionName(v))
	}

	cfg, err = loadServer(t, dir, fmt.Sprintf(srv, "ssl_stapling on;"))
	require.NoError(t, err)
	assert.Empty(t, handshake(t, cfg.TLS("127.0.0.1:8443"), &tls.Config{InsecureSkipVerify: true}).OCSPResponse)
	require.Len(t, cfg.Warnings, 1)
	assert.Equal(t, "ssl_stapling", cfg.Warnings[0].Directive)
	assert.Contains(t, cfg.Warnings[0].Message, "not fetched")

	cfg, err = loadServer(t, dir, fmt.Sprintf(srv, "ssl_stapling_file ocsp.der;"))
	require.NoError(t, err)
	assert.Empty(t, handshake(t, cfg.TLS("127.0.0.1:8443"), &tls.Config{InsecureSkipVerify: true}).OCSPResponse, "stapling off")

	for _, file := range []string{"bad.der", "missing.der"} {
		t.Run(file, func(t *testing.T) {
			conf := "events {}\nhttp {\n" + fmt.Sprintf(srv, "ssl_stapling on; ssl_stapling_file "+file+";") + "\n}\n"
			want := nginxFirstError(t, dir, conf)
			_, err := LoadString(filepath.Join(dir, "nginx.conf"), conf, Options{Prefix: dir + "/"})
			require.Error(t, err)
			// OpenSSL's detail in parentheses is nginx's own.
			head, _, _ := strings.Cut(want, " failed")
			assert.True(t, strings.HasPrefix(err.Error(), head+" failed"), "nginx: %s\nfrontdesk: %v", want, err)
		})
	}
}
