package rawhttp

import (
	"strconv"
	"strings"
)

// Request returns an HTTP/1.0 request without a body:
//
//	METHOD target HTTP/1.0\r\n
//	<each header>\r\n
//	\r\n
//
// Each header is a complete "Name: value" line without its CRLF, written as
// given. When no header is named Host (case-insensitively), "Host: localhost"
// is added first, so tests only spell out the Host they care about. Requests
// that must lack a Host header, or be malformed in other ways, are written as
// byte literals instead.
func Request(method, target string, headers ...string) []byte {
	return build("HTTP/1.0", method, target, false, nil, headers)
}

// Request11 is [Request] with "HTTP/1.1" in the request line. HTTP/1.1
// implies keep-alive; [Do] reads one response and closes the connection
// either way.
func Request11(method, target string, headers ...string) []byte {
	return build("HTTP/1.1", method, target, false, nil, headers)
}

// RequestBody is [Request] followed by body. A "Content-Length" header with
// the body's length is added unless headers already contain Content-Length
// or Transfer-Encoding; in that case body is written as given (see [Chunked]
// for a chunked one).
func RequestBody(method, target string, body []byte, headers ...string) []byte {
	return build("HTTP/1.0", method, target, true, body, headers)
}

// Request11Body is [RequestBody] with "HTTP/1.1" in the request line.
func Request11Body(method, target string, body []byte, headers ...string) []byte {
	return build("HTTP/1.1", method, target, true, body, headers)
}

// Chunked returns chunks encoded in chunked transfer coding, one chunk per
// argument (empty arguments are skipped, since an empty chunk would end the
// body), followed by the last chunk and no trailer fields. Use it as the body
// of [RequestBody] together with a "Transfer-Encoding: chunked" header.
func Chunked(chunks ...string) []byte {
	var b []byte
	for _, c := range chunks {
		if c == "" {
			continue
		}
		b = strconv.AppendInt(b, int64(len(c)), 16)
		b = append(b, "\r\n"...)
		b = append(b, c...)
		b = append(b, "\r\n"...)
	}
	return append(b, "0\r\n\r\n"...)
}

// build assembles a request; withBody says whether a Content-Length is owed
// (it is, even for an empty body, when the caller asked for a body).
func build(proto, method, target string, withBody bool, body []byte, headers []string) []byte {
	var b []byte
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, target...)
	b = append(b, ' ')
	b = append(b, proto...)
	b = append(b, "\r\n"...)
	if !hasHeader(headers, "Host") {
		b = append(b, "Host: localhost\r\n"...)
	}
	for _, h := range headers {
		b = append(b, h...)
		b = append(b, "\r\n"...)
	}
	if withBody && !hasHeader(headers, "Content-Length") && !hasHeader(headers, "Transfer-Encoding") {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	return append(b, body...)
}

// hasHeader reports whether one of the "Name: value" lines is named name.
func hasHeader(headers []string, name string) bool {
	for _, h := range headers {
		n, _, _ := strings.Cut(h, ":")
		if strings.EqualFold(strings.TrimSpace(n), name) {
			return true
		}
	}
	return false
}
