// Package frontdesk is nginx's HTTP layer — location matching, static
// files with alias and root, return and error pages, header rules — as an
// [http.Handler] that behaves request for request like nginx 1.22.
//
// # Quick start
//
//	p, err := frontdesk.New(
//		frontdesk.Location("= /healthz", frontdesk.Return(200, "ok\n")),
//		frontdesk.Location("^~ /static/", frontdesk.Static("/srv/app/static/")),
//		frontdesk.Location("/", app),
//	)
//	if err != nil {
//		log.Fatal(err) // every mistake, each naming its location and directive
//	}
//	log.Fatal(http.ListenAndServe("127.0.0.1:8080", p))
//
// # Locations
//
// Patterns are nginx's own strings ("=", "^~", "~", "~*", plain prefix,
// "@name") and are chosen with nginx's precedence; see [Location]. Any
// [http.Handler] can be a location's target: the matched location, its
// regex captures and the normalised $uri reach it through [RequestInfo].
//
// # Directives
//
// Directives are options named after the nginx directive they mirror
// ([Root], [Alias], [Index], [TryFiles], [ErrorPage], [AddHeader] …). Zero
// values and omitted directives mean nginx's defaults. Strings may use nginx
// variables ($uri, $host, $arg_NAME, $1 …), compiled once in [New]; an
// unknown variable is a configuration error, as in nginx.
//
// # nginx compatibility
//
// Behaviour is checked against nginx 1.22.1 by the conformance tests; the
// README lists every deliberate difference with its reason.
package frontdesk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"

	"github.com/frontdesk-go/frontdesk/internal/h1server"
	"github.com/frontdesk-go/frontdesk/internal/uri"
)

// Proxy is a compiled nginx server: its locations, directives and
// handlers. It is an [http.Handler], safe for concurrent use, and
// immutable after [New].
type Proxy struct {
	srv      *server     // the only server, or the first
	vhosts   *vhostTable // nil with a single server
	logger   *slog.Logger
	warnings []Warning
	closers  []func() error
	closed   sync.Once
	observe  func(RequestInfo)
	// onLocation is OnLocation's callback, nil when none.
	onLocation func(http.ResponseWriter, RequestInfo)
	// onAttempt is OnUpstreamAttempt's callback, nil when none.
	onAttempt func(UpstreamAttempt)
	// trace is Trace's callback, nil when none: every hook tests it first.
	trace func(*http.Request, TraceStep)
	// dial and mapPath are UpstreamDialer's and MapPath's functions, nil
	// when unset.
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	mapPath func(dir string) string
	// files holds static content's open directories and caches.
	files *staticFiles
}

var _ http.Handler = (*Proxy)(nil)

// Option configures a [Proxy] at server level. Locations, server-level
// directives ([Directive]) and proxy settings such as [Logger] are
// Options.
type Option interface {
	applyServer(*serverBuilder) error
}

// LocationOption configures one location: its directives ([Directive],
// [Alias], [Internal]) and nested locations.
type LocationOption interface {
	applyLocation(*locBuilder) error
}

// serverOption is an Option valid only at server level.
type serverOption func(*serverBuilder) error

func (f serverOption) applyServer(s *serverBuilder) error { return f(s) }

// locationOption is a LocationOption valid only inside a location.
type locationOption func(*locBuilder) error

func (f locationOption) applyLocation(l *locBuilder) error { return f(l) }

type serverBuilder struct {
	conf         confSet
	locations    []*LocationBlock
	logger       *slog.Logger
	mergeSlashes *bool
	names        []string
	listens      []listenSpec
	signature    string
	observe      func(RequestInfo)
	onLocation   func(http.ResponseWriter, RequestInfo)
	onAttempt    func(UpstreamAttempt)
	trace        func(*http.Request, TraceStep)
	dial         func(ctx context.Context, network, addr string) (net.Conn, error)
	mapPath      func(dir string) string
	pools        []*UpstreamPool
	profile      NginxProfile
	vservers     []*VirtualServerBlock
	maps         []*mapDef
	parent       *serverBuilder // the http level, for a virtual server
	verify       *clientVerify  // ssl_verify_client (tls.go)
}

