package fileserve

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// parseMimeTypes reads an nginx mime.types file (one types {} block, '#'
// comments) the way ngx_http_core_type stores it: lower-cased extensions,
// later duplicates winning.
func parseMimeTypes(t *testing.T, src string) map[string]string {
	t.Helper()
	var tokens []string
	for _, line := range strings.Split(src, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.NewReplacer(";", " ; ", "{", " { ", "}", " } ").Replace(line)
		tokens = append(tokens, strings.Fields(line)...)
	}
	if len(tokens) < 3 || tokens[0] != "types" || tokens[1] != "{" || tokens[len(tokens)-1] != "}" {
		t.Fatalf("not a types block")
	}
	m := map[string]string{}
	var stmt []string
	for _, tok := range tokens[2 : len(tokens)-1] {
		if tok != ";" {
			stmt = append(stmt, tok)
			continue
		}
		for _, e := range stmt[1:] {
			m[strings.ToLower(e)] = stmt[0]
		}
		stmt = nil
	}
	return m
}

// TestDefaultTypesMatchConf compares the generated table with the installed
// nginx's mime.types, when there is one.
func TestDefaultTypesMatchConf(t *testing.T) {
	src, err := os.ReadFile("/etc/nginx/mime.types")
	if err != nil {
		t.Skipf("no /etc/nginx/mime.types: %v", err)
	}
	want := parseMimeTypes(t, string(src))
	if got := DefaultTypes(); !reflect.DeepEqual(got, want) {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: got %q; want %q", k, got[k], v)
			}
		}
		for k, v := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: extra entry %q", k, v)
			}
		}
	}
}

func TestDefaultTypesIsACopy(t *testing.T) {
	m := DefaultTypes()
	m["html"] = "changed"
	delete(m, "css")
	if DefaultTypes()["html"] != "text/html" || DefaultTypes()["css"] != "text/css" {
		t.Fatal("DefaultTypes shares its map")
	}
	b := BuiltinTypes()
	b["png"] = "image/png"
	if _, ok := BuiltinTypes()["png"]; ok {
		t.Fatal("BuiltinTypes shares its map")
	}
}

func TestExtension(t *testing.T) {
	tests := []struct{ uri, want string }{
		{"/a.txt", "txt"},
		{"/x.tar.gz", "gz"},
		{"/Upper.HTML", "HTML"},
		{"/.hidden", ""},
		{"/a/.htaccess", ""},
		{"/x.", ""},
		{"/dir.d/plain", ""},
		{"/noext", ""},
		{"/.b", ""},
		{"/a.b", "b"},
		{"a.b", ""}, // the scan stops before the second byte
		{"", ""},
		{"/", ""},
		{"/dir.x/", ""},
		{"/a..b", "b"},
	}
	for _, tt := range tests {
		if got := Extension(tt.uri); got != tt.want {
			t.Errorf("Extension(%q) = %q; want %q", tt.uri, got, tt.want)
		}
	}
}

// TestTypeFor: Content-Type answered by nginx 1.22.1 for files under
// /tmp/fsprobe/www, with "include mime.types; default_type
// application/octet-stream;" (mime) and with no types at all (builtin,
// default_type text/plain).
func TestTypeFor(t *testing.T) {
	const octet, plain = "application/octet-stream", "text/plain"
	tests := []struct {
		uri           string
		mime, builtin string
	}{
		{"/hello.html", "text/html", "text/html"},
		{"/Upper.HTML", "text/html", "text/html"},
		{"/noext", octet, plain},
		{"/x.JPG", "image/jpeg", "image/jpeg"},
		{"/x.tar.gz", octet, plain},
		{"/.hidden", octet, plain},
		{"/x.", octet, plain},
		{"/y.Png", "image/png", plain},
		{"/dir.d/plain", octet, plain},
		{"/x.jpeg", "image/jpeg", plain},
		{"/x.gif", "image/gif", "image/gif"},
		{"/x.png", "image/png", plain},
		{"/x.woff2", "font/woff2", plain},
		{"/x.avif", "image/avif", plain},
		{"/x.wasm", "application/wasm", plain},
	}
	mime, builtin := DefaultTypes(), BuiltinTypes()
	for _, tt := range tests {
		if got := TypeFor(tt.uri, mime, octet); got != tt.mime {
			t.Errorf("TypeFor(%q, mime.types) = %q; want %q", tt.uri, got, tt.mime)
		}
		if got := TypeFor(tt.uri, builtin, plain); got != tt.builtin {
			t.Errorf("TypeFor(%q, builtin) = %q; want %q", tt.uri, got, tt.builtin)
		}
	}
}
