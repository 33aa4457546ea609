package frontdesk

// Compression: nginx's gzip filter, gzip_static handler, and the core's
// gzip_* directives that decide whether a client may get gzip
// (ngx_http_gzip_ok).
//
// The filter runs where nginx's does: after the headers filter (add_header
// and expires have run, so their ETag is the one made weak) and before the
// range filter, which then sees no length and serves the whole body. It
// compresses 200, 403 and 404 responses of the gzip_types, at least
// gzip_min_length long when the length is known, unless the response
// already has a Content-Encoding or the request is HEAD. The output is
// compress/gzip's: it decompresses to the same bytes as zlib's, which it
// does not equal byte for byte.

import (
	"compress/gzip"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/frontdesk-go/frontdesk/internal/fileserve"
)

// gzip_proxied flags (NGX_HTTP_GZIP_PROXIED_*).
const (
	proxiedOff uint = 1 << iota
	proxiedExpired
	proxiedNoCache
	proxiedNoStore
	proxiedPrivate
	proxiedNoLM
	proxiedNoETag
	proxiedAuth
	proxiedAny
)

var proxiedFlags = map[string]uint{
	"off": proxiedOff, "expired": proxiedExpired, "no-cache": proxiedNoCache,
	"no-store": proxiedNoStore, "private": proxiedPrivate,
	"no_last_modified": proxiedNoLM, "no_etag": proxiedNoETag,
	"auth": proxiedAuth, "any": proxiedAny,
}

// gzip_static modes.
const (
	gzipStaticOff = iota
	gzipStaticOn
	gzipStaticAlways
)

// gzipSet is the raw gzip configuration of one level; nil is unset. Each
// field is merged on its own, as nginx merges them.
type gzipSet struct {
	enable      *bool
	level       *int
	minLength   *int64
	types       map[string]bool // "*" for every type
	vary        *bool
	http10      *bool
	proxied     *uint
	msie6       *bool
	disable     []*nginxRegexp
	static      *int
	disableSeen bool // gzip_disable written at this level
}

func (s gzipSet) inherit(p gzipSet) gzipSet {
	inheritPtr(&s.enable, p.enable)
	inheritPtr(&s.level, p.level)
	inheritPtr(&s.minLength, p.minLength)
	inheritPtr(&s.vary, p.vary)
	inheritPtr(&s.http10, p.http10)
	inheritPtr(&s.proxied, p.proxied)
	inheritPtr(&s.msie6, p.msie6)
	inheritPtr(&s.static, p.static)
	if s.types == nil {
		s.types = p.types
	}
	if !s.disableSeen {
		s.disable, s.disableSeen = p.disable, p.disableSeen
	}
	return s
}

// gzipConf is the compiled gzip configuration of a location.
type gzipConf struct {
	enable    bool
	level     int
	minLength int64
	types     map[string]bool
	allTypes  bool
	vary      bool
	http10    bool
	proxied   uint
	msie6     bool
	disable   []*nginxRegexp
	static    int
}

func (c *compiler) compileGzip(l *location, s gzipSet) gzipConf {
	g := gzipConf{
		enable:    valueOr(s.enable, false),
		level:     valueOr(s.level, 1),
		minLength: valueOr(s.minLength, 20),
		vary:      valueOr(s.vary, false),
		http10:    valueOr(s.http10, false),
		proxied:   valueOr(s.proxied, proxiedOff),
		msie6:     valueOr(s.msie6, false),
		disable:   s.disable,
		static:    valueOr(s.static, gzipStaticOff),
		types:     s.types,
	}
	if g.types == nil {
		g.types = map[string]bool{"text/html": true}
	}
	g.allTypes = g.types["*"]
	return g
}

func gzipDirective(name string, f func(*gzipSet) error) Directive {
	return directive(name, func(c *confSet) error { return f(&c.gzip) })
}

// Gzip mirrors nginx's gzip (default off): responses of [GzipTypes] are
// compressed for clients that accept gzip.
func Gzip(on bool) Directive {
	return gzipDirective("gzip", func(s *gzipSet) error { s.enable = &on; return nil })
}