type locBuilder struct {
	conf     confSet
	nested   []*LocationBlock
	internal bool
	opts     []LocationOption
}

// Logger sets the logger for errors nginx writes to its error_log (a
// missing file with log_not_found on, a redirect cycle …). The default is
// [slog.Default]; pass slog.New(slog.DiscardHandler) to silence it.
//
// A request's record has nginx's text as its message ("connect() failed
// (111: Connection refused) while connecting to upstream") and nginx's
// context as the attributes [LogClient], [LogServer], [LogRequest],
// [LogUpstream], [LogHost] and [LogReferrer]; its context is the
// request's. nginx's levels map to slog's: [error] is Error, [warn] Warn,
// [crit] Error+4, [alert] Error+8. A record is built only when the
// handler is enabled for its level.
func Logger(l *slog.Logger) Option {
	return serverOption(func(s *serverBuilder) error {
		if l == nil {
			return errors.New("Logger: nil logger")
		}
		s.logger = l
		return nil
	})
}

// MergeSlashes mirrors nginx's merge_slashes (default on): repeated
// slashes in the request path are merged before location matching.
func MergeSlashes(on bool) Option {
	return serverOption(func(s *serverBuilder) error {
		s.mergeSlashes = &on
		return nil
	})
}

// Signature sets the product token of the Server header and of the
// signature line in error pages. The default is "nginx/1.22.1", the nginx
// version frontdesk emulates, so that applications and tests behind it see
// what nginx would show; with [ServerTokens] off only the part before "/"
// is shown, as nginx shows "nginx".
func Signature(product string) Option {
	return serverOption(func(s *serverBuilder) error {
		if product == "" {
			return errors.New("Signature: empty product")
		}
		s.signature = product
		return nil
	})
}

// Observe registers fn to be called after every request with what
// frontdesk decided (location, $uri, status): nginx's log phase, for access
// logs and metrics. Several Observe options all run, in order. The
// RequestInfo is valid only during the call.
func Observe(fn func(RequestInfo)) Option {
	return serverOption(func(s *serverBuilder) error {
		if fn == nil {
			return errors.New("Observe: nil function")
		}
		if prev := s.observe; prev != nil {
			s.observe = func(i RequestInfo) { prev(i); fn(i) }
		} else {
			s.observe = fn
		}
		return nil
	})
}

// OnLocation registers fn to be called when a request's server block has
// been chosen (info.Location() "") and each time a location is selected
// for it (internal redirects included), before its content handler
// runs: nginx's update of the location configuration, for a server to
// apply settings of its own per location (cmd/frontdesk: keepalive_*,
// send_timeout). w is the ResponseWriter the Proxy was given. The
// RequestInfo is valid only during the call.
func OnLocation(fn func(w http.ResponseWriter, info RequestInfo)) Option {
	return serverOption(func(s *serverBuilder) error {
		if fn == nil {
			return errors.New("OnLocation: nil function")
		}
		if prev := s.onLocation; prev != nil {
			s.onLocation = func(w http.ResponseWriter, i RequestInfo) { prev(w, i); fn(w, i) }
		} else {
			s.onLocation = fn
		}
		return nil
	})
}

// NginxProfile selects which nginx release's defaults frontdesk follows
// where nginx changed them.
type NginxProfile int

const (
	// Nginx122 is the classic behaviour of nginx up to 1.29.6 (1.22, the
	// reference the conformance tests check, 1.24, 1.26 and 1.28): the
	// upstream request is HTTP/1.0 with "Connection: close", and upstream
	// blocks keep no idle connections unless keepalive says so.
	Nginx122 NginxProfile = iota
	// Nginx130 follows nginx 1.29.7 and the 1.30 stable line (changelog
	// of 1.29.7): proxy_http_version defaults to 1.1, no Connection header
	// is sent by default, and an upstream block without keepalive keeps 32
	// idle connections (frontdesk shares them per pool, where nginx keeps
	// them per location). Not checked against a real nginx of that line.
	Nginx130
)

