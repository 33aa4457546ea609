package frontdesk

// Static content, as nginx's static, index, autoindex and try_files
// modules serve it.
//
// The file for a request is root + $uri, or for alias the location name
// replaced by the alias (in a regex location, the alias with captures is
// the whole name). Files are opened inside an [os.Root] at the configured
// directory, so no request — not "../", not a symlink, not nginx's alias
// off-by-slash — reads outside it; what nginx would find outside is a 404
// here.

import (
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/frontdesk-go/frontdesk/internal/fileserve"
	"github.com/frontdesk-go/frontdesk/internal/syserr"
	"github.com/frontdesk-go/frontdesk/internal/uri"
)

// Static serves files from dir with nginx's alias semantics: in a
// location, the matched location name is replaced by dir ("location
// /static/" + Static("/srv/app/static/") serves /static/css/a.css from
// /srv/app/static/css/a.css). Directives such as [Index], [TryFiles],
// [Autoindex] or [Expires] may be given here or on the location.
//
// Outside a [Proxy] (mounted directly in a ServeMux, say) it serves the
// whole request path under dir.
func Static(dir string, opts ...Directive) http.Handler {
	return &staticHandler{dir: dir, opts: opts}
}

type staticHandler struct {
	dir  string
	opts []Directive

	standalone
}

func (s *staticHandler) directives() []LocationOption {
	// A Static handler types files by nginx's shipped mime.types unless a
	// Types directive (here or inherited) says otherwise; a loaded
	// nginx.conf gets only what it declares.
	out := []LocationOption{Alias(s.dir), directive("types", func(c *confSet) error { c.shippedTypes = true; return nil })}
	for _, o := range s.opts {
		out = append(out, o)
	}
	return out
}

func (s *staticHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if st := stateFrom(r); st != nil {
		// Reached as a plain handler of a location that was not compiled
		// with it (for example wrapped by middleware): serve the location's
		// static content.
		st.serveStatic()
		return
	}
	s.serveStandalone(s, w, r)
}

// staticContent is the compiled default content handler of a location.
type staticContent struct{}

func (c *compiler) bindStatic(l *location) http.Handler { return staticContent{} }

func (staticContent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if st := stateFrom(r); st != nil {
		st.serveStatic()
	}
}

// serveStatic is nginx's content phase for a location without a content
// handler: index for URIs ending in "/", then autoindex, else the file.
func (st *reqState) serveStatic() {
	if st.serveGzipStatic() {
		return
	}
	switch st.method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		st.finalize(http.StatusMethodNotAllowed)
		return
	}
	if strings.HasSuffix(st.uri, "/") {
		st.serveDirectory()
		return
	}
	st.serveFile()
}

// MapPath makes static files (root, alias, index, try_files, autoindex)
// open fn(dir) instead of each configured directory dir, which stays the
// one variables and messages name. Tests use it to serve a
// configuration's paths from fixtures without editing the configuration.
func MapPath(fn func(dir string) string) Option {
	return serverOption(func(s *serverBuilder) error {
		if fn == nil {
			return errors.New("MapPath: nil function")
		}
		s.mapPath = fn
		return nil
	})
}

// rootedPath is a mapped file name split at the directory no request may
// leave: base is opened as an os.Root, rel is resolved inside it.
type rootedPath struct {
	full, base, rel string
}

// resolve splits a mapped path. The containment base is root or alias
// itself when the file lies inside it. nginx's string splicing can also
// name a sibling: an alias without a trailing slash, as in "location /img
// { alias /srv/img; }" serving /imgx.gif from /srv/imgx.gif, or an exact
// location aliased to a file. The base is then the directory holding
// root or alias, so those files are served as nginx serves them while a
// path can still never climb above it. With variables, the base is the
// literal beginning of root or alias up to its last "/".
func (st *reqState) resolve(full, root string) rootedPath {
	c := st.conf()
	base := root
	switch {
	case !c.root.static():
		lit := c.root.raw
		if i := strings.IndexByte(lit, '$'); i >= 0 {
			lit = lit[:i]
		}
		base = lit[:strings.LastIndexByte(lit, '/')+1]
	case strings.HasSuffix(root, "/") || len(full) > len(root) && full[len(root)] == '/' && strings.HasPrefix(full, root):
	default:
		base = root[:strings.LastIndexByte(root, '/')+1]
	}
	rel := "\x00" // a path outside base: variables produced it
	if strings.HasPrefix(full, base) {
		rel = strings.TrimPrefix(full[len(base):], "/")
	}
	if base == "" {
		base = "."
	} else if m := st.srv.proxy.mapPath; m != nil {
		// Only the directory opened changes: $request_filename and
		// messages keep the configured path.
		base = m(base)
	}
	return rootedPath{full: full, base: base, rel: rel}
}

