package frontdesk

// Upstream 1xx responses, which nginx 1.22 treats as final, and the
// WebSocket (Upgrade) tunnel.
//
// nginx tunnels when the upstream answers 101 to a request that carried
// an Upgrade header (ngx_http_proxy_process_header sets u->upgrade). For
// the upstream to see that header at all, the location needs what the
// nginx documentation prescribes:
//
//	proxy_http_version 1.1;
//	proxy_set_header Upgrade $http_upgrade;
//	proxy_set_header Connection "upgrade";
//
// Without it nginx sends neither Upgrade nor Connection upstream, a real
// WebSocket server does not switch, and no tunnel opens. Once open, bytes
// flow both ways: what the upstream sent after its 101 head and what the
// client pipelined after its request go first. The tunnel closes when
// either side closes, or after proxy_read_timeout without traffic in
// either direction (ngx_http_upstream_process_upgraded re-arms the
// upstream read timer on every event).
//
// net/http cannot send a final 1xx, so the client connection is hijacked
// and the head written here as nginx's header filter writes it: the
// upstream's status line, Server and Date, Connection, then the upstream
// header in its order, then add_header's fields.

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/h1"
)

// errNoHijack: the client connection could not be taken over for a 1xx
// response; the client is then cut off.
var errNoHijack = errors.New("client connection cannot carry a final 1xx response")

// clientSendTimeout is nginx's send_timeout default, which bounds each
// write to the client of a tunnel.
const clientSendTimeout = 60 * time.Second

// sendInformational passes a 1xx upstream response: a 101 to a request
// with an Upgrade header opens a tunnel; any other 1xx is sent with
// whatever follows it until the upstream closes.
func (st *reqState) sendInformational(h *proxyHandler, resp *h1.Response, br *bufio.Reader, up net.Conn) error {
	upgrade := resp.Status == http.StatusSwitchingProtocols && len(st.r.Header["Upgrade"]) > 0
	st.w.status, st.w.wroteHeader = resp.Status, true
	client, cbuf, err := http.NewResponseController(st.w.ResponseWriter).Hijack()
	if err != nil {
		// HTTP/2 has no final 1xx and no connection to take over.
		return errors.Join(errNoHijack, err)
	}
	defer client.Close()
	// net/http's deadlines for the request do not apply to the tunnel.
	_ = client.SetDeadline(time.Time{})
	_ = client.SetWriteDeadline(time.Now().Add(clientSendTimeout))
	if _, err := cbuf.Write(st.rawHead(&h.conf.resp, resp, upgrade)); err != nil {
		return err
	}
	if err := cbuf.Flush(); err != nil {
		return err
	}
	if upgrade {
		return st.tunnel(h, client, cbuf.Reader, up, br)
	}
	if st.method == http.MethodHead {
		return nil
	}
	_, err = io.Copy(client, &deadlineReader{r: br, conn: up, timeout: h.conf.readTimeout})
	return err
}

// rawHead renders the response head for a 1xx as nginx sends it.
func (st *reqState) rawHead(rc *responseConf, resp *h1.Response, upgrade bool) []byte {
	b := make([]byte, 0, 512)
	b = append(b, "HTTP/1.1 "...)
	b = append(b, resp.StatusLine...)
	b = append(b, "\r\n"...)
	if rc.hidden("server") {
		b = h1.AppendField(b, "Server", st.signature(st.conf()))
	}
	if rc.hidden("date") {
		b = h1.AppendField(b, "Date", time.Now().UTC().Format(http.TimeFormat))
	}
	if upgrade {
		b = h1.AppendField(b, "Connection", "upgrade")
	} else {
		b = h1.AppendField(b, "Connection", "close")
	}
	fields, own := st.responseFields(rc, resp)
	for i, f := range fields {
		if i == own {
			f.Value = st.absoluteLocation(f.Value)
		}
		b = h1.AppendField(b, f.Name, f.Value)
	}
	extra := http.Header{}
	st.headersFilter(extra, resp.Status)
	names := make([]string, 0, len(extra))
	for name := range extra {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range extra[name] {
			b = h1.AppendField(b, name, v)
		}
	}
	for _, v := range st.w.addedServer {
		b = h1.AppendField(b, "Server", v)
	}
	return append(b, "\r\n"...)
}

// tunnel copies bytes both ways until either side closes or the tunnel
// has been idle for proxy_read_timeout. fromClient and fromUp hold what
// each side sent beyond its head.
func (st *reqState) tunnel(h *proxyHandler, client net.Conn, fromClient *bufio.Reader, up net.Conn, fromUp *bufio.Reader) error {
	pc := h.conf
	// Any traffic re-arms the idle timer, kept as the upstream's read
	// deadline: a read that times out means nothing moved either way.
	active := func() { _ = up.SetReadDeadline(time.Now().Add(pc.readTimeout)) }
	active()
	// Either side done ends the tunnel: closing both stops the other
	// direction too.
	closeBoth := func() {
		client.Close()
		up.Close()
	}
	errc := make(chan error, 1)
	go func() {
		err := pipe(up, fromClient, pc.sendTimeout, active)
		closeBoth()
		errc <- err
	}()
	err := pipe(client, fromUp, clientSendTimeout, active)
	closeBoth()
	if err2 := <-errc; err == nil && !errors.Is(err2, net.ErrClosed) {
		err = err2
	}
	if err != nil && !errors.Is(err, net.ErrClosed) {
		if isTimeout(err) {
			// nginx logs this at info level, below its default error_log.
			st.srv.proxy.logger.Debug("upstream timed out while proxying upgraded connection", "location", st.loc.pattern)
		}
		return err
	}
	return nil
}

// pipe copies src to dst until src ends (nil) or a read or write fails,
// calling active after every read.
func pipe(dst net.Conn, src io.Reader, writeTimeout time.Duration, active func()) error {
	buf := make([]byte, 16<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			active()
			_ = dst.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// deadlineReader re-arms conn's read deadline before every read: nginx's
// proxy_read_timeout is the limit between two reads.
type deadlineReader struct {
	r       io.Reader
	conn    net.Conn
	timeout time.Duration
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	_ = d.conn.SetReadDeadline(time.Now().Add(d.timeout))
	return d.r.Read(p)
}