// GzipCompLevel mirrors gzip_comp_level: 1 (the default, fastest) to 9.
func GzipCompLevel(level int) Directive {
	return gzipDirective("gzip_comp_level", func(s *gzipSet) error {
		if level < 1 || level > 9 {
			return fmt.Errorf("value must be between 1 and 9")
		}
		s.level = &level
		return nil
	})
}

// GzipMinLength mirrors gzip_min_length (default 20): responses whose
// Content-Length is smaller are not compressed; those without one are.
func GzipMinLength(n int64) Directive {
	return gzipDirective("gzip_min_length", func(s *gzipSet) error { s.minLength = &n; return nil })
}

// GzipTypes mirrors gzip_types: the MIME types compressed besides
// "text/html", which always is; "*" compresses every type.
func GzipTypes(types ...string) Directive {
	return gzipDirective("gzip_types", func(s *gzipSet) error {
		if len(types) == 0 {
			return errors.New("invalid number of arguments")
		}
		if s.types == nil {
			s.types = map[string]bool{"text/html": true}
		}
		for _, t := range types {
			s.types[strings.ToLower(t)] = true
		}
		return nil
	})
}

// GzipVary mirrors gzip_vary (default off): responses that gzip or
// gzip_static considered carry "Vary: Accept-Encoding".
func GzipVary(on bool) Directive {
	return gzipDirective("gzip_vary", func(s *gzipSet) error { s.vary = &on; return nil })
}

// GzipHTTPVersion mirrors gzip_http_version: "1.1" (the default) or
// "1.0", the oldest request version that gets gzip.
func GzipHTTPVersion(v string) Directive {
	return gzipDirective("gzip_http_version", func(s *gzipSet) error {
		switch v {
		case "1.0", "1.1":
			http10 := v == "1.0"
			s.http10 = &http10
			return nil
		}
		return fmt.Errorf("invalid value %q", v)
	})
}

// GzipProxied mirrors gzip_proxied: whether requests that came through a
// proxy (with a Via header) get gzip. "off" (the default) never, "any"
// always, otherwise when the response is "expired", "no-cache",
// "no-store", "private" (Cache-Control), lacks Last-Modified
// ("no_last_modified") or ETag ("no_etag"), or the request has
// Authorization ("auth").
func GzipProxied(flags ...string) Directive {
	return gzipDirective("gzip_proxied", func(s *gzipSet) error {
		var v uint
		if s.proxied != nil {
			v = *s.proxied
		}
		for _, f := range flags {
			bit, ok := proxiedFlags[strings.ToLower(f)]
			if !ok {
				return fmt.Errorf("invalid value %q", f)
			}
			v |= bit
		}
		s.proxied = &v
		return nil
	})
}

// GzipDisable mirrors gzip_disable: no gzip for User-Agents matching one
// of the regexes (caseless), or for MSIE 4 to 6 with "msie6".
// "degradation" is accepted and does nothing, as nginx without
// ngx_http_degradation_module.
func GzipDisable(patterns ...string) Directive {
	return gzipDirective("gzip_disable", func(s *gzipSet) error {
		s.disableSeen = true
		for _, p := range patterns {
			switch p {
			case "msie6":
				on := true
				s.msie6 = &on
				continue
			case "degradation":
				continue
			}
			re, err := compileRegex(p, true)
			if err != nil {
				return err
			}
			s.disable = append(s.disable, re)
		}
		return nil
	})
}

// GzipStatic mirrors gzip_static: "on" serves file.gz instead of file to
// clients that may get gzip, "always" to every client; "off" (the
// default) never.
func GzipStatic(mode string) Directive {
	return gzipDirective("gzip_static", func(s *gzipSet) error {
		m, ok := map[string]int{"off": gzipStaticOff, "on": gzipStaticOn, "always": gzipStaticAlways}[mode]
		if !ok {
			return fmt.Errorf("invalid value %q", mode)
		}
		s.static = &m
		return nil
	})
}

