package main

// Reading the configuration as nginx does: the paths nginx derives from
// -p/-c/-e, the -g directives processed before the file's, and the
// process-level directives (daemon, pid, user, error_log, access_log,
// log_format) that nginxconf accepts as tuning and the binary applies.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/h1server"
	"github.com/frontdesk-go/frontdesk/nginxconf"
)

// paths are the names nginx derives from its command line
// (ngx_process_options).
type paths struct {
	prefix   string // ends in "/"
	confFile string
	errorLog string // "stderr" or a file name
}

func newPaths(c *cmdline) *paths {
	p := &paths{prefix: defaultPrefix}
	// A relative -c is resolved against -p when given, else against the
	// directory of the compiled-in configuration file.
	confPrefix := defaultConfDir
	if c.prefix != "" {
		p.prefix = c.prefix
		if !strings.HasSuffix(p.prefix, "/") {
			p.prefix += "/"
		}
		// nginx joins names as strings against its working directory;
		// frontdesk makes the prefix absolute once, because a daemon
		// re-executes itself and nginxconf reads files through an
		// fs.FS rooted at "/".
		if !filepath.IsAbs(p.prefix) {
			if abs, err := filepath.Abs(p.prefix); err == nil {
				p.prefix = abs + "/"
			}
		}
		confPrefix = p.prefix
	}
	p.confFile = defaultConfPath
	if c.confFile != "" {
		p.confFile = c.confFile
		if !filepath.IsAbs(p.confFile) {
			p.confFile = confPrefix + p.confFile
		}
	}
	p.errorLog = defaultErrorLog
	if c.errorLog != "" {
		p.errorLog = c.errorLog
	}
	if p.errorLog != "stderr" {
		p.errorLog = p.full(p.errorLog)
	}
	return p
}

// full resolves a path of the configuration against the prefix.
func (p *paths) full(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return p.prefix + name
}

// commandLine is the file name nginxconf gives the -g directives; nginx
// says "in command line" for them, without a line.
const commandLine = "command line"

// loaded is one configuration read from disk.
type loaded struct {
	cfg   *nginxconf.Config
	files []string // the files read, in order, for -T
	proc  *procConf
}

// loadConfig reads and checks the configuration with the -g directives
// in front of the file's, as nginx processes them (ngx_init_cycle parses
// conf_param before the file).
func loadConfig(p *paths, directives string, hasDirectives bool) (*loaded, error) {
	var gds []*nginxconf.Directive
	if hasDirectives {
		ds, err := nginxconf.ParseString(commandLine, directives)
		if err != nil {
			return nil, errors.New(nginxMessage(err))
		}
		gds = ds
	}
	rec := &recordFS{}
	l := nginxconf.Loader{FS: rec}
	ds, readErr := l.Load(p.confFile)
	all := append(gds, ds...)
	cfg, err := nginxconf.Build(all, readErr, nginxconf.Options{Prefix: p.prefix, FS: rec})
	if err != nil {
		return nil, errors.New(nginxMessage(err))
	}
	proc, err := readProcConf(p, all, cfg)
	if err != nil {
		return nil, err
	}
	return &loaded{cfg: cfg, files: rec.names(), proc: proc}, nil
}

// nginxMessage is the first of the joined errors, positioned as nginx
// positions it ("in command line" for -g directives).
func nginxMessage(err error) string {
	if j, ok := err.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
		return nginxMessage(j.Unwrap()[0])
	}
	var se *nginxconf.SyntaxError
	var ce *nginxconf.Error
	switch {
	case errors.As(err, &se) && se.File == commandLine:
		msg := se.Msg
		if strings.HasPrefix(msg, "unexpected end of file") {
			// nginx reads -g as a parameter, not a file.
			msg = `unexpected end of parameter, expecting ";"`
		}
		return msg + " in " + commandLine
	case errors.As(err, &ce) && ce.File == commandLine:
		return ce.Msg + " in " + commandLine
	}
	return err.Error()
}

// reportedAfterParse are the errors nginx finds in a module's init_conf,
// after it has printed "syntax is ok" (ngx_init_cycle); the others stop
// the parse itself.
var reportedAfterParse = map[string]bool{
	`no "events" section in configuration`: true,
}

