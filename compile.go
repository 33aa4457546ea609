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
	mergeSlashes bool
	name         string
	signature    string
	signatureOff string // the product alone, for server_tokens off
}

// compiler turns the declared options into immutable tables, collecting
// every error instead of stopping at the first.
type compiler struct {
	sb           *serverBuilder
	errs         []error
	warnings     []Warning
	named        map[string]*location
	captureNames map[string]bool
	srv          *server
	pending      []func() // template compilation, run once capture names are known
	pools        map[string]*UpstreamPool
}

func newCompiler(sb *serverBuilder) *compiler {
	return &compiler{sb: sb, named: map[string]*location{}, captureNames: map[string]bool{}}
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
			c.captureNames[n] = true
		}
	}
}

func (c *compiler) compileServer() *server {
	sb := c.sb
	srv := &server{
		named:        c.named,
		mergeSlashes: sb.mergeSlashes == nil || *sb.mergeSlashes,
		name:         sb.serverName,
		signature:    sb.signature,
	}
	srv.signatureOff, _, _ = strings.Cut(sb.signature, "/")
	c.srv = srv
	for _, u := range sb.pools {
		c.registerPool(u)
	}
	base := sb.conf.inherit(nil)
	srvLoc := &location{pattern: "", kind: kindPrefix}
	srvLoc.conf = c.compileConf(srvLoc, &base)
	// try_files at server level applies only where no location matches:
	// nginx does not merge it into locations.
	inheritable := base
	inheritable.tryFiles = nil
	srvLoc.handler = c.bindHandler(srvLoc, nil)
	srv.conf = srvLoc.conf
	srv.locations = c.buildLevel(nil, &inheritable, sb.locations)
	if srv.locations == nil {
		srv.locations = &level{literal: map[string]*location{}, redirects: map[string]*location{}}
	}
	srv.noMatch = srvLoc
	for _, f := range c.pending {
		f()
	}
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
		t, err := compileTemplate(s, c.captureNames)
		if err != nil {
			c.errorf(loc.pattern, directive, "%v", err)
			return
		}
		*dst = t
	})
}
