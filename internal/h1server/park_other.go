//go:build !linux

package h1server

import (
	"errors"
	"net"
)

// Elsewhere an idle connection keeps its goroutine, waiting in Go's
// netpoller (park_linux.go parks it).
const parkSupported = false

type poller struct{}

func newPoller() (*poller, error) { return nil, errors.ErrUnsupported }

func (p *poller) park(*conn) bool   { return false }
func (p *poller) unpark(*conn) bool { return false }
func (p *poller) close()            {}

func awaitReadable(net.Conn) error { return errors.ErrUnsupported }

func peek(net.Conn) (byte, bool, error) { return 0, false, errors.ErrUnsupported }
