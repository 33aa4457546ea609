package frontdesk

// Location selection, as nginx's ngx_http_core_find_location does it.
//
// Locations are searched level by level: first the server's locations, then
// recursively those nested inside the chosen one. On one level:
//
//  1. Literal names (plain prefix, "^~" and "=") are compared byte for byte.
//     A URI equal to an "=" name ends the search at once: no regex, no
//     nesting.
//  2. A URI one byte shorter than a prefix location ending in "/" whose
//     handler asks for it (proxy_pass and friends) is answered with a 301 to
//     the location's name (nginx's auto_redirect).
//  3. Otherwise the longest prefix location whose name starts the URI is
//     remembered and its nested locations are searched; a match there wins.
//  4. Unless the remembered prefix carries "^~", the level's regex locations
//     ("~" case-sensitive, "~*" caseless) are tried in configuration order;
//     the first match wins and its nested locations are searched in turn.
//  5. Failing that, the remembered prefix (or its deepest nested prefix) is
//     used.
//
// Named locations ("@name") are never found by the search: only try_files,
// error_page and internal redirects reach them.
//
// All tables are built once in New; the search allocates nothing for
// literal locations and only the capture slice for regex locations with
// groups.

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"runtime"
	"sort"
	"strings"

	"github.com/dlclark/regexp2"
)

type locKind uint8

const (
	kindPrefix  locKind = iota // location /p
	kindNoRegex                // location ^~ /p
	kindExact                  // location = /p
	kindRegex                  // location ~ re, location ~* re
	kindNamed                  // location @name
)

// LocationBlock is a location as declared with [Location]: a pattern in
// nginx syntax, the handler that produces its content, and its directives.
// It is an [Option] at server level and a [LocationOption] inside another
// location (nginx's nested locations). A LocationBlock is only a
// declaration; New compiles it, so one value must not be shared between
// two Proxies with different expectations.
type LocationBlock struct {
	pattern string
	handler http.Handler
	opts    []LocationOption
}

// Location declares an nginx location block.
//
// pattern is written as in nginx.conf: "/prefix", "= /exact", "^~ /prefix",
// "~ regex", "~* regex" or "@name"; the modifier may also be glued to the
// name ("=/exact", "~^/re"). handler produces the response; nil means
// nginx's default content, static files from the inherited root or alias
// (see [Root], [Alias]). Any [http.Handler] can be a target; the matched
// location, its captures and $uri are available to it through
// [RequestInfo].
//
// Regexes are nginx's PCRE patterns: they run on Go's regexp (RE2) when
// the pattern compiles there, and on a PCRE-compatible engine for the
// lookarounds and backreferences RE2 lacks.
func Location(pattern string, handler http.Handler, opts ...LocationOption) *LocationBlock {
	return &LocationBlock{pattern: pattern, handler: handler, opts: opts}
}

func (b *LocationBlock) applyServer(s *serverBuilder) error {
	s.locations = append(s.locations, b)
	return nil
}

func (b *LocationBlock) applyLocation(l *locBuilder) error {
	l.nested = append(l.nested, b)
	return nil
}

// location is a compiled location block.
type location struct {
	name     string // the name without modifier, as nginx keeps it
	pattern  string // as declared, for messages
	kind     locKind
	re       *nginxRegexp
	handler  http.Handler
	conf     *locConf
	parent   *location
	nested   *level
	internal bool
	// autoRedirect: a "/"-terminated prefix whose handler wants the
	// slashless URI redirected (nginx sets it for proxy_pass and friends).
	autoRedirect bool
	// except is what a limit_except block gives the methods outside
	// exceptAllowed (bindLimitExcept).
	except        *location
	exceptAllowed map[string]bool
}

// forMethod is the location a request with method is served by: l, or
// its limit_except block's configuration.
func (l *location) forMethod(method string) *location {
	if l.except != nil && !l.exceptAllowed[method] {
		return l.except
	}
	return l
}

// String names the location as nginx.conf would write it.
func (l *location) String() string { return l.pattern }

