package frontdesk

// proxy_redirect, proxy_cookie_domain, proxy_cookie_path and
// proxy_cookie_flags: how nginx's proxy module rewrites the Location,
// Refresh and Set-Cookie headers of an upstream response
// (ngx_http_proxy_rewrite_redirect and ngx_http_proxy_rewrite_cookie).
//
// Rules are tried in configuration order and the first match wins. A plain
// pattern is compared with the start of the value (proxy_redirect,
// proxy_cookie_path; case-sensitive) or with the whole domain
// (proxy_cookie_domain; caseless, a leading "." ignored on both sides),
// and only the matched part is replaced. A regex pattern ("~", or "~*"
// for caseless) replaces the whole value, and its captures are the $1 …
// of the replacement. Both sides may use variables.
//
// proxy_redirect rules are inherited as a list, like nginx's merge: a
// level without proxy_redirect takes its parent's list; when no level has
// one, the outermost location with proxy_pass gets nginx's "default" rule
// (its proxy_pass URL becomes its location name), and the locations
// nested in it inherit that rule, even those with a proxy_pass of their
// own.

import (
	"errors"
	"fmt"
	"strings"
)

// rewriteDef is a rewrite rule as declared. compiled is filled by the
// first location compiled with the rule (the one that declared it, or
// the server), so that the locations inheriting it share one compiled
// rule and its errors are reported once.
type rewriteDef struct {
	pattern, replacement string
	isDefault            bool // "proxy_redirect default"
	compiled             *rewriteRule
}

type rewriteKind uint8

const (
	rewritePrefix rewriteKind = iota // the value starts with the pattern
	rewriteDomain                    // the whole value equals the pattern, caseless
	rewriteRegex                     // the regex matches; the value is replaced
)

type rewriteRule struct {
	kind        rewriteKind
	pattern     *template
	re          *nginxRegexp
	replacement *template
}

// literal is a template without variables.
func literal(s string) *template { return &template{raw: s} }

// compileRewrite compiles a proxy_redirect or proxy_cookie_path rule
// ("~" and "~*" make regexes) or, with domain, a proxy_cookie_domain one
// ("~" makes a caseless regex; a leading "." is dropped from a plain
// pattern and its replacement).
func (c *compiler) compileRewrite(l *location, directive string, d *rewriteDef, domain bool) *rewriteRule {
	if d.compiled != nil {
		return d.compiled
	}
	r := &rewriteRule{kind: rewritePrefix}
	d.compiled = r
	pattern, replacement := d.pattern, d.replacement
	if re, ok := strings.CutPrefix(pattern, "~"); ok {
		caseless := domain
		if !domain {
			re, caseless = strings.CutPrefix(re, "*")
		}
		compiled, err := compileRegex(re, caseless)
		if err != nil {
			c.errorf(l.pattern, directive, "%v", err)
			return r
		}
		c.addCaptureNames(compiled)
		r.kind, r.re = rewriteRegex, compiled
	} else {
		if domain {
			r.kind = rewriteDomain
			pattern = strings.TrimPrefix(pattern, ".")
			replacement = strings.TrimPrefix(replacement, ".")
		}
		c.tmpl(l, directive, pattern, &r.pattern)
	}
	c.tmpl(l, directive, replacement, &r.replacement)
	return r
}

// apply rewrites v; ok reports that the rule matched.
func (r *rewriteRule) apply(st *reqState, v string) (string, bool) {
	switch r.kind {
	case rewriteRegex:
		ok, idx := r.re.match(v)
		if !ok {
			return v, false
		}
		// The match replaces the request's captures, as
		// ngx_http_regex_exec's matches do.
		st.setCaptures(v, idx, r.re)
		return r.replacement.string(st), true
	case rewriteDomain:
		dot := ""
		if strings.HasPrefix(v, ".") {
			dot, v = ".", v[1:]
		}
		if !strings.EqualFold(r.pattern.string(st), v) {
			return v, false
		}
		return dot + r.replacement.string(st), true
	}
	p := r.pattern.string(st)
	if !strings.HasPrefix(v, p) {
		return v, false
	}
	return r.replacement.string(st) + v[len(p):], true
}

func applyRules(st *reqState, rules []*rewriteRule, v string) (string, bool) {
	for _, r := range rules {
		if out, ok := r.apply(st, v); ok {
			return out, true
		}
	}
	return v, false
}

// rewriteRefresh applies proxy_redirect to the URL of a Refresh header,
// the text after the first "url=" (any case).
func (st *reqState) rewriteRefresh(rules []*rewriteRule, v string) string {
	i := strings.Index(strings.ToLower(v), "url=")
	if i < 0 {
		return v
	}
	out, ok := applyRules(st, rules, v[i+4:])
	if !ok {
		return v
	}
	return v[:i+4] + out
}

