package nginxconf

// Loading: the directive tree, checked as nginx checks it and turned into
// frontdesk options.
//
// nginx reads a configuration statement by statement and checks each one as
// it reads it (ngx_conf_handler): the name must be known, allowed where it
// is written, terminated as its kind requires and given an accepted number
// of arguments; then the directive's setter checks its value. Some checks
// wait until a block is complete: an upstream without servers is reported
// at its "}", duplicate locations and unknown variables once the whole http
// block is read, a missing events block at the very end. nginx stops at the
// first error. The loader walks the tree in the same order and reports
// every error, so that its first one is the one nginx prints.
//
// Directives frontdesk does not implement are reported after nginx's own
// errors: a configuration nginx refuses gets nginx's verdict first, and one
// it accepts is refused only for what frontdesk lacks.

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

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
	// LookupHost, if set, replaces net.LookupHost for the host names of
	// proxy_pass and upstream servers, which nginx resolves as it reads
	// the configuration ("host not found in upstream"). Tests use it to
	// accept a deployment's service names.
	LookupHost func(host string) ([]string, error)
}

// Config is a loaded nginx configuration.
type Config struct {
	// Servers are the server blocks, in configuration order.
	Servers []*Server
	// Ignored lists the directives skipped because Options.Ignore named
	// them, with their positions.
	Ignored []Position
	// Warnings lists what a reviewer would flag in a configuration nginx
	// accepts, in the order of the directives they are about; they never
	// stop the load. See lint.go for what is checked.
	Warnings []Warning

	tls map[string]*tls.Config       // by listen address (TLS)
	h2  map[string]*http.HTTP2Config // by listen address (HTTP/2)
	h2c map[string]*http.Protocols   // by listen address (plain HTTP/2, tls.go)
}

// Position names a directive and where it was written.
type Position struct {
	Directive string // the directive's name
	File      string // the file it was written in
	Line      int    // its line in File
}

// String formats the position as nginx's messages do: "name" in file:line.
func (p Position) String() string { return fmt.Sprintf("\"%s\" in %s:%d", p.Directive, p.File, p.Line) }

// Server is one server block: where it listens and the frontdesk options
// that reproduce it.
type Server struct {
	Listen  []Listen           // its listen directives; 0.0.0.0:80 when it has none, as in nginx
	Names   []string           // its server_name values, as written
	Options []frontdesk.Option // pass to [frontdesk.New] to serve the block
	File    string             // the file the block was written in
	Line    int                // the line of its "server {"
}

// Listen is one listen directive.
type Listen struct {
	Addr          string // host:port as nginx binds it
	DefaultServer bool   // "default_server": chosen when no server_name matches
	SSL           bool   // "ssl": served with [Config.TLS]
	HTTP2         bool   // "http2": h2 offered by ALPN on an ssl listener
}

// Error is a configuration nginx or frontdesk refuses, worded like nginx's
// message and positioned like it. File is empty for the errors nginx
// reports without a position (an unknown variable, a missing events block).
type Error struct {
	File string // the file nginx names, "" for an error without a position
	Line int    // the line in File
	Msg  string // nginx's message without the position
	// NotImplemented marks what nginx accepts but frontdesk does not
	// implement; such an Error matches [ErrNotImplemented].
	NotImplemented bool
}

// Error formats the message as nginx does: "msg in file:line".
func (e *Error) Error() string {
	if e.File == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s in %s:%d", e.Msg, e.File, e.Line)
}

// Is reports whether target is ErrNotImplemented for a directive frontdesk
// does not implement.
func (e *Error) Is(target error) bool { return e.NotImplemented && target == ErrNotImplemented }

// ErrNotImplemented marks directives nginx knows that frontdesk does not
// implement (yet); errors.Is(err, ErrNotImplemented) tells them apart from
// mistakes in the configuration.
var ErrNotImplemented = errors.New("not implemented by frontdesk")

// LoadFile reads the nginx.conf at path, with its includes, and builds the
// servers it declares.
//
// The error, if any, joins every *[Error] and *[SyntaxError] found, in the
// order nginx would meet them; the first is the one `nginx -t` prints.
// Then come the directives frontdesk does not implement (matching
// [ErrNotImplemented]).
func LoadFile(path string, o Options) (*Config, error) {
	l := &Loader{FS: o.FS, Prefix: o.Prefix}
	ds, err := l.Load(path)
	return build(ds, err, o)
}

