package frontdesk

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/frontdesk-go/frontdesk/internal/fileserve"
)

// Directive is an nginx directive valid both at server level and inside a
// location, such as [Root], [Index] or [AddHeader]. It is an [Option] and a
// [LocationOption]. Inheritance follows nginx: a location that does not
// set a directive takes its enclosing block's value, and list directives
// (add_header, error_page) are inherited only by levels that declare none
// of their own.
type Directive struct {
	name  string
	apply func(*confSet) error
}

func (d Directive) applyServer(s *serverBuilder) error { return d.run(&s.conf) }

// Name is the nginx directive d mirrors, such as "proxy_set_header".
func (d Directive) Name() string { return d.name }

func (d Directive) applyLocation(l *locBuilder) error { return d.run(&l.conf) }

func (d Directive) run(c *confSet) error {
	if err := d.apply(c); err != nil {
		return &directiveError{directive: d.name, err: err}
	}
	return nil
}

func directive(name string, apply func(*confSet) error) Directive {
	return Directive{name: name, apply: apply}
}

// confSet is the raw, not yet inherited, value of the directives nginx
// merges from server into locations. nil means "not set at this level".
type confSet struct {
	root, alias *string
	// aliasOwner is the location that declared alias: nested locations
	// inherit its replacement length (and regex mode) with the path, as
	// nginx's merge copies clcf->alias.
	aliasOwner           *location
	index                []string
	tryFiles             []string
	autoindex            *bool
	autoindexExactSize   *bool
	autoindexLocaltime   *bool
	autoindexFormat      *string
	errorPages           []errorPageDef
	addHeaders           []addHeaderDef
	expires              *fileserve.Expires
	defaultType          *string
	types                map[string]string
	etag                 *bool
	logNotFound          *bool
	absoluteRedirect     *bool
	portInRedirect       *bool
	serverNameInRedirect *bool
	serverTokens         *bool
	msiePadding          *bool
	recursiveErrorPages  *bool
	ifModifiedSince      *string
	maxRanges            *int
	proxy                proxyConfSet
	req                  reqConfSet
	realip               realipSet
	access               accessSet
	gzip                 gzipSet
	openFiles            openFileSet
	// shippedTypes: no Types directive means nginx's shipped mime.types
	// (set by Static) rather than its three built-in types.
	shippedTypes bool
	// script holds the level's rewrite-module directives, which nginx
	// never inherits: each level runs its own.
	script []scriptDef
}

// inherit fills what this level leaves unset from parent, as nginx's merge
// functions do; parent nil means nginx's defaults.
func (c confSet) inherit(parent *confSet) confSet {
	if parent == nil {
		return c
	}
	p := *parent
	if c.root == nil && c.alias == nil {
		c.root, c.alias, c.aliasOwner = p.root, p.alias, p.aliasOwner
	}
	inheritPtr(&c.autoindex, p.autoindex)
	inheritPtr(&c.autoindexExactSize, p.autoindexExactSize)
	inheritPtr(&c.autoindexLocaltime, p.autoindexLocaltime)
	inheritPtr(&c.autoindexFormat, p.autoindexFormat)
	inheritPtr(&c.expires, p.expires)
	inheritPtr(&c.defaultType, p.defaultType)
	inheritPtr(&c.etag, p.etag)
	inheritPtr(&c.logNotFound, p.logNotFound)
	inheritPtr(&c.absoluteRedirect, p.absoluteRedirect)
	inheritPtr(&c.portInRedirect, p.portInRedirect)
	inheritPtr(&c.serverNameInRedirect, p.serverNameInRedirect)
	inheritPtr(&c.serverTokens, p.serverTokens)
	inheritPtr(&c.msiePadding, p.msiePadding)
	inheritPtr(&c.recursiveErrorPages, p.recursiveErrorPages)
	inheritPtr(&c.ifModifiedSince, p.ifModifiedSince)
	inheritPtr(&c.maxRanges, p.maxRanges)
	if c.index == nil {
		c.index = p.index
	}
	if c.errorPages == nil {
		c.errorPages = p.errorPages
	}
	if c.addHeaders == nil {
		c.addHeaders = p.addHeaders
	}
	if c.types == nil {
		c.types = p.types
	}
	c.proxy = c.proxy.inherit(p.proxy)
	c.req = c.req.inherit(p.req)
	c.realip = c.realip.inherit(p.realip)
	c.access = c.access.inherit(p.access)
	c.gzip = c.gzip.inherit(p.gzip)
	c.openFiles = c.openFiles.inherit(p.openFiles)
	// try_files is not inherited: nginx keeps it per location.
	return c
}

