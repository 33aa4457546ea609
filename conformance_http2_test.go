package frontdesk_test

// HTTP/2 (issue 9): "listen … ssl http2" (nginx 1.22's syntax) served by
// net/http's HTTP/2 server after ALPN, compared with nginx through
// net/http's HTTP/2 client; "listen … http2" without ssl (h2c, prior
// knowledge only) through net/http's HTTP/2 client on a plain connection.

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/http2"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

func TestConformanceHTTP2(t *testing.T) {
	p := getPKI(t)
	h2 := func() *tls.Config {
		return &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}}
	}
	cert := `ssl_certificate {{DIR}}/default.test.crt; ssl_certificate_key {{DIR}}/default.test.key;`
	files := map[string]string{
		"site/index.html":       "<h1>home</h1>\n",
		"site/a.txt":            "text file\n",
		"site/dir/index.html":   "<p>dir</p>\n",
		"site/404.html":         "<p>custom not found</p>\n",
		"site/try/x.txt":        "try x\n",
		"site/try/fallback.txt": "fallback\n",
		"site/long.txt":         strings.Repeat("a line of compressible text\n", 500),
		"site/big.bin":          strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyz\n", 9000),
	}
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
			Name: "static, errors, headers and rewrites",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl http2; server_name h2.test; ` + cert + `
				root {{DIR}}/site;
				error_page 404 /404.html;
				location = /404.html { internal; }
				location = /forbidden { return 403; }
				location = /teapot { return 418 "short and stout\n"; }
				location = /gone { error_page 410 /404.html; return 410; }
				location = /found { error_page 404 =200 /a.txt; return 404; }
				location = /fivehundred { error_page 500 @named; return 500; }
				location @named { return 200 "named $uri\n"; }
				location = /temp { return 302 https://h2.test/there; }
				location /hdr/ { add_header X-H2 "yes"; add_header X-Always "on" always; alias {{DIR}}/site/; }
				location = /missing-hdr { add_header X-H2 "yes"; add_header X-Always "on" always; return 404 "no\n"; }
				location /old/ { rewrite ^/old/(.*)$ /new/$1 permanent; }
				location /tmp/ { rewrite ^/tmp/(.*)$ /new/$1 redirect; }
				location /inner/ { rewrite ^/inner/(.*)$ /echo/$1 last; }
				location /echo/ { return 200 "uri=$uri args=$args method=$request_method ru=$request_uri\n"; }
				location /try/ { try_files $uri /try/fallback.txt; }
				location = /cl { return 200 "cl=$content_length ct=$content_type ua=$http_user_agent\n"; }
				location = /big.bin { expires 1h; }
			}`,
			Files: files,
			Setup: setup(nil),
			Requests: []conformance.Request{
				{Name: "index.html", Target: "/index.html", TLS: h2()},
				{Name: "directory redirect", Target: "/dir", Header: []string{"Host: h2.test"}, TLS: h2()},
				{Name: "directory index", Target: "/dir/", TLS: h2()},
				{Name: "custom 404", Target: "/nothing", TLS: h2()},
				{Name: "HEAD custom 404", Method: "HEAD", Target: "/nothing", TLS: h2()},
				{Name: "If-Modified-Since 304", Target: "/a.txt", Header: []string{"If-Modified-Since: " + pinnedDate}, TLS: h2()},
				{Name: "If-None-Match 304", Target: "/a.txt", Header: []string{"If-None-Match: " + etagOf("text file\n")}, TLS: h2()},
				{Name: "If-None-Match other", Target: "/a.txt", Header: []string{`If-None-Match: "nope"`}, TLS: h2()},
				{Name: "suffix range", Target: "/a.txt", Header: []string{"Range: bytes=-4"}, TLS: h2()},
				{Name: "open range", Target: "/a.txt", Header: []string{"Range: bytes=5-"}, TLS: h2()},
				{Name: "unsatisfiable range", Target: "/a.txt", Header: []string{"Range: bytes=100-200"}, TLS: h2()},
				{Name: "If-Range stale", Target: "/a.txt", Header: []string{"Range: bytes=0-3", `If-Range: "old"`}, TLS: h2()},
				{Name: "large file", Target: "/big.bin", TLS: h2()},
				{Name: "large file range", Target: "/big.bin", Header: []string{"Range: bytes=100000-100099"}, TLS: h2()},
				{Name: "return 403", Target: "/forbidden", TLS: h2()},
				{Name: "return 418 text", Target: "/teapot", TLS: h2()},
				{Name: "error_page 410", Target: "/gone", TLS: h2()},
				{Name: "error_page =200", Target: "/found", TLS: h2()},
				{Name: "error_page named", Target: "/fivehundred", TLS: h2()},
				{Name: "return 302 absolute", Target: "/temp", TLS: h2()},
				{Name: "add_header 200", Target: "/hdr/a.txt", Compare: []string{"X-H2", "X-Always"}, TLS: h2()},
				{Name: "add_header 404", Target: "/missing-hdr", Compare: []string{"X-H2", "X-Always"}, TLS: h2()},
				{Name: "rewrite permanent", Target: "/old/p?q=1", Header: []string{"Host: h2.test"}, TLS: h2()},
				{Name: "rewrite redirect", Target: "/tmp/p", Header: []string{"Host: h2.test"}, TLS: h2()},
				{Name: "rewrite last", Target: "/inner/p?q=1", TLS: h2()},
				{Name: "try_files hit", Target: "/try/x.txt", TLS: h2()},
				{Name: "try_files fallback", Target: "/try/none", TLS: h2()},
				{Name: "request variables", Target: "/cl", Header: []string{"User-Agent: h2-test"}, TLS: h2()},
				{Name: "POST to static", Method: "POST", Target: "/a.txt", Body: "x=1", TLS: h2()},
				{Name: "POST to return", Method: "POST", Target: "/cl", Body: "hello", Header: []string{"Content-Type: text/plain", "User-Agent: h2-test"}, TLS: h2()},
			},
		},
		{
			Name: "gzip",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl http2; ` + cert + `
				root {{DIR}}/site; gzip on; gzip_types text/plain; gzip_min_length 10; gzip_vary on; }`,
			Files: files,
			Setup: setup(nil),
			Requests: []conformance.Request{
				// Go's client asks for gzip and undoes it: the bodies and
				// Vary agree, Content-Length is gone from both.
				{Name: "gzip text", Target: "/long.txt", Compare: []string{"Vary"}, TLS: h2()},
				{Name: "gzip html", Target: "/index.html", Compare: []string{"Vary"}, TLS: h2()},
			},
		},
		{
			Name: "proxy",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl http2; server_name h2.test; ` + cert + `
				location / { proxy_pass http://{{BACKEND}}; }
				location /set/ { proxy_pass http://{{BACKEND}}/; proxy_set_header X-Proto $server_protocol; proxy_set_header Host up.test; } }`,
			Backend: &conformance.Backend{},
			Files:   p.files,
			Requests: []conformance.Request{
				{Name: "proxied default Host", Target: "/p?x=1", TLS: h2()},
				{Name: "proxied set headers", Target: "/set/p", TLS: h2()},
				{Name: "proxied large POST", Method: "POST", Target: "/post", Body: strings.Repeat("0123456789abcdef", 4096), TLS: h2()},
				{Name: "proxied PUT", Method: "PUT", Target: "/put", Body: "put body", TLS: h2()},
			},
		},
		{
			Name: "servers by :authority and SNI",
			Conf: `server { listen 127.0.0.1:{{PORT}} ssl http2 default_server; server_name a.test; ssl_certificate {{DIR}}/a.test.crt; ssl_certificate_key {{DIR}}/a.test.key;
					location / { return 200 "a $host $ssl_server_name\n"; } }
				server { listen 127.0.0.1:{{PORT}} ssl http2; server_name b.test; ssl_certificate {{DIR}}/b.test.crt; ssl_certificate_key {{DIR}}/b.test.key;
					location / { return 200 "b $host $ssl_server_name\n"; } }`,
			Files: p.files,
			Requests: []conformance.Request{
				{Name: "a by SNI and authority", Target: "/", Header: []string{"Host: a.test"}, TLS: sniH2("a.test")},
				{Name: "b by SNI and authority", Target: "/", Header: []string{"Host: b.test"}, TLS: sniH2("b.test")},
				{Name: "no SNI, authority b", Target: "/", Header: []string{"Host: b.test"}, TLS: h2()},
				{Name: "unknown authority", Target: "/", Header: []string{"Host: c.test"}, TLS: sniH2("c.test")},
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
			Name:     "http2_max_concurrent_streams 1 in http",
			Conf:     `http2_max_concurrent_streams 1; server { listen 127.0.0.1:{{PORT}} ssl http2; ` + cert + ` location / { return 200; } }`,
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

// TestConformanceH2C compares HTTP/2 on a plain "listen … http2" address:
// nginx 1.22 speaks HTTP/2 there with prior knowledge only (no Upgrade:
// h2c), and answers anything else with a GOAWAY.
func TestConformanceH2C(t *testing.T) {
	files := map[string]string{
		"site/index.html": "<h1>home</h1>\n",
		"site/a.txt":      "text file\n",
		"site/dir/x.txt":  "x\n",
	}
	cases := []conformance.Case{
		{
			Name: "listen http2 without ssl",
			Conf: `server { listen 127.0.0.1:{{PORT}} http2; server_name h2c.test; root {{DIR}}/site;
				location = /vars { return 200 "$server_protocol $scheme [$https] $http_host $host $request_method $content_length\n"; }
				location = /redir { return 301 /elsewhere; }
				location /proxy/ { proxy_pass http://{{BACKEND}}/; } }`,
			Files:   files,
			Setup:   setup(nil),
			Backend: &conformance.Backend{},
			Requests: []conformance.Request{
				{Name: "vars", Exchange: h2cRequest("GET", "/vars", "")},
				{Name: "vars with authority", Exchange: h2cRequest("GET", "/vars", "", "Host: h2c.test")},
				{Name: "POST vars", Exchange: h2cRequest("POST", "/vars", "abc")},
				{Name: "static index", Exchange: h2cRequest("GET", "/", "")},
				{Name: "static file", Exchange: h2cRequest("GET", "/a.txt", "")},
				{Name: "HEAD static", Exchange: h2cRequest("HEAD", "/a.txt", "")},
				{Name: "range", Exchange: h2cRequest("GET", "/a.txt", "", "Range: bytes=2-5")},
				{Name: "If-Modified-Since", Exchange: h2cRequest("GET", "/a.txt", "", "If-Modified-Since: "+pinnedDate)},
				{Name: "not found", Exchange: h2cRequest("GET", "/missing", "")},
				{Name: "directory redirect", Exchange: h2cRequest("GET", "/dir", "", "Host: h2c.test")},
				{Name: "return 301", Exchange: h2cRequest("GET", "/redir", "", "Host: h2c.test")},
				{Name: "proxied GET", Exchange: h2cRequest("GET", "/proxy/p?q=1", "", "Host: h2c.test")},
				// Client headers go upstream sorted (README, differences):
				// the ones Go's client sends are in that order already.
				{Name: "proxied POST", Exchange: h2cRequest("POST", "/proxy/form", "a=1&b=2", "Host: h2c.test")},
				{Name: "HTTP/1.1 request", Exchange: h2cRaw("GET / HTTP/1.1\r\nHost: h2c.test\r\n\r\n")},
				{Name: "HTTP/1.0 request", Exchange: h2cRaw("GET / HTTP/1.0\r\n\r\n")},
				{Name: "preface cut short", Exchange: h2cRaw("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n")},
				{Name: "settings", Exchange: func(c net.Conn) string { return h2SettingsOf(c) }},
			},
		},
		{
			Name: "listen http2 without ssl, http2_max_concurrent_streams",
			Conf: `server { listen 127.0.0.1:{{PORT}} http2; http2_max_concurrent_streams 9; location / { return 200 "$server_protocol\n"; } }`,
			Requests: []conformance.Request{
				{Name: "settings", Exchange: func(c net.Conn) string { return h2SettingsOf(c) }},
				{Name: "HTTP/1.1 request", Exchange: h2cRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n")},
				{Name: "request", Exchange: h2cRequest("GET", "/", "")},
			},
		},
		{
			Name: "plain address, http2 on one of its listens",
			Conf: `server { listen 127.0.0.1:{{PORT}} default_server; location / { return 200 "a $server_protocol\n"; } }
				server { listen 127.0.0.1:{{PORT}} http2; server_name b.test; location / { return 200 "b $server_protocol\n"; } }`,
			Requests: []conformance.Request{
				{Name: "default server over h2c", Exchange: h2cRequest("GET", "/", "")},
				{Name: "named server over h2c", Exchange: h2cRequest("GET", "/", "", "Host: b.test")},
				{Name: "HTTP/1.1 request", Exchange: h2cRaw("GET / HTTP/1.1\r\nHost: b.test\r\n\r\n")},
			},
		},
	}
	conformance.Run(t, cases)
}

// h2cRequest sends one request over HTTP/2 with prior knowledge (the
// client preface straight away, no TLS) and returns a transcript: status,
// the compared headers and the body. Header lines name the :authority
// with "Host:" (default "localhost").
func h2cRequest(method, target, body string, header ...string) func(net.Conn) string {
	return func(c net.Conn) string {
		var h2c http.Protocols
		h2c.SetUnencryptedHTTP2(true)
		tr := &http.Transport{Protocols: &h2c, DialContext: func(context.Context, string, string) (net.Conn, error) { return c, nil }}
		cc, err := tr.NewClientConn(context.Background(), "http", "localhost:80")
		if err != nil {
			return "client: " + err.Error()
		}
		defer cc.Close()
		var rb io.Reader
		if body != "" {
			rb = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, "http://localhost"+target, rb)
		if err != nil {
			return err.Error()
		}
		for _, h := range header {
			name, v, _ := strings.Cut(h, ":")
			if v = strings.TrimSpace(v); strings.EqualFold(name, "Host") {
				req.Host = v
			} else {
				req.Header.Add(name, v)
			}
		}
		resp, err := cc.RoundTrip(req)
		if err != nil {
			return "round trip: " + err.Error()
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return "body: " + err.Error()
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, "%s %d\n", resp.Proto, resp.StatusCode)
		for _, h := range conformance.DefaultCompared {
			if vs := resp.Header.Values(h); len(vs) > 0 {
				fmt.Fprintf(&sb, "%s: %s\n", h, strings.Join(vs, " | "))
			}
		}
		sb.WriteString("\n")
		sb.Write(b)
		return sb.String()
	}
}

// h2cRaw sends raw bytes to an HTTP/2-only address and returns the
// frames that come back until the server closes: type, and the SETTINGS
// values and GOAWAY error code.
func h2cRaw(raw string) func(net.Conn) string {
	return func(c net.Conn) string {
		if _, err := io.WriteString(c, raw); err != nil {
			return err.Error()
		}
		fr := http2.NewFramer(io.Discard, c)
		var out []string
		for {
			f, err := fr.ReadFrame()
			if err != nil {
				out = append(out, "end: "+strings.TrimPrefix(err.Error(), "read "))
				return strings.Join(out, "\n")
			}
			switch f := f.(type) {
			case *http2.SettingsFrame:
				line := "SETTINGS"
				_ = f.ForeachSetting(func(s http2.Setting) error {
					line += " " + s.String()
					return nil
				})
				out = append(out, line)
			case *http2.GoAwayFrame:
				out = append(out, fmt.Sprintf("GOAWAY last=%d %v", f.LastStreamID, f.ErrCode))
			case *http2.WindowUpdateFrame:
				out = append(out, fmt.Sprintf("WINDOW_UPDATE %d", f.Increment))
			default:
				out = append(out, f.Header().Type.String())
			}
		}
	}
}

// sniH2 is an h2 client configuration sending the SNI name.
func sniH2(name string) *tls.Config {
	return &tls.Config{InsecureSkipVerify: true, ServerName: name, NextProtos: []string{"h2", "http/1.1"}}
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
	return h2SettingsOf(tc)
}

// h2SettingsOf is h2Settings over an HTTP/2 connection already set up
// (after ALPN, or plain with prior knowledge).
func h2SettingsOf(tc io.ReadWriter) string {
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
