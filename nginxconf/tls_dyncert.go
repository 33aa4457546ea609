package nginxconf

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Certificates named with variables (nginx 1.15.9+): "ssl_certificate
// /certs/$ssl_server_name.crt;" is loaded during each handshake, from the
// files the expanded paths name, and the handshake fails when they cannot
// be loaded.
//
// There is no request during the handshake, so frontdesk's request
// variables cannot be used; the paths are expanded by a small expander of
// the variables nginx gives a value at that point:
//   - $ssl_server_name: the SNI name as the client sent it (empty without
//     SNI);
//   - $remote_addr, $remote_port, $server_addr, $server_port: the
//     connection's addresses;
//   - $server_name and $host: the server block's first server_name (nginx
//     evaluates them in a request without headers, so $host falls back to
//     it).
//
// Any other variable is refused by name when the configuration is loaded
// (nginx accepts the names it knows and mostly evaluates them empty; it
// rejects unknown ones with `unknown "x" variable`).
//
// Loaded pairs are cached by path and revalidated by the files' mtime and
// size on each handshake, so an edited or replaced certificate is seen by
// the next handshake (nginx reads the files on every handshake).

// certTemplate is one ssl_certificate/ssl_certificate_key pair.
type certTemplate struct {
	cert, key []tplPart
}

// tplPart is a literal (name == "") or a variable.
type tplPart struct {
	lit, name string
}

// handshakeVars are the variables certificate paths can hold.
var handshakeVars = map[string]bool{
	"ssl_server_name": true, "remote_addr": true, "remote_port": true,
	"server_addr": true, "server_port": true, "server_name": true, "host": true,
}

// parseCertTemplate splits s at nginx's "$name" and "${name}" variables.
func parseCertTemplate(s string) ([]tplPart, error) {
	var parts []tplPart
	isName := func(c byte) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	for len(s) > 0 {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			parts = append(parts, tplPart{lit: s})
			break
		}
		if i > 0 {
			parts = append(parts, tplPart{lit: s[:i]})
		}
		s = s[i+1:]
		var name string
		if strings.HasPrefix(s, "{") {
			j := strings.IndexByte(s, '}')
			if j < 0 {
				return nil, errors.New(`the closing bracket in "` + s + `" variable is missing`)
			}
			name, s = s[1:j], s[j+1:]
		} else {
			j := 0
			for j < len(s) && isName(s[j]) {
				j++
			}
			name, s = s[:j], s[j:]
		}
		if name == "" {
			return nil, errors.New("invalid variable name")
		}
		name = strings.ToLower(name)
		if !handshakeVars[name] {
			return nil, fmt.Errorf(`the "$%s" variable in "ssl_certificate" or "ssl_certificate_key" is not implemented by frontdesk (only $ssl_server_name, $remote_addr, $remote_port, $server_addr, $server_port, $server_name and $host)`, name)
		}
		parts = append(parts, tplPart{name: name})
	}
	return parts, nil
}

// hsVars are the variable values of one handshake.
type hsVars struct {
	sni, serverName string
	local, remote   net.Addr
}

func hostPort(a net.Addr) (string, string) {
	if a == nil {
		return "", ""
	}
	h, p, err := net.SplitHostPort(a.String())
	if err != nil {
		return "", ""
	}
	return h, p
}

func expandTemplate(parts []tplPart, v hsVars) string {
	var sb strings.Builder
	for _, p := range parts {
		switch p.name {
		case "":
			sb.WriteString(p.lit)
		case "ssl_server_name":
			sb.WriteString(v.sni)
		case "server_name", "host":
			sb.WriteString(v.serverName)
		case "remote_addr":
			h, _ := hostPort(v.remote)
			sb.WriteString(h)
		case "remote_port":
			_, port := hostPort(v.remote)
			sb.WriteString(port)
		case "server_addr":
			h, _ := hostPort(v.local)
			sb.WriteString(h)
		case "server_port":
			_, port := hostPort(v.local)
			sb.WriteString(port)
		}
	}
	return sb.String()
}

// certLoader loads a server block's variable certificates per handshake.
type certLoader struct {
	pairs      []certTemplate
	dir        string // relative paths are resolved against it
	fsys       fs.FS  // Options.FS, or nil for the OS
	serverName string // the server block's first server_name

	mu    sync.Mutex
	cache map[[2]string]*cachedPair
}

// cachedPair is a loaded pair and the files' state it was loaded from.
type cachedPair struct {
	certStamp, keyStamp fileStamp
	pair                *tls.Certificate
}

type fileStamp struct {
	mtime time.Time
	size  int64
}

func (l *certLoader) resolve(p string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(l.dir, p)
	}
	return p
}

func (l *certLoader) stat(p string) (fileStamp, error) {
	var fi fs.FileInfo
	var err error
	if l.fsys != nil {
		fi, err = fs.Stat(l.fsys, strings.TrimPrefix(p, "/"))
	} else {
		fi, err = os.Stat(p)
	}
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{fi.ModTime(), fi.Size()}, nil
}

