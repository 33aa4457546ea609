package frontdesk

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testClock is a clock tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// replaceFile puts content at path as a deploy does: a new file renamed
// over the old one, so the name leads to another inode.
func replaceFile(t testing.TB, path, content string) {
	t.Helper()
	tmp := path + ".new"
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o644))
	require.NoError(t, os.Rename(tmp, path))
}

func body(t testing.TB, p *Proxy, target string) string {
	t.Helper()
	w := serve(p, http.MethodGet, target, "localhost")
	return fmt.Sprintf("%d %s", w.Code, w.Body.String())
}

// cachedNames lists the names a Proxy's (only) open file cache holds.
func cachedNames(p *Proxy) []string {
	p.files.mu.Lock()
	caches := p.files.caches
	p.files.mu.Unlock()
	var names []string
	for _, c := range caches {
		c.mu.Lock()
		for k := range c.entries {
			names = append(names, k.rel)
		}
		c.mu.Unlock()
	}
	sort.Strings(names)
	return names
}

// Without open_file_cache every request looks its file up again, as
// nginx does: a replaced file, a directory swapped by rename and a
// symlink moved to another release are all seen at once, although the
// directory stays open between requests.
func TestStaticSeesDeployAtOnce(t *testing.T) {
	base := t.TempDir()
	for _, rel := range []string{"r1", "r2"} {
		require.NoError(t, os.Mkdir(filepath.Join(base, rel), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(base, rel, "f.txt"), []byte(rel), 0o644))
	}
	require.NoError(t, os.Symlink("r1", filepath.Join(base, "current")))
	site := filepath.Join(base, "site")
	require.NoError(t, os.Mkdir(site, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(site, "f.txt"), []byte("old"), 0o644))
	p, err := New(quiet,
		Location("/site/", nil, Alias(site+"/")),
		Location("/current/", nil, Alias(filepath.Join(base, "current")+"/")),
	)
	require.NoError(t, err)
	defer p.Close()

	assert.Equal(t, "200 old", body(t, p, "/site/f.txt"))
	replaceFile(t, filepath.Join(site, "f.txt"), "new!")
	assert.Equal(t, "200 new!", body(t, p, "/site/f.txt"), "file replaced")

	swapped := filepath.Join(base, "swapped")
	require.NoError(t, os.Mkdir(swapped, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(swapped, "f.txt"), []byte("swapped"), 0o644))
	require.NoError(t, os.Rename(site, filepath.Join(base, "old-site")))
	require.NoError(t, os.Rename(swapped, site))
	assert.Equal(t, "200 swapped", body(t, p, "/site/f.txt"), "directory swapped by rename")
	require.NoError(t, os.Rename(site, filepath.Join(base, "gone")))
	assert.Equal(t, "404 ", body(t, p, "/site/f.txt")[:4], "directory gone")

	assert.Equal(t, "200 r1", body(t, p, "/current/f.txt"))
	require.NoError(t, os.Symlink("r2", filepath.Join(base, "current.new")))
	require.NoError(t, os.Rename(filepath.Join(base, "current.new"), filepath.Join(base, "current")))
	assert.Equal(t, "200 r2", body(t, p, "/current/f.txt"), "symlink moved")
}