// Profile sets the nginx release whose defaults frontdesk follows
// ([Nginx122] unless set). Explicit directives always win.
func Profile(p NginxProfile) Option {
	return serverOption(func(s *serverBuilder) error {
		if p != Nginx122 && p != Nginx130 {
			return fmt.Errorf("Profile: unknown profile %d", p)
		}
		s.profile = p
		return nil
	})
}

// DefaultSignature is the Server header value frontdesk sends unless
// [Signature] says otherwise.
const DefaultSignature = "nginx/1.22.1"

// New compiles the options into a Proxy. Every mistake is reported, joined
// into one error; each one is a [*ConfigError] naming its location and
// directive.
func New(opts ...Option) (*Proxy, error) {
	sb := &serverBuilder{signature: DefaultSignature}
	errs := sb.apply("", opts)
	c := newCompiler(sb)
	var vbs []*serverBuilder
	for i, v := range sb.vservers {
		vb := &serverBuilder{parent: sb, mergeSlashes: sb.mergeSlashes, signature: sb.signature, verify: sb.verify}
		errs = append(errs, vb.apply(fmt.Sprintf("server #%d", i+1), v.opts)...)
		vbs = append(vbs, vb)
	}
	// Maps are http-level in nginx: one declaration, whichever server
	// the option came through.
	declared := map[*mapDef]bool{}
	for _, b := range append([]*serverBuilder{sb}, vbs...) {
		for _, m := range b.maps {
			if !declared[m] {
				declared[m] = true
				c.declareMap(m)
			}
		}
	}
	var servers []*server
	if len(vbs) == 0 {
		servers = append(servers, c.compileServer(sb, nil))
	} else {
		if len(sb.locations) > 0 {
			errs = append(errs, &ConfigError{Err: errors.New("locations must be inside a VirtualServer when there are virtual servers")})
		}
		httpConf := sb.conf.inherit(nil)
		for _, vb := range vbs {
			for _, u := range vb.pools {
				c.registerPool(u)
			}
			servers = append(servers, c.compileServer(vb, &httpConf))
		}
	}
	for _, f := range c.pending {
		f()
	}
	var vt *vhostTable
	if len(servers) > 1 {
		var err error
		if vt, err = newVhostTable(servers); err != nil {
			errs = append(errs, &ConfigError{Directive: "server_name", Err: err})
		}
	}
	if err := errors.Join(append(errs, c.errs...)...); err != nil {
		return nil, err
	}
	p := &Proxy{srv: servers[0], vhosts: vt, logger: sb.logger, warnings: c.warnings, observe: sb.observe, onLocation: sb.onLocation, onAttempt: sb.onAttempt, trace: sb.trace, dial: sb.dial, mapPath: sb.mapPath, files: &staticFiles{}}
	p.closers = append(p.closers, p.files.close)
	if p.logger == nil {
		p.logger = slog.Default()
	}
	for _, srv := range servers {
		srv.proxy = p
	}
	for _, u := range c.pools {
		p.closers = append(p.closers, u.Close)
	}
	return p, nil
}

// apply runs options against the builder, collecting their errors.
func (sb *serverBuilder) apply(where string, opts []Option) []error {
	var errs []error
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.applyServer(sb); err != nil {
			err = asConfigError("", err)
			if where != "" {
				err = fmt.Errorf("%s: %w", where, err)
			}
			errs = append(errs, err)
		}
	}
	return errs
}

// MustNew is like [New] but panics on error; for examples and tests.
func MustNew(opts ...Option) *Proxy {
	p, err := New(opts...)
	if err != nil {
		panic(err)
	}
	return p
}

// Warnings returns what a reviewer would flag in the configuration but
// nginx accepts (for example an alias whose trailing slash disagrees with
// its location's). They never stop New.
func (p *Proxy) Warnings() []Warning { return p.warnings }

// Close releases what the Proxy started. It is safe to call more than once.
func (p *Proxy) Close() error {
	var err error
	p.closed.Do(func() {
		for _, c := range p.closers {
			err = errors.Join(err, c())
		}
	})
	return err
}