func inheritPtr[T any](dst **T, parent *T) {
	if *dst == nil {
		*dst = parent
	}
}

// locConf is the compiled, inherited configuration of one location.
type locConf struct {
	root                 *template // root or alias path
	isAlias              bool
	aliasLen             int // bytes of $uri the alias replaces (len of the location name)
	aliasRegex           bool
	index                []*template
	tryFiles             []*template
	autoindex            bool
	autoindexExactSize   bool
	autoindexLocaltime   bool
	autoindexFormat      string
	errorPages           []errorPage
	addHeaders           []addHeader
	expires              *fileserve.Expires
	defaultType          string
	types                map[string]string
	etag                 bool
	logNotFound          bool
	absoluteRedirect     bool
	portInRedirect       bool
	serverNameInRedirect bool
	serverTokens         bool
	msiePadding          bool
	recursiveErrorPages  bool
	ifModifiedSince      string
	maxRanges            int
	proxy                *proxyConf
	req                  reqConf
	realip               *realipConf // nil: no set_real_ip_from applies
	access               *accessConf // nil: no access directive applies
	gzip                 gzipConf
	openFiles            openFileConf
	script               []scriptOp
}

func valueOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// compileConf turns an inherited confSet into the location's locConf,
// scheduling template compilation for once capture names are known.
func (c *compiler) compileConf(l *location, s *confSet) *locConf {
	lc := &locConf{
		autoindex:            valueOr(s.autoindex, false),
		autoindexExactSize:   valueOr(s.autoindexExactSize, true),
		autoindexLocaltime:   valueOr(s.autoindexLocaltime, false),
		autoindexFormat:      valueOr(s.autoindexFormat, "html"),
		expires:              s.expires,
		defaultType:          valueOr(s.defaultType, "text/plain"),
		types:                s.types,
		etag:                 valueOr(s.etag, true),
		logNotFound:          valueOr(s.logNotFound, true),
		absoluteRedirect:     valueOr(s.absoluteRedirect, true),
		portInRedirect:       valueOr(s.portInRedirect, true),
		serverNameInRedirect: valueOr(s.serverNameInRedirect, false),
		serverTokens:         valueOr(s.serverTokens, true),
		msiePadding:          valueOr(s.msiePadding, true),
		recursiveErrorPages:  valueOr(s.recursiveErrorPages, false),
		ifModifiedSince:      valueOr(s.ifModifiedSince, "exact"),
		maxRanges:            valueOr(s.maxRanges, -1),
	}
	switch {
	case lc.types != nil:
	case s.shippedTypes:
		lc.types = fileserve.DefaultTypes()
	default:
		lc.types = fileserve.BuiltinTypes()
	}
	lc.proxy = c.compileProxyConf(l, &s.proxy)
	c.compileReqConf(l, s.req, &lc.req)
	lc.realip = c.compileRealIP(l, s.realip)
	lc.access = c.compileAccess(l, s.access)
	lc.gzip = c.compileGzip(l, s.gzip)
	lc.openFiles = s.openFiles.compile()
	root := "html"
	switch {
	case s.alias != nil:
		owner := s.aliasOwner
		if owner == nil {
			owner = l
		}
		root, lc.isAlias = *s.alias, true
		lc.aliasLen = len(owner.name)
		lc.aliasRegex = owner.kind == kindRegex
		if owner == l {
			c.lintAlias(l, root)
		}
	case s.root != nil:
		root = *s.root
	}
	c.tmpl(l, "root", root, &lc.root)
	index := s.index
	if index == nil {
		index = []string{"index.html"}
	}
	lc.index = make([]*template, len(index))
	for i, v := range index {
		c.tmpl(l, "index", v, &lc.index[i])
	}
	lc.tryFiles = make([]*template, len(s.tryFiles))
	for i, v := range s.tryFiles {
		c.tmpl(l, "try_files", v, &lc.tryFiles[i])
	}
	lc.errorPages = make([]errorPage, len(s.errorPages))
	for i, def := range s.errorPages {
		lc.errorPages[i] = errorPage{codes: def.codes, overwrite: def.overwrite}
		c.tmpl(l, "error_page", def.uri, &lc.errorPages[i].uri)
	}
	lc.addHeaders = make([]addHeader, len(s.addHeaders))
	for i, def := range s.addHeaders {
		lc.addHeaders[i] = addHeader{name: def.name, always: def.always}
		c.tmpl(l, "add_header", def.value, &lc.addHeaders[i].value)
	}
	return lc
}

