package frontdesk

// The rewrite module (rewrite, return, set, if, break) and map, as nginx
// runs them.
//
// Each level has a script: the server's runs before location selection
// (nginx's server rewrite phase), a location's after it. Directives run in
// order. "rewrite … last", or a script that changed $uri and ran to its
// end, selects the location again for the new URI (at most ten times, then
// 500); "break" and "rewrite … break" stop the script and stay in the
// location; return, and rewrites to a redirect, answer at once.
//
// "if" in a location is nginx's hidden nested location: when its condition
// holds, the request continues with the if block's configuration (its
// handler, headers and directives, inheriting the rest from the location),
// and the script goes on after the block. nginx's surprises follow from
// that and are reproduced: try_files is not inherited into an if block,
// and with two true ifs the last one's configuration wins.

import (
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/frontdesk-go/frontdesk/internal/uri"
)

// RewriteFlag is the flag of nginx's rewrite directive.
type RewriteFlag int

const (
	// RewriteNext, nginx's rewrite without a flag: the next directives
	// run, then the location is selected again for the new URI.
	RewriteNext RewriteFlag = iota
	// RewriteLast stops the script and selects the location again.
	RewriteLast
	// RewriteBreak stops the script and stays in the current location.
	RewriteBreak
	// RewriteRedirect answers 302 with the replacement.
	RewriteRedirect
	// RewritePermanent answers 301 with the replacement.
	RewritePermanent
)

// scriptDef is a rewrite-module directive as declared.
type scriptDef struct {
	kind        scriptKind
	regex       string
	caseless    bool
	replacement string
	flag        RewriteFlag
	name        string // set: the variable
	value       string // set: the value; if: the condition
	ret         *ReturnHandler
	ifBlock     *ifBlock
}

type scriptKind uint8

const (
	opRewrite scriptKind = iota
	opReturn
	opSet
	opBreak
	opIf
)

// scriptOp is a compiled rewrite-module directive.
type scriptOp struct {
	kind scriptKind
	re   *nginxRegexp
	repl *template
	flag RewriteFlag
	// redirect: the replacement starts with http://, https:// or $scheme.
	redirect bool
	// addArgs: the original arguments are appended (the replacement does
	// not end with "?").
	addArgs bool
	name    string
	value   *template
	code    int
	cond    *condition
	ifLoc   *location
	body    []scriptOp
}

func scriptDirective(name string, def scriptDef) Directive {
	return directive(name, func(c *confSet) error {
		c.script = append(c.script, def)
		return nil
	})
}

// Rewrite mirrors nginx's rewrite: when regex matches $uri, the URI
// becomes replacement (with $1… captures); see [RewriteFlag]. A
// replacement starting with "http://", "https://" or "$scheme" redirects.
// Arguments in the replacement come first and the request's are appended
// unless the replacement ends with "?".
func Rewrite(regex, replacement string, flag RewriteFlag) Directive {
	if flag < RewriteNext || flag > RewritePermanent {
		return directive("rewrite", func(*confSet) error { return fmt.Errorf("invalid flag %d", flag) })
	}
	return scriptDirective("rewrite", scriptDef{kind: opRewrite, regex: regex, replacement: replacement, flag: flag})
}

// Set mirrors nginx's set: assigns a value (with variables) to a variable
// that templates may then read as $name. Of the built-in variables only
// $args may be set, as in nginx: it replaces the request's arguments.
func Set(variable, value string) Directive {
	name := strings.TrimPrefix(variable, "$")
	return directive("set", func(c *confSet) error {
		if name == "" || name == variable || !validVarName(name) {
			return fmt.Errorf("invalid variable name %q", variable)
		}
		if _, builtin := variables[strings.ToLower(name)]; builtin && !settable[strings.ToLower(name)] {
			return fmt.Errorf("the duplicate %q variable", name)
		}
		c.script = append(c.script, scriptDef{kind: opSet, name: strings.ToLower(name), value: value})
		return nil
	})
}

// settable are the built-in variables nginx 1.22.1's set may assign
// (NGX_HTTP_VAR_CHANGEABLE with a set handler): "set $args …" replaces
// the request's arguments, which $arg_NAME, $is_args, a later rewrite
// and proxy_pass then see.
var settable = map[string]bool{"args": true}

func validVarName(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isVarChar(s[i]) {
			return false
		}
	}
	return true
}

// Break mirrors nginx's break: the rest of the level's rewrite directives
// are skipped.
func Break() Directive {
	return scriptDirective("break", scriptDef{kind: opBreak})
}

