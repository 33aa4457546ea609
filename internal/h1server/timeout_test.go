package h1server_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/h1server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The loop arms its deadlines lazily (when a read or write needs the
// socket, and not again for a time within 300 ms of the armed one, as
// nginx's timers): these tests check that each timeout still ends what
// it limits.

const shortTimeout = 200 * time.Millisecond

// TestClientHeaderTimeout checks that a head that stops coming closes
// the connection, without a response, once client_header_timeout
// passes.
func TestClientHeaderTimeout(t *testing.T) {
	srv := &h1server.Server{Config: h1server.Config{ClientHeaderTimeout: shortTimeout}, Handler: okHandler}
	c, br := dialFor(t, serve(t, srv))
	start := time.Now()
	_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost")
	require.NoError(t, err)
	b, err := io.ReadAll(br)
	assert.NoError(t, err)
	assert.Empty(t, b)
	assert.GreaterOrEqual(t, time.Since(start), shortTimeout)
}

// TestClientBodyTimeout checks that a body that stops coming fails the
// handler's read once client_body_timeout passes.
func TestClientBodyTimeout(t *testing.T) {
	readErr := make(chan error, 1)
	srv := &h1server.Server{Config: h1server.Config{ClientBodyTimeout: shortTimeout},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, err := io.ReadAll(r.Body)
			readErr <- err
		})}
	c, _ := dialFor(t, serve(t, srv))
	start := time.Now()
	_, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	require.NoError(t, err)
	select {
	case err := <-readErr:
		assert.True(t, errors.Is(err, os.ErrDeadlineExceeded), "%v", err)
		assert.GreaterOrEqual(t, time.Since(start), shortTimeout)
	case <-time.After(10 * time.Second):
		t.Fatal("the body read did not time out")
	}
}

// TestSendTimeout checks that a client that stops reading fails the
// handler's writes once send_timeout passes with nothing sent.
func TestSendTimeout(t *testing.T) {
	writeErr := make(chan error, 1)
	srv := &h1server.Server{Config: h1server.Config{SendTimeout: shortTimeout},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			chunk := make([]byte, 64<<10)
			for range 1024 { // 64 MiB, far more than the socket buffers hold
				if _, err := w.Write(chunk); err != nil {
					writeErr <- err
					return
				}
			}
			writeErr <- nil
		})}
	c, err := net.Dial("tcp", serve(t, srv))
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.(*net.TCPConn).SetReadBuffer(4096))
	_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	// Read the head and a little, then stop reading.
	_, err = bufio.NewReader(c).Peek(1)
	require.NoError(t, err)
	select {
	case err := <-writeErr:
		assert.True(t, errors.Is(err, os.ErrDeadlineExceeded), "%v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the writes did not time out")
	}
}
