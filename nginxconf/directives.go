package nginxconf

// How the directives frontdesk implements become frontdesk options. Every
// handler runs after the table's checks (context, arguments, duplicates,
// value syntax), so it only converts, and reports what nginx checks beyond
// the table in nginx's words.

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/fileserve"
)

type httpHandler = http.Handler

// flag maps an on/off directive; the table has checked the value.
func flag(f func(bool) frontdesk.Directive) func(*Directive) (frontdesk.Directive, error) {
	return func(d *Directive) (frontdesk.Directive, error) {
		return f(strings.EqualFold(d.Args[0], "on")), nil
	}
}

func str(f func(string) frontdesk.Directive) func(*Directive) (frontdesk.Directive, error) {
	return func(d *Directive) (frontdesk.Directive, error) { return f(d.Args[0]), nil }
}

func num(f func(int) frontdesk.Directive) func(*Directive) (frontdesk.Directive, error) {
	return func(d *Directive) (frontdesk.Directive, error) {
		n, _ := parseNum(d.Args[0])
		return f(n), nil
	}
}

func msec(f func(time.Duration) frontdesk.Directive) func(*Directive) (frontdesk.Directive, error) {
	return func(d *Directive) (frontdesk.Directive, error) {
		t, _ := fileserve.ParseTime(d.Args[0])
		return f(t), nil
	}
}

// sec maps a time in seconds (ngx_conf_set_sec_slot); the table has
// checked the value.
func sec(f func(time.Duration) frontdesk.Directive) func(*Directive) (frontdesk.Directive, error) {
	return func(d *Directive) (frontdesk.Directive, error) {
		n, _ := fileserve.ParseSeconds(d.Args[0])
		return f(time.Duration(n) * time.Second), nil
	}
}

// openFileCache parses "open_file_cache off | max=N [inactive=time]" as
// ngx_http_core_open_file_cache does.
func openFileCache(d *Directive) (frontdesk.Directive, error) {
	max, inactive, off := 0, 60*time.Second, false
	for _, a := range d.Args {
		ok := true
		switch {
		case strings.HasPrefix(a, "max="):
			n, valid := parseNum(a[len("max="):])
			max, ok = n, valid && n > 0
		case strings.HasPrefix(a, "inactive="):
			n, err := fileserve.ParseSeconds(a[len("inactive="):])
			inactive, ok = time.Duration(n)*time.Second, err == nil
		case a == "off":
			off = true
		default:
			ok = false
		}
		if !ok {
			return frontdesk.Directive{}, fmt.Errorf("invalid \"open_file_cache\" parameter \"%s\"", a)
		}
	}
	switch {
	case off:
		return frontdesk.OpenFileCacheOff(), nil
	case max == 0:
		return frontdesk.Directive{}, fmt.Errorf("\"open_file_cache\" must have the \"max\" parameter")
	}
	return frontdesk.OpenFileCache(max, inactive), nil
}

func size(f func(int64) frontdesk.Directive) func(*Directive) (frontdesk.Directive, error) {
	return func(d *Directive) (frontdesk.Directive, error) {
		n, _ := fileserve.ParseSize(d.Args[0])
		return f(n), nil
	}
}

func offset(f func(int64) frontdesk.Directive) func(*Directive) (frontdesk.Directive, error) {
	return func(d *Directive) (frontdesk.Directive, error) {
		n, _ := fileserve.ParseOffset(d.Args[0])
		return f(n), nil
	}
}

func serverTokens(d *Directive) (frontdesk.Directive, error) {
	// "build" shows the build name, which Debian's nginx does not have.
	return frontdesk.ServerTokens(!strings.EqualFold(d.Args[0], "off")), nil
}

// serverFlag records an on/off directive that frontdesk has only at server
// level (nginx also accepts it at http level); a server's own value comes
// after the http one and wins.
func serverFlag(f func(bool) frontdesk.Option) func(*builder, *frame, *Directive) {
	return func(b *builder, fr *frame, d *Directive) {
		if !fr.check {
			fr.sc.server = append(fr.sc.server, f(strings.EqualFold(d.Args[0], "on")))
		}
	}
}

// checkRootAlias gives nginx's message for a second root or alias in a
// location (ngx_http_core_root).
func checkRootAlias(f *frame, d *Directive) string {
	other := "alias"
	if d.Name == "alias" {
		other = "root"
	}
	if _, ok := f.seen[other]; ok {
		return fmt.Sprintf("\"%s\" directive is duplicate, \"%s\" directive was specified earlier", d.Name, other)
	}
	if d.Name == "alias" && f.node != nil && f.node.kind == locNamed {
		return `the "alias" directive cannot be used inside the named location`
	}
	return ""
}