type ifBlock struct {
	cond    string
	handler http.Handler
	opts    []LocationOption
}

// If mirrors nginx's if. condition is what nginx writes inside the
// parentheses: "$var", "$var = value", "$var != value", "$var ~ regex"
// (also ~*, !~, !~*), "-f $path" (also -d, -e, -x, and negated with !).
// In a location, a true condition switches the request to the block's
// configuration: handler (nil keeps the location's) and opts, inheriting
// the rest, as nginx's implicit nested location does. A [Return] given as
// handler answers at once, as return inside if does in nginx. At server
// level only rewrite-module directives (and such a Return) take effect.
func If(condition string, handler http.Handler, opts ...LocationOption) Directive {
	b := &ifBlock{cond: condition, handler: handler, opts: opts}
	return scriptDirective("if", scriptDef{kind: opIf, value: condition, ifBlock: b})
}

// condition is a compiled if condition.
type condition struct {
	src    string // as written, for Trace
	op     string // "", "=", "!=", "~", "~*", "!~", "!~*", "-f", "!-f", …
	subj   *template
	value  *template
	re     *nginxRegexp
	negate bool
}

func (c *compiler) compileCondition(l *location, src string) *condition {
	src = strings.TrimSpace(src)
	cond := &condition{src: src}
	fields := strings.Fields(src)
	if len(fields) == 0 {
		c.errorf(l.pattern, "if", "invalid condition %q", src)
		return nil
	}
	switch f := fields[0]; {
	case f == "-f" || f == "-d" || f == "-e" || f == "-x" || f == "!-f" || f == "!-d" || f == "!-e" || f == "!-x":
		if len(fields) != 2 {
			c.errorf(l.pattern, "if", "invalid condition %q", src)
			return nil
		}
		cond.op, cond.negate = strings.TrimPrefix(f, "!"), strings.HasPrefix(f, "!")
		c.tmpl(l, "if", unquote(fields[1]), &cond.subj)
		return cond
	case !strings.HasPrefix(f, "$"):
		c.errorf(l.pattern, "if", "invalid condition %q", src)
		return nil
	}
	c.tmpl(l, "if", fields[0], &cond.subj)
	if len(fields) == 1 {
		return cond
	}
	op := fields[1]
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(src, fields[0])), op))
	rest = unquote(rest)
	switch op {
	case "=", "!=":
		cond.op = op
		c.tmpl(l, "if", rest, &cond.value)
	case "~", "~*", "!~", "!~*":
		cond.op, cond.negate = strings.TrimPrefix(op, "!"), strings.HasPrefix(op, "!")
		re, err := compileRegex(rest, strings.HasSuffix(op, "*"))
		if err != nil {
			c.errorf(l.pattern, "if", "%v", err)
			return nil
		}
		cond.re = re
		c.addCaptureNames(re)
	default:
		c.errorf(l.pattern, "if", "unexpected %q in condition", op)
		return nil
	}
	return cond
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

func (cond *condition) eval(st *reqState) bool {
	subj := cond.subj.string(st)
	var ok bool
	switch cond.op {
	case "":
		ok = subj != "" && subj != "0"
	case "=":
		ok = subj == cond.value.string(st)
	case "!=":
		ok = subj != cond.value.string(st)
	case "~", "~*":
		ok = st.matchRegex(cond.re, subj)
		if !ok {
			st.clearCaptures()
		}
	case "-f", "-d", "-e", "-x":
		info, err := os.Stat(subj)
		switch cond.op {
		case "-f":
			ok = err == nil && info.Mode().IsRegular()
		case "-d":
			ok = err == nil && info.IsDir()
		case "-e":
			ok = err == nil
		case "-x":
			// nginx's ngx_is_exec tests S_IXUSR alone: a directory
			// (searchable) counts as executable.
			ok = err == nil && info.Mode()&0o100 != 0
		}
	}
	return ok != cond.negate
}

