package frontdesk

// nginx variables. A string with variables ("$scheme://$host$uri") is
// compiled once into a template of literal and variable parts; expanding
// it appends to a caller's buffer. Variable names follow nginx's script
// compiler: "$name" takes letters, digits and "_", "${name}" allows text
// right after, "$1".."$9" are captures of the last regex match (one digit
// only: "$10" is "$1" then "0"), and an unknown name is a configuration
// error.

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

type template struct {
	raw   string
	parts []tpart
	// captures reports whether the template reads regex captures.
	captures bool
	// prime lists the map parts of a template that also reads captures:
	// nginx runs a template's length codes before its value codes, so a
	// map's regex, evaluated in the first pass, has replaced the captures
	// every $1 of the second pass reads, wherever it stands.
	prime []int
}

type tpart struct {
	lit     string
	get     varGetter // nil for a literal or a capture
	arg     string    // suffix for prefixed families ($http_NAME …) or a capture name
	capture int       // -1 unless a numbered capture
	mapVar  bool      // a map's variable: see template.prime
}

// varGetter appends the value of a variable to dst.
type varGetter func(st *reqState, arg string, dst []byte) []byte

// static reports whether the template has no variables.
func (t *template) static() bool {
	return len(t.parts) == 0 || (len(t.parts) == 1 && t.parts[0].get == nil && t.parts[0].capture < 0 && t.parts[0].arg == "")
}

func (t *template) expand(st *reqState, dst []byte) []byte {
	if len(t.prime) > 0 {
		t.primeMaps(st)
	}
	for i := range t.parts {
		p := &t.parts[i]
		switch {
		case p.get != nil:
			dst = p.get(st, p.arg, dst)
		case p.capture >= 0:
			dst = st.appendCapture(dst, p.capture)
		case p.arg != "":
			dst = st.appendNamedCapture(dst, p.arg)
		default:
			dst = append(dst, p.lit...)
		}
	}
	return dst
}

// String expands the template to a new string, the string being the
// only allocation: the expansion goes through the state's buffer (taken
// for the time, so that a template expanded meanwhile by a variable uses
// a fresh one).
func (t *template) string(st *reqState) string {
	if t.static() {
		return t.raw
	}
	buf := st.keep.expand
	st.keep.expand = nil
	buf = t.expand(st, buf[:0])
	s := string(buf)
	if cap(buf) <= 4<<10 {
		st.keep.expand = buf
	}
	return s
}

func isVarChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func compileTemplate(s string, scope *varScope) (*template, error) {
	t := &template{raw: s}
	lit := 0
	flush := func(end int) {
		if end > lit {
			t.parts = append(t.parts, tpart{lit: s[lit:end], capture: -1})
		}
	}
	for i := 0; i < len(s); {
		if s[i] != '$' {
			i++
			continue
		}
		flush(i)
		j := i + 1
		if j < len(s) && s[j] >= '1' && s[j] <= '9' {
			t.parts = append(t.parts, tpart{capture: int(s[j] - '0')})
			t.captures = true
			i = j + 1
			lit = i
			continue
		}
		// As ngx_http_script_compile: the name is the run of name bytes
		// after "$" or "${"; with a bracket it must end at "}".
		bracket := j < len(s) && s[j] == '{'
		if bracket {
			j++
		}
		k := j
		for k < len(s) && isVarChar(s[k]) {
			k++
		}
		name := s[j:k]
		i = k
		if bracket && j < len(s) {
			if k == len(s) || s[k] != '}' {
				return nil, fmt.Errorf("the closing bracket in %q variable is missing", name)
			}
			i++
		}
		lit = i
		if name == "" {
			return nil, errors.New("invalid variable name")
		}
		p, err := lookupVariable(name, scope)
		if err != nil {
			return nil, err
		}
		if p.get == nil {
			t.captures = true
		}
		if p.mapVar {
			t.prime = append(t.prime, len(t.parts))
		}
		t.parts = append(t.parts, p)
	}
	flush(len(s))
	if !t.captures {
		t.prime = nil
	}
	return t, nil
}

// primeMaps evaluates the template's maps ahead of its expansion, as
// nginx's length pass does (see template.prime); non-volatile maps keep
// the value for the expansion itself.
func (t *template) primeMaps(st *reqState) {
	for _, i := range t.prime {
		p := &t.parts[i]
		_ = p.get(st, p.arg, nil)
	}
}

// varScope is what a configuration declares beyond nginx's built-in
// variables: named regex captures, "set" variables and "map" results.
type varScope struct {
	captures map[string]bool
	set      map[string]bool
	maps     map[string]*mapVariable
}

