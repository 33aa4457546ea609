package nginxconf

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/frontdesk-go/frontdesk"
)

// Options controls how a configuration is turned into frontdesk servers.
type Options struct {
	// Prefix is nginx's -p prefix (relative paths are resolved against it).
	Prefix string
	// FS, if set, is where the configuration and its includes are read.
	FS fs.FS
	// Ignore lists directives frontdesk knows but does not implement that
	// the caller accepts to run without; each one met is reported in
	// [Config.Ignored] instead of failing the load.
	Ignore []string
}

// Config is a loaded nginx configuration.
type Config struct {
	Servers []*Server
	// Ignored lists the directives skipped because Options.Ignore named
	// them, with their positions.
	Ignored []Position
}

// Position names a directive and where it was written.
type Position struct {
	Directive string
	File      string
	Line      int
}

func (p Position) String() string { return fmt.Sprintf("%q in %s:%d", p.Directive, p.File, p.Line) }

// Server is one server block: where it listens and the frontdesk options
// that reproduce it.
type Server struct {
	Listen  []Listen
	Names   []string
	Options []frontdesk.Option
	File    string
	Line    int
}

// Listen is one listen directive.
type Listen struct {
	Addr          string // host:port as nginx binds it
	DefaultServer bool
}

// Error is a configuration nginx or frontdesk refuses, worded like nginx's
// message and positioned like it.
type Error struct {
	File string
	Line int
	Msg  string
	// NotImplemented marks a directive nginx knows but frontdesk does not
	// implement; such an Error matches [ErrNotImplemented].
	NotImplemented bool
}

func (e *Error) Error() string { return fmt.Sprintf("%s in %s:%d", e.Msg, e.File, e.Line) }

// Is reports whether target is ErrNotImplemented for a directive frontdesk
// does not implement.
func (e *Error) Is(target error) bool { return e.NotImplemented && target == ErrNotImplemented }

// ErrNotImplemented marks directives nginx knows that frontdesk does not
// implement (yet); errors.Is(err, ErrNotImplemented) tells them apart from
// mistakes in the configuration.
var ErrNotImplemented = errors.New("not implemented by frontdesk")

// LoadFile reads the nginx.conf at path, with its includes, and builds the
// servers it declares.
func LoadFile(path string, o Options) (*Config, error) {
	l := &Loader{FS: o.FS, Prefix: o.Prefix}
	ds, err := l.Load(path)
	if err != nil {
		return nil, err
	}
	return build(ds, o)
}

// LoadString is [LoadFile] for a configuration given as text; name is used
// in messages and as the base for relative includes.
func LoadString(name, src string, o Options) (*Config, error) {
	l := &Loader{FS: o.FS, Prefix: o.Prefix}
	ds, err := l.LoadString(name, src)
	if err != nil {
		return nil, err
	}
	return build(ds, o)
}

type builder struct {
	o       Options
	cfg     *Config
	errs    []error
	ignored map[string]bool
	pools   []*frontdesk.UpstreamPool
}

func build(ds []*Directive, o Options) (*Config, error) {
	b := &builder{o: o, cfg: &Config{}, ignored: map[string]bool{}}
	for _, n := range o.Ignore {
		b.ignored[n] = true
	}
	b.block(ctxMain, ds, nil, nil)
	if err := errors.Join(b.errs...); err != nil {
		return nil, err
	}
	return b.cfg, nil
}

type context uint8

const (
	ctxMain context = iota
	ctxEvents
	ctxHTTP
	ctxServer
	ctxLocation
	ctxUpstream
)

func (b *builder) fail(d *Directive, format string, args ...any) {
	b.errs = append(b.errs, &Error{File: d.File, Line: d.Line, Msg: fmt.Sprintf(format, args...)})
}

// scope collects what a block contributes: directives inherited by nested
// blocks (at http level they reach every server).
type scope struct {
	directives []frontdesk.Directive
	// server holds options frontdesk has only at server level
	// (merge_slashes), which nginx also accepts at http level.
	server []frontdesk.Option
}