// compileScript compiles a level's rewrite directives. l is the level's
// location (the server's pseudo-location at server level); parentConf is
// what an if block inherits.
func (c *compiler) compileScript(l *location, defs []scriptDef, parentConf *confSet) []scriptOp {
	// Sized up front: templates are compiled later into these elements,
	// so the slice must never move.
	ops := make([]scriptOp, len(defs))
	for i, d := range defs {
		op := &ops[i]
		*op = scriptOp{kind: d.kind, flag: d.flag, name: d.name}
		switch d.kind {
		case opRewrite:
			re, err := compileRegex(d.regex, d.caseless)
			if err != nil {
				c.errorf(l.pattern, "rewrite", "%v", err)
				continue
			}
			c.addCaptureNames(re)
			op.re = re
			repl := d.replacement
			op.redirect = strings.HasPrefix(repl, "http://") || strings.HasPrefix(repl, "https://") || strings.HasPrefix(repl, "$scheme")
			op.addArgs = true
			if strings.HasSuffix(repl, "?") {
				repl, op.addArgs = repl[:len(repl)-1], false
			}
			c.tmpl(l, "rewrite", repl, &op.repl)
		case opReturn:
			op.code = d.ret.code
			if op.code < 0 || op.code > 999 {
				c.errorf(l.pattern, "return", "invalid return code \"%d\"", op.code)
			}
			c.tmpl(l, "return", d.ret.text, &op.value)
		case opSet:
			c.scope.set[d.name] = true
			c.tmpl(l, "set", d.value, &op.value)
		case opIf:
			op.cond = c.compileCondition(l, d.value)
			op.ifLoc, op.body = c.buildIf(l, d.ifBlock, parentConf)
		}
	}
	return ops
}

// buildIf compiles an if block as nginx's nested "if" location.
func (c *compiler) buildIf(parent *location, b *ifBlock, parentConf *confSet) (*location, []scriptOp) {
	l := &location{name: parent.name, pattern: parent.pattern, kind: parent.kind, parent: parent, re: parent.re}
	lb := &locBuilder{}
	for _, o := range b.opts {
		if o == nil {
			continue
		}
		if err := o.applyLocation(lb); err != nil {
			c.wrap(parent.pattern, err)
		}
	}
	if len(lb.nested) > 0 {
		c.errorf(parent.pattern, "if", "\"location\" directive is not allowed here")
	}
	merged := lb.conf.inherit(parentConf)
	merged.tryFiles = nil
	script := merged.script
	merged.script = nil
	handler := b.handler
	if rh, ok := handler.(*ReturnHandler); ok {
		// "if (…) { return …; }": return is a rewrite-phase directive and
		// answers at once, before try_files or any content handler.
		script = append([]scriptDef{{kind: opReturn, ret: rh}}, script...)
		handler = nil
	}
	l.conf = c.compileConf(l, &merged)
	if handler != nil {
		l.handler = c.bindHandler(l, handler)
	} else if parent.handler != nil {
		l.handler = parent.handler
	} else {
		l.handler = c.bindHandler(l, nil)
	}
	l.internal = parent.internal
	return l, c.compileScript(l, script, &merged)
}

type scriptResult uint8

const (
	scriptDone     scriptResult = iota // ran to its end
	scriptStop                         // break or rewrite … break
	scriptLast                         // rewrite … last: select the location again
	scriptAnswered                     // a response was sent
)

// runScript runs a level's rewrite directives. At location level, an if
// block that holds switches the request's location configuration.
func (st *reqState) runScript(ops []scriptOp, locationLevel bool) scriptResult {
	for i := range ops {
		op := &ops[i]
		switch op.kind {
		case opRewrite:
			if op.re == nil {
				continue
			}
			from, args := st.uri, st.args
			r, done := st.runRewrite(op)
			if st.srv.proxy.trace != nil {
				st.traceRewrite(op, from, args, r)
			}
			if done {
				return r
			}
		case opReturn:
			if st.srv.proxy.trace != nil {
				st.traceScript(op, TraceStep{Kind: TraceReturn, Status: op.code, Value: op.value.string(st)})
			}
			st.serveReturn(op.code, op.value)
			return scriptAnswered
		case opSet:
			v := op.value.string(st)
			if st.srv.proxy.trace != nil {
				st.traceScript(op, TraceStep{Kind: TraceSet, Variable: op.name, Value: v})
			}
			if op.name == "args" {
				// ngx_http_variable_set_args: the client's
				// request-target no longer stands for the request, so
				// proxy_pass builds it from $uri and the new args.
				st.args, st.hasArgs = v, v != ""
				st.uriRedirected = true
				continue
			}
			st.setVar(op.name, v)
		case opBreak:
			if st.srv.proxy.trace != nil {
				st.traceScript(op, TraceStep{Kind: TraceBreak})
			}
			return scriptStop
		case opIf:
			if op.cond == nil {
				continue
			}
			held := op.cond.eval(st)
			if st.srv.proxy.trace != nil {
				st.traceScript(op, TraceStep{Kind: TraceIf, Directive: "if (" + op.cond.src + ")", Matched: held})
			}
			if !held {
				continue
			}
			if locationLevel {
				st.loc = op.ifLoc
			}
			if r := st.runScript(op.body, locationLevel); r != scriptDone {
				return r
			}
		}
	}
	return scriptDone
}

