package accesslog

// Which access logs apply: log_format and access_log at http and server
// level, as ngx_http_log_module merges them.

import (
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/fileserve"
	"github.com/frontdesk-go/frontdesk/nginxconf"
)

// Log is one access_log directive.
type Log struct {
	// Path is the file as written ("" for nginx's compiled-in default,
	// which applies where no level sets access_log); the server resolves
	// it against its prefix.
	Path   string
	Format *Format
	// Cond is if='s variable, which must be non-empty and not "0" for
	// the line to be written; "" when the log is unconditional.
	Cond string
	// Buffer is buffer='s size in bytes (64k with gzip alone), 0 when
	// lines are written one by one; Flush is flush='s time, 0 for none;
	// Gzip is gzip='s compression level, 0 for none. They belong to the
	// file: every access_log naming the path shares its buffer.
	Buffer int
	Flush  time.Duration
	Gzip   int
}

// Wanted reports whether the log takes a line for the request (its if=).
func (l Log) Wanted(info frontdesk.RequestInfo) bool {
	if l.Cond == "" {
		return true
	}
	v, _ := info.Variable(l.Cond)
	return v != "" && v != "0"
}

// Server is the access logging of one server block, with what identifies
// the block to a request.
type Server struct {
	Name  string   // the first server_name, $server_name
	Ports []string // the listen ports, $server_port
	// File and Line are the server directive's.
	File string
	Line int
	// Set: the block has access_log directives of its own ("off"
	// included), which replace the http level's.
	Set  bool
	Logs []Log
	// Locations are the logs that apply in each location of the block,
	// by pattern as [frontdesk.RequestInfo.Location] gives it ("= /a",
	// "~ \.php$", "@app"): its own access_log directives, else its
	// enclosing location's, else the block's (or the http level's). When
	// two locations of a block have the same pattern, the first wins.
	Locations map[string][]Log
}

// Config is the access logging of a configuration.
type Config struct {
	// HTTP are the http level's logs: its access_log directives, or
	// nginx's default (Path "", combined) when it has none and a server
	// block inherits it.
	HTTP    []Log
	Servers []Server // in configuration order
	// ServerVariables: a format logs $connection, $connection_requests
	// or $request_time, so the server must use WithConn and WithRequest.
	ServerVariables bool
	// Warnings are the directives read but not applied (access_log in
	// an if or limit_except block), with file:line.
	Warnings []string

	all []Log // every log, in the configuration's order
}

