package frontdesk

import (
	"fmt"
	"net/http"
	"strings"
)

// server is a compiled nginx server block.
type server struct {
	proxy        *Proxy
	locations    *level
	named        map[string]*location
	conf         *locConf  // server-level configuration, used when no location matches
	noMatch      *location // serves requests no location matches
	script       []scriptOp
	mergeSlashes bool
	name         string   // $server_name: the first server_name
	names        []string // every server_name, for virtual server selection
	listens      []listenSpec
	// explicitDefault lists the addresses this server is default_server of.
	explicitDefault []string
	nameRegexes     map[string]*nginxRegexp // compiled "~regex" server names
	signature       string
	signatureOff    string // the product alone, for server_tokens off
	// serverHeader is the Server header's value with server_tokens on
	// and off, shared by every response (capacity 1: an append copies).
	serverHeader [2][]string
	verify       *clientVerify // ssl_verify_client (tls.go)
}

// compiler turns the declared options into immutable tables, collecting
// every error instead of stopping at the first.
type compiler struct {
	sb       *serverBuilder
	errs     []error
	warnings []Warning
	named    map[string]*location
	scope    *varScope
	srv      *server
	pending  []func() // template compilation, run once capture names are known
	pools    map[string]*UpstreamPool
	// implicit are the pools of literal proxy_pass addresses, by
	// lower-case host:port: nginx shares one implicit upstream between
	// the locations naming the same address.
	implicit map[string]*UpstreamPool
}

func newCompiler(sb *serverBuilder) *compiler {
	return &compiler{sb: sb, named: map[string]*location{}, scope: &varScope{captures: map[string]bool{}, set: map[string]bool{}, maps: map[string]*mapVariable{}}}
}

func (c *compiler) errorf(loc, directive, format string, args ...any) {
	c.errs = append(c.errs, &ConfigError{Location: loc, Directive: directive, Err: fmt.Errorf(format, args...)})
}

func (c *compiler) wrap(loc string, err error) {
	c.errs = append(c.errs, asConfigError(loc, err))
}

func (c *compiler) warn(loc, directive, format string, args ...any) {
	c.warnings = append(c.warnings, Warning{Location: loc, Directive: directive, Message: fmt.Sprintf(format, args...)})
}

func (c *compiler) addCaptureNames(re *nginxRegexp) {
	for _, n := range re.names {
		if n != "" {
			c.scope.captures[n] = true
		}
	}
}

// compileServer compiles one server block; parent is the http level's
// configuration (nil when the server is the whole configuration).
func (c *compiler) compileServer(sb *serverBuilder, parent *confSet) *server {
	c.named = map[string]*location{}
	srv := &server{
		named:        c.named,
		mergeSlashes: sb.mergeSlashes == nil || *sb.mergeSlashes,
		names:        sb.names,
		listens:      sb.listens,
		signature:    sb.signature,
		verify:       sb.verify,
	}
	if len(sb.names) > 0 {
		srv.name = strings.TrimPrefix(sb.names[0], ".")
		if !strings.HasPrefix(srv.name, "~") {
			srv.name = strings.ToLower(srv.name)
		}
	}
	if len(srv.listens) == 0 {
		srv.listens = []listenSpec{{port: "80"}}
	}
	srv.nameRegexes = map[string]*nginxRegexp{}
	for _, n := range sb.names {
		if re, ok := strings.CutPrefix(n, "~"); ok {
			compiled, err := compileRegex(re, false)
			if err != nil {
				c.errorf("", "server_name", "%v", err)
				continue
			}
			// Its named captures are variables everywhere, as in nginx.
			c.addCaptureNames(compiled)
			srv.nameRegexes[n] = compiled
		}
	}
	srv.signatureOff, _, _ = strings.Cut(sb.signature, "/")
	srv.serverHeader = [2][]string{{srv.signature}, {srv.signatureOff}}
	c.srv = srv
	for _, u := range sb.pools {
		c.registerPool(u)
	}
	base := sb.conf.inherit(parent)
	srvLoc := &location{pattern: "", kind: kindPrefix}
	srvLoc.conf = c.compileConf(srvLoc, &base)
	// try_files at server level applies only where no location matches:
	// nginx does not merge it into locations.
	inheritable := base
	inheritable.tryFiles = nil
	srvLoc.handler = c.bindHandler(srvLoc, nil)
	srv.conf = srvLoc.conf
	// The server's rewrite directives run before location selection.
	srv.script = c.compileScript(srvLoc, sb.conf.script, &inheritable)
	inheritable.script = nil
	srv.locations = c.buildLevel(nil, &inheritable, sb.locations)
	if srv.locations == nil {
		srv.locations = &level{literal: map[string]*location{}, redirects: map[string]*location{}}
	}
	srv.noMatch = srvLoc
	return srv
}

// later defers work that needs every location compiled first (templates
// may name captures of any location's regex, as nginx's variables do).
func (c *compiler) later(f func()) { c.pending = append(c.pending, f) }

// binder is implemented by the handlers frontdesk constructs: they are
// compiled against the location they serve.
type binder interface {
	bind(c *compiler, l *location) http.Handler
}

func (c *compiler) bindHandler(l *location, h http.Handler) http.Handler {
	switch h := h.(type) {
	case nil, *staticHandler:
		return c.bindStatic(l)
	case binder:
		return h.bind(c, l)
	default:
		return h
	}
}

// tmplRef compiles s as a template once every capture name is known, and
// stores the result through dst.
func (c *compiler) tmpl(loc *location, directive, s string, dst **template) {
	c.later(func() {
		t, err := compileTemplate(s, c.scope)
		if err != nil {
			c.errorf(loc.pattern, directive, "%v", err)
			return
		}
		*dst = t
	})
}
