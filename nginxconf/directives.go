package nginxconf

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/fileserve"

	"github.com/frontdesk-go/frontdesk"
)

type httpHandler = http.Handler

// directiveSpec is one row of nginx's directive table: where the directive
// may appear, how many arguments it takes, and how frontdesk honours it.
type directiveSpec struct {
	contexts []context
	minArgs  int
	maxArgs  int // -1: any number
	block    bool
	// tuning: accepted with no meaning in-process (process and buffer
	// tuning, logging handled elsewhere).
	tuning bool
	// apply maps the directive onto a frontdesk directive.
	apply func(d *Directive) (frontdesk.Directive, error)
	// structural handles blocks and directives that shape the
	// configuration rather than set a value.
	structural func(b *builder, ctx context, d *Directive, sc *scope, loc *locState)
}

func (s directiveSpec) allowed(ctx context) bool {
	for _, c := range s.contexts {
		if c == ctx {
			return true
		}
	}
	return false
}

func (s directiveSpec) argsOK(n int) bool {
	return n >= s.minArgs && (s.maxArgs < 0 || n <= s.maxArgs)
}

var (
	main        = []context{ctxMain}
	events      = []context{ctxEvents}
	httpOnly    = []context{ctxHTTP}
	srvOnly     = []context{ctxServer}
	locOnly     = []context{ctxLocation}
	httpSrv     = []context{ctxHTTP, ctxServer}
	srvLoc      = []context{ctxServer, ctxLocation}
	httpSrvLc   = []context{ctxHTTP, ctxServer, ctxLocation}
	upstreamCtx = []context{ctxUpstream}
)

func flag(name string, f func(bool) frontdesk.Directive) func(d *Directive) (frontdesk.Directive, error) {
	return func(d *Directive) (frontdesk.Directive, error) {
		switch d.Args[0] {
		case "on":
			return f(true), nil
		case "off":
			return f(false), nil
		}
		return frontdesk.Directive{}, fmt.Errorf("invalid value %q in %q directive, it must be \"on\" or \"off\"", d.Args[0], name)
	}
}

func tuningRow(ctx []context, minArgs, maxArgs int) directiveSpec {
	return directiveSpec{contexts: ctx, minArgs: minArgs, maxArgs: maxArgs, tuning: true}
}

// notYet is a directive nginx has that frontdesk does not implement yet.
func notYet(ctx []context, minArgs, maxArgs int, block bool) directiveSpec {
	return directiveSpec{contexts: ctx, minArgs: minArgs, maxArgs: maxArgs, block: block}
}

var directiveTable map[string]directiveSpec