// nginxWarnings are the loader's warnings that nginx itself logs, while
// it parses; the others are frontdesk's lint.
var nginxWarnings = map[string]bool{
	`only the last index in "index" directive should be absolute`: true,
}

// recordFS is the operating system's file system, as nginxconf sees it
// through an fs.FS, remembering which files were read, for -T.
type recordFS struct {
	mu    sync.Mutex
	files []string
}

func (r *recordFS) Open(name string) (fs.File, error) {
	f, err := os.Open("/" + name)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		r.mu.Lock()
		r.files = append(r.files, "/"+name)
		r.mu.Unlock()
	}
	return f, nil
}

func (r *recordFS) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	seen := map[string]bool{}
	for _, n := range r.files {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// procConf is what the binary itself takes from the configuration.
type procConf struct {
	daemon          bool
	pidFile         string
	user            []string // nil when not set
	errorLogs       []logTarget
	shutdownTimeout time.Duration
	access          *accessConf
	warnings        []string // directives frontdesk accepts but does not apply yet
	loop            h1server.Config
	loops           map[string]h1server.Config // by listen address (loopserver.go)
	limits          *locationLimits            // per location, nil: none set (loopserver.go)
}

// logTarget is one error_log: "stderr" or a file, and a level.
type logTarget struct {
	path  string
	level int
}

func readProcConf(p *paths, ds []*nginxconf.Directive, cfg *nginxconf.Config) (*procConf, error) {
	pc := &procConf{daemon: true, pidFile: defaultPidPath}
	var httpBlock *nginxconf.Directive
	for _, d := range ds {
		switch d.Name {
		case "daemon":
			pc.daemon = d.Args[0] == "on"
		case "pid":
			pc.pidFile = p.full(d.Args[0])
		case "user":
			pc.user = d.Args
		case "worker_shutdown_timeout":
			t, err := time.ParseDuration(nginxDuration(d.Args[0]))
			if err == nil {
				pc.shutdownTimeout = t
			}
		case "error_log":
			t, err := errorLogTarget(p, d)
			if err != nil {
				return nil, err
			}
			pc.errorLogs = append(pc.errorLogs, t)
		case "http":
			httpBlock = d
		}
	}
	if len(pc.errorLogs) == 0 {
		// nginx's default error_log is the one it was built with:
		// stderr for Debian's package.
		pc.errorLogs = []logTarget{{path: "stderr", level: levelError}}
	}
	ac, warns, err := readAccessConf(p, httpBlock, cfg)
	if err != nil {
		return nil, err
	}
	pc.access, pc.warnings = ac, warns
	pc.loop = loopConfig(httpBlock)
	pc.loops = loopConfigs(httpBlock, cfg, pc.loop)
	pc.limits = readLocationLimits(httpBlock, pc.loop, ac.conf)
	return pc, nil
}

// errorLogTarget reads "error_log file|stderr [level]".
func errorLogTarget(p *paths, d *nginxconf.Directive) (logTarget, error) {
	t := logTarget{path: d.Args[0], level: levelError}
	switch {
	case t.path == "stderr":
	case strings.HasPrefix(t.path, "syslog:"), strings.HasPrefix(t.path, "memory:"):
		return t, fmt.Errorf("\"error_log\" directive: %q is not implemented by frontdesk in %s:%d", t.path, d.File, d.Line)
	default:
		t.path = p.full(t.path)
	}
	if len(d.Args) > 1 {
		l, ok := levelByName(d.Args[1])
		if !ok {
			return t, fmt.Errorf("invalid log level \"%s\" in %s:%d", d.Args[1], d.File, d.Line)
		}
		t.level = l
	}
	return t, nil
}

// nginxDuration turns nginx's "30s", "1m", "500ms", "10" (seconds) into
// Go's syntax; the loader already checked the value. Days and weeks,
// which Go does not spell, fail to parse and leave the timeout unset.
func nginxDuration(s string) string {
	if s != "" && s[len(s)-1] >= '0' && s[len(s)-1] <= '9' {
		return s + "s"
	}
	return s
}