// ServeHTTP serves r as nginx would: it normalises the URI, selects the
// location and runs its handler with nginx's filters around it.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	srv := p.srv
	var nt *nameTable
	if p.vhosts != nil {
		nt = p.vhosts.choose(r)
		srv = nt.def
	}
	target, err := uri.ParseTarget(r.RequestURI, srv.mergeSlashes)
	// The binary's server loop refuses some requests before any handler
	// (malformed, too large) and leaves the answer, the error page of
	// the default server, to this one.
	loopCode := h1server.RequestError(r.Context())
	if loopCode != 0 {
		err = errRefusedByLoop
	}
	host := target.Host
	if err == nil && target.Host == "" && (r.Host != "" || r.ProtoAtLeast(1, 1)) {
		// nginx validates the Host header as it reads it. Go's server
		// drops the header, so an empty one is told apart from a missing
		// one only in HTTP/1.1, where Go insists on having one.
		host, err = uri.ValidateHost(r.Host)
	}
	if err == nil {
		err = duplicateUniqueHeader(r.Header)
	}
	var nameRe *nginxRegexp
	var nameCaps []int
	if nt != nil && err == nil {
		if chosen, re, caps := nt.find(host); chosen != srv {
			srv = chosen
			if srv.mergeSlashes != nt.def.mergeSlashes {
				target, err = uri.ParseTarget(r.RequestURI, srv.mergeSlashes)
			}
			nameRe, nameCaps = re, caps
		} else {
			nameRe, nameCaps = re, caps
		}
	}
	st := newReqState(srv, w, r)
	defer st.release()
	if nameRe != nil {
		// Captures of a regex server_name are variables, as in nginx.
		st.setCaptures(host, nameCaps, nameRe)
	}
	if err != nil {
		st.uri = r.URL.Path
		st.finalize(cmp.Or(loopCode, http.StatusBadRequest))
	} else {
		st.target = target
		st.uri, st.args, st.hasArgs = target.URI, target.Args, target.HasArgs
		if !st.sslReject() {
			st.process()
		}
	}
	if !st.w.wroteHeader {
		st.w.WriteHeader(http.StatusOK)
	}
	st.w.finish()
	if p.observe != nil {
		p.observe(RequestInfo{st: st})
	}
}

// errRefusedByLoop: the server loop found the request malformed.
var errRefusedByLoop = errors.New("request refused by the server loop")

// Warning is a lint finding about a configuration nginx accepts.
type Warning struct {
	Location  string // the location pattern, "" at server level
	Directive string // the nginx directive the finding is about
	Message   string // what is wrong, and usually why it matters
}

// String formats the warning with its location and directive.
func (w Warning) String() string {
	if w.Location == "" {
		return fmt.Sprintf("%s: %s", w.Directive, w.Message)
	}
	return fmt.Sprintf("location %q: %s: %s", w.Location, w.Directive, w.Message)
}

// ConfigError is one configuration mistake found by [New].
type ConfigError struct {
	Location  string // the location pattern as written, "" at server level
	Directive string // the nginx directive, "" when the location itself is wrong
	Err       error  // the mistake; [errors.Is] and [errors.As] see through it
}

// Error formats the mistake with its location and directive.
func (e *ConfigError) Error() string {
	msg := "frontdesk: "
	if e.Location != "" {
		msg += fmt.Sprintf("location %q: ", e.Location)
	}
	if e.Directive != "" {
		msg += e.Directive + ": "
	}
	return msg + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ConfigError) Unwrap() error { return e.Err }

// directiveError carries the directive name out of an option function.
type directiveError struct {
	directive string
	err       error
}

func (e *directiveError) Error() string { return e.directive + ": " + e.err.Error() }
func (e *directiveError) Unwrap() error { return e.err }

func asConfigError(loc string, err error) error {
	var ce *ConfigError
	if errors.As(err, &ce) {
		return err
	}
	var de *directiveError
	if errors.As(err, &de) {
		return &ConfigError{Location: loc, Directive: de.directive, Err: de.err}
	}
	return &ConfigError{Location: loc, Err: err}
}
