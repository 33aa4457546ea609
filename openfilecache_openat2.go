//go:build linux && (amd64 || arm64)

package frontdesk

// A static file opened without os.Root and without an *os.File, where
// the kernel has openat2 (Linux 5.6).
//
// os.Root opens a file one path element at a time, with O_NOFOLLOW,
// and os.File then registers it with the poller (a failing epoll_ctl
// for a regular file) and a finalizer. Here one openat2 with
// RESOLVE_BENEATH, relative to the root's own directory, opens it: the
// kernel follows symlinks only while they stay beneath that directory,
// which is the containment os.Root gives. Whatever openat2 refuses or
// fails (a link through an absolute path, "..", ENOENT, an old kernel)
// is looked up again through os.Root, so errors and the links os.Root
// follows stay as they are.

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

const (
	sysOpenat2          = 437 // the same on amd64 and arm64
	resolveNoMagiclinks = 0x02
	resolveBeneath      = 0x08
)

// openHow is the kernel's struct open_how.
type openHow struct {
	flags, mode, resolve uint64
}

// openat2Missing is set once the kernel answers ENOSYS.
var openat2Missing atomic.Bool

// rawFileMax is the largest file kept as a bare descriptor: fileserve
// sends up to its 32 KiB copy buffer with one pread, larger files from
// an *os.File by sendfile.
const rawFileMax = 32 << 10

// openRootDir opens the root's directory again, for its descriptor
// openat2 resolves names beneath. Opened through the root, it is the
// very directory the root holds.
func openRootDir(root *os.Root) (*os.File, int) {
	dir, err := root.Open(".")
	if err != nil {
		return nil, -1
	}
	return dir, int(dir.Fd())
}

// openFast opens rel beneath cr's directory with one openat2 and an
// fstat. ok is false when the caller must look rel up through os.Root.
func openFast(cr *cachedRoot, base, rel string) (r lookupResult, ok bool) {
	if openat2Missing.Load() {
		return lookupResult{}, false
	}
	var buf [256]byte
	var name *byte
	if len(rel) < len(buf) {
		copy(buf[:], rel)
		name = &buf[0]
	} else {
		var err error
		if name, err = syscall.BytePtrFromString(rel); err != nil {
			return lookupResult{}, false
		}
	}
	how := openHow{
		flags:   syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC,
		resolve: resolveBeneath | resolveNoMagiclinks,
	}
	// The read lock keeps close from closing the directory (and its
	// number going to another file) during the call.
	cr.mu.RLock()
	if cr.dirfd < 0 {
		cr.mu.RUnlock()
		return lookupResult{}, false
	}
	r1, _, errno := syscall.Syscall6(sysOpenat2, uintptr(cr.dirfd), uintptr(unsafe.Pointer(name)),
		uintptr(unsafe.Pointer(&how)), unsafe.Sizeof(how), 0, 0)
	cr.mu.RUnlock()
	runtime.KeepAlive(cr.dir)
	if errno != 0 {
		if errno == syscall.ENOSYS {
			openat2Missing.Store(true)
		}
		return lookupResult{}, false
	}
	f := &rawFile{fd: int(r1), name: rel[len(rel)-len(filepath.Base(rel)):]}
	if err := syscall.Fstat(f.fd, &f.st); err != nil {
		f.Close()
		return lookupResult{}, false
	}
	switch {
	case f.st.Mode&syscall.S_IFMT != syscall.S_IFREG:
		f.Close()
		return lookupResult{info: f}, true
	case f.st.Size > rawFileMax:
		// sendfile needs an *os.File; named as os.Root names it.
		return lookupResult{f: os.NewFile(uintptr(f.fd), filepath.Join(base, rel)), info: f}, true
	}
	return lookupResult{raw: f, info: f}, true
}

// rawFile is an open regular file read with pread and closed by its
// request, with no poller registration and no finalizer, and its
// fs.FileInfo from fstat, as os.File.Stat builds it.
type rawFile struct {
	fd   int
	name string
	st   syscall.Stat_t
}

// ReadAt is os.File's ReadAt on the bare descriptor.
func (f *rawFile) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for len(b) > 0 {
		m, err := syscall.Pread(f.fd, b, off)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, &fs.PathError{Op: "read", Path: f.name, Err: err}
		}
		if m == 0 {
			return n, io.EOF
		}
		n += m
		b, off = b[m:], off+int64(m)
	}
	return n, nil
}

// Close closes the descriptor.
func (f *rawFile) Close() error { return syscall.Close(f.fd) }

func (f *rawFile) Name() string       { return f.name }
func (f *rawFile) Size() int64        { return f.st.Size }
func (f *rawFile) ModTime() time.Time { return time.Unix(f.st.Mtim.Unix()) }
func (f *rawFile) IsDir() bool        { return f.st.Mode&syscall.S_IFMT == syscall.S_IFDIR }
func (f *rawFile) Sys() any           { return &f.st }

func (f *rawFile) Mode() fs.FileMode {
	m := fs.FileMode(f.st.Mode & 0o777)
	switch f.st.Mode & syscall.S_IFMT {
	case syscall.S_IFBLK:
		m |= fs.ModeDevice
	case syscall.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFDIR:
		m |= fs.ModeDir
	case syscall.S_IFIFO:
		m |= fs.ModeNamedPipe
	case syscall.S_IFLNK:
		m |= fs.ModeSymlink
	case syscall.S_IFSOCK:
		m |= fs.ModeSocket
	}
	if f.st.Mode&syscall.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if f.st.Mode&syscall.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if f.st.Mode&syscall.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}