func (b *builder) block(ctx context, ds []*Directive, parent *scope, loc *locState) {
	sc := &scope{}
	if parent != nil {
		sc.directives = slices.Clone(parent.directives)
		sc.server = slices.Clone(parent.server)
	}
	// Servers see every http-level directive, wherever it is written.
	for _, d := range ds {
		if d.Name != "server" {
			b.directive(ctx, d, sc, loc)
		}
	}
	for _, d := range ds {
		if d.Name == "server" {
			b.directive(ctx, d, sc, loc)
		}
	}
}

type locState struct {
	opts    []frontdesk.LocationOption
	handler *handlerChoice
}

type handlerChoice struct {
	returnCode int
	returnText string
	proxyPass  string
	set        bool
}

func (b *builder) directive(ctx context, d *Directive, sc *scope, loc *locState) {
	spec, known := directiveTable[d.Name]
	if !known {
		b.fail(d, "unknown directive %q", d.Name)
		return
	}
	if !spec.allowed(ctx) {
		b.fail(d, "%q directive is not allowed here", d.Name)
		return
	}
	if !spec.argsOK(len(d.Args)) {
		b.fail(d, "invalid number of arguments in %q directive", d.Name)
		return
	}
	if spec.block != d.HasBlock {
		if spec.block {
			b.fail(d, "directive %q has no opening \"{\"", d.Name)
		} else {
			b.fail(d, "directive %q is not terminated by \";\"", d.Name)
		}
		return
	}
	switch {
	case spec.tuning:
		return
	case spec.apply == nil && spec.structural == nil:
		b.notImplemented(d)
		return
	case spec.structural != nil:
		spec.structural(b, ctx, d, sc, loc)
		return
	}
	dir, err := spec.apply(d)
	if err != nil {
		b.fail(d, "%v", err)
		return
	}
	if loc != nil {
		loc.opts = append(loc.opts, dir)
	} else {
		sc.directives = append(sc.directives, dir)
	}
}

func structEvents(b *builder, _ context, d *Directive, sc *scope, _ *locState) {
	b.block(ctxEvents, d.Block, nil, nil)
}

func structHTTP(b *builder, _ context, d *Directive, sc *scope, _ *locState) {
	b.block(ctxHTTP, d.Block, sc, nil)
}

func structServer(b *builder, _ context, d *Directive, sc *scope, _ *locState) {
	srv := &Server{File: d.File, Line: d.Line}
	inner := &scope{directives: inheritLists(sc.directives, d.Block), server: slices.Clone(sc.server)}
	var locations []*frontdesk.LocationBlock
	for _, c := range d.Block {
		switch c.Name {
		case "listen":
			if !b.checkArgs(ctxServer, c) {
				continue
			}
			l, err := parseListen(c.Args)
			if err != nil {
				b.fail(c, "%v", err)
				continue
			}
			srv.Listen = append(srv.Listen, l)
		case "server_name":
			if !b.checkArgs(ctxServer, c) {
				continue
			}
			srv.Names = append(srv.Names, c.Args...)
		case "location":
			if !b.checkArgs(ctxServer, c) {
				continue
			}
			if lb := b.location(c, nil); lb != nil {
				locations = append(locations, lb)
			}
		default:
			b.directive(ctxServer, c, inner, nil)
		}
	}
	if len(srv.Listen) == 0 {
		srv.Listen = []Listen{{Addr: "0.0.0.0:80"}}
	}
	for _, dir := range inner.directives {
		srv.Options = append(srv.Options, dir)
	}
	for _, p := range b.pools {
		srv.Options = append(srv.Options, p)
	}
	srv.Options = append(srv.Options, inner.server...)
	if len(srv.Names) > 0 {
		// nginx's $server_name is the first name, lower-cased unless it
		// is a regex, without a leading ".".
		name := strings.TrimPrefix(srv.Names[0], ".")
		if !strings.HasPrefix(name, "~") {
			name = strings.ToLower(name)
		}
		srv.Options = append(srv.Options, frontdesk.ServerName(name))
	}
	for _, l := range locations {
		srv.Options = append(srv.Options, l)
	}
	b.cfg.Servers = append(b.cfg.Servers, srv)
}

