package fileserve

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Content describes a response body the way nginx's static module describes
// a file to the filter chain.
type Content struct {
	// Size is the body length in bytes (Content-Length for a full response).
	Size int64
	// ModTime is the Last-Modified time. The zero value means the response
	// has no Last-Modified, which, as in nginx, also disables the
	// conditional-request checks and date-based If-Range.
	ModTime time.Time
	// ETag is the entity tag to send and compare, normally ETag(ModTime,
	// Size); "" when the etag directive is off.
	ETag string
	// Type is the complete Content-Type value, charset included if the
	// charset filter would add one; "" sends no Content-Type at all.
	Type string
	// Body supplies the bytes. It is read only for GET-like requests.
	Body io.ReaderAt
}

// IfModifiedSince values for Options.IfModifiedSince, named after the
// if_modified_since directive's arguments.
const (
	IMSExact  = "exact"
	IMSBefore = "before"
	IMSOff    = "off"
)

// Options carries the core-module switches that shape a static response.
type Options struct {
	// IfModifiedSince is the if_modified_since directive: "exact" (also
	// ""; nginx's default) answers 304 only when the date equals the
	// mtime to the second, "before" also when the date is later, "off"
	// ignores If-Modified-Since (and thereby disables If-None-Match when
	// both are sent, since nginx then treats the resource as modified).
	IfModifiedSince string
	// MaxRanges is the max_ranges directive: -1 (or any negative value)
	// for nginx's default of no limit, 0 to disable byte ranges entirely
	// (then no Accept-Ranges header is sent either), n > 0 to serve the
	// full body when a request asks for more than n satisfiable ranges.
	// Note that the zero value therefore disables ranges.
	MaxRanges int
	// HeaderFilter, when set, is called exactly once with the response
	// headers and the status nginx's headers filter would see, at the
	// point where that filter runs: after the 304 decision and before the
	// range filter. Use it for expires and add_header. Its status is 200
	// (or the caller's status, or 304), never 206 or 416: nginx applies
	// expires/add_header to a 200 that the range filter then turns into
	// 206 or 416, so a 416 keeps those headers. It is not called for 412.
	HeaderFilter func(h http.Header, status int)
	// NoRanges, when set, is asked after HeaderFilter ran whether nginx's
	// range filter stays out of this response: a content coding (the
	// gzip filter) leaves it no length, or the handler (gzip_static)
	// does not allow ranges. The full body is then sent without
	// Accept-Ranges.
	NoRanges func() bool
}

// nextBoundary returns the number printed as a multipart/byteranges
// boundary. nginx uses ngx_next_temp_number(0), a per-worker counter shared
// with temporary-file names that starts at 1, printed as 20 zero-padded
// digits on 64-bit builds. Ours is a process-wide counter with the same
// format, so the first multipart response of a fresh nginx worker and of a
// fresh process are byte-identical; beyond that the numbers drift apart
// (nginx also spends them on temp files), so multipart bodies are compared
// with nginx structurally, not byte for byte. Tests replace this variable.
var nextBoundary = func() uint64 { return boundaryCounter.Add(1) }

var boundaryCounter atomic.Uint64