// defaultRedirect is nginx's "proxy_redirect default" for h: the
// proxy_pass URL is replaced by the location's name; without a URI part,
// "URL/" is replaced by "/".
func defaultRedirect(h *proxyHandler) *rewriteRule {
	if !h.hasURI {
		return &rewriteRule{pattern: literal(h.url + "/"), replacement: literal("/")}
	}
	name := h.loc.name
	if h.loc.kind == kindRegex || h.loc.kind == kindNamed {
		name = ""
	}
	return &rewriteRule{pattern: literal(h.url), replacement: literal(name)}
}

// redirectRules resolves the proxy_redirect rules of location l once
// every handler is bound: the inherited or declared list (compiled by
// compileResponseConf), "default" taken from the declaring location's
// proxy_pass, or the implicit default described at the top of the file.
func (c *compiler) redirectRules(l *location, s responseConfSet) []*rewriteRule {
	if s.redirectOff {
		return nil
	}
	if s.redirects == nil {
		// The outermost location whose proxy_pass has a URL of its own:
		// one with variables keeps none (nginx's plcf->url), and makes no
		// default rule for the locations in it.
		var top *proxyHandler
		for x := l; x != nil; x = x.parent {
			if ph, ok := x.handler.(*proxyHandler); ok && !ph.hasVars {
				top = ph
			}
		}
		if top == nil {
			return nil
		}
		return []*rewriteRule{defaultRedirect(top)}
	}
	rules := make([]*rewriteRule, 0, len(s.redirects))
	for i := range s.redirects {
		d := &s.redirects[i]
		if !d.isDefault {
			rules = append(rules, d.compiled)
			continue
		}
		if d.compiled == nil {
			ph, ok := s.redirectOwner.handler.(*proxyHandler)
			if !ok {
				d.compiled = &rewriteRule{pattern: literal("\x00"), replacement: literal("")}
				c.errorf(s.redirectOwner.pattern, "proxy_redirect", "\"proxy_redirect default\" should be placed after the \"proxy_pass\" directive")
			} else if ph.hasVars {
				d.compiled = &rewriteRule{pattern: literal("\x00"), replacement: literal("")}
				c.errorf(s.redirectOwner.pattern, "proxy_redirect", "\"proxy_redirect default\" cannot be used with \"proxy_pass\" directive with variables")
			} else {
				d.compiled = defaultRedirect(ph)
			}
		}
		rules = append(rules, d.compiled)
	}
	return rules
}

// cookieAttr is one "name=value" or "flag" of a Set-Cookie value.
type cookieAttr struct {
	key, value string
	hasValue   bool
	drop       bool
}

// parseCookie splits a Set-Cookie value at ";" as
// ngx_http_proxy_parse_cookie does: spaces around names and values go.
func parseCookie(v string) []cookieAttr {
	attrs := make([]cookieAttr, 0, 4)
	for {
		part, rest, more := strings.Cut(v, ";")
		part = strings.TrimLeft(part, " ")
		var a cookieAttr
		if k, val, ok := strings.Cut(part, "="); ok {
			a = cookieAttr{key: strings.TrimRight(k, " "), value: strings.Trim(val, " "), hasValue: true}
		} else {
			a.key = strings.TrimRight(part, " ")
		}
		attrs = append(attrs, a)
		if !more {
			return attrs
		}
		v = rest
	}
}

