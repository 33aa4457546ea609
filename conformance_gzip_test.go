package frontdesk_test

// Compression (issue 9): the gzip filter, gzip_static and the gzip_*
// conditions, on real nginx and on frontdesk. Bodies are compared after
// decompression: zlib and compress/gzip produce different bytes for the
// same input.

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

var gzipCompared = []string{"Content-Encoding", "Vary", "Transfer-Encoding"}

// gz is a compared gzip request over HTTP/1.1 (gzip_http_version's
// default) with Accept-Encoding ae ("" for none).
func gz(name, target, ae string, header ...string) conformance.Request {
	if ae != "" {
		header = append(header, "Accept-Encoding: "+ae)
	}
	return conformance.Request{Name: name, Target: target, HTTP11: true, Header: append(header, "Connection: close"), Compare: gzipCompared, Gunzip: true}
}

var gzipPage = "<html><body>" + strings.Repeat("compress me, compress me. ", 200) + "</body></html>\n"

func gzipFiles(dirs ...string) map[string]string {
	files := map[string]string{}
	for _, d := range dirs {
		files[d+"index.html"] = gzipPage
		files[d+"page.html"] = gzipPage
		files[d+"small.html"] = "<p>tiny</p>\n"
		files[d+"notes.txt"] = strings.Repeat("plain text line\n", 100)
		files[d+"data.json"] = "{\"k\": \"" + strings.Repeat("v", 500) + "\"}\n"
		files[d+"style.css"] = strings.Repeat("body { color: red; }\n", 50)
	}
	return files
}

func TestConformanceGzipFilter(t *testing.T) {
	files := gzipFiles("", "types/", "all/", "min/", "vary/", "v10/", "off/", "level/", "disable/", "etag/")
	var reqs []conformance.Request
	for _, ae := range []string{"gzip", "gzip, deflate, br", "deflate", "GZIP", "x-gzip", "gzip;q=0", "gzip;q=0.5", "gzip; q=1.0", "gzip;q=0.000", "identity, gzip", "br;q=1, gzip;q=0.8", "gzipx"} {
		reqs = append(reqs, gz("ae "+ae, "/page.html", ae))
	}
	reqs = append(reqs,
		gz("no accept-encoding", "/page.html", ""),
		gz("txt not in default types", "/notes.txt", "gzip"),
		gz("small below min length", "/small.html", "gzip"),
		gz("index", "/", "gzip"),
		gz("404 page", "/missing.html", "gzip"),
		gz("301 not compressed", "/types", "gzip"),
		gz("types txt", "/types/notes.txt", "gzip"),
		gz("types json", "/types/data.json", "gzip"),
		gz("types css not listed", "/types/style.css", "gzip"),
		gz("types html always", "/types/page.html", "gzip"),
		gz("all types", "/all/style.css", "gzip"),
		gz("all types small", "/all/small.html", "gzip"),
		gz("min length 1000", "/min/data.json", "gzip"),
		gz("min length page", "/min/page.html", "gzip"),
		gz("vary gzip", "/vary/page.html", "gzip"),
		gz("vary identity", "/vary/page.html", ""),
		gz("vary small", "/vary/small.html", "gzip"),
		gz("vary txt", "/vary/notes.txt", "gzip"),
		gz("off", "/off/page.html", "gzip"),
		gz("level 9", "/level/page.html", "gzip"),
		gz("disable regex", "/disable/page.html", "gzip", "User-Agent: Wget/1.21"),
		gz("disable regex caseless", "/disable/page.html", "gzip", "User-Agent: wget/1.21"),
		gz("disable other agent", "/disable/page.html", "gzip", "User-Agent: curl/8"),
		gz("disable msie6", "/disable/page.html", "gzip", "User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)"),
		gz("disable msie6 sv1", "/disable/page.html", "gzip", "User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)"),
		gz("disable msie7", "/disable/page.html", "gzip", "User-Agent: Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)"),
		gz("etag weak", "/etag/page.html", "gzip"),
		gz("etag with if-none-match", "/etag/page.html", "gzip", "If-None-Match: W/\"x\""),
		gz("range ignored", "/page.html", "gzip", "Range: bytes=0-9"),
		gz("range without gzip", "/page.html", "", "Range: bytes=0-9"),
		gz("range unsatisfiable", "/page.html", "gzip", "Range: bytes=999999-"),
		gz("via off", "/page.html", "gzip", "Via: 1.1 proxy"),
		gz("add_header etag", "/etag/small.html", "gzip"),
		conformance.Request{Name: "HEAD", Method: "HEAD", Target: "/page.html", HTTP11: true, Header: []string{"Accept-Encoding: gzip", "Connection: close"}, Compare: gzipCompared},
		conformance.Request{Name: "HEAD vary", Method: "HEAD", Target: "/vary/page.html", HTTP11: true, Header: []string{"Accept-Encoding: gzip", "Connection: close"}, Compare: gzipCompared},
		conformance.Request{Name: "HTTP/1.0", Target: "/page.html", Header: []string{"Accept-Encoding: gzip"}, Compare: gzipCompared, Gunzip: true},
		conformance.Request{Name: "HTTP/1.0 with gzip_http_version 1.0", Target: "/v10/page.html", Header: []string{"Accept-Encoding: gzip"}, Compare: gzipCompared, Gunzip: true},
		gz("HTTP/1.1 with gzip_http_version 1.0", "/v10/page.html", "gzip"),
	)
	conformance.Run(t, []conformance.Case{{
		Name: "gzip filter",
		Conf: `server {
    listen 127.0.0.1:{{PORT}};
    root {{DIR}};
    gzip on;
    location / { }
    location /types/ { gzip_types text/plain application/json; types { text/plain txt; application/json json; text/css css; text/html html; } }
    location /all/ { gzip_types *; types { text/css css; text/html html; } }
    location /min/ { gzip_min_length 1000; }
    location /vary/ { gzip_vary on; gzip_types text/plain; types { text/plain txt; text/html html; } }
    location /v10/ { gzip_http_version 1.0; }
    location /off/ { gzip off; }
    location /level/ { gzip_comp_level 9; gzip_buffers 16 8k; gzip_window 4k; gzip_hash 1k; postpone_gzipping 0; gzip_no_buffer off; }
    location /disable/ { gzip_disable "^wget" msie6; }
    location /etag/ { add_header X-E 1; }
    location = /etag/small.html { add_header ETag "unquoted"; gzip_min_length 1; }
}`,
		Files:    files,
		Requests: reqs,
	}})
}