// GzipBuffers mirrors gzip_buffers, accepted for compatibility: buffer
// sizes are zlib's concern, not compress/gzip's.
func GzipBuffers(number int, size int64) Directive {
	return gzipDirective("gzip_buffers", func(s *gzipSet) error {
		if number <= 0 || size <= 0 {
			return errors.New("invalid value")
		}
		return nil
	})
}

// gzipState is what a request has decided about gzip.
type gzipState struct {
	tested, ok bool // ngx_http_gzip_ok's cached answer
	vary       bool // r->gzip_vary: add Vary if gzip_vary is on
	// static: gzip_static serves the file, without byte ranges (it
	// does not set nginx's allow_ranges).
	static bool
	// decidedFor is the status the filter decided for (0: not yet), and
	// encode its decision.
	decidedFor int
	encode     bool
}

// gzipOK is ngx_http_gzip_ok: may this client get gzip? h is the
// response header so far (gzip_proxied looks at it).
func (st *reqState) gzipOK(h http.Header) bool {
	if st.gz.tested {
		return st.gz.ok
	}
	st.gz.tested = true
	st.gz.ok = st.testGzip(h)
	return st.gz.ok
}

func (st *reqState) testGzip(h http.Header) bool {
	g := &st.conf().gzip
	r := st.r
	ae := firstValue(r.Header["Accept-Encoding"])
	if len(ae) == 0 || len(ae[0]) < 4 {
		return false
	}
	if !strings.HasPrefix(ae[0], "gzip,") && !acceptsGzip(ae[0]) {
		return false
	}
	ua := firstValue(r.Header["User-Agent"])
	if g.msie6 && len(ua) > 0 && msie6(ua[0]) {
		return false
	}
	if !g.http10 && !r.ProtoAtLeast(1, 1) {
		return false
	}
	if len(r.Header["Via"]) > 0 && !proxiedOK(g.proxied, r, h, st) {
		return false
	}
	if len(ua) > 0 {
		for _, re := range g.disable {
			if ok, _ := re.match(ua[0]); ok {
				return false
			}
		}
	}
	return true
}

// proxiedOK is gzip_proxied's verdict on a request with Via.
func proxiedOK(p uint, r *http.Request, h http.Header, st *reqState) bool {
	switch {
	case p&proxiedOff != 0:
		return false
	case p&proxiedAny != 0:
		return true
	case len(r.Header["Authorization"]) > 0 && p&proxiedAuth != 0:
		return true
	}
	if e := h["Expires"]; len(e) > 0 {
		if p&proxiedExpired == 0 {
			return false
		}
		exp, ok := fileserve.ParseHTTPTime(e[len(e)-1])
		if !ok {
			return false
		}
		date := st.now().Unix()
		if d := h["Date"]; len(d) > 0 {
			if date, ok = fileserve.ParseHTTPTime(d[0]); !ok {
				return false
			}
		}
		return exp < date
	}
	if cc := h["Cache-Control"]; len(cc) > 0 {
		return (p&proxiedNoCache != 0 && hasToken(cc, "no-cache")) ||
			(p&proxiedNoStore != 0 && hasToken(cc, "no-store")) ||
			(p&proxiedPrivate != 0 && hasToken(cc, "private"))
	}
	// A static file's Last-Modified is written by nginx's header filter,
	// after this test: only an upstream's counts.
	if p&proxiedNoLM != 0 && st.w.upstreamStatus && len(h["Last-Modified"]) > 0 {
		return false
	}
	if p&proxiedNoETag != 0 && etagKey(h) != "" {
		return false
	}
	return true
}

// hasToken is ngx_http_parse_multi_header_lines: name, caselessly, as a
// whole element of one of the lines.
func hasToken(lines []string, name string) bool {
	for _, v := range lines {
		for start := 0; start+len(name) <= len(v); {
			i := strings.Index(strings.ToLower(v[start:]), name)
			if i < 0 {
				break
			}
			i += start
			end := i + len(name)
			if (i == 0 || v[i-1] == ',' || v[i-1] == ' ') &&
				(end == len(v) || strings.IndexByte(",; =", v[end]) >= 0) {
				return true
			}
			start = i + 1
		}
	}
	return false
}

