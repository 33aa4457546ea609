package frontdesk

// Access control: nginx's access module (allow, deny), auth_basic module
// (auth_basic, auth_basic_user_file), and the core's satisfy and
// limit_except. They run in nginx's access phase: after the location's
// rewrite directives and realip, before try_files and the content handler,
// again after every internal redirect. The access module runs before
// auth_basic, so with "satisfy all" a denied address gets 403 before any
// password is asked for.

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"

	"github.com/frontdesk-go/frontdesk/internal/htpasswd"
	"github.com/frontdesk-go/frontdesk/internal/syserr"
)

// accessRule is one allow or deny line.
type accessRule struct {
	prefix netip.Prefix // unused for unix
	all    bool         // "all": every address family
	unix   bool         // "unix:"
	deny   bool
}

// accessSet is the raw access configuration of one level; nil is unset.
type accessSet struct {
	// rules is inherited as a whole, and only by levels without any
	// allow or deny of their own (ngx_http_access_merge_loc_conf).
	rules      []accessRule
	realm      *string
	userFile   *string
	satisfyAny *bool
	// limitExcept is the location's own limit_except block; nested
	// locations do not inherit it.
	limitExcept *limitExceptDef
}

type limitExceptDef struct {
	methods map[string]bool
	set     accessSet
	// handler is the block's own content handler (proxy_pass inside
	// limit_except), nil when it has none.
	handler http.Handler
}

func (s accessSet) inherit(p accessSet) accessSet {
	if s.rules == nil {
		s.rules = p.rules
	}
	inheritPtr(&s.realm, p.realm)
	inheritPtr(&s.userFile, p.userFile)
	inheritPtr(&s.satisfyAny, p.satisfyAny)
	return s
}

// accessConf is the compiled access configuration of a location.
type accessConf struct {
	// The rules by address family, as nginx keeps them: an address is
	// checked only against the rules written for its family ("all"
	// counts for every family); nil means none were written.
	rules4, rules6, rulesUnix []accessRule
	realm, userFile           *template // nil: auth_basic off
	satisfyAny                bool
	// other is the limit_except block's, which the methods it does not
	// list get (bindLimitExcept).
	other *accessConf
}

func (c *compiler) compileAccess(l *location, s accessSet) *accessConf {
	if s.rules == nil && (s.realm == nil || s.userFile == nil) && s.limitExcept == nil {
		return nil
	}
	ac := &accessConf{satisfyAny: valueOr(s.satisfyAny, false)}
	for _, r := range s.rules {
		if r.all || (!r.unix && r.prefix.Addr().Is4()) {
			ac.rules4 = append(ac.rules4, r)
		}
		if r.all || (!r.unix && r.prefix.Addr().Is6()) {
			ac.rules6 = append(ac.rules6, r)
		}
		if r.all || r.unix {
			ac.rulesUnix = append(ac.rulesUnix, r)
		}
	}
	if s.realm != nil && s.userFile != nil {
		c.tmpl(l, "auth_basic", *s.realm, &ac.realm)
		c.tmpl(l, "auth_basic_user_file", *s.userFile, &ac.userFile)
	}
	if le := s.limitExcept; le != nil {
		// The block is a nested configuration merged from the location.
		inner := le.set.inherit(s)
		inner.limitExcept = nil
		ac.other = c.compileAccess(l, inner)
	}
	return ac
}

func accessDirective(name string, addr string) Directive {
	return directive(name, func(c *confSet) error {
		r, err := parseAccessRule(addr)
		if err != nil {
			return err
		}
		r.deny = name == "deny"
		c.access.rules = append(c.access.rules, r)
		return nil
	})
}

// parseAccessRule reads an allow or deny argument as
// ngx_http_access_rule does: "all", "unix:", an address or a CIDR (its
// low bits cleared, as ngx_ptocidr does).
func parseAccessRule(s string) (accessRule, error) {
	switch s {
	case "all":
		return accessRule{all: true}, nil
	case "unix:":
		return accessRule{unix: true}, nil
	}
	addr, mask, hasMask := strings.Cut(s, "/")
	ip, ok := parseNginxAddr(addr)
	if !ok {
		return accessRule{}, fmt.Errorf("invalid parameter %q", s)
	}
	bits := ip.BitLen()
	if hasMask {
		n, ok := atoi(mask)
		if !ok || n > bits {
			return accessRule{}, fmt.Errorf("invalid parameter %q", s)
		}
		bits = n
	}
	return accessRule{prefix: netip.PrefixFrom(ip, bits).Masked()}, nil
}

