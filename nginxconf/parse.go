// Package nginxconf reads nginx configuration files the way nginx 1.22.1
// does.
//
// [Parse] and [Loader] turn nginx.conf text into a tree of [Directive] values
// exactly as nginx tokenises it (ngx_conf_read_token and ngx_conf_parse in
// src/core/ngx_conf_file.c), failing with nginx's own messages and line
// numbers; [Format] writes a tree back. This syntax layer knows nothing about
// what directives mean: "unknown directive", "is not terminated by ";"" and
// argument-count errors belong to the directive table, which runs on the tree
// afterwards.
//
// # How nginx reads a configuration
//
// nginx reads one statement at a time: words separated by space, tab, CR or
// LF, ended by ";" (a simple directive), "{" (a block directive) or a lone "}"
// (end of block). The rules that surprise people, all reproduced here:
//
//   - "#" starts a comment only where a word could start; inside a word
//     ("a#b") it is an ordinary character.
//   - A quote starts a quoted word only at the start of a word; inside a word
//     ("a"b"") it is ordinary. After a closing quote the next byte must be
//     whitespace, ";", "{" or ")"; anything else is `unexpected "x"`. A ")"
//     there starts a new word, so `if ($a = "b")` yields the words "($a", "=",
//     "b" and ")".
//   - A backslash makes the next byte part of the word whatever it is, both
//     inside and outside quotes. When the word is stored, only \", \', \\, \t,
//     \r and \n are translated; any other backslash is kept ("\d" stays "\d",
//     "a\ b" stays "a\ b").
//   - "{" right after "$" does not end a word, so "${var}" stays one word,
//     also at the start of a word; "}" never ends a word ("a}b" is one word).
//   - nginx does not remember which words were quoted: "~" and ~ are the same
//     word to it. [Directive.Quoted] is recorded for tools only.
//   - nginx reads the file through a 4096-byte buffer and rejects any word,
//     or comment, that would need more ("too long parameter").
//
// # Line numbers
//
// nginx reports every error with the line its reader has reached: for a
// directive, that is the line holding the ";" or "{" that ended it, not the
// line of its name. [Directive.Line] records that line so that errors raised
// later match `nginx -t` byte for byte.
package nginxconf

import (
	"fmt"
	"strings"
)

// maxParam is the size of nginx's configuration read buffer (NGX_CONF_BUFFER).
// nginx keeps the bytes from the start of the current word (or comment, or the
// last whitespace byte) in that buffer; when it has to refill the buffer and
// those bytes fill all of it, it fails with "too long parameter". The
// condition does not depend on where the buffer refills happen: it is
// exactly "4096 bytes read since the word started, and the file goes on".
const maxParam = 4096

// Directive is one nginx directive: name, arguments, optional block, and where
// it was written.
//
// Directives are plain data: the parser creates them, and nothing in this
// package keeps or mutates them afterwards.
type Directive struct {
	// Name is the first word of the statement ("server", "proxy_pass"). In
	// blocks with their own syntax, such as types { } or map { }, it is
	// whatever word comes first ("text/html", "default", "~^/x").
	Name string

	// Args are the remaining words, unquoted, with escapes processed exactly
	// as ngx_conf_read_token does. Variables ("$host", "${host}") are kept
	// verbatim. Nil when there are none.
	Args []string

	// Quoted reports, per element of Args, whether it was written in quotes.
	// nginx itself discards this (a quoted "~" and a bare ~ are the same
	// word to it), so meaning must not depend on it; it is kept for [Format]
	// and for tools that want to point at a suspicious literal.
	Quoted []bool

	// Block holds the children when HasBlock is set. Nil for an empty block.
	Block []*Directive

	// HasBlock reports whether the directive ended with "{" rather than ";".
	HasBlock bool

	// File is the name of the file the directive was read from, as given to
	// [Parse] or as resolved by [Loader] (the name nginx would print).
	File string

	// Line is the 1-based line on which the directive's terminating ";" or
	// "{" was read. This is the line nginx prints for any error about the
	// directive ("... in FILE:LINE"), which for a directive spread over
	// several lines is its last line, not the line of its name.
	Line int

	// EndLine is the line of the "}" that closed the block: the line nginx
	// prints for errors it finds when a block ends (for example an upstream
	// without servers). It is 0 when there is no block, and also for a block
	// that was still open when a syntax error stopped the parse.
	EndLine int
}

