//go:build unix

package frontdesk

import (
	"io/fs"
	"syscall"
)

// sameDir reports whether the path base still names dir, with a stat
// that allocates less than os.Stat (it runs on every static request).
func sameDir(base string, dir fs.FileInfo) (bool, error) {
	var st syscall.Stat_t
	err := syscall.Stat(base, &st)
	for err == syscall.EINTR {
		err = syscall.Stat(base, &st)
	}
	if err != nil {
		return false, &fs.PathError{Op: "stat", Path: base, Err: err}
	}
	d, ok := dir.Sys().(*syscall.Stat_t)
	return ok && uint64(d.Dev) == uint64(st.Dev) && d.Ino == st.Ino, nil
}