// Allow mirrors nginx's allow: requests from addr ("192.0.2.1",
// "10.0.0.0/8", "2001:db8::/32", "unix:" or "all") are let through. The
// allow and deny lines of a level are checked in order and the first that
// matches the client address (after [SetRealIPFrom]) decides; a level
// with none of its own inherits all of its parent's.
func Allow(addr string) Directive { return accessDirective("allow", addr) }

// Deny mirrors nginx's deny: requests from addr get 403. See [Allow].
func Deny(addr string) Directive { return accessDirective("deny", addr) }

// AuthBasic mirrors auth_basic: with [AuthBasicUserFile], requests need
// HTTP Basic credentials found in that file, and are otherwise answered
// 401 with "WWW-Authenticate: Basic realm=" and realm. realm may hold
// variables; "off" turns an inherited auth_basic off.
func AuthBasic(realm string) Directive {
	return directive("auth_basic", func(c *confSet) error { c.access.realm = &realm; return nil })
}

// AuthBasicUserFile mirrors auth_basic_user_file: the htpasswd file
// ("user:hash" lines, "#" comments) checked for [AuthBasic]. path may
// hold variables and is read on every request, as nginx does. Hashes may
// be crypt(3) DES, MD5-crypt ("$1$"), "$apr1$", SHA-256-crypt ("$5$"),
// SHA-512-crypt ("$6$"), "{SHA}", "{SSHA}" or "{PLAIN}"; bcrypt ("$2y$")
// and yescrypt ("$y$"), which Debian's nginx accepts through libxcrypt,
// never match here.
func AuthBasicUserFile(path string) Directive {
	return directive("auth_basic_user_file", func(c *confSet) error {
		if path == "" {
			return errors.New("empty path")
		}
		c.access.userFile = &path
		return nil
	})
}

// Satisfy mirrors nginx's satisfy: "all" (the default) lets a request
// through when both [Allow]/[Deny] and [AuthBasic] do, "any" when either
// does.
func Satisfy(mode string) Directive {
	return directive("satisfy", func(c *confSet) error {
		switch mode {
		case "all", "any":
			anyOf := mode == "any"
			c.access.satisfyAny = &anyOf
			return nil
		}
		return fmt.Errorf("invalid value %q", mode)
	})
}

// limitExceptMethods are the methods nginx's limit_except knows.
var limitExceptMethods = []string{
	"GET", "HEAD", "POST", "PUT", "DELETE", "MKCOL", "COPY", "MOVE",
	"OPTIONS", "PROPFIND", "PROPPATCH", "LOCK", "UNLOCK", "PATCH",
}

// LimitExcept mirrors nginx's limit_except block: requests whose method
// is not among methods (GET implies HEAD) get the access directives given
// here — [Allow], [Deny], [AuthBasic], [AuthBasicUserFile] — on top of
// the location's, which they inherit as nginx merges the block from it.
// As in nginx, the location's rewrite directives (return, rewrite, set,
// if) and try_files do not run for those methods, and a location
// answering with return serves static files to them.
func LimitExcept(methods []string, access ...Directive) LocationOption {
	return limitExcept(methods, nil, access)
}

// LimitExceptHandler is [LimitExcept] whose block has a content handler
// of its own, as nginx's proxy_pass inside limit_except: requests whose
// method is not among methods get handler instead of the location's,
// with the location's configuration (a [ProxyPass] there uses the
// location's proxy_* directives; its URL cannot have a URI part).
// Requests whose method is listed keep the location's handler.
func LimitExceptHandler(methods []string, handler http.Handler, access ...Directive) LocationOption {
	if handler == nil {
		return Directive{name: "limit_except", apply: func(*confSet) error { return errors.New("nil handler") }}
	}
	return limitExcept(methods, handler, access)
}

