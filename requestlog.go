package frontdesk

// The errors nginx writes to its error_log about a request, as structured
// records: the message is nginx's text, the attributes its context.

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"syscall"

	"github.com/frontdesk-go/frontdesk/internal/h1"
	"github.com/frontdesk-go/frontdesk/internal/syserr"
)

// Attribute keys of a request's error records, named as nginx's context
// suffix names them (", client: …, server: …").
const (
	LogClient   = "client"
	LogServer   = "server"
	LogRequest  = "request"
	LogUpstream = "upstream"
	LogHost     = "host"
	LogReferrer = "referrer"
)

// The levels of nginx's [crit] and [alert], above slog's Error.
const (
	logCrit  = slog.LevelError + 4
	logAlert = slog.LevelError + 8
)

// logging reports whether the logger wants a record at level for this
// request: the caller builds a message only when it does.
func (st *reqState) logging(level slog.Level) bool {
	return st.srv.proxy.logger.Enabled(st.r.Context(), level)
}

// logRequest writes msg, nginx's text for an event of this request, with
// nginx's context: the client, the server's first server_name, the request
// line, the upstream (when not empty), the Host and the Referer (when
// sent). The record carries the request's context, where a server can
// find its connection number.
func (st *reqState) logRequest(level slog.Level, msg, upstream string) {
	ctx := st.r.Context()
	l := st.srv.proxy.logger
	if !l.Enabled(ctx, level) {
		return
	}
	r := st.r
	var attrs [6]slog.Attr
	a := append(attrs[:0],
		slog.String(LogClient, st.remote().text),
		slog.String(LogServer, st.srv.name),
		slog.String(LogRequest, r.Method+" "+r.RequestURI+" "+r.Proto))
	if upstream != "" {
		a = append(a, slog.String(LogUpstream, upstream))
	}
	if r.Host != "" {
		a = append(a, slog.String(LogHost, r.Host))
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		a = append(a, slog.String(LogReferrer, ref))
	}
	l.LogAttrs(ctx, level, msg, a...)
}

// upstreamURL is nginx's "upstream" context: the scheme, the peer (or the
// group when none was chosen) and the URI of the request line sent.
func upstreamURL(tls bool, peer string, head []byte) string {
	scheme := "http://"
	if tls {
		scheme = "https://"
	}
	uri := head
	if i := bytes.IndexByte(uri, ' '); i >= 0 {
		uri = uri[i+1:]
	}
	if i := bytes.Index(uri, []byte(" HTTP/")); i >= 0 {
		uri = uri[:i]
	}
	return scheme + peer + string(uri)
}

// upstreamEvent is nginx's message for a try that failed in phase with
// err: "connect() failed (111: Connection refused) while connecting to
// upstream", "upstream timed out (110: Connection timed out) while reading
// response header from upstream", ….
func upstreamEvent(f failure, phase string, err error) string {
	var errno syscall.Errno
	switch {
	case f == failTimeout || isTimeout(err):
		return "upstream timed out (110: Connection timed out) while " + phase
	case f == failInvalidHeader && errors.Is(err, h1.ErrHeaderTooBig):
		return "upstream sent too big header while " + phase
	case f == failInvalidHeader:
		return "upstream sent invalid header" + invalidHeaderQuote(err) + " while " + phase
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "upstream prematurely closed connection while " + phase
	case errors.As(err, &errno) && phase == phaseConnect:
		return "connect() failed " + syserr.Quote(err) + " while " + phase
	case errors.As(err, &errno) && phase == phaseSend:
		return "writev() failed " + syserr.Quote(err) + " while " + phase
	case errors.As(err, &errno):
		return "recv() failed " + syserr.Quote(err) + " while " + phase
	}
	return err.Error() + " while " + phase
}

// The phases of a try, as nginx's log context names them.
const (
	phaseConnect = "connecting to upstream"
	phaseSend    = "sending request to upstream"
	phaseHeader  = "reading response header from upstream"
	phaseBody    = "reading upstream"
)

// invalidHeaderQuote is how nginx shows a header line it refused:
// `: "Bad\x01..."`, the line up to the byte its parser stopped at (a
// control character or space in the name, a NUL in the value), that
// byte in hex, and an ellipsis; empty when the error has no line.
func invalidHeaderQuote(err error) string {
	var ih *h1.InvalidHeaderError
	if !errors.As(err, &ih) {
		return ""
	}
	l := ih.Line
	i, inValue := 0, false
	for ; i < len(l); i++ {
		c := l[i]
		if inValue && c == 0 || !inValue && (c <= ' ' || c == 0x7f) {
			break
		}
		inValue = inValue || c == ':'
	}
	if i == len(l) {
		return ""
	}
	const hex = "0123456789abcdef"
	return `: "` + l[:i] + `\x` + string(hex[l[i]>>4]) + string(hex[l[i]&15]) + `..."`
}