func init() {
	directiveTable = map[string]directiveSpec{
		// main and events: process tuning.
		"user":                    tuningRow(main, 1, 2),
		"worker_processes":        tuningRow(main, 1, 1),
		"daemon":                  tuningRow(main, 1, 1),
		"master_process":          tuningRow(main, 1, 1),
		"pid":                     tuningRow(main, 1, 1),
		"error_log":               tuningRow([]context{ctxMain, ctxHTTP, ctxServer, ctxLocation}, 1, -1),
		"worker_rlimit_nofile":    tuningRow(main, 1, 1),
		"worker_cpu_affinity":     tuningRow(main, 1, -1),
		"worker_priority":         tuningRow(main, 1, 1),
		"worker_shutdown_timeout": tuningRow(main, 1, 1),
		"pcre_jit":                tuningRow(main, 1, 1),
		"load_module":             tuningRow(main, 1, 1),
		"env":                     tuningRow(main, 1, 1),
		"thread_pool":             tuningRow(main, 2, 3),
		"timer_resolution":        tuningRow(main, 1, 1),
		"working_directory":       tuningRow(main, 1, 1),
		"worker_rlimit_core":      tuningRow(main, 1, 1),
		"events":                  {contexts: main, block: true, structural: structEvents},
		"worker_connections":      tuningRow(events, 1, 1),
		"multi_accept":            tuningRow(events, 1, 1),
		"use":                     tuningRow(events, 1, 1),
		"accept_mutex":            tuningRow(events, 1, 1),
		"accept_mutex_delay":      tuningRow(events, 1, 1),
		"http":                    {contexts: main, block: true, structural: structHTTP},

		// http-level tuning with no meaning in-process.
		"access_log":                    tuningRow(httpSrvLc, 1, -1),
		"log_format":                    tuningRow(httpOnly, 2, -1),
		"proxy_temp_path":               tuningRow(httpSrvLc, 1, 4),
		"fastcgi_temp_path":             tuningRow(httpSrvLc, 1, 4),
		"uwsgi_temp_path":               tuningRow(httpSrvLc, 1, 4),
		"scgi_temp_path":                tuningRow(httpSrvLc, 1, 4),
		"sendfile":                      tuningRow(httpSrvLc, 1, 1),
		"sendfile_max_chunk":            tuningRow(httpSrvLc, 1, 1),
		"tcp_nopush":                    tuningRow(httpSrvLc, 1, 1),
		"tcp_nodelay":                   tuningRow(httpSrvLc, 1, 1),
		"keepalive_timeout":             tuningRow(httpSrvLc, 1, 2),
		"keepalive_requests":            tuningRow(httpSrvLc, 1, 1),
		"types_hash_max_size":           tuningRow(httpSrvLc, 1, 1),
		"types_hash_bucket_size":        tuningRow(httpSrvLc, 1, 1),
		"server_names_hash_max_size":    tuningRow(httpOnly, 1, 1),
		"server_names_hash_bucket_size": tuningRow(httpOnly, 1, 1),
		"variables_hash_max_size":       tuningRow(httpOnly, 1, 1),
		"variables_hash_bucket_size":    tuningRow(httpOnly, 1, 1),
		"open_file_cache":               tuningRow(httpSrvLc, 1, 3),
		"open_file_cache_valid":         tuningRow(httpSrvLc, 1, 1),
		"open_file_cache_min_uses":      tuningRow(httpSrvLc, 1, 1),
		"open_file_cache_errors":        tuningRow(httpSrvLc, 1, 1),
		"reset_timedout_connection":     tuningRow(httpSrvLc, 1, 1),
		"send_timeout":                  tuningRow(httpSrvLc, 1, 1),
		"client_header_timeout":         tuningRow(httpSrv, 1, 1),
		"client_body_timeout":           tuningRow(httpSrvLc, 1, 1),
		"client_header_buffer_size":     tuningRow(httpSrv, 1, 1),
		"large_client_header_buffers":   tuningRow(httpSrv, 2, 2),
		"output_buffers":                tuningRow(httpSrvLc, 2, 2),
		"postpone_output":               tuningRow(httpSrvLc, 1, 1),
		"lingering_close":               tuningRow(httpSrvLc, 1, 1),
		"lingering_time":                tuningRow(httpSrvLc, 1, 1),
		"lingering_timeout":             tuningRow(httpSrvLc, 1, 1),
		"directio":                      tuningRow(httpSrvLc, 1, 1),
		"aio":                           tuningRow(httpSrvLc, 1, 1),
		"server_tokens":                 {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: serverTokens},
		"include":                       tuningRow([]context{ctxMain, ctxEvents, ctxHTTP, ctxServer, ctxLocation}, 1, 1),

		// core module directives frontdesk implements.
		"server":                  {contexts: httpOnly, block: true, structural: structServer},
		"listen":                  {contexts: srvOnly, minArgs: 1, maxArgs: -1},
		"server_name":             {contexts: srvOnly, minArgs: 1, maxArgs: -1},
		"location":                {contexts: srvLoc, minArgs: 1, maxArgs: 2, block: true},
		"root":                    {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, structural: structRoot},
		"alias":                   {contexts: locOnly, minArgs: 1, maxArgs: 1, structural: structAlias},
		"internal":                {contexts: locOnly, structural: structInternal},
		"index":                   {contexts: httpSrvLc, minArgs: 1, maxArgs: -1, apply: indexDirective},
		"try_files":               {contexts: srvLoc, minArgs: 2, maxArgs: -1, apply: func(d *Directive) (frontdesk.Directive, error) { return frontdesk.TryFiles(d.Args...), nil }},
		"autoindex":               {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("autoindex", frontdesk.Autoindex)},
		"autoindex_exact_size":    {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("autoindex_exact_size", frontdesk.AutoindexExactSize)},
		"autoindex_localtime":     {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("autoindex_localtime", frontdesk.AutoindexLocaltime)},
		"autoindex_format":        {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: func(d *Directive) (frontdesk.Directive, error) { return frontdesk.AutoindexFormat(d.Args[0]), nil }},
		"error_page":              {contexts: httpSrvLc, minArgs: 2, maxArgs: -1, apply: errorPageDirective},
		"add_header":              {contexts: httpSrvLc, minArgs: 2, maxArgs: 3, apply: addHeaderDirective},
		"expires":                 {contexts: httpSrvLc, minArgs: 1, maxArgs: 2, apply: func(d *Directive) (frontdesk.Directive, error) { return frontdesk.Expires(d.Args...), nil }},
		"default_type":            {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: func(d *Directive) (frontdesk.Directive, error) { return frontdesk.DefaultType(d.Args[0]), nil }},
		"types":                   {contexts: httpSrvLc, block: true, apply: typesDirective},
		"etag":                    {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("etag", frontdesk.Etag)},
		"log_not_found":           {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("log_not_found", frontdesk.LogNotFound)},
		"absolute_redirect":       {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("absolute_redirect", frontdesk.AbsoluteRedirect)},
		"port_in_redirect":        {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("port_in_redirect", frontdesk.PortInRedirect)},
		"server_name_in_redirect": {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("server_name_in_redirect", frontdesk.ServerNameInRedirect)},
		"msie_padding":            {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("msie_padding", frontdesk.MSIEPadding)},
		"recursive_error_pages":   {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("recursive_error_pages", frontdesk.RecursiveErrorPages)},
		"if_modified_since":       {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: func(d *Directive) (frontdesk.Directive, error) { return frontdesk.IfModifiedSince(d.Args[0]), nil }},
		"max_ranges":              {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: maxRanges},
		"return":                  {contexts: srvLoc, minArgs: 1, maxArgs: 2, structural: structReturn},
		"merge_slashes":           {contexts: httpSrv, minArgs: 1, maxArgs: 1, structural: structMergeSlashes},

		// proxy and upstream.
		"proxy_pass": {contexts: locOnly, minArgs: 1, maxArgs: 1, structural: structProxyPass},
		"proxy_set_header": {contexts: httpSrvLc, minArgs: 2, maxArgs: 2, apply: func(d *Directive) (frontdesk.Directive, error) {
			return frontdesk.ProxySetHeader(d.Args[0], d.Args[1]), nil
		}},
		"proxy_http_version":          {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: func(d *Directive) (frontdesk.Directive, error) { return frontdesk.ProxyHTTPVersion(d.Args[0]), nil }},
		"proxy_connect_timeout":       {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: timeDirective(frontdesk.ProxyConnectTimeout)},
		"proxy_send_timeout":          {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: timeDirective(frontdesk.ProxySendTimeout)},
		"proxy_read_timeout":          {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: timeDirective(frontdesk.ProxyReadTimeout)},
		"proxy_hide_header":           {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: func(d *Directive) (frontdesk.Directive, error) { return frontdesk.ProxyHideHeader(d.Args[0]), nil }},
		"proxy_pass_header":           {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: func(d *Directive) (frontdesk.Directive, error) { return frontdesk.ProxyPassHeader(d.Args[0]), nil }},
		"proxy_redirect":              {contexts: httpSrvLc, minArgs: 1, maxArgs: 2, structural: structProxyRedirect},
		"proxy_cookie_domain":         {contexts: httpSrvLc, minArgs: 1, maxArgs: 2, apply: cookieRule(frontdesk.ProxyCookieDomain, frontdesk.ProxyCookieDomainOff)},
		"proxy_cookie_path":           {contexts: httpSrvLc, minArgs: 1, maxArgs: 2, apply: cookieRule(frontdesk.ProxyCookiePath, frontdesk.ProxyCookiePathOff)},
		"proxy_cookie_flags":          {contexts: httpSrvLc, minArgs: 1, maxArgs: 4, apply: proxyCookieFlags},
		"proxy_ignore_headers":        {contexts: httpSrvLc, minArgs: 1, maxArgs: -1, apply: func(d *Directive) (frontdesk.Directive, error) { return frontdesk.ProxyIgnoreHeaders(d.Args...), nil }},
		"proxy_intercept_errors":      {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("proxy_intercept_errors", frontdesk.ProxyInterceptErrors)},
		"proxy_limit_rate":            {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: proxyLimitRate},
		"proxy_buffer_size":           {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: proxyBufferSize},
		"proxy_buffers":               tuningRow(httpSrvLc, 2, 2), // frontdesk holds a buffered body in memory, 32 KiB at a time
		"proxy_busy_buffers_size":     tuningRow(httpSrvLc, 1, 1),
		"proxy_max_temp_file_size":    tuningRow(httpSrvLc, 1, 1),
		"proxy_temp_file_write_size":  tuningRow(httpSrvLc, 1, 1),
		"proxy_ignore_client_abort":   notYet(httpSrvLc, 1, 1, false),
		"proxy_force_ranges":          notYet(httpSrvLc, 1, 1, false),
		"proxy_buffering":             {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("proxy_buffering", frontdesk.ProxyBuffering)},
		"proxy_pass_request_headers":  {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("proxy_pass_request_headers", frontdesk.ProxyPassRequestHeaders)},
		"proxy_pass_request_body":     {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("proxy_pass_request_body", frontdesk.ProxyPassRequestBody)},
		"client_max_body_size":        {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: clientMaxBodySize},
		"client_body_buffer_size":     {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: clientBodyBufferSize},
		"client_body_temp_path":       {contexts: httpSrvLc, minArgs: 1, maxArgs: 4, structural: structClientBodyTempPath},
		"proxy_request_buffering":     {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("proxy_request_buffering", frontdesk.ProxyRequestBuffering)},
		"proxy_set_body":              {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: func(d *Directive) (frontdesk.Directive, error) { return frontdesk.ProxySetBody(d.Args[0]), nil }},
		"proxy_method":                {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: func(d *Directive) (frontdesk.Directive, error) { return frontdesk.ProxyMethod(d.Args[0]), nil }},
		"underscores_in_headers":      {contexts: httpSrv, minArgs: 1, maxArgs: 1, structural: serverFlag("underscores_in_headers", frontdesk.UnderscoresInHeaders)},
		"ignore_invalid_headers":      {contexts: httpSrv, minArgs: 1, maxArgs: 1, structural: serverFlag("ignore_invalid_headers", frontdesk.IgnoreInvalidHeaders)},
		"set_real_ip_from":            {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: func(d *Directive) (frontdesk.Directive, error) { return frontdesk.SetRealIPFrom(d.Args[0]), nil }},
		"real_ip_header":              {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: func(d *Directive) (frontdesk.Directive, error) { return frontdesk.RealIPHeader(d.Args[0]), nil }},
		"real_ip_recursive":           {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: flag("real_ip_recursive", frontdesk.RealIPRecursive)},
		"proxy_next_upstream":         {contexts: httpSrvLc, minArgs: 1, maxArgs: -1, apply: func(d *Directive) (frontdesk.Directive, error) { return frontdesk.ProxyNextUpstream(d.Args...), nil }},
		"proxy_next_upstream_tries":   {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: nextUpstreamTries},
		"proxy_next_upstream_timeout": {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: timeDirective(frontdesk.ProxyNextUpstreamTimeout)},
		"resolver":                    {contexts: httpSrvLc, minArgs: 1, maxArgs: -1, apply: func(d *Directive) (frontdesk.Directive, error) { return frontdesk.Resolver(d.Args...), nil }},
		"resolver_timeout":            {contexts: httpSrvLc, minArgs: 1, maxArgs: 1, apply: timeDirective(frontdesk.ResolverTimeout)},
		"upstream":                    {contexts: httpOnly, minArgs: 1, maxArgs: 1, block: true, structural: structUpstream},
		"least_conn":                  {contexts: upstreamCtx},
		"ip_hash":                     {contexts: upstreamCtx},
		"hash":                        {contexts: upstreamCtx, minArgs: 1, maxArgs: 2},
		"random":                      {contexts: upstreamCtx, maxArgs: 2},
		"keepalive@upstream":          {contexts: upstreamCtx, minArgs: 1, maxArgs: 1},
		"keepalive_requests@upstream": {contexts: upstreamCtx, minArgs: 1, maxArgs: 1},
		"keepalive_timeout@upstream":  {contexts: upstreamCtx, minArgs: 1, maxArgs: 1},
		"keepalive_time@upstream":     {contexts: upstreamCtx, minArgs: 1, maxArgs: 1},
		"server@upstream":             {contexts: upstreamCtx, minArgs: 1, maxArgs: -1},

		// Known to nginx, later work for frontdesk.
		"rewrite":         notYet(srvLoc, 2, 3, false),
		"set":             notYet(srvLoc, 2, 2, false),
		"if":              notYet(srvLoc, 1, -1, true),
		"map":             notYet(httpOnly, 2, 2, true),
		"gzip":            notYet(httpSrvLc, 1, 1, false),
		"ssl_certificate": notYet(httpSrv, 1, 1, false),
		"allow":           notYet(httpSrvLc, 1, 1, false),
		"deny":            notYet(httpSrvLc, 1, 1, false),
		"limit_except":    notYet(locOnly, 1, -1, true),
	}
}

