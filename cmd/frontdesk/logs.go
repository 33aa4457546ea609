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
	"sync"
	"time"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/accesslog"
	"github.com/frontdesk-go/frontdesk/internal/h1server"
	"github.com/frontdesk-go/frontdesk/internal/syserr"
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
	buf  *logBuffer // access_log's buffer=; nil: a write per line
}

func openLogFile(path string) (*logFile, error) {
	if path == "stderr" {
		return &logFile{path: path, f: os.Stderr}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open() \"%s\" failed %s", path, syserr.Quote(err))
	}
	return &logFile{path: path, f: f}, nil
}

func (l *logFile) write(b []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf != nil {
		l.buf.add(l.f, b, l.expired)
		return
	}
	// nginx writes each line with one write(2) and ignores failures
	// (a full disk must not stop serving).
	_, _ = l.f.Write(b)
}

// expired is the buffer's flush timer firing.
func (l *logFile) expired(armed uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.expired(l.f, armed)
}

// reopen opens the path again; on failure the old file stays in use, as
// in ngx_reopen_files. What is buffered goes to the old file first.
func (l *logFile) reopen() error {
	if l.path == "stderr" {
		return nil
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open() \"%s\" failed %s", l.path, syserr.Quote(err))
	}
	l.mu.Lock()
	if l.buf != nil {
		l.buf.write(l.f)
	}
	old := l.f
	l.f = f
	l.mu.Unlock()
	return old.Close()
}

// close writes what is buffered and closes the file.
func (l *logFile) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf != nil {
		l.buf.write(l.f)
	}
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
	e.write(level, time.Now(), fmt.Appendf(nil, format, args...))
}

// maxLevel is the most verbose level an error_log takes.
func (e *errorLog) maxLevel() int {
	m := 0
	for _, t := range e.targets {
		m = max(m, t.level)
	}
	return m
}

// write writes msg as a line of level logged at t.
func (e *errorLog) write(level int, t time.Time, msg []byte) {
	line := make([]byte, 0, len(msg)+64)
	line = t.AppendFormat(line, "2006/01/02 15:04:05")
	line = append(line, " ["...)
	line = append(line, levelNames[level]...)
	line = append(line, "] "...)
	line = strconv.AppendInt(line, int64(pid), 10)
	line = append(line, '#')
	line = strconv.AppendInt(line, int64(pid), 10)
	line = append(line, ": "...)
	line = append(line, msg...)
	line = append(line, '\n')
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

// slogHandler sends the library's log records to the error log as nginx
// writes them: the level mapped to nginx's (Error+4 [crit], Error
// [error], Warn [warn], Info [info], lower [debug]), "*N " with the
// number of the request's connection when the record's context has one,
// the message, then the attributes; a request's context (client, server,
// request, upstream, host, referrer) is written as nginx writes it, with
// the request, upstream, host and referrer quoted.
type slogHandler struct {
	log   func() *errorLog
	attrs []slog.Attr
}

func nginxLevel(l slog.Level) int {
	switch {
	case l >= slog.LevelError+8:
		return levelAlert
	case l >= slog.LevelError+4:
		return levelCrit
	case l >= slog.LevelError:
		return levelError
	case l >= slog.LevelWarn:
		return levelWarn
	case l >= slog.LevelInfo:
		return levelInfo
	}
	return levelDebug
}

// Enabled reports whether any error_log takes the level: the library
// builds no message for a record nobody writes.
func (h *slogHandler) Enabled(_ context.Context, l slog.Level) bool {
	return nginxLevel(l) <= h.log().maxLevel()
}

func (h *slogHandler) Handle(ctx context.Context, r slog.Record) error {
	b := make([]byte, 0, 256)
	if n, ok := accesslog.Connection(ctx); ok {
		b = append(b, '*')
		b = strconv.AppendUint(b, n, 10)
		b = append(b, ' ')
	}
	b = append(b, r.Message...)
	add := func(a slog.Attr) bool {
		b = append(b, ", "...)
		b = append(b, a.Key...)
		b = append(b, ": "...)
		switch a.Key {
		case frontdesk.LogRequest, frontdesk.LogUpstream, frontdesk.LogHost, frontdesk.LogReferrer:
			b = append(b, '"')
			b = append(b, a.Value.String()...)
			b = append(b, '"')
		default:
			b = append(b, a.Value.String()...)
		}
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	h.log().write(nginxLevel(r.Level), r.Time, b)
	return nil
}

func (h *slogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &slogHandler{log: h.log, attrs: append(slices.Clip(h.attrs), as...)}
}

func (h *slogHandler) WithGroup(string) slog.Handler { return h }

// accessConf is the access logging of a configuration (what
// internal/accesslog read) and the files it writes.
type accessConf struct {
	conf *accesslog.Config
	// byPath are the files by access_log path as written ("" for the
	// default); files by full path, each opened once however written.
	byPath map[string]*logFile
	files  map[string]*logFile
	full   func(path string) string
}

// readAccessConf reads log_format and access_log (internal/accesslog).
func readAccessConf(p *paths, httpBlock *nginxconf.Directive, cfg *nginxconf.Config) (*accessConf, []string, error) {
	c, err := accesslog.Read(httpBlock, cfg)
	if err != nil {
		return nil, nil, err
	}
	full := func(path string) string {
		if path == "" {
			return defaultAccessLog
		}
		return p.full(path)
	}
	return &accessConf{conf: c, full: full}, c.Warnings, nil
}

// open opens every access log file (once per path), creating it.
func (ac *accessConf) open() error {
	ac.byPath, ac.files = map[string]*logFile{}, map[string]*logFile{}
	for _, l := range ac.conf.All() {
		if _, ok := ac.byPath[l.Path]; ok {
			continue
		}
		path := ac.full(l.Path)
		f, ok := ac.files[path]
		if !ok {
			var err error
			if f, err = openLogFile(path); err != nil {
				ac.close()
				return err
			}
			if b := bufferOf(ac.conf.All(), l.Path); b.Buffer > 0 {
				f.buf = newLogBuffer(b.Buffer, b.Flush, b.Gzip)
			}
			ac.files[path] = f
		}
		ac.byPath[l.Path] = f
	}
	return nil
}

// bufferOf is the buffered access_log naming path, whose buffer the file
// takes (internal/accesslog refused conflicting ones); a zero Log when
// none is buffered.
func bufferOf(logs []accesslog.Log, path string) accesslog.Log {
	for _, l := range logs {
		if l.Path == path && l.Buffer > 0 {
			return l
		}
	}
	return accesslog.Log{}
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

// observe is the log phase: it writes the request's line to the logs
// that apply where it was served (accesslog.Config.Logs).
func (ac *accessConf) observe(info frontdesk.RequestInfo) {
	logs := ac.conf.Logs(info)
	if len(logs) == 0 {
		return
	}
	now := time.Now()
	// The server loop's counts; none (a nil interface, not a typed
	// nil) for a request served otherwise (HTTP/2).
	var wire accesslog.Wire
	if c, ok := h1server.RequestCounts(info.Request().Context()); ok {
		wire = c
	}
	for _, l := range logs {
		if l.Wanted(info) {
			ac.byPath[l.Path].write(l.Format.Line(info, now, wire))
		}
	}
}
