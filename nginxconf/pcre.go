package nginxconf

// nginx compiles every regex of a configuration with pcre2_compile when it
// reads it, and reports a failure as
//
//	pcre2_compile() failed: REASON in "PATTERN" at "REST"
//
// where REST is the pattern from PCRE2's error offset on (the "at" part is
// left out when the offset is the end of the pattern). pcreError finds the
// syntax errors people make, with PCRE2 10.42's reasons and offsets:
// unbalanced parentheses and brackets, quantifiers with nothing to repeat,
// bad {n,m} counts, reversed ranges, bad group names, unknown escapes and
// POSIX classes. A pattern it accepts may still be refused by frontdesk's
// regex engines, which [frontdesk.New] reports.

import (
	"fmt"
	"strings"
)

// pcreError returns nginx's message for a regex PCRE2 rejects, or "".
func pcreError(p string) string {
	reason, off := pcreScan(p)
	if reason == "" {
		return ""
	}
	if off >= len(p) {
		return fmt.Sprintf("pcre2_compile() failed: %s in \"%s\"", reason, p)
	}
	return fmt.Sprintf("pcre2_compile() failed: %s in \"%s\" at \"%s\"", reason, p, p[off:])
}

// pcreScan walks the pattern once, as PCRE2's parser does, and returns the
// first error and its offset.
func pcreScan(p string) (reason string, offset int) {
	const (
		errParen      = "missing closing parenthesis"
		errQuantifier = "quantifier does not follow a repeatable item"
	)
	var (
		open      []int // offsets of unclosed "("
		names     = map[string]bool{}
		refs      []nameRef
		canRepeat bool // the last item can take a quantifier
	)
	for i := 0; i < len(p); {
		c := p[i]
		switch c {
		case '\\':
			next, repeatable, reason, off := pcreEscape(p, i, &refs)
			if reason != "" {
				return reason, off
			}
			i, canRepeat = next, repeatable
		case '[':
			next, reason, off := pcreClass(p, i)
			if reason != "" {
				return reason, off
			}
			i, canRepeat = next, true
		case '(':
			if strings.HasPrefix(p[i:], "(*") && i+2 < len(p) && isUpper(p[i+2]) {
				// A verb such as (*FAIL) or a start option (*UTF).
				end := strings.IndexByte(p[i:], ')')
				if end < 0 {
					return "(*VERB) not recognized or malformed", len(p)
				}
				i, canRepeat = i+end+1, false
				continue
			}
			if strings.HasPrefix(p[i:], "(?#") {
				end := strings.IndexByte(p[i:], ')')
				if end < 0 {
					return "missing ) after (?# comment", len(p)
				}
				i += end + 1
				continue
			}
			next, group, reason, off := pcreGroupStart(p, i, names, &refs)
			if reason != "" {
				return reason, off
			}
			if group {
				open = append(open, i)
				canRepeat = false
			} else {
				canRepeat = true // (?R), (?1), (?&name), (?P=name), (?i)
				if strings.HasPrefix(p[i:], "(?") && optionSetting(p[i+2:next-1]) {
					canRepeat = false
				}
			}
			i = next
			continue
		case ')':
			if len(open) == 0 {
				return "unmatched closing parenthesis", i
			}
			open = open[:len(open)-1]
			i, canRepeat = i+1, true
		case '|':
			i, canRepeat = i+1, false
		case '^', '$':
			i, canRepeat = i+1, false
		case '*', '+', '?':
			if !canRepeat {
				return errQuantifier, i
			}
			i++
			if i < len(p) && (p[i] == '+' || p[i] == '?') {
				i++ // possessive or lazy
			}
			canRepeat = false
			continue
		case '{':
			end, lo, hi, isQuant := pcreCount(p, i)
			if !isQuant {
				i, canRepeat = i+1, true
				break
			}
			if lo > 65535 || hi > 65535 {
				return "number too big in {} quantifier", end - 1
			}
			if hi >= 0 && hi < lo {
				return "numbers out of order in {} quantifier", end - 1
			}
			if !canRepeat {
				return errQuantifier, end - 1
			}
			i = end
			if i < len(p) && (p[i] == '+' || p[i] == '?') {
				i++
			}
			canRepeat = false
			continue
		default:
			i, canRepeat = i+1, true
		}
	}
	if len(open) > 0 {
		return errParen, len(p)
	}
	for _, r := range refs {
		if !names[r.name] {
			return "reference to non-existent subpattern", r.at
		}
	}
	return "", 0
}