func limitExcept(methods []string, handler http.Handler, access []Directive) Directive {
	return Directive{name: "limit_except", apply: func(c *confSet) error {
		if c.access.limitExcept != nil {
			return errors.New("is duplicate")
		}
		if len(methods) == 0 {
			return errors.New("invalid number of arguments")
		}
		le := &limitExceptDef{methods: map[string]bool{}, handler: handler}
		for _, m := range methods {
			if !slices.Contains(limitExceptMethods, strings.ToUpper(m)) {
				return fmt.Errorf("invalid method %q", m)
			}
			le.methods[strings.ToUpper(m)] = true
		}
		if le.methods["GET"] {
			le.methods["HEAD"] = true
		}
		var inner confSet
		for _, d := range access {
			switch d.name {
			case "allow", "deny", "auth_basic", "auth_basic_user_file":
			default:
				return fmt.Errorf("%q is not allowed inside limit_except", d.name)
			}
			if err := d.run(&inner); err != nil {
				return err
			}
		}
		le.set = inner.access
		c.access.limitExcept = le
		return nil
	}}
}

// bindLimitExcept builds what l's limit_except block gives the methods
// it does not list, as nginx's nameless nested location merged from l
// (ngx_http_update_location_config switches to it): l's configuration
// without the rewrite script (return included) and try_files, which
// nginx does not merge into it, with the block's access rules, and with
// the block's own content handler, else l's proxy_pass, else static
// files (a location's return is not its handler there).
func (c *compiler) bindLimitExcept(l *location, le *limitExceptDef, resp responseConfSet) {
	ex := &location{name: l.name, pattern: l.pattern, kind: l.kind, re: l.re, parent: l, internal: l.internal, conf: l.conf}
	_, ret := l.handler.(*ReturnHandler)
	switch {
	case le.handler != nil:
		ex.handler = c.bindHandler(ex, le.handler)
		if ph, ok := ex.handler.(*proxyHandler); ok && ph.hasURI && l.kind != kindRegex && l.kind != kindNamed {
			// (bindProxy reports it for those.)
			c.errorf(l.pattern, "proxy_pass", "%s", uriPartRefused)
		}
	case ret:
		ex.handler = c.bindStatic(ex)
	default:
		ex.handler = l.handler
	}
	l.except, l.exceptAllowed = ex, le.methods
	c.later(func() {
		// After l's own templates are in its configuration.
		conf := *l.conf
		conf.script, conf.tryFiles = nil, nil
		conf.access = l.conf.access.other
		ex.conf = &conf
		if ph, ok := ex.handler.(*proxyHandler); ok && ph.loc == ex {
			// The block's proxy_pass has its own proxy_redirect
			// default when l and the locations around it have none.
			pc := *conf.proxy
			pc.resp.redirects = c.redirectRules(ex, resp)
			conf.proxy, ph.conf = &pc, &pc
		}
	})
}

// accessResult is what one access-phase handler decided.
type accessResult int

const (
	accessDeclined accessResult = iota
	accessOK
	accessForbidden    accessResult = http.StatusForbidden
	accessUnauthorized accessResult = http.StatusUnauthorized
	accessError        accessResult = http.StatusInternalServerError
)

// accessPhase runs nginx's access phase for the location in force; false
// means the request was answered.
func (st *reqState) accessPhase() bool {
	ac := st.conf().access
	if ac == nil {
		return true
	}
	// ngx_http_core_access_phase and ngx_http_core_post_access_phase.
	code := 0
	for _, step := range [...]func(*accessConf) accessResult{st.checkAddress, st.checkBasicAuth} {
		rc := step(ac)
		switch {
		case rc == accessDeclined:
		case rc == accessOK:
			if ac.satisfyAny {
				delete(st.w.Header(), "WWW-Authenticate")
				return true
			}
		case (rc == accessForbidden || rc == accessUnauthorized) && ac.satisfyAny:
			if code != int(accessUnauthorized) {
				code = int(rc)
			}
		default:
			st.finalize(int(rc))
			return false
		}
	}
	if code != 0 {
		st.finalize(code)
		return false
	}
	return true
}

// checkAddress is ngx_http_access_handler.
func (st *reqState) checkAddress(ac *accessConf) accessResult {
	p := st.remote()
	var rules []accessRule
	a := p.addr
	switch {
	case p.unix:
		rules = ac.rulesUnix
	case a.Is4():
		rules = ac.rules4
	case a.Is4In6() && ac.rules4 != nil:
		rules, a = ac.rules4, a.Unmap()
	default:
		rules = ac.rules6
	}
	for _, r := range rules {
		if r.all || r.unix || r.prefix.Contains(a) {
			if r.deny {
				if !ac.satisfyAny {
					st.logRequest(slog.LevelError, "access forbidden by rule", "")
				}
				return accessForbidden
			}
			return accessOK
		}
	}
	return accessDeclined
}