// With open_file_cache a replaced file is served from the descriptor
// opened before, with its size, until open_file_cache_valid has passed;
// then the name is looked up again.
func TestOpenFileCacheValid(t *testing.T) {
	site := t.TempDir()
	path := filepath.Join(site, "f.txt")
	require.NoError(t, os.WriteFile(path, []byte("v1"), 0o644))
	clock := newTestClock()
	p, err := New(quiet, Location("/", nil, Root(site),
		openFileCacheDirective(10, time.Minute, clock.Now), OpenFileCacheValid(30*time.Second)))
	require.NoError(t, err)
	defer p.Close()

	assert.Equal(t, "200 v1", body(t, p, "/f.txt"))
	replaceFile(t, path, "version 2")
	assert.Equal(t, "200 v1", body(t, p, "/f.txt"), "cached descriptor and size")
	clock.Advance(29 * time.Second)
	assert.Equal(t, "200 v1", body(t, p, "/f.txt"), "still valid")
	clock.Advance(time.Second)
	assert.Equal(t, "200 version 2", body(t, p, "/f.txt"), "revalidated")

	// Rewritten in place (same file): the descriptor reads the new
	// bytes, as many as the cached size, until the revalidation's stat
	// brings the new size.
	require.NoError(t, os.WriteFile(path, []byte("version 3, longer"), 0o644))
	assert.Equal(t, "200 version 3", body(t, p, "/f.txt"), "cached size")
	clock.Advance(30 * time.Second)
	assert.Equal(t, "200 version 3, longer", body(t, p, "/f.txt"))

	// A directory's existence is cached too.
	require.NoError(t, os.Mkdir(filepath.Join(site, "d"), 0o755))
	assert.Equal(t, http.StatusMovedPermanently, serve(p, http.MethodGet, "/d", "localhost").Code)
	require.NoError(t, os.Remove(filepath.Join(site, "d")))
	assert.Equal(t, http.StatusMovedPermanently, serve(p, http.MethodGet, "/d", "localhost").Code, "cached directory")
	clock.Advance(30 * time.Second)
	assert.Equal(t, http.StatusNotFound, serve(p, http.MethodGet, "/d", "localhost").Code)
}

// Lookup errors are cached only with open_file_cache_errors on.
func TestOpenFileCacheErrors(t *testing.T) {
	for _, errorsOn := range []bool{false, true} {
		t.Run(fmt.Sprint("errors ", errorsOn), func(t *testing.T) {
			site := t.TempDir()
			clock := newTestClock()
			p, err := New(quiet, Location("/", nil, Root(site),
				openFileCacheDirective(10, time.Minute, clock.Now), OpenFileCacheErrors(errorsOn)))
			require.NoError(t, err)
			defer p.Close()

			assert.Equal(t, http.StatusNotFound, serve(p, http.MethodGet, "/late.txt", "localhost").Code)
			require.NoError(t, os.WriteFile(filepath.Join(site, "late.txt"), []byte("here"), 0o644))
			want := "200 here"
			if errorsOn {
				want = "404"
			}
			assert.Equal(t, want, body(t, p, "/late.txt")[:len(want)])
			clock.Advance(time.Minute)
			assert.Equal(t, "200 here", body(t, p, "/late.txt"), "after open_file_cache_valid")
		})
	}
}

// The cache holds at most max names, dropping the least recently used,
// and drops names not looked up for inactive.
func TestOpenFileCacheLRUAndInactive(t *testing.T) {
	site := t.TempDir()
	for _, n := range []string{"a", "b", "c", "d"} {
		require.NoError(t, os.WriteFile(filepath.Join(site, n), []byte(n), 0o644))
	}
	clock := newTestClock()
	p, err := New(quiet, Location("/", nil, Root(site), openFileCacheDirective(3, 10*time.Second, clock.Now)))
	require.NoError(t, err)
	defer p.Close()

	for _, n := range []string{"a", "b", "a", "c", "d"} {
		assert.Equal(t, "200 "+n, body(t, p, "/"+n))
	}
	assert.Equal(t, []string{"a", "c", "d"}, cachedNames(p), "b was least recently used")

	clock.Advance(5 * time.Second)
	assert.Equal(t, "200 c", body(t, p, "/c"))
	clock.Advance(6 * time.Second)
	// a was last used 11 s ago: the next release expires it, not c.
	assert.Equal(t, "200 d", body(t, p, "/d"))
	assert.Equal(t, []string{"c", "d"}, cachedNames(p))
}

// open_file_cache_min_uses: a descriptor is kept open only once its
// name was looked up that often while cached.
func TestOpenFileCacheMinUses(t *testing.T) {
	site := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(site, "f"), []byte("f"), 0o644))
	clock := newTestClock()
	p, err := New(quiet, Location("/", nil, Root(site),
		openFileCacheDirective(10, time.Minute, clock.Now), OpenFileCacheMinUses(3)))
	require.NoError(t, err)
	defer p.Close()

	var c *openFileCache
	kept := func() int {
		c = p.files.caches[0]
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.entries[ofcKey{site, "f"}].free)
	}
	for i, want := range []int{0, 0, 1, 1} {
		assert.Equal(t, "200 f", body(t, p, "/f"))
		assert.Equalf(t, want, kept(), "descriptors kept after use %d", i+1)
	}
	require.NoError(t, p.Close())
	c.mu.Lock()
	defer c.mu.Unlock()
	assert.Empty(t, c.entries, "Close empties the cache")
}