// nameRef is a reference to a named group, checked once every name is
// known.
type nameRef struct {
	name string
	at   int
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

func isWordByte(c byte) bool {
	return c == '_' || isDigit(c) || isAlpha(c)
}

// optionSetting reports whether the inside of "(?...)" is an option
// setting such as "i" or "-s".
func optionSetting(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("imnsxJU-^", rune(s[i])) {
			return false
		}
	}
	return true
}

// pcreEscape reads the escape at p[i] ("\").
func pcreEscape(p string, i int, refs *[]nameRef) (next int, repeatable bool, reason string, offset int) {
	if i+1 >= len(p) {
		return 0, false, `\ at end of pattern`, len(p)
	}
	c := p[i+1]
	switch c {
	case 'b', 'B', 'A', 'Z', 'z', 'G', 'K':
		return i + 2, false, "", 0
	case 'c':
		if i+2 >= len(p) {
			return 0, false, `\c at end of pattern`, len(p)
		}
		return i + 3, true, "", 0
	case 'l', 'L', 'u', 'U', 'F':
		return 0, false, `PCRE2 does not support \F, \L, \l, \N{name}, \U, or \u`, i + 2
	case 'i', 'j', 'm', 'q', 'y', 'I', 'J', 'M', 'O', 'T', 'Y':
		return 0, false, `unrecognized character follows \`, i + 1
	case 'o':
		if i+2 >= len(p) || p[i+2] != '{' {
			return 0, false, `missing opening brace after \o`, i + 2
		}
	case 'k':
		open := byte(0)
		if i+2 < len(p) {
			open = p[i+2]
		}
		closer := map[byte]byte{'<': '>', '\'': '\'', '{': '}'}[open]
		if closer == 0 {
			return 0, false, `\k is not followed by a braced, angle-bracketed, or quoted name`, i + 2
		}
		end := strings.IndexByte(p[i+3:], closer)
		if end < 0 {
			return 0, false, "syntax error in subpattern name (missing terminator?)", len(p)
		}
		*refs = append(*refs, nameRef{name: p[i+3 : i+3+end], at: i + 3})
		return i + 3 + end + 1, true, "", 0
	}
	return i + 2, true, "", 0
}

// pcreClass reads the character class at p[i] ("[").
func pcreClass(p string, i int) (next int, reason string, offset int) {
	j := i + 1
	if j < len(p) && p[j] == '^' {
		j++
	}
	first := true
	prev := -1 // the last single character, for ranges
	for j < len(p) {
		c := p[j]
		switch {
		case c == ']' && !first:
			return j + 1, "", 0
		case c == '[' && j+1 < len(p) && (p[j+1] == ':' || p[j+1] == '.' || p[j+1] == '='):
			end := strings.Index(p[j+2:], string(p[j+1])+"]")
			if end < 0 {
				prev = int(c)
				j++
				break
			}
			if p[j+1] == ':' {
				name := strings.TrimPrefix(p[j+2:j+2+end], "^")
				if !posixClasses[name] {
					return 0, "unknown POSIX class name", j + 2
				}
			}
			j += 2 + end + 2
			prev = -1
		case c == '\\':
			if j+1 >= len(p) {
				return 0, `\ at end of pattern`, len(p)
			}
			if isAlpha(p[j+1]) {
				prev = -1 // \d, \w ... are not range ends
			} else {
				prev = int(p[j+1])
			}
			j += 2
		case c == '-' && prev >= 0 && j+1 < len(p) && p[j+1] != ']':
			hi := int(p[j+1])
			at := j + 1
			if p[j+1] == '\\' {
				if j+2 >= len(p) || isAlpha(p[j+2]) {
					prev = -1
					j++
					break
				}
				hi, at = int(p[j+2]), j+2
			}
			if hi < prev {
				return 0, "range out of order in character class", at
			}
			j = at + 1
			prev = -1
		default:
			prev = int(c)
			j++
		}
		first = false
	}
	return 0, "missing terminating ] for character class", len(p)
}

var posixClasses = map[string]bool{
	"alpha": true, "lower": true, "upper": true, "alnum": true, "ascii": true, "blank": true, "cntrl": true,
	"digit": true, "graph": true, "print": true, "punct": true, "space": true, "word": true, "xdigit": true,
}

// pcreCount reads "{n}", "{n,}" or "{n,m}" at p[i]; anything else is a
// literal "{" in PCRE2 10.42. hi is -1 when open.
func pcreCount(p string, i int) (end, lo, hi int, ok bool) {
	j := i + 1
	lo, j, ok = digits(p, j)
	if !ok {
		return 0, 0, 0, false
	}
	hi = lo
	if j < len(p) && p[j] == ',' {
		j++
		hi = -1
		if j < len(p) && isDigit(p[j]) {
			hi, j, _ = digits(p, j)
		}
	}
	if j >= len(p) || p[j] != '}' {
		return 0, 0, 0, false
	}
	return j + 1, lo, hi, true
}

func digits(p string, j int) (n, next int, ok bool) {
	start := j
	for j < len(p) && isDigit(p[j]) {
		if n < 1<<20 {
			n = n*10 + int(p[j]-'0')
		}
		j++
	}
	return n, j, j > start
}

// pcreGroupStart reads what follows "(" at p[i]. group reports whether a
// group was opened (a ")" must close it); otherwise next is past a whole
// item such as "(?1)" or "(?i)".
func pcreGroupStart(p string, i int, names map[string]bool, refs *[]nameRef) (next int, group bool, reason string, offset int) {
	if i+1 >= len(p) || p[i+1] != '?' {
		return i + 1, true, "", 0
	}
	j := i + 2
	if j >= len(p) {
		return 0, false, "missing closing parenthesis", len(p)
	}
	switch c := p[j]; {
	case c == ':' || c == '=' || c == '!' || c == '>' || c == '|':
		return j + 1, true, "", 0
	case c == '<' && j+1 < len(p) && (p[j+1] == '=' || p[j+1] == '!'):
		return j + 2, true, "", 0
	case c == '<' || c == '\'' || (c == 'P' && j+1 < len(p) && p[j+1] == '<'):
		start := j + 1
		closer := byte('>')
		if c == '\'' {
			closer = '\''
		}
		if c == 'P' {
			start++
		}
		if start >= len(p) {
			return 0, false, "subpattern name expected", len(p)
		}
		if isDigit(p[start]) {
			return 0, false, "subpattern name must start with a non-digit", start
		}
		k := start
		for k < len(p) && isWordByte(p[k]) {
			k++
		}
		if k == start {
			return 0, false, "subpattern name expected", k
		}
		if k >= len(p) || p[k] != closer {
			return 0, false, "syntax error in subpattern name (missing terminator?)", k
		}
		name := p[start:k]
		if names[name] {
			return 0, false, "two named subpatterns have the same name (PCRE2_DUPNAMES not set)", k + 1
		}
		names[name] = true
		return k + 1, true, "", 0
	case c == 'P' && j+1 < len(p) && (p[j+1] == '=' || p[j+1] == '>'),
		c == '&':
		start := j + 1
		if c == 'P' {
			start++
		}
		end := strings.IndexByte(p[start:], ')')
		if end < 0 {
			return 0, false, "syntax error in subpattern name (missing terminator?)", len(p)
		}
		*refs = append(*refs, nameRef{name: p[start : start+end], at: start})
		return start + end + 1, false, "", 0
	case c == '(':
		// A condition: skip to its ")", then the group goes on.
		end := strings.IndexByte(p[j:], ')')
		if end < 0 {
			return 0, false, "missing closing parenthesis", len(p)
		}
		return j + end + 1, true, "", 0
	case c == 'R' || isDigit(c) || c == '+' || c == '-' && j+1 < len(p) && isDigit(p[j+1]):
		end := strings.IndexByte(p[j:], ')')
		if end < 0 {
			return 0, false, "missing closing parenthesis", len(p)
		}
		return j + end + 1, false, "", 0
	default:
		// Option settings: "(?i)" or "(?i:...)".
		k := j
		for k < len(p) && strings.IndexByte("imnsxJU-^", p[k]) >= 0 {
			k++
		}
		if k >= len(p) {
			return 0, false, "missing closing parenthesis", len(p)
		}
		switch p[k] {
		case ')':
			return k + 1, false, "", 0
		case ':':
			return k + 1, true, "", 0
		}
		return 0, false, "unrecognized character after (? or (?-", k
	}
}