// checkBasicAuth is ngx_http_auth_basic_handler.
func (st *reqState) checkBasicAuth(ac *accessConf) accessResult {
	if ac.realm == nil || ac.userFile == nil {
		return accessDeclined
	}
	realm := ac.realm.string(st)
	if realm == "off" {
		return accessDeclined
	}
	user, pass, ok := basicCredentials(st.r.Header["Authorization"])
	if !ok {
		return st.askForCredentials(realm)
	}
	name := ac.userFile.string(st)
	data, err := os.ReadFile(name)
	if err != nil {
		if st.logging(slog.LevelError) {
			st.logRequest(slog.LevelError, `open() "`+name+`" failed `+syserr.Quote(err), "")
		}
		if errors.Is(err, fs.ErrNotExist) {
			return accessForbidden
		}
		return accessError
	}
	entry, found := htpasswdEntry(data, user)
	if !found {
		if st.logging(slog.LevelError) {
			st.logRequest(slog.LevelError, `user "`+user+`" was not found in "`+name+`"`, "")
		}
		return st.askForCredentials(realm)
	}
	if !htpasswd.Match(pass, entry) {
		if st.logging(slog.LevelError) {
			st.logRequest(slog.LevelError, `user "`+user+`": password mismatch`, "")
		}
		return st.askForCredentials(realm)
	}
	return accessOK
}

// askForCredentials sets nginx's challenge, spelled as nginx spells it
// (not in net/http's canonical form: read it as h["WWW-Authenticate"]).
func (st *reqState) askForCredentials(realm string) accessResult {
	st.w.Header()["WWW-Authenticate"] = []string{`Basic realm="` + realm + `"`}
	return accessUnauthorized
}

// basicCredentials is ngx_http_auth_basic_user: "Basic" (any case), then
// spaces, then base64 of "user:password" with a non-empty user. nginx's
// base64 decoder stops at the first "=" and needs no padding.
func basicCredentials(lines []string) (user, pass string, ok bool) {
	if len(lines) == 0 {
		return "", "", false
	}
	v := lines[0]
	if len(v) < 6 || !strings.EqualFold(v[:6], "Basic ") {
		return "", "", false
	}
	v = strings.TrimLeft(v[6:], " ")
	if i := strings.IndexByte(v, '='); i >= 0 {
		v = v[:i]
	}
	if v == "" || strings.ContainsAny(v, "\r\n") {
		return "", "", false
	}
	raw, err := base64.RawStdEncoding.DecodeString(v)
	if err != nil {
		return "", "", false
	}
	user, pass, found := strings.Cut(string(raw), ":")
	if !found || user == "" {
		return "", "", false
	}
	return user, pass, true
}

// htpasswdEntry finds user's password field as nginx's reader does: a
// line is "user:password[:anything]"; lines starting with "#" or CR are
// skipped, and the field ends at LF, CR or ":".
func htpasswdEntry(data []byte, user string) (string, bool) {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		rest, ok := bytes.CutPrefix(line, []byte(user+":"))
		if !ok || len(line) == 0 || line[0] == '#' || line[0] == '\r' {
			continue
		}
		if i := bytes.IndexAny(rest, "\r:"); i >= 0 {
			rest = rest[:i]
		}
		return string(rest), true
	}
	return "", false
}

// uniqueRequestHeaders are the request headers nginx 1.22 reads with
// ngx_http_process_unique_header_line: a second line is a 400 ("client
// sent duplicate header line") before any location is chosen.
var uniqueRequestHeaders = [...]string{
	"Authorization", "If-Modified-Since", "If-Unmodified-Since",
	"If-Match", "If-None-Match", "If-Range",
}

func duplicateUniqueHeader(h http.Header) error {
	for _, k := range uniqueRequestHeaders {
		if len(h[k]) > 1 {
			return fmt.Errorf("client sent duplicate header line %q", k)
		}
	}
	return nil
}
