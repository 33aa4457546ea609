package nginxconf

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"time"
)

// HTTP/2 on a plain "listen ... http2" address: nginx 1.22 starts its
// HTTP/2 connection at once and reads the client preface; anything else
// (an HTTP/1 request) ends with a GOAWAY. net/http's prior-knowledge
// server would close such a connection without writing anything, so
// Config.Listener checks the preface first and answers as nginx does.

// h2Preface is the client connection preface, in the two parts nginx
// checks one after the other.
var h2Preface = []string{"PRI * HTTP/2.0\r\n", "\r\nSM\r\n\r\n"}

// h2OnlyListener hands out connections that check the preface on their
// first read.
type h2OnlyListener struct {
	net.Listener
	streams int // SETTINGS_MAX_CONCURRENT_STREAMS nginx would announce
}

func (l *h2OnlyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &h2OnlyConn{Conn: c, streams: l.streams}, nil
}

// h2OnlyConn replays the preface it read once it has checked it.
type h2OnlyConn struct {
	net.Conn
	streams int
	once    sync.Once
	pending []byte // read while checking, not yet returned
	err     error  // the check's verdict
}

func (c *h2OnlyConn) Read(p []byte) (int, error) {
	c.once.Do(c.check)
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	if c.err != nil {
		return 0, c.err
	}
	return c.Conn.Read(p)
}

// check reads the preface part by part, as nginx does, and refuses the
// connection at the first part that differs.
func (c *h2OnlyConn) check() {
	for _, part := range h2Preface {
		b := make([]byte, len(part))
		if _, err := io.ReadFull(c.Conn, b); err != nil {
			// A client that leaves before a whole part: nginx closes
			// without a frame.
			c.err = io.EOF
			c.Conn.Close()
			return
		}
		c.pending = append(c.pending, b...)
		if !bytes.Equal(b, []byte(part)) {
			c.pending = nil
			c.err = io.EOF
			c.refuse()
			return
		}
	}
}

// refuse sends nginx's frames and closes. nginx has read the client's
// bytes by then, so its close is a FIN; closing with unread bytes would
// be a reset, so the rest is read (for a second at most) after a FIN.
func (c *h2OnlyConn) refuse() {
	defer c.Conn.Close()
	if _, err := c.Conn.Write(h2Refusal(c.streams)); err != nil {
		return
	}
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		_ = c.Conn.SetReadDeadline(time.Now().Add(time.Second))
		_, _ = io.Copy(io.Discard, c.Conn)
	}
}

// h2Refusal is what nginx sends a connection with a bad preface: its
// SETTINGS (concurrent streams, 64 KiB initial window, largest frame
// size), the connection WINDOW_UPDATE, and GOAWAY with PROTOCOL_ERROR.
func h2Refusal(streams int) []byte {
	frame := func(typ byte, payload ...uint32) []byte {
		var b []byte
		b = append(b, 0, 0, 0, typ, 0, 0, 0, 0, 0)
		for _, v := range payload {
			b = binary.BigEndian.AppendUint32(b, v)
		}
		return b
	}
	settings := frame(4)
	for _, s := range [][2]uint32{{3, uint32(streams)}, {4, 65536}, {5, 1<<24 - 1}} {
		settings = binary.BigEndian.AppendUint16(settings, uint16(s[0]))
		settings = binary.BigEndian.AppendUint32(settings, s[1])
	}
	settings[2] = byte(len(settings) - 9)
	window := frame(8, 1<<31-1-65535)
	window[2] = 4
	goaway := frame(7, 0, 1)
	goaway[2] = 8
	return append(append(settings, window...), goaway...)
}
