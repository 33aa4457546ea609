// Package fileserve holds the socket-free building blocks of frontdesk's
// static-file layer: MIME type selection, validators (ETag, Last-Modified),
// the expires directive, conditional and range requests, and autoindex
// listings. Each piece reproduces what nginx 1.22.1 does, byte for byte
// where nginx's output is deterministic; comments name the nginx module and
// function whose behaviour is mirrored.
package fileserve

//go:generate go run gen_mime.go /etc/nginx/mime.types

// DefaultTypes returns the extension → MIME type table of nginx 1.22.1's
// shipped mime.types (the file a stock install includes with
// "include mime.types;"). Keys are lower-case and carry no dot.
//
// The map is a fresh copy on every call, so callers may extend it (the
// equivalent of adding to a types {} block) without affecting others.
func DefaultTypes() map[string]string {
	m := make(map[string]string, len(mimeTable))
	for k, v := range mimeTable {
		m[k] = v
	}
	return m
}

// BuiltinTypes returns the three types nginx knows when a configuration has
// no types {} block at all (ngx_http_core_default_types in
// ngx_http_core_module.c): html → text/html, gif → image/gif and
// jpg → image/jpeg. Everything else then falls back to default_type, which
// itself defaults to text/plain. The map is a fresh copy on every call.
func BuiltinTypes() map[string]string {
	return map[string]string{
		"html": "text/html",
		"gif":  "image/gif",
		"jpg":  "image/jpeg",
	}
}

// Extension returns the extension nginx derives from a URI, as
// ngx_http_set_exten does: the bytes after the last '.' of the last path
// component, provided that '.' is not the component's first byte (so
// "/.htaccess" has none) and the URI is not so short that the dot sits in
// its first two bytes. "/x." yields "". The case is left unchanged.
func Extension(uri string) string {
	for i := len(uri) - 1; i > 1; i-- {
		switch {
		case uri[i] == '.' && uri[i-1] != '/':
			return uri[i+1:]
		case uri[i] == '/':
			return ""
		}
	}
	return ""
}

// TypeFor returns the Content-Type nginx sends for a response whose URI is
// name: the type registered for Extension(name) in types, or defaultType
// when the extension is empty or unknown (ngx_http_set_content_type).
//
// name must be the request's $uri (after index or try_files rewrites), not
// the file-system path: nginx never looks at the file name, so an alias to
// "/srv/a.html" served for URI "/page" gets defaultType. The extension is
// lower-cased (ASCII only) before the lookup, so types must have lower-case
// keys, as nginx's types {} parser produces. No charset is appended; that is
// the charset filter's job.
func TypeFor(name string, types map[string]string, defaultType string) string {
	ext := Extension(name)
	if ext == "" {
		return defaultType
	}
	if t, ok := types[asciiLower(ext)]; ok {
		return t
	}
	return defaultType
}

// asciiLower lower-cases A-Z only, as ngx_hash_strlow does; other bytes,
// including UTF-8 sequences, are left alone.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
