package main

// nginx's logs: the error log (ngx_log_error_core's line layout and
// levels) and the access log module (log_format, access_log, "combined").

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/nginxconf"
)

// Levels, numbered as nginx numbers them: a message is written to a log
// whose level is at least the message's.
const (
	levelEmerg = 1 + iota
	levelAlert
	levelCrit
	levelError
	levelWarn
	levelNotice
	levelInfo
	levelDebug
)

var levelNames = []string{"", "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"}

func levelByName(s string) (int, bool) {
	i := slices.Index(levelNames, s)
	return i, i > 0
}

// logFile is a log file opened for appending, which USR1 reopens (after
// logrotate renamed it). Safe for concurrent use.
type logFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

func openLogFile(path string) (*logFile, error) {
	if path == "stderr" {
		return &logFile{path: path, f: os.Stderr}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open() \"%s\" failed %s", path, errnoText(err))
	}
	return &logFile{path: path, f: f}, nil
}

func (l *logFile) write(b []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// nginx writes each line with one write(2) and ignores failures
	// (a full disk must not stop serving).
	_, _ = l.f.Write(b)
}

// reopen opens the path again; on failure the old file stays in use, as
// in ngx_reopen_files.
func (l *logFile) reopen() error {
	if l.path == "stderr" {
		return nil
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open() \"%s\" failed %s", l.path, errnoText(err))
	}
	l.mu.Lock()
	old := l.f
	l.f = f
	l.mu.Unlock()
	return old.Close()
}

func (l *logFile) close() {
	if l.path != "stderr" {
		l.f.Close()
	}
}

// errorLog writes nginx's error log lines to every error_log of a
// configuration. Safe for concurrent use.
type errorLog struct {
	targets []errorTarget
	// stderr, when set, also gets "nginx: [level] message" for warnings
	// and worse, as nginx echoes them on its terminal during startup
	// (ngx_use_stderr) unless the log is stderr already.
	stderr io.Writer
}

type errorTarget struct {
	f     *logFile
	level int
}

// openErrorLog opens the targets, creating the files.
func openErrorLog(targets []logTarget) (*errorLog, error) {
	e := &errorLog{}
	for _, t := range targets {
		f, err := openLogFile(t.path)
		if err != nil {
			e.close()
			return nil, err
		}
		e.targets = append(e.targets, errorTarget{f, t.level})
	}
	return e, nil
}

var pid = os.Getpid()

// log writes "2006/01/02 15:04:05 [level] pid#tid: message": the thread
// id is the pid, as for nginx's single-threaded processes.
func (e *errorLog) log(level int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	line := fmt.Appendf(nil, "%s [%s] %d#%d: %s\n", time.Now().Format("2006/01/02 15:04:05"), levelNames[level], pid, pid, msg)
	toStderr := false
	for _, t := range e.targets {
		if level <= t.level {
			t.f.write(line)
			toStderr = toStderr || t.f.path == "stderr"
		}
	}
	if e.stderr != nil && level <= levelWarn && !toStderr {
		fmt.Fprintf(e.stderr, "nginx: [%s] %s\n", levelNames[level], msg)
	}
}

func (e *errorLog) reopen() {
	for _, t := range e.targets {
		if err := t.f.reopen(); err != nil {
			e.log(levelAlert, "%v", err)
		}
	}
}

func (e *errorLog) close() {
	for _, t := range e.targets {
		t.f.close()
	}
}

// slogHandler sends the library's log records to the error log: Warn is
// nginx's [warn], Error its [error], lower levels [info].
type slogHandler struct {
	log   func() *errorLog
	attrs []slog.Attr
}

