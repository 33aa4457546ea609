// Command websocket runs a WebSocket application behind frontdesk, set up
// the way nginx needs it (proxy_http_version 1.1 and the Upgrade and
// Connection headers passed on), and sends a few messages through the
// tunnel. A plain-HTTP route beside it shows that the same location still
// serves ordinary requests.
//
//	go run ./examples/websocket
package main

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/frontdesk-go/frontdesk"
)

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(out io.Writer) error {
	// The application: a WebSocket echo server, as a Node or Django
	// Channels app would be.
	app := httptest.NewServer(http.HandlerFunc(echo))
	defer app.Close()

	p, err := frontdesk.New(
		frontdesk.Map("$http_upgrade", "$connection_upgrade", []frontdesk.MapEntry{
			{Key: "default", Value: "upgrade"}, {Key: "", Value: "close"},
		}),
		frontdesk.Location("/ws/", frontdesk.ProxyPass(app.URL),
			frontdesk.ProxyHTTPVersion("1.1"),
			frontdesk.ProxySetHeader("Upgrade", "$http_upgrade"),
			frontdesk.ProxySetHeader("Connection", "$connection_upgrade"),
			frontdesk.ProxyReadTimeout(time.Hour)),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		return err
	}
	defer p.Close()
	front := httptest.NewServer(p)
	defer front.Close()

	conn, br, err := dial(strings.TrimPrefix(front.URL, "http://"), "/ws/chat")
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, msg := range []string{"hello", "through frontdesk", "bye"} {
		if err := writeFrame(conn, msg, true); err != nil {
			return err
		}
		reply, err := readFrame(br)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "sent %q, got %q\n", msg, reply)
	}
	resp, err := http.Get(front.URL + "/ws/plain")
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Fprintf(out, "plain request: %d %s", resp.StatusCode, body)
	return nil
}

// echo is a minimal RFC 6455 echo server: text frames, no extensions.
func echo(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		fmt.Fprintln(w, "not a websocket request")
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		acceptKey(r.Header.Get("Sec-WebSocket-Key")))
	brw.Flush()
	for {
		msg, err := readFrame(brw.Reader)
		if err != nil {
			return
		}
		if writeFrame(conn, "echo: "+msg, false) != nil {
			return
		}
	}
}

func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// dial opens a WebSocket through the proxy.
func dial(addr, path string) (net.Conn, *bufio.Reader, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	key := base64.StdEncoding.EncodeToString([]byte("frontdesk-demo!!"))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", path, addr, key)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != acceptKey(key) {
		conn.Close()
		return nil, nil, fmt.Errorf("handshake failed: %s", resp.Status)
	}
	return conn, br, nil
}

// writeFrame sends one text frame; clients must mask theirs.
func writeFrame(w io.Writer, msg string, mask bool) error {
	if len(msg) > 125 {
		return errors.New("message too long for this example")
	}
	b := []byte{0x81, byte(len(msg))}
	payload := []byte(msg)
	if mask {
		key := []byte{1, 2, 3, 4}
		b[1] |= 0x80
		b = append(b, key...)
		for i := range payload {
			payload[i] ^= key[i%4]
		}
	}
	_, err := w.Write(append(b, payload...))
	return err
}

func readFrame(br *bufio.Reader) (string, error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return "", err
	}
	n := int(h[1] & 0x7f)
	if n == 126 {
		var ext [2]byte
		if _, err := io.ReadFull(br, ext[:]); err != nil {
			return "", err
		}
		n = int(binary.BigEndian.Uint16(ext[:]))
	}
	var key [4]byte
	masked := h[1]&0x80 != 0
	if masked {
		if _, err := io.ReadFull(br, key[:]); err != nil {
			return "", err
		}
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(br, payload); err != nil {
		return "", err
	}
	if masked {
		for i := range payload {
			payload[i] ^= key[i%4]
		}
	}
	return string(payload), nil
}