func TestConformanceGzipProxied(t *testing.T) {
	files := gzipFiles("any/", "expired/", "future/", "nocache/", "private/", "nolm/", "noetag/", "auth/", "off/")
	via := "Via: 1.1 proxy"
	conformance.Run(t, []conformance.Case{{
		Name: "gzip_proxied",
		Conf: `server {
    listen 127.0.0.1:{{PORT}};
    root {{DIR}};
    gzip on;
    gzip_vary on;
    location /any/ { gzip_proxied any; }
    location /expired/ { gzip_proxied expired; expires -1; }
    location /future/ { gzip_proxied expired; expires 1h; }
    location /nocache/ { gzip_proxied no-cache no-store; add_header Cache-Control "no-cache"; }
    location /private/ { gzip_proxied no-cache; add_header Cache-Control "private"; }
    location /nolm/ { gzip_proxied no_last_modified; }
    location /noetag/ { gzip_proxied no_etag; etag off; }
    location /auth/ { gzip_proxied auth; }
    location /off/ { gzip_proxied off; }
}`,
		Files: files,
		Requests: []conformance.Request{
			gz("any", "/any/page.html", "gzip", via),
			gz("any without via", "/any/page.html", "gzip"),
			gz("expired past", "/expired/page.html", "gzip", via),
			gz("expired future", "/future/page.html", "gzip", via),
			gz("no-cache", "/nocache/page.html", "gzip", via),
			gz("private not listed", "/private/page.html", "gzip", via),
			gz("no_last_modified with Last-Modified", "/nolm/page.html", "gzip", via),
			gz("no_etag without ETag", "/noetag/page.html", "gzip", via),
			gz("auth without Authorization", "/auth/page.html", "gzip", via),
			gz("auth with Authorization", "/auth/page.html", "gzip", via, "Authorization: Basic eDp5"),
			gz("off", "/off/page.html", "gzip", via),
		},
	}})
}