// acceptsGzip is ngx_http_gzip_accept_encoding: "gzip" as a token, with
// a q-value, if any, that is not zero.
func acceptsGzip(ae string) bool {
	start := 0
	var p int
	for {
		i := strings.Index(strings.ToLower(ae[start:]), "gzip")
		if i < 0 {
			return false
		}
		p = start + i
		if p == 0 || ae[p-1] == ',' || ae[p-1] == ' ' {
			break
		}
		start = p + 4
	}
	p += 4
	for p < len(ae) {
		c := ae[p]
		p++
		switch c {
		case ',':
			return true
		case ';':
			return gzipQuantity(ae[p:])
		case ' ':
		default:
			return false
		}
	}
	return true
}

// gzipQuantity reads "q=…" after ";" as nginx does (its digit sum quirk
// included) and reports whether it is not zero.
func gzipQuantity(s string) bool {
	p := 0
	for ; p < len(s); p++ {
		if c := s[p]; c == 'q' || c == 'Q' {
			break
		} else if c != ' ' {
			return false
		}
	}
	if p == len(s) {
		return true
	}
	p++
	if p+2 > len(s) || s[p] != '=' {
		return false
	}
	p++
	c := s[p]
	p++
	if c != '0' && c != '1' {
		return false
	}
	q := int(c-'0') * 100
	if p == len(s) {
		return q != 0
	}
	c = s[p]
	p++
	if c == ',' || c == ' ' {
		return q != 0
	}
	if c != '.' {
		return false
	}
	n := 0
	for ; p < len(s); p++ {
		c = s[p]
		if c == ',' || c == ' ' {
			break
		}
		if c < '0' || c > '9' {
			return false
		}
		q += int(c - '0')
		n++
	}
	return q <= 100 && n <= 3 && q != 0
}

// msie6 is nginx's r->headers_in.msie6: MSIE 4, 5 or 6 (6 without SV1),
// and not Opera.
func msie6(ua string) bool {
	if strings.Contains(ua, "Opera") {
		return false
	}
	i := strings.Index(ua, "MSIE ")
	if i < 0 || i+7 >= len(ua) || ua[i+6] != '.' {
		return false
	}
	switch ua[i+5] {
	case '4', '5':
		return true
	case '6':
		return !strings.Contains(ua[i+8:], "SV1")
	}
	return false
}

// gzipHeaderFilter is ngx_http_gzip_header_filter for a response with
// status code and header h: it decides once per status whether the body
// is compressed, and if so rewrites the header.
func (st *reqState) gzipHeaderFilter(h http.Header, code int) bool {
	if st.gz.decidedFor == code {
		return st.gz.encode
	}
	st.gz.decidedFor, st.gz.encode = code, false
	g := &st.conf().gzip
	// HEAD is no exception: nginx marks a request header-only after
	// this filter, so its headers say gzip too.
	if !g.enable || (code != http.StatusOK && code != http.StatusForbidden && code != http.StatusNotFound) ||
		hasContentEncoding(h) {
		return false
	}
	if cl := h["Content-Length"]; len(cl) > 0 {
		if n, err := strconv.ParseInt(cl[0], 10, 64); err == nil && n < g.minLength {
			return false
		}
	}
	if !g.allTypes && !g.types[gzipContentType(h)] {
		return false
	}
	st.gz.vary = true
	if !st.gzipOK(h) {
		return false
	}
	st.gz.encode = true
	h["Content-Encoding"] = []string{"gzip"}
	delete(h, "Content-Length")
	delete(h, "Accept-Ranges")
	weakETag(h)
	return true
}

func hasContentEncoding(h http.Header) bool {
	for _, v := range h["Content-Encoding"] {
		if v != "" {
			return true
		}
	}
	return false
}

// gzipContentType is the type gzip_types is matched against: the
// Content-Type value, lower-cased, cut before ";" when a charset
// parameter follows (nginx's content_type_len).
func gzipContentType(h http.Header) string {
	ct := h["Content-Type"]
	if len(ct) == 0 {
		return ""
	}
	v := ct[0]
	for i := 0; i < len(v); i++ {
		if v[i] != ';' {
			continue
		}
		rest := strings.TrimLeft(v[i+1:], " ")
		if len(rest) >= 8 && strings.EqualFold(rest[:8], "charset=") {
			v = v[:i]
			break
		}
	}
	return strings.ToLower(v)
}

