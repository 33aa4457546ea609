package nginxconf

// The rewrite module (rewrite, return, set, if, break) and map, mapped onto
// frontdesk's script directives, which run them as nginx does.

import (
	"net/http"
	"strings"

	"github.com/frontdesk-go/frontdesk"
)

func structRewrite(b *builder, f *frame, d *Directive) {
	if f.check {
		return
	}
	flag := frontdesk.RewriteNext
	if len(d.Args) == 3 {
		switch d.Args[2] {
		case "last":
			flag = frontdesk.RewriteLast
		case "break":
			flag = frontdesk.RewriteBreak
		case "redirect":
			flag = frontdesk.RewriteRedirect
		case "permanent":
			flag = frontdesk.RewritePermanent
		default:
			b.fail(d, "invalid parameter \"%s\"", d.Args[2])
			return
		}
	}
	if msg := pcreError(d.Args[0]); msg != "" {
		b.fail(d, "%s", msg)
		return
	}
	f.add("rewrite", frontdesk.Rewrite(d.Args[0], d.Args[1], flag))
}

func structSet(b *builder, f *frame, d *Directive) {
	if !strings.HasPrefix(d.Args[0], "$") {
		b.fail(d, "invalid variable name \"%s\"", d.Args[0])
		return
	}
	if f.check {
		return
	}
	f.add("set", frontdesk.Set(d.Args[0], d.Args[1]))
}

func structBreak(b *builder, f *frame, d *Directive) {
	if !f.check {
		f.add("break", frontdesk.Break())
	}
}

// structReturn records return as the rewrite-phase directive it is: in
// order with rewrite, set and if, before try_files and the content
// handler.
func structReturn(b *builder, f *frame, d *Directive) {
	if f.check {
		return
	}
	code, text := http.StatusFound, d.Args[0]
	if n, ok := parseNum(d.Args[0]); ok {
		code, text = n, ""
		if len(d.Args) == 2 {
			text = d.Args[1]
		}
	}
	r := frontdesk.Return(code, text)
	if f.loc != nil {
		f.loc.opts = append(f.loc.opts, r)
	} else {
		f.sc.directives = append(f.sc.directives, scoped{"return", r})
	}
}

// structIf reads an if block as nginx's nested "if" location: its
// directives and its proxy_pass apply when the condition holds.
func structIf(b *builder, f *frame, d *Directive) {
	cond := strings.Join(d.Args, " ")
	if !strings.HasPrefix(cond, "(") || !strings.HasSuffix(cond, ")") {
		b.fail(d, "invalid condition \"%s\"", d.Args[0])
		return
	}
	cond = strings.TrimSpace(cond[1 : len(cond)-1])
	ctx := ctxIfLocation
	if f.loc == nil {
		ctx = ctxIfServer
	}
	inner := &frame{ctx: ctx, check: f.check, srv: f.srv, node: f.node, loc: &locState{}, sc: &scope{}}
	b.walk(inner, d.Block)
	if f.check {
		return
	}
	opts := inner.loc.opts
	for _, sd := range inner.sc.directives {
		if lo, ok := sd.dir.(frontdesk.LocationOption); ok {
			opts = append(opts, lo)
		}
	}
	f.add("if", frontdesk.If(cond, locationHandler(inner.loc), opts...))
}

// structMap reads a map block: entries, and the hostnames and volatile
// flags; includes were expanded by the parser.
func structMap(b *builder, f *frame, d *Directive) {
	var entries []frontdesk.MapEntry
	var flags []string
	for _, e := range d.Block {
		switch {
		case (e.Name == "hostnames" || e.Name == "volatile") && len(e.Args) == 0:
			flags = append(flags, e.Name)
		case len(e.Args) != 1 || e.HasBlock:
			b.fail(e, "invalid number of the map parameters")
			return
		default:
			entries = append(entries, frontdesk.MapEntry{Key: e.Name, Value: e.Args[0]})
		}
	}
	if f.check {
		return
	}
	f.sc.server = append(f.sc.server, frontdesk.Map(d.Args[0], d.Args[1], entries, flags...))
}

// Options returns the options that reproduce the whole configuration in
// one [frontdesk.Proxy]: the server's options when there is one, a
// [frontdesk.VirtualServer] per server block otherwise, selected by
// server_name and listen as nginx selects them. A request arriving on an
// address no listen names is matched against every server block; a
// program serving the configuration on listeners of its own says which
// listen address each one stands for with [frontdesk.WithListenAddr].
func (c *Config) Options() []frontdesk.Option {
	if len(c.Servers) == 1 {
		return c.Servers[0].Options
	}
	opts := make([]frontdesk.Option, 0, len(c.Servers))
	for _, s := range c.Servers {
		vs := append([]frontdesk.Option(nil), s.Options...)
		for _, l := range s.Listen {
			if strings.HasPrefix(l.Addr, "unix:") {
				continue
			}
			var params []string
			if l.DefaultServer {
				params = append(params, "default_server")
			}
			vs = append(vs, frontdesk.Listen(l.Addr, params...))
		}
		opts = append(opts, frontdesk.VirtualServer(vs...))
	}
	return opts
}
