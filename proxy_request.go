package frontdesk

// The request side of proxy_pass: the request line, the headers and the
// body nginx sends upstream (ngx_http_proxy_create_request).

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/frontdesk-go/frontdesk/internal/h1"
	"github.com/frontdesk-go/frontdesk/internal/uri"
)

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readBody buffers the client's request body, answering 413 past
// client_max_body_size as nginx does (from Content-Length before reading,
// or while reading a chunked body).
func (st *reqState) readBody(pc *proxyConf) (*bytes.Buffer, int) {
	r := st.r
	if r.ContentLength > 0 && pc.clientMaxBodySize > 0 && r.ContentLength > pc.clientMaxBodySize {
		return nil, http.StatusRequestEntityTooLarge
	}
	if r.Body == nil || r.Body == http.NoBody || (r.ContentLength == 0 && len(r.TransferEncoding) == 0) {
		return nil, 0
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	limit := pc.clientMaxBodySize
	var src io.Reader = r.Body
	if limit > 0 {
		src = io.LimitReader(r.Body, limit+1)
	}
	if _, err := buf.ReadFrom(src); err != nil {
		bodyPool.Put(buf)
		return nil, http.StatusBadRequest
	}
	if limit > 0 && int64(buf.Len()) > limit {
		bodyPool.Put(buf)
		return nil, http.StatusRequestEntityTooLarge
	}
	return buf, 0
}

// buildUpstreamHead renders the request line and headers nginx would send.
func (st *reqState) buildUpstreamHead(h *proxyHandler, body *bytes.Buffer) []byte {
	pc := h.conf
	fields := make([]h1.Field, 0, 8+len(st.r.Header))
	set := make(map[string]bool, len(pc.setHeaders)+8)
	for i := range pc.setHeaders {
		ph := &pc.setHeaders[i]
		set[strings.ToLower(ph.name)] = true
		if v := ph.value.string(st); v != "" {
			fields = append(fields, h1.Field{Name: ph.name, Value: v})
		}
	}
	addDefault := func(name, value string) {
		if set[strings.ToLower(name)] {
			return
		}
		set[strings.ToLower(name)] = true
		if value != "" {
			fields = append(fields, h1.Field{Name: name, Value: value})
		}
	}
	addDefault("Host", h.proxyHost)
	addDefault("Connection", "close")
	bodyLen := ""
	if body != nil && pc.passRequestBody {
		bodyLen = strconv.Itoa(body.Len())
	} else if st.r.ContentLength == 0 && st.r.Header.Get("Content-Length") != "" && pc.passRequestBody {
		bodyLen = "0"
	}
	addDefault("Content-Length", bodyLen)
	for _, n := range []string{"Transfer-Encoding", "TE", "Keep-Alive", "Expect", "Upgrade"} {
		addDefault(n, "")
	}
	if pc.passRequestHeaders {
		for _, name := range clientHeaderOrder(st.r.Header) {
			if set[strings.ToLower(name)] || strings.IndexByte(name, '_') >= 0 {
				continue
			}
			for _, v := range st.r.Header[name] {
				fields = append(fields, h1.Field{Name: name, Value: v})
			}
		}
	}
	return h1.AppendRequestHead(nil, st.method, st.upstreamURI(h), "HTTP/"+pc.httpVersion, fields)
}

// clientHeaderOrder lists the client's header names. net/http keeps them
// in a map, so the order nginx would keep (the client's) is not known
// here: names are sorted, a documented difference of the library path.
func clientHeaderOrder(h http.Header) []string {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// upstreamURI is the request-target nginx sends upstream.
func (st *reqState) upstreamURI(h *proxyHandler) string {
	if !h.hasURI {
		if !st.internal && st.target.RequestURI != "" {
			return st.target.RequestURI
		}
		return st.escapedURIWithArgs(st.uri)
	}
	locLen := len(st.loc.name)
	if st.loc != h.loc {
		locLen = len(h.loc.name)
	}
	tail := st.uri[min(locLen, len(st.uri)):]
	var b strings.Builder
	b.WriteString(h.uriPart)
	if st.target.Escaped || st.internal {
		b.WriteString(uri.Escape(tail, uri.EscapeURI))
	} else {
		b.WriteString(tail)
	}
	if st.args != "" {
		b.WriteByte('?')
		b.WriteString(st.args)
	}
	return b.String()
}

func (st *reqState) escapedURIWithArgs(u string) string {
	s := uri.Escape(u, uri.EscapeURI)
	if st.args != "" {
		s += "?" + st.args
	}
	return s
}

// registerProxyVariables adds the proxy module's variables ($proxy_host,
// $proxy_port, $proxy_add_x_forwarded_for) and the upstream ones.
func registerProxyVariables(variables map[string]varGetter) {
	variables["proxy_host"] = func(st *reqState, _ string, d []byte) []byte { return append(d, st.proxyHost...) }
	variables["proxy_port"] = func(st *reqState, _ string, d []byte) []byte { return append(d, st.proxyPort...) }
	variables["proxy_add_x_forwarded_for"] = varProxyAddXFF
	variables["upstream_addr"] = func(st *reqState, _ string, d []byte) []byte {
		for i, a := range st.attempts {
			if i > 0 {
				d = append(d, ", "...)
			}
			d = append(d, a.addr...)
		}
		return d
	}
	variables["upstream_status"] = func(st *reqState, _ string, d []byte) []byte {
		for i, a := range st.attempts {
			if i > 0 {
				d = append(d, ", "...)
			}
			d = strconv.AppendInt(d, int64(a.status), 10)
		}
		return d
	}
}

// varProxyAddXFF is the client's X-Forwarded-For with $remote_addr
// appended, as nginx builds it: every header line joined with ", ".
func varProxyAddXFF(st *reqState, _ string, d []byte) []byte {
	for _, v := range st.r.Header.Values("X-Forwarded-For") {
		d = append(d, v...)
		d = append(d, ", "...)
	}
	host, _ := splitAddr(st.r.RemoteAddr)
	return append(d, host...)
}
