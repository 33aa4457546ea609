package frontdesk_test

// HTTP/2 (issue 9): "listen … ssl http2" (nginx 1.22's syntax) served by
// net/http's HTTP/2 server after ALPN, compared with nginx through
// net/http's HTTP/2 client.

import (
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

func TestConformanceHTTP2(t *testing.T) {
	p := getPKI(t)
	h2 := func() *tls.Config {
		return &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}}
	}
	cert := `ssl_certificate {{DIR}}/default.test.crt; ssl_certificate_key {{DIR}}/default.test.key;`
	files := map[string]string{"site/index.html": "<h1>home</h1>\n", "site/a.txt": "text file\n"}
	for k, v := range p.files {
		files[k] = v
	}
	cases := []conformance.Case{
		{
			Name: "listen ssl http2",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl http2; server_name h2.test; ` + cert + `
				http2_max_concurrent_streams 64; http2_recv_timeout 10s; http2_idle_timeout 1m; http2_chunk_size 8k;
				root {{DIR}}/site;
				location = /vars { return 200 "$server_protocol $scheme $https $ssl_protocol $http_host $host\n"; }
				location = /redir { return 301 /elsewhere; }
				location /proxy/ { proxy_pass http://{{BACKEND}}/; proxy_set_header Host $host; } }`,
			Files:   files,
			Backend: &conformance.Backend{},
			Requests: []conformance.Request{
				{Name: "vars", Target: "/vars", TLS: h2()},
				{Name: "vars with Host", Target: "/vars", Header: []string{"Host: h2.test"}, TLS: h2()},
				{Name: "static index", Target: "/", TLS: h2()},
				{Name: "static file", Target: "/a.txt", TLS: h2()},
				{Name: "HEAD static", Method: "HEAD", Target: "/a.txt", TLS: h2()},
				{Name: "range", Target: "/a.txt", Header: []string{"Range: bytes=0-3"}, TLS: h2()},
				{Name: "not found", Target: "/missing", TLS: h2()},
				{Name: "redirect", Target: "/redir", Header: []string{"Host: h2.test"}, TLS: h2()},
				// The client's headers go upstream in lower case as nginx
				// sends them, but sorted: net/http's HTTP/2 server loses
				// their order (README, differences). "A-Test" sorts where
				// Go's client sends it, before its own two.
				{Name: "proxied GET", Target: "/proxy/x?y=1", Header: []string{"Host: h2.test", "A-Test: 1"}, TLS: h2()},
				{Name: "proxied POST", Method: "POST", Target: "/proxy/form", Body: "a=1", Header: []string{"Host: h2.test"}, TLS: h2()},
				{Name: "proxied HEAD", Method: "HEAD", Target: "/proxy/h", TLS: h2()},
			},
		},
		{
			Name:     "SETTINGS_MAX_CONCURRENT_STREAMS default",
			Conf:     `server { listen 127.0.0.1:{{PORT}} ssl http2; ` + cert + ` location / { return 200; } }`,
			Files:    p.files,
			Requests: []conformance.Request{{Name: "settings", Exchange: h2Settings}},
		},
		{
			Name:     "http2_max_concurrent_streams",
			Conf:     `server { listen 127.0.0.1:{{PORT}} ssl http2; ` + cert + ` http2_max_concurrent_streams 7; location / { return 200; } }`,
			Files:    p.files,
			Requests: []conformance.Request{{Name: "settings", Exchange: h2Settings}},
		},
		{
			Name: "listen ssl without http2: h2 not offered",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl; ` + cert + `
				location / { return 200 "$server_protocol\n"; } }`,
			Files: p.files,
			Requests: []conformance.Request{
				{Name: "h2 client falls back", Target: "/", TLS: h2()},
			},
		},
	}
	conformance.Run(t, cases)
}

// h2Settings opens an h2 connection and reports the server's
// SETTINGS_MAX_CONCURRENT_STREAMS (the other settings are the two
// implementations' own buffer sizes).
func h2Settings(c net.Conn) string {
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, ServerName: "localhost", NextProtos: []string{"h2"}})
	if err := tc.Handshake(); err != nil {
		return "handshake: " + err.Error()
	}
	if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
		return "alpn " + p
	}
	// The client preface and an empty SETTINGS frame.
	if _, err := io.WriteString(tc, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00"); err != nil {
		return err.Error()
	}
	var head [9]byte
	if _, err := io.ReadFull(tc, head[:]); err != nil {
		return err.Error()
	}
	n := int(head[0])<<16 | int(head[1])<<8 | int(head[2])
	if head[3] != 4 {
		return fmt.Sprintf("first frame type %d", head[3])
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(tc, payload); err != nil {
		return err.Error()
	}
	for i := 0; i+6 <= len(payload); i += 6 {
		if binary.BigEndian.Uint16(payload[i:]) == 3 {
			return fmt.Sprintf("max concurrent streams %d", binary.BigEndian.Uint32(payload[i+2:]))
		}
	}
	return "no max concurrent streams"
}