func lookupVariable(name string, scope *varScope) (tpart, error) {
	lname := strings.ToLower(name)
	if get, ok := variables[lname]; ok {
		return tpart{get: get, capture: -1}, nil
	}
	if scope != nil {
		// Declared variables are case-insensitive like nginx's, and they
		// shadow the prefixed families as nginx's declared variables do.
		if scope.set[lname] {
			return tpart{get: varSet, arg: lname, capture: -1}, nil
		}
		if m := scope.maps[lname]; m != nil {
			return tpart{get: m.get, arg: lname, capture: -1, mapVar: true}, nil
		}
		for n := range scope.captures {
			if strings.EqualFold(n, name) {
				return tpart{arg: lname, capture: -1}, nil
			}
		}
	}
	for _, f := range variableFamilies {
		if arg, ok := strings.CutPrefix(lname, f.prefix); ok && arg != "" {
			return tpart{get: f.get, arg: f.normalise(arg), capture: -1}, nil
		}
	}
	return tpart{}, fmt.Errorf("unknown %q variable", name)
}

type variableFamily struct {
	prefix    string
	get       varGetter
	normalise func(string) string
}

func keep(s string) string { return s }

// headerName turns the suffix of $http_x_real_ip into X-Real-Ip form.
func headerName(s string) string { return http.CanonicalHeaderKey(strings.ReplaceAll(s, "_", "-")) }

var variableFamilies = []variableFamily{
	{"http_", varHTTP, headerName},
	{"arg_", varArg, keep},
	{"cookie_", varCookie, keep},
	{"sent_http_", varSentHTTP, headerName},
	{"upstream_http_", varUpstreamHTTP, headerName},
	{"upstream_cookie_", varUpstreamCookie, keep},
}

var variables map[string]varGetter

func init() {
	// Assigned in init because the getters refer back to the table through
	// compileTemplate.
	variables = map[string]varGetter{
		"uri":          func(st *reqState, _ string, d []byte) []byte { return append(d, st.uri...) },
		"document_uri": func(st *reqState, _ string, d []byte) []byte { return append(d, st.uri...) },
		"request_uri":  func(st *reqState, _ string, d []byte) []byte { return append(d, st.target.RequestURI...) },
		"args":         func(st *reqState, _ string, d []byte) []byte { return append(d, st.args...) },
		"query_string": func(st *reqState, _ string, d []byte) []byte { return append(d, st.args...) },
		"is_args":      varIsArgs,
		"host":         func(st *reqState, _ string, d []byte) []byte { return append(d, st.host()...) },
		"hostname":     varHostname,
		"server_addr": func(st *reqState, _ string, d []byte) []byte {
			h, _ := splitAddr(st.localAddr())
			return append(d, h...)
		},
		"server_port": func(st *reqState, _ string, d []byte) []byte {
			_, p := splitAddr(st.localAddr())
			return append(d, p...)
		},
		"server_name":      func(st *reqState, _ string, d []byte) []byte { return append(d, st.srv.name...) },
		"scheme":           func(st *reqState, _ string, d []byte) []byte { return append(d, st.scheme()...) },
		"https":            varHTTPS,
		"request_method":   func(st *reqState, _ string, d []byte) []byte { return append(d, st.method...) },
		"document_root":    varDocumentRoot,
		"realpath_root":    varRealpathRoot,
		"request_filename": varRequestFilename,
		"content_type":     func(st *reqState, _ string, d []byte) []byte { return append(d, st.r.Header.Get("Content-Type")...) },
		"content_length":   func(st *reqState, _ string, d []byte) []byte { return append(d, st.r.Header.Get("Content-Length")...) },
		"server_protocol":  func(st *reqState, _ string, d []byte) []byte { return append(d, st.r.Proto...) },
		"request_id":       varRequestID,
		"msec":             varMsec,
		"time_iso8601": func(st *reqState, _ string, d []byte) []byte {
			return st.now().AppendFormat(d, "2006-01-02T15:04:05-07:00")
		},
		"time_local": func(st *reqState, _ string, d []byte) []byte {
			return st.now().AppendFormat(d, "02/Jan/2006:15:04:05 -0700")
		},
		"status": varStatus,
		"http_cookie": func(st *reqState, _ string, d []byte) []byte {
			return appendJoined(d, st.r.Header.Values("Cookie"), "; ")
		},
		"http_x_forwarded_for": func(st *reqState, _ string, d []byte) []byte {
			return appendJoined(d, st.r.Header.Values("X-Forwarded-For"), ", ")
		},
	}
	registerProxyVariables(variables)
	registerUpstreamVariables(variables)
	registerRealIPVariables(variables)
	registerLogVariables(variables)
	registerTLSVariables(variables)
}

func appendJoined(d []byte, vals []string, sep string) []byte {
	for i, v := range vals {
		if i > 0 {
			d = append(d, sep...)
		}
		d = append(d, v...)
	}
	return d
}

// varIsArgs is "?" when there are args: nginx treats "/a?" as having none.
func varIsArgs(st *reqState, _ string, d []byte) []byte {
	if st.args != "" {
		return append(d, '?')
	}
	return d
}

func varHTTPS(st *reqState, _ string, d []byte) []byte {
	if st.r.TLS != nil {
		return append(d, "on"...)
	}
	return d
}