// fileInfo is a file (or directory) a static lookup found. f is open
// only for a regular file to send, and is the request's until close.
type fileInfo struct {
	f    *os.File
	raw  readAtCloser // instead of f, see openFast
	info fs.FileInfo
	// From an open_file_cache, f goes back to its entry.
	cache *openFileCache
	oc    *openFileConf
	entry *ofcEntry
	gen   int
}

func (fi *fileInfo) close() {
	switch {
	case fi.entry != nil:
		fi.cache.release(fi.oc, fi.entry, fi.gen, fi.f)
	case fi.f != nil:
		fi.f.Close()
	case fi.raw != nil:
		fi.raw.Close()
	}
}

// readAtCloser is a file to send.
type readAtCloser interface {
	io.ReaderAt
	io.Closer
}

// body is the open file's content.
func (fi *fileInfo) body() io.ReaderAt {
	if fi.raw != nil {
		return fi.raw
	}
	return fi.f
}

// openRooted looks p up inside its base directory, through the
// location's open_file_cache if it has one: with dirOnly only its
// metadata is wanted (a stat), otherwise a regular file is opened.
// Errors are mapped to the status nginx answers: 404 for missing files
// (and for anything outside the directory), 403 for permission denied,
// 500 otherwise.
func (st *reqState) openRooted(p rootedPath, dirOnly bool) (fileInfo, int, error) {
	if strings.IndexByte(p.rel, 0) >= 0 {
		return fileInfo{}, http.StatusNotFound, fs.ErrNotExist
	}
	rel := p.rel
	if dirOnly {
		rel = strings.TrimSuffix(rel, "/")
	}
	if rel == "" {
		rel = "."
	}
	sf := st.srv.proxy.files
	oc := &st.conf().openFiles
	if oc.cache == nil {
		r := lookupFile(sf, p.base, rel, !dirOnly, true)
		if r.err != nil {
			return fileInfo{}, r.status, r.err
		}
		return fileInfo{f: r.f, raw: r.raw, info: r.info}, 0, nil
	}
	r, e, gen := oc.cache.lookup(oc, sf, ofcKey{p.base, rel}, !dirOnly, func(open bool) lookupResult {
		return lookupFile(sf, p.base, rel, open, false)
	})
	if r.err != nil {
		return fileInfo{}, r.status, r.err
	}
	fi := fileInfo{f: r.f, info: r.info}
	if e != nil && r.f != nil {
		fi.cache, fi.oc, fi.entry, fi.gen = oc.cache, oc, e, gen
	}
	return fi, 0, nil
}

// lookupFile looks rel up on disk inside base: a stat, or with open the
// file opened, kept open only when it is a regular file. raw allows a
// result from openFast, whose file info os.SameFile cannot compare (an
// open_file_cache needs that).
func lookupFile(sf *staticFiles, base, rel string, open, raw bool) lookupResult {
	cr, err := sf.root(base)
	if err != nil {
		return lookupResult{status: statusForOpenError(err), err: err}
	}
	root := cr.root
	if !open {
		info, err := rootStat(root, base, rel)
		if err != nil {
			return lookupResult{status: statusForOpenError(err), err: err}
		}
		return lookupResult{info: info}
	}
	if raw {
		if r, ok := openFast(cr, base, rel); ok {
			return r
		}
	}
	f, err := openIn(root, base, rel)
	if err != nil {
		return lookupResult{status: statusForOpenError(err), err: err}
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return lookupResult{status: http.StatusInternalServerError, err: err}
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return lookupResult{info: info}
	}
	return lookupResult{f: f, info: info}
}

