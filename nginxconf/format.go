package nginxconf

// Serialisation. Format must write every word so that nginx's reader gives
// back exactly the same bytes, so the encoders below are the inverse of the
// lexer in parse.go, rule for rule. They also never write a word longer than
// the one nginx read: a word that fit nginx's 4096-byte buffer when it was
// parsed still fits after a round trip.

import "strings"

// Format writes directives back as nginx configuration text, one directive
// per line, blocks indented by four spaces. Parsing the result gives the same
// tree (names, arguments, blocks); comments and layout are not kept.
//
// Arguments recorded as quoted are written in quotes; other words are written
// bare when nginx would read them back unchanged, and quoted otherwise (an
// empty word, a space, a leading "#", and so on).
func Format(ds []*Directive) string {
	var b strings.Builder
	writeDirectives(&b, ds, 0)
	return b.String()
}

func writeDirectives(b *strings.Builder, ds []*Directive, depth int) {
	for _, d := range ds {
		indent(b, depth)
		b.WriteString(formatName(d.Name))
		for i, a := range d.Args {
			b.WriteByte(' ')
			b.WriteString(formatArg(a, i < len(d.Quoted) && d.Quoted[i]))
		}
		switch {
		case !d.HasBlock:
			b.WriteString(";\n")
		case len(d.Block) == 0:
			b.WriteString(" {}\n")
		default:
			b.WriteString(" {\n")
			writeDirectives(b, d.Block, depth+1)
			indent(b, depth)
			b.WriteString("}\n")
		}
	}
}

func indent(b *strings.Builder, depth int) {
	for range depth {
		b.WriteString("    ")
	}
}

// formatName writes a directive name in its shorter safe form. A name has no
// Quoted flag, so the shorter form keeps the round trip within nginx's
// buffer whichever way the name was first written.
func formatName(s string) string {
	q := quoteWord(s)
	if bare, ok := bareWord(s); ok && len(bare) <= len(q) {
		return bare
	}
	return q
}

func formatArg(s string, quoted bool) string {
	if !quoted {
		if bare, ok := bareWord(s); ok {
			return bare
		}
	}
	return quoteWord(s)
}

// escapable reports whether nginx's word copy translates a backslash before c
// (\" \' \\ \t \r \n); before any other byte the backslash is kept.
func escapable(c byte) bool {
	switch c {
	case '"', '\'', '\\', 't', 'r', 'n':
		return true
	}
	return false
}

// quoteWord writes s in quotes, escaping only what must be escaped so that
// regexes such as "^/(\d+)$" stay readable: the quote character, and a
// backslash that nginx would otherwise take as the start of an escape (or
// that would escape the closing quote). Control characters are written raw,
// which nginx accepts inside quotes.
func quoteWord(s string) string {
	q := byte('"')
	if strings.Count(s, `"`) > strings.Count(s, `'`) {
		q = '\''
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(q)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 == len(s) || escapable(s[i+1]) {
				b.WriteString(`\\`)
			} else {
				// nginx keeps "\x" as is for any other x, and its
				// reader skips x, so the pair is safe to write raw.
				b.WriteByte('\\')
				b.WriteByte(s[i+1])
				i++
			}
		case c == q:
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// bareWord writes s without quotes if nginx can read it back unchanged,
// tracking the lexer's state the way parse.go does.
func bareWord(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(s))
	variable := false // the lexer's "previous byte was $" flag
	for i := 0; i < len(s); i++ {
		c := s[i]
		start := i == 0
		switch {
		case c == '\\':
			if i+1 < len(s) && !escapable(s[i+1]) {
				// Kept as "\x" by nginx; the reader skips x even if
				// it is a space, ";" or "{".
				b.WriteByte('\\')
				b.WriteByte(s[i+1])
				i++
			} else {
				b.WriteString(`\\`)
			}
			variable = false
		case c == '\t':
			b.WriteString(`\t`)
			variable = false
		case c == '\r':
			b.WriteString(`\r`)
			variable = false
		case c == '\n':
			b.WriteString(`\n`)
			variable = false
		case c == ' ' || c == ';':
			return "", false // would end the word; no escape yields them bare
		case c == '{':
			if !variable {
				return "", false
			}
			b.WriteByte(c) // "${": the lexer keeps going and stays in variable mode
		case start && (c == '"' || c == '\''):
			b.WriteByte('\\') // a leading quote would open a quoted word
			b.WriteByte(c)
		case start && (c == '#' || c == '}'):
			return "", false // a comment or the end of a block
		case c == '$':
			b.WriteByte(c)
			variable = true
		default:
			b.WriteByte(c)
			variable = false
		}
	}
	return b.String(), true
}