// lintAlias warns about the alias/location trailing-slash mismatch that
// lets "/img../x" walk out of the aliased directory in nginx.
func (c *compiler) lintAlias(l *location, alias string) {
	if l.kind == kindRegex || l.kind == kindNamed {
		return
	}
	if strings.HasSuffix(alias, "/") && !strings.HasSuffix(l.name, "/") {
		c.warn(l.pattern, "alias", "location %q lacks the trailing slash of alias %q: in nginx %q reaches outside the directory (frontdesk answers 404)", l.name, alias, l.name+"../")
	} else if !strings.HasSuffix(alias, "/") && strings.HasSuffix(l.name, "/") {
		c.warn(l.pattern, "alias", "alias %q lacks the trailing slash of location %q: file names are glued to the directory name", alias, l.name)
	}
}

// Root mirrors nginx's root: the file for a request is root + $uri. A
// trailing slash is dropped, as nginx does. The default is nginx's "html",
// relative to the working directory.
func Root(path string) Directive {
	return directive("root", func(c *confSet) error {
		if err := checkRootPath("root", path, c); err != nil {
			return err
		}
		if len(path) > 1 && strings.HasSuffix(path, "/") {
			path = path[:len(path)-1]
		}
		c.root = &path
		return nil
	})
}

// Alias mirrors nginx's alias: the matched location name is replaced by
// path (in a regex location, path with captures is the whole file name).
// As in nginx the replacement is plain string splicing, so the trailing
// slashes of location and alias should agree; [Proxy.Warnings] says where
// they do not. Files never resolve outside path.
func Alias(path string) LocationOption {
	return Directive{name: "alias", apply: func(c *confSet) error {
		if err := checkRootPath("alias", path, c); err != nil {
			return err
		}
		c.alias = &path
		return nil
	}}
}

func checkRootPath(name, path string, c *confSet) error {
	switch {
	case path == "":
		return errors.New("empty path")
	case c.root != nil || c.alias != nil:
		prev := "root"
		if c.alias != nil {
			prev = "alias"
		}
		if prev == name {
			return fmt.Errorf("%q directive is duplicate", name)
		}
		return fmt.Errorf("%q directive is duplicate, %q directive is specified before", name, prev)
	case strings.Contains(path, "$document_root") || strings.Contains(path, "${document_root}"):
		return fmt.Errorf("the $document_root variable may not be used in the %q directive", name)
	case strings.Contains(path, "$realpath_root") || strings.Contains(path, "${realpath_root}"):
		return fmt.Errorf("the $realpath_root variable may not be used in the %q directive", name)
	}
	return nil
}

// Index mirrors nginx's index (default "index.html"): for a URI ending in
// "/", the first listed file that exists is served through an internal
// redirect; the last entry may be an absolute URI used as a fallback.
func Index(files ...string) Directive {
	return directive("index", func(c *confSet) error {
		if len(files) == 0 {
			return errors.New("no files")
		}
		for _, f := range files {
			if f == "" {
				return errors.New("index \"\" in \"index\" directive is invalid")
			}
		}
		c.index = append(c.index, files...)
		return nil
	})
}

// TryFiles mirrors nginx's try_files: each argument but the last is a
// file ("name") or directory ("name/") tried under root or alias; the first
// that exists is served from the current location. The last argument is
// the fallback: a URI (internal redirect), "@named", or "=code".
func TryFiles(args ...string) Directive {
	return directive("try_files", func(c *confSet) error {
		if len(args) < 2 {
			return errors.New("invalid number of arguments")
		}
		if c.tryFiles != nil {
			return errors.New("is duplicate")
		}
		last := args[len(args)-1]
		if code, ok := strings.CutPrefix(last, "="); ok {
			n, err := strconv.Atoi(code)
			if err != nil || n < 100 || n > 999 {
				return fmt.Errorf("invalid code %q", last)
			}
		}
		c.tryFiles = append([]string(nil), args...)
		return nil
	})
}

// Autoindex mirrors nginx's autoindex (default off): a directory without
// an index file is listed instead of answering 403.
func Autoindex(on bool) Directive {
	return directive("autoindex", func(c *confSet) error { c.autoindex = &on; return nil })
}

// AutoindexFormat mirrors autoindex_format: "html" (default), "xml",
// "json" or "jsonp".
func AutoindexFormat(format string) Directive {
	return directive("autoindex_format", func(c *confSet) error {
		switch format {
		case "html", "xml", "json", "jsonp":
			c.autoindexFormat = &format
			return nil
		}
		return fmt.Errorf("invalid value %q", format)
	})
}

// AutoindexExactSize mirrors autoindex_exact_size (default on).
func AutoindexExactSize(on bool) Directive {
	return directive("autoindex_exact_size", func(c *confSet) error { c.autoindexExactSize = &on; return nil })
}

