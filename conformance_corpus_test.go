package frontdesk_test

// The published configurations of ../shared/corpus/nginx (issue 9): every
// one frontdesk loads without refusing a directive runs on real nginx and
// on frontdesk, and each of its locations answers the same on both.

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/frontdesk-go/frontdesk/nginxconf"
)

// corpusDir holds the corpus, relative to this package; it is absent on a
// fresh clone.
const corpusDir = "../shared/corpus/nginx"

// corpusServeEnv is the deployment environment of each conf.d file of the
// corpus, as TestCorpusLoads in nginxconf has it, with the services it
// names pointed at loopback echo backends ({{BACKENDn}}).
var corpusServeEnv = map[string]map[string]string{
	"awesome-compose-nodejs-redis.conf": {"web1:5000": "{{BACKEND1}}", "web2:5000": "{{BACKEND2}}"},
	"awesome-compose-react.conf":        nil,
	"chatwoot.conf":                     {"127.0.0.1:3000": "{{BACKEND1}}"},
	"cookiecutter-django.conf":          nil,
	"frappe-docker.conf": {
		"${BACKEND}":                    "{{BACKEND1}}",
		"${SOCKETIO}":                   "{{BACKEND2}}",
		"${FRAPPE_SITE_NAME_HEADER}":    "$host",
		"${UPSTREAM_REAL_IP_ADDRESS}":   "127.0.0.1",
		"${UPSTREAM_REAL_IP_HEADER}":    "X-Forwarded-For",
		"${UPSTREAM_REAL_IP_RECURSIVE}": "off",
		"${PROXY_READ_TIMEOUT}":         "120",
		"${CLIENT_MAX_BODY_SIZE}":       "50m",
	},
}

// corpusNotServed are the corpus files this test does not run, and why.
var corpusNotServed = map[string]string{
	"h5bp-nginx.conf":            "a whole nginx.conf with no server of its own (its servers are the includer's)",
	"home-assistant-deconz.conf": "frontdesk refuses sub_filter (later work)",
	"jitsi-meet.conf":            "frontdesk refuses ssi (later work)",
}

// ffdhe2048 is RFC 7919's group, for ssl_dhparam (nginx reads the file).
const ffdhe2048 = `-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
`

var (
	// absPathRE finds a directive whose first argument is a path of the
	// deployment's filesystem, which moves under the test's {{DIR}}.
	absPathRE = regexp.MustCompile(`(?m)^(\s*)([a-z_]+)(\s+)(/(?:usr|home|etc|var)/[^\s;]*)`)
	// listenRE finds a listen port, IPv4 or IPv6 wildcard.
	listenRE = regexp.MustCompile(`(?m)^(\s*listen\s+)(\[::\]:)?(\d+)\b`)
)

// corpusServer is one server{} of a corpus file: what to send and where.
type corpusServer struct {
	ports   []string // the file's listen ports
	ssl     map[string]bool
	host    string
	targets []string
}

// TestConformanceCorpus runs each corpus file that loads without refused
// directives on nginx and on frontdesk, after substituting only the
// environment (listen ports and service addresses on loopback, the
// deployment's paths under a test directory, generated certificates, the
// stock mime.types), and requests every location of every server from
// both.
func TestConformanceCorpus(t *testing.T) {
	entries, err := os.ReadDir(corpusDir)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("no corpus in %s", corpusDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	nginxtest.Require(t)
	var cases []conformance.Case
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".conf") {
			continue
		}
		if why, ok := corpusNotServed[name]; ok {
			t.Logf("%s: not served: %s", name, why)
			continue
		}
		env, ok := corpusServeEnv[name]
		if !ok {
			t.Errorf("%s: a new corpus file: describe its environment in corpusServeEnv", name)
			continue
		}
		src, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, corpusCases(t, name, string(src), env)...)
	}
	conformance.Run(t, cases)
}