// rewriteCookie applies proxy_cookie_domain, proxy_cookie_path and
// proxy_cookie_flags to a Set-Cookie value. A cookie nginx changed is
// rebuilt from its parts ("a=1; Path=/"); an unchanged one is kept as
// sent.
func (st *reqState) rewriteCookie(rc *responseConf, v string) string {
	attrs := parseCookie(v)
	if !attrs[0].hasValue {
		return v
	}
	changed := false
	for i := 1; i < len(attrs); i++ {
		a := &attrs[i]
		var rules []*rewriteRule
		switch {
		case !a.hasValue:
			continue
		case strings.EqualFold(a.key, "domain"):
			rules = rc.cookieDomains
		case strings.EqualFold(a.key, "path"):
			rules = rc.cookiePaths
		}
		if out, ok := applyRules(st, rules, a.value); ok {
			a.value, changed = out, true
		}
	}
	if flags := st.cookieFlags(rc, attrs[0].key); flags != 0 {
		attrs = editCookieFlags(attrs, flags)
		changed = true
	}
	if !changed {
		return v
	}
	var b strings.Builder
	for i, a := range attrs {
		if a.drop {
			continue
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(a.key)
		if a.hasValue {
			b.WriteByte('=')
			b.WriteString(a.value)
		}
	}
	return b.String()
}

// cookieFlagsDef is one proxy_cookie_flags line as declared.
type cookieFlagsDef struct {
	cookie   string
	flags    []string
	compiled *cookieFlagsRule
}

type cookieFlagsRule struct {
	cookie *template
	re     *nginxRegexp
	flags  []*template
}

func (c *compiler) compileCookieFlags(l *location, d *cookieFlagsDef) *cookieFlagsRule {
	if d.compiled != nil {
		return d.compiled
	}
	r := &cookieFlagsRule{flags: make([]*template, len(d.flags))}
	d.compiled = r
	if re, ok := strings.CutPrefix(d.cookie, "~"); ok {
		compiled, err := compileRegex(re, true)
		if err != nil {
			c.errorf(l.pattern, "proxy_cookie_flags", "%v", err)
			return r
		}
		c.addCaptureNames(compiled)
		r.re = compiled
	} else {
		c.tmpl(l, "proxy_cookie_flags", d.cookie, &r.cookie)
	}
	for i, f := range d.flags {
		c.tmpl(l, "proxy_cookie_flags", f, &r.flags[i])
	}
	return r
}

// Cookie flag bits, as ngx_http_proxy_cookie_flags_masks.
const (
	flagSecure uint16 = 1 << iota
	flagNoSecure
	flagHTTPOnly
	flagNoHTTPOnly
	flagStrict
	flagLax
	flagNone
	flagNoSameSite
)

var cookieFlagNames = map[string]uint16{
	"secure": flagSecure, "nosecure": flagNoSecure,
	"httponly": flagHTTPOnly, "nohttponly": flagNoHTTPOnly,
	"samesite=strict": flagStrict, "samesite=lax": flagLax, "samesite=none": flagNone,
	"nosamesite": flagNoSameSite,
}

// cookieFlags returns the flags of the first proxy_cookie_flags rule that
// names the cookie; unknown flags are ignored, as nginx ignores them at
// run time.
func (st *reqState) cookieFlags(rc *responseConf, name string) uint16 {
	for _, r := range rc.cookieFlags {
		if r.re != nil {
			ok, idx := r.re.match(name)
			if !ok {
				continue
			}
			st.setCaptures(name, idx, r.re)
		} else if !strings.EqualFold(r.cookie.string(st), name) {
			continue
		}
		var f uint16
		for _, t := range r.flags {
			f |= cookieFlagNames[strings.ToLower(t.string(st))]
		}
		return f
	}
	return 0
}

// editCookieFlags is ngx_http_proxy_edit_cookie_flags: flags already
// present stay where they are (SameSite gets the wanted value), removed
// ones go, and missing ones are appended as Secure, HttpOnly, SameSite.
func editCookieFlags(attrs []cookieAttr, f uint16) []cookieAttr {
	for i := 1; i < len(attrs); i++ {
		a := &attrs[i]
		switch {
		case strings.EqualFold(a.key, "secure"):
			if f&flagSecure != 0 {
				f &^= flagSecure
			} else if f&flagNoSecure != 0 {
				a.drop = true
			}
		case strings.EqualFold(a.key, "httponly"):
			if f&flagHTTPOnly != 0 {
				f &^= flagHTTPOnly
			} else if f&flagNoHTTPOnly != 0 {
				a.drop = true
			}
		case strings.EqualFold(a.key, "samesite"):
			want := ""
			switch {
			case f&flagStrict != 0:
				f, want = f&^flagStrict, "Strict"
			case f&flagLax != 0:
				f, want = f&^flagLax, "Lax"
			case f&flagNone != 0:
				f, want = f&^flagNone, "None"
			case f&flagNoSameSite != 0:
				a.drop = true
			}
			if want != "" && !strings.EqualFold(a.value, want) {
				*a = cookieAttr{key: "SameSite", value: want, hasValue: true}
			}
		}
	}
	if f&flagSecure != 0 {
		attrs = append(attrs, cookieAttr{key: "Secure"})
	}
	if f&flagHTTPOnly != 0 {
		attrs = append(attrs, cookieAttr{key: "HttpOnly"})
	}
	switch {
	case f&flagStrict != 0:
		attrs = append(attrs, cookieAttr{key: "SameSite", value: "Strict", hasValue: true})
	case f&flagLax != 0:
		attrs = append(attrs, cookieAttr{key: "SameSite", value: "Lax", hasValue: true})
	case f&flagNone != 0:
		attrs = append(attrs, cookieAttr{key: "SameSite", value: "None", hasValue: true})
	}
	return attrs
}

// errDuplicate is nginx's "directive is duplicate".
var errDuplicate = errors.New("is duplicate")

// ProxyRedirect mirrors "proxy_redirect redirect replacement": an
// upstream Location header, or the URL of a Refresh header, that starts
// with redirect has that part replaced by replacement. A redirect
// starting with "~" (case-sensitive) or "~*" (caseless) is a regex that
// must match and is replaced whole; replacement may use its captures ($1
// …). Both may use variables. Several rules are tried in order.
//
// A Location that was rewritten to a relative URI is made absolute when
// [AbsoluteRedirect] is on (the default); one that no rule matched is
// passed as received. Without any ProxyRedirect (here or in an enclosing
// level), [ProxyRedirectDefault] applies.
func ProxyRedirect(redirect, replacement string) Directive {
	return redirectDirective(rewriteDef{pattern: redirect, replacement: replacement})
}

// ProxyRedirectDefault mirrors "proxy_redirect default": the location's
// proxy_pass URL, as written, is replaced by the location's name
// ("http://app/x/" by "/loc/"); a proxy_pass without URI maps "URL/" to
// "/". It is what a location gets when no level declares proxy_redirect,
// and is an error where the location has no proxy_pass. As in nginx, the
// URL is compared literally: an upstream naming itself differently
// ("http://app:80/") is not rewritten.
func ProxyRedirectDefault() Directive {
	return redirectDirective(rewriteDef{isDefault: true})
}

func redirectDirective(d rewriteDef) Directive {
	return respDirective("proxy_redirect", func(c *responseConfSet) error {
		if c.redirectOff {
			return errDuplicate
		}
		c.redirects = append(c.redirects, d)
		return nil
	})
}

// ProxyRedirectOff mirrors "proxy_redirect off": Location and Refresh
// pass unchanged, and nested levels inherit that.
func ProxyRedirectOff() Directive {
	return respDirective("proxy_redirect", func(c *responseConfSet) error {
		if c.redirectOff || c.redirects != nil {
			return errDuplicate
		}
		c.redirectOff = true
		return nil
	})
}

// ruleList adds a rule to a proxy_cookie_* list, nil meaning unset and
// empty meaning "off".
func ruleList[T any](list *[]T, rule T) error {
	if *list != nil && len(*list) == 0 {
		return errDuplicate
	}
	*list = append(*list, rule)
	return nil
}

func ruleListOff[T any](list *[]T) error {
	if *list != nil {
		return errDuplicate
	}
	*list = []T{}
	return nil
}

// ProxyCookieDomain mirrors "proxy_cookie_domain domain replacement": the
// domain attribute of upstream Set-Cookie headers equal to domain
// (caseless, leading dots ignored) becomes replacement. A domain starting
// with "~" is a caseless regex replaced whole. Both may use variables;
// rules are tried in order.
func ProxyCookieDomain(domain, replacement string) Directive {
	return respDirective("proxy_cookie_domain", func(c *responseConfSet) error {
		return ruleList(&c.cookieDomains, rewriteDef{pattern: domain, replacement: replacement})
	})
}

// ProxyCookieDomainOff mirrors "proxy_cookie_domain off" (the default):
// no rules, and none inherited.
func ProxyCookieDomainOff() Directive {
	return respDirective("proxy_cookie_domain", func(c *responseConfSet) error { return ruleListOff(&c.cookieDomains) })
}

// ProxyCookiePath mirrors "proxy_cookie_path path replacement": the path
// attribute of upstream Set-Cookie headers starting with path has that
// part replaced ("~" and "~*" make regexes replaced whole). Both may use
// variables; rules are tried in order.
func ProxyCookiePath(path, replacement string) Directive {
	return respDirective("proxy_cookie_path", func(c *responseConfSet) error {
		return ruleList(&c.cookiePaths, rewriteDef{pattern: path, replacement: replacement})
	})
}

// ProxyCookiePathOff mirrors "proxy_cookie_path off" (the default).
func ProxyCookiePathOff() Directive {
	return respDirective("proxy_cookie_path", func(c *responseConfSet) error { return ruleListOff(&c.cookiePaths) })
}

// ProxyCookieFlags mirrors "proxy_cookie_flags cookie flag ...": the
// upstream cookie named cookie (caseless; "~" makes a caseless regex)
// gets the flags "secure", "httponly", "samesite=strict", "samesite=lax"
// and "samesite=none" added, or "nosecure", "nohttponly", "nosamesite"
// removed. One to three flags, which may use variables; unknown flags are
// ignored, as nginx does.
func ProxyCookieFlags(cookie string, flags ...string) Directive {
	return respDirective("proxy_cookie_flags", func(c *responseConfSet) error {
		if len(flags) == 0 {
			return fmt.Errorf("invalid parameter %q", cookie)
		}
		if len(flags) > 3 {
			return errors.New("invalid number of arguments")
		}
		return ruleList(&c.cookieFlags, cookieFlagsDef{cookie: cookie, flags: flags})
	})
}

// ProxyCookieFlagsOff mirrors "proxy_cookie_flags off" (the default).
func ProxyCookieFlagsOff() Directive {
	return respDirective("proxy_cookie_flags", func(c *responseConfSet) error { return ruleListOff(&c.cookieFlags) })
}
