package nginxconf

// Lint: what a reviewer would flag in a configuration nginx accepts. Each
// finding is a [Warning] with the position of the directive it is about;
// none of them stops a load.
//
//   - An inner level that declares add_header drops every one its
//     enclosing levels declare: nginx inherits these lists only by levels
//     that declare none of their own. The same for proxy_set_header
//     between the http level and a server, which the loader merges;
//     frontdesk.New reports it within a server.
//   - A regex location every URI of which falls under a "^~" location is
//     never used: "^~" stops the regex search.
//   - A prefix location can never be selected when its name does not start
//     with "/", when it is nested in a regex location (nginx searches only
//     regexes there), or when a regex location of its level matches every
//     URI under it.
//   - An "if" in a location that does more than return or rewrite ... last
//     runs the surprising half-location nginx builds for it.
//   - nginx's own warnings (an absolute index before the last one).
//
// frontdesk.New's own warnings are placed on the directive they are about:
// the alias/location trailing slash mismatch, set_real_ip_from 0.0.0.0/0,
// proxy_set_header Host $http_host and $proxy_add_x_forwarded_for.

import (
	"fmt"
	"strings"
)

// Warning is a lint finding about a configuration nginx accepts.
type Warning struct {
	File      string // the file the directive was written in
	Line      int    // the directive's line in File
	Directive string // the directive's name, e.g. "proxy_pass"
	Message   string // what is wrong, and usually why it matters

	seq int // position in the tree, to order warnings as they were written
}

// String formats the warning as "file:line: directive: message".
func (w Warning) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", w.File, w.Line, w.Directive, w.Message)
}

// linter walks the tree once, in order.
type linter struct {
	out   []Warning
	order map[*Directive]int
}

// newLinter numbers the directives of the tree in reading order.
func newLinter(ds []*Directive) *linter {
	l := &linter{order: map[*Directive]int{}}
	n := 0
	var number func([]*Directive)
	number = func(ds []*Directive) {
		for _, d := range ds {
			l.order[d] = n
			n++
			number(d.Block)
		}
	}
	number(ds)
	return l
}

// run lints the http blocks of the tree.
func (l *linter) run(ds []*Directive) {
	for _, d := range ds {
		if d.Name == "http" {
			l.level(d.Block, inherited{}, nil, false)
		}
	}
}

func (l *linter) warn(d *Directive, format string, args ...any) {
	l.out = append(l.out, Warning{File: d.File, Line: d.Line, Directive: d.Name, Message: fmt.Sprintf(format, args...), seq: l.order[d]})
}

// inherited holds the list directives an enclosing level passes down.
type inherited struct {
	proxySetHeader []*Directive
	addHeader      []*Directive
}

// level lints one http, server or location block; parent is the location
// it is nested in, if any.
func (l *linter) level(ds []*Directive, up inherited, parent *locNode, server bool) {
	own := inherited{}
	for _, d := range ds {
		switch d.Name {
		case "proxy_set_header":
			own.proxySetHeader = append(own.proxySetHeader, d)
		case "add_header":
			own.addHeader = append(own.addHeader, d)
		case "index":
			for i, a := range d.Args {
				if strings.HasPrefix(a, "/") && i != len(d.Args)-1 {
					l.warn(d, "only the last index in \"index\" directive should be absolute")
					break
				}
			}
		}
	}
	if server {
		l.dropped(own.proxySetHeader, up.proxySetHeader)
	}
	l.dropped(own.addHeader, up.addHeader)
	down := up
	if own.proxySetHeader != nil {
		down.proxySetHeader = own.proxySetHeader
	}
	if own.addHeader != nil {
		down.addHeader = own.addHeader
	}

	var locs []*locNode
	for _, d := range ds {
		switch {
		case d.Name == "server" && d.HasBlock && parent == nil:
			l.level(d.Block, down, nil, true)
		case d.Name == "location" && d.HasBlock && len(d.Args) > 0 && len(d.Args) <= 2:
			kind, name, msg := parseLocation(d.Args)
			if msg != "" {
				continue
			}
			n := &locNode{d: d, kind: kind, name: name, pattern: strings.Join(d.Args, " ")}
			locs = append(locs, n)
			if parent != nil && parent.kind == locRegex && n.literal() {
				l.warn(d, "is never selected: nginx searches only regex locations inside a regex location (\"%s\")", parent.pattern)
			}
			l.level(d.Block, down, n, false)
		case d.Name == "if" && d.HasBlock && parent != nil:
			l.ifInLocation(d)
		}
	}
	l.shadows(locs)
}