// corpusCases substitutes the environment of one file and returns a case
// per listen port, that port being {{PORT}}, the one both sides serve.
func corpusCases(t *testing.T, name, text string, env map[string]string) []conformance.Case {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		text = strings.ReplaceAll(text, k, env[k])
	}
	if strings.Contains(text, "${") {
		t.Fatalf("%s: an environment placeholder is left", name)
	}
	backends := 0
	for strings.Contains(text, fmt.Sprintf("{{BACKEND%d}}", backends+1)) {
		backends++
	}

	// The deployment's files, under {{DIR}}.
	files := map[string]string{}
	var certPEM, keyPEM string
	for _, m := range absPathRE.FindAllStringSubmatch(text, -1) {
		directive, p := m[2], strings.TrimPrefix(m[4], "/")
		switch directive {
		case "root", "alias":
			dir := strings.TrimSuffix(p, "/") + "/"
			files[dir+"index.html"] = "<p>index of " + dir + "</p>\n"
			files[dir+"50x.html"] = "<p>error page</p>\n"
		case "ssl_certificate", "ssl_certificate_key":
			if certPEM == "" {
				key := ecKey(t)
				c, _ := makeCert(t, "corpus.test", nil, nil, key, false, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
				certPEM, keyPEM = pemCert(c), pemKey(t, key)
			}
			files[p] = map[bool]string{true: certPEM, false: keyPEM}[directive == "ssl_certificate"]
		case "ssl_dhparam":
			files[p] = ffdhe2048
		case "include":
			files[p] = ""
		default: // access_log, error_log
			files[path.Dir(p)+"/"] = ""
		}
	}
	text = absPathRE.ReplaceAllString(text, "${1}${2}${3}{{DIR}}${4}")

	var ports []string
	for _, m := range listenRE.FindAllStringSubmatch(text, -1) {
		if !contains(ports, m[3]) {
			ports = append(ports, m[3])
		}
	}
	servers := corpusServers(t, name, text)

	var cases []conformance.Case
	for i, port := range ports {
		// Port i is {{PORT}}, the others {{PORT2}} ...; the IPv6
		// wildcard (no IPv6 loopback here) is 127.0.0.2 on the same port.
		placeholder := map[string]string{port: "{{PORT}}"}
		n := 2
		for j, p := range ports {
			if j != i {
				placeholder[p] = fmt.Sprintf("{{PORT%d}}", n)
				n++
			}
		}
		conf := listenRE.ReplaceAllStringFunc(text, func(s string) string {
			m := listenRE.FindStringSubmatch(s)
			addr := "127.0.0.1:"
			if m[2] != "" {
				addr = "127.0.0.2:"
			}
			return m[1] + addr + placeholder[m[3]]
		})
		conf = "include /etc/nginx/mime.types;\ndefault_type application/octet-stream;\n" + conf

		c := conformance.Case{Name: fmt.Sprintf("%s/listen %s", name, port), Conf: conf, Files: files}
		switch {
		case backends == 1:
			// One echo backend: the runner that also speaks TLS to the
			// servers (a sequence, for several backends, does not).
			c.Conf = strings.ReplaceAll(conf, "{{BACKEND1}}", "{{BACKEND}}")
			c.Backend = &conformance.Backend{}
		case backends > 1:
			for b := 0; b < backends; b++ {
				c.Backends = append(c.Backends, &conformance.Backend{})
			}
		}
		for _, s := range servers {
			if !contains(s.ports, port) {
				continue
			}
			for _, target := range s.targets {
				r := conformance.Request{
					Name:    target,
					Target:  target,
					Header:  []string{"Host: " + s.host},
					HTTP11:  true,
					Compare: []string{"Strict-Transport-Security", "Content-Disposition", "Vary", "Content-Encoding"},
				}
				r.Header = append(r.Header, "Connection: close")
				if s.ssl[port] {
					r.TLS = &tls.Config{InsecureSkipVerify: true, ServerName: s.host, MinVersion: tls.VersionTLS12}
				}
				c.Requests = append(c.Requests, r)
			}
		}
		if len(c.Requests) > 0 {
			cases = append(cases, c)
		}
	}
	return cases
}

// corpusServers reads the servers of a file and a request target for each
// of their locations (the server's own "/" when it has none).
func corpusServers(t *testing.T, name, text string) []corpusServer {
	// The placeholders are not nginx syntax: read them as plain words.
	tree, err := nginxconf.ParseString(name, strings.NewReplacer("{{", "_", "}}", "_").Replace(text))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out []corpusServer
	for _, d := range tree {
		if d.Name != "server" || !d.HasBlock {
			continue
		}
		s := corpusServer{host: "localhost", ssl: map[string]bool{}}
		var walk func([]*nginxconf.Directive)
		walk = func(block []*nginxconf.Directive) {
			for _, c := range block {
				switch c.Name {
				case "listen":
					m := regexp.MustCompile(`(\d+)$`).FindString(c.Args[0])
					if !contains(s.ports, m) {
						s.ports = append(s.ports, m)
					}
					if contains(c.Args[1:], "ssl") {
						s.ssl[m] = true
					}
				case "server_name":
					if len(c.Args) > 0 && !strings.HasPrefix(c.Args[0], "$") {
						s.host = c.Args[0]
					}
				case "location":
					if target := locationTarget(t, c.Args); target != "" && !contains(s.targets, target) {
						s.targets = append(s.targets, target)
					}
					walk(c.Block)
				}
			}
		}
		walk(d.Block)
		if len(s.targets) == 0 {
			s.targets = []string{"/"}
		}
		out = append(out, s)
	}
	return out
}

// locationTarget returns a URI the location matches: its prefix, or a
// sample of its regular expression. Named locations are reached only from
// inside (try_files, error_page) and give "".
func locationTarget(t *testing.T, args []string) string {
	if len(args) == 1 {
		if strings.HasPrefix(args[0], "@") {
			return ""
		}
		return args[0]
	}
	switch args[0] {
	case "=", "^~":
		return args[1]
	}
	re := args[1]
	sample := strings.TrimSuffix(strings.TrimPrefix(re, "^"), "$")
	sample = strings.NewReplacer("(.*)", "a", ".*", "a", `\.`, ".").Replace(sample)
	sample = regexp.MustCompile(`\(([^|)]*)[^)]*\)`).ReplaceAllString(sample, "$1")
	flags := ""
	if args[0] == "~*" {
		flags = "(?i)"
	}
	if !regexp.MustCompile(flags + re).MatchString(sample) {
		t.Fatalf("no sample URI for location %s %s (tried %q)", args[0], re, sample)
	}
	return sample
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