// AutoindexLocaltime mirrors autoindex_localtime (default off: GMT).
func AutoindexLocaltime(on bool) Directive {
	return directive("autoindex_localtime", func(c *confSet) error { c.autoindexLocaltime = &on; return nil })
}

// Expires mirrors nginx's expires directive with its arguments as written
// in nginx.conf ("off", "epoch", "max", "1h", "modified +24h", "@15h30m",
// "-1"): it sets Expires and Cache-Control on successful responses.
func Expires(args ...string) Directive {
	return directive("expires", func(c *confSet) error {
		e, err := fileserve.ParseExpires(args)
		if err != nil {
			return err
		}
		c.expires = &e
		return nil
	})
}

// DefaultType mirrors default_type (default "text/plain"): the type of
// files whose extension is not in [Types].
func DefaultType(mime string) Directive {
	return directive("default_type", func(c *confSet) error { c.defaultType = &mime; return nil })
}

// Types mirrors nginx's types block: extension (without dot) to MIME type.
// It replaces the inherited table, as in nginx. Without it, a [New]
// Proxy uses nginx's three built-in types (html, gif, jpg); [MIMETypes]
// is the table nginx ships in mime.types.
func Types(table map[string]string) Directive {
	return directive("types", func(c *confSet) error {
		t := make(map[string]string, len(table))
		for ext, typ := range table {
			t[strings.ToLower(ext)] = typ
		}
		c.types = t
		return nil
	})
}

// MIMETypes returns a copy of the table nginx ships in conf/mime.types,
// for use with [Types].
func MIMETypes() map[string]string { return maps.Clone(fileserve.DefaultTypes()) }

// Etag mirrors nginx's etag (default on): static files carry an ETag.
func Etag(on bool) Directive {
	return directive("etag", func(c *confSet) error { c.etag = &on; return nil })
}

// LogNotFound mirrors log_not_found (default on): missing files are
// logged at error level.
func LogNotFound(on bool) Directive {
	return directive("log_not_found", func(c *confSet) error { c.logNotFound = &on; return nil })
}

// AbsoluteRedirect mirrors absolute_redirect (default on): redirects
// frontdesk issues carry scheme and host.
func AbsoluteRedirect(on bool) Directive {
	return directive("absolute_redirect", func(c *confSet) error { c.absoluteRedirect = &on; return nil })
}

// PortInRedirect mirrors port_in_redirect (default on).
func PortInRedirect(on bool) Directive {
	return directive("port_in_redirect", func(c *confSet) error { c.portInRedirect = &on; return nil })
}

// ServerNameInRedirect mirrors server_name_in_redirect (default off): when
// on, absolute redirects use [ServerName] instead of the Host header.
func ServerNameInRedirect(on bool) Directive {
	return directive("server_name_in_redirect", func(c *confSet) error { c.serverNameInRedirect = &on; return nil })
}

// ServerTokens mirrors server_tokens (default on): the Server header and
// error pages show the version (see [Signature]).
func ServerTokens(on bool) Directive {
	return directive("server_tokens", func(c *confSet) error { c.serverTokens = &on; return nil })
}

// MSIEPadding mirrors msie_padding (default on): error pages sent to MSIE
// and Chrome are padded so that the browser shows them.
func MSIEPadding(on bool) Directive {
	return directive("msie_padding", func(c *confSet) error { c.msiePadding = &on; return nil })
}

// RecursiveErrorPages mirrors recursive_error_pages (default off).
func RecursiveErrorPages(on bool) Directive {
	return directive("recursive_error_pages", func(c *confSet) error { c.recursiveErrorPages = &on; return nil })
}

// IfModifiedSince mirrors if_modified_since: "exact" (default), "before"
// or "off".
func IfModifiedSince(mode string) Directive {
	return directive("if_modified_since", func(c *confSet) error {
		switch mode {
		case "exact", "before", "off":
			c.ifModifiedSince = &mode
			return nil
		}
		return fmt.Errorf("invalid value %q", mode)
	})
}

// MaxRanges mirrors max_ranges (default unlimited); 0 disables ranges.
func MaxRanges(n int) Directive {
	return directive("max_ranges", func(c *confSet) error {
		if n < 0 {
			return fmt.Errorf("invalid value %d", n)
		}
		c.maxRanges = &n
		return nil
	})
}

// Internal mirrors nginx's internal: the location serves only internal
// redirects (error_page, try_files, index); external requests get 404.
func Internal() LocationOption {
	return locationOption(func(l *locBuilder) error { l.internal = true; return nil })
}
