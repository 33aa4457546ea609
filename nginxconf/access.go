package nginxconf

// The access-control (allow, deny, auth_basic*, satisfy, limit_except)
// and compression (gzip*) directives.

import (
	"strings"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/fileserve"
)

func allArgs(f func(...string) frontdesk.Directive) func(*Directive) (frontdesk.Directive, error) {
	return func(d *Directive) (frontdesk.Directive, error) { return f(d.Args...), nil }
}

func gzipBuffers(d *Directive) (frontdesk.Directive, error) {
	n, _ := parseNum(d.Args[0])
	size, _ := fileserve.ParseSize(d.Args[1])
	return frontdesk.GzipBuffers(n, size), nil
}

// limitExceptAccess are the directives frontdesk honours inside
// limit_except besides proxy_pass; nginx also allows a few others there.
var limitExceptAccess = map[string]bool{"allow": true, "deny": true, "auth_basic": true, "auth_basic_user_file": true, "proxy_pass": true}

// structLimitExcept reads a limit_except block as nginx's nested location
// for the methods not listed.
func structLimitExcept(b *builder, f *frame, d *Directive) {
	inner := &frame{ctx: ctxLimitExcept, check: f.check, srv: f.srv, node: f.node, loc: &locState{}, sc: &scope{}}
	b.walk(inner, d.Block)
	if f.check {
		return
	}
	for _, e := range d.Block {
		if !limitExceptAccess[e.Name] {
			b.refuse(e, "\"%s\" directive inside \"limit_except\" is not implemented by frontdesk", e.Name)
			return
		}
	}
	var access []frontdesk.Directive
	for _, o := range inner.loc.opts {
		if dir, ok := o.(frontdesk.Directive); ok {
			access = append(access, dir)
		}
	}
	methods := make([]string, len(d.Args))
	for i, m := range d.Args {
		methods[i] = strings.ToUpper(m)
	}
	if h := locationHandler(inner.loc); h != nil {
		f.loc.opts = append(f.loc.opts, frontdesk.LimitExceptHandler(methods, h, access...))
		return
	}
	f.loc.opts = append(f.loc.opts, frontdesk.LimitExcept(methods, access...))
}
