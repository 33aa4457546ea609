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
	"errors"
	"fmt"
	"net/http"
	"regexp"
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
// accepting both "= /x" and "=/x" as nginx does.
func parseLocationPattern(pattern string) (kind locKind, caseless bool, name string, err error) {
	mod, rest, spaced := strings.Cut(strings.TrimSpace(pattern), " ")
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