func TestConformanceGzipStatic(t *testing.T) {
	files := map[string]string{
		"on/app.js":      strings.Repeat("console.log(1);\n", 100),
		"on/only.js":     strings.Repeat("console.log(2);\n", 100),
		"on/dir.js.gz/":  "",
		"on/dir.js":      "dir sibling\n",
		"always/app.js":  strings.Repeat("console.log(3);\n", 100),
		"vary/app.js":    strings.Repeat("console.log(4);\n", 100),
		"on/page.html":   gzipPage,
		"both/page.html": gzipPage,
	}
	setup := func(t testing.TB, dir string) {
		for _, n := range []string{"on/app.js", "always/app.js", "vary/app.js", "on/page.html", "both/page.html"} {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write([]byte("from the .gz sibling of " + n + "\n"))
			zw.Close()
			if err := os.WriteFile(filepath.Join(dir, n+".gz"), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	conformance.Run(t, []conformance.Case{{
		Name: "gzip_static",
		Conf: `server {
    listen 127.0.0.1:{{PORT}};
    root {{DIR}};
    location /on/ { gzip_static on; }
    location /always/ { gzip_static always; }
    location /vary/ { gzip_static on; gzip_vary on; }
    location /both/ { gzip_static on; gzip on; gzip_vary on; }
}`,
		Files: files,
		Setup: setup,
		Requests: []conformance.Request{
			gz("on gzip", "/on/app.js", "gzip"),
			gz("on identity", "/on/app.js", ""),
			gz("on no sibling", "/on/only.js", "gzip"),
			gz("on dir sibling", "/on/dir.js", "gzip"),
			gz("on html", "/on/page.html", "gzip"),
			gz("on range", "/on/app.js", "gzip", "Range: bytes=0-4"),
			gz("always identity", "/always/app.js", ""),
			gz("always gzip", "/always/app.js", "gzip"),
			gz("vary gzip", "/vary/app.js", "gzip"),
			gz("vary identity", "/vary/app.js", ""),
			gz("both gzip", "/both/page.html", "gzip"),
			gz("both identity", "/both/page.html", ""),
			gz("on directory uri", "/on/", "gzip"),
			conformance.Request{Name: "on HEAD", Method: "HEAD", Target: "/on/app.js", HTTP11: true, Header: []string{"Accept-Encoding: gzip", "Connection: close"}, Compare: gzipCompared},
			conformance.Request{Name: "on POST", Method: "POST", Target: "/on/app.js", Body: "x", HTTP11: true, Header: []string{"Accept-Encoding: gzip", "Connection: close"}, Compare: gzipCompared},
			conformance.Request{Name: "on HTTP/1.0", Target: "/on/app.js", Header: []string{"Accept-Encoding: gzip"}, Compare: gzipCompared, Gunzip: true},
		},
	}})
}

func TestConformanceGzipUpstream(t *testing.T) {
	body := strings.Repeat("upstream says hello. ", 100)
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write([]byte(body))
	zw.Close()
	backend := &conformance.Backend{Respond: func(req []byte) []byte {
		line := string(req[:bytes.IndexByte(req, '\n')])
		switch {
		case strings.Contains(line, "/encoded"):
			return []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\nContent-Length: " + strconv.Itoa(zb.Len()) + "\r\n\r\n" + zb.String())
		case strings.Contains(line, "/chunked"):
			return []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\nETag: \"up\"\r\n\r\n" +
				"10\r\n" + body[:16] + "\r\n0\r\n\r\n")
		case strings.Contains(line, "/json"):
			return []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
		case strings.Contains(line, "/short"):
			return []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nshort")
		case strings.Contains(line, "/status500"):
			return []byte("HTTP/1.1 500 Oops\r\nContent-Type: text/html\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
		case strings.Contains(line, "/status404"):
			return []byte("HTTP/1.1 404 Nope\r\nContent-Type: text/html\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
		}
		return []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nETag: W/\"weak\"\r\nVary: Cookie\r\nAccept-Ranges: bytes\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	}}
	conformance.Run(t, []conformance.Case{{
		Name: "gzip upstream",
		Conf: `server {
    listen 127.0.0.1:{{PORT}};
    gzip on;
    gzip_vary on;
    gzip_types application/json;
    location / { proxy_pass http://{{BACKEND}}; }
}`,
		Backend: backend,
		Requests: []conformance.Request{
			gz("plain", "/plain", "gzip"),
			gz("plain identity", "/plain", ""),
			gz("already encoded", "/encoded", "gzip"),
			gz("chunked with charset", "/chunked", "gzip"),
			gz("json", "/json", "gzip"),
			gz("short", "/short", "gzip"),
			gz("500 not compressed", "/status500", "gzip"),
			gz("404 compressed", "/status404", "gzip"),
		},
	}})
}