// Serve answers a request for c the way nginx's static handler and its
// filter chain do (ngx_http_not_modified_filter_module, then the headers
// filter, then ngx_http_range_filter_module), and writes the response when it
// can.
//
// status is the status the content is served with, normally 200. Any other
// value (a static file served as an error_page, say) skips the conditional
// and range logic, as nginx does, and sends Content-Type, Content-Length and
// ETag but no Last-Modified and no Accept-Ranges.
//
// For status 200 the outcome is one of:
//
//   - 304 when If-None-Match and/or If-Modified-Since say the client's copy
//     is current. Both must agree when both are sent. The 304 carries
//     Last-Modified and ETag only. If-None-Match uses weak comparison (W/
//     ignored on either side) and "*" matches any resource, with or without
//     ETag.
//   - 412, not written, when If-Unmodified-Since is earlier than the mtime
//     or unparsable, or If-Match ("*" or a strong list match) fails.
//     Serve returns (false, 412) and sets no headers; the caller sends
//     nginx's error page.
//   - 206 with Content-Range for one satisfiable range, or
//     multipart/byteranges for several, in request order, overlaps kept.
//     Requests whose ranges add up to more than the file, or that exceed
//     Options.MaxRanges, get the full 200. If-Range (an exact ETag when
//     the value ends in '"', else a date equal to the mtime) must match or
//     the full 200 is sent.
//   - 416, not written, when the Range header starts with "bytes=" but
//     holds no satisfiable range or is malformed past that prefix. Serve
//     returns (false, 416) with "Content-Range: bytes */size" set; the
//     caller sends nginx's error page without clearing that header (or
//     whatever HeaderFilter added).
//   - 200 with Accept-Ranges: bytes otherwise; a Range header that does
//     not start with "bytes=" (case-insensitively) is ignored.
//
// HEAD requests get the same status and headers, Content-Length included,
// without a body. Only the first Range and If-Range header lines are
// looked at; nginx rejects requests with repeated If-Modified-Since,
// If-Unmodified-Since, If-Match, If-None-Match or If-Range lines with 400
// before any of this runs, which callers must do themselves.
//
// If reading the body fails after the headers were sent the connection is
// aborted with panic(http.ErrAbortHandler), as nginx closes the connection
// when a file turns out shorter than announced.
func Serve(w http.ResponseWriter, r *http.Request, c Content, status int, opt Options) (handled bool, errStatus int) {
	h := w.Header()
	headOnly := r.Method == http.MethodHead

	vals := make(headerValues, 0, 5)
	if status != http.StatusOK {
		setEntityHeaders(h, &vals, c, status)
		vals.set(h, "Content-Length", ContentLength(c.Size))
		if opt.HeaderFilter != nil {
			opt.HeaderFilter(h, status)
		}
		w.WriteHeader(status)
		if !headOnly {
			copyRange(w, c.Body, 0, c.Size)
		}
		return true, 0
	}

	switch notModified(r, c, opt) {
	case http.StatusPreconditionFailed:
		return false, http.StatusPreconditionFailed
	case http.StatusNotModified:
		// ngx_http_not_modified_header_filter clears these.
		for _, k := range []string{"Content-Type", "Content-Length", "Accept-Ranges", "Content-Encoding"} {
			h.Del(k)
		}
		if !c.ModTime.IsZero() {
			h.Set("Last-Modified", LastModified(c.ModTime))
		}
		if c.ETag != "" {
			vals.set(h, "ETag", c.ETag)
		}
		if opt.HeaderFilter != nil {
			opt.HeaderFilter(h, http.StatusNotModified)
		}
		w.WriteHeader(http.StatusNotModified)
		return true, 0
	}

	setEntityHeaders(h, &vals, c, status)
	if opt.HeaderFilter != nil {
		opt.HeaderFilter(h, status)
	}

	ranges, res := rangeDecision(r, c, opt)
	switch res {
	case rangeNotSatisfiable:
		// The error page replaces the entity headers; what the headers
		// filter added stays (nginx quirk, see Options.HeaderFilter).
		h.Del("Content-Type")
		h.Del("Last-Modified")
		delete(h, "ETag")
		h.Set("Content-Range", "bytes */"+strconv.FormatInt(c.Size, 10))
		return false, http.StatusRequestedRangeNotSatisfiable
	case rangeOK:
		if len(ranges) == 1 {
			rg := ranges[0]
			h.Set("Content-Length", strconv.FormatInt(rg.end-rg.start, 10))
			h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", rg.start, rg.end-1, c.Size))
			w.WriteHeader(http.StatusPartialContent)
			if !headOnly {
				copyRange(w, c.Body, rg.start, rg.end-rg.start)
			}
			return true, 0
		}
		writeMultipart(w, c, ranges, headOnly)
		return true, 0
	case rangeIgnored:
		// Added: one an upstream left before an X-Accel-Redirect stays.
		if ar := h["Accept-Ranges"]; len(ar) > 0 {
			h["Accept-Ranges"] = append(ar, "bytes")
		} else {
			vals.set(h, "Accept-Ranges", "bytes")
		}
	}

	vals.set(h, "Content-Length", ContentLength(c.Size))
	w.WriteHeader(http.StatusOK)
	if !headOnly {
		copyRange(w, c.Body, 0, c.Size)
	}
	return true, 0
}