// level holds the locations declared side by side in one block.
type level struct {
	literal   map[string]*location // "=" names
	redirects map[string]*location // auto-redirect prefixes, keyed by name minus the final "/"
	prefixes  prefixTree
	regexes   []*location
}

type matchResult uint8

const (
	matchNone     matchResult = iota // NGX_DECLINED
	matchFinal                       // NGX_OK: exact or regex
	matchRedirect                    // NGX_DONE: auto-redirect
	matchPrefix                      // NGX_AGAIN: inclusive prefix
)

// find runs nginx's location search on this level for uri. Captures of a
// matching regex are stored in st.
func (lv *level) find(st *reqState, uri string) (*location, matchResult) {
	if l := lv.literal[uri]; l != nil {
		return l, matchFinal
	}
	if l := lv.redirects[uri]; l != nil {
		return l, matchRedirect
	}
	var found *location
	rc := matchNone
	noregex := false
	if l := lv.prefixes.longest(uri); l != nil {
		found, rc, noregex = l, matchPrefix, l.kind == kindNoRegex
		if l.nested != nil {
			nl, nrc := l.nested.find(st, uri)
			switch nrc {
			case matchFinal, matchRedirect:
				return nl, nrc
			case matchPrefix:
				found = nl
			}
		}
	}
	if noregex {
		return found, rc
	}
	for _, l := range lv.regexes {
		if !st.matchRegex(l.re, uri) {
			continue
		}
		if l.nested != nil {
			if nl, nrc := l.nested.find(st, uri); nrc != matchNone {
				return nl, matchFinal
			}
		}
		return l, matchFinal
	}
	return found, rc
}

// prefixTree is a radix tree of prefix location names for the
// longest-prefix search; lookups walk the URI once and allocate nothing.
type prefixTree struct {
	root prefixNode
}

type prefixNode struct {
	label    string
	loc      *location
	children []*prefixNode // sorted by first byte of label
}

func (t *prefixTree) insert(name string, loc *location) {
	n := &t.root
	for {
		if name == "" {
			n.loc = loc
			return
		}
		i := sort.Search(len(n.children), func(i int) bool { return n.children[i].label[0] >= name[0] })
		if i == len(n.children) || n.children[i].label[0] != name[0] {
			child := &prefixNode{label: name, loc: loc}
			n.children = append(n.children, nil)
			copy(n.children[i+1:], n.children[i:])
			n.children[i] = child
			return
		}
		c := n.children[i]
		common := commonPrefixLen(c.label, name)
		if common < len(c.label) {
			// Split the edge so that the shared part becomes its own node.
			split := &prefixNode{label: c.label[:common], children: []*prefixNode{c}}
			c.label = c.label[common:]
			n.children[i] = split
			c = split
		}
		n = c
		name = name[common:]
	}
}

func (t *prefixTree) longest(uri string) *location {
	n := &t.root
	best := n.loc
	for {
		if uri == "" {
			return best
		}
		var next *prefixNode
		for _, c := range n.children {
			if c.label[0] == uri[0] {
				next = c
				break
			}
		}
		if next == nil || !strings.HasPrefix(uri, next.label) {
			return best
		}
		uri = uri[len(next.label):]
		n = next
		if n.loc != nil {
			best = n.loc
		}
	}
}