// LoadString is [LoadFile] for a configuration given as text; name is used
// in messages and as the base for relative includes.
func LoadString(name, src string, o Options) (*Config, error) {
	l := &Loader{FS: o.FS, Prefix: o.Prefix}
	ds, err := l.LoadString(name, src)
	return build(ds, err, o)
}

// Build checks and builds directives already read, as [LoadFile] does
// once it has read them: ds are the directives read before readErr, the
// syntax error that stopped reading (nil when everything was read).
// cmd/frontdesk uses it to put the -g directives before the file's, where
// nginx processes them.
func Build(ds []*Directive, readErr error, o Options) (*Config, error) {
	return build(ds, readErr, o)
}

type builder struct {
	o       Options
	cfg     *Config
	errs    []error  // nginx's verdicts, in the order nginx meets them
	refused []*Error // what nginx accepts and frontdesk does not implement
	ignored map[string]bool
	pools   []*frontdesk.UpstreamPool
	events  bool
	http    bool
	// upstreamNames are the upstream blocks of the http block;
	// implicitUpstreams the proxy_pass hosts that may name one.
	upstreamNames     map[string]bool
	implicitUpstreams []implicitUpstream
	// modules are the dynamic modules load_module named.
	modules map[string]bool
	// warnedAt holds the directive of each frontdesk warning in
	// cfg.Warnings.
	warnedAt []*Directive
	// unknownVars, with several server blocks, are the variables unknown
	// to the whole configuration (see unknownAcrossServers).
	unknownVars map[string]bool
}

// build checks and builds the directives read before syntaxErr (nil when
// the whole configuration was read): nginx processes each directive as it
// reads it, so an error among them comes before the syntax error.
func build(ds []*Directive, syntaxErr error, o Options) (*Config, error) {
	b := &builder{o: o, cfg: &Config{}, ignored: map[string]bool{}, upstreamNames: map[string]bool{}, modules: map[string]bool{}}
	for _, n := range o.Ignore {
		b.ignored[n] = true
	}
	b.walk(&frame{ctx: ctxMain}, ds)
	if syntaxErr != nil {
		b.errs = append(b.errs, syntaxErr)
	} else if !b.events {
		b.errs = append(b.errs, &Error{Msg: `no "events" section in configuration`})
	}
	if len(b.errs) == 0 && len(b.refused) == 0 {
		l := newLinter(ds)
		for i := range b.cfg.Warnings {
			b.cfg.Warnings[i].seq = l.order[b.warnedAt[i]]
		}
		l.run(ds)
		b.cfg.Warnings = append(b.cfg.Warnings, l.out...)
		slices.SortStableFunc(b.cfg.Warnings, func(a, c Warning) int { return cmp.Compare(a.seq, c.seq) })
	}
	for _, e := range b.refused {
		b.errs = append(b.errs, e)
	}
	if err := errors.Join(b.errs...); err != nil {
		return nil, err
	}
	return b.cfg, nil
}

func (b *builder) fail(d *Directive, format string, args ...any) {
	b.errs = append(b.errs, &Error{File: d.File, Line: d.Line, Msg: fmt.Sprintf(format, args...)})
}

// refuse records something nginx accepts and frontdesk does not implement.
func (b *builder) refuse(d *Directive, format string, args ...any) {
	b.refused = append(b.refused, &Error{File: d.File, Line: d.Line, NotImplemented: true, Msg: fmt.Sprintf(format, args...)})
}

// notImplemented refuses d, or records it in Config.Ignored when the caller
// asked to run without it.
func (b *builder) notImplemented(d *Directive) {
	if b.ignored[d.Name] {
		b.cfg.Ignored = append(b.cfg.Ignored, Position{Directive: d.Name, File: d.File, Line: d.Line})
		return
	}
	b.refuse(d, "\"%s\" directive is not implemented by frontdesk", d.Name)
}

// frame is one block being read.
type frame struct {
	ctx ctxSet
	// check: the block is only checked, not built (it belongs to a
	// directive frontdesk refused or was asked to ignore).
	check bool
	// seen holds the directives set in this block, for "is duplicate".
	seen map[string]*Directive
	// sc collects http- and server-level directives; loc the directives
	// of the location being read (nil outside locations).
	sc   *scope
	loc  *locState
	http *httpState
	srv  *serverState
	node *locNode // the location being read
	ups  *upstreamState
}

// scope collects what the http block or a server block contributes.
type scope struct {
	directives []scoped
	// server holds options frontdesk has only at server level
	// (merge_slashes), which nginx also accepts at http level.
	server []frontdesk.Option
	// ssl holds the ssl_* directives of the level (nginxconf/tls.go).
	ssl []*Directive
}

