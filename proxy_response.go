package frontdesk

// The response side of proxy_pass: what nginx passes back to the client
// from the upstream's response (ngx_http_upstream_process_header and the
// proxy module's header rules).

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/h1"
)

// hiddenByDefault are the upstream response headers nginx does not pass
// (ngx_http_proxy_hide_headers), plus the hop-by-hop ones it consumes.
var hiddenByDefault = []string{"date", "server", "x-pad", "x-accel-expires", "x-accel-redirect",
	"x-accel-limit-rate", "x-accel-buffering", "x-accel-charset"}

var hopByHop = map[string]bool{"connection": true, "keep-alive": true, "transfer-encoding": true,
	"upgrade": true, "te": true, "trailer": true, "proxy-connection": false}

// sendUpstreamResponse passes the upstream response to the client with
// nginx's header rules, then streams the body.
func (st *reqState) sendUpstreamResponse(h *proxyHandler, resp *h1.Response, br *bufio.Reader, conn net.Conn) {
	pc := h.conf
	out := st.w.Header()
	buffering := pc.buffering
	for _, f := range resp.Fields {
		lname := strings.ToLower(f.Name)
		if lname == "x-accel-buffering" {
			buffering = !strings.EqualFold(f.Value, "no") && (buffering || strings.EqualFold(f.Value, "yes"))
		}
		if pc.hideHeaders[lname] || hopByHop[lname] || lname == "content-length" {
			continue
		}
		value := f.Value
		if lname == "location" || lname == "refresh" {
			value = st.rewriteRedirect(h, value, lname == "refresh")
		}
		out[f.Name] = append(out[f.Name], value)
	}
	// The one Content-Length nginx honoured (the last valid one, none when
	// chunked) is the one the client gets.
	if resp.ContentLength >= 0 {
		out["Content-Length"] = []string{strconv.FormatInt(resp.ContentLength, 10)}
	}
	if _, ok := out["Content-Type"]; !ok {
		// net/http would sniff a type nginx never sends.
		out["Content-Type"] = nil
	}
	st.w.WriteHeader(resp.Status)
	if !h1.BodyAllowed(st.method, resp.Status) {
		return
	}
	// Without a length nginx streams (chunked, or until close for HTTP/1.0
	// clients); flushing once body bytes are out keeps net/http from
	// computing a Content-Length nginx would not send. Like nginx's
	// postpone_output, nothing is flushed before the first body bytes, so
	// a body that fails at once leaves the client with no response.
	unknownLength := resp.ContentLength < 0
	body := resp.Body(br, st.method)
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	buf := *bp
	wrote := false
	for {
		_ = conn.SetReadDeadline(time.Now().Add(pc.readTimeout))
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := st.w.Write(buf[:n]); werr != nil {
				panic(http.ErrAbortHandler)
			}
			if !buffering || (unknownLength && !wrote) {
				st.w.Flush()
			}
			wrote = true
		}
		if err == io.EOF {
			if unknownLength && !wrote {
				st.w.Flush()
			}
			return
		}
		if err != nil {
			if errors.Is(err, h1.ErrInvalidChunk) {
				st.srv.proxy.logger.Error("upstream sent invalid chunked response", "location", st.loc.pattern)
				panic(http.ErrAbortHandler)
			}
			st.srv.proxy.logger.Error("upstream prematurely closed connection while reading upstream", "location", st.loc.pattern, "err", err)
			// Send what was received, then cut the connection as nginx
			// does: the client sees a short body, not a complete one.
			st.w.Flush()
			panic(http.ErrAbortHandler)
		}
	}
}

// rewriteRedirect applies proxy_redirect to a Location or Refresh value.
func (st *reqState) rewriteRedirect(h *proxyHandler, v string, refresh bool) string {
	pc := h.conf
	if pc.redirectOff {
		return v
	}
	prefix, target := "", v
	if refresh {
		i := strings.Index(strings.ToLower(v), "url=")
		if i < 0 {
			return v
		}
		prefix, target = v[:i+4], v[i+4:]
	}
	rules := pc.redirects
	if rules == nil {
		from := h.url
		if !h.hasURI {
			from += "/"
		}
		to := h.loc.name
		if !h.hasURI {
			to = "/"
		}
		rules = []redirectRule{{from: from, to: to}}
	}
	for _, r := range rules {
		if rest, ok := strings.CutPrefix(target, r.from); ok {
			return st.absoluteLocation(prefix + r.to + rest)
		}
	}
	return v
}

// sendHTTP09 passes an upstream response without a status line to the
// client as nginx does: the raw bytes, on a connection closed after them,
// nothing at all for HEAD.
func (st *reqState) sendHTTP09(resp *h1.Response, br *bufio.Reader) {
	st.w.status = http.StatusOK
	st.w.wroteHeader = true
	conn, bufw, err := http.NewResponseController(st.w.ResponseWriter).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	if st.method == http.MethodHead {
		return
	}
	_, _ = bufw.Write(resp.Consumed())
	_, _ = io.Copy(bufw, br)
	_ = bufw.Flush()
}

// copyBufPool holds the buffers response bodies are copied through.
var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}
