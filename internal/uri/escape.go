package uri

import "strings"

// Kind selects one of nginx's escape tables (the type argument of
// ngx_escape_uri). The values are nginx's own NGX_ESCAPE_* numbers.
type Kind uint8

// The escape kinds of nginx 1.22.1. Each escapes every control byte
// (0x00-0x1F) and space, and all but [EscapeMemcached] and [EscapeMailAuth]
// escape DEL and every byte from 0x80 up; the lists give the other printable
// ASCII bytes escaped.
//
// The tables are those of the nginx 1.22.1 binary, and each kind but
// EscapeMailAuth was checked byte by byte against that nginx through the
// feature named. Do not refresh
// them from current nginx sources: later releases escape fewer bytes (their
// EscapeURI table no longer has " < > \ ^ ` { | }).
const (
	// EscapeURI (NGX_ESCAPE_URI) escapes " # % < > ? \ ^ ` { | }.
	// proxy_pass with a URI part uses it on the forwarded tail of $uri when
	// the request path had escapes.
	EscapeURI Kind = iota

	// EscapeArgs (NGX_ESCAPE_ARGS) escapes " # % & + ; < > ? \ ^ ` { | }.
	// rewrite uses it on regex captures copied into the args of the
	// replacement when the request path had escapes.
	EscapeArgs

	// EscapeURIComponent (NGX_ESCAPE_URI_COMPONENT) escapes everything but
	// letters, digits and - . _ ~. autoindex uses it for the link of each
	// entry.
	EscapeURIComponent

	// EscapeHTML (NGX_ESCAPE_HTML) escapes " # % ' < > \ ^ ` { | }. SSI's
	// echo with encoding="url" uses it.
	EscapeHTML

	// EscapeRefresh (NGX_ESCAPE_REFRESH) escapes " ' < > \ ^ ` { | ~: '~'
	// but neither '}' nor '%'. The msie_refresh page uses it for the URL.
	EscapeRefresh

	// EscapeMemcached (NGX_ESCAPE_MEMCACHED) escapes only control bytes,
	// space and '%'. memcached_pass uses it for the key.
	EscapeMemcached

	// EscapeMailAuth (NGX_ESCAPE_MAIL_AUTH) is nginx's name for the
	// EscapeMemcached table when the mail proxy builds auth_http requests.
	EscapeMailAuth
)

// escapeTables holds one 256-bit set per Kind: bit b&31 of word b>>5 is set
// when byte b must become "%XX". The words are those of nginx 1.22.1.
var escapeTables = [...][8]uint32{
	EscapeURI: {
		0xffffffff, // 0x00-0x1f
		0xd000002d, // space " # % < > ?
		0x50000000, // \ ^
		0xb8000001, // ` { | } DEL
		0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
	},
	EscapeArgs: {
		0xffffffff,
		0xd800086d, // space " # % & + ; < > ?
		0x50000000, // \ ^
		0xb8000001, // ` { | } DEL
		0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
	},
	EscapeURIComponent: {
		0xffffffff,
		0xfc009fff, // space ! " # $ % & ' ( ) * + , / : ; < = > ?
		0x78000001, // @ [ \ ] ^
		0xb8000001, // ` { | } DEL
		0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
	},
	EscapeHTML: {
		0xffffffff,
		0x500000ad, // space " # % ' < >
		0x50000000, // \ ^
		0xb8000001, // ` { | } DEL
		0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
	},
	EscapeRefresh: {
		0xffffffff,
		0x50000085, // space " ' < >
		0x50000000, // \ ^
		0xd8000001, // ` { | ~ DEL
		0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
	},
	EscapeMemcached: {
		0xffffffff,
		0x00000021, // space %
	},
	EscapeMailAuth: {
		0xffffffff,
		0x00000021, // space %
	},
}

// upperhex is the digit set nginx writes escapes with.
const upperhex = "0123456789ABCDEF"

// needsEscape reports whether kind escapes c.
func needsEscape(c byte, kind Kind) bool {
	return escapeTables[kind][c>>5]&(1<<(c&31)) != 0
}

