// Package uri reproduces how nginx 1.22.1 reads a request target and how it
// escapes and unescapes URI text.
//
// [ParseTarget] computes what nginx derives from the target of the request
// line: $request_uri, $uri, $args and the host of an absolute-form target.
// [Escape], [AppendEscape], [EscapeHTMLEntities] and [Unescape] mirror the
// escape tables and the unescaper of nginx's src/core/ngx_string.c, so that
// text frontdesk sends upstream or into a redirect is byte for byte what
// nginx would send.
//
// Every behaviour here was checked against a real nginx 1.22.1; the tests
// record the cases. Where nginx surprises, the comments say so.
//
// # How nginx reads a target
//
// The request-line parser (ngx_http_parse_request_line) accepts a target that
// starts with '/' (origin-form) or with "scheme://host[:port]" (absolute-form,
// any scheme). It rejects spaces and control bytes anywhere in the target.
// While scanning the path it notes whether the path needs the slower
// normaliser: a '%', a '.' or '/' right after a '/'. If not, $uri is the raw
// path itself; otherwise ngx_http_parse_complex_uri decodes and normalises it
// with a small state machine:
//
//   - "%XX" is decoded and the byte is then handled as if it had been literal,
//     so "%2F" separates segments and "%2E%2E" is "..". Three decoded bytes are
//     exceptions and are kept as ordinary data: '%', '#' and '?'. "%00" and a
//     malformed or truncated escape are errors.
//   - "/./" collapses to "/", "/x/../" to "/", and a trailing "/." or "/.."
//     likewise; climbing above the root is an error.
//   - With merge_slashes on (the default) runs of '/' become one.
//   - The path ends at the first literal '?' (then come the args) or '#' (a
//     fragment, dropped; args also end at a '#').
//
// Bytes 0x80 and above and '\' are ordinary path bytes on Linux.
package uri

import (
	"bytes"
	"errors"
	"strings"
)

// ErrBadRequest is the sentinel wrapped by every error [ParseTarget] returns:
// nginx answers such a target with 400 Bad Request. Match it with
// [errors.Is]; the wrapping message says what was wrong.
var ErrBadRequest = errors.New("frontdesk: bad request target")

// badRequest wraps ErrBadRequest with the reason, so callers can branch on
// the sentinel and logs still say what was wrong.
type badRequest string

func (e badRequest) Error() string { return ErrBadRequest.Error() + ": " + string(e) }

func (e badRequest) Unwrap() error { return ErrBadRequest }

// Target is what nginx derives from a request target. The zero value is not
// meaningful; get one from [ParseTarget]. String fields share memory with the
// parsed input where nginx would not change the text.
type Target struct {
	// RequestURI is $request_uri: the target as received, never normalised,
	// fragment included. For an absolute-form target nginx keeps only the
	// part from the path on ("http://h/p?x" gives "/p?x"); with no path it is
	// "/" ("http://h") or starts at the '?' ("http://h?x" gives "?x").
	RequestURI string

	// Path is the raw path: the target up to the first '?' or '#', still
	// escaped. For an absolute-form target it is the part after the
	// authority, "/" when that is empty.
	Path string

	// Args is $args: the raw text after the first '?' up to any '#'. It is
	// "" when there is no '?', when nothing follows it, or when the '?'
	// comes after a '#'.
	Args string

	// HasArgs reports whether the path was followed by a '?', even one with
	// nothing after it. Note that nginx's $is_args is "?" only when Args is
	// non-empty ("/a?" has HasArgs set but $is_args ""), and proxy_pass and
	// rewrite append "?args" on that same condition: "/p/a?" goes up as
	// "/q/a" through "location /p/ { proxy_pass http://u/q/; }".
	HasArgs bool

	// Host is the host of an absolute-form target, as nginx stores it for
	// $host and virtual-server selection: lower-cased, port and one trailing
	// dot removed ("http://Ex.COM.:8080/" gives "ex.com"). It is "" for an
	// origin-form target.
	Host string

	// URI is $uri: Path decoded and normalised (see the package doc).
	URI string

	// Escaped reports whether Path contained a '%' escape (nginx's
	// quoted_uri flag). proxy_pass re-escapes the part of $uri it forwards
	// only when this is set.
	Escaped bool
}