// scoped is a directive of the http or a server level, with the name nginx
// merges it by.
type scoped struct {
	name string
	dir  frontdesk.Option
}

// add records a directive at the frame's level.
func (f *frame) add(name string, dir frontdesk.Directive) {
	if f.loc != nil {
		f.loc.opts = append(f.loc.opts, dir)
	} else {
		f.sc.directives = append(f.sc.directives, scoped{name, dir})
	}
}

func (b *builder) walk(f *frame, ds []*Directive) {
	for _, d := range ds {
		b.directive(f, d)
	}
}

// directive checks d as ngx_conf_handler and the directive's setter do,
// then builds it.
func (b *builder) directive(f *frame, d *Directive) {
	spec, known := lookup(d.Name, f.ctx)
	if known && spec.module != "" && !b.modules[spec.module] {
		// A dynamic module's directives exist only once it is loaded.
		known = false
	}
	switch {
	case !known:
		b.fail(d, "unknown directive \"%s\"", d.Name)
		return
	case spec.ctx&f.ctx == 0:
		b.fail(d, "\"%s\" directive is not allowed here", d.Name)
		return
	case spec.block && !d.HasBlock:
		b.fail(d, "directive \"%s\" has no opening \"{\"", d.Name)
		return
	case !spec.block && d.HasBlock:
		b.fail(d, "directive \"%s\" is not terminated by \";\"", d.Name)
		return
	case !spec.args.ok(len(d.Args)):
		b.fail(d, "invalid number of arguments in \"%s\" directive", d.Name)
		return
	}
	if spec.dup {
		if f.seen == nil {
			f.seen = map[string]*Directive{}
		}
		if _, dup := f.seen[d.Name]; dup {
			b.fail(d, "\"%s\" directive is duplicate", d.Name)
			return
		}
		f.seen[d.Name] = d
	}
	msg := checkValue(spec, d)
	if msg == "" && spec.check != nil {
		msg = spec.check(f, d)
	}
	if msg != "" {
		b.fail(d, "%s", msg)
		return
	}
	switch {
	case spec.tuning:
	case spec.structural != nil:
		spec.structural(b, f, d)
	case spec.upstream != nil:
		if err := spec.upstream(f.ups, d); err != nil {
			b.fail(d, "%v", err)
		}
	case spec.apply != nil:
		dir, err := spec.apply(d)
		switch {
		case err != nil:
			b.fail(d, "%v", err)
		case !f.check:
			f.add(d.Name, dir)
		}
	default:
		if !f.check {
			b.notImplemented(d)
		}
		b.checkOnly(f, d)
	}
}

// checkOnly checks the block of a directive frontdesk does not build: nginx
// still reads what is inside "if" and "limit_except".
func (b *builder) checkOnly(f *frame, d *Directive) {
	var ctx ctxSet
	switch {
	case d.Name == "if" && f.ctx == ctxServer:
		ctx = ctxIfServer
	case d.Name == "if" && f.ctx == ctxLocation:
		ctx = ctxIfLocation
	case d.Name == "limit_except":
		ctx = ctxLimitExcept
	default:
		return
	}
	b.walk(&frame{ctx: ctx, check: true, srv: f.srv, node: f.node}, d.Block)
}

func structEvents(b *builder, f *frame, d *Directive) {
	if b.events {
		b.fail(d, "\"events\" directive is duplicate")
		return
	}
	b.events = true
	b.walk(&frame{ctx: ctxEvents, check: f.check}, d.Block)
}

// httpState is the http block being read.
type httpState struct {
	sc      *scope
	servers []*serverState
	d       *Directive // the http block
}

func structHTTP(b *builder, f *frame, d *Directive) {
	if b.http {
		b.fail(d, "\"http\" directive is duplicate")
		return
	}
	b.http = true
	h := &httpState{sc: &scope{}, d: d}
	b.walk(&frame{ctx: ctxHTTP, check: f.check, sc: h.sc, http: h}, d.Block)
	if d.EndLine == 0 {
		// A syntax error stopped nginx inside the block.
		return
	}
	b.endHTTP(h)
}