// runRewrite applies one rewrite; done reports that the script ends here.
func (st *reqState) runRewrite(op *scriptOp) (scriptResult, bool) {
	if !st.matchRegex(op.re, st.uri) {
		st.clearCaptures()
		return scriptDone, false
	}
	redirect := op.redirect || op.flag == RewriteRedirect || op.flag == RewritePermanent
	repl, argsAt := st.expandReplacement(op.repl, redirect)
	newURI, newArgs, hasArgs := repl, "", false
	if argsAt >= 0 {
		newURI, newArgs, hasArgs = repl[:argsAt], repl[argsAt+1:], true
	}
	if op.addArgs && st.args != "" {
		if hasArgs {
			newArgs += "&" + st.args
		} else {
			newArgs, hasArgs = st.args, true
		}
	}
	if redirect {
		// The Location is the replacement as it expanded, unescaped as
		// nginx unescapes it for a redirect, with the request's
		// arguments after it.
		loc := unescapeRedirect(repl)
		if op.addArgs && st.args != "" {
			sep := "?"
			if argsAt >= 0 {
				sep = "&"
			}
			loc += sep + st.args
		}
		code := http.StatusFound
		if op.flag == RewritePermanent {
			code = http.StatusMovedPermanently
		}
		st.redirectTo(code, loc, false)
		return scriptAnswered, true
	}
	st.uri, st.args, st.hasArgs = newURI, newArgs, hasArgs && newArgs != ""
	st.internal = true
	switch op.flag {
	case RewriteLast:
		st.uriChanged = true
		return scriptLast, true
	case RewriteBreak:
		// The URI no longer matches the location's name: proxy_pass with
		// a URI part then sends the whole new URI, and alias refuses.
		st.rewrittenInPlace = true
		return scriptStop, true
	}
	st.uriChanged = true
	return scriptDone, false
}

// clearCaptures forgets $1…$9 after a rewrite or if regex that did not
// match, as nginx's script engine does (it sets r->ncaptures to 0, with
// or without groups in the regex); a location or map regex that does not
// match leaves them alone, and named captures always stay.
func (st *reqState) clearCaptures() {
	st.caps = nil
}

// expandReplacement expands a rewrite replacement as nginx's script
// engine does. The first literal "?" starts the arguments (argsAt is its
// index, -1 without one): a "?" that comes from a capture or a variable
// (a decoded "%3F") stays in the URI. When the client's URI was escaped
// or held a "+" (nginx's quoted_uri and plus_in_uri), captures copied
// into the arguments, or anywhere into a redirect, are escaped again so
// that what was decoded for matching is sent as it came.
func (st *reqState) expandReplacement(t *template, redirect bool) (string, int) {
	escape := st.target.Escaped || strings.IndexByte(st.target.Path, '+') >= 0
	if len(t.prime) > 0 {
		t.primeMaps(st)
	}
	// A fresh buffer: getters such as $request_filename use st.scratch.
	var buf []byte
	argsAt := -1
	for i := range t.parts {
		p := &t.parts[i]
		switch {
		case p.get != nil:
			buf = p.get(st, p.arg, buf)
		case p.capture >= 0:
			if escape && (redirect || argsAt >= 0) {
				buf = uri.AppendEscape(buf, string(st.appendCapture(nil, p.capture)), uri.EscapeArgs)
			} else {
				buf = st.appendCapture(buf, p.capture)
			}
		case p.arg != "":
			buf = st.appendNamedCapture(buf, p.arg)
		default:
			if j := strings.IndexByte(p.lit, '?'); j >= 0 && argsAt < 0 {
				argsAt = len(buf) + j
			}
			buf = append(buf, p.lit...)
		}
	}
	return string(buf), argsAt
}