func varHostname(_ *reqState, _ string, d []byte) []byte {
	return append(d, hostname...)
}

var hostname = func() string {
	h, _ := osHostname()
	return h
}()

// varHTTP is $http_NAME: the first request header of that name. nginx
// 1.22 joins repeated headers only for Cookie and X-Forwarded-For, which
// have variables of their own in the table above.
func varHTTP(st *reqState, name string, d []byte) []byte {
	if name == "Host" {
		return append(d, st.r.Host...)
	}
	if vs := st.r.Header[name]; len(vs) > 0 {
		return append(d, vs[0]...)
	}
	if v, ok := underscoreHeader(st.r.Header, name); ok {
		return append(d, v...)
	}
	return d
}

func varSentHTTP(st *reqState, name string, d []byte) []byte {
	if st.w == nil {
		return d
	}
	if vs := st.w.Header()[name]; len(vs) > 0 {
		return append(d, vs[0]...)
	}
	return d
}

// varArg is $arg_NAME: the raw value of the first argument whose name
// matches NAME case-insensitively, as ngx_http_arg finds it.
func varArg(st *reqState, name string, d []byte) []byte {
	if v, ok := findArg(st.args, name); ok {
		return append(d, v...)
	}
	return d
}

// findArg is ngx_http_arg: an argument counts only with its "=" ("a" in
// "a&a=2" is skipped, so $arg_a is "2"), and its value runs to the next
// "&".
func findArg(args, name string) (string, bool) {
	for args != "" {
		var pair string
		pair, args, _ = strings.Cut(args, "&")
		if len(pair) > len(name) && pair[len(name)] == '=' && strings.EqualFold(pair[:len(name)], name) {
			return pair[len(name)+1:], true
		}
	}
	return "", false
}

// varCookie is $cookie_NAME, looked up in every Cookie header in turn.
func varCookie(st *reqState, name string, d []byte) []byte {
	for _, line := range st.r.Header.Values("Cookie") {
		if v, ok := findCookie(line, name); ok {
			return append(d, v...)
		}
	}
	return d
}

// findCookie is nginx 1.22's ngx_http_parse_multi_header_lines, quirks
// included: items are separated by ";" or ",", spaces may surround the
// "=", the value runs to the next ";" (a "," does not end it), and an item
// that starts with the name but has no "=" makes the scan swallow the
// separator after it, and so the next item ("a;a=1" has no $cookie_a).
func findCookie(s, name string) (string, bool) {
	for i := 0; i < len(s); {
		if len(s)-i >= len(name) && strings.EqualFold(s[i:i+len(name)], name) {
			i += len(name)
			for i < len(s) && s[i] == ' ' {
				i++
			}
			if i < len(s) {
				c := s[i]
				i++
				if c == '=' {
					for i < len(s) && s[i] == ' ' {
						i++
					}
					end := i
					for end < len(s) && s[end] != ';' {
						end++
					}
					return s[i:end], true
				}
			}
		}
		for i < len(s) {
			c := s[i]
			i++
			if c == ';' || c == ',' {
				break
			}
		}
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	return "", false
}

func varDocumentRoot(st *reqState, _ string, d []byte) []byte {
	return st.conf().root.expand(st, d)
}

// varRealpathRoot is realpath(3) of $document_root; nginx leaves the
// variable empty when that fails (a missing directory).
func varRealpathRoot(st *reqState, _ string, d []byte) []byte {
	root := string(st.conf().root.expand(st, nil))
	real, err := evalSymlinks(root)
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil {
		return d
	}
	return append(d, real...)
}

func varRequestFilename(st *reqState, _ string, d []byte) []byte {
	p, _ := st.mapURIToPath(st.uri)
	return append(d, p...)
}

func varRequestID(st *reqState, _ string, d []byte) []byte {
	if st.requestID == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		st.requestID = hex.EncodeToString(b[:])
	}
	return append(d, st.requestID...)
}

func varMsec(st *reqState, _ string, d []byte) []byte {
	t := st.now()
	d = strconv.AppendInt(d, t.Unix(), 10)
	d = append(d, '.')
	ms := t.Nanosecond() / int(time.Millisecond)
	return append(d, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
}

// varStatus is ngx_http_variable_status: the error status when there is
// one (error_page may have set it before the page is served), else the
// status chosen or sent, else "000".
func varStatus(st *reqState, _ string, d []byte) []byte {
	status := st.errStatus
	if status == 0 && st.w != nil {
		status = st.w.status
		if status == 0 {
			status = st.w.pending
		}
	}
	if status == 0 {
		return append(d, "000"...)
	}
	return strconv.AppendInt(d, int64(status), 10)
}

// splitAddr splits "host:port" without allocating; a value without a
// port is all host.
func splitAddr(addr string) (host, port string) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 || strings.IndexByte(addr[i:], ']') >= 0 {
		return addr, ""
	}
	host, port = addr[:i], addr[i+1:]
	if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	return host, port
}
