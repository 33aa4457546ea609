//go:build linux

package h1server

import (
	"os"
	"runtime"
	"syscall"
)

// sendFile sends n bytes of f from off with sendfile(2), send_timeout
// armed between successive writes; handled false when nothing was sent
// and the bytes must be copied instead.
func (c *conn) sendFile(f *os.File, off, n int64) (sent int64, handled bool, err error) {
	sc, ok := c.nc.(syscall.Conn)
	if !ok {
		return 0, false, nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	fsc, err := f.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	src := -1
	if fsc.Control(func(fd uintptr) { src = int(fd) }) != nil {
		return 0, false, nil
	}
	defer runtime.KeepAlive(f)
	for sent < n {
		c.armWrite()
		var m int
		var serr error
		werr := rc.Write(func(fd uintptr) bool {
			m, serr = syscall.Sendfile(int(fd), src, &off, int(min(n-sent, 1<<30)))
			// EAGAIN: wait until the socket takes more.
			return serr != syscall.EAGAIN
		})
		if m > 0 {
			sent += int64(m)
		}
		switch {
		case werr != nil:
			return sent, true, werr
		case serr != nil && sent == 0 && (serr == syscall.EINVAL || serr == syscall.ENOSYS):
			return 0, false, nil
		case serr != nil:
			return sent, true, os.NewSyscallError("sendfile", serr)
		case m == 0:
			// The file ended before n: the client learns it from
			// the close.
			return sent, true, nil
		}
	}
	return sent, true, nil
}