// setEntityHeaders sets what the static handler and the header filter put
// on a full response: Content-Type (explicitly absent when empty, so that
// net/http does not sniff one), Last-Modified (only for 200, 206 and 304, as
// ngx_http_header_filter drops it otherwise) and ETag.
func setEntityHeaders(h http.Header, vals *headerValues, c Content, status int) {
	if _, ok := h["Content-Type"]; ok {
		// ngx_http_set_content_type keeps a type already set: the one
		// of an upstream response an X-Accel-Redirect replaced.
	} else if c.Type != "" {
		vals.set(h, "Content-Type", c.Type)
	} else {
		h["Content-Type"] = nil
	}
	if !c.ModTime.IsZero() && status == http.StatusOK {
		vals.set(h, "Last-Modified", LastModified(c.ModTime))
	}
	if c.ETag != "" {
		// nginx's spelling, not the canonical "Etag".
		vals.set(h, "ETag", c.ETag)
	}
}

// headerValues hands out the one-value slices of the headers a response
// sets from one allocation instead of one each.
type headerValues []string

// set sets the canonical header key to the single value v.
func (vals *headerValues) set(h http.Header, key, v string) {
	if len(*vals) == cap(*vals) {
		h[key] = []string{v}
		return
	}
	n := len(*vals)
	*vals = append(*vals, v)
	h[key] = (*vals)[n : n+1 : n+1]
}

// notModified runs ngx_http_not_modified_header_filter and returns 412, 304
// or 0 (serve normally).
func notModified(r *http.Request, c Content, opt Options) int {
	if c.ModTime.IsZero() {
		return 0
	}
	lm := c.ModTime.Unix()

	if v, ok := firstHeader(r, "If-Unmodified-Since"); ok {
		t, valid := ParseHTTPTime(v)
		if !valid {
			t = -1
		}
		if !(t >= lm) {
			return http.StatusPreconditionFailed
		}
	}
	if v, ok := firstHeader(r, "If-Match"); ok && !etagListMatch(v, c.ETag, false) {
		return http.StatusPreconditionFailed
	}

	ims, hasIMS := firstHeader(r, "If-Modified-Since")
	inm, hasINM := firstHeader(r, "If-None-Match")
	if !hasIMS && !hasINM {
		return 0
	}
	if hasIMS && modifiedSince(ims, lm, opt.IfModifiedSince) {
		return 0
	}
	if hasINM && !etagListMatch(inm, c.ETag, true) {
		return 0
	}
	return http.StatusNotModified
}

// modifiedSince mirrors ngx_http_test_if_modified: true means "send the
// body". An unparsable date counts as -1.
func modifiedSince(v string, lm int64, mode string) bool {
	if mode == IMSOff {
		return true
	}
	ims, ok := ParseHTTPTime(v)
	if !ok {
		ims = -1
	}
	if ims == lm {
		return false
	}
	return mode != IMSBefore || ims < lm
}

// etagListMatch mirrors ngx_http_test_if_match: a header that is exactly
// "*" always matches; otherwise each comma-separated element must equal
// etag byte for byte (optionally followed by spaces or tabs). With weak
// comparison a leading "W/" is ignored on the element and on etag. An
// absent etag matches nothing.
func etagListMatch(list, etag string, weak bool) bool {
	if list == "*" {
		return true
	}
	if etag == "" {
		return false
	}
	if weak && len(etag) > 2 && etag[0] == 'W' && etag[1] == '/' {
		etag = etag[2:]
	}
	p := 0
	for p < len(list) {
		if weak && len(list)-p > 2 && list[p] == 'W' && list[p+1] == '/' {
			p += 2
		}
		if len(etag) > len(list)-p {
			return false
		}
		if list[p:p+len(etag)] == etag {
			q := p + len(etag)
			for q < len(list) && (list[q] == ' ' || list[q] == '\t') {
				q++
			}
			if q == len(list) || list[q] == ',' {
				return true
			}
		}
		for p < len(list) && list[p] != ',' {
			p++
		}
		for p < len(list) && (list[p] == ' ' || list[p] == '\t' || list[p] == ',') {
			p++
		}
	}
	return false
}