func (h *slogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *slogHandler) Handle(_ context.Context, r slog.Record) error {
	level := levelInfo
	switch {
	case r.Level >= slog.LevelError:
		level = levelError
	case r.Level >= slog.LevelWarn:
		level = levelWarn
	}
	var b strings.Builder
	b.WriteString(r.Message)
	add := func(a slog.Attr) bool {
		fmt.Fprintf(&b, ", %s: %v", a.Key, a.Value)
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	h.log().log(level, "%s", b.String())
	return nil
}

func (h *slogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &slogHandler{log: h.log, attrs: append(slices.Clip(h.attrs), as...)}
}

func (h *slogHandler) WithGroup(string) slog.Handler { return h }

// logFormat is a compiled log_format.
type logFormat struct {
	parts []logPart
	json  bool // escape=json
	none  bool // escape=none
}

// logPart is a literal or, when variable is set, an nginx variable.
type logPart struct {
	text     string
	variable bool
}

// combined is nginx's predefined format.
const combined = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

// compileLogFormat splits text into literals and variables ("$name" or
// "${name}"), as ngx_http_log_compile_format does.
func compileLogFormat(text string) (*logFormat, error) {
	f := &logFormat{}
	for text != "" {
		i := strings.IndexByte(text, '$')
		if i < 0 {
			f.parts = append(f.parts, logPart{text: text})
			break
		}
		if i > 0 {
			f.parts = append(f.parts, logPart{text: text[:i]})
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
		f.parts = append(f.parts, logPart{text: strings.ToLower(name), variable: true})
	}
	return f, nil
}

func isVarByte(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// line renders one access log line for the request.
func (f *logFormat) line(info frontdesk.RequestInfo, now time.Time) []byte {
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
			if v, ok = serverVariable(info.Request(), p.text, now); !ok {
				v, _ = info.Variable(p.text)
			}
		}
		if v == "" {
			// nginx logs "-" for a variable with no value (json: nothing);
			// frontdesk cannot tell an empty value from a missing one.
			if !f.json {
				b = append(b, '-')
			}
			continue
		}
		b = f.escape(b, v)
	}
	return append(b, '\n')
}

// escape is ngx_http_log_escape (default: `"`, `\`, control bytes and
// bytes from 0x7f as \xHH) or ngx_escape_json.
func (f *logFormat) escape(b []byte, v string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case f.none:
			b = append(b, c)
		case f.json:
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

// accessLog is one access_log directive.
type accessLog struct {
	file   *logFile
	format *logFormat
	cond   string // if=: the variable that must be non-empty and not "0"
}

// accessConf is the access logging of a configuration: the http level's
// logs and each server block's own, if it sets any.
type accessConf struct {
	http    []accessLog
	servers []serverLogs
	files   map[string]*logFile // shared by every access_log naming a path
	// serverVars: a log_format uses a variable of connvars.go, which
	// then needs each request counted and timed.
	serverVars bool
	// spec holds what to open; open() fills the accessLog values.
	specs []accessSpec
}

// serverLogs are the access logs of one server block, with what
// identifies the block to a request ($server_name, $server_port).
type serverLogs struct {
	name  string
	ports []string
	set   bool // the server has its own access_log directives
	logs  []accessLog
}

// accessSpec is an access_log to open: its slot and its file.
type accessSpec struct {
	slot *[]accessLog
	log  accessLog
	path string
}

// readAccessConf reads log_format and access_log at http and server
// level. Location-level access_log is reported in warnings: this cut logs
// per server.
func readAccessConf(p *paths, httpBlock *nginxconf.Directive, cfg *nginxconf.Config) (*accessConf, []string, error) {
	ac := &accessConf{files: map[string]*logFile{}}
	var warns []string
	if httpBlock == nil {
		return ac, nil, nil
	}
	cf, _ := compileLogFormat(combined)
	formats := map[string]*logFormat{"combined": cf}
	for _, d := range httpBlock.Block {
		if d.Name != "log_format" {
			continue
		}
		if _, dup := formats[d.Args[0]]; dup {
			return nil, nil, fmt.Errorf("duplicate \"log_format\" name \"%s\" in %s:%d", d.Args[0], d.File, d.Line)
		}
		args := d.Args[1:]
		var json, none bool
		if v, ok := strings.CutPrefix(args[0], "escape="); ok {
			switch v {
			case "json":
				json = true
			case "none":
				none = true
			case "default":
			default:
				return nil, nil, fmt.Errorf("unknown log format escaping \"%s\" in %s:%d", v, d.File, d.Line)
			}
			args = args[1:]
		}
		f, err := compileLogFormat(strings.Join(args, ""))
		if err != nil {
			return nil, nil, fmt.Errorf("%v in %s:%d", err, d.File, d.Line)
		}
		f.json, f.none = json, none
		formats[d.Args[0]] = f
		for _, p := range f.parts {
			if p.variable && serverVariables[p.text] {
				ac.serverVars = true
			}
		}
	}
	// read collects the access_log directives of one level; set reports
	// whether the level has any (then it replaces the outer level's).
	read := func(block []*nginxconf.Directive, slot *[]accessLog) (set bool, err error) {
		for _, d := range block {
			switch d.Name {
			case "access_log":
			case "location":
				if hasDirective(d.Block, "access_log") {
					warns = append(warns, fmt.Sprintf("\"access_log\" in a location is not applied by frontdesk yet in %s:%d", d.File, d.Line))
				}
				continue
			default:
				continue
			}
			set = true
			if d.Args[0] == "off" {
				continue
			}
			l := accessLog{format: formats["combined"]}
			if len(d.Args) > 1 {
				f, ok := formats[d.Args[1]]
				if !ok {
					return set, fmt.Errorf("unknown log format \"%s\" in %s:%d", d.Args[1], d.File, d.Line)
				}
				l.format = f
			}
			for _, a := range d.Args[min(2, len(d.Args)):] {
				switch k, v, _ := strings.Cut(a, "="); k {
				case "buffer", "flush":
					// Lines are written as they come; buffering changes
					// only when they reach the file.
				case "if":
					l.cond = strings.TrimPrefix(strings.Trim(v, "{}"), "$")
				default:
					return set, fmt.Errorf("\"access_log\" parameter \"%s\" is not implemented by frontdesk in %s:%d", a, d.File, d.Line)
				}
			}
			ac.specs = append(ac.specs, accessSpec{slot: slot, log: l, path: p.full(d.Args[0])})
		}
		return set, nil
	}
	httpSet, err := read(httpBlock.Block, &ac.http)
	if err != nil {
		return nil, nil, err
	}
	var servers []*nginxconf.Directive
	for _, d := range httpBlock.Block {
		if d.Name == "server" {
			servers = append(servers, d)
		}
	}
	ac.servers = make([]serverLogs, len(servers))
	for i, d := range servers {
		sl := &ac.servers[i]
		if i < len(cfg.Servers) {
			s := cfg.Servers[i]
			if len(s.Names) > 0 {
				sl.name = s.Names[0]
			}
			for _, l := range s.Listen {
				if _, port, err := splitListen(l.Addr); err == nil {
					sl.ports = append(sl.ports, port)
				}
			}
		}
		if sl.set, err = read(d.Block, &sl.logs); err != nil {
			return nil, nil, err
		}
	}
	if !httpSet && slices.ContainsFunc(ac.servers, func(s serverLogs) bool { return !s.set }) {
		// nginx's default, the compiled-in path in "combined", is opened
		// only for a server that inherits it (ngx_http_log_merge_loc_conf).
		ac.specs = append(ac.specs, accessSpec{slot: &ac.http, log: accessLog{format: formats["combined"]}, path: defaultAccessLog})
	}
	return ac, warns, nil
}

func hasDirective(ds []*nginxconf.Directive, name string) bool {
	for _, d := range ds {
		if d.Name == name || hasDirective(d.Block, name) {
			return true
		}
	}
	return false
}

// open opens every access log file (once per path), creating it.
func (ac *accessConf) open() error {
	for _, s := range ac.specs {
		f, ok := ac.files[s.path]
		if !ok {
			var err error
			if f, err = openLogFile(s.path); err != nil {
				ac.close()
				return err
			}
			ac.files[s.path] = f
		}
		l := s.log
		l.file = f
		*s.slot = append(*s.slot, l)
	}
	return nil
}

func (ac *accessConf) reopen(elog *errorLog) {
	for _, f := range ac.files {
		if err := f.reopen(); err != nil {
			elog.log(levelAlert, "%v", err)
		}
	}
}

func (ac *accessConf) close() {
	for _, f := range ac.files {
		f.close()
	}
}

// observe is the log phase: it writes the request's line to the logs of
// the server block that served it, or the http level's.
func (ac *accessConf) observe(info frontdesk.RequestInfo) {
	logs := ac.http
	if len(ac.servers) > 0 {
		sl := ac.pick(info)
		if sl != nil && sl.set {
			logs = sl.logs
		}
	}
	if len(logs) == 0 {
		return
	}
	now := time.Now()
	for _, l := range logs {
		if l.cond != "" {
			if v, _ := info.Variable(l.cond); v == "" || v == "0" {
				continue
			}
		}
		l.file.write(l.format.line(info, now))
	}
}

// pick finds the server block of a request from $server_name and
// $server_port: the library does not say which block it chose.
func (ac *accessConf) pick(info frontdesk.RequestInfo) *serverLogs {
	if len(ac.servers) == 1 {
		return &ac.servers[0]
	}
	name, _ := info.Variable("server_name")
	port, _ := info.Variable("server_port")
	var byName *serverLogs
	for i := range ac.servers {
		s := &ac.servers[i]
		if s.name != name {
			continue
		}
		if slices.Contains(s.ports, port) {
			return s
		}
		if byName == nil {
			byName = s
		}
	}
	return byName
}