// endHTTP runs what nginx runs once the http block is read: the location
// trees (duplicate locations), then the variables, here through
// frontdesk.New.
func (b *builder) endHTTP(h *httpState) {
	b.resolveImplicitUpstreams(b.upstreamNames)
	for _, s := range h.servers {
		b.checkLocationTree(s.locations)
	}
	for _, s := range h.servers {
		s.finish(b, h.sc)
		b.cfg.Servers = append(b.cfg.Servers, s.out)
	}
	b.buildTLS(h)
	if len(b.errs) == 0 && len(b.refused) == 0 {
		if len(h.servers) > 1 {
			b.unknownVars = b.unknownAcrossServers()
		}
		for _, s := range h.servers {
			b.validate(s)
		}
	}
}

// unknownAcrossServers lists the unknown-variable verdicts of the whole
// configuration compiled at once. nginx's variables are http-wide: a
// "set $v" or a named capture in one server block declares $v for every
// other one, which compiling a server alone cannot see.
func (b *builder) unknownAcrossServers() map[string]bool {
	opts := append(b.checkOptions(), b.cfg.Options()...)
	p, err := frontdesk.New(opts...)
	if p != nil {
		_ = p.Close()
	}
	out := map[string]bool{}
	for _, e := range flatten(err) {
		var ce *frontdesk.ConfigError
		if errors.As(e, &ce) && isUnknownVariable(ce.Err.Error()) {
			out[ce.Err.Error()] = true
		}
	}
	return out
}

// serverState is a server block being read.
type serverState struct {
	d         *Directive
	sc        *scope
	out       *Server
	locations []*locNode // the server's top-level locations
	blocks    []*frontdesk.LocationBlock
}

func structServer(b *builder, f *frame, d *Directive) {
	s := &serverState{d: d, sc: &scope{}, out: &Server{File: d.File, Line: d.Line}}
	f.http.servers = append(f.http.servers, s)
	b.walk(&frame{ctx: ctxServer, check: f.check, sc: s.sc, srv: s}, d.Block)
}

// finish assembles the server's options once the whole http block is read:
// a server sees every http-level directive, wherever it is written.
func (s *serverState) finish(b *builder, http *scope) {
	srv := s.out
	if len(srv.Listen) == 0 {
		srv.Listen = []Listen{{Addr: "0.0.0.0:80"}}
	}
	// frontdesk has no http level: the loader merges it into each server
	// as nginx does, a server that sets a directive (or any element of a
	// list such as proxy_set_header) replacing the http level's.
	own := map[string]bool{}
	for _, sd := range s.sc.directives {
		own[sd.name] = true
	}
	for _, sd := range http.directives {
		if !own[sd.name] {
			srv.Options = append(srv.Options, sd.dir)
		}
	}
	for _, sd := range s.sc.directives {
		srv.Options = append(srv.Options, sd.dir)
	}
	for _, p := range b.pools {
		srv.Options = append(srv.Options, p)
	}
	srv.Options = append(srv.Options, http.server...)
	srv.Options = append(srv.Options, s.sc.server...)
	if len(srv.Names) > 0 {
		// All names take part in virtual server selection; the first is
		// $server_name.
		srv.Options = append(srv.Options, frontdesk.ServerName(srv.Names...))
	}
	for _, l := range s.blocks {
		srv.Options = append(srv.Options, l)
	}
}

func structListen(b *builder, f *frame, d *Directive) {
	l, err := parseListen(d.Args)
	if err != nil {
		b.fail(d, "%v", err)
		return
	}
	if !f.check {
		f.srv.out.Listen = append(f.srv.out.Listen, l)
	}
}

// structLoadModule records the dynamic modules whose directives become
// known (frontdesk implements none of them).
func structLoadModule(b *builder, _ *frame, d *Directive) {
	name := d.Args[0][strings.LastIndexByte(d.Args[0], '/')+1:]
	b.modules[strings.TrimSuffix(name, ".so")] = true
}