// isEscape reports os.Root's refusal to follow a path out of its
// directory (the error has no exported identity).
func isEscape(err error) bool {
	return err != nil && strings.Contains(err.Error(), "path escapes from parent")
}

// inRoot re-resolves a path os.Root refused because a symlink on it is
// absolute, or climbs out of the root before coming back in. nginx
// follows such links; frontdesk does too when the kernel's resolution
// ends inside base. The name returned has no symlinks left and is still
// opened through the os.Root, so a link swapped in between cannot lead
// out.
func inRoot(base, rel string) (string, bool) {
	realBase, err := filepath.EvalSymlinks(base)
	if err != nil {
		return "", false
	}
	real, err := filepath.EvalSymlinks(filepath.Join(base, rel))
	if err != nil {
		return "", false
	}
	r, err := filepath.Rel(realBase, real)
	if err != nil || r == ".." || strings.HasPrefix(r, "../") {
		return "", false
	}
	return r, true
}

// rootStat is root.Stat following symlinks that stay inside the root.
func rootStat(root *os.Root, base, rel string) (fs.FileInfo, error) {
	info, err := root.Stat(rel)
	if isEscape(err) {
		if r, ok := inRoot(base, rel); ok {
			return root.Stat(r)
		}
	}
	return info, err
}

// statusForOpenError maps an open error to nginx's status
// (ngx_http_static_handler): 404 for missing files and, in frontdesk,
// for anything outside the directory; 403 for permission denied and for
// a symlink loop (nginx built with openat treats ELOOP like EACCES).
func statusForOpenError(err error) int {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.ENAMETOOLONG):
		return http.StatusNotFound
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.ELOOP):
		return http.StatusForbidden
	case isEscape(err):
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

func (st *reqState) logOpenError(path string, err error, status int) {
	if status == http.StatusNotFound && !st.conf().logNotFound {
		return
	}
	// nginx: [error] for a missing or forbidden file, [crit] otherwise.
	level := slog.LevelError
	if status == http.StatusInternalServerError {
		level = logCrit
	}
	if st.logging(level) {
		st.logRequest(level, `open() "`+path+`" failed `+syserr.Quote(err), "")
	}
}

// serveFile is ngx_http_static_handler for a URI not ending in "/".
func (st *reqState) serveFile() {
	if st.aliasAfterRewrite() {
		return
	}
	full, root := st.mapURIToPath(st.uri)
	p := st.resolve(full, root)
	fi, status, err := st.openRooted(p, false)
	if err != nil {
		st.logOpenError(full, err, status)
		st.finalize(status)
		return
	}
	defer fi.close()
	if fi.info.IsDir() {
		// ngx_http_static_handler escapes $uri for the Location.
		loc := uri.Escape(st.uri, uri.EscapeURI) + "/"
		if st.hasArgs && st.args != "" {
			loc += "?" + st.args
		}
		st.redirectTo(http.StatusMovedPermanently, loc, false)
		return
	}
	if !fi.info.Mode().IsRegular() {
		st.finalize(http.StatusNotFound)
		return
	}
	if st.method == http.MethodPost {
		st.finalize(http.StatusMethodNotAllowed)
		return
	}
	st.sendFile(fi)
}

func (st *reqState) sendFile(fi fileInfo) {
	c := st.conf()
	content := fileserve.Content{
		Size:    fi.info.Size(),
		ModTime: fi.info.ModTime(),
		Type:    st.contentType(st.uri),
		Body:    fi.body(),
	}
	if c.etag {
		content.ETag = fileserve.ETag(content.ModTime, content.Size)
	}
	status := http.StatusOK
	if st.errStatus > 0 {
		// error_page's status replaces 200 before the filters run, as
		// ngx_http_send_header does, so with "=200" the not-modified and
		// range filters may still answer 304 or 206.
		status, st.errStatus = st.errStatus, 0
	}
	opt := fileserve.Options{
		IfModifiedSince: c.ifModifiedSince,
		MaxRanges:       c.maxRanges,
		// nginx's headers filter (expires, add_header) runs before the
		// range filter, so a 416 keeps what it added; the error page
		// then passes through the filter a second time.
		HeaderFilter: func(h http.Header, status int) {
			st.headersFilter(h, status)
			st.headersFiltered = true
			// gzip_min_length needs the length, which fileserve sets
			// later for a 200.
			h["Content-Length"] = []string{fileserve.ContentLength(content.Size)}
			st.gzipHeaderFilter(h, status)
			if status == http.StatusNotModified {
				// ngx_http_not_modified_header_filter cleared it
				// (net/http's server drops it from a 304 anyway; the
				// binary's server loop sends what it is given).
				delete(h, "Content-Length")
			}
		},
		// The gzip filter runs before the range filter.
		NoRanges: func() bool { return st.gz.encode || st.gz.static },
	}
	if _, errStatus := fileserve.Serve(st.w, st.request(), content, status, opt); errStatus != 0 {
		st.headersFiltered = false
		st.finalize(errStatus)
	}
}