// Escape returns s with every byte that kind escapes written as "%XX", in
// upper-case hex as nginx writes it. Other bytes, '%' included where kind
// does not escape it, are copied as they are. When nothing needs escaping s
// itself is returned, without allocating. kind must be one of the Kind
// constants.
func Escape(s string, kind Kind) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if needsEscape(s[i], kind) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if needsEscape(c, kind) {
			b.WriteByte('%')
			b.WriteByte(upperhex[c>>4])
			b.WriteByte(upperhex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// AppendEscape appends s to dst escaped as [Escape] does, and returns the
// extended buffer.
func AppendEscape(dst []byte, s string, kind Kind) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if needsEscape(c, kind) {
			dst = append(dst, '%', upperhex[c>>4], upperhex[c&15])
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

// EscapeHTMLEntities replaces & < > and " in s with their HTML entities, as
// nginx's ngx_escape_html does for the names autoindex shows. The single
// quote is left alone. When nothing needs escaping s itself is returned.
func EscapeHTMLEntities(s string) string {
	i := strings.IndexAny(s, `&<>"`)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// UnescapeKind selects a mode of nginx's ngx_unescape_uri.
type UnescapeKind uint8

// The unescape modes of ngx_unescape_uri.
const (
	// UnescapeAll (nginx's type 0) decodes every "%XX", NUL included, and
	// treats '?' as an ordinary byte.
	UnescapeAll UnescapeKind = iota

	// UnescapeURI (NGX_UNESCAPE_URI) decodes every "%XX" up to the first
	// '?', literal or decoded, and stops after it.
	UnescapeURI

	// UnescapeRedirect (NGX_UNESCAPE_REDIRECT) stops after the first '?'
	// like UnescapeURI, but decodes an escape only when the byte is a
	// printable after '%' (0x26 to 0x7E); any other escape, "%25" and
	// "%20" among them, is kept as written. rewrite uses it on the result
	// of a redirect.
	UnescapeRedirect
)

// Unescape decodes s the way nginx's ngx_unescape_uri does in the given mode.
//
// For [UnescapeURI] and [UnescapeRedirect] decoding stops after the first
// '?' (literal, or decoded from "%3F"); decoded ends with that '?' and rest is
// the remaining input, which nginx copies after it untouched. Otherwise rest
// is "".
//
// Malformed escapes are not errors, and nginx loses bytes on them: a '%'
// not followed by a hex digit is dropped and the byte after it kept as data
// ("%zz" gives "zz", "%%41" gives "%41"); when only the second digit is bad
// all three bytes are dropped ("a%4zb" gives "ab"); a '%' or "%X" at the end
// of s is dropped.
func Unescape(s string, kind UnescapeKind) (decoded, rest string) {
	stopAtQuery := kind == UnescapeURI || kind == UnescapeRedirect
	if strings.IndexByte(s, '%') < 0 {
		if stopAtQuery {
			if i := strings.IndexByte(s, '?'); i >= 0 {
				return s[:i+1], s[i+1:]
			}
		}
		return s, ""
	}

	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '?' && stopAtQuery {
			b.WriteByte('?')
			return b.String(), s[i+1:]
		}
		if c != '%' {
			b.WriteByte(c)
			continue
		}

		if i+1 == len(s) {
			break
		}
		hi, ok := unhex(s[i+1])
		if !ok {
			// nginx drops the '%' and keeps the byte after it.
			b.WriteByte(s[i+1])
			i++
			continue
		}
		if i+2 == len(s) {
			break
		}
		lo, ok := unhex(s[i+2])
		if !ok {
			i += 2 // nginx drops all three bytes
			continue
		}
		d := hi<<4 | lo
		i += 2

		switch {
		case d == '?' && stopAtQuery:
			b.WriteByte('?')
			return b.String(), s[i+1:]
		case kind == UnescapeRedirect && (d <= '%' || d >= 0x7f):
			b.WriteString(s[i-2 : i+1])
		default:
			b.WriteByte(d)
		}
	}
	return b.String(), ""
}
