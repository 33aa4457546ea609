package nginxconf

// Loading files and expanding "include", as ngx_conf_include does.
//
// nginx resolves a relative include path against the directory of the main
// configuration file (its "conf prefix"), never against the file that holds
// the include: "include snippets/a.conf;" inside /etc/nginx/sites-enabled/x
// reads /etc/nginx/snippets/a.conf. Names are joined as plain strings and
// never cleaned, so "/etc/nginx/./a.conf" is what nginx opens and prints.
//
// If the resolved name contains any of "*?[", it is a glob(3) pattern: the
// matches are read in byte order of their full names, a pattern matching
// nothing is fine, and "*", "?" and "[...]" do not match a leading "." (but a
// pattern starting with "." matches "." and ".." too, which then fail as
// directories). Otherwise the file must exist.

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"syscall"

	"github.com/frontdesk-go/frontdesk/internal/syserr"
)

// maxIncludeDepth bounds include nesting. nginx has no limit and crashes
// (stack overflow) on a file that includes itself; real configurations nest
// a few levels at most.
const maxIncludeDepth = 64

// Loader reads an nginx configuration file and the files it includes.
//
// The zero value reads from the operating system's file system and resolves
// relative paths against the current directory. A Loader keeps no state
// between calls and is safe for concurrent use.
type Loader struct {
	// FS, if non-nil, is the file system files are read from. nginx paths
	// are looked up in it with the leading "/" removed and cleaned, so
	// os.DirFS("/") behaves like the real file system, and an
	// fstest.MapFS{"etc/nginx/nginx.conf": ...} serves /etc/nginx/nginx.conf.
	// Nil means the operating system's file system, opened by the exact
	// names nginx would use.
	FS fs.FS

	// Prefix is nginx's -p prefix: a relative path given to Load or
	// LoadString is resolved against it, as nginx resolves its -c file. A
	// missing trailing "/" is added, as nginx does. Empty means the current
	// directory (or the root of FS). nginx's own default is the prefix it
	// was built with (/usr/share/nginx/ for Debian's package).
	Prefix string
}

// Load reads the configuration file at path and expands every "include"
// directive in place, at any depth, with the included files' directives
// keeping their own File and Line. The main file's directory (after
// resolving path against Prefix) is the base for relative include paths.
//
// Errors are *[SyntaxError] values worded as nginx words them, such as
// `open() "/etc/nginx/x.conf" failed (2: No such file or directory) in
// /etc/nginx/nginx.conf:12`. As with [Parse], on error the directives nginx
// would have processed before the error are returned with it.
func (l *Loader) Load(path string) ([]*Directive, error) {
	name := l.fullName(path)
	st := loadState{fsys: l.fileSystem(), confPrefix: confPrefix(name)}
	src, err := st.read(name, nil)
	if err != nil {
		return nil, err
	}
	return st.parse(name, src, 0)
}

// LoadString is [Loader.Load] for a main file whose content is src: path
// names it in errors and sets the base for relative includes, but is not
// read. Included files are read from the Loader's file system.
func (l *Loader) LoadString(path, src string) ([]*Directive, error) {
	name := l.fullName(path)
	st := loadState{fsys: l.fileSystem(), confPrefix: confPrefix(name)}
	return st.parse(name, []byte(src), 0)
}

// fullName resolves a main file name against Prefix, as nginx resolves -c
// against -p (ngx_conf_full_name with the plain prefix).
func (l *Loader) fullName(name string) string {
	if strings.HasPrefix(name, "/") || l.Prefix == "" {
		return name
	}
	p := l.Prefix
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p + name
}

// confPrefix is the directory part of the main file name, with its trailing
// "/", which nginx uses to resolve relative includes.
func confPrefix(name string) string {
	return name[:strings.LastIndexByte(name, '/')+1]
}

func (l *Loader) fileSystem() fileSystem {
	if l.FS == nil {
		return osFS{}
	}
	return ioFS{l.FS}
}

// loadState carries what one Load call needs while it recurses.
type loadState struct {
	fsys       fileSystem
	confPrefix string
}

// parse parses one file and expands its includes. An include error beats the
// file's own syntax error: Parse's partial tree holds only directives read
// before the syntax error, so nginx would have failed on the include first.
func (st *loadState) parse(name string, src []byte, depth int) ([]*Directive, error) {
	ds, perr := Parse(name, src)
	ds, err := st.expand(ds, depth)
	if err != nil {
		return ds, err
	}
	return ds, perr
}

