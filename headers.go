package frontdesk

// Response header rules: add_header and expires (nginx's headers filter)
// and what nginx's header filter does to every response (Server, status
// overrides from error_page, Last-Modified only on 200/206/304, 204
// without entity headers).

import (
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/fileserve"
	"golang.org/x/net/http/httpguts"
)

type addHeaderDef struct {
	name, value string
	always      bool
}

type addHeader struct {
	name   string
	value  *template
	always bool
}

// AddHeader mirrors nginx's add_header: the header is added to responses
// with status 200, 201, 204, 206, 301, 302, 303, 304, 307 or 308, and an
// empty value (after variable expansion) adds nothing. A level with any
// add_header of its own inherits none from outer levels, as in nginx.
func AddHeader(name, value string) Directive {
	return addHeaderDirective(name, value, false)
}

// AddHeaderAlways is add_header with "always": the header is added
// whatever the status.
func AddHeaderAlways(name, value string) Directive {
	return addHeaderDirective(name, value, true)
}

func addHeaderDirective(name, value string, always bool) Directive {
	return directive("add_header", func(c *confSet) error {
		if !httpguts.ValidHeaderFieldName(name) {
			return errors.New("invalid header name " + strconvQuote(name))
		}
		if c.addHeaders == nil {
			c.addHeaders = []addHeaderDef{}
		}
		c.addHeaders = append(c.addHeaders, addHeaderDef{name: name, value: value, always: always})
		return nil
	})
}

func strconvQuote(s string) string { return "\"" + s + "\"" }

func lastModified(h http.Header) time.Time {
	if sec, ok := fileserve.ParseHTTPTime(h.Get("Last-Modified")); ok {
		return time.Unix(sec, 0)
	}
	return time.Time{}
}

// respWriter sits between a location's handler and the client: it applies
// the header filters when the status is written, and records the status
// for $status.
type respWriter struct {
	http.ResponseWriter
	st     *reqState
	status int
	// pending is the status a content handler chose before sending it
	// (r->headers_out.status), for $status.
	pending int
	// absLocation: the first Location value is nginx's own
	// (r->headers_out.location), made absolute when sent.
	absLocation bool
	// addedServer holds add_header's Server values: nginx's header filter
	// writes its own Server header first, then these.
	addedServer []string
	// upstreamStatus: the status line is an upstream's, which nginx's
	// header filter passes as it is, without its own rules for Last-Modified
	// and for the headers of a 204.
	upstreamStatus bool
	wroteHeader    bool
	bytes          int64
	// order is where the binary's server loop takes the order of the
	// header fields from (h1server.HeaderOrder): the fields nginx keeps
	// in its list, in the order it adds them. nil under net/http, which
	// sorts them.
	order *[]string
	// gz compresses the body when the gzip filter chose to.
	gz      *gzip.Writer
	gzLevel int
}

func (w *respWriter) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	if code >= 100 && code < 200 {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.wroteHeader = true
	st := w.st
	if st.errStatus > 0 {
		code = st.errStatus
	}
	w.status = code
	h := w.ResponseWriter.Header()
	switch {
	case w.upstreamStatus:
	case code == http.StatusOK, code == http.StatusPartialContent, code == http.StatusNotModified:
	case code == http.StatusNoContent:
		delete(h, "Content-Type")
		delete(h, "Content-Length")
		delete(h, "Last-Modified")
	default:
		delete(h, "Last-Modified")
	}
	c := st.conf()
	if !st.headersFiltered {
		st.headersFilter(h, code)
	}
	w.startGzip(h, code)
	// The gzip and range filters run after the headers filter.
	for _, name := range [...]string{"Content-Encoding", "Content-Range", "Accept-Ranges"} {
		w.listPresent(h, name)
	}
	// nginx's header filter makes its own Location absolute, after
	// add_header has seen it as given ($sent_http_location).
	if v := h["Location"]; w.absLocation && len(v) > 0 {
		v[0] = st.absoluteLocation(v[0])
	}
	// nginx writes its own Server header unless the response already
	// has one (from an upstream; here, from the handler).
	if _, ok := h["Server"]; !ok {
		if c.serverTokens {
			h["Server"] = st.srv.serverHeader[0]
		} else {
			h["Server"] = st.srv.serverHeader[1]
		}
	}
	if len(w.addedServer) > 0 {
		h["Server"] = append(h["Server"], w.addedServer...)
	}
	w.ResponseWriter.WriteHeader(code)
}

// list records a field added to the response, for the binary's header
// order.
func (w *respWriter) list(name string) {
	if w.order != nil {
		*w.order = append(*w.order, name)
	}
}

// listFirst records a field nginx's header filter writes before the
// list (gzip_vary's Vary), as the list's first.
func (w *respWriter) listFirst(name string) {
	if w.order != nil {
		*w.order = slices.Insert(*w.order, 0, name)
	}
}

// listPresent records the field name of h, unless it is listed already:
// nginx sets it in place then.
func (w *respWriter) listPresent(h http.Header, name string) {
	if w.order != nil && len(h[name]) > 0 && !slices.Contains(*w.order, name) {
		*w.order = append(*w.order, name)
	}
}

// fieldKey is the key of h that is name in any case, name when none is.
func fieldKey(h http.Header, name string) string {
	for k := range h {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// headersFilter is nginx's headers filter: expires and add_header for a
// response with status code.
func (st *reqState) headersFilter(h http.Header, code int) {
	c := st.conf()
	st.w.pending = code
	st.w.addedServer = st.w.addedServer[:0]
	safe := fileserve.SafeStatus(code)
	// The content handler's ETag is in the list before what this
	// filter adds.
	st.w.listPresent(h, "ETag")
	if c.expires != nil {
		c.expires.Apply(h, code, st.now(), lastModified(h))
		// Set in place when the response has them, added otherwise.
		st.w.listPresent(h, "Expires")
		st.w.listPresent(h, "Cache-Control")
	}
	for i := range c.addHeaders {
		ah := &c.addHeaders[i]
		if !safe && !ah.always {
			continue
		}
		v := ah.value.string(st)
		switch {
		case strings.EqualFold(ah.name, "server"):
			if v != "" {
				st.w.addedServer = append(st.w.addedServer, v)
				st.w.list("Server")
			}
		case strings.EqualFold(ah.name, "last-modified"), strings.EqualFold(ah.name, "etag"):
			// Set in place, under the spelling it has (ETag, from the
			// static handler), or added as configured.
			key := fieldKey(h, ah.name)
			if v == "" {
				delete(h, key)
			} else {
				h[key] = []string{v}
				st.w.listPresent(h, key)
			}
		default:
			if v != "" {
				h[ah.name] = append(h[ah.name], v)
				st.w.list(ah.name)
			}
		}
	}
}

func (w *respWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.gz != nil {
		return w.gz.Write(b)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom copies src to the client; without a compressor in the way it
// hands src to the underlying writer, so net/http can use sendfile for a
// file body as nginx does.
func (w *respWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok && w.gz == nil {
		n, err := rf.ReadFrom(src)
		w.bytes += n
		return n, err
	}
	return io.Copy(writerOnly{w}, src)
}

// writerOnly hides ReadFrom, so io.Copy falls back to Write.
type writerOnly struct{ io.Writer }

// Flush sends buffered data to the client, for streaming handlers.
func (w *respWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.gz != nil {
		_ = w.gz.Flush()
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives [http.ResponseController] the underlying writer.
func (w *respWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
