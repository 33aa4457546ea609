// Package accesslog is nginx's access log module for frontdesk's binary
// and frontdesktest: log_format compiled and rendered from a
// [frontdesk.RequestInfo] (ngx_http_log_module), and which access_log
// directives apply to a server block. Writing the lines (files, reopen)
// is the binary's.
package accesslog

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-go/frontdesk"
)

// Combined is nginx's predefined format.
const Combined = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

// Escape is a log_format's escape= parameter.
type Escape uint8

const (
	// EscapeDefault writes `"`, `\`, control bytes and bytes from 0x7f
	// as \xHH (ngx_http_log_escape).
	EscapeDefault Escape = iota
	// EscapeJSON escapes as a JSON string's contents (ngx_escape_json),
	// and a variable without a value is empty rather than "-".
	EscapeJSON
	// EscapeNone writes values as they are.
	EscapeNone
)

// Format is a compiled log_format.
type Format struct {
	parts  []part
	escape Escape
}

// part is a literal or, when variable is set, an nginx variable.
type part struct {
	text     string
	variable bool
}

// Compile splits text into literals and variables ("$name" or
// "${name}"), as ngx_http_log_compile_format does.
func Compile(text string, escape Escape) (*Format, error) {
	f := &Format{escape: escape}
	for text != "" {
		i := strings.IndexByte(text, '$')
		if i < 0 {
			f.parts = append(f.parts, part{text: text})
			break
		}
		if i > 0 {
			f.parts = append(f.parts, part{text: text[:i]})
		}
		text = text[i+1:]
		var name string
		if strings.HasPrefix(text, "{") {
			end := strings.IndexByte(text, '}')
			if end < 0 {
				return nil, fmt.Errorf("the closing bracket in \"%s\" variable is missing", text[1:])
			}
			name, text = text[1:end], text[end+1:]
		} else {
			n := 0
			for n < len(text) && isVarByte(text[n]) {
				n++
			}
			name, text = text[:n], text[n:]
		}
		if name == "" {
			return nil, fmt.Errorf("invalid variable name in \"%s\"", text)
		}
		f.parts = append(f.parts, part{text: strings.ToLower(name), variable: true})
	}
	return f, nil
}

func isVarByte(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// usesServerVariables reports whether f logs a variable of Conn/Request
// (vars.go), which needs the server to number and time requests.
func (f *Format) usesServerVariables() bool {
	for _, p := range f.parts {
		if p.variable && serverVariables[p.text] {
			return true
		}
	}
	return false
}

// Line renders the access log line of a request, ending in a newline;
// now is the time of the log write. wire is the request's traffic as its
// server loop counted it, nil when the loop does not count.
func (f *Format) Line(info frontdesk.RequestInfo, now time.Time, wire Wire) []byte {
	b := make([]byte, 0, 256)
	for _, p := range f.parts {
		if !p.variable {
			b = append(b, p.text...)
			continue
		}
		var v string
		switch p.text {
		// The log module's own time variables are the time of the log
		// write, not of the request's start.
		case "time_local":
			v = now.Format("02/Jan/2006:15:04:05 -0700")
		case "time_iso8601":
			v = now.Format("2006-01-02T15:04:05-07:00")
		case "msec":
			v = strconv.FormatFloat(float64(now.UnixMilli())/1000, 'f', 3, 64)
		default:
			var ok bool
			if v, ok = serverVariable(info.Request(), p.text, now, wire); !ok {
				v, _ = info.Variable(p.text)
			}
		}
		if v == "" {
			// nginx logs "-" for a variable with no value (json: nothing);
			// frontdesk cannot tell an empty value from a missing one.
			if f.escape != EscapeJSON {
				b = append(b, '-')
			}
			continue
		}
		b = f.escapeValue(b, v)
	}
	return append(b, '\n')
}

// escapeValue appends v escaped as f says.
func (f *Format) escapeValue(b []byte, v string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case f.escape == EscapeNone:
			b = append(b, c)
		case f.escape == EscapeJSON:
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, `\n`...)
			case c == '\r':
				b = append(b, `\r`...)
			case c == '\t':
				b = append(b, `\t`...)
			case c == '\b':
				b = append(b, `\b`...)
			case c == '\f':
				b = append(b, `\f`...)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
		case c == '"' || c == '\\' || c < 0x20 || c >= 0x7f:
			b = append(b, '\\', 'x', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return b
}