// replacedLists are nginx's list directives: a level that has any line of
// one inherits none of the outer level's. frontdesk merges server into
// location that way; the http level, which frontdesk does not have, is
// merged here.
var replacedLists = map[string]bool{
	"proxy_set_header": true, "set_real_ip_from": true, "add_header": true, "error_page": true,
	"index": true, "proxy_hide_header": true, "proxy_pass_header": true, "proxy_redirect": true,
}

// inheritLists returns the http-level directives a server block inherits:
// all but the lists the block sets itself.
func inheritLists(outer []frontdesk.Directive, block []*Directive) []frontdesk.Directive {
	own := map[string]bool{}
	for _, c := range block {
		if replacedLists[c.Name] {
			own[c.Name] = true
		}
	}
	out := make([]frontdesk.Directive, 0, len(outer))
	for _, d := range outer {
		if !own[d.Name()] {
			out = append(out, d)
		}
	}
	return out
}

func (b *builder) checkArgs(ctx context, d *Directive) bool {
	spec := directiveTable[d.Name]
	if !spec.allowed(ctx) {
		b.fail(d, "%q directive is not allowed here", d.Name)
		return false
	}
	if !spec.argsOK(len(d.Args)) {
		b.fail(d, "invalid number of arguments in %q directive", d.Name)
		return false
	}
	if spec.block != d.HasBlock {
		if spec.block {
			b.fail(d, "directive %q has no opening \"{\"", d.Name)
		} else {
			b.fail(d, "directive %q is not terminated by \";\"", d.Name)
		}
		return false
	}
	return true
}

// location builds a location block; parent is nil at server level.
func (b *builder) location(d *Directive, parent *locState) *frontdesk.LocationBlock {
	pattern := strings.Join(d.Args, " ")
	ls := &locState{}
	for _, c := range d.Block {
		if c.Name == "location" {
			if !b.checkArgs(ctxLocation, c) {
				continue
			}
			if nested := b.location(c, ls); nested != nil {
				ls.opts = append(ls.opts, nested)
			}
			continue
		}
		b.directive(ctxLocation, c, nil, ls)
	}
	var h = locationHandler(ls)
	return frontdesk.Location(pattern, h, ls.opts...)
}

func locationHandler(ls *locState) httpHandler {
	switch h := ls.handler; {
	case h == nil:
		return nil
	case h.proxyPass != "":
		return frontdesk.ProxyPass(h.proxyPass)
	default:
		return frontdesk.Return(h.returnCode, h.returnText)
	}
}

func (b *builder) notImplemented(d *Directive) {
	if b.ignored[d.Name] {
		b.cfg.Ignored = append(b.cfg.Ignored, Position{Directive: d.Name, File: d.File, Line: d.Line})
		return
	}
	b.errs = append(b.errs, &Error{File: d.File, Line: d.Line, NotImplemented: true,
		Msg: fmt.Sprintf("%q directive is not implemented by frontdesk", d.Name)})
}

// parseListen reads "listen address[:port] [default_server] [flags]".
func parseListen(args []string) (Listen, error) {
	l := Listen{}
	addr := args[0]
	switch {
	case strings.HasPrefix(addr, "unix:"):
		l.Addr = addr
	case isAllDigits(addr):
		l.Addr = "0.0.0.0:" + addr
	default:
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			if strings.HasPrefix(addr, "[") {
				host, port = strings.Trim(addr, "[]"), "80"
			} else {
				host, port = addr, "80"
			}
		}
		if host == "*" {
			host = "0.0.0.0"
		}
		if _, err := strconv.Atoi(port); err != nil {
			return l, fmt.Errorf("invalid port in %q of the \"listen\" directive", addr)
		}
		l.Addr = net.JoinHostPort(host, port)
	}
	for _, a := range args[1:] {
		if a == "default_server" || a == "default" {
			l.DefaultServer = true
		}
	}
	return l, nil
}

func isAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