func structAlias(b *builder, f *frame, d *Directive) {
	if !f.check {
		f.loc.opts = append(f.loc.opts, frontdesk.Alias(b.fullPath(d.Args[0])))
	}
}

func structRoot(b *builder, f *frame, d *Directive) {
	if !f.check {
		f.add(d.Name, frontdesk.Root(b.fullPath(d.Args[0])))
	}
}

// fullPath resolves a relative root or alias against the prefix, as
// ngx_http_core_root does with ngx_get_full_name; a path starting with a
// variable is left as it is. Without a prefix, relative paths stay
// relative to frontdesk's working directory.
func (b *builder) fullPath(p string) string {
	if b.o.Prefix == "" || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "$") {
		return p
	}
	prefix := b.o.Prefix
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix + p
}

func structInternal(b *builder, f *frame, d *Directive) {
	if !f.check {
		f.loc.opts = append(f.loc.opts, frontdesk.Internal())
	}
}

// checkReturn checks a return's code as ngx_http_rewrite_return does.
func checkReturn(_ *frame, d *Directive) string {
	a := d.Args[0]
	if code, ok := parseNum(a); ok {
		if code > 999 {
			return fmt.Sprintf("invalid return code \"%s\"", a)
		}
		return ""
	}
	if len(d.Args) == 1 && (strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://") || strings.HasPrefix(a, "$scheme")) {
		return ""
	}
	return fmt.Sprintf("invalid return code \"%s\"", a)
}

func indexDirective(d *Directive) (frontdesk.Directive, error) {
	for _, a := range d.Args {
		if a == "" {
			return frontdesk.Directive{}, fmt.Errorf("index \"\" in \"index\" directive is invalid")
		}
	}
	return frontdesk.Index(d.Args...), nil
}

// tryFiles checks the last argument, a "=code", as ngx_http_core_try_files
// does.
func tryFiles(d *Directive) (frontdesk.Directive, error) {
	if last := d.Args[len(d.Args)-1]; strings.HasPrefix(last, "=") {
		if code, ok := parseNum(last[1:]); !ok || code > 999 {
			return frontdesk.Directive{}, fmt.Errorf("invalid code \"%s\"", last)
		}
	}
	return frontdesk.TryFiles(d.Args...), nil
}

// errorPageDirective reads "error_page code ... [=[response]] uri" as
// ngx_http_core_error_page does.
func errorPageDirective(d *Directive) (frontdesk.Directive, error) {
	args := d.Args
	target := args[len(args)-1]
	overwrite := -1
	codesEnd := len(args) - 1
	if last := args[len(args)-2]; strings.HasPrefix(last, "=") {
		if len(args) == 2 {
			return frontdesk.Directive{}, fmt.Errorf("invalid value \"%s\"", last)
		}
		codesEnd--
		overwrite = frontdesk.StatusOfTarget // "=" and "=0"
		if len(last) > 1 {
			n, ok := parseNum(last[1:])
			if !ok {
				return frontdesk.Directive{}, fmt.Errorf("invalid value \"%s\"", last)
			}
			overwrite = n
		}
	}
	codes := make([]int, 0, codesEnd)
	for _, a := range args[:codesEnd] {
		n, ok := parseNum(a)
		if !ok || n == 499 {
			return frontdesk.Directive{}, fmt.Errorf("invalid value \"%s\"", a)
		}
		if n < 300 || n > 599 {
			return frontdesk.Directive{}, fmt.Errorf("value \"%s\" must be between 300 and 599", a)
		}
		codes = append(codes, n)
	}
	if overwrite < 0 {
		return frontdesk.ErrorPage(target, codes...), nil
	}
	return frontdesk.ErrorPageAs(overwrite, target, codes...), nil
}

func addHeaderDirective(d *Directive) (frontdesk.Directive, error) {
	if len(d.Args) == 3 {
		if d.Args[2] != "always" {
			return frontdesk.Directive{}, fmt.Errorf("invalid parameter \"%s\"", d.Args[2])
		}
		return frontdesk.AddHeaderAlways(d.Args[0], d.Args[1]), nil
	}
	return frontdesk.AddHeader(d.Args[0], d.Args[1]), nil
}

