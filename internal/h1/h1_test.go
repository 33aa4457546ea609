package h1

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStatusLinePrefix(t *testing.T) {
	for _, s := range []string{"", "H", "HTTP/", "HTTP/1", "HTTP/1.", "HTTP/1.1", "HTTP/1.1 ", "HTTP/1.1  2",
		"HTTP/1.1 20", "HTTP/1.1 200", "HTTP/1.1 200 ", "HTTP/1.1 200 OK", "HTTP/2.0 200 O"} {
		assert.Truef(t, statusLinePrefix([]byte(s)), "%q", s)
	}
	for _, s := range []string{"h", "HTTP/0", "HTTP/x", "HTTP/1x", "HTTP/1.x", "HTTP/1.1x", "HTTP/1.1 2x", "HTTP/1.1 2000", "hello"} {
		assert.Falsef(t, statusLinePrefix([]byte(s)), "%q", s)
	}
}

// TestReadResponseCutShort checks nginx's split between an upstream that
// closes inside a status line (a failed try, 502) and one that sent
// something that is no status line (an HTTP/0.9 body).
func TestReadResponseCutShort(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"HTTP/1.1 20", io.ErrUnexpectedEOF},
		{"HTTP/1.1 200 OK", io.ErrUnexpectedEOF},
		{"HTTP/1.1 200 OK\r\nX-A: b", io.ErrUnexpectedEOF},
		{"", io.ErrUnexpectedEOF},
		{"hello", ErrNoStatusLine},
		{"HTTP/0.9 200 OK\r\n\r\n", ErrNoStatusLine},
		{"HTTP/1.1 2x0 OK\r\n\r\n", ErrNoStatusLine},
		{"HTTP/1.1 200 OK\r\nX A: b\r\n\r\n", ErrInvalidHeader},
	}
	for _, tt := range tests {
		_, err := ReadResponse(bufio.NewReader(strings.NewReader(tt.in)), 4096)
		assert.Truef(t, errors.Is(err, tt.want), "%q: got %v, want %v", tt.in, err, tt.want)
	}
}