// serveDirectory is the index module, then autoindex, for a URI ending in
// "/".
func (st *reqState) serveDirectory() {
	if st.aliasAfterRewrite() {
		return
	}
	c := st.conf()
	dirTested := false
	for _, t := range c.index {
		name := t.string(st)
		if strings.HasPrefix(name, "/") {
			st.internalRedirect(name, st.args, st.hasArgs)
			return
		}
		full, root := st.mapURIToPath(st.uri)
		p := st.resolve(full+name, root)
		fi, status, err := st.openRooted(p, false)
		if err == nil {
			fi.close()
			st.internalRedirect(st.uri+name, st.args, st.hasArgs)
			return
		}
		if status != http.StatusNotFound || errors.Is(err, syscall.ENOTDIR) {
			st.logOpenError(full+name, err, status)
			st.finalize(status)
			return
		}
		if !dirTested {
			dir, status, err := st.openRooted(st.resolve(full, root), true)
			if err != nil {
				st.logOpenError(full, err, status)
				st.finalize(status)
				return
			}
			isDir := dir.info.IsDir()
			dir.close()
			if !isDir {
				st.finalize(http.StatusNotFound)
				return
			}
			dirTested = true
		}
	}
	full, root := st.mapURIToPath(st.uri)
	p := st.resolve(full, root)
	if c.autoindex && (st.method == http.MethodGet || st.method == http.MethodHead) {
		st.serveAutoindex(p)
		return
	}
	dir, status, err := st.openRooted(p, true)
	if err != nil {
		st.logOpenError(full, err, status)
		st.finalize(status)
		return
	}
	dir.close()
	if st.logging(slog.LevelError) {
		st.logRequest(slog.LevelError, `directory index of "`+full+`" is forbidden`, "")
	}
	st.finalize(http.StatusForbidden)
}

func (st *reqState) serveAutoindex(p rootedPath) {
	c := st.conf()
	opt := fileserve.AutoindexOptions{
		Format:           c.autoindexFormat,
		ApproximateSizes: !c.autoindexExactSize,
		Localtime:        c.autoindexLocaltime,
		Now:              st.now(),
	}
	if c.autoindexFormat == fileserve.FormatJSONP {
		opt.Callback, _ = findArg(st.args, "callback")
	}
	contentType, err := fileserve.AutoindexContentType(opt)
	if err != nil {
		st.finalize(http.StatusBadRequest)
		return
	}
	// nginx's autoindex opens the directory itself, never through
	// open_file_cache.
	root, dir, status, err := openDir(st.srv.proxy.files, p)
	if err != nil {
		st.logOpenError(p.full, err, status)
		st.finalize(status)
		return
	}
	if dir == nil {
		st.finalize(http.StatusNotFound)
		return
	}
	defer dir.Close()
	entries, err := listRooted(root, dir, p.base, p.rel)
	if err != nil {
		st.finalize(http.StatusInternalServerError)
		return
	}
	st.w.Header()["Content-Type"] = []string{contentType}
	st.w.WriteHeader(http.StatusOK)
	if st.method == http.MethodHead {
		return
	}
	// nginx streams the listing without Content-Length; flushing first
	// keeps net/http from computing one.
	st.w.Flush()
	_ = fileserve.RenderAutoindex(st.w, st.uri, entries, opt)
}

