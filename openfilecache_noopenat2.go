//go:build !(linux && (amd64 || arm64))

package frontdesk

import "os"

// openRootDir has no use without openat2.
func openRootDir(root *os.Root) (*os.File, int) { return nil, -1 }

// openFast leaves every lookup to os.Root without openat2.
func openFast(cr *cachedRoot, base, rel string) (lookupResult, bool) {
	return lookupResult{}, false
}