func (l *certLoader) read(p string) ([]byte, error) {
	if l.fsys != nil {
		return fs.ReadFile(l.fsys, strings.TrimPrefix(p, "/"))
	}
	return os.ReadFile(p)
}

// load returns the pair of certPath and keyPath, from the cache when
// neither file changed since it was read.
func (l *certLoader) load(certPath, keyPath string) (*tls.Certificate, error) {
	cs, err := l.stat(certPath)
	if err != nil {
		return nil, fmt.Errorf(`cannot load certificate "%s": %w`, certPath, err)
	}
	ks, err := l.stat(keyPath)
	if err != nil {
		return nil, fmt.Errorf(`cannot load certificate key "%s": %w`, keyPath, err)
	}
	k := [2]string{certPath, keyPath}
	l.mu.Lock()
	c := l.cache[k]
	l.mu.Unlock()
	if c != nil && c.certStamp == cs && c.keyStamp == ks {
		return c.pair, nil
	}
	certPEM, err := l.read(certPath)
	if err != nil {
		return nil, fmt.Errorf(`cannot load certificate "%s": %w`, certPath, err)
	}
	keyPEM, err := l.read(keyPath)
	if err != nil {
		return nil, fmt.Errorf(`cannot load certificate key "%s": %w`, keyPath, err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf(`cannot load certificate "%s": %w`, certPath, err)
	}
	l.mu.Lock()
	if l.cache == nil {
		l.cache = map[[2]string]*cachedPair{}
	}
	l.cache[k] = &cachedPair{certStamp: cs, keyStamp: ks, pair: &pair}
	l.mu.Unlock()
	return &pair, nil
}

// validSNI follows nginx's ngx_http_validate_host as applied to the SNI
// name in ngx_http_ssl_servername: a name with "/", NUL or ".." fails the
// handshake (a backslash is refused too, a path separator on Windows). This keeps
// the name from leaving the directory of the path template.
func validSNI(name string) bool {
	return !strings.ContainsAny(name, "/\\\x00") && !strings.Contains(name, "..")
}

// certificates loads every pair of the server for the handshake hello.
func (l *certLoader) certificates(hello *tls.ClientHelloInfo) ([]*tls.Certificate, error) {
	if !validSNI(hello.ServerName) {
		return nil, fmt.Errorf("client sent invalid server name %q", hello.ServerName)
	}
	v := hsVars{sni: hello.ServerName, serverName: l.serverName}
	if hello.Conn != nil {
		v.local, v.remote = hello.Conn.LocalAddr(), hello.Conn.RemoteAddr()
	}
	out := make([]*tls.Certificate, 0, len(l.pairs))
	for _, p := range l.pairs {
		c, err := l.load(l.resolve(expandTemplate(p.cert, v)), l.resolve(expandTemplate(p.key, v)))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// getCertificate is tls.Config.GetCertificate: the first pair the client
// supports (as crypto/tls chooses among Certificates), else the first.
func (l *certLoader) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	certs, err := l.certificates(hello)
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		return nil, errors.New("no certificate")
	}
	for _, c := range certs {
		if hello.SupportsCertificate(c) == nil {
			return c, nil
		}
	}
	return certs[0], nil
}

// certLoader is the per-handshake loader of a server's certificates when
// one of ssl_certificate/ssl_certificate_key holds a variable (nginx then
// loads every pair per handshake), or nil.
func (b *builder) certLoader(s *serverState, certs, keys []*Directive) (*certLoader, error) {
	dynamic := false
	for i, cd := range certs {
		dynamic = dynamic || strings.Contains(cd.Args[0], "$")
		if i < len(keys) {
			dynamic = dynamic || strings.Contains(keys[i].Args[0], "$")
		}
	}
	if !dynamic {
		return nil, nil
	}
	l := &certLoader{dir: filepath.Dir(certs[0].File), fsys: b.o.FS}
	if len(s.out.Names) > 0 {
		l.serverName = s.out.Names[0]
	}
	for i, cd := range certs {
		if i >= len(keys) {
			return nil, &Error{Msg: fmt.Sprintf(`no "ssl_certificate_key" is defined for certificate "%s"`, cd.Args[0])}
		}
		ct, err := parseCertTemplate(cd.Args[0])
		if err != nil {
			return nil, &Error{File: cd.File, Line: cd.Line, NotImplemented: true, Msg: err.Error()}
		}
		kt, err := parseCertTemplate(keys[i].Args[0])
		if err != nil {
			return nil, &Error{File: keys[i].File, Line: keys[i].Line, NotImplemented: true, Msg: err.Error()}
		}
		l.pairs = append(l.pairs, certTemplate{cert: ct, key: kt})
	}
	return l, nil
}