// SyntaxError is an error nginx reports while reading configuration files,
// before or instead of interpreting a directive: a malformed statement, an
// unbalanced brace, or an include that could not be read.
type SyntaxError struct {
	// File and Line locate the error as nginx does. File is empty for errors
	// nginx reports without a location (the main file cannot be opened, a
	// file cannot be read).
	File string
	Line int

	// Msg is nginx's message text without the location, e.g. `unexpected "}"`.
	Msg string

	// sys is the " (2: No such file or directory)" tail of Msg, if any; nginx
	// formats it separately, which matters when it truncates.
	sys string

	// err is the underlying cause, if any (an *fs.PathError for includes),
	// so that errors.Is(err, fs.ErrNotExist) works.
	err error
}

// maxErrStr is nginx's limit on the message part of a configuration error
// (NGX_MAX_CONF_ERRSTR); longer messages are cut.
const maxErrStr = 1024

// Error formats the error as nginx prints it after "[emerg] ", e.g.
// `unexpected "}" in /etc/nginx/nginx.conf:12`, including nginx's cut of
// messages longer than 1024 bytes (a very long include path, say).
func (e *SyntaxError) Error() string {
	msg := e.Msg
	if e.sys == "" {
		msg = msg[:min(len(msg), maxErrStr)]
	} else {
		// ngx_log_errno keeps 50 bytes for the errno text, marking the cut
		// with "...".
		base := msg[:len(msg)-len(e.sys)]
		if len(base) > maxErrStr-50 {
			base = base[:maxErrStr-50] + "..."
		}
		msg = base + e.sys
	}
	if e.File == "" {
		return msg
	}
	return fmt.Sprintf("%s in %s:%d", msg, e.File, e.Line)
}

// Unwrap returns the underlying cause, or nil.
func (e *SyntaxError) Unwrap() error { return e.err }

// Parse parses one nginx configuration file. file is only used to fill in
// [Directive.File] and error locations. Parse checks syntax only: directive
// names are not checked and "include" is left as an ordinary directive (use
// [Loader] to expand includes).
//
// On error, Parse also returns the directives it completed before the error,
// inside any blocks that were still open. nginx checks each directive as soon
// as it reads it, so a caller that checks directives can walk this partial
// tree first and report an earlier error in its place, as nginx would. The
// error is always a *[SyntaxError].
func Parse(file string, src []byte) ([]*Directive, error) {
	p := parser{lx: lexer{file: file, src: src, line: 1}}
	return p.parse()
}

// ParseString is [Parse] for a string.
func ParseString(file, src string) ([]*Directive, error) {
	return Parse(file, []byte(src))
}

// stmtKind is what ended a statement, as ngx_conf_read_token reports it.
type stmtKind int

const (
	stmtSimple     stmtKind = iota // words ended by ";"
	stmtBlockStart                 // words ended by "{"
	stmtBlockEnd                   // a lone "}"
	stmtEOF                        // end of input between statements
)

// word is one argument as read: its processed text and whether it was quoted.
type word struct {
	text   string
	quoted bool
}

// lexer is a Go rendering of ngx_conf_read_token's state machine. It is kept
// as a flat byte loop with the same flags as nginx so that every odd input
// fails (or does not) exactly as nginx does.
type lexer struct {
	file  string
	src   []byte
	pos   int // next byte to read
	line  int // current line, counted by LF only, as nginx does
	words []word
}