// ParseTarget computes what nginx 1.22.1 derives from a request target, raw
// as it appears on the request line (what [net/http] puts in
// [http.Request.RequestURI]). mergeSlashes mirrors the merge_slashes
// directive, which is on by default.
//
// An error wraps [ErrBadRequest]: nginx answers 400. Some of these targets
// (with spaces or control bytes) never reach a [net/http] handler because the
// Go server rejects them first; ParseTarget still judges them as nginx would.
//
// A target needing no normalisation costs no allocation: every field then
// shares memory with raw. ParseTarget is safe for concurrent use.
func ParseTarget(raw string, mergeSlashes bool) (Target, error) {
	if raw == "" {
		return Target{}, badRequest("empty request target")
	}

	var t Target
	rest := raw // the target from the path on
	if raw[0] != '/' {
		host, at, err := parseAbsolute(raw)
		if err != nil {
			return Target{}, err
		}
		t.Host = host
		if at == len(raw) {
			// nginx points $request_uri at a single "/" when an
			// absolute-form target has neither path nor args.
			t.RequestURI, t.Path, t.URI = "/", "/", "/"
			return t, nil
		}
		rest = raw[at:]
	}
	t.RequestURI = rest

	// Like nginx's request-line parser, find where the path, args and
	// fragment are, and whether $uri can simply be the raw path: it can
	// unless the path holds a '%' or a '.' or '/' right after a '/'.
	pathEnd, argsStart, argsEnd := len(rest), -1, len(rest)
	simple := true
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		// Since nginx 1.21.1 spaces and control bytes are rejected
		// anywhere in the target, args and fragment included.
		if c <= ' ' || c == 0x7f {
			return Target{}, badRequest("space or control byte in request target")
		}
		if pathEnd < len(rest) {
			if c == '#' && argsStart >= 0 && argsEnd == len(rest) {
				argsEnd = i
			}
			continue
		}
		switch c {
		case '?':
			pathEnd, argsStart = i, i+1
		case '#':
			pathEnd = i
		case '%':
			t.Escaped = true
			simple = false
		case '.', '/':
			if i > 0 && rest[i-1] == '/' {
				simple = false
			}
		}
	}

	t.Path = rest[:pathEnd]
	if argsStart >= 0 {
		t.HasArgs = true
		t.Args = rest[argsStart:argsEnd]
	}
	if t.Path == "" {
		// Only an absolute-form target can get here ("http://h?x");
		// nginx gives it the path "/".
		t.Path, t.URI = "/", "/"
		return t, nil
	}
	if simple {
		t.URI = t.Path
		return t, nil
	}

	// Normalising never lengthens the path, so most paths fit on the
	// stack and the only allocation is the final string.
	var stack [256]byte
	buf := stack[:0]
	if len(t.Path) > len(stack) {
		buf = make([]byte, 0, len(t.Path))
	}
	buf, err := normalize(buf, t.Path, mergeSlashes)
	if err != nil {
		return Target{}, err
	}
	t.URI = string(buf)
	return t, nil
}

// States of the path normaliser, named after what was last appended.
const (
	stUsual  = iota // inside a segment
	stSlash         // just after a '/'
	stDot           // after "/."
	stDotDot        // after "/.."
)

// normalize appends to dst the $uri nginx makes of path, a raw path that
// starts with '/' and holds no literal '?' or '#'. It follows the state
// machine of ngx_http_parse_complex_uri on Linux.
func normalize(dst []byte, path string, mergeSlashes bool) ([]byte, error) {
	state := stUsual
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c == '%' {
			if i+2 >= len(path) {
				return nil, badRequest("truncated %-escape in path")
			}
			hi, ok1 := unhex(path[i+1])
			lo, ok2 := unhex(path[i+2])
			if !ok1 || !ok2 {
				return nil, badRequest("invalid %-escape in path")
			}
			i += 2
			c = hi<<4 | lo
			switch c {
			case 0:
				return nil, badRequest("%00 in path")
			case '%', '#', '?':
				// nginx keeps these decoded bytes as plain data:
				// they neither start an escape nor end the path,
				// and they end any "." or ".." segment.
				dst = append(dst, c)
				state = stUsual
				continue
			}
		}

		switch {
		case c == '/':
			switch state {
			case stSlash:
				if !mergeSlashes {
					dst = append(dst, '/')
				}
			case stDot:
				dst = dst[:len(dst)-1] // "/./" is "/"
			case stDotDot:
				var ok bool
				if dst, ok = parent(dst); !ok {
					return nil, badRequest(`".." climbs above the root`)
				}
			default:
				dst = append(dst, '/')
			}
			state = stSlash
		case c == '.' && state == stSlash:
			dst = append(dst, '.')
			state = stDot
		case c == '.' && state == stDot:
			dst = append(dst, '.')
			state = stDotDot
		default:
			dst = append(dst, c)
			state = stUsual
		}
	}

	// The end of the path (or the '?' or '#' after it) closes a trailing
	// "." or ".." segment just as a '/' would, but leaves the slash.
	switch state {
	case stDot:
		dst = dst[:len(dst)-1]
	case stDotDot:
		var ok bool
		if dst, ok = parent(dst); !ok {
			return nil, badRequest(`".." climbs above the root`)
		}
	}
	return dst, nil
}