// firstHeader returns the first value of a request header and whether the
// header was present at all (an empty value still counts, as in nginx).
func firstHeader(r *http.Request, name string) (string, bool) {
	v, ok := r.Header[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

type rangeResult int

const (
	rangeIgnored        rangeResult = iota // full 200 with Accept-Ranges
	rangeDisabled                          // full 200 without Accept-Ranges (max_ranges 0)
	rangeOK                                // 206
	rangeNotSatisfiable                    // 416
)

// byteRange is a half-open interval [start, end).
type byteRange struct{ start, end int64 }

// rangeDecision mirrors ngx_http_range_header_filter for a 200 response.
func rangeDecision(r *http.Request, c Content, opt Options) ([]byteRange, rangeResult) {
	if opt.MaxRanges == 0 || (opt.NoRanges != nil && opt.NoRanges()) {
		return nil, rangeDisabled
	}
	spec, ok := firstHeader(r, "Range")
	if !ok || len(spec) < 7 || !strings.EqualFold(spec[:6], "bytes=") {
		return nil, rangeIgnored
	}
	if ir, ok := firstHeader(r, "If-Range"); ok {
		if len(ir) >= 2 && ir[len(ir)-1] == '"' {
			if c.ETag == "" || ir != c.ETag {
				return nil, rangeIgnored
			}
		} else {
			if c.ModTime.IsZero() {
				return nil, rangeIgnored
			}
			t, valid := ParseHTTPTime(ir)
			if !valid {
				t = -1
			}
			if t != c.ModTime.Unix() {
				return nil, rangeIgnored
			}
		}
	}
	limit := int64(math.MaxInt32) // nginx's "unlimited" max_ranges
	if opt.MaxRanges > 0 {
		limit = int64(opt.MaxRanges)
	}
	return parseRanges(spec[6:], c.Size, limit)
}

// parseRanges mirrors ngx_http_range_parse on the part of the Range value
// after "bytes=". Only ' ' is skipped as white space. Unsatisfiable
// elements are dropped; a syntax error anywhere makes the whole header
// unsatisfiable; more than limit satisfiable ranges, or ranges adding up to
// more than size, make nginx fall back to the full response. An element
// whose start is 0 but that selects nothing (only possible for an empty
// file) also means the full response.
func parseRanges(spec string, size, limit int64) ([]byteRange, rangeResult) {
	const cutoff, cutlim = math.MaxInt64 / 10, math.MaxInt64 % 10
	at := func(i int) byte {
		if i < len(spec) {
			return spec[i]
		}
		return 0
	}
	digit := func(c byte) bool { return c >= '0' && c <= '9' }

	var ranges []byteRange
	var total int64
	p := 0
	for {
		var start, end int64
		suffix := false
		for at(p) == ' ' {
			p++
		}
		open := false
		if at(p) != '-' {
			if !digit(at(p)) {
				return nil, rangeNotSatisfiable
			}
			for digit(at(p)) {
				d := int64(at(p) - '0')
				if start >= cutoff && (start > cutoff || d > cutlim) {
					return nil, rangeNotSatisfiable
				}
				start = start*10 + d
				p++
			}
			for at(p) == ' ' {
				p++
			}
			if at(p) != '-' {
				return nil, rangeNotSatisfiable
			}
			p++
			for at(p) == ' ' {
				p++
			}
			if at(p) == ',' || at(p) == 0 {
				end = size
				open = true
			}
		} else {
			suffix = true
			p++
		}

		if !open {
			if !digit(at(p)) {
				return nil, rangeNotSatisfiable
			}
			for digit(at(p)) {
				d := int64(at(p) - '0')
				if end >= cutoff && (end > cutoff || d > cutlim) {
					return nil, rangeNotSatisfiable
				}
				end = end*10 + d
				p++
			}
			for at(p) == ' ' {
				p++
			}
			if at(p) != ',' && at(p) != 0 {
				return nil, rangeNotSatisfiable
			}
			if suffix {
				if end < size {
					start = size - end
				} else {
					start = 0
				}
				end = size - 1
			}
			if end >= size {
				end = size
			} else {
				end++
			}
		}

		if start < end {
			ranges = append(ranges, byteRange{start, end})
			if total > math.MaxInt64-(end-start) {
				return nil, rangeNotSatisfiable
			}
			total += end - start
			if limit == 0 {
				return nil, rangeIgnored
			}
			limit--
		} else if start == 0 {
			return nil, rangeIgnored
		}

		c := at(p)
		p++
		if c != ',' {
			break
		}
	}
	if len(ranges) == 0 {
		return nil, rangeNotSatisfiable
	}
	if total > size {
		return nil, rangeIgnored
	}
	return ranges, rangeOK
}

// writeMultipart sends a multipart/byteranges response in the exact layout
// of ngx_http_range_multipart_header/_body: the body opens with CRLF, every
// part is "--boundary", its Content-Type (when the content has one) and
// Content-Range, a blank line and the data, and the closing delimiter is
// followed by CRLF.
func writeMultipart(w http.ResponseWriter, c Content, ranges []byteRange, headOnly bool) {
	boundary := fmt.Sprintf("%020d", nextBoundary())
	partHeader := "\r\n--" + boundary + "\r\n"
	if c.Type != "" {
		partHeader += "Content-Type: " + c.Type + "\r\n"
	}
	partHeader += "Content-Range: bytes "
	closing := "\r\n--" + boundary + "--\r\n"

	length := int64(len(closing))
	ranged := make([]string, len(ranges))
	for i, rg := range ranges {
		ranged[i] = fmt.Sprintf("%d-%d/%d\r\n\r\n", rg.start, rg.end-1, c.Size)
		length += int64(len(partHeader)+len(ranged[i])) + rg.end - rg.start
	}

	h := w.Header()
	h.Set("Content-Type", "multipart/byteranges; boundary="+boundary)
	h.Set("Content-Length", strconv.FormatInt(length, 10))
	w.WriteHeader(http.StatusPartialContent)
	if headOnly {
		return
	}
	for i, rg := range ranges {
		writeString(w, partHeader)
		writeString(w, ranged[i])
		copyRange(w, c.Body, rg.start, rg.end-rg.start)
	}
	writeString(w, closing)
}

func writeString(w io.Writer, s string) {
	if _, err := io.WriteString(w, s); err != nil {
		panic(http.ErrAbortHandler)
	}
}

// copyRange copies n bytes at off from body to w, aborting the connection
// if they cannot all be delivered: the headers already promised them. A
// range that fits one copy buffer is read with one pread and written with
// one Write, so a small file goes out with its headers in a single write;
// a larger file is handed to the connection's ReadFrom as a limited
// *os.File, which net/http (and the binary's loop) send with sendfile.
func copyRange(w io.Writer, body io.ReaderAt, off, n int64) {
	if n == 0 {
		return
	}
	if body == nil {
		panic(http.ErrAbortHandler)
	}
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	if n <= int64(len(*buf)) {
		b := (*buf)[:n]
		if _, err := body.ReadAt(b, off); err != nil {
			panic(http.ErrAbortHandler)
		}
		if _, err := w.Write(b); err != nil {
			panic(http.ErrAbortHandler)
		}
		return
	}
	if f, ok := body.(*os.File); ok {
		if rf, ok := w.(io.ReaderFrom); ok {
			if _, err := f.Seek(off, io.SeekStart); err != nil {
				panic(http.ErrAbortHandler)
			}
			if written, err := rf.ReadFrom(io.LimitReader(f, n)); err != nil || written != n {
				panic(http.ErrAbortHandler)
			}
			return
		}
	}
	written, err := io.CopyBuffer(w, io.NewSectionReader(body, off, n), *buf)
	if err != nil || written != n {
		panic(http.ErrAbortHandler)
	}
}

// copyBufs holds copy buffers: io.Copy would allocate 32 KiB for every
// response, since a SectionReader does not bound its buffer as a
// LimitedReader does.
var copyBufs = sync.Pool{New: func() any {
	b := make([]byte, 32<<10)
	return &b
}}