// openDir opens the directory p names for listing, with the root it
// lies in; for a name that is not a directory, dir is nil.
func openDir(sf *staticFiles, p rootedPath) (*os.Root, *os.File, int, error) {
	if strings.IndexByte(p.rel, 0) >= 0 {
		return nil, nil, http.StatusNotFound, fs.ErrNotExist
	}
	rel := p.rel
	if rel == "" {
		rel = "."
	}
	cr, err := sf.root(p.base)
	if err != nil {
		return nil, nil, statusForOpenError(err), err
	}
	root := cr.root
	dir, err := openIn(root, p.base, rel)
	if err != nil {
		return nil, nil, statusForOpenError(err), err
	}
	if info, err := dir.Stat(); err != nil || !info.IsDir() {
		dir.Close()
		return nil, nil, 0, nil
	}
	return root, dir, 0, nil
}

// listRooted lists an opened directory as the autoindex module reads it:
// dot files skipped, entries stat()ed through symlinks, a dangling or
// looping link shown as itself, unreadable entries left out. Links are
// followed only inside the root.
func listRooted(root *os.Root, dir *os.File, base, rel string) ([]fileserve.Entry, error) {
	dirents, err := dir.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	rel = strings.Trim(rel, "/")
	entries := make([]fileserve.Entry, 0, len(dirents))
	for _, d := range dirents {
		name := d.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		p := name
		if rel != "" && rel != "." {
			p = rel + "/" + name
		}
		info, err := rootStat(root, base, p)
		special := false
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				continue
			}
			if info, err = root.Lstat(p); err != nil {
				continue
			}
			special = true
		}
		entries = append(entries, fileserve.Entry{
			Name:    name,
			IsDir:   info.IsDir(),
			Special: special || (!info.IsDir() && !info.Mode().IsRegular()),
			Size:    info.Size(),
			ModTime: info.ModTime(),
		})
	}
	return entries, nil
}

// tryFiles is nginx's precontent phase: the first argument naming an
// existing file (or directory, for "name/") becomes $uri in this
// location; otherwise the last argument is an internal redirect, a named
// location or a status code. It reports whether the request goes on to
// the location's content handler.
func (st *reqState) tryFiles() bool {
	if st.aliasAfterRewrite() {
		return false
	}
	c := st.conf()
	args := c.tryFiles
	// st.uri changes only when an argument matches, so the mapping holds
	// for every argument tested.
	full, root := st.mapURIToPath(st.uri)
	for _, t := range args[:len(args)-1] {
		name := t.string(st)
		// As in nginx, the written argument decides: "$uri" tests a file
		// even when $uri ends in "/".
		testDir := strings.HasSuffix(t.raw, "/")
		tail := name
		if c.isAlias && !c.aliasRegex && c.aliasLen <= len(st.uri) && strings.HasPrefix(name, st.uri[:c.aliasLen]) {
			tail = name[c.aliasLen:]
		}
		path := root + tail
		if c.isAlias && c.aliasRegex {
			path = full + tail
		}
		fi, _, err := st.openRooted(st.resolve(path, root), true)
		if err != nil {
			continue
		}
		isDir := fi.info.IsDir()
		fi.close()
		if isDir != testDir {
			continue
		}
		// A directory found by "name/" becomes $uri without that slash
		// (ngx_http_try_files_handler shortens the path before testing
		// it), so the static handler answers it with a 301.
		if testDir && tail != "" {
			tail = tail[:len(tail)-1]
		}
		switch {
		case c.isAlias && c.aliasRegex:
			if !testDir {
				st.uri, st.addURIToAlias = tail, true
			}
		case c.isAlias:
			st.uri = st.uri[:min(c.aliasLen, len(st.uri))] + tail
		default:
			st.uri = tail
		}
		return true
	}
	last := args[len(args)-1].string(st)
	switch {
	case strings.HasPrefix(last, "@"):
		st.namedRedirect(last)
	case strings.HasPrefix(last, "="):
		code := 0
		for _, ch := range last[1:] {
			if ch < '0' || ch > '9' {
				code = http.StatusInternalServerError
				break
			}
			code = code*10 + int(ch-'0')
		}
		st.finalize(code)
	default:
		u, a, has := last, "", false
		if i := strings.IndexByte(last, '?'); i >= 0 {
			u, a, has = last[:i], last[i+1:], true
		}
		st.internalRedirect(u, a, has)
	}
	return false
}
