package frontdesk

// Open directories and nginx's open_file_cache.
//
// Every static lookup opens its file inside an os.Root at the
// configured directory. Opening that directory per request cost an
// openat, an fstat and a close; a Proxy keeps it open instead and
// checks with one stat of the directory's path, per request, that the
// path still names the directory it holds, so a deploy that swaps the
// directory (rename, or a symlink moved) is seen at once, as nginx sees
// it without open_file_cache.
//
// open_file_cache goes further, as nginx's does: open descriptors,
// sizes, modification times, directory existence and (with
// open_file_cache_errors) lookup errors are kept per file name and
// trusted for open_file_cache_valid, so a cached file costs no system
// call until then.

import (
	"errors"
	"io/fs"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// staticFiles is what a Proxy keeps open for static content: one
// os.Root per directory files are opened in, and the open_file_cache
// caches its locations use, so that Close releases them.
type staticFiles struct {
	roots sync.Map // base directory -> *cachedRoot

	mu     sync.Mutex
	caches []*openFileCache
}

type cachedRoot struct {
	root *os.Root
	info fs.FileInfo // the directory's identity when it was opened

	// The root's directory once more, where openFast resolves names
	// (nil without openat2); mu keeps close from closing it during a
	// lookup, after which dirfd is -1.
	mu    sync.RWMutex
	dir   *os.File
	dirfd int
}

// root returns the open root for base. A root whose path now names
// another directory is replaced; the one replaced is closed by its
// finalizer once no request holds it, since a request may still be
// opening a file in it.
func (sf *staticFiles) root(base string) (*cachedRoot, error) {
	if v, ok := sf.roots.Load(base); ok {
		cr := v.(*cachedRoot)
		same, err := sameDir(base, cr.info)
		if err != nil {
			return nil, err
		}
		if same {
			return cr, nil
		}
	}
	root, err := os.OpenRoot(base)
	if err != nil {
		return nil, err
	}
	info, err := root.Stat(".")
	if err != nil {
		root.Close()
		return nil, err
	}
	cr := &cachedRoot{root: root, info: info}
	cr.dir, cr.dirfd = openRootDir(root)
	sf.roots.Store(base, cr)
	return cr, nil
}

func (cr *cachedRoot) close() {
	cr.root.Close()
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if cr.dir != nil {
		cr.dir.Close()
		cr.dirfd = -1
	}
}

func (sf *staticFiles) track(c *openFileCache) {
	sf.mu.Lock()
	sf.caches = append(sf.caches, c)
	sf.mu.Unlock()
}

// close closes the open directories and every cached descriptor not in
// use (those in use are closed when their requests finish).
func (sf *staticFiles) close() error {
	sf.roots.Range(func(k, v any) bool {
		v.(*cachedRoot).close()
		sf.roots.Delete(k)
		return true
	})
	sf.mu.Lock()
	caches := sf.caches
	sf.caches = nil
	sf.mu.Unlock()
	for _, c := range caches {
		c.clear()
	}
	return nil
}

// openIn opens rel inside root without following symlinks out of it.
// O_NONBLOCK, as nginx opens static files, keeps a FIFO from blocking
// the open; for regular files it changes nothing, and it spares Go's
// file setup two fcntl calls each way.
func openIn(root *os.Root, base, rel string) (*os.File, error) {
	const flags = os.O_RDONLY | syscall.O_NONBLOCK
	f, err := root.OpenFile(rel, flags, 0)
	if isEscape(err) {
		if r, ok := inRoot(base, rel); ok {
			f, err = root.OpenFile(r, flags, 0)
		}
	}
	return f, err
}

// openFileCache is one open_file_cache directive's cache
// (ngx_open_file_cache_t): entries by directory and name, least
// recently used first out when max is reached, and dropped after
// inactive without a lookup.
type openFileCache struct {
	max      int
	inactive int64 // seconds, as nginx counts
	clock    func() time.Time
	files    *staticFiles // whose Close clears this cache; set on first use

	mu      sync.Mutex
	entries map[ofcKey]*ofcEntry
	// head is the most recently accessed entry, tail the least.
	head, tail *ofcEntry
}

type ofcKey struct{ base, rel string }

// ofcEntry is ngx_cached_open_file_t. nginx shares one descriptor
// between the requests using it; here each request has one to itself
// (sendfile reads from the descriptor's offset), so an entry keeps the
// descriptors its requests returned for the next ones.
type ofcEntry struct {
	key        ofcKey
	prev, next *ofcEntry
	// uses counts lookups (for open_file_cache_min_uses); count is the
	// number of descriptors requests hold.
	uses, count int
	created     int64 // when the entry was last (re)validated
	accessed    int64 // when it was last looked up or released
	info        fs.FileInfo
	err         error // a cached lookup error (open_file_cache_errors)
	status      int
	free        []*os.File
	// gen changes when the entry stops describing the file its
	// descriptors were opened for; removed when it left the cache. A
	// descriptor returned after either is closed.
	gen     int
	removed bool
}

// openFileConf is a location's open_file_cache settings.
type openFileConf struct {
	cache   *openFileCache // nil: no cache
	valid   int64          // seconds
	minUses int
	errors  bool
}

// openFileSet is the open_file_cache directives of one level, nil where
// the level leaves them unset.
type openFileSet struct {
	cache   **openFileCache // points at nil for "open_file_cache off"
	valid   *time.Duration
	minUses *int
	errors  *bool
}

func (s openFileSet) inherit(p openFileSet) openFileSet {
	inheritPtr(&s.cache, p.cache)
	inheritPtr(&s.valid, p.valid)
	inheritPtr(&s.minUses, p.minUses)
	inheritPtr(&s.errors, p.errors)
	return s
}

func (s openFileSet) compile() openFileConf {
	c := openFileConf{
		valid:   int64(valueOr(s.valid, 60*time.Second) / time.Second),
		minUses: valueOr(s.minUses, 1),
		errors:  valueOr(s.errors, false),
	}
	if s.cache != nil {
		c.cache = *s.cache
	}
	return c
}

// OpenFileCache mirrors "open_file_cache max=N inactive=T": file
// lookups for static content (root, alias, index, try_files,
// gzip_static) keep open descriptors, sizes and modification times,
// whether names are directories, and with [OpenFileCacheErrors] their
// errors, for up to max names. A name not looked up for inactive (nginx
// counts whole seconds; default 60 s when inactive is 0) is dropped; at
// max, the least recently used goes. What is cached is trusted for
// [OpenFileCacheValid], so a file replaced on disk is seen only after
// that. nginx's default is no cache: every request opens its file.
func OpenFileCache(max int, inactive time.Duration) Directive {
	return openFileCacheDirective(max, inactive, time.Now)
}

func openFileCacheDirective(max int, inactive time.Duration, clock func() time.Time) Directive {
	return directive("open_file_cache", func(c *confSet) error {
		if max <= 0 {
			return errors.New("max must be positive, not " + strconv.Itoa(max))
		}
		if inactive < 0 {
			return errors.New("negative inactive time")
		}
		if inactive == 0 {
			inactive = 60 * time.Second
		}
		cache := &openFileCache{max: max, inactive: int64(inactive / time.Second), clock: clock, entries: map[ofcKey]*ofcEntry{}}
		c.openFiles.cache = &cache
		return nil
	})
}

// OpenFileCacheOff is "open_file_cache off": no cache at this level,
// whatever an enclosing level set.
func OpenFileCacheOff() Directive {
	return directive("open_file_cache", func(c *confSet) error {
		var none *openFileCache
		c.openFiles.cache = &none
		return nil
	})
}

// OpenFileCacheValid mirrors open_file_cache_valid (default 60 s): how
// long a cached entry is used before the file is looked up again. nginx
// counts whole seconds.
func OpenFileCacheValid(d time.Duration) Directive {
	return directive("open_file_cache_valid", func(c *confSet) error {
		if d < 0 {
			return errors.New("negative time")
		}
		c.openFiles.valid = &d
		return nil
	})
}

// OpenFileCacheMinUses mirrors open_file_cache_min_uses (default 1): a
// file's descriptor stays open only once it was looked up n times
// while in the cache.
func OpenFileCacheMinUses(n int) Directive {
	return directive("open_file_cache_min_uses", func(c *confSet) error {
		if n < 0 {
			return errors.New("negative count")
		}
		c.openFiles.minUses = &n
		return nil
	})
}

// OpenFileCacheErrors mirrors open_file_cache_errors (default off): also
// cache that a name does not exist, may not be read, or leads out of
// the directory.
func OpenFileCacheErrors(on bool) Directive {
	return directive("open_file_cache_errors", func(c *confSet) error {
		c.openFiles.errors = &on
		return nil
	})
}

// lookupResult is what a lookup found: the file's metadata and, for a
// regular file opened for reading, a descriptor the request owns until
// release.
type lookupResult struct {
	f *os.File
	// raw is a small file opened without an *os.File (openFast).
	raw    readAtCloser
	info   fs.FileInfo
	status int
	err    error
}

// lookup is ngx_open_cached_file for the name rel in base. open asks
// for a descriptor (a regular file to send); otherwise only metadata is
// wanted (try_files, the index module's directory test). fresh looks the
// name up on disk. The entry and generation returned go back to release
// with the descriptor.
func (c *openFileCache) lookup(oc *openFileConf, sf *staticFiles, key ofcKey, open bool, fresh func(open bool) lookupResult) (res lookupResult, e *ofcEntry, gen int) {
	now := c.clock().Unix()
	c.mu.Lock()
	if c.files == nil {
		c.files = sf
		sf.track(c)
	}
	e = c.entries[key]
	if e != nil {
		e.uses++
		if now-e.created >= oc.valid && e.err == nil && len(e.free) > 0 {
			// nginx revalidates an open file with a stat: while the
			// name still leads to the same file, its descriptors stay.
			c.mu.Unlock()
			r := fresh(false)
			c.mu.Lock()
			if c.entries[key] == e {
				if r.err == nil && os.SameFile(e.info, r.info) {
					e.info, e.created = r.info, now
				} else {
					c.dropFree(e)
					e.gen++
				}
			}
		}
		if c.entries[key] == e && now-e.created < oc.valid &&
			(e.err != nil || e.info.IsDir() || !open || len(e.free) > 0 || e.count > 0) {
			// Valid, and no open needed or a descriptor kept.
			res = lookupResult{info: e.info, status: e.status, err: e.err}
			var opened bool
			if res.err == nil && open && !e.info.IsDir() {
				if n := len(e.free); n > 0 {
					res.f, e.free = e.free[n-1], e.free[:n-1]
				} else {
					opened = true
				}
				e.count++
			}
			e.accessed = now
			c.toFront(e)
			gen = e.gen
			c.mu.Unlock()
			if opened {
				// Every descriptor is in use: open one more for this
				// request, kept for the next.
				r := fresh(true)
				if r.err != nil || !os.SameFile(r.info, res.info) {
					c.release(oc, e, gen, nil)
					return r, nil, 0
				}
				res.f = r.f
			}
			return res, e, gen
		}
	}
	c.mu.Unlock()

	// Missing, due for revalidation, or kept without a descriptor (not
	// used min_uses times yet): look the name up on disk.
	r := fresh(open)
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.entries[key]; cur != e {
		// Another request replaced the entry meanwhile: update the
		// current one.
		e = cur
	}
	if r.err != nil && !oc.errors {
		if e != nil {
			c.remove(e)
		}
		return r, nil, 0
	}
	if e == nil {
		if len(c.entries) >= c.max {
			c.expire(now, true)
		}
		e = &ofcEntry{key: key, uses: 1}
		c.entries[key] = e
	} else if r.err != nil || e.err != nil || e.info == nil || !os.SameFile(e.info, r.info) || r.info.IsDir() {
		// Another file (or none) under the name now: descriptors of
		// the old one go.
		c.dropFree(e)
		e.gen++
	}
	e.info, e.err, e.status = r.info, r.err, r.status
	e.created, e.accessed = now, now
	c.toFront(e)
	if r.f != nil {
		e.count++
	}
	return r, e, e.gen
}

// release returns a descriptor lookup handed out (nil when its open
// failed) and expires a couple of inactive entries, as
// ngx_open_file_cleanup does.
func (c *openFileCache) release(oc *openFileConf, e *ofcEntry, gen int, f *os.File) {
	now := c.clock().Unix()
	c.mu.Lock()
	e.count--
	switch {
	case f == nil:
	case e.removed || e.gen != gen || e.uses < oc.minUses:
		f.Close()
	default:
		e.free = append(e.free, f)
	}
	if !e.removed {
		e.accessed = now
		c.toFront(e)
	}
	c.expire(now, false)
	c.mu.Unlock()
}

// expire is ngx_expire_old_cached_files: it drops one or two entries
// not looked up for inactive from the tail, and with force first the
// least recently used one whatever its age.
func (c *openFileCache) expire(now int64, force bool) {
	n := 1
	if force {
		n = 0
	}
	for ; n < 3 && c.tail != nil; n++ {
		if n > 0 && now-c.tail.accessed <= c.inactive {
			return
		}
		c.remove(c.tail)
	}
}

func (c *openFileCache) remove(e *ofcEntry) {
	c.unlink(e)
	delete(c.entries, e.key)
	e.removed = true
	c.dropFree(e)
}

func (c *openFileCache) dropFree(e *ofcEntry) {
	for _, f := range e.free {
		f.Close()
	}
	e.free = nil
}

// clear empties the cache, closing the descriptors not in use.
func (c *openFileCache) clear() {
	c.mu.Lock()
	for c.tail != nil {
		c.remove(c.tail)
	}
	c.mu.Unlock()
}

func (c *openFileCache) unlink(e *ofcEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else if c.head == e {
		c.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else if c.tail == e {
		c.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

func (c *openFileCache) toFront(e *ofcEntry) {
	c.unlink(e)
	e.next = c.head
	if c.head != nil {
		c.head.prev = e
	}
	c.head = e
	if c.tail == nil {
		c.tail = e
	}
}