// All returns every log of the configuration, at every level, in the
// configuration's order (nginx's default last): the files to open.
func (c *Config) All() []Log { return c.all }

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// Read reads log_format and access_log of an http block (nil: none);
// cfg is the configuration loaded from it, whose Servers are the block's
// server directives in order. Errors are nginx's, with file:line.
func Read(httpBlock *nginxconf.Directive, cfg *nginxconf.Config) (*Config, error) {
	c := &Config{}
	if httpBlock == nil {
		return c, nil
	}
	combined, _ := Compile(Combined, EscapeDefault)
	formats := map[string]*Format{"combined": combined}
	for _, d := range httpBlock.Block {
		if d.Name != "log_format" {
			continue
		}
		if _, dup := formats[d.Args[0]]; dup {
			return nil, fmt.Errorf("duplicate \"log_format\" name \"%s\" in %s:%d", d.Args[0], d.File, d.Line)
		}
		args := d.Args[1:]
		escape := EscapeDefault
		if v, ok := strings.CutPrefix(args[0], "escape="); ok {
			switch v {
			case "json":
				escape = EscapeJSON
			case "none":
				escape = EscapeNone
			case "default":
			default:
				return nil, fmt.Errorf("unknown log format escaping \"%s\" in %s:%d", v, d.File, d.Line)
			}
			args = args[1:]
		}
		f, err := Compile(strings.Join(args, ""), escape)
		if err != nil {
			return nil, fmt.Errorf("%v in %s:%d", err, d.File, d.Line)
		}
		formats[d.Args[0]] = f
		c.ServerVariables = c.ServerVariables || f.usesServerVariables()
	}
	// read collects the access_log directives of one level; set reports
	// whether the level has any (then it replaces the outer level's).
	read := func(block []*nginxconf.Directive) (logs []Log, set bool, err error) {
		for _, d := range block {
			switch d.Name {
			case "access_log":
			case "if", "limit_except":
				if hasDirective(d.Block, "access_log") {
					c.Warnings = append(c.Warnings, fmt.Sprintf("\"access_log\" in \"%s\" is not applied by frontdesk yet in %s:%d", d.Name, d.File, d.Line))
				}
				continue
			default:
				continue
			}
			set = true
			if d.Args[0] == "off" {
				continue
			}
			l := Log{Path: d.Args[0], Format: combined}
			if len(d.Args) > 1 {
				f, ok := formats[d.Args[1]]
				if !ok {
					return nil, set, fmt.Errorf("unknown log format \"%s\" in %s:%d", d.Args[1], d.File, d.Line)
				}
				l.Format = f
			}
			for _, a := range d.Args[min(2, len(d.Args)):] {
				switch k, v, _ := strings.Cut(a, "="); k {
				case "buffer":
					n, err := fileserve.ParseSize(v)
					if err != nil || n <= 0 || n > math.MaxInt32 {
						return nil, set, fmt.Errorf("invalid buffer size \"%s\" in %s:%d", v, d.File, d.Line)
					}
					l.Buffer = int(n)
				case "flush":
					t, err := fileserve.ParseTime(v)
					if err != nil || t <= 0 {
						return nil, set, fmt.Errorf("invalid flush time \"%s\" in %s:%d", v, d.File, d.Line)
					}
					l.Flush = t
				case "gzip":
					l.Gzip = 1 // nginx's default level
					if a != "gzip" {
						n, err := strconv.Atoi(v)
						if err != nil || n < 1 || n > 9 {
							return nil, set, fmt.Errorf("invalid compression level \"%s\" in %s:%d", v, d.File, d.Line)
						}
						l.Gzip = n
					}
				case "if":
					l.Cond = strings.TrimPrefix(strings.Trim(v, "{}"), "$")
				default:
					return nil, set, fmt.Errorf("\"access_log\" parameter \"%s\" is not implemented by frontdesk in %s:%d", a, d.File, d.Line)
				}
			}
			if l.Flush > 0 && l.Buffer == 0 && l.Gzip == 0 {
				return nil, set, fmt.Errorf("no buffer is defined for access_log \"%s\" in %s:%d", l.Path, d.File, d.Line)
			}
			if l.Gzip != 0 && l.Buffer == 0 {
				l.Buffer = 64 << 10
			}
			if l.Buffer > 0 && strings.Contains(l.Path, "$") {
				return nil, set, fmt.Errorf("buffered logs cannot have variables in name in %s:%d", d.File, d.Line)
			}
			// The buffer is the file's: a second buffered access_log to
			// the same path must ask for the same one.
			for _, o := range c.all {
				if o.Path == l.Path && o.Buffer > 0 && l.Buffer > 0 && (o.Buffer != l.Buffer || o.Flush != l.Flush || o.Gzip != l.Gzip) {
					return nil, set, fmt.Errorf("access_log \"%s\" already defined with conflicting parameters in %s:%d", l.Path, d.File, d.Line)
				}
			}
			logs = append(logs, l)
			c.all = append(c.all, l)
		}
		return logs, set, nil
	}
	var httpSet bool
	var err error
	var servers []*nginxconf.Directive
	if c.HTTP, httpSet, err = read(httpBlock.Block); err != nil {
		return nil, err
	}
	for _, d := range httpBlock.Block {
		if d.Name != "server" {
			continue
		}
		s := Server{File: d.File, Line: d.Line}
		if i := len(c.Servers); i < len(cfg.Servers) {
			if names := cfg.Servers[i].Names; len(names) > 0 {
				s.Name = names[0]
			}
			for _, l := range cfg.Servers[i].Listen {
				if strings.HasPrefix(l.Addr, "unix:") {
					s.Ports = append(s.Ports, "") // a unix socket has no $server_port
				} else if _, port, err := net.SplitHostPort(l.Addr); err == nil {
					s.Ports = append(s.Ports, port)
				}
			}
		}
		if s.Logs, s.Set, err = read(d.Block); err != nil {
			return nil, err
		}
		servers = append(servers, d)
		c.Servers = append(c.Servers, s)
	}
	if !httpSet && slices.ContainsFunc(c.Servers, func(s Server) bool { return !s.Set }) {
		// nginx's default, the compiled-in path in "combined", is opened
		// only for a server that inherits it (ngx_http_log_merge_loc_conf).
		c.HTTP = []Log{{Format: combined}}
	}
	// locations fills s.Locations from the location blocks of block,
	// whose logs are outer.
	var locations func(s *Server, block []*nginxconf.Directive, outer []Log) error
	locations = func(s *Server, block []*nginxconf.Directive, outer []Log) error {
		for _, d := range block {
			if d.Name != "location" {
				continue
			}
			logs, set, err := read(d.Block)
			if err != nil {
				return err
			}
			if !set {
				logs = outer
			}
			if p := Pattern(d.Args); !hasKey(s.Locations, p) {
				s.Locations[p] = slices.Clip(logs)
			}
			if err := locations(s, d.Block, logs); err != nil {
				return err
			}
		}
		return nil
	}
	for i, d := range servers {
		s := &c.Servers[i]
		s.Locations = map[string][]Log{}
		outer := c.HTTP
		if s.Set {
			outer = s.Logs
		}
		if err := locations(s, d.Block, outer); err != nil {
			return nil, err
		}
	}
	if !httpSet {
		c.all = append(c.all, c.HTTP...) // the default, if it applies
	}
	return c, nil
}