// parent drops the "/.." that ends dst and the segment before it, keeping
// that segment's leading '/'. It reports false when there is no such segment:
// the path would climb above the root.
func parent(dst []byte) ([]byte, bool) {
	// dst ends in "/..": look for a '/' before that slash. With
	// merge_slashes off "//.." finds the first '/' and gives "/".
	i := bytes.LastIndexByte(dst[:len(dst)-3], '/')
	if i < 0 {
		return nil, false
	}
	return dst[:i+1], true
}

// unhex decodes one hex digit of either case.
func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// parseAbsolute reads "scheme://host[:port]" at the start of an
// absolute-form target the way nginx's request-line parser does. It returns
// the host as nginx stores it and the index in raw where the path or the
// '?' begins (len(raw) when neither follows the authority).
func parseAbsolute(raw string) (host string, at int, err error) {
	// scheme: a letter, then letters, digits, '+', '-' or '.'.
	i := 0
	for i < len(raw) && isSchemeByte(raw[i], i == 0) {
		i++
	}
	if i == 0 || i == len(raw) || raw[i] != ':' {
		return "", 0, badRequest(`request target must start with "/" or be absolute-form`)
	}
	if !strings.HasPrefix(raw[i:], "://") {
		return "", 0, badRequest(`no "//" after the scheme of the request target`)
	}
	i += len("://")

	start := i
	if i < len(raw) && raw[i] == '[' {
		// An IP literal: unreserved, sub-delims and ':' up to ']'.
		for i++; i < len(raw) && raw[i] != ']'; i++ {
			if !isIPLiteralByte(raw[i]) {
				return "", 0, badRequest("invalid IP literal in request target")
			}
		}
		if i == len(raw) {
			return "", 0, badRequest("unterminated IP literal in request target")
		}
		i++
	} else {
		for i < len(raw) && isHostByte(raw[i]) {
			i++
		}
	}
	if i < len(raw) && raw[i] == ':' {
		// nginx accepts an empty or overlong port; only digits may follow.
		for i++; i < len(raw) && '0' <= raw[i] && raw[i] <= '9'; i++ {
		}
	}
	if i < len(raw) && raw[i] != '/' && raw[i] != '?' {
		return "", 0, badRequest("invalid host in request target")
	}

	host, ok := validateHost(raw[start:i])
	if !ok {
		return "", 0, badRequest("invalid host in request target")
	}
	return host, i, nil
}

// ValidateHost checks a Host header as nginx 1.22.1 does when it reads
// one, and returns the host as nginx stores it for $host: lower-cased,
// without port and without one trailing dot. An error wraps
// [ErrBadRequest]: nginx answers 400 ("client sent invalid host header").
// Empty labels ("a..b"), an empty host ("", ".", ":80"), '/' and NUL are
// refused; anything else is accepted.
func ValidateHost(h string) (string, error) {
	if strings.ContainsAny(h, "/\x00") {
		return "", badRequest("invalid host header")
	}
	host, ok := validateHost(h)
	if !ok {
		return "", badRequest("invalid host header")
	}
	return host, nil
}

// validateHost applies nginx 1.22.1's ngx_http_validate_host to the
// authority of an absolute-form target (whose bytes the parser already
// restricted): no empty label (".."), port removed, one trailing dot removed,
// not empty, lower-cased. It allocates only when there is an upper-case
// letter to fold.
func validateHost(h string) (string, bool) {
	n := len(h)
	lastDot := -2
	literal, inRest, upper := false, false, false
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case c == '.':
			if lastDot == i-1 {
				return "", false
			}
			lastDot = i
		case c == ':':
			if !literal && !inRest {
				n, inRest = i, true
			}
		case c == '[' && i == 0:
			literal = true
		case c == ']':
			if literal && !inRest {
				n, inRest = i+1, true
			}
		case 'A' <= c && c <= 'Z':
			upper = true
		}
	}
	if lastDot == n-1 {
		n--
	}
	if n <= 0 {
		return "", false
	}
	if upper {
		return strings.ToLower(h[:n]), true
	}
	return h[:n], true
}

// isSchemeByte reports whether c may appear in a scheme; the first byte must
// be a letter.
func isSchemeByte(c byte, first bool) bool {
	if 'a' <= c|0x20 && c|0x20 <= 'z' {
		return true
	}
	return !first && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')
}

// isHostByte reports whether c may appear in a host name: nginx allows only
// letters, digits, '.' and '-' there.
func isHostByte(c byte) bool {
	return 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-'
}

// isIPLiteralByte reports whether c may appear between '[' and ']':
// letters, digits, ':', the unreserved marks and the sub-delims of RFC 3986.
func isIPLiteralByte(c byte) bool {
	if 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' {
		return true
	}
	return strings.IndexByte(":-._~!$&'()*+,;=", c) >= 0
}
