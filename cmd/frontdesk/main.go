// Command frontdesk is a drop-in for the nginx binary: it takes nginx's
// command line, reads the same nginx.conf, and serves it with the
// frontdesk library.
//
//	frontdesk -p /srv/app -c conf/nginx.conf      # instead of nginx -p … -c …
//	frontdesk -t                                  # nginx -t
//	frontdesk -s reload                           # nginx -s reload
//
// # Defaults
//
// The compiled-in paths are those of Debian's nginx 1.22.1 package (see
// `nginx -V`), so that a unit file or script written for it works
// unchanged: prefix /usr/share/nginx/, configuration
// /etc/nginx/nginx.conf, pid file /run/nginx.pid, startup error log
// stderr, access log /var/log/nginx/access.log. As in nginx, -c and -e
// and every relative path in the configuration (pid, error_log,
// access_log) are resolved against the prefix; when -p is not given, a
// relative -c is resolved against the configuration directory
// /etc/nginx/.
//
// # Processes and signals
//
// One process serves (nginx's master_process and worker_processes are
// accepted and have no effect). "daemon on", nginx's default, detaches by
// re-executing the binary with the listening sockets already bound, so
// that configuration and bind errors are reported in the foreground as
// nginx reports them. The pid file is written once every listener is
// bound, and removed on exit. HUP reloads, QUIT shuts down gracefully,
// TERM and INT shut down at once, USR1 reopens the log files.
//
// # Running as root
//
// frontdesk does not switch users: a Go process cannot drop privileges
// safely once its threads run. Started as root, it refuses to serve unless
// the configuration says "user root;" explicitly or the environment sets
// FRONTDESK_ALLOW_ROOT=1 (an environment variable rather than a flag, so
// that the nginx command line stays unchanged). Run it as an unprivileged
// user instead, with CAP_NET_BIND_SERVICE for ports below 1024.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// Compiled-in defaults: Debian's nginx package (`nginx -V`).
const (
	nginxVersion     = "nginx/1.22.1"
	defaultPrefix    = "/usr/share/nginx/"
	defaultConfPath  = "/etc/nginx/nginx.conf"
	defaultConfDir   = "/etc/nginx/"
	defaultPidPath   = "/run/nginx.pid"
	defaultErrorLog  = "stderr"
	defaultAccessLog = "/var/log/nginx/access.log"
)

// allowRootEnv lets frontdesk serve as root without "user root;".
const allowRootEnv = "FRONTDESK_ALLOW_ROOT"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// cmdline is nginx's command line (ngx_get_options).
type cmdline struct {
	help, version, configure bool
	test, dump, quiet        bool
	signal                   string
	prefix                   string // -p, "" when not given
	confFile                 string // -c, "" when not given
	errorLog                 string // -e, "" when not given
	directives               string // -g
	hasDirectives            bool
}

// parseArgs reads the options as ngx_get_options does: flags may be
// grouped ("-tq"), and an option's value is either the rest of its word
// ("-cfile") or the next word. The error is nginx's message.
func parseArgs(args []string) (*cmdline, error) {
	c := &cmdline{}
	for i := 0; i < len(args); i++ {
		p := args[i]
		if !strings.HasPrefix(p, "-") {
			return nil, fmt.Errorf("invalid option: \"%s\"", p)
		}
		p = p[1:]
	word:
		for len(p) > 0 {
			ch := p[0]
			p = p[1:]
			// value takes the option's argument from the rest of the
			// word or from the next one.
			value := func(dst *string, what string) error {
				switch {
				case p != "":
					*dst = p
				case i+1 < len(args):
					i++
					*dst = args[i]
				default:
					return fmt.Errorf("option \"-%c\" requires %s", ch, what)
				}
				return nil
			}
			switch ch {
			case '?', 'h':
				c.version, c.help = true, true
			case 'v':
				c.version = true
			case 'V':
				c.version, c.configure = true, true
			case 't':
				c.test = true
			case 'T':
				c.test, c.dump = true, true
			case 'q':
				c.quiet = true
			case 'p':
				if err := value(&c.prefix, "directory name"); err != nil {
					return nil, err
				}
				break word
			case 'e':
				if err := value(&c.errorLog, "file name"); err != nil {
					return nil, err
				}
				break word
			case 'c':
				if err := value(&c.confFile, "file name"); err != nil {
					return nil, err
				}
				break word
			case 'g':
				if err := value(&c.directives, "parameter"); err != nil {
					return nil, err
				}
				c.hasDirectives = true
				break word
			case 's':
				if err := value(&c.signal, "parameter"); err != nil {
					return nil, err
				}
				switch c.signal {
				case "stop", "quit", "reopen", "reload":
				default:
					return nil, fmt.Errorf("invalid option: \"-s %s\"", c.signal)
				}
				break word
			default:
				return nil, fmt.Errorf("invalid option: \"%c\"", ch)
			}
		}
	}
	return c, nil
}