// Pattern is a location's pattern as frontdesk declares it: the
// modifier and the name with one space between ("=/a" is "= /a").
func Pattern(args []string) string {
	if len(args) == 2 {
		return args[0] + " " + args[1]
	}
	for _, mod := range []string{"=", "^~", "~*", "~"} {
		if name, ok := strings.CutPrefix(args[0], mod); ok {
			return mod + " " + name
		}
	}
	return args[0]
}

func hasDirective(ds []*nginxconf.Directive, name string) bool {
	for _, d := range ds {
		if d.Name == name || hasDirective(d.Block, name) {
			return true
		}
	}
	return false
}

// Logs returns the logs that apply to a request, as nginx's log phase
// takes them from the configuration of the location that served it
// (after rewrites and internal redirects): the location's, else the
// server block's, else the http level's; nil for "access_log off".
func (c *Config) Logs(info frontdesk.RequestInfo) []Log {
	s := c.Server(info)
	if s == nil {
		return c.HTTP
	}
	if logs, ok := s.Locations[info.Location()]; ok {
		return logs
	}
	if s.Set {
		return s.Logs
	}
	return c.HTTP
}

// Server finds the server block of a request from $server_name and
// $server_port (the library does not say which block it chose): the
// block with both, else the first with the name; nil when none has it.
func (c *Config) Server(info frontdesk.RequestInfo) *Server {
	if len(c.Servers) == 1 {
		return &c.Servers[0]
	}
	name, _ := info.Variable("server_name")
	port, _ := info.Variable("server_port")
	var byName *Server
	for i := range c.Servers {
		s := &c.Servers[i]
		if s.Name != name {
			continue
		}
		if slices.Contains(s.Ports, port) {
			return s
		}
		if byName == nil {
			byName = s
		}
	}
	return byName
}