// weakETag is ngx_http_weak_etag: a strong ETag becomes weak; one that is
// neither weak nor quoted is dropped.
func weakETag(h http.Header) {
	key := etagKey(h)
	if key == "" {
		return
	}
	et := h[key]
	v := et[len(et)-1]
	switch {
	case len(v) > 2 && strings.HasPrefix(v, "W/"):
	case !strings.HasPrefix(v, `"`):
		delete(h, key)
	default:
		et[len(et)-1] = "W/" + v
	}
}

// etagKey is the key of the ETag in h: canonical, or as an upstream
// spelled it; "" when there is none.
func etagKey(h http.Header) string {
	for _, k := range [...]string{"Etag", "ETag"} {
		if len(h[k]) > 0 {
			return k
		}
	}
	return ""
}

// gzipWriters pools compressors by level (index level-1).
var gzipWriters [9]sync.Pool

// gzipSink passes compressed bytes to the client, counting them.
type gzipSink struct{ w *respWriter }

func (s gzipSink) Write(p []byte) (int, error) {
	n, err := s.w.ResponseWriter.Write(p)
	s.w.bytes += int64(n)
	return n, err
}

// startGzip runs the gzip filter as the header is sent; it leaves w.gz
// set when the body is to be compressed.
func (w *respWriter) startGzip(h http.Header, code int) {
	st := w.st
	if st.gzipHeaderFilter(h, code) {
		// Streamed: chunked to HTTP/1.1 clients, until close to HTTP/1.0
		// ones, as nginx sends a body it compresses. The static handler
		// sets the file's length after the filter ran.
		delete(h, "Content-Length")
		delete(h, "Accept-Ranges")
		h["Transfer-Encoding"] = []string{"chunked"}
		if st.r.Method != http.MethodHead {
			level := st.conf().gzip.level
			gz, _ := gzipWriters[level-1].Get().(*gzip.Writer)
			if gz == nil {
				gz, _ = gzip.NewWriterLevel(gzipSink{w}, level)
			} else {
				gz.Reset(gzipSink{w})
			}
			w.gz, w.gzLevel = gz, level
		}
	}
	if st.gz.vary && st.conf().gzip.vary {
		// nginx's header filter writes it before the other headers.
		h["Vary"] = append([]string{"Accept-Encoding"}, h["Vary"]...)
		w.listFirst("Vary")
	}
}

// finish ends the compressed stream, if any.
func (w *respWriter) finish() {
	if w.gz == nil {
		return
	}
	_ = w.gz.Close()
	gzipWriters[w.gzLevel-1].Put(w.gz)
	w.gz = nil
}

// serveGzipStatic is ngx_http_gzip_static_handler: it serves the ".gz"
// sibling of the requested file, and reports whether it answered.
func (st *reqState) serveGzipStatic() bool {
	g := &st.conf().gzip
	if g.static == gzipStaticOff || (st.method != http.MethodGet && st.method != http.MethodHead) ||
		strings.HasSuffix(st.uri, "/") {
		return false
	}
	ok := true
	if g.static == gzipStaticOn {
		ok = st.gzipOK(st.w.Header())
	}
	if !g.vary && !ok {
		return false
	}
	full, root := st.mapURIToPath(st.uri)
	fi, _, err := st.openRooted(st.resolve(full+".gz", root), false)
	if err != nil {
		return false
	}
	if g.static == gzipStaticOn {
		st.gz.vary = true
		if !ok {
			fi.close()
			return false
		}
	}
	defer fi.close()
	switch {
	case fi.info.IsDir():
		return false
	case !fi.info.Mode().IsRegular():
		st.finalize(http.StatusNotFound)
		return true
	}
	st.w.Header()["Content-Encoding"] = []string{"gzip"}
	st.gz.static = true
	st.sendFile(fi)
	return true
}