// unescapeRedirect is nginx's ngx_unescape_uri with
// NGX_UNESCAPE_REDIRECT, which a rewrite to a redirect applies to its
// expanded replacement: up to the first literal "?", an escape of a
// printable byte above "%" is decoded ("%3F" becomes "?") and any other
// escape stays as it is ("%20"); a malformed escape loses its "%" (and a
// second bad digit), as in nginx.
func unescapeRedirect(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == '?' {
			return string(append(b, s[i:]...))
		}
		if ch != '%' {
			b = append(b, ch)
			continue
		}
		if i+1 >= len(s) {
			break
		}
		hi, ok := unhex(s[i+1])
		if !ok {
			b = append(b, s[i+1])
			i++
			continue
		}
		if i+2 >= len(s) {
			break
		}
		lo, ok := unhex(s[i+2])
		if !ok {
			i += 2
			continue
		}
		if c := hi<<4 | lo; c > '%' && c < 0x7f {
			b = append(b, c)
		} else {
			b = append(b, s[i:i+3]...)
		}
		i += 2
	}
	return string(b)
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return (c | 0x20) - 'a' + 10, true
	}
	return 0, false
}

func (st *reqState) setVar(name, value string) {
	if st.vars == nil {
		st.vars = map[string]string{}
	}
	st.vars[name] = value
}

func varSet(st *reqState, name string, d []byte) []byte {
	return append(d, st.vars[name]...)
}

// MapEntry is one line of an nginx map block: Key is an exact value,
// "default", a "~regex" or "~*regex" (and with hostnames, "*.example.com"
// or "www.example.*"); Value may use variables and the key's captures.
type MapEntry struct {
	Key, Value string
}

// Map mirrors nginx's map: $variable is computed from source (a string
// with variables) by the table, lazily and once per request (or at every
// use with the "volatile" flag); "hostnames" allows wildcard keys. Exact
// keys match case-insensitively, as nginx's map does; the default value is
// "" unless a "default" entry says otherwise. Map is an http-level option.
func Map(source, variable string, entries []MapEntry, flags ...string) Option {
	name := strings.ToLower(strings.TrimPrefix(variable, "$"))
	m := &mapDef{source: source, name: name, entries: entries}
	var err error
	if name == "" || name == strings.ToLower(variable) || !validVarName(name) {
		err = fmt.Errorf("map: invalid variable name %q", variable)
	}
	for _, f := range flags {
		switch f {
		case "hostnames":
			m.hostnames = true
		case "volatile":
			m.volatile = true
		default:
			err = fmt.Errorf("map: invalid flag %q", f)
		}
	}
	return serverOption(func(s *serverBuilder) error {
		if err != nil {
			return err
		}
		// The same map given to several virtual servers is one map.
		s.maps = append(s.maps, m)
		return nil
	})
}

type mapDef struct {
	source, name        string
	entries             []MapEntry
	hostnames, volatile bool
}

// mapVariable is a compiled map.
type mapVariable struct {
	name   string
	source *template
	exact  map[string]*template
	// Pointers: value templates are compiled later into these elements.
	wildStart []*wildValue
	wildEnd   []*wildValue
	regexes   []*mapRegex
	def       *template
	volatile  bool
}

type wildValue struct {
	part  string
	value *template
}

type mapRegex struct {
	re    *nginxRegexp
	value *template
}