// dropped warns when own replaces a non-empty inherited list.
func (l *linter) dropped(own, up []*Directive) {
	if len(own) == 0 || len(up) == 0 {
		return
	}
	declared := map[string]bool{}
	for _, d := range own {
		if len(d.Args) > 0 {
			declared[strings.ToLower(d.Args[0])] = true
		}
	}
	var lost []string
	for _, d := range up {
		if len(d.Args) > 0 && !declared[strings.ToLower(d.Args[0])] {
			lost = append(lost, fmt.Sprintf("%s (%s:%d)", d.Args[0], d.File, d.Line))
		}
	}
	if len(lost) == 0 {
		return
	}
	verb := "is"
	if len(lost) > 1 {
		verb = "are"
	}
	l.warn(own[0], "this level's %s replaces every outer one, so %s %s lost here: nginx inherits %s only by levels that set none",
		own[0].Name, strings.Join(lost, ", "), verb, own[0].Name)
}

// ifInLocation warns about an "if" in a location that does more than
// return or rewrite ... last.
func (l *linter) ifInLocation(d *Directive) {
	for _, c := range d.Block {
		switch {
		case c.Name == "return":
		case c.Name == "rewrite" && len(c.Args) == 3 && c.Args[2] == "last":
		default:
			l.warn(d, "contains \"%s\" (%s:%d): an if in a location runs as a location of its own, which inherits the enclosing one's content handler but not what it sets after the if; only return and rewrite ... last are safe", c.Name, c.File, c.Line)
			return
		}
	}
}

// shadows finds regex locations hidden by "^~" locations and prefix
// locations hidden by regex ones, among the locations of one level.
func (l *linter) shadows(locs []*locNode) {
	for _, r := range locs {
		if r.kind != locRegex {
			continue
		}
		prefix, anything := regexLiteralPrefix(r)
		if prefix == "" {
			continue
		}
		// The location whose name is the longest prefix of every URI the
		// regex can match decides whether regexes are searched at all.
		var longest *locNode
		reachable := false
		for _, p := range locs {
			if p.kind != locPrefix && p.kind != locNoRegex {
				continue
			}
			switch {
			case strings.HasPrefix(prefix, p.name):
				if longest == nil || len(p.name) > len(longest.name) {
					longest = p
				}
			case strings.HasPrefix(p.name, prefix) && p.kind == locPrefix:
				reachable = true // a longer plain prefix lets some URIs through
			}
		}
		if longest != nil && longest.kind == locNoRegex && !reachable {
			l.warn(r.d, "is never used: every URI it matches starts with \"%s\", and the \"^~\" location (%s:%d) stops the regex search", longest.name, longest.d.File, longest.d.Line)
		}
		if !anything {
			continue
		}
		for _, p := range locs {
			if p.kind == locPrefix && strings.HasPrefix(p.name, prefix) && !hasNestedLocations(p.d) {
				l.warn(p.d, "is never selected: the regex location \"%s\" (%s:%d) matches every URI under it and nginx prefers regex locations to plain prefix ones", r.pattern, r.d.File, r.d.Line)
			}
		}
	}
	for _, p := range locs {
		if (p.kind == locPrefix || p.kind == locNoRegex) && !strings.HasPrefix(p.name, "/") {
			l.warn(p.d, "is never selected: request URIs start with \"/\" and \"%s\" does not", p.name)
		}
	}
}

func hasNestedLocations(d *Directive) bool {
	for _, c := range d.Block {
		if c.Name == "location" {
			return true
		}
	}
	return false
}

// regexLiteralPrefix returns the literal text an anchored, case-sensitive
// regex location requires at the start of the URI ("^/static/" in
// "^/static/.*\.php$" gives "/static/"), and whether the regex matches
// every URI that starts with it ("^/a", "^/a/.*"). A caseless regex
// qualifies only when the prefix has no letters.
func regexLiteralPrefix(n *locNode) (prefix string, anything bool) {
	caseless := strings.HasPrefix(n.d.Args[0], "~*")
	re, ok := strings.CutPrefix(n.name, "^")
	if !ok || strings.Contains(re, "|") {
		return "", false
	}
	var b strings.Builder
	i := 0
	for ; i < len(re); i++ {
		c := re[i]
		if c == '\\' && i+1 < len(re) && strings.IndexByte(`.\/-?*+()[]{}|^$`, re[i+1]) >= 0 {
			b.WriteByte(re[i+1])
			i++
			continue
		}
		if strings.IndexByte(`.\?*+()[]{}|^$`, c) >= 0 {
			break
		}
		b.WriteByte(c)
	}
	prefix = b.String()
	if i < len(re) && strings.IndexByte("?*{", re[i]) >= 0 && prefix != "" {
		// The last literal is optional or repeated.
		prefix = prefix[:len(prefix)-1]
	}
	if caseless && strings.ContainsFunc(prefix, func(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }) {
		return "", false
	}
	rest := re[i:]
	anything = rest == "" || rest == ".*" || rest == "(.*)"
	return prefix, anything
}