func expiresDirective(d *Directive) (frontdesk.Directive, error) {
	if _, err := fileserve.ParseExpires(d.Args); err != nil && !strings.Contains(strings.Join(d.Args, ""), "$") {
		return frontdesk.Directive{}, fmt.Errorf("\"%s\" directive %v", d.Name, err)
	}
	return frontdesk.Expires(d.Args...), nil
}

func typesDirective(d *Directive) (frontdesk.Directive, error) {
	table := map[string]string{}
	for _, t := range d.Block {
		for _, ext := range t.Args {
			table[strings.ToLower(ext)] = t.Name
		}
	}
	return frontdesk.Types(table), nil
}

func proxySetHeader(d *Directive) (frontdesk.Directive, error) {
	return frontdesk.ProxySetHeader(d.Args[0], d.Args[1]), nil
}

func proxyNextUpstream(d *Directive) (frontdesk.Directive, error) {
	return frontdesk.ProxyNextUpstream(d.Args...), nil
}

func proxyIgnoreHeaders(d *Directive) (frontdesk.Directive, error) {
	return frontdesk.ProxyIgnoreHeaders(d.Args...), nil
}

func resolver(d *Directive) (frontdesk.Directive, error) {
	return frontdesk.Resolver(d.Args...), nil
}

func setRealIPFrom(d *Directive) (frontdesk.Directive, error) {
	return frontdesk.SetRealIPFrom(d.Args[0]), nil
}

// checkOffList gives nginx's "is duplicate" for the list directives that
// also take "off" (proxy_redirect, proxy_cookie_*): "off" must be alone in
// its block.
func checkOffList(f *frame, d *Directive) string {
	off := len(d.Args) == 1 && d.Args[0] == "off"
	if f.seen == nil {
		f.seen = map[string]*Directive{}
	}
	prev, seen := f.seen[d.Name]
	if seen && (off || (len(prev.Args) == 1 && prev.Args[0] == "off")) {
		return fmt.Sprintf("\"%s\" directive is duplicate", d.Name)
	}
	f.seen[d.Name] = d
	return ""
}

// checkProxyRedirect adds to checkOffList what ngx_http_proxy_redirect
// checks: "default" must follow this block's proxy_pass.
func checkProxyRedirect(f *frame, d *Directive) string {
	if msg := checkOffList(f, d); msg != "" {
		return msg
	}
	if len(d.Args) == 1 {
		switch d.Args[0] {
		case "off":
		case "default":
			if f.loc == nil || f.loc.handler == nil || f.loc.handler.proxyPass == "" {
				return `"proxy_redirect default" should be placed after the "proxy_pass" directive`
			}
		default:
			return fmt.Sprintf("invalid parameter \"%s\"", d.Args[0])
		}
	}
	return ""
}

func proxyRedirect(d *Directive) (frontdesk.Directive, error) {
	switch {
	case len(d.Args) == 2:
		return frontdesk.ProxyRedirect(d.Args[0], d.Args[1]), nil
	case d.Args[0] == "off":
		return frontdesk.ProxyRedirectOff(), nil
	}
	return frontdesk.ProxyRedirectDefault(), nil
}

// cookieRule maps proxy_cookie_domain and proxy_cookie_path: "off" or a
// pair.
func cookieRule(rule func(a, b string) frontdesk.Directive, off func() frontdesk.Directive) func(*Directive) (frontdesk.Directive, error) {
	return func(d *Directive) (frontdesk.Directive, error) {
		switch {
		case len(d.Args) == 2:
			return rule(d.Args[0], d.Args[1]), nil
		case d.Args[0] == "off":
			return off(), nil
		}
		return frontdesk.Directive{}, fmt.Errorf("invalid parameter \"%s\"", d.Args[0])
	}
}

func proxyCookieFlags(d *Directive) (frontdesk.Directive, error) {
	if len(d.Args) == 1 {
		if d.Args[0] != "off" {
			return frontdesk.Directive{}, fmt.Errorf("invalid parameter \"%s\"", d.Args[0])
		}
		return frontdesk.ProxyCookieFlagsOff(), nil
	}
	return frontdesk.ProxyCookieFlags(d.Args[0], d.Args[1:]...), nil
}