// expand replaces include directives in ds (recursively, in blocks too) by
// the directives of the files they name.
func (st *loadState) expand(ds []*Directive, depth int) ([]*Directive, error) {
	var out []*Directive
	for _, d := range ds {
		if d.Name != "include" {
			if len(d.Block) > 0 {
				block, err := st.expand(d.Block, depth)
				d.Block = block
				if err != nil {
					return append(out, d), err
				}
			}
			out = append(out, d)
			continue
		}
		included, err := st.include(d, depth)
		out = append(out, included...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// include reads the files one include directive names.
func (st *loadState) include(d *Directive, depth int) ([]*Directive, error) {
	// "include" is NGX_ANY_CONF|NGX_CONF_TAKE1; ngx_conf_handler checks the
	// terminator before the argument count.
	if d.HasBlock {
		return nil, &SyntaxError{File: d.File, Line: d.Line, Msg: `directive "include" is not terminated by ";"`}
	}
	if len(d.Args) != 1 {
		return nil, &SyntaxError{File: d.File, Line: d.Line, Msg: `invalid number of arguments in "include" directive`}
	}
	if depth >= maxIncludeDepth {
		return nil, &SyntaxError{File: d.File, Line: d.Line,
			Msg: fmt.Sprintf(`include nested more than %d levels deep, probably recursive`, maxIncludeDepth)}
	}

	name := d.Args[0]
	if i := strings.IndexByte(name, 0); i >= 0 {
		// nginx passes the name to open(2) and glob(3) as a C string.
		name = name[:i]
	}
	if !strings.HasPrefix(name, "/") {
		name = st.confPrefix + name
	}

	names := []string{name}
	if strings.ContainsAny(name, "*?[") {
		names = st.glob(name)
	}

	var out []*Directive
	for _, n := range names {
		src, err := st.read(n, d)
		if err != nil {
			return out, err
		}
		ds, err := st.parse(n, src, depth+1)
		out = append(out, ds...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// read reads one configuration file. from is the include directive that
// named it, or nil for the main file, which nginx reports without a location.
func (st *loadState) read(name string, from *Directive) ([]byte, error) {
	f, err := st.fsys.open(name)
	if err != nil {
		e := sysError(`open() "`+name+`" failed`, err)
		if from != nil {
			e.File, e.Line = from.File, from.Line
		}
		return nil, e
	}
	defer f.Close()

	// nginx opens a directory without complaint and fails on the first
	// read, logging "[crit] pread() ... failed" without a location.
	info, err := f.Stat()
	if err == nil && info.IsDir() {
		err = &fs.PathError{Op: "read", Path: name, Err: syscall.EISDIR}
	}
	var src []byte
	if err == nil {
		src, err = io.ReadAll(f)
	}
	if err != nil {
		return nil, sysError(`pread() "`+name+`" failed`, err)
	}
	return src, nil
}

// sysError builds the error nginx logs for a failed system call: the message,
// then the errno in parentheses.
func sysError(msg string, err error) *SyntaxError {
	sys := " (" + syserr.Text(err) + ")"
	return &SyntaxError{Msg: msg + sys, sys: sys, err: err}
}

// glob expands an include pattern the way glibc's glob(pattern, 0) does for
// nginx: component by component, escapes honoured, hidden names matched only
// by an explicit ".", results sorted by byte order of the whole name. Read
// errors are ignored, as glob does without GLOB_ERR.
func (st *loadState) glob(pattern string) []string {
	comps := strings.Split(pattern, "/")
	prefixes := []string{""}
	if comps[0] == "" { // absolute
		prefixes = []string{"/"}
		comps = comps[1:]
	}
	for i, c := range comps {
		last := i == len(comps)-1
		sep := "/"
		if last {
			sep = ""
		}
		var next []string
		if !hasGlobMeta(c) {
			lit := unescapeGlob(c)
			for _, p := range prefixes {
				next = append(next, p+lit+sep)
			}
			if last {
				// A literal last component must exist.
				kept := next[:0]
				for _, n := range next {
					if st.fsys.exists(n) {
						kept = append(kept, n)
					}
				}
				next = kept
			}
		} else {
			for _, p := range prefixes {
				names := st.fsys.readDir(p)
				if explicitDot(c) {
					// readdir(3) returns "." and "..", which a pattern with
					// a leading "." can match.
					names = append(names, ".", "..")
				}
				for _, n := range names {
					if fnmatch(c, n) {
						next = append(next, p+n+sep)
					}
				}
			}
		}
		prefixes = next
		if len(prefixes) == 0 {
			return nil
		}
	}
	sort.Strings(prefixes)
	return prefixes
}

// hasGlobMeta reports whether a path component is a pattern in glob's eyes:
// it has an unescaped "*" or "?", or a "[" followed later by "]".
func hasGlobMeta(s string) bool {
	bracket := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?':
			return true
		case '\\':
			i++
		case '[':
			bracket = true
		case ']':
			if bracket {
				return true
			}
		}
	}
	return false
}

// unescapeGlob removes glob escapes from a literal component.
func unescapeGlob(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// fnmatch matches one name against one pattern component with the flags glob
// uses (FNM_PERIOD, escapes on): "*", "?" and brackets never match a leading
// ".". Go's path.Match differs (no "[!...]", "*" matches dot files, an
// unclosed "[" is an error rather than a literal), hence this matcher.
func fnmatch(pattern, name string) bool {
	if strings.HasPrefix(name, ".") && !explicitDot(pattern) {
		return false
	}
	// Classic iterative matcher: remember the last "*" and backtrack to it.
	pi, ni := 0, 0
	starP, starN := -1, 0
	for ni < len(name) {
		if pi < len(pattern) {
			switch c := pattern[pi]; c {
			case '*':
				starP, starN = pi, ni
				pi++
				continue
			case '?':
				pi++
				ni++
				continue
			case '[':
				if ok, width, valid := matchBracket(pattern[pi:], name[ni]); valid {
					if ok {
						pi += width
						ni++
						continue
					}
				} else if name[ni] == '[' { // unclosed: a literal "["
					pi++
					ni++
					continue
				}
			case '\\':
				if pi+1 < len(pattern) {
					if pattern[pi+1] == name[ni] {
						pi += 2
						ni++
						continue
					}
					break
				}
				fallthrough
			default:
				if c == name[ni] {
					pi++
					ni++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starN++
		pi, ni = starP+1, starN
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}

// explicitDot reports whether a pattern starts with a literal ".", the only
// way glob lets a pattern match a hidden name.
func explicitDot(pattern string) bool {
	return strings.HasPrefix(pattern, ".") || strings.HasPrefix(pattern, `\.`)
}

// matchBracket matches c against the bracket expression at the start of p.
// It returns whether c matched, the expression's width, and whether the
// expression was closed at all.
func matchBracket(p string, c byte) (matched bool, width int, valid bool) {
	i := 1
	negate := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		negate = true
		i++
	}
	first := true
	for i < len(p) {
		if p[i] == ']' && !first {
			return matched != negate, i + 1, true
		}
		first = false
		if p[i] == '[' && i+1 < len(p) && p[i+1] == ':' {
			if end := strings.Index(p[i+2:], ":]"); end >= 0 {
				if inClass(p[i+2:i+2+end], c) {
					matched = true
				}
				i += 2 + end + 2
				continue
			}
		}
		lo := p[i]
		if lo == '\\' && i+1 < len(p) {
			i++
			lo = p[i]
		}
		i++
		hi := lo
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			hi = p[i+1]
			i += 2
			if hi == '\\' && i < len(p) {
				hi = p[i]
				i++
			}
		}
		if lo <= c && c <= hi {
			matched = true
		}
	}
	return false, 0, false
}

// inClass reports whether c is in the POSIX character class name (C locale).
func inClass(name string, c byte) bool {
	switch name {
	case "alnum":
		return isAlpha(c) || isDigit(c)
	case "alpha":
		return isAlpha(c)
	case "digit":
		return isDigit(c)
	case "lower":
		return 'a' <= c && c <= 'z'
	case "upper":
		return 'A' <= c && c <= 'Z'
	case "space":
		return c == ' ' || ('\t' <= c && c <= '\r')
	case "blank":
		return c == ' ' || c == '\t'
	case "punct":
		return c > ' ' && c < 0x7f && !isAlpha(c) && !isDigit(c)
	case "xdigit":
		return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
	case "print":
		return c >= ' ' && c < 0x7f
	case "graph":
		return c > ' ' && c < 0x7f
	case "cntrl":
		return c < ' ' || c == 0x7f
	}
	return false
}

func isAlpha(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// fileSystem is what loading needs from a file system, in nginx's path terms.
type fileSystem interface {
	open(name string) (fs.File, error)
	readDir(dir string) []string // names in dir ("" = current); nil on error
	exists(name string) bool
}

// osFS opens exactly the names nginx would, relative to the current
// directory when not absolute.
type osFS struct{}

func (osFS) open(name string) (fs.File, error) {
	return os.Open(name)
}

func (osFS) readDir(dir string) []string {
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names
}

func (osFS) exists(name string) bool {
	_, err := os.Lstat(name)
	return err == nil
}

// ioFS maps nginx paths onto an fs.FS rooted at "/".
type ioFS struct{ fsys fs.FS }

// fsName turns an nginx path into a valid fs.FS name: rooted at "/", cleaned.
func fsName(name string) string {
	n := strings.TrimPrefix(path.Clean("/"+name), "/")
	if n == "" {
		return "."
	}
	return n
}

func (f ioFS) open(name string) (fs.File, error) {
	return f.fsys.Open(fsName(name))
}

func (f ioFS) readDir(dir string) []string {
	ents, err := fs.ReadDir(f.fsys, fsName(dir))
	if err != nil {
		return nil
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names
}

func (f ioFS) exists(name string) bool {
	_, err := fs.Stat(f.fsys, fsName(name))
	return err == nil
}