func serverTokens(d *Directive) (frontdesk.Directive, error) {
	switch d.Args[0] {
	case "on", "build":
		return frontdesk.ServerTokens(true), nil
	case "off":
		return frontdesk.ServerTokens(false), nil
	}
	return frontdesk.Directive{}, fmt.Errorf("invalid value %q", d.Args[0])
}

// structMergeSlashes records merge_slashes, a server-level option in
// frontdesk; a server's own value comes after the http one and wins.
func structMergeSlashes(b *builder, _ context, d *Directive, sc *scope, _ *locState) {
	switch d.Args[0] {
	case "on", "off":
		sc.server = append(sc.server, frontdesk.MergeSlashes(d.Args[0] == "on"))
	default:
		b.fail(d, "invalid value %q in \"merge_slashes\" directive, it must be \"on\" or \"off\"", d.Args[0])
	}
}

func structAlias(b *builder, _ context, d *Directive, _ *scope, loc *locState) {
	loc.opts = append(loc.opts, frontdesk.Alias(b.fullPath(d.Args[0])))
}

func structRoot(b *builder, _ context, d *Directive, sc *scope, loc *locState) {
	dir := frontdesk.Root(b.fullPath(d.Args[0]))
	if loc != nil {
		loc.opts = append(loc.opts, dir)
	} else {
		sc.directives = append(sc.directives, dir)
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

func structInternal(b *builder, _ context, d *Directive, _ *scope, loc *locState) {
	loc.opts = append(loc.opts, frontdesk.Internal())
}

// structReturn records the location's return; as in nginx's rewrite phase
// the first one wins.
func structReturn(b *builder, _ context, d *Directive, _ *scope, loc *locState) {
	if loc == nil {
		b.notImplemented(d)
		return
	}
	if loc.handler != nil {
		// The first return ends the rewrite phase; after a proxy_pass it
		// still wins, since return runs before the content phase.
		if loc.handler.proxyPass == "" {
			return
		}
	}
	h := &handlerChoice{set: true}
	if len(d.Args) == 1 {
		a := d.Args[0]
		if code, err := strconv.Atoi(a); err == nil {
			if code > 999 {
				b.fail(d, "invalid return code %q", a)
				return
			}
			h.returnCode = code
		} else if strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://") || strings.HasPrefix(a, "$scheme") {
			h.returnCode, h.returnText = http.StatusFound, a
		} else {
			b.fail(d, "invalid return code %q", a)
			return
		}
	} else {
		code, err := strconv.Atoi(d.Args[0])
		if err != nil || code > 999 {
			b.fail(d, "invalid return code %q", d.Args[0])
			return
		}
		h.returnCode, h.returnText = code, d.Args[1]
	}
	loc.handler = h
}

func indexDirective(d *Directive) (frontdesk.Directive, error) {
	for i, a := range d.Args {
		if a == "" {
			return frontdesk.Directive{}, fmt.Errorf("index \"\" in \"index\" directive is invalid")
		}
		if strings.HasPrefix(a, "/") && i != len(d.Args)-1 {
			return frontdesk.Directive{}, fmt.Errorf("only the last index in \"index\" directive should be absolute")
		}
	}
	return frontdesk.Index(d.Args...), nil
}

func errorPageDirective(d *Directive) (frontdesk.Directive, error) {
	args := d.Args
	target := args[len(args)-1]
	overwrite := -1
	codesEnd := len(args) - 1
	if last := args[len(args)-2]; strings.HasPrefix(last, "=") {
		codesEnd--
		if last == "=" {
			overwrite = frontdesk.StatusOfTarget
		} else {
			n, err := strconv.Atoi(last[1:])
			if err != nil || n <= 0 {
				return frontdesk.Directive{}, fmt.Errorf("invalid value %q", last)
			}
			overwrite = n
		}
	}
	if codesEnd == 0 {
		return frontdesk.Directive{}, fmt.Errorf("invalid number of arguments in \"error_page\" directive")
	}
	codes := make([]int, 0, codesEnd)
	for _, a := range args[:codesEnd] {
		n, err := strconv.Atoi(a)
		if err != nil {
			return frontdesk.Directive{}, fmt.Errorf("invalid value %q", a)
		}
		if n < 300 || n > 599 || n == 499 {
			return frontdesk.Directive{}, fmt.Errorf("value %q must be between 300 and 599", a)
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
			return frontdesk.Directive{}, fmt.Errorf("invalid parameter %q", d.Args[2])
		}
		return frontdesk.AddHeaderAlways(d.Args[0], d.Args[1]), nil
	}
	return frontdesk.AddHeader(d.Args[0], d.Args[1]), nil
}

func maxRanges(d *Directive) (frontdesk.Directive, error) {
	n, err := strconv.Atoi(d.Args[0])
	if err != nil || n < 0 {
		return frontdesk.Directive{}, fmt.Errorf("invalid number %q", d.Args[0])
	}
	return frontdesk.MaxRanges(n), nil
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

func timeDirective(f func(time.Duration) frontdesk.Directive) func(d *Directive) (frontdesk.Directive, error) {
	return func(d *Directive) (frontdesk.Directive, error) {
		t, err := fileserve.ParseTime(d.Args[0])
		if err != nil {
			return frontdesk.Directive{}, fmt.Errorf("%q directive invalid value", d.Name)
		}
		return f(t), nil
	}
}

func clientMaxBodySize(d *Directive) (frontdesk.Directive, error) {
	n, err := fileserve.ParseOffset(d.Args[0])
	if err != nil {
		return frontdesk.Directive{}, fmt.Errorf("%q directive invalid value", d.Name)
	}
	return frontdesk.ClientMaxBodySize(n), nil
}

func clientBodyBufferSize(d *Directive) (frontdesk.Directive, error) {
	n, err := fileserve.ParseSize(d.Args[0])
	if err != nil || n <= 0 {
		return frontdesk.Directive{}, fmt.Errorf("%q directive invalid value", d.Name)
	}
	return frontdesk.ClientBodyBufferSize(n), nil
}

// structClientBodyTempPath resolves the directory against the prefix, as
// nginx does; the subdirectory levels are accepted and not reproduced.
func structClientBodyTempPath(b *builder, _ context, d *Directive, sc *scope, loc *locState) {
	for _, l := range d.Args[1:] {
		if n, err := strconv.Atoi(l); err != nil || n < 1 || n > 2 {
			b.fail(d, "invalid value %q", l)
			return
		}
	}
	dir := frontdesk.ClientBodyTempPath(b.fullPath(d.Args[0]))
	if loc != nil {
		loc.opts = append(loc.opts, dir)
	} else {
		sc.directives = append(sc.directives, dir)
	}
}

// serverFlag records an on/off directive that frontdesk has only at
// server level (nginx also accepts it at http level).
func serverFlag(name string, f func(bool) frontdesk.Option) func(*builder, context, *Directive, *scope, *locState) {
	return func(b *builder, _ context, d *Directive, sc *scope, _ *locState) {
		switch d.Args[0] {
		case "on", "off":
			sc.server = append(sc.server, f(d.Args[0] == "on"))
		default:
			b.fail(d, "invalid value %q in %q directive, it must be \"on\" or \"off\"", d.Args[0], name)
		}
	}
}

// structProxyRedirect checks what only the loader can see, that
// "proxy_redirect default" follows the location's proxy_pass, then adds
// the directive.
func structProxyRedirect(b *builder, _ context, d *Directive, sc *scope, loc *locState) {
	if len(d.Args) == 1 && d.Args[0] == "default" && (loc == nil || loc.handler == nil || loc.handler.proxyPass == "") {
		b.fail(d, "\"proxy_redirect default\" should be placed after the \"proxy_pass\" directive")
		return
	}
	var dir frontdesk.Directive
	switch {
	case len(d.Args) == 2:
		dir = frontdesk.ProxyRedirect(d.Args[0], d.Args[1])
	case d.Args[0] == "off":
		dir = frontdesk.ProxyRedirectOff()
	case d.Args[0] == "default":
		dir = frontdesk.ProxyRedirectDefault()
	default:
		b.fail(d, "invalid parameter %q", d.Args[0])
		return
	}
	if loc != nil {
		loc.opts = append(loc.opts, dir)
	} else {
		sc.directives = append(sc.directives, dir)
	}
}

// cookieRule reads "proxy_cookie_domain|path off" or "... pattern
// replacement".
func cookieRule(rule func(pattern, replacement string) frontdesk.Directive, off func() frontdesk.Directive) func(d *Directive) (frontdesk.Directive, error) {
	return func(d *Directive) (frontdesk.Directive, error) {
		if len(d.Args) == 2 {
			return rule(d.Args[0], d.Args[1]), nil
		}
		if d.Args[0] == "off" {
			return off(), nil
		}
		return frontdesk.Directive{}, fmt.Errorf("invalid parameter %q", d.Args[0])
	}
}

func proxyCookieFlags(d *Directive) (frontdesk.Directive, error) {
	if len(d.Args) == 1 {
		if d.Args[0] == "off" {
			return frontdesk.ProxyCookieFlagsOff(), nil
		}
		return frontdesk.Directive{}, fmt.Errorf("invalid parameter %q", d.Args[0])
	}
	return frontdesk.ProxyCookieFlags(d.Args[0], d.Args[1:]...), nil
}

func proxyBufferSize(d *Directive) (frontdesk.Directive, error) {
	n, err := fileserve.ParseSize(d.Args[0])
	if err != nil {
		return frontdesk.Directive{}, fmt.Errorf("%q directive invalid value", d.Name)
	}
	return frontdesk.ProxyBufferSize(int(n)), nil
}

func proxyLimitRate(d *Directive) (frontdesk.Directive, error) {
	n, err := fileserve.ParseSize(d.Args[0])
	if err != nil {
		return frontdesk.Directive{}, fmt.Errorf("%q directive invalid value", d.Name)
	}
	return frontdesk.ProxyLimitRate(n), nil
}

func structProxyPass(b *builder, _ context, d *Directive, _ *scope, loc *locState) {
	switch {
	case loc.handler == nil:
		loc.handler = &handlerChoice{proxyPass: d.Args[0], set: true}
	case loc.handler.proxyPass != "":
		b.fail(d, "\"proxy_pass\" directive is duplicate")
	}
}

// structUpstream reads an upstream block into a pool.
func structUpstream(b *builder, _ context, d *Directive, _ *scope, _ *locState) {
	name := d.Args[0]
	var servers []frontdesk.Server
	var opts []frontdesk.UpstreamOption
	for _, c := range d.Block {
		key := c.Name
		if _, ok := directiveTable[key+"@upstream"]; ok {
			// Names that mean something else in an upstream block.
			key += "@upstream"
		}
		spec, known := directiveTable[key]
		switch {
		case !known:
			b.fail(c, "unknown directive %q", c.Name)
			continue
		case !spec.allowed(ctxUpstream):
			b.fail(c, "%q directive is not allowed here", c.Name)
			continue
		case !spec.argsOK(len(c.Args)):
			b.fail(c, "invalid number of arguments in %q directive", c.Name)
			continue
		}
		switch c.Name {
		case "least_conn":
			opts = append(opts, frontdesk.WithBalancer(frontdesk.LeastConn()))
		case "ip_hash":
			opts = append(opts, frontdesk.WithBalancer(frontdesk.IPHash()))
		case "hash":
			switch {
			case len(c.Args) == 1:
				opts = append(opts, frontdesk.WithBalancer(frontdesk.Hash(c.Args[0])))
			case c.Args[1] == "consistent":
				opts = append(opts, frontdesk.WithBalancer(frontdesk.ConsistentHash(c.Args[0])))
			default:
				b.fail(c, "invalid parameter %q", c.Args[1])
			}
		case "random":
			switch strings.Join(c.Args, " ") {
			case "":
				opts = append(opts, frontdesk.WithBalancer(frontdesk.Random()))
			case "two", "two least_conn":
				opts = append(opts, frontdesk.WithBalancer(frontdesk.RandomTwo()))
			default:
				b.fail(c, "invalid parameter %q", strings.Join(c.Args, " "))
			}
		case "keepalive", "keepalive_requests":
			n, err := strconv.Atoi(c.Args[0])
			if err != nil || n <= 0 {
				b.fail(c, "invalid value %q in %q directive", c.Args[0], c.Name)
				continue
			}
			if c.Name == "keepalive" {
				opts = append(opts, frontdesk.Keepalive(n))
			} else {
				opts = append(opts, frontdesk.KeepaliveRequests(n))
			}
		case "keepalive_timeout", "keepalive_time":
			d, err := fileserve.ParseTime(c.Args[0])
			if err != nil {
				b.fail(c, "%q directive invalid value", c.Name)
				continue
			}
			if c.Name == "keepalive_timeout" {
				opts = append(opts, frontdesk.KeepaliveTimeout(d))
			} else {
				opts = append(opts, frontdesk.KeepaliveTime(d))
			}
		case "server":
			s, err := parseUpstreamServer(c.Args)
			if err != nil {
				b.fail(c, "%v", err)
				continue
			}
			servers = append(servers, s)
		default:
			b.notImplemented(c)
		}
	}
	if len(servers) == 0 {
		b.errs = append(b.errs, &Error{File: d.File, Line: d.EndLine, Msg: "no servers are inside upstream"})
		return
	}
	b.pools = append(b.pools, frontdesk.Upstream(name, servers, opts...))
}

func parseUpstreamServer(args []string) (frontdesk.Server, error) {
	s := frontdesk.Server{Addr: args[0]}
	for _, a := range args[1:] {
		k, v, _ := strings.Cut(a, "=")
		var err error
		switch k {
		case "weight":
			s.Weight, err = strconv.Atoi(v)
			if s.Weight <= 0 {
				err = fmt.Errorf("invalid")
			}
		case "max_fails":
			s.MaxFails, err = strconv.Atoi(v)
			if s.MaxFails == 0 && err == nil {
				s.MaxFails = frontdesk.Unlimited
			}
		case "fail_timeout":
			var sec int64
			sec, err = fileserve.ParseSeconds(v)
			s.FailTimeout = time.Duration(sec) * time.Second
		case "max_conns":
			s.MaxConns, err = strconv.Atoi(v)
		case "backup":
			s.Backup = true
		case "down":
			s.Down = true
		default:
			return s, fmt.Errorf("invalid parameter %q", a)
		}
		if err != nil {
			return s, fmt.Errorf("invalid parameter %q", a)
		}
	}
	return s, nil
}

func nextUpstreamTries(d *Directive) (frontdesk.Directive, error) {
	n, err := strconv.Atoi(d.Args[0])
	if err != nil || n < 0 {
		return frontdesk.Directive{}, fmt.Errorf("invalid value %q in %q directive", d.Args[0], d.Name)
	}
	return frontdesk.ProxyNextUpstreamTries(n), nil
}