// Concurrent requests for cached files, small ones read with pread and
// large ones sent from the descriptor's offset, each get their own
// descriptor and the right bytes, while the clock moves past valid and
// inactive (run with -race).
func TestOpenFileCacheConcurrent(t *testing.T) {
	site := t.TempDir()
	files := map[string]string{}
	for i := range 6 {
		name := fmt.Sprintf("f%d", i)
		files[name] = strings.Repeat(string(rune('a'+i)), 100<<(2*i))
		require.NoError(t, os.WriteFile(filepath.Join(site, name), []byte(files[name]), 0o644))
	}
	clock := newTestClock()
	p, err := New(quiet, Location("/", nil, Root(site),
		openFileCacheDirective(4, 3*time.Second, clock.Now), OpenFileCacheValid(2*time.Second)))
	require.NoError(t, err)
	defer p.Close()

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 60 {
				name := fmt.Sprintf("f%d", (g+i)%len(files))
				w := serve(p, http.MethodGet, "/"+name, "localhost")
				if w.Code != http.StatusOK || w.Body.String() != files[name] {
					t.Errorf("%s: %d, %d bytes", name, w.Code, w.Body.Len())
					return
				}
				if i%10 == 0 {
					clock.Advance(time.Second)
				}
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, len(cachedNames(p)), 4)
}

// The cache changes nothing about containment: the same requests as
// TestSymlinkOutsideRoot, each twice so that the second is answered from
// the cache, errors cached too.
func TestOpenFileCacheStaysInside(t *testing.T) {
	base := staticTree(t)
	site := filepath.Join(base, "site")
	p, err := New(quiet, OpenFileCache(100, time.Minute), OpenFileCacheErrors(true),
		Location("/", nil, Root(site)),
		Location("/img", nil, Alias(site+"/")),
		Location("/tf/", nil, Alias(site+"/"), TryFiles("$uri", "$uri/", "=418")),
	)
	require.NoError(t, err)
	defer p.Close()
	tests := []containedCase{
		{target: "/a.txt", status: http.StatusOK, body: "a\n"},
		{target: "/in.txt", status: http.StatusOK, body: "a\n"},
		{target: "/out.txt", status: http.StatusNotFound},
		{target: "/abs.txt", status: http.StatusNotFound},
		{target: "/outdir/f.txt", status: http.StatusNotFound},
		{target: "/img../secret.txt", status: http.StatusNotFound},
		{target: "/img../site/a.txt", status: http.StatusOK, body: "a\n"},
		{target: "/tf/out.txt", status: http.StatusTeapot},
		{target: "/tf/in.txt", status: http.StatusOK, body: "a\n"},
	}
	runContained(t, p, tests)
	runContained(t, p, tests)
}

func TestOpenFileCacheDirectiveErrors(t *testing.T) {
	for _, d := range []Directive{OpenFileCache(0, 0), OpenFileCache(1, -time.Second), OpenFileCacheValid(-1), OpenFileCacheMinUses(-1)} {
		_, err := New(quiet, d)
		assert.ErrorContainsf(t, err, d.Name(), "%s", d.Name())
	}
	// "open_file_cache off" in a location turns the server's cache off.
	site := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(site, "f"), []byte("1"), 0o644))
	p, err := New(quiet, Root(site), OpenFileCache(10, 0), Location("/", nil, OpenFileCacheOff()))
	require.NoError(t, err)
	defer p.Close()
	assert.Equal(t, "200 1", body(t, p, "/f"))
	replaceFile(t, filepath.Join(site, "f"), "2")
	assert.Equal(t, "200 2", body(t, p, "/f"))
	assert.Empty(t, cachedNames(p))
}
