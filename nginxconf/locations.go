package nginxconf

// Location blocks, checked as ngx_http_core_location checks them when it
// reads them (modifier, regex, nesting) and as ngx_http_init_locations and
// ngx_http_init_static_location_trees do once the http block is read
// (duplicates).
//
// nginx sorts the literal locations of each level by name, "/" before any
// other byte and an exact location before a prefix one of the same name,
// keeping declaration order otherwise; two neighbours with the same name
// that are both exact, or both prefix ("^~" counts as prefix), are a
// "duplicate location", reported at the later one. Levels are checked
// depth first, a block's nested locations before the block's own level,
// servers in order; locations nested in a regex location are never
// checked, because nginx builds no tree for them.

import (
	"slices"
	"strings"

	"github.com/frontdesk-go/frontdesk"
)

type locKind uint8

const (
	locPrefix  locKind = iota // location /p
	locNoRegex                // location ^~ /p
	locExact                  // location = /p
	locRegex                  // location ~ re, location ~* re
	locNamed                  // location @name
)

// locNode is a location as read, kept for the checks nginx runs once the
// http block is complete and to place frontdesk's errors.
type locNode struct {
	d        *Directive
	kind     locKind
	name     string // without modifier, as nginx keeps it
	pattern  string // as given to frontdesk.Location
	children []*locNode
}

func (n *locNode) literal() bool {
	return n.kind == locPrefix || n.kind == locNoRegex || n.kind == locExact
}

// parseLocation splits a location's arguments as ngx_http_core_location
// does. The error is nginx's message.
func parseLocation(args []string) (kind locKind, name string, msg string) {
	if len(args) == 2 {
		switch args[0] {
		case "=":
			return locExact, args[1], ""
		case "^~":
			return locNoRegex, args[1], ""
		case "~", "~*":
			return locRegex, args[1], ""
		}
		return 0, "", `invalid location modifier "` + args[0] + `"`
	}
	name = args[0]
	switch {
	case strings.HasPrefix(name, "="):
		return locExact, name[1:], ""
	case strings.HasPrefix(name, "^~"):
		return locNoRegex, name[2:], ""
	case strings.HasPrefix(name, "~*"):
		return locRegex, name[2:], ""
	case strings.HasPrefix(name, "~"):
		return locRegex, name[1:], ""
	case strings.HasPrefix(name, "@"):
		return locNamed, name, ""
	}
	return locPrefix, name, ""
}

func structLocation(b *builder, f *frame, d *Directive) {
	kind, name, msg := parseLocation(d.Args)
	if msg == "" && kind == locRegex {
		msg = pcreError(name)
	}
	n := &locNode{d: d, kind: kind, name: name, pattern: locationPattern(d.Args, kind, name)}
	if msg == "" && f.node != nil {
		parent := f.node
		switch {
		case parent.kind == locExact:
			msg = `location "` + name + `" cannot be inside the exact location "` + parent.name + `"`
		case parent.kind == locNamed:
			msg = `location "` + name + `" cannot be inside the named location "` + parent.name + `"`
		case kind == locNamed:
			msg = `named location "` + name + `" can be on the server level only`
		case kind != locRegex && !strings.HasPrefix(name, parent.name):
			// nginx compares with the parent's name even when the
			// parent is a regex, so "/a/b" is outside "~ ^/a".
			msg = `location "` + name + `" is outside location "` + parent.name + `"`
		}
	}
	inner := &frame{ctx: ctxLocation, check: f.check || msg != "", srv: f.srv, node: n, loc: &locState{}}
	if msg != "" {
		b.fail(d, "%s", msg)
	} else if f.node != nil {
		f.node.children = append(f.node.children, n)
	} else {
		f.srv.locations = append(f.srv.locations, n)
	}
	b.walk(inner, d.Block)
	if inner.check {
		return
	}
	if kind == locPrefix && !strings.HasPrefix(name, "/") && strings.ContainsAny(name, " \t") {
		// frontdesk.Location would read the first word as a modifier.
		b.refuse(d, "location names with spaces not starting with \"/\" are not implemented by frontdesk")
		return
	}
	lb := frontdesk.Location(n.pattern, locationHandler(inner.loc), inner.loc.opts...)
	if f.loc != nil {
		f.loc.opts = append(f.loc.opts, lb)
	} else {
		f.srv.blocks = append(f.srv.blocks, lb)
	}
}

// locationPattern writes a location for frontdesk.Location, which reads a
// space as the end of a modifier: "=/a b" becomes "= /a b".
func locationPattern(args []string, kind locKind, name string) string {
	if len(args) == 2 {
		return args[0] + " " + args[1]
	}
	switch kind {
	case locExact:
		return "= " + name
	case locNoRegex:
		return "^~ " + name
	case locRegex:
		return strings.TrimSuffix(args[0], name) + " " + name
	}
	return name
}

// checkLocationTree reports duplicate locations among nodes and, first,
// among their nested locations.
func (b *builder) checkLocationTree(nodes []*locNode) {
	var lits []*locNode
	for _, n := range nodes {
		if n.literal() {
			lits = append(lits, n)
		}
	}
	slices.SortStableFunc(lits, func(x, y *locNode) int {
		if c := compareLocationNames(x.name, y.name); c != 0 {
			return c
		}
		switch {
		case x.kind != locExact && y.kind == locExact:
			return 1
		case x.kind == locExact && y.kind != locExact:
			return -1
		}
		return 0
	})
	for _, n := range lits {
		b.checkLocationTree(n.children)
	}
	// ngx_http_join_exact_locations: a name may have one exact and one
	// prefix location.
	for i := 0; i < len(lits); {
		exact, inclusive := lits[i].kind == locExact, lits[i].kind != locExact
		j := i + 1
		for ; j < len(lits) && lits[j].name == lits[i].name; j++ {
			x := lits[j]
			if (exact && x.kind == locExact) || (inclusive && x.kind != locExact) {
				b.fail(x.d, "duplicate location \"%s\"", x.name)
				continue
			}
			exact, inclusive = true, true
		}
		i = j
	}
}

// compareLocationNames orders names as ngx_filename_cmp does: byte by byte,
// with "/" lower than any other byte but lower than the end of a name.
func compareLocationNames(a, b string) int {
	for i := 0; ; i++ {
		var ca, cb int
		if i < len(a) {
			ca = int(a[i])
		}
		if i < len(b) {
			cb = int(b[i])
		}
		if ca == cb {
			if ca == 0 {
				return 0
			}
			continue
		}
		if ca == 0 || cb == 0 {
			return ca - cb
		}
		if ca == '/' {
			ca = 0
		}
		if cb == '/' {
			cb = 0
		}
		return ca - cb
	}
}

// findLocation returns the first location, depth first, with pattern.
func findLocation(nodes []*locNode, pattern string) *locNode {
	for _, n := range nodes {
		if n.pattern == pattern {
			return n
		}
		if c := findLocation(n.children, pattern); c != nil {
			return c
		}
	}
	return nil
}
