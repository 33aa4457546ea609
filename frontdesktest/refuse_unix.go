//go:build unix

package frontdesktest

import (
	"os"
	"strconv"
	"syscall"
	"testing"
)

// refusingAddr binds a loopback port without listening on it: the port
// stays the test's, and connecting to it is refused.
func refusingAddr(t testing.TB) string {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("frontdesktest: %v", err)
	}
	f := os.NewFile(uintptr(fd), "refusing socket")
	t.Cleanup(func() { f.Close() })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("frontdesktest: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("frontdesktest: %v", err)
	}
	return "127.0.0.1:" + strconv.Itoa(sa.(*syscall.SockaddrInet4).Port)
}