// run is the whole program; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	c, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "nginx: %v\n", err)
		return 1
	}
	if c.version {
		fmt.Fprintf(stderr, "nginx version: %s\n", nginxVersion)
		if c.help {
			io.WriteString(stderr, usage)
		}
		if c.configure {
			fmt.Fprintf(stderr, "built by frontdesk/%s (%s)\n", frontdeskVersion(), runtime.Version())
			fmt.Fprintf(stderr, "configure arguments: %s\n", configureArguments)
		}
		if !c.test {
			return 0
		}
	}
	p := newPaths(c)
	switch {
	case c.signal != "":
		return sendSignal(p, c, stderr)
	case c.test:
		return testConfig(p, c, stdout, stderr)
	}
	return serve(p, c, stderr)
}

// usage is nginx's -h text, with nginx's name: scripts that grep it see
// what they expect.
const usage = `Usage: nginx [-?hvVtTq] [-s signal] [-p prefix]
             [-e filename] [-c filename] [-g directives]

Options:
  -?,-h         : this help
  -v            : show version and exit
  -V            : show version and configure options then exit
  -t            : test configuration and exit
  -T            : test configuration, dump it and exit
  -q            : suppress non-error messages during configuration testing
  -s signal     : send signal to a master process: stop, quit, reopen, reload
  -p prefix     : set prefix path (default: ` + defaultPrefix + `)
  -e filename   : set error log file (default: ` + defaultErrorLog + `)
  -c filename   : set configuration file (default: ` + defaultConfPath + `)
  -g directives : set global directives out of configuration file

`

// configureArguments describes frontdesk in nginx's configure vocabulary:
// the Debian package's paths, --with for the optional modules frontdesk
// emulates, and --without for every standard module it does not, so that
// tools which read `nginx -V` to decide what to configure skip what
// frontdesk cannot do. TestWithoutModulesNotImplemented fails when a
// module listed here lands in nginxconf.
var configureArguments = strings.Join([]string{
	"--prefix=" + strings.TrimSuffix(defaultPrefix, "/"),
	"--conf-path=" + defaultConfPath,
	"--http-log-path=" + defaultAccessLog,
	"--error-log-path=" + defaultErrorLog,
	"--pid-path=" + defaultPidPath,
	"--with-http_realip_module",
	"--without-http_charset_module",
	"--without-http_ssi_module",
	"--without-http_userid_module",
	"--without-http_mirror_module",
	"--without-http_geo_module",
	"--without-http_split_clients_module",
	"--without-http_referer_module",
	"--without-http_fastcgi_module",
	"--without-http_uwsgi_module",
	"--without-http_scgi_module",
	"--without-http_grpc_module",
	"--without-http_memcached_module",
	"--without-http_limit_conn_module",
	"--without-http_limit_req_module",
	"--without-http_empty_gif_module",
	"--without-http_browser_module",
	"--without-http_upstream_hash_module",
	"--without-http-cache",
	"--without-mail_pop3_module",
	"--without-mail_imap_module",
	"--without-mail_smtp_module",
	"--without-stream_limit_conn_module",
	"--without-stream_access_module",
}, " ")

// frontdeskVersion is the module version the binary was built from
// ("devel" for a build inside the repository).
func frontdeskVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
