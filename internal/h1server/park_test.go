//go:build linux

package h1server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/h1server"
	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// okHandler answers "ok".
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "2")
	_, _ = io.WriteString(w, "ok")
})

// parkingServer is a server that parks a connection idle for 1 ms, and
// the channel told of each park.
func parkingServer(cfg h1server.Config) (*h1server.Server, chan struct{}) {
	parked := make(chan struct{}, 16)
	srv := &h1server.Server{Config: cfg, Handler: okHandler}
	h1server.SetParking(srv, time.Millisecond, func() { parked <- struct{}{} })
	return srv, parked
}

// waitParked waits for a connection to park.
func waitParked(t *testing.T, parked chan struct{}) {
	t.Helper()
	select {
	case <-parked:
	case <-time.After(10 * time.Second):
		t.Fatal("no connection parked")
	}
}

func dialFor(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	return c, bufio.NewReader(c)
}

// TestParkedConnection checks that a connection parked (no goroutine, no
// buffers) before its first request and between requests serves the next
// ones, pipelined too, and is closed once keepalive_timeout passes.
func TestParkedConnection(t *testing.T) {
	const keepalive = 300 * time.Millisecond
	srv, parked := parkingServer(h1server.Config{KeepaliveTimeout: keepalive})
	addr := serve(t, srv)
	c, br := dialFor(t, addr)
	waitParked(t, parked) // before the first byte
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	_, err := io.WriteString(c, get)
	require.NoError(t, err)
	resp, err := rawhttp.ReadResponse(br, "GET")
	require.NoError(t, err)
	assert.Equal(t, "ok", string(resp.Body))
	waitParked(t, parked)
	start := time.Now()
	_, err = io.WriteString(c, get+get)
	require.NoError(t, err)
	for range 2 {
		resp, err = rawhttp.ReadResponse(br, "GET")
		require.NoError(t, err)
		assert.Equal(t, "keep-alive", resp.Get("Connection"))
		assert.Equal(t, "ok", string(resp.Body))
	}
	waitParked(t, parked)
	_, err = br.ReadByte()
	assert.ErrorIs(t, err, io.EOF)
	assert.GreaterOrEqual(t, time.Since(start), keepalive)
}

// TestParkedShutdownAndClose checks that QUIT's drain and TERM close
// parked connections, which have no goroutine to notice.
func TestParkedShutdownAndClose(t *testing.T) {
	for _, name := range []string{"Shutdown", "Close"} {
		t.Run(name, func(t *testing.T) {
			srv, parked := parkingServer(h1server.Config{})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()
			c, br := dialFor(t, ln.Addr().String())
			waitParked(t, parked)
			_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			require.NoError(t, err)
			_, err = rawhttp.ReadResponse(br, "GET")
			require.NoError(t, err)
			waitParked(t, parked)
			if name == "Shutdown" {
				require.NoError(t, srv.Shutdown(context.Background()))
			} else {
				require.NoError(t, srv.Close())
			}
			_, err = br.ReadByte()
			assert.True(t, errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err), "%v", err)
			assert.ErrorIs(t, <-served, http.ErrServerClosed)
			// Shutdown after Close returns at once: no connection is left.
			require.NoError(t, srv.Shutdown(context.Background()))
		})
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && strings.Contains(op.Err.Error(), "reset")
}

// TestSendfile checks the bodies the loop sends from files through its
// ReadFrom (with sendfile, or with the head when small): a part of a
// file as an io.LimitedReader after a seek, as an io.SectionReader, and
// a whole file.
func TestSendfile(t *testing.T) {
	data := strings.Repeat("0123456789abcdef", 64<<10) // 1 MiB
	name := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(name, []byte(data), 0o644))
	srv := &h1server.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(name)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		var src io.Reader
		switch r.URL.Path {
		case "/limited":
			_, _ = f.Seek(10, io.SeekStart)
			src = io.LimitReader(f, 100000)
		case "/section":
			src = io.NewSectionReader(f, 20, 300000)
		case "/small":
			src = io.NewSectionReader(f, 5, 100)
		default:
			src = f
		}
		n := map[string]string{"/limited": "100000", "/section": "300000", "/small": "100", "/": "1048576"}[r.URL.Path]
		w.Header().Set("Content-Length", n)
		got, err := w.(io.ReaderFrom).ReadFrom(src)
		assert.NoError(t, err)
		assert.Equal(t, n, strconv.FormatInt(got, 10))
	})}
	addr := serve(t, srv)
	c, br := dialFor(t, addr)
	for path, want := range map[string]string{"/limited": data[10:100010], "/section": data[20:300020], "/small": data[5:105], "/": data} {
		_, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		require.NoError(t, err)
		resp, err := rawhttp.ReadResponse(br, "GET")
		require.NoError(t, err)
		assert.Equal(t, 200, resp.Status)
		assert.True(t, want == string(resp.Body), "%s: %d bytes", path, len(resp.Body))
	}
}