// structClientBodyTempPath resolves the directory against the prefix, as
// nginx does; the subdirectory levels are accepted and not reproduced.
func structClientBodyTempPath(b *builder, f *frame, d *Directive) {
	for _, l := range d.Args[1:] {
		if n, err := strconv.Atoi(l); err != nil || n < 1 || n > 2 {
			b.fail(d, "invalid value \"%s\"", l)
			return
		}
	}
	if !f.check {
		f.add(d.Name, frontdesk.ClientBodyTempPath(b.fullPath(d.Args[0])))
	}
}

// structProxyPass records the location's proxy_pass after the checks of
// ngx_http_proxy_pass.
func structProxyPass(b *builder, f *frame, d *Directive) {
	url := d.Args[0]
	lower := strings.ToLower(url)
	var rest string
	switch {
	case strings.HasPrefix(lower, "http://"):
		rest = url[len("http://"):]
	case strings.HasPrefix(lower, "https://"):
		rest = url[len("https://"):]
	case strings.Contains(url, "$"):
		// A variable may supply the scheme at run time.
	default:
		b.fail(d, "invalid URL prefix")
		return
	}
	host, _, hasURI := strings.Cut(rest, "/")
	if sock, ok := strings.CutPrefix(rest, "unix:"); ok {
		// "unix:/path/to.sock:/uri"
		path, _, withURI := strings.Cut(sock, ":")
		host, hasURI = "unix:"+path, withURI
	}
	if hasURI && !strings.Contains(url, "$") && (f.ctx != ctxLocation || f.node.kind == locRegex || f.node.kind == locNamed) {
		b.fail(d, "\"proxy_pass\" cannot have URI part in location given by regular expression, or inside named location, or inside \"if\" statement, or inside \"limit_except\" block")
		return
	}
	if f.check {
		return
	}
	if !strings.Contains(url, "$") {
		// With variables, the host is resolved per request.
		b.implicitUpstreams = append(b.implicitUpstreams, implicitUpstream{d: d, host: host, https: strings.HasPrefix(lower, "https://")})
	}
	f.loc.handler = &handlerChoice{proxyPass: url, set: true}
}

// implicitUpstream is a proxy_pass host that may name an upstream block;
// nginx resolves it once the http block is read, if it does not.
type implicitUpstream struct {
	d     *Directive
	host  string
	https bool
}

// resolveImplicitUpstreams resolves the proxy_pass hosts that name no
// upstream block, as ngx_http_upstream_init_main_conf does.
func (b *builder) resolveImplicitUpstreams(upstreams map[string]bool) {
	for _, u := range b.implicitUpstreams {
		if upstreams[u.host] {
			continue
		}
		port := "80"
		if u.https {
			port = "443"
		}
		if msg := checkHostPort(u.host, port, b.o.LookupHost); msg != "" {
			b.fail(u.d, "%s in upstream \"%s\"", msg, u.host)
		}
	}
	b.implicitUpstreams = nil
}

// checkHostPort checks "host[:port]" as ngx_parse_url does, resolving the
// host as nginx does when it reads the configuration; it returns nginx's
// reason ("host not found", "invalid port") or "". lookup nil means
// net.LookupHost.
func checkHostPort(addr, defaultPort string, lookup func(string) ([]string, error)) string {
	if strings.HasPrefix(addr, "unix:") {
		return ""
	}
	host, port := addr, defaultPort
	if h, p, err := net.SplitHostPort(addr); err == nil {
		host, port = h, p
	} else if strings.HasPrefix(addr, "[") {
		host = strings.Trim(addr, "[]")
	}
	if n, ok := parseNum(port); !ok || n < 1 || n > 65535 {
		return "invalid port"
	}
	if host == "" {
		return "no host"
	}
	if net.ParseIP(host) != nil {
		return ""
	}
	if lookup == nil {
		lookup = net.LookupHost
	}
	if _, err := lookup(host); err != nil {
		return "host not found"
	}
	return ""
}

// upstreamState is an upstream block being read.
type upstreamState struct {
	lookup  func(host string) ([]string, error) // Options.LookupHost
	servers []frontdesk.Server
	opts    []frontdesk.UpstreamOption
	// backup: the balancing method accepts backup servers (nginx's
	// NGX_HTTP_UPSTREAM_BACKUP flag: round robin and least_conn).
	noBackup bool
}

