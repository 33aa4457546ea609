//go:build linux && (amd64 || arm64)

package frontdesk

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openFast opens a small file as a bare descriptor, a large one as an
// *os.File (for sendfile), and declines whatever would leave the root or
// fails, so that os.Root decides (and words the error) as before.
func TestOpenFastBeneathRoot(t *testing.T) {
	base := staticTree(t)
	site := filepath.Join(base, "site")
	big := strings.Repeat("y", rawFileMax+1)
	require.NoError(t, os.WriteFile(filepath.Join(site, "big.txt"), []byte(big), 0o644))
	require.NoError(t, os.Symlink("dir/b.txt", filepath.Join(site, "rel.txt")))
	sf := &staticFiles{}
	defer sf.close()
	cr, err := sf.root(site)
	require.NoError(t, err)
	if _, ok := openFast(cr, site, "a.txt"); !ok && openat2Missing.Load() {
		t.Skip("kernel without openat2")
	}

	for _, name := range []string{"a.txt", "dir/b.txt", "rel.txt"} {
		r, ok := openFast(cr, site, name)
		require.Truef(t, ok, "%s", name)
		require.NotNilf(t, r.raw, "%s", name)
		assert.Nil(t, r.f)
		want, err := os.ReadFile(filepath.Join(site, name))
		require.NoError(t, err)
		got, err := io.ReadAll(io.NewSectionReader(r.raw, 0, r.info.Size()))
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got))
		assert.True(t, r.info.Mode().IsRegular())
		_, err = r.raw.ReadAt(make([]byte, 1), r.info.Size())
		assert.Equal(t, io.EOF, err, "reading past the end")
		require.NoError(t, r.raw.Close())
	}

	r, ok := openFast(cr, site, "big.txt")
	require.True(t, ok)
	require.NotNil(t, r.f)
	b, err := io.ReadAll(r.f)
	require.NoError(t, err)
	assert.Equal(t, big, string(b))
	r.f.Close()

	r, ok = openFast(cr, site, "dir")
	require.True(t, ok)
	assert.True(t, r.info.IsDir())
	assert.Equal(t, "dir", r.info.Name())
	assert.Nil(t, r.f)
	assert.Nil(t, r.raw)

	// Out of the root, absolute links (even to inside) and missing
	// names go to os.Root.
	for _, name := range []string{"out.txt", "abs.txt", "outdir/f.txt", "in.txt", "../secret.txt", "missing"} {
		_, ok := openFast(cr, site, name)
		assert.Falsef(t, ok, "%s", name)
	}

	// Closed, the directory is never used again.
	cr.close()
	_, ok = openFast(cr, site, "a.txt")
	assert.False(t, ok)
}