func (c *compiler) declareMap(d *mapDef) {
	if c.scope.maps[d.name] != nil {
		c.errorf("", "map", "duplicate map variable %q", d.name)
		return
	}
	m := &mapVariable{name: d.name, exact: map[string]*template{}, volatile: d.volatile}
	c.scope.maps[d.name] = m
	loc := &location{pattern: ""}
	c.tmpl(loc, "map", d.source, &m.source)
	for _, e := range d.entries {
		var dst **template
		// A leading backslash makes the rest a plain key, as nginx's map
		// reads "\~tilde" or "\default" (after the default and regex
		// checks, so the escaped key is never either).
		k, escaped := e.Key, false
		if strings.HasPrefix(k, `\`) {
			k, escaped = k[1:], true
		}
		switch {
		case k == "default" && !escaped:
			dst = &m.def
		case strings.HasPrefix(k, "~") && !escaped:
			caseless := strings.HasPrefix(k, "~*")
			re, err := compileRegex(strings.TrimPrefix(strings.TrimPrefix(k, "~"), "*"), caseless)
			if err != nil {
				c.errorf("", "map", "%v", err)
				continue
			}
			c.addCaptureNames(re)
			m.regexes = append(m.regexes, &mapRegex{re: re})
			dst = &m.regexes[len(m.regexes)-1].value
		case d.hostnames && (strings.HasPrefix(k, "*.") || strings.HasPrefix(k, ".")):
			if strings.HasPrefix(k, ".") {
				// ".example.com" is "example.com" and "*.example.com".
				m.setExact(c, loc, k[1:], e.Value)
			}
			m.wildStart = append(m.wildStart, &wildValue{part: strings.ToLower(strings.TrimPrefix(k, "*"))})
			dst = &m.wildStart[len(m.wildStart)-1].value
		case d.hostnames && strings.HasSuffix(k, ".*"):
			m.wildEnd = append(m.wildEnd, &wildValue{part: strings.ToLower(strings.TrimSuffix(k, "*"))})
			dst = &m.wildEnd[len(m.wildEnd)-1].value
		default:
			if _, dup := m.exact[strings.ToLower(k)]; dup {
				c.errorf("", "map", "duplicate map key %q", k)
				continue
			}
			m.setExact(c, loc, k, e.Value)
			continue
		}
		c.tmpl(loc, "map", e.Value, dst)
	}
}

// setExact declares an exact key; its value template is compiled with
// the others once every variable is declared.
func (m *mapVariable) setExact(c *compiler, loc *location, key, value string) {
	key = strings.ToLower(key)
	t := new(*template)
	c.tmpl(loc, "map", value, t)
	m.exact[key] = nil
	c.later(func() { m.exact[key] = *t })
}

// get evaluates the map for the request, caching the result unless the
// map is volatile.
func (m *mapVariable) get(st *reqState, _ string, d []byte) []byte {
	if !m.volatile {
		if v, ok := st.mapCache[m]; ok {
			return append(d, v...)
		}
	}
	v := m.eval(st)
	if !m.volatile {
		if st.mapCache == nil {
			st.mapCache = map[*mapVariable]string{}
		}
		st.mapCache[m] = v
	}
	return append(d, v...)
}

func (m *mapVariable) eval(st *reqState) string {
	src := m.source.string(st)
	key := strings.ToLower(src)
	if t, ok := m.exact[key]; ok && t != nil {
		return t.string(st)
	}
	if key != "" {
		best := -1
		for i, w := range m.wildStart {
			if strings.HasSuffix(key, w.part) && (best < 0 || len(w.part) > len(m.wildStart[best].part)) {
				best = i
			}
		}
		if best >= 0 {
			return m.wildStart[best].value.string(st)
		}
		for i, w := range m.wildEnd {
			if strings.HasPrefix(key, w.part) && (best < 0 || len(w.part) > len(m.wildEnd[best].part)) {
				best = i
			}
		}
		if best >= 0 {
			return m.wildEnd[best].value.string(st)
		}
	}
	for _, r := range m.regexes {
		if st.matchRegex(r.re, src) {
			return r.value.string(st)
		}
	}
	if m.def != nil {
		return m.def.string(st)
	}
	return ""
}

// traceScript completes a rewrite-module step with the location and the
// URI it ran on, and reports it.
func (st *reqState) traceScript(op *scriptOp, step TraceStep) {
	step.Location, step.URI, step.Args = st.tracePattern(), st.uri, st.args
	if step.Directive == "" {
		step.Directive = op.directive()
	}
	st.srv.proxy.trace(st.r, step)
}

// traceRewrite reports a rewrite that ran on from?args with result r.
func (st *reqState) traceRewrite(op *scriptOp, from, args string, r scriptResult) {
	step := TraceStep{Kind: TraceRewrite, Location: st.tracePattern(), Directive: op.directive(), URI: from, Args: args}
	step.Matched, _ = op.re.match(from)
	switch {
	case r == scriptAnswered:
		step.Status, step.Value = st.w.status, st.w.Header().Get("Location")
	case step.Matched:
		step.NewURI, step.NewArgs = st.uri, st.args
	}
	st.srv.proxy.trace(st.r, step)
}

var rewriteFlags = [...]string{"", " last", " break", " redirect", " permanent"}

// directive writes op back as nginx.conf would.
func (op *scriptOp) directive() string {
	switch op.kind {
	case opRewrite:
		repl := op.repl.raw
		if !op.addArgs {
			repl += "?"
		}
		return "rewrite " + op.re.source + " " + repl + rewriteFlags[op.flag]
	case opReturn:
		if op.value == nil || op.value.raw == "" {
			return fmt.Sprintf("return %d", op.code)
		}
		return fmt.Sprintf("return %d %s", op.code, op.value.raw)
	case opSet:
		return "set $" + op.name + " " + op.value.raw
	case opBreak:
		return "break"
	}
	return "if (" + op.cond.src + ")"
}
