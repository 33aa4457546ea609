package conformance

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Backend is a raw upstream for proxy cases: it records the exact bytes
// of every request it receives and answers with Respond. The case's Conf
// names it {{BACKEND}} (host:port); both nginx and frontdesk talk to the
// same backend, one request at a time.
type Backend struct {
	// Respond returns the raw response to a recorded request; nil answers
	// 200 with the request echoed as the body. Returning nil closes the
	// connection without a response.
	Respond func(req []byte) []byte
}

// Echo is the default backend answer: the received request as the body.
func Echo(req []byte) []byte {
	return []byte(fmt.Sprintf("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(req), req))
}

// Static answers every request with the given raw response.
func Static(resp string) func([]byte) []byte {
	return func([]byte) []byte { return []byte(resp) }
}

type runningBackend struct {
	ln       net.Listener
	respond  func([]byte) []byte
	mu       sync.Mutex
	received [][]byte
	wg       sync.WaitGroup
}

func startBackend(t testing.TB, b *Backend) *runningBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rb := &runningBackend{ln: ln, respond: b.Respond}
	if rb.respond == nil {
		rb.respond = Echo
	}
	rb.wg.Add(1)
	go rb.serve()
	t.Cleanup(func() {
		ln.Close()
		rb.wg.Wait()
	})
	return rb
}

func (rb *runningBackend) serve() {
	defer rb.wg.Done()
	for {
		c, err := rb.ln.Accept()
		if err != nil {
			return
		}
		rb.wg.Add(1)
		go func() {
			defer rb.wg.Done()
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			req, err := readRawRequest(bufio.NewReader(c))
			if err != nil && len(req) == 0 {
				return
			}
			rb.mu.Lock()
			rb.received = append(rb.received, req)
			rb.mu.Unlock()
			if resp := rb.respond(req); resp != nil {
				_, _ = c.Write(resp)
			}
		}()
	}
}

// take returns and forgets what was received since the last call.
func (rb *runningBackend) take() [][]byte {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	r := rb.received
	rb.received = nil
	return r
}

// readRawRequest reads one request: its head, then a body framed by
// Content-Length or chunked encoding, returning the bytes as received.
func readRawRequest(br *bufio.Reader) ([]byte, error) {
	var raw bytes.Buffer
	length := 0
	chunked := false
	for {
		line, err := br.ReadString('\n')
		raw.WriteString(line)
		if err != nil {
			return raw.Bytes(), err
		}
		l := strings.TrimRight(line, "\r\n")
		if l == "" {
			break
		}
		name, value, _ := strings.Cut(l, ":")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "content-length":
			length, _ = strconv.Atoi(strings.TrimSpace(value))
		case "transfer-encoding":
			chunked = strings.Contains(strings.ToLower(value), "chunked")
		}
	}
	if chunked {
		for {
			line, err := br.ReadString('\n')
			raw.WriteString(line)
			if err != nil {
				return raw.Bytes(), err
			}
			size, _ := strconv.ParseInt(strings.TrimSpace(strings.SplitN(line, ";", 2)[0]), 16, 64)
			if size == 0 {
				for {
					t, err := br.ReadString('\n')
					raw.WriteString(t)
					if err != nil || t == "\r\n" || t == "\n" {
						return raw.Bytes(), err
					}
				}
			}
			if _, err := io.CopyN(&raw, br, size+2); err != nil {
				return raw.Bytes(), err
			}
		}
	}
	_, err := io.CopyN(&raw, br, int64(length))
	return raw.Bytes(), err
}