func commonPrefixLen(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// parseLocationPattern splits an nginx location argument into kind and name,
// accepting both "= /x" and "=/x" as nginx does; a pattern starting with
// "/" or "@" is a name whole, spaces included.
func parseLocationPattern(pattern string) (kind locKind, caseless bool, name string, err error) {
	pattern = strings.TrimSpace(pattern)
	mod, rest, spaced := strings.Cut(pattern, " ")
	if spaced && (strings.HasPrefix(mod, "/") || strings.HasPrefix(mod, "@")) {
		// No modifier: a name with a space ("/a b"), which matches
		// the decoded URI as any other name does.
		mod, spaced = pattern, false
	}
	if spaced {
		name = strings.TrimLeft(rest, " ")
		switch mod {
		case "=":
			kind = kindExact
		case "^~":
			kind = kindNoRegex
		case "~":
			kind = kindRegex
		case "~*":
			kind, caseless = kindRegex, true
		default:
			return 0, false, "", fmt.Errorf("invalid location modifier %q", mod)
		}
	} else {
		name = mod
		switch {
		case strings.HasPrefix(name, "="):
			kind, name = kindExact, name[1:]
		case strings.HasPrefix(name, "^~"):
			kind, name = kindNoRegex, name[2:]
		case strings.HasPrefix(name, "~*"):
			kind, caseless, name = kindRegex, true, name[2:]
		case strings.HasPrefix(name, "~"):
			kind, name = kindRegex, name[1:]
		case strings.HasPrefix(name, "@"):
			kind = kindNamed
		default:
			kind = kindPrefix
		}
	}
	if name == "" {
		return 0, false, "", errors.New("empty location name")
	}
	return kind, caseless, name, nil
}

// buildLevel compiles sibling location blocks under parent (nil at server
// level), checking what nginx checks when it reads them.
func (c *compiler) buildLevel(parent *location, parentConf *confSet, blocks []*LocationBlock) *level {
	if len(blocks) == 0 {
		return nil
	}
	lv := &level{literal: map[string]*location{}, redirects: map[string]*location{}}
	exact := map[string]*location{}
	inclusive := map[string]*location{}
	for _, b := range blocks {
		l := c.buildLocation(parent, parentConf, b)
		if l == nil {
			continue
		}
		switch l.kind {
		case kindNamed:
			if parent != nil {
				c.errorf(b.pattern, "", "named location %q can be on the server level only", l.name)
				continue
			}
			if _, dup := c.named[l.name]; dup {
				// nginx accepts a second named location of a name and
				// always uses the first.
				c.warn(b.pattern, "", "duplicate named location %q: the first one is used", l.name)
				continue
			}
			c.named[l.name] = l
		case kindRegex:
			lv.regexes = append(lv.regexes, l)
		case kindExact:
			if _, dup := exact[l.name]; dup {
				c.errorf(b.pattern, "", "duplicate location %q", l.name)
				continue
			}
			exact[l.name] = l
		default:
			if _, dup := inclusive[l.name]; dup {
				c.errorf(b.pattern, "", "duplicate location %q", l.name)
				continue
			}
			inclusive[l.name] = l
			lv.prefixes.insert(l.name, l)
		}
	}
	for name, l := range inclusive {
		if l.autoRedirect && strings.HasSuffix(name, "/") {
			lv.redirects[name[:len(name)-1]] = l
		}
	}
	for name, l := range exact {
		lv.literal[name] = l
	}
	return lv
}

func (c *compiler) buildLocation(parent *location, parentConf *confSet, b *LocationBlock) *location {
	kind, caseless, name, err := parseLocationPattern(b.pattern)
	if err != nil {
		c.errorf(b.pattern, "", "%v", err)
		return nil
	}
	l := &location{name: name, pattern: b.pattern, kind: kind, parent: parent}
	if parent != nil {
		switch {
		case parent.kind == kindExact:
			c.errorf(b.pattern, "", "location %q cannot be inside the exact location %q", name, parent.name)
			return nil
		case parent.kind == kindNamed:
			c.errorf(b.pattern, "", "location %q cannot be inside the named location %q", name, parent.name)
			return nil
		case kind != kindRegex && kind != kindNamed && !strings.HasPrefix(name, parent.name):
			c.errorf(b.pattern, "", "location %q is outside location %q", name, parent.name)
			return nil
		}
	}
	if kind == kindRegex {
		re, err := compileRegex(name, caseless)
		if err != nil {
			c.errorf(b.pattern, "", "%v", err)
			return nil
		}
		l.re = re
		c.addCaptureNames(re)
	}
	lb := &locBuilder{conf: confSet{}}
	if s, ok := b.handler.(*staticHandler); ok {
		// Static(dir, opts...) is the alias directive plus static content:
		// its directives belong to the location.
		lb.opts = append(lb.opts, s.directives()...)
	}
	for _, o := range b.opts {
		if o == nil {
			continue
		}
		if err := o.applyLocation(lb); err != nil {
			c.wrap(b.pattern, err)
		}
	}
	for _, o := range lb.opts {
		if err := o.applyLocation(lb); err != nil {
			c.wrap(b.pattern, err)
		}
	}
	l.internal = lb.internal
	if kind == kindNamed && lb.conf.alias != nil {
		c.errorf(b.pattern, "alias", "\"alias\" directive is not allowed here")
	}
	if lb.conf.alias != nil && lb.conf.root != nil {
		c.errorf(b.pattern, "alias", "\"alias\" directive is duplicate, \"root\" directive was specified earlier")
	}
	if lb.conf.alias != nil {
		lb.conf.aliasOwner = l
	}
	merged := lb.conf.inherit(parentConf)
	script := merged.script
	merged.script = nil
	l.conf = c.compileConf(l, &merged)
	l.handler = c.bindHandler(l, b.handler)
	l.conf.script = c.compileScript(l, script, &merged)
	if le := merged.access.limitExcept; le != nil {
		c.bindLimitExcept(l, le, merged.proxy.resp)
	}
	if ar, ok := l.handler.(interface{ autoRedirects() bool }); ok && ar.autoRedirects() {
		l.autoRedirect = kind == kindPrefix || kind == kindNoRegex
	}
	l.nested = c.buildLevel(l, &merged, lb.nested)
	return l
}

// nginxRegexp is a compiled nginx (PCRE) regex: RE2 where the pattern
// compiles there, a PCRE-compatible engine otherwise.
type nginxRegexp struct {
	source string
	re2    *regexp.Regexp
	// pcre also backs RE2 patterns: PCRE's "$" matches before a final
	// newline, RE2's does not, so subjects ending in "\n" (a decoded %0A)
	// go to the PCRE-compatible engine to keep nginx's answer.
	pcre  *regexp2.Regexp
	names []string // capture names by group index; "" for unnamed
}

func compileRegex(pattern string, caseless bool) (*nginxRegexp, error) {
	r := &nginxRegexp{source: pattern}
	opts := regexp2.RegexOptions(regexp2.None)
	re2src := pattern
	if caseless {
		opts |= regexp2.IgnoreCase
		re2src = "(?i)" + pattern
	}
	pcre, perr := regexp2.Compile(pcreNamedGroups(pattern), opts)
	if re, err := regexp.Compile(re2src); err == nil {
		r.re2 = re
		r.names = re.SubexpNames()
		if perr == nil {
			r.pcre = pcre
		}
		return r, nil
	}
	if perr != nil {
		return nil, fmt.Errorf("invalid regex %q: %v", pattern, perr)
	}
	r.pcre = pcre
	nums := pcre.GetGroupNumbers()
	maxGroup := 0
	for _, n := range nums {
		maxGroup = max(maxGroup, n)
	}
	r.names = make([]string, maxGroup+1)
	for _, n := range nums {
		if name := pcre.GroupNameFromNumber(n); name != fmt.Sprint(n) {
			r.names[n] = name
		}
	}
	return r, nil
}

// pcreNamedGroups rewrites PCRE's "(?P<name>" groups, which regexp2
// lacks, to the equivalent "(?<name>", so that a pattern mixing them with
// "(?'name'" (which RE2 lacks) still compiles. An escaped "\(" is left
// alone.
func pcreNamedGroups(p string) string {
	if !strings.Contains(p, "(?P<") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			b.WriteString(p[i : i+2])
			i++
			continue
		}
		if strings.HasPrefix(p[i:], "(?P<") {
			b.WriteString("(?<")
			i += len("(?P<") - 1
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// groups is the number of capture groups, not counting the whole match.
func (r *nginxRegexp) groups() int { return len(r.names) - 1 }

// match reports whether s matches and, when the regex has groups, returns
// the submatch index pairs (as regexp's FindStringSubmatchIndex).
func (r *nginxRegexp) match(s string) (bool, []int) {
	if r.re2 != nil && (r.pcre == nil || !strings.HasSuffix(s, "\n")) {
		if r.groups() == 0 {
			return r.re2.MatchString(s), nil
		}
		idx := r.re2.FindStringSubmatchIndex(s)
		return idx != nil, idx
	}
	m, err := r.pcre.FindStringMatch(s)
	if err != nil || m == nil {
		return false, nil
	}
	idx := make([]int, 2*len(r.names))
	for i := range idx {
		idx[i] = -1
	}
	// regexp2 reports rune offsets; convert them to byte offsets.
	runeToByte := runeOffsets(s)
	for _, g := range m.Groups() {
		n := g.Index
		num := 0
		if g.Name != "" {
			num = r.pcre.GroupNumberFromName(g.Name)
		}
		if num < 0 || num >= len(r.names) || len(g.Captures) == 0 {
			continue
		}
		idx[2*num] = runeToByte[n]
		idx[2*num+1] = runeToByte[n+g.Length]
	}
	return true, idx
}

func runeOffsets(s string) []int {
	offs := make([]int, 0, len(s)+1)
	for i := range s {
		offs = append(offs, i)
	}
	return append(offs, len(s))
}

// Trace registers fn to be told, step by step, what frontdesk decides for
// each request: the location it selects and why, the rewrite-module
// directives that run, the internal redirects and the statuses nginx
// would generate. r is the client's request (its context tells
// concurrent requests apart). Several Trace options all run, in order.
// It is meant for tests and debugging: a Proxy without Trace pays only a
// nil check per step.
func Trace(fn func(r *http.Request, step TraceStep)) Option {
	return serverOption(func(s *serverBuilder) error {
		if fn == nil {
			return errors.New("Trace: nil function")
		}
		if prev := s.trace; prev != nil {
			s.trace = func(r *http.Request, step TraceStep) { prev(r, step); fn(r, step) }
		} else {
			s.trace = fn
		}
		return nil
	})
}

// TraceKind says what a [TraceStep] reports.
type TraceKind uint8

const (
	// TraceLocation: a location was selected for URI (Match says how).
	TraceLocation TraceKind = iota + 1
	// TraceRewrite: a rewrite directive ran on URI; Matched says whether
	// its regex matched, NewURI and NewArgs are the result, Status a
	// redirect's code.
	TraceRewrite
	// TraceReturn: return answered Status with Value (text or URL).
	TraceReturn
	// TraceSet: set gave Variable the value Value.
	TraceSet
	// TraceIf: an if condition was evaluated; Matched is its result.
	TraceIf
	// TraceBreak: break stopped the location's script.
	TraceBreak
	// TraceRedirect: an internal redirect to NewURI (or a named location),
	// Cause saying which directive made it.
	TraceRedirect
	// TraceStatus: nginx generated Status (for error_page to answer).
	TraceStatus
)

var traceKindNames = [...]string{"", "location", "rewrite", "return", "set", "if", "break", "internal redirect", "status"}

// String names the kind as a trace line shows it ("rewrite", "internal redirect").
func (k TraceKind) String() string {
	if int(k) < len(traceKindNames) {
		return traceKindNames[k]
	}
	return fmt.Sprintf("TraceKind(%d)", k)
}

// MatchStep is the step of nginx's location precedence that chose a
// location.
type MatchStep uint8

const (
	// MatchNone: no location matched; the server's configuration serves.
	MatchNone MatchStep = iota + 1
	// MatchExact: an "=" location equal to the URI; the search stopped.
	MatchExact
	// MatchNoRegex: the longest prefix carried "^~": regexes were not tried.
	MatchNoRegex
	// MatchRegex: the first regex, in configuration order, that matched.
	MatchRegex
	// MatchPrefix: the longest prefix, because no regex matched.
	MatchPrefix
	// MatchAutoRedirect: the URI lacks the final "/" of a proxied prefix
	// location, answered with a 301 to it.
	MatchAutoRedirect
	// MatchNamed: a named location, reached by try_files, error_page or
	// X-Accel-Redirect.
	MatchNamed
)

var matchStepNames = [...]string{"", "no location matched", "exact match (=)", "longest prefix with ^~, regexes not tried",
	"first matching regex in configuration order", "longest prefix, no regex matched", "auto-redirect to the prefix with \"/\"", "named location"}

// String says how the step chose the location, for a trace line.
func (m MatchStep) String() string {
	if int(m) < len(matchStepNames) {
		return matchStepNames[m]
	}
	return fmt.Sprintf("MatchStep(%d)", m)
}

// TraceStep is one decision reported to [Trace]. Fields a kind does not
// use are zero.
type TraceStep struct {
	// Kind is the decision the step reports.
	Kind TraceKind
	// Location is the pattern of the location selected (TraceLocation) or
	// in force when the step ran; "" at server level.
	Location string
	// Match is how the location was selected; Enclosing lists the
	// locations it is nested in, outermost first; Tried lists the regex
	// locations tried, in order, that did not match.
	Match     MatchStep
	Enclosing []string
	Tried     []string
	// Directive is the rewrite-module directive as written ("rewrite
	// ^/old/(.*)$ /new/$1 last", "if ($http_x_debug)").
	Directive string
	// URI and Args are $uri and $args before the step; NewURI and NewArgs
	// after a rewrite or internal redirect.
	URI, Args       string
	NewURI, NewArgs string
	// Matched is whether an if's condition held (TraceIf) or a
	// rewrite's regex matched (TraceRewrite).
	Matched bool
	// Status is the code returned (TraceReturn), a rewrite's redirect
	// code (TraceRewrite) or the status generated (TraceStatus).
	Status int
	// Variable and Value are what set assigned (TraceSet); Value is
	// also return's text or URL (TraceReturn).
	Variable, Value string
	// Cause is what made an internal redirect: "try_files", "error_page",
	// "index", "X-Accel-Redirect".
	Cause string
}

// String is the step on one line, for a test's failure message.
func (s TraceStep) String() string {
	var b strings.Builder
	b.WriteString(s.Kind.String())
	switch s.Kind {
	case TraceLocation:
		fmt.Fprintf(&b, " %q for %q: %v", s.Location, s.URI, s.Match)
		if len(s.Enclosing) > 0 {
			fmt.Fprintf(&b, ", nested in %q", s.Enclosing)
		}
		if len(s.Tried) > 0 {
			fmt.Fprintf(&b, "; regexes not matching: %q", s.Tried)
		}
	case TraceRewrite:
		fmt.Fprintf(&b, " %q on %q: ", s.Directive, s.URI)
		switch {
		case !s.Matched:
			b.WriteString("no match")
		case s.Status != 0:
			fmt.Fprintf(&b, "%d to %q", s.Status, s.Value)
		default:
			fmt.Fprintf(&b, "→ %q", joinArgs(s.NewURI, s.NewArgs))
		}
	case TraceReturn:
		fmt.Fprintf(&b, " %d %q", s.Status, s.Value)
	case TraceSet:
		fmt.Fprintf(&b, " $%s = %q", s.Variable, s.Value)
	case TraceIf:
		fmt.Fprintf(&b, " %q: %v", s.Directive, s.Matched)
	case TraceRedirect:
		fmt.Fprintf(&b, " by %s: %q → %q", s.Cause, s.URI, joinArgs(s.NewURI, s.NewArgs))
	case TraceStatus:
		fmt.Fprintf(&b, " %d", s.Status)
	}
	if s.Kind != TraceLocation && s.Location != "" {
		fmt.Fprintf(&b, " (in %q)", s.Location)
	}
	return b.String()
}

func joinArgs(u, args string) string {
	if args == "" {
		return u
	}
	return u + "?" + args
}

// traceLocation reports the location st.loc chosen by the search for
// st.uri with result rc. It works the reason out again from the tables,
// so that the search itself carries no tracing cost.
func (st *reqState) traceLocation(rc matchResult) {
	l := st.loc
	step := TraceStep{Kind: TraceLocation, Location: l.pattern, URI: st.uri, Args: st.args}
	switch {
	case rc == matchNone:
		step.Match, step.Location = MatchNone, ""
	case rc == matchRedirect:
		step.Match = MatchAutoRedirect
	case l.kind == kindExact:
		step.Match = MatchExact
	case l.kind == kindRegex:
		step.Match = MatchRegex
	case l.kind == kindNoRegex:
		step.Match = MatchNoRegex
	default:
		step.Match = MatchPrefix
	}
	if rc != matchNone {
		for p := l.parent; p != nil; p = p.parent {
			step.Enclosing = append([]string{p.pattern}, step.Enclosing...)
		}
	}
	if step.Match == MatchRegex || step.Match == MatchPrefix || step.Match == MatchNone {
		var chain []*location // outermost first, l last
		for p := l; p != nil && rc != matchNone; p = p.parent {
			chain = append([]*location{p}, chain...)
		}
		step.Tried = triedRegexes(st.srv.locations, chain, step.Match == MatchPrefix, nil)
	}
	st.srv.proxy.trace(st.r, step)
}

// traceRedirect reports an internal redirect to newURI, or to the named
// location named. The cause is read from the caller's name, so
// that the four call sites (error_page, try_files, index,
// X-Accel-Redirect) need no tracing code of their own.
func (st *reqState) traceRedirect(newURI, args string, named *location) {
	step := TraceStep{Kind: TraceRedirect, Location: st.tracePattern(), URI: st.uri, Args: st.args, NewURI: newURI, NewArgs: args, Cause: "internal redirect"}
	pcs := make([]uintptr, 1)
	if runtime.Callers(3, pcs) == 1 {
		f, _ := runtime.CallersFrames(pcs).Next()
		name := f.Function[strings.LastIndexByte(f.Function, '.')+1:]
		step.Cause = cmp.Or(redirectCauses[name], name)
	}
	st.srv.proxy.trace(st.r, step)
	if named != nil {
		st.srv.proxy.trace(st.r, TraceStep{Kind: TraceLocation, Location: named.pattern, URI: st.uri, Args: st.args, Match: MatchNamed})
	}
}

var redirectCauses = map[string]string{
	"sendErrorPage":  "error_page",
	"tryFiles":       "try_files",
	"serveDirectory": "index",
	"accelRedirect":  "X-Accel-Redirect",
}

// tracePattern is the pattern of the location in force, "" at server
// level.
func (st *reqState) tracePattern() string {
	if st.loc == nil {
		return ""
	}
	return st.loc.pattern
}

// triedRegexes lists, in the order find tried them, the regex locations
// that did not match on the way to chain's last location (found on level
// lv for chain[0]); prefixWon: the answer is a prefix location.
func triedRegexes(lv *level, chain []*location, prefixWon bool, out []string) []string {
	if lv == nil {
		return out
	}
	if len(chain) == 0 {
		// The chosen location's nested level: nothing there matched.
		for _, r := range lv.regexes {
			out = append(out, r.pattern)
		}
		return out
	}
	c := chain[0]
	if c.kind == kindRegex {
		for _, r := range lv.regexes {
			if r == c {
				break
			}
			out = append(out, r.pattern)
		}
		return triedRegexes(c.nested, chain[1:], prefixWon, out)
	}
	// A prefix: its nested locations are searched first; the level's
	// regexes only when no nested one answered and "^~" is absent.
	out = triedRegexes(c.nested, chain[1:], prefixWon, out)
	if c.kind == kindPrefix && prefixWon {
		for _, r := range lv.regexes {
			out = append(out, r.pattern)
		}
	}
	return out
}