// next reads one statement into lx.words.
func (lx *lexer) next() (stmtKind, error) {
	lx.words = lx.words[:0]

	var (
		lastSpace    = true   // between words
		needSpace    bool     // just after a closing quote
		sharpComment bool     // inside a # comment
		escaped      bool     // previous byte was a backslash
		variable     bool     // previous byte was "$" (or "${"), so "{" does not end the word
		quote        byte     // the open quote, if the current word is quoted
		quotedWord   bool     // the current word started with a quote
		start        = lx.pos // where the current word (or run) starts, as nginx's start
		startLine    = lx.line
	)

	for {
		if lx.pos >= len(lx.src) {
			if len(lx.words) > 0 || !lastSpace {
				return 0, lx.errorf(lx.line, `unexpected end of file, expecting ";" or "}"`)
			}
			return stmtEOF, nil
		}
		if lx.pos-start >= maxParam {
			switch {
			case quote != 0:
				return 0, lx.errorf(startLine, `too long parameter, probably missing terminating "%c" character`, quote)
			default:
				return 0, lx.errorf(startLine, `too long parameter "%s..." started`, lx.src[start:start+10])
			}
		}

		ch := lx.src[lx.pos]
		lx.pos++

		if ch == '\n' {
			lx.line++
			sharpComment = false
		}
		if sharpComment {
			continue
		}
		if escaped {
			escaped = false
			continue
		}

		if needSpace {
			switch ch {
			case ' ', '\t', '\r', '\n':
				lastSpace = true
				needSpace = false
				continue
			case ';':
				return stmtSimple, nil
			case '{':
				return stmtBlockStart, nil
			case ')':
				// Allowed so that `if ($a = "b")` works; the ")" then
				// starts a word of its own below.
				lastSpace = true
				needSpace = false
			default:
				return 0, lx.errorf(lx.line, `unexpected "%s"`, []byte{ch})
			}
		}

		if lastSpace {
			// nginx moves start on every byte between words, whitespace
			// included, so long runs of blank lines are never "too long".
			start = lx.pos - 1
			startLine = lx.line

			switch ch {
			case ' ', '\t', '\r', '\n':
				continue
			case ';', '{':
				if len(lx.words) == 0 {
					return 0, lx.errorf(lx.line, `unexpected "%c"`, ch)
				}
				if ch == '{' {
					return stmtBlockStart, nil
				}
				return stmtSimple, nil
			case '}':
				if len(lx.words) != 0 {
					return 0, lx.errorf(lx.line, `unexpected "}"`)
				}
				return stmtBlockEnd, nil
			case '#':
				sharpComment = true
				continue
			case '\\':
				escaped = true
			case '"', '\'':
				start++
				quote = ch
			case '$':
				variable = true
			}
			lastSpace = false
			quotedWord = quote != 0
			continue
		}

		if ch == '{' && variable {
			continue
		}
		variable = false
		if ch == '\\' {
			escaped = true
			continue
		}
		if ch == '$' {
			variable = true
			continue
		}

		found := false
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
				needSpace = true
				found = true
			}
		case ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == ';' || ch == '{':
			lastSpace = true
			found = true
		}
		if !found {
			continue
		}

		lx.words = append(lx.words, word{text: unescape(lx.src[start : lx.pos-1]), quoted: quotedWord})
		quotedWord = false
		switch ch {
		case ';':
			return stmtSimple, nil
		case '{':
			return stmtBlockStart, nil
		}
	}
}

// unescape stores a word the way ngx_conf_read_token copies it: \" \' \\ lose
// the backslash, \t \r \n become control characters, and any other backslash
// is kept together with the byte after it.
func unescape(raw []byte) string {
	if !containsByte(raw, '\\') {
		return string(raw)
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\\' && i+1 < len(raw) {
			switch raw[i+1] {
			case '"', '\'', '\\':
				i++
				c = raw[i]
			case 't':
				i++
				c = '\t'
			case 'r':
				i++
				c = '\r'
			case 'n':
				i++
				c = '\n'
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

func (lx *lexer) errorf(line int, format string, args ...any) *SyntaxError {
	return &SyntaxError{File: lx.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// parser assembles statements into a tree, as ngx_conf_parse does through
// its recursion into blocks; an explicit stack keeps deep nesting off the Go
// stack.
type parser struct {
	lx    lexer
	root  []*Directive
	stack []*Directive // open blocks, innermost last
}

func (p *parser) parse() ([]*Directive, error) {
	for {
		kind, err := p.lx.next()
		if err != nil {
			return p.root, err
		}
		switch kind {
		case stmtSimple, stmtBlockStart:
			p.add(p.directive(kind == stmtBlockStart))
		case stmtBlockEnd:
			if len(p.stack) == 0 {
				return p.root, p.lx.errorf(p.lx.line, `unexpected "}"`)
			}
			p.stack[len(p.stack)-1].EndLine = p.lx.line
			p.stack = p.stack[:len(p.stack)-1]
		case stmtEOF:
			if len(p.stack) != 0 {
				return p.root, p.lx.errorf(p.lx.line, `unexpected end of file, expecting "}"`)
			}
			return p.root, nil
		}
	}
}

func (p *parser) directive(block bool) *Directive {
	ws := p.lx.words
	d := &Directive{
		Name:     ws[0].text,
		HasBlock: block,
		File:     p.lx.file,
		Line:     p.lx.line,
	}
	if len(ws) > 1 {
		d.Args = make([]string, len(ws)-1)
		d.Quoted = make([]bool, len(ws)-1)
		for i, w := range ws[1:] {
			d.Args[i] = w.text
			d.Quoted[i] = w.quoted
		}
	}
	return d
}

// add appends d to the innermost open block and opens d's own block.
func (p *parser) add(d *Directive) {
	if n := len(p.stack); n > 0 {
		parent := p.stack[n-1]
		parent.Block = append(parent.Block, d)
	} else {
		p.root = append(p.root, d)
	}
	if d.HasBlock {
		p.stack = append(p.stack, d)
	}
}
