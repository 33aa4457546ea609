//go:build !unix

package frontdesktest

import (
	"net"
	"testing"
)

// refusingAddr returns a loopback port that was free a moment ago; unlike
// the unix version it is not reserved.
func refusingAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("frontdesktest: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
