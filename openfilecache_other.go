//go:build !unix

package frontdesk

import (
	"io/fs"
	"os"
)

// sameDir reports whether the path base still names dir.
func sameDir(base string, dir fs.FileInfo) (bool, error) {
	info, err := os.Stat(base)
	if err != nil {
		return false, err
	}
	return os.SameFile(info, dir), nil
}