func structServerName(b *builder, f *frame, d *Directive) {
	if !f.check {
		f.srv.out.Names = append(f.srv.out.Names, d.Args...)
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

// validate compiles the server with frontdesk.New, which finds what the
// table cannot: unknown variables (nginx's verdict, which nginx gives
// without a position) and values frontdesk does not implement, placed on
// the directive that holds them.
func (b *builder) validate(s *serverState) {
	opts := append(b.checkOptions(), s.out.Options...)
	p, err := frontdesk.New(opts...)
	if p != nil {
		for _, w := range p.Warnings() {
			d := s.find(w.Location, w.Directive, w.Message)
			b.cfg.Warnings = append(b.cfg.Warnings, Warning{File: d.File, Line: d.Line, Directive: w.Directive, Message: w.Message})
			b.warnedAt = append(b.warnedAt, d)
		}
		_ = p.Close()
	}
	for _, e := range flatten(err) {
		var ce *frontdesk.ConfigError
		if !errors.As(e, &ce) {
			b.refused = append(b.refused, &Error{File: s.d.File, Line: s.d.Line, NotImplemented: true, Msg: e.Error()})
			continue
		}
		msg := ce.Err.Error()
		if msg == noTrustedForVerify {
			// nginx's own verdict, without a position (proxy_tls.go).
			if !slices.ContainsFunc(b.errs, func(e error) bool { return e.Error() == msg }) {
				b.errs = append(b.errs, &Error{Msg: msg})
			}
			continue
		}
		if isUnknownVariable(msg) {
			if b.unknownVars != nil && !b.unknownVars[msg] {
				// Declared in another server block.
				continue
			}
			// nginx names each unknown variable once.
			if !slices.ContainsFunc(b.errs, func(e error) bool { return e.Error() == msg }) {
				b.errs = append(b.errs, &Error{Msg: msg})
			}
			continue
		}
		d := s.find(ce.Location, ce.Directive, ce.Err.Error())
		if ce.Directive != "" && !strings.Contains(msg, "\""+ce.Directive+"\"") {
			msg = fmt.Sprintf("\"%s\" directive: %s", ce.Directive, msg)
		}
		b.refused = append(b.refused, &Error{File: d.File, Line: d.Line, NotImplemented: true, Msg: msg})
	}
}

// checkOptions are the options of the Proxies built only to check the
// configuration: quiet, and resolving host names as the loader does.
func (b *builder) checkOptions() []frontdesk.Option {
	opts := []frontdesk.Option{frontdesk.Logger(slog.New(slog.DiscardHandler))}
	if lookup := b.o.LookupHost; lookup != nil {
		// frontdesk resolves proxy_pass hosts as it builds: with the
		// same names the loader accepted.
		opts = append(opts, frontdesk.SystemResolver(func(_ context.Context, host string) ([]netip.Addr, time.Duration, error) {
			hosts, err := lookup(host)
			var addrs []netip.Addr
			for _, h := range hosts {
				if a, err := netip.ParseAddr(h); err == nil {
					addrs = append(addrs, a)
				}
			}
			return addrs, 0, err
		}))
	}
	return opts
}

// isUnknownVariable reports whether msg is frontdesk's `unknown "x"
// variable`, which is nginx's verdict too.
func isUnknownVariable(msg string) bool {
	rest, ok := strings.CutPrefix(msg, `unknown "`)
	return ok && strings.HasSuffix(rest, `" variable`)
}

// flatten lists the errors joined in err.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// find returns the directive a frontdesk error or warning is about: in
// the location with that pattern (or the server block), the directive of
// that name whose arguments msg quotes, else the first of that name, else
// the location or server itself.
func (s *serverState) find(pattern, directive, msg string) *Directive {
	var in []*Directive
	var loc *Directive
	if pattern != "" {
		n := findLocation(s.locations, pattern)
		if n == nil {
			return s.d
		}
		loc, in = n.d, n.d.Block
	} else {
		in = s.d.Block
	}
	var first *Directive
	for _, c := range in {
		if c.Name != directive || directive == "" {
			continue
		}
		if first == nil {
			first = c
		}
		if len(c.Args) > 0 && strings.Contains(msg, strings.Join(c.Args, " ")) {
			return c
		}
	}
	switch {
	case first != nil:
		return first
	case loc != nil:
		return loc
	}
	return s.d
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
			return l, fmt.Errorf("invalid port in \"%s\" of the \"listen\" directive", addr)
		}
		l.Addr = net.JoinHostPort(host, port)
	}
	for _, a := range args[1:] {
		name, _, _ := strings.Cut(a, "=")
		switch {
		case a == "default_server" || a == "default":
			l.DefaultServer = true
		case a == "ssl":
			l.SSL = true
		case a == "http2":
			l.HTTP2 = true
		case !listenParams[name]:
			return l, fmt.Errorf("invalid parameter \"%s\"", a)
		}
	}
	return l, nil
}

// listenParams are the parameters ngx_http_core_listen knows after the
// address (values are not checked here).
var listenParams = map[string]bool{
	"bind": true, "setfib": true, "fastopen": true, "backlog": true, "rcvbuf": true, "sndbuf": true,
	"accept_filter": true, "deferred": true, "ipv6only": true, "reuseport": true, "ssl": true,
	"http2": true, "proxy_protocol": true, "so_keepalive": true,
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