// structUpstream reads an upstream block into a pool.
func structUpstream(b *builder, f *frame, d *Directive) {
	u := &upstreamState{lookup: b.o.LookupHost}
	b.upstreamNames[d.Args[0]] = true
	b.walk(&frame{ctx: ctxUpstream, check: f.check, ups: u}, d.Block)
	if d.EndLine == 0 {
		return
	}
	if len(u.servers) == 0 {
		b.errs = append(b.errs, &Error{File: d.File, Line: d.EndLine, Msg: "no servers are inside upstream"})
		return
	}
	if !f.check {
		b.pools = append(b.pools, frontdesk.Upstream(d.Args[0], u.servers, u.opts...))
	}
}

func upstreamLeastConn(u *upstreamState, _ *Directive) error {
	u.opts = append(u.opts, frontdesk.WithBalancer(frontdesk.LeastConn()))
	return nil
}

func upstreamIPHash(u *upstreamState, _ *Directive) error {
	u.noBackup = true
	u.opts = append(u.opts, frontdesk.WithBalancer(frontdesk.IPHash()))
	return nil
}

func upstreamHash(u *upstreamState, d *Directive) error {
	u.noBackup = true
	switch {
	case len(d.Args) == 1:
		u.opts = append(u.opts, frontdesk.WithBalancer(frontdesk.Hash(d.Args[0])))
	case d.Args[1] == "consistent":
		u.opts = append(u.opts, frontdesk.WithBalancer(frontdesk.ConsistentHash(d.Args[0])))
	default:
		return fmt.Errorf("invalid parameter \"%s\"", d.Args[1])
	}
	return nil
}

func upstreamRandom(u *upstreamState, d *Directive) error {
	u.noBackup = true
	switch strings.Join(d.Args, " ") {
	case "":
		u.opts = append(u.opts, frontdesk.WithBalancer(frontdesk.Random()))
	case "two", "two least_conn":
		u.opts = append(u.opts, frontdesk.WithBalancer(frontdesk.RandomTwo()))
	default:
		bad := d.Args[0]
		if bad == "two" {
			bad = d.Args[1]
		}
		return fmt.Errorf("invalid parameter \"%s\"", bad)
	}
	return nil
}

func upstreamKeepalive(u *upstreamState, d *Directive) error {
	n, ok := parseNum(d.Args[0])
	if !ok || n == 0 {
		return fmt.Errorf("invalid value \"%s\" in \"%s\" directive", d.Args[0], d.Name)
	}
	u.opts = append(u.opts, frontdesk.Keepalive(n))
	return nil
}

func upstreamKeepaliveRequests(u *upstreamState, d *Directive) error {
	if n, _ := parseNum(d.Args[0]); n > 0 {
		u.opts = append(u.opts, frontdesk.KeepaliveRequests(n))
	}
	return nil
}

func upstreamKeepaliveTimeout(u *upstreamState, d *Directive) error {
	t, _ := fileserve.ParseTime(d.Args[0])
	if d.Name == "keepalive_timeout" {
		u.opts = append(u.opts, frontdesk.KeepaliveTimeout(t))
	} else {
		u.opts = append(u.opts, frontdesk.KeepaliveTime(t))
	}
	return nil
}

// upstreamServer reads "server address [parameters]" as
// ngx_http_upstream_server does: parameters first, then the address,
// resolved now as nginx resolves it.
func upstreamServer(u *upstreamState, d *Directive) error {
	s := frontdesk.Server{Addr: d.Args[0]}
	for _, a := range d.Args[1:] {
		k, v, hasValue := strings.Cut(a, "=")
		ok := true
		switch {
		case k == "weight" && hasValue:
			s.Weight, ok = parseNum(v)
			ok = ok && s.Weight > 0
		case k == "max_fails" && hasValue:
			s.MaxFails, ok = parseNum(v)
			if ok && s.MaxFails == 0 {
				s.MaxFails = frontdesk.Unlimited
			}
		case k == "fail_timeout" && hasValue:
			sec, err := fileserve.ParseSeconds(v)
			s.FailTimeout, ok = time.Duration(sec)*time.Second, err == nil
		case k == "max_conns" && hasValue:
			s.MaxConns, ok = parseNum(v)
		case a == "backup":
			if u.noBackup {
				return fmt.Errorf("balancing method does not support parameter \"%s\"", a)
			}
			s.Backup = true
		case a == "down":
			s.Down = true
		default:
			ok = false
		}
		if !ok {
			return fmt.Errorf("invalid parameter \"%s\"", a)
		}
	}
	if msg := checkHostPort(d.Args[0], "80", u.lookup); msg != "" {
		return fmt.Errorf("%s in upstream \"%s\"", msg, d.Args[0])
	}
	u.servers = append(u.servers, s)
	return nil
}
