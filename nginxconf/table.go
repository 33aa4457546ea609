package nginxconf

// The directive table: every directive nginx 1.22.1 knows in the modules
// Debian builds into /usr/sbin/nginx, with the contexts it is allowed in,
// the argument counts it accepts, the syntax nginx checks in its values at
// load time, and what frontdesk does with it.
//
// The rows are facts taken from nginx's command tables (the NGX_*_CONF
// context bits, the NGX_CONF_TAKE*/FLAG/1MORE/2MORE/BLOCK masks and the
// ngx_conf_set_*_slot setters in src/core, src/event and src/http) and
// checked against the installed binary by TestDirectiveTableMatchesNginx.
// A row is one of three kinds:
//
//   - implemented: apply, structural or upstream says how frontdesk honours
//     it;
//   - process tuning (tuning: true): accepted, with no meaning in-process;
//   - known but not implemented (no handler): refused with its position,
//     unless [Options.Ignore] names it.
//
// A name that means something else inside upstream{} has a second row under
// "name@upstream".

import "github.com/frontdesk-go/frontdesk"

// ctxSet is a set of the places a directive may be written, nginx's
// NGX_MAIN_CONF, NGX_EVENT_CONF and NGX_HTTP_*_CONF bits. A block being
// read has exactly one of them.
type ctxSet uint16

const (
	ctxMain        ctxSet = 1 << iota // top level
	ctxEvents                         // events { }
	ctxHTTP                           // http { }
	ctxServer                         // server { }
	ctxLocation                       // location { }
	ctxIfServer                       // if { } in server (NGX_HTTP_SIF_CONF)
	ctxIfLocation                     // if { } in location (NGX_HTTP_LIF_CONF)
	ctxLimitExcept                    // limit_except { } (NGX_HTTP_LMT_CONF)
	ctxUpstream                       // upstream { } (NGX_HTTP_UPS_CONF)

	ctxIf      = ctxIfServer | ctxIfLocation
	httpSrv    = ctxHTTP | ctxServer
	srvLoc     = ctxServer | ctxLocation
	httpSrvLoc = ctxHTTP | ctxServer | ctxLocation
	ctxAny     = ctxMain | ctxEvents | httpSrvLoc | ctxIf | ctxLimitExcept | ctxUpstream
)

// argMask is the set of argument counts a directive accepts, nginx's
// NGX_CONF_NOARGS, NGX_CONF_TAKE1 ... NGX_CONF_TAKE7, NGX_CONF_1MORE and
// NGX_CONF_2MORE (NGX_CONF_FLAG takes exactly one argument, as TAKE1).
type argMask uint16

const (
	args0 argMask = 1 << iota
	args1
	args2
	args3
	args4
	args5
	args6
	args7
	args1More
	args2More
)

// ok reports whether n arguments are accepted, as ngx_conf_handler checks
// them: at most seven unless the directive takes "1 or more"/"2 or more".
func (m argMask) ok(n int) bool {
	switch {
	case m&args1More != 0:
		return n >= 1
	case m&args2More != 0:
		return n >= 2
	case n > 7:
		return false
	}
	return m&(1<<n) != 0
}

// valueKind is the syntax nginx's setter checks in a directive's value at
// load time. The check applies to the first argument, except for vBitmask,
// which checks all of them.
type valueKind uint8

const (
	vAny     valueKind = iota // anything, or a syntax checked by the handler
	vFlag                     // "on" or "off", any case (ngx_conf_set_flag_slot)
	vNum                      // a decimal number (ngx_conf_set_num_slot)
	vSize                     // 512, 8k, 1m (ngx_conf_set_size_slot)
	vOffset                   // as vSize, and 1g (ngx_conf_set_off_slot)
	vMsec                     // a time, milliseconds allowed (ngx_conf_set_msec_slot)
	vSec                      // a time in seconds, 1y and 1M allowed (ngx_conf_set_sec_slot)
	vEnum                     // one of enum, any case (ngx_conf_set_enum_slot)
	vBitmask                  // each argument one of enum, any case (ngx_conf_set_bitmask_slot)
)

// directiveSpec is one row of the directive table.
type directiveSpec struct {
	ctx   ctxSet
	args  argMask
	block bool
	value valueKind
	enum  []string // the words vEnum and vBitmask accept
	// dup: a second occurrence in the same block is an error ("is
	// duplicate"), as for every ngx_conf_set_*_slot setter but the array
	// ones.
	dup bool
	// tuning: accepted with no meaning in-process (process and buffer
	// tuning, logging, which frontdesk leaves to its embedder).
	tuning bool
	// apply maps the directive onto a frontdesk directive. An error is
	// nginx's complaint about the value, or a [refusal].
	apply func(d *Directive) (frontdesk.Directive, error)
	// structural handles blocks and directives that shape the
	// configuration rather than set a value.
	structural func(b *builder, f *frame, d *Directive)
	// check gives nginx's message for what the setter checks beyond the
	// generic checks, or "".
	check func(f *frame, d *Directive) string
	// module names the dynamic module that defines the directive; nginx
	// knows it only after load_module loads that module.
	module string
	// upstream handles a directive of an upstream{} block.
	upstream func(u *upstreamState, d *Directive) error
	// newer is the nginx version that added a directive 1.22.1 does not
	// know: frontdesk accepts it and -t warns that the reference refuses
	// it.
	newer string
}

// lookup finds the row for a directive read in ctx: inside upstream{} the
// "@upstream" row of a name that has one, elsewhere the plain row.
func lookup(name string, ctx ctxSet) (*directiveSpec, bool) {
	if ctx == ctxUpstream {
		if s, ok := directiveTable[name+"@upstream"]; ok {
			return s, true
		}
	}
	s, ok := directiveTable[name]
	return s, ok
}

// directiveTable is nginx 1.22.1's directive table; see the top of this
// file.
var directiveTable map[string]*directiveSpec

func init() {
	directiveTable = map[string]*directiveSpec{

		// main and events level: ngx_core_module, ngx_events_module, ngx_event_core_module, ngx_epoll_module, ngx_regex_module, ngx_thread_pool_module, ngx_openssl_module.
		"accept_mutex":            {ctx: ctxEvents, args: args1, value: vFlag, dup: true, tuning: true},
		"accept_mutex_delay":      {ctx: ctxEvents, args: args1, value: vMsec, dup: true, tuning: true},
		"daemon":                  {ctx: ctxMain, args: args1, value: vFlag, dup: true, tuning: true},
		"debug_connection":        {ctx: ctxEvents, args: args1, tuning: true},
		"debug_points":            {ctx: ctxMain, args: args1, value: vEnum, enum: []string{"stop", "abort"}, dup: true, tuning: true},
		"env":                     {ctx: ctxMain, args: args1, tuning: true},
		"epoll_events":            {ctx: ctxEvents, args: args1, value: vNum, dup: true, tuning: true},
		"events":                  {ctx: ctxMain, args: args0, block: true, structural: structEvents},
		"http":                    {ctx: ctxMain, args: args0, block: true, structural: structHTTP},
		"load_module":             {ctx: ctxMain, args: args1, structural: structLoadModule},
		"lock_file":               {ctx: ctxMain, args: args1, dup: true, tuning: true},
		"master_process":          {ctx: ctxMain, args: args1, value: vFlag, dup: true, tuning: true},
		"multi_accept":            {ctx: ctxEvents, args: args1, value: vFlag, dup: true, tuning: true},
		"pcre_jit":                {ctx: ctxMain, args: args1, value: vFlag, dup: true, tuning: true},
		"pid":                     {ctx: ctxMain, args: args1, dup: true, tuning: true},
		"ssl_engine":              {ctx: ctxMain, args: args1, tuning: true},
		"thread_pool":             {ctx: ctxMain, args: args2 | args3, tuning: true},
		"timer_resolution":        {ctx: ctxMain, args: args1, value: vMsec, dup: true, tuning: true},
		"use":                     {ctx: ctxEvents, args: args1, dup: true, tuning: true},
		"user":                    {ctx: ctxMain, args: args1 | args2, dup: true, tuning: true},
		"worker_aio_requests":     {ctx: ctxEvents, args: args1, value: vNum, dup: true, tuning: true},
		"worker_connections":      {ctx: ctxEvents, args: args1, dup: true, tuning: true},
		"worker_cpu_affinity":     {ctx: ctxMain, args: args1More, dup: true, tuning: true},
		"worker_priority":         {ctx: ctxMain, args: args1, dup: true, tuning: true},
		"worker_processes":        {ctx: ctxMain, args: args1, dup: true, tuning: true},
		"worker_rlimit_core":      {ctx: ctxMain, args: args1, value: vOffset, dup: true, tuning: true},
		"worker_rlimit_nofile":    {ctx: ctxMain, args: args1, value: vNum, dup: true, tuning: true},
		"worker_shutdown_timeout": {ctx: ctxMain, args: args1, value: vMsec, dup: true, tuning: true},
		"working_directory":       {ctx: ctxMain, args: args1, dup: true, tuning: true},

		// ngx_http_core_module.
		"absolute_redirect":             {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.AbsoluteRedirect)},
		"aio":                           {ctx: httpSrvLoc, args: args1, dup: true, tuning: true},
		"aio_write":                     {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, tuning: true},
		"alias":                         {ctx: ctxLocation, args: args1, dup: true, structural: structAlias, check: checkRootAlias},
		"chunked_transfer_encoding":     {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"client_body_buffer_size":       {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, apply: size(frontdesk.ClientBodyBufferSize)},
		"client_body_in_file_only":      {ctx: httpSrvLoc, args: args1, value: vEnum, enum: []string{"off", "on", "clean"}, dup: true, tuning: true},
		"client_body_in_single_buffer":  {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, tuning: true},
		"client_body_temp_path":         {ctx: httpSrvLoc, args: args1 | args2 | args3 | args4, dup: true, structural: structClientBodyTempPath},
		"client_body_timeout":           {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true, tuning: true},
		"client_header_buffer_size":     {ctx: httpSrv, args: args1, value: vSize, dup: true, tuning: true},
		"client_header_timeout":         {ctx: httpSrv, args: args1, value: vMsec, dup: true, tuning: true},
		"client_max_body_size":          {ctx: httpSrvLoc, args: args1, value: vOffset, dup: true, apply: offset(frontdesk.ClientMaxBodySize)},
		"connection_pool_size":          {ctx: httpSrv, args: args1, value: vSize, dup: true, tuning: true},
		"default_type":                  {ctx: httpSrvLoc, args: args1, dup: true, apply: str(frontdesk.DefaultType)},
		"directio":                      {ctx: httpSrvLoc, args: args1, dup: true, tuning: true},
		"directio_alignment":            {ctx: httpSrvLoc, args: args1, value: vOffset, dup: true, tuning: true},
		"disable_symlinks":              {ctx: httpSrvLoc, args: args1 | args2, dup: true},
		"error_log":                     {ctx: ctxMain | httpSrvLoc, args: args1More, tuning: true},
		"error_page":                    {ctx: httpSrvLoc | ctxIfLocation, args: args2More, apply: errorPageDirective},
		"etag":                          {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.Etag)},
		"if_modified_since":             {ctx: httpSrvLoc, args: args1, value: vEnum, enum: []string{"off", "exact", "before"}, dup: true, apply: str(frontdesk.IfModifiedSince)},
		"ignore_invalid_headers":        {ctx: httpSrv, args: args1, value: vFlag, dup: true, structural: serverFlag(frontdesk.IgnoreInvalidHeaders)},
		"include":                       {ctx: ctxAny, args: args1, tuning: true},
		"internal":                      {ctx: ctxLocation, args: args0, dup: true, structural: structInternal},
		"keepalive_disable":             {ctx: httpSrvLoc, args: args1 | args2, value: vBitmask, enum: []string{"none", "msie6", "safari"}, tuning: true},
		"keepalive_requests":            {ctx: httpSrvLoc, args: args1, value: vNum, dup: true, tuning: true},
		"keepalive_time":                {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true, tuning: true},
		"keepalive_timeout":             {ctx: httpSrvLoc, args: args1 | args2, value: vMsec, dup: true, tuning: true},
		"large_client_header_buffers":   {ctx: httpSrv, args: args2, dup: true, tuning: true},
		"limit_except":                  {ctx: ctxLocation, args: args1More, block: true, dup: true, structural: structLimitExcept},
		"limit_rate":                    {ctx: httpSrvLoc | ctxIfLocation, args: args1, value: vSize, dup: true},
		"limit_rate_after":              {ctx: httpSrvLoc | ctxIfLocation, args: args1, value: vSize, dup: true},
		"lingering_close":               {ctx: httpSrvLoc, args: args1, value: vEnum, enum: []string{"off", "on", "always"}, dup: true, tuning: true},
		"lingering_time":                {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true, tuning: true},
		"lingering_timeout":             {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true, tuning: true},
		"listen":                        {ctx: ctxServer, args: args1More, structural: structListen},
		"location":                      {ctx: srvLoc, args: args1 | args2, block: true, structural: structLocation},
		"log_not_found":                 {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.LogNotFound)},
		"log_subrequest":                {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, tuning: true},
		"max_headers":                   {ctx: httpSrv, args: args1, value: vNum, dup: true},
		"max_ranges":                    {ctx: httpSrvLoc, args: args1, value: vNum, dup: true, apply: num(frontdesk.MaxRanges)},
		"merge_slashes":                 {ctx: httpSrv, args: args1, value: vFlag, dup: true, structural: serverFlag(frontdesk.MergeSlashes)},
		"msie_padding":                  {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.MSIEPadding)},
		"msie_refresh":                  {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"open_file_cache":               {ctx: httpSrvLoc, args: args1 | args2, dup: true, apply: openFileCache},
		"open_file_cache_errors":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.OpenFileCacheErrors)},
		"open_file_cache_events":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, tuning: true},
		"open_file_cache_min_uses":      {ctx: httpSrvLoc, args: args1, value: vNum, dup: true, apply: num(frontdesk.OpenFileCacheMinUses)},
		"open_file_cache_valid":         {ctx: httpSrvLoc, args: args1, value: vSec, dup: true, apply: sec(frontdesk.OpenFileCacheValid)},
		"output_buffers":                {ctx: httpSrvLoc, args: args2, dup: true, tuning: true},
		"port_in_redirect":              {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.PortInRedirect)},
		"post_action":                   {ctx: httpSrvLoc | ctxIfLocation, args: args1, dup: true},
		"postpone_output":               {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, tuning: true},
		"read_ahead":                    {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, tuning: true},
		"recursive_error_pages":         {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.RecursiveErrorPages)},
		"request_pool_size":             {ctx: httpSrv, args: args1, value: vSize, dup: true, tuning: true},
		"reset_timedout_connection":     {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, tuning: true},
		"resolver":                      {ctx: httpSrvLoc, args: args1More, dup: true, apply: resolver},
		"resolver_timeout":              {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true, apply: msec(frontdesk.ResolverTimeout)},
		"root":                          {ctx: httpSrvLoc | ctxIfLocation, args: args1, dup: true, structural: structRoot, check: checkRootAlias},
		"satisfy":                       {ctx: httpSrvLoc, args: args1, value: vEnum, enum: []string{"all", "any"}, dup: true, apply: str(frontdesk.Satisfy)},
		"send_lowat":                    {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, tuning: true},
		"send_timeout":                  {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true, tuning: true},
		"sendfile":                      {ctx: httpSrvLoc | ctxIfLocation, args: args1, value: vFlag, dup: true, tuning: true},
		"sendfile_max_chunk":            {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, tuning: true},
		"server":                        {ctx: ctxHTTP, args: args0, block: true, structural: structServer},
		"server_name":                   {ctx: ctxServer, args: args1More, structural: structServerName},
		"server_name_in_redirect":       {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.ServerNameInRedirect)},
		"server_names_hash_bucket_size": {ctx: ctxHTTP, args: args1, value: vNum, dup: true, tuning: true},
		"server_names_hash_max_size":    {ctx: ctxHTTP, args: args1, value: vNum, dup: true, tuning: true},
		"server_tokens":                 {ctx: httpSrvLoc, args: args1, value: vEnum, enum: []string{"off", "on", "build"}, dup: true, apply: serverTokens},
		"subrequest_output_buffer_size": {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, tuning: true},
		"tcp_nodelay":                   {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, tuning: true},
		"tcp_nopush":                    {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, tuning: true},
		"try_files":                     {ctx: srvLoc, args: args2More, dup: true, apply: tryFiles},
		"types":                         {ctx: httpSrvLoc, args: args0, block: true, apply: typesDirective},
		"types_hash_bucket_size":        {ctx: httpSrvLoc, args: args1, value: vNum, dup: true, tuning: true},
		"types_hash_max_size":           {ctx: httpSrvLoc, args: args1, value: vNum, dup: true, tuning: true},
		"underscores_in_headers":        {ctx: httpSrv, args: args1, value: vFlag, dup: true, structural: serverFlag(frontdesk.UnderscoresInHeaders)},
		"variables_hash_bucket_size":    {ctx: ctxHTTP, args: args1, value: vNum, dup: true, tuning: true},
		"variables_hash_max_size":       {ctx: ctxHTTP, args: args1, value: vNum, dup: true, tuning: true},

		// ngx_http_log_module.
		"access_log":          {ctx: httpSrvLoc | ctxIfLocation | ctxLimitExcept, args: args1More, tuning: true},
		"log_format":          {ctx: ctxHTTP, args: args2More, tuning: true},
		"open_log_file_cache": {ctx: httpSrvLoc, args: args1 | args2 | args3 | args4, dup: true, tuning: true},

		// ngx_http_upstream_module and the balancers (upstream{} block).
		"hash":                        {ctx: ctxUpstream, args: args1 | args2, upstream: upstreamHash},
		"ip_hash":                     {ctx: ctxUpstream, args: args0, upstream: upstreamIPHash},
		"keepalive":                   {ctx: ctxUpstream, args: args1, dup: true, upstream: upstreamKeepalive},
		"keepalive_requests@upstream": {ctx: ctxUpstream, args: args1, value: vNum, dup: true, upstream: upstreamKeepaliveRequests},
		"keepalive_time@upstream":     {ctx: ctxUpstream, args: args1, value: vMsec, dup: true, upstream: upstreamKeepaliveTimeout},
		"keepalive_timeout@upstream":  {ctx: ctxUpstream, args: args1, value: vMsec, dup: true, upstream: upstreamKeepaliveTimeout},
		"least_conn":                  {ctx: ctxUpstream, args: args0, upstream: upstreamLeastConn},
		"random":                      {ctx: ctxUpstream, args: args0 | args1 | args2, upstream: upstreamRandom},
		"server@upstream":             {ctx: ctxUpstream, args: args1More, upstream: upstreamServer},
		"upstream":                    {ctx: ctxHTTP, args: args1, block: true, structural: structUpstream},
		"zone":                        {ctx: ctxUpstream, args: args1 | args2, tuning: true},

		// ngx_http_proxy_module.
		"proxy_bind":                     {ctx: httpSrvLoc, args: args1 | args2, dup: true},
		"proxy_buffer_size":              {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, apply: size(func(n int64) frontdesk.Directive { return frontdesk.ProxyBufferSize(int(n)) })},
		"proxy_buffering":                {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.ProxyBuffering)},
		"proxy_buffers":                  {ctx: httpSrvLoc, args: args2, dup: true, tuning: true},
		"proxy_busy_buffers_size":        {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, tuning: true},
		"proxy_cache":                    {ctx: httpSrvLoc, args: args1, dup: true},
		"proxy_cache_background_update":  {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"proxy_cache_bypass":             {ctx: httpSrvLoc, args: args1More},
		"proxy_cache_convert_head":       {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"proxy_cache_key":                {ctx: httpSrvLoc, args: args1, dup: true},
		"proxy_cache_lock":               {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"proxy_cache_lock_age":           {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"proxy_cache_lock_timeout":       {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"proxy_cache_max_range_offset":   {ctx: httpSrvLoc, args: args1, value: vOffset, dup: true},
		"proxy_cache_methods":            {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"GET", "HEAD", "POST"}},
		"proxy_cache_min_uses":           {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},
		"proxy_cache_path":               {ctx: ctxHTTP, args: args2More},
		"proxy_cache_revalidate":         {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"proxy_cache_use_stale":          {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"error", "timeout", "invalid_header", "updating", "http_500", "http_502", "http_503", "http_504", "http_403", "http_404", "http_429", "off"}},
		"proxy_cache_valid":              {ctx: httpSrvLoc, args: args1More},
		"proxy_connect_timeout":          {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true, apply: msec(frontdesk.ProxyConnectTimeout)},
		"proxy_cookie_domain":            {ctx: httpSrvLoc, args: args1 | args2, check: checkOffList, apply: cookieRule(frontdesk.ProxyCookieDomain, frontdesk.ProxyCookieDomainOff)},
		"proxy_cookie_flags":             {ctx: httpSrvLoc, args: args1 | args2 | args3 | args4, check: checkOffList, apply: proxyCookieFlags},
		"proxy_cookie_path":              {ctx: httpSrvLoc, args: args1 | args2, check: checkOffList, apply: cookieRule(frontdesk.ProxyCookiePath, frontdesk.ProxyCookiePathOff)},
		"proxy_force_ranges":             {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"proxy_headers_hash_bucket_size": {ctx: httpSrvLoc, args: args1, value: vNum, dup: true, tuning: true},
		"proxy_headers_hash_max_size":    {ctx: httpSrvLoc, args: args1, value: vNum, dup: true, tuning: true},
		"proxy_hide_header":              {ctx: httpSrvLoc, args: args1, apply: str(frontdesk.ProxyHideHeader)},
		"proxy_http_version":             {ctx: httpSrvLoc, args: args1, value: vEnum, enum: []string{"1.0", "1.1"}, dup: true, apply: str(frontdesk.ProxyHTTPVersion)},
		"proxy_ignore_client_abort":      {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"proxy_ignore_headers":           {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"X-Accel-Redirect", "X-Accel-Expires", "X-Accel-Limit-Rate", "X-Accel-Buffering", "X-Accel-Charset", "Expires", "Cache-Control", "Set-Cookie", "Vary"}, apply: proxyIgnoreHeaders},
		"proxy_intercept_errors":         {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.ProxyInterceptErrors)},
		"proxy_limit_rate":               {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, apply: size(frontdesk.ProxyLimitRate)},
		"proxy_max_temp_file_size":       {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, tuning: true},
		"proxy_method":                   {ctx: httpSrvLoc, args: args1, dup: true, apply: str(frontdesk.ProxyMethod)},
		"proxy_next_upstream":            {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"error", "timeout", "invalid_header", "non_idempotent", "http_500", "http_502", "http_503", "http_504", "http_403", "http_404", "http_429", "updating", "off"}, apply: proxyNextUpstream},
		"proxy_next_upstream_timeout":    {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true, apply: msec(frontdesk.ProxyNextUpstreamTimeout)},
		"proxy_next_upstream_tries":      {ctx: httpSrvLoc, args: args1, value: vNum, dup: true, apply: num(frontdesk.ProxyNextUpstreamTries)},
		"proxy_no_cache":                 {ctx: httpSrvLoc, args: args1More},
		"proxy_pass":                     {ctx: ctxLocation | ctxIfLocation | ctxLimitExcept, args: args1, dup: true, structural: structProxyPass},
		"proxy_pass_header":              {ctx: httpSrvLoc, args: args1, apply: str(frontdesk.ProxyPassHeader)},
		"proxy_pass_request_body":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.ProxyPassRequestBody)},
		"proxy_pass_request_headers":     {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.ProxyPassRequestHeaders)},
		"proxy_read_timeout":             {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true, apply: msec(frontdesk.ProxyReadTimeout)},
		"proxy_redirect":                 {ctx: httpSrvLoc, args: args1 | args2, apply: proxyRedirect, check: checkProxyRedirect},
		"proxy_request_buffering":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.ProxyRequestBuffering)},
		"proxy_send_lowat":               {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, tuning: true},
		"proxy_send_timeout":             {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true, apply: msec(frontdesk.ProxySendTimeout)},
		"proxy_set_body":                 {ctx: httpSrvLoc, args: args1, dup: true, apply: str(frontdesk.ProxySetBody)},
		"proxy_set_header":               {ctx: httpSrvLoc, args: args2, apply: proxySetHeader},
		"proxy_socket_keepalive":         {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, tuning: true},
		"proxy_ssl_certificate":          {ctx: httpSrvLoc, args: args1, dup: true},
		"proxy_ssl_certificate_key":      {ctx: httpSrvLoc, args: args1, dup: true},
		"proxy_ssl_ciphers":              {ctx: httpSrvLoc, args: args1, dup: true},
		"proxy_ssl_conf_command":         {ctx: httpSrvLoc, args: args2},
		"proxy_ssl_crl":                  {ctx: httpSrvLoc, args: args1, dup: true},
		"proxy_ssl_name":                 {ctx: httpSrvLoc, args: args1, dup: true},
		"proxy_ssl_password_file":        {ctx: httpSrvLoc, args: args1},
		"proxy_ssl_protocols":            {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}},
		"proxy_ssl_server_name":          {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"proxy_ssl_session_reuse":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"proxy_ssl_trusted_certificate":  {ctx: httpSrvLoc, args: args1, dup: true},
		"proxy_ssl_verify":               {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"proxy_ssl_verify_depth":         {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},
		"proxy_store":                    {ctx: httpSrvLoc, args: args1, dup: true},
		"proxy_store_access":             {ctx: httpSrvLoc, args: args1 | args2 | args3},
		"proxy_temp_file_write_size":     {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, tuning: true},
		"proxy_temp_path":                {ctx: httpSrvLoc, args: args1 | args2 | args3 | args4, dup: true, tuning: true},

		// ngx_http_rewrite_module. rewrite_log and
		// uninitialized_variable_warn only choose what goes to the error
		// log (a notice per rewrite, warnings on unset variables):
		// logging, left to the embedder.
		"break":                       {ctx: srvLoc | ctxIf, args: args0, structural: structBreak},
		"if":                          {ctx: srvLoc, args: args1More, block: true, structural: structIf},
		"return":                      {ctx: srvLoc | ctxIf, args: args1 | args2, structural: structReturn, check: checkReturn},
		"rewrite":                     {ctx: srvLoc | ctxIf, args: args2 | args3, structural: structRewrite},
		"rewrite_log":                 {ctx: httpSrvLoc | ctxIf, args: args1, value: vFlag, dup: true, tuning: true},
		"set":                         {ctx: srvLoc | ctxIf, args: args2, structural: structSet},
		"uninitialized_variable_warn": {ctx: httpSrvLoc | ctxIf, args: args1, value: vFlag, dup: true, tuning: true},

		// ngx_http_realip_module.
		"real_ip_header":    {ctx: httpSrvLoc, args: args1, dup: true, apply: str(frontdesk.RealIPHeader)},
		"real_ip_recursive": {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.RealIPRecursive)},
		"set_real_ip_from":  {ctx: httpSrvLoc, args: args1, apply: setRealIPFrom},

		// ngx_http_map_module.
		"map":                  {ctx: ctxHTTP, args: args2, block: true, structural: structMap},
		"map_hash_bucket_size": {ctx: ctxHTTP, args: args1, value: vNum, dup: true, tuning: true},
		"map_hash_max_size":    {ctx: ctxHTTP, args: args1, value: vNum, dup: true, tuning: true},

		// ngx_http_index_module, ngx_http_autoindex_module, ngx_http_random_index_module.
		"autoindex":            {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.Autoindex)},
		"autoindex_exact_size": {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.AutoindexExactSize)},
		"autoindex_format":     {ctx: httpSrvLoc, args: args1, value: vEnum, enum: []string{"html", "xml", "json", "jsonp"}, dup: true, apply: str(frontdesk.AutoindexFormat)},
		"autoindex_localtime":  {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.AutoindexLocaltime)},
		"index":                {ctx: httpSrvLoc, args: args1More, apply: indexDirective},
		"random_index":         {ctx: ctxLocation, args: args1, value: vFlag, dup: true},

		// ngx_http_headers_filter_module.
		"add_header":  {ctx: httpSrvLoc | ctxIfLocation, args: args2 | args3, apply: addHeaderDirective},
		"add_trailer": {ctx: httpSrvLoc | ctxIfLocation, args: args2 | args3},
		"expires":     {ctx: httpSrvLoc | ctxIfLocation, args: args1 | args2, dup: true, apply: expiresDirective},

		// ngx_http_access_module, ngx_http_auth_basic_module, ngx_http_auth_request_module.
		"allow":                {ctx: httpSrvLoc | ctxLimitExcept, args: args1, apply: str(frontdesk.Allow)},
		"auth_basic":           {ctx: httpSrvLoc | ctxLimitExcept, args: args1, dup: true, apply: str(frontdesk.AuthBasic)},
		"auth_basic_user_file": {ctx: httpSrvLoc | ctxLimitExcept, args: args1, dup: true, apply: str(frontdesk.AuthBasicUserFile)},
		"auth_delay":           {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"auth_request":         {ctx: httpSrvLoc, args: args1, dup: true},
		"auth_request_set":     {ctx: httpSrvLoc, args: args2},
		"deny":                 {ctx: httpSrvLoc | ctxLimitExcept, args: args1, apply: str(frontdesk.Deny)},

		// ngx_http_gzip_filter_module, ngx_http_gzip_static_module, ngx_http_gunzip_filter_module.
		"gunzip":            {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"gunzip_buffers":    {ctx: httpSrvLoc, args: args2},
		"gzip":              {ctx: httpSrvLoc | ctxIfLocation, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.Gzip)},
		"gzip_buffers":      {ctx: httpSrvLoc, args: args2, dup: true, apply: gzipBuffers},
		"gzip_comp_level":   {ctx: httpSrvLoc, args: args1, value: vNum, dup: true, apply: num(frontdesk.GzipCompLevel)},
		"gzip_disable":      {ctx: httpSrvLoc, args: args1More, apply: allArgs(frontdesk.GzipDisable)},
		"gzip_hash":         {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, tuning: true},
		"gzip_http_version": {ctx: httpSrvLoc, args: args1, value: vEnum, enum: []string{"1.0", "1.1"}, dup: true, apply: str(frontdesk.GzipHTTPVersion)},
		"gzip_min_length":   {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, apply: size(frontdesk.GzipMinLength)},
		"gzip_no_buffer":    {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, tuning: true},
		"gzip_proxied":      {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"off", "expired", "no-cache", "no-store", "private", "no_last_modified", "no_etag", "auth", "any"}, apply: allArgs(frontdesk.GzipProxied)},
		"gzip_static":       {ctx: httpSrvLoc, args: args1, value: vEnum, enum: []string{"off", "on", "always"}, dup: true, apply: str(frontdesk.GzipStatic)},
		"gzip_types":        {ctx: httpSrvLoc, args: args1More, apply: allArgs(frontdesk.GzipTypes)},
		"gzip_vary":         {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true, apply: flag(frontdesk.GzipVary)},
		"gzip_window":       {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, tuning: true},
		"postpone_gzipping": {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, tuning: true},

		// ngx_http_ssl_module.
		"ssl":                       {ctx: httpSrv, args: args1, value: vFlag, dup: true},
		"ssl_buffer_size":           {ctx: httpSrv, args: args1, value: vSize, dup: true, tuning: true},
		"ssl_certificate":           {ctx: httpSrv, args: args1},
		"ssl_certificate_key":       {ctx: httpSrv, args: args1},
		"ssl_ciphers":               {ctx: httpSrv, args: args1, dup: true},
		"ssl_client_certificate":    {ctx: httpSrv, args: args1, dup: true},
		"ssl_conf_command":          {ctx: httpSrv, args: args2},
		"ssl_crl":                   {ctx: httpSrv, args: args1, dup: true},
		"ssl_dhparam":               {ctx: httpSrv, args: args1, dup: true},
		"ssl_early_data":            {ctx: httpSrv, args: args1, value: vFlag, dup: true},
		"ssl_ecdh_curve":            {ctx: httpSrv, args: args1, dup: true},
		"ssl_ocsp":                  {ctx: httpSrv, args: args1, value: vEnum, enum: []string{"off", "on", "leaf"}, dup: true},
		"ssl_ocsp_cache":            {ctx: httpSrv, args: args1, dup: true},
		"ssl_ocsp_responder":        {ctx: httpSrv, args: args1, dup: true},
		"ssl_password_file":         {ctx: httpSrv, args: args1},
		"ssl_prefer_server_ciphers": {ctx: httpSrv, args: args1, value: vFlag, dup: true},
		"ssl_protocols":             {ctx: httpSrv, args: args1More, value: vBitmask, enum: []string{"SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}},
		"ssl_reject_handshake":      {ctx: httpSrv, args: args1, value: vFlag, dup: true},
		"ssl_session_cache":         {ctx: httpSrv, args: args1 | args2},
		"ssl_session_ticket_key":    {ctx: httpSrv, args: args1},
		"ssl_session_tickets":       {ctx: httpSrv, args: args1, value: vFlag, dup: true},
		"ssl_session_timeout":       {ctx: httpSrv, args: args1, value: vSec, dup: true},
		"ssl_stapling":              {ctx: httpSrv, args: args1, value: vFlag, dup: true},
		"ssl_stapling_file":         {ctx: httpSrv, args: args1, dup: true},
		"ssl_stapling_responder":    {ctx: httpSrv, args: args1, dup: true},
		"ssl_stapling_verify":       {ctx: httpSrv, args: args1, value: vFlag, dup: true},
		"ssl_trusted_certificate":   {ctx: httpSrv, args: args1, dup: true},
		"ssl_verify_client":         {ctx: httpSrv, args: args1, value: vEnum, enum: []string{"off", "on", "optional", "optional_no_ca"}, dup: true},
		"ssl_verify_depth":          {ctx: httpSrv, args: args1, value: vNum, dup: true},

		// ngx_http_v2_module.
		"http2":                        {ctx: httpSrv, args: args1, value: vFlag, dup: true, newer: "1.25.1"},
		"http2_body_preread_size":      {ctx: httpSrv, args: args1, value: vSize, dup: true, tuning: true},
		"http2_chunk_size":             {ctx: httpSrvLoc, args: args1, value: vSize, dup: true, tuning: true},
		"http2_idle_timeout":           {ctx: httpSrv, args: args1, tuning: true},
		"http2_max_concurrent_pushes":  {ctx: httpSrv, args: args1, value: vNum, dup: true, tuning: true},
		"http2_max_concurrent_streams": {ctx: httpSrv, args: args1, value: vNum, dup: true, tuning: true},
		"http2_max_field_size":         {ctx: httpSrv, args: args1, tuning: true},
		"http2_max_header_size":        {ctx: httpSrv, args: args1, tuning: true},
		"http2_max_requests":           {ctx: httpSrv, args: args1, tuning: true},
		"http2_pool_size":              {ctx: httpSrv, args: args1, value: vSize, dup: true, tuning: true},
		"http2_push":                   {ctx: httpSrvLoc, args: args1},
		"http2_push_preload":           {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"http2_recv_buffer_size":       {ctx: ctxHTTP, args: args1, value: vSize, dup: true, tuning: true},
		"http2_recv_timeout":           {ctx: httpSrv, args: args1, tuning: true},
		"http2_streams_index_size":     {ctx: httpSrv, args: args1, value: vNum, dup: true, tuning: true},

		// ngx_http_limit_req_module, ngx_http_limit_conn_module.
		"limit_conn":           {ctx: httpSrvLoc, args: args2},
		"limit_conn_dry_run":   {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"limit_conn_log_level": {ctx: httpSrvLoc, args: args1, value: vEnum, enum: []string{"info", "notice", "warn", "error"}, dup: true},
		"limit_conn_status":    {ctx: httpSrvLoc, args: args1, value: vNum},
		"limit_conn_zone":      {ctx: ctxHTTP, args: args2},
		"limit_req":            {ctx: httpSrvLoc, args: args1 | args2 | args3},
		"limit_req_dry_run":    {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"limit_req_log_level":  {ctx: httpSrvLoc, args: args1, value: vEnum, enum: []string{"info", "notice", "warn", "error"}, dup: true},
		"limit_req_status":     {ctx: httpSrvLoc, args: args1, value: vNum},
		"limit_req_zone":       {ctx: ctxHTTP, args: args3},

		// ngx_http_fastcgi_module.
		"fastcgi_bind":                    {ctx: httpSrvLoc, args: args1 | args2, dup: true},
		"fastcgi_buffer_size":             {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"fastcgi_buffering":               {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"fastcgi_buffers":                 {ctx: httpSrvLoc, args: args2, dup: true},
		"fastcgi_busy_buffers_size":       {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"fastcgi_cache":                   {ctx: httpSrvLoc, args: args1, dup: true},
		"fastcgi_cache_background_update": {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"fastcgi_cache_bypass":            {ctx: httpSrvLoc, args: args1More},
		"fastcgi_cache_key":               {ctx: httpSrvLoc, args: args1, dup: true},
		"fastcgi_cache_lock":              {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"fastcgi_cache_lock_age":          {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"fastcgi_cache_lock_timeout":      {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"fastcgi_cache_max_range_offset":  {ctx: httpSrvLoc, args: args1, value: vOffset, dup: true},
		"fastcgi_cache_methods":           {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"GET", "HEAD", "POST"}},
		"fastcgi_cache_min_uses":          {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},
		"fastcgi_cache_path":              {ctx: ctxHTTP, args: args2More},
		"fastcgi_cache_revalidate":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"fastcgi_cache_use_stale":         {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"error", "timeout", "invalid_header", "updating", "http_500", "http_503", "http_403", "http_404", "http_429", "off"}},
		"fastcgi_cache_valid":             {ctx: httpSrvLoc, args: args1More},
		"fastcgi_catch_stderr":            {ctx: httpSrvLoc, args: args1},
		"fastcgi_connect_timeout":         {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"fastcgi_force_ranges":            {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"fastcgi_hide_header":             {ctx: httpSrvLoc, args: args1},
		"fastcgi_ignore_client_abort":     {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"fastcgi_ignore_headers":          {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"X-Accel-Redirect", "X-Accel-Expires", "X-Accel-Limit-Rate", "X-Accel-Buffering", "X-Accel-Charset", "Expires", "Cache-Control", "Set-Cookie", "Vary"}},
		"fastcgi_index":                   {ctx: httpSrvLoc, args: args1, dup: true},
		"fastcgi_intercept_errors":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"fastcgi_keep_conn":               {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"fastcgi_limit_rate":              {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"fastcgi_max_temp_file_size":      {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"fastcgi_next_upstream":           {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"error", "timeout", "invalid_header", "non_idempotent", "http_500", "http_503", "http_403", "http_404", "http_429", "updating", "off"}},
		"fastcgi_next_upstream_timeout":   {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"fastcgi_next_upstream_tries":     {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},
		"fastcgi_no_cache":                {ctx: httpSrvLoc, args: args1More},
		"fastcgi_param":                   {ctx: httpSrvLoc, args: args2 | args3},
		"fastcgi_pass":                    {ctx: ctxLocation | ctxIfLocation, args: args1},
		"fastcgi_pass_header":             {ctx: httpSrvLoc, args: args1},
		"fastcgi_pass_request_body":       {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"fastcgi_pass_request_headers":    {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"fastcgi_read_timeout":            {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"fastcgi_request_buffering":       {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"fastcgi_send_lowat":              {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"fastcgi_send_timeout":            {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"fastcgi_socket_keepalive":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"fastcgi_split_path_info":         {ctx: httpSrvLoc, args: args1},
		"fastcgi_store":                   {ctx: httpSrvLoc, args: args1, dup: true},
		"fastcgi_store_access":            {ctx: httpSrvLoc, args: args1 | args2 | args3},
		"fastcgi_temp_file_write_size":    {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"fastcgi_temp_path":               {ctx: httpSrvLoc, args: args1 | args2 | args3 | args4, dup: true, tuning: true},

		// ngx_http_uwsgi_module.
		"uwsgi_bind":                    {ctx: httpSrvLoc, args: args1 | args2, dup: true},
		"uwsgi_buffer_size":             {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"uwsgi_buffering":               {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"uwsgi_buffers":                 {ctx: httpSrvLoc, args: args2, dup: true},
		"uwsgi_busy_buffers_size":       {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"uwsgi_cache":                   {ctx: httpSrvLoc, args: args1, dup: true},
		"uwsgi_cache_background_update": {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"uwsgi_cache_bypass":            {ctx: httpSrvLoc, args: args1More},
		"uwsgi_cache_key":               {ctx: httpSrvLoc, args: args1, dup: true},
		"uwsgi_cache_lock":              {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"uwsgi_cache_lock_age":          {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"uwsgi_cache_lock_timeout":      {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"uwsgi_cache_max_range_offset":  {ctx: httpSrvLoc, args: args1, value: vOffset, dup: true},
		"uwsgi_cache_methods":           {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"GET", "HEAD", "POST"}},
		"uwsgi_cache_min_uses":          {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},
		"uwsgi_cache_path":              {ctx: ctxHTTP, args: args2More},
		"uwsgi_cache_revalidate":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"uwsgi_cache_use_stale":         {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"error", "timeout", "invalid_header", "updating", "http_500", "http_503", "http_403", "http_404", "http_429", "off"}},
		"uwsgi_cache_valid":             {ctx: httpSrvLoc, args: args1More},
		"uwsgi_connect_timeout":         {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"uwsgi_force_ranges":            {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"uwsgi_hide_header":             {ctx: httpSrvLoc, args: args1},
		"uwsgi_ignore_client_abort":     {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"uwsgi_ignore_headers":          {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"X-Accel-Redirect", "X-Accel-Expires", "X-Accel-Limit-Rate", "X-Accel-Buffering", "X-Accel-Charset", "Expires", "Cache-Control", "Set-Cookie", "Vary"}},
		"uwsgi_intercept_errors":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"uwsgi_limit_rate":              {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"uwsgi_max_temp_file_size":      {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"uwsgi_modifier1":               {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},
		"uwsgi_modifier2":               {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},
		"uwsgi_next_upstream":           {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"error", "timeout", "invalid_header", "non_idempotent", "http_500", "http_503", "http_403", "http_404", "http_429", "updating", "off"}},
		"uwsgi_next_upstream_timeout":   {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"uwsgi_next_upstream_tries":     {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},
		"uwsgi_no_cache":                {ctx: httpSrvLoc, args: args1More},
		"uwsgi_param":                   {ctx: httpSrvLoc, args: args2 | args3},
		"uwsgi_pass":                    {ctx: ctxLocation | ctxIfLocation, args: args1},
		"uwsgi_pass_header":             {ctx: httpSrvLoc, args: args1},
		"uwsgi_pass_request_body":       {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"uwsgi_pass_request_headers":    {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"uwsgi_read_timeout":            {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"uwsgi_request_buffering":       {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"uwsgi_send_timeout":            {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"uwsgi_socket_keepalive":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"uwsgi_ssl_certificate":         {ctx: httpSrvLoc, args: args1, dup: true},
		"uwsgi_ssl_certificate_key":     {ctx: httpSrvLoc, args: args1, dup: true},
		"uwsgi_ssl_ciphers":             {ctx: httpSrvLoc, args: args1, dup: true},
		"uwsgi_ssl_conf_command":        {ctx: httpSrvLoc, args: args2},
		"uwsgi_ssl_crl":                 {ctx: httpSrvLoc, args: args1, dup: true},
		"uwsgi_ssl_name":                {ctx: httpSrvLoc, args: args1, dup: true},
		"uwsgi_ssl_password_file":       {ctx: httpSrvLoc, args: args1},
		"uwsgi_ssl_protocols":           {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}},
		"uwsgi_ssl_server_name":         {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"uwsgi_ssl_session_reuse":       {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"uwsgi_ssl_trusted_certificate": {ctx: httpSrvLoc, args: args1, dup: true},
		"uwsgi_ssl_verify":              {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"uwsgi_ssl_verify_depth":        {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},
		"uwsgi_store":                   {ctx: httpSrvLoc, args: args1, dup: true},
		"uwsgi_store_access":            {ctx: httpSrvLoc, args: args1 | args2 | args3},
		"uwsgi_string":                  {ctx: httpSrvLoc, args: args1, dup: true},
		"uwsgi_temp_file_write_size":    {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"uwsgi_temp_path":               {ctx: httpSrvLoc, args: args1 | args2 | args3 | args4, dup: true, tuning: true},

		// ngx_http_scgi_module.
		"scgi_bind":                    {ctx: httpSrvLoc, args: args1 | args2, dup: true},
		"scgi_buffer_size":             {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"scgi_buffering":               {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"scgi_buffers":                 {ctx: httpSrvLoc, args: args2, dup: true},
		"scgi_busy_buffers_size":       {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"scgi_cache":                   {ctx: httpSrvLoc, args: args1, dup: true},
		"scgi_cache_background_update": {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"scgi_cache_bypass":            {ctx: httpSrvLoc, args: args1More},
		"scgi_cache_key":               {ctx: httpSrvLoc, args: args1, dup: true},
		"scgi_cache_lock":              {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"scgi_cache_lock_age":          {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"scgi_cache_lock_timeout":      {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"scgi_cache_max_range_offset":  {ctx: httpSrvLoc, args: args1, value: vOffset, dup: true},
		"scgi_cache_methods":           {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"GET", "HEAD", "POST"}},
		"scgi_cache_min_uses":          {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},
		"scgi_cache_path":              {ctx: ctxHTTP, args: args2More},
		"scgi_cache_revalidate":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"scgi_cache_use_stale":         {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"error", "timeout", "invalid_header", "updating", "http_500", "http_503", "http_403", "http_404", "http_429", "off"}},
		"scgi_cache_valid":             {ctx: httpSrvLoc, args: args1More},
		"scgi_connect_timeout":         {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"scgi_force_ranges":            {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"scgi_hide_header":             {ctx: httpSrvLoc, args: args1},
		"scgi_ignore_client_abort":     {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"scgi_ignore_headers":          {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"X-Accel-Redirect", "X-Accel-Expires", "X-Accel-Limit-Rate", "X-Accel-Buffering", "X-Accel-Charset", "Expires", "Cache-Control", "Set-Cookie", "Vary"}},
		"scgi_intercept_errors":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"scgi_limit_rate":              {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"scgi_max_temp_file_size":      {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"scgi_next_upstream":           {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"error", "timeout", "invalid_header", "non_idempotent", "http_500", "http_503", "http_403", "http_404", "http_429", "updating", "off"}},
		"scgi_next_upstream_timeout":   {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"scgi_next_upstream_tries":     {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},
		"scgi_no_cache":                {ctx: httpSrvLoc, args: args1More},
		"scgi_param":                   {ctx: httpSrvLoc, args: args2 | args3},
		"scgi_pass":                    {ctx: ctxLocation | ctxIfLocation, args: args1},
		"scgi_pass_header":             {ctx: httpSrvLoc, args: args1},
		"scgi_pass_request_body":       {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"scgi_pass_request_headers":    {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"scgi_read_timeout":            {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"scgi_request_buffering":       {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"scgi_send_timeout":            {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"scgi_socket_keepalive":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"scgi_store":                   {ctx: httpSrvLoc, args: args1, dup: true},
		"scgi_store_access":            {ctx: httpSrvLoc, args: args1 | args2 | args3},
		"scgi_temp_file_write_size":    {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"scgi_temp_path":               {ctx: httpSrvLoc, args: args1 | args2 | args3 | args4, dup: true, tuning: true},

		// ngx_http_grpc_module.
		"grpc_bind":                    {ctx: httpSrvLoc, args: args1 | args2, dup: true},
		"grpc_buffer_size":             {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"grpc_connect_timeout":         {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"grpc_hide_header":             {ctx: httpSrvLoc, args: args1},
		"grpc_ignore_headers":          {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"X-Accel-Redirect", "X-Accel-Expires", "X-Accel-Limit-Rate", "X-Accel-Buffering", "X-Accel-Charset", "Expires", "Cache-Control", "Set-Cookie", "Vary"}},
		"grpc_intercept_errors":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"grpc_next_upstream":           {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"error", "timeout", "invalid_header", "non_idempotent", "http_500", "http_502", "http_503", "http_504", "http_403", "http_404", "http_429", "off"}},
		"grpc_next_upstream_timeout":   {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"grpc_next_upstream_tries":     {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},
		"grpc_pass":                    {ctx: ctxLocation | ctxIfLocation, args: args1},
		"grpc_pass_header":             {ctx: httpSrvLoc, args: args1},
		"grpc_read_timeout":            {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"grpc_send_timeout":            {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"grpc_set_header":              {ctx: httpSrvLoc, args: args2},
		"grpc_socket_keepalive":        {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"grpc_ssl_certificate":         {ctx: httpSrvLoc, args: args1, dup: true},
		"grpc_ssl_certificate_key":     {ctx: httpSrvLoc, args: args1, dup: true},
		"grpc_ssl_ciphers":             {ctx: httpSrvLoc, args: args1, dup: true},
		"grpc_ssl_conf_command":        {ctx: httpSrvLoc, args: args2},
		"grpc_ssl_crl":                 {ctx: httpSrvLoc, args: args1, dup: true},
		"grpc_ssl_name":                {ctx: httpSrvLoc, args: args1, dup: true},
		"grpc_ssl_password_file":       {ctx: httpSrvLoc, args: args1},
		"grpc_ssl_protocols":           {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}},
		"grpc_ssl_server_name":         {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"grpc_ssl_session_reuse":       {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"grpc_ssl_trusted_certificate": {ctx: httpSrvLoc, args: args1, dup: true},
		"grpc_ssl_verify":              {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"grpc_ssl_verify_depth":        {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},

		// ngx_http_memcached_module.
		"memcached_bind":                  {ctx: httpSrvLoc, args: args1 | args2, dup: true},
		"memcached_buffer_size":           {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"memcached_connect_timeout":       {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"memcached_gzip_flag":             {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},
		"memcached_next_upstream":         {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"error", "timeout", "invalid_response", "not_found", "off"}},
		"memcached_next_upstream_timeout": {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"memcached_next_upstream_tries":   {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},
		"memcached_pass":                  {ctx: ctxLocation | ctxIfLocation, args: args1},
		"memcached_read_timeout":          {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"memcached_send_timeout":          {ctx: httpSrvLoc, args: args1, value: vMsec, dup: true},
		"memcached_socket_keepalive":      {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},

		// ngx_http_ssi_filter_module.
		"ssi":                         {ctx: httpSrvLoc | ctxIfLocation, args: args1, value: vFlag, dup: true},
		"ssi_ignore_recycled_buffers": {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"ssi_last_modified":           {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"ssi_min_file_chunk":          {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"ssi_silent_errors":           {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"ssi_types":                   {ctx: httpSrvLoc, args: args1More},
		"ssi_value_length":            {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},

		// ngx_http_sub_filter_module.
		"sub_filter":               {ctx: httpSrvLoc, args: args2},
		"sub_filter_last_modified": {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"sub_filter_once":          {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"sub_filter_types":         {ctx: httpSrvLoc, args: args1More},

		// ngx_http_addition_filter_module.
		"add_after_body":  {ctx: httpSrvLoc, args: args1, dup: true},
		"add_before_body": {ctx: httpSrvLoc, args: args1, dup: true},
		"addition_types":  {ctx: httpSrvLoc, args: args1More},

		// ngx_http_userid_filter_module.
		"userid":         {ctx: httpSrvLoc, args: args1, value: vEnum, enum: []string{"off", "on", "v1", "log"}, dup: true},
		"userid_domain":  {ctx: httpSrvLoc, args: args1, dup: true},
		"userid_expires": {ctx: httpSrvLoc, args: args1, dup: true},
		"userid_flags":   {ctx: httpSrvLoc, args: args1 | args2 | args3},
		"userid_mark":    {ctx: httpSrvLoc, args: args1, dup: true},
		"userid_name":    {ctx: httpSrvLoc, args: args1, dup: true},
		"userid_p3p":     {ctx: httpSrvLoc, args: args1, dup: true},
		"userid_path":    {ctx: httpSrvLoc, args: args1, dup: true},
		"userid_service": {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},

		// ngx_http_charset_filter_module.
		"charset":          {ctx: httpSrvLoc | ctxIfLocation, args: args1, dup: true},
		"charset_map":      {ctx: ctxHTTP, args: args2, block: true},
		"charset_types":    {ctx: httpSrvLoc, args: args1More},
		"override_charset": {ctx: httpSrvLoc | ctxIfLocation, args: args1, value: vFlag, dup: true},
		"source_charset":   {ctx: httpSrvLoc | ctxIfLocation, args: args1, dup: true},

		// ngx_http_geo_module, ngx_http_split_clients_module, ngx_http_browser_module, ngx_http_referer_module.
		"ancient_browser":          {ctx: httpSrvLoc, args: args1More},
		"ancient_browser_value":    {ctx: httpSrvLoc, args: args1},
		"geo":                      {ctx: ctxHTTP, args: args1 | args2, block: true},
		"modern_browser":           {ctx: httpSrvLoc, args: args1 | args2},
		"modern_browser_value":     {ctx: httpSrvLoc, args: args1},
		"referer_hash_bucket_size": {ctx: srvLoc, args: args1, value: vNum, dup: true, tuning: true},
		"referer_hash_max_size":    {ctx: srvLoc, args: args1, value: vNum, dup: true, tuning: true},
		"split_clients":            {ctx: ctxHTTP, args: args2, block: true},
		"valid_referers":           {ctx: srvLoc, args: args1More},

		// ngx_http_secure_link_module, ngx_http_stub_status_module, ngx_http_mirror_module, ngx_http_slice_filter_module, ngx_http_empty_gif_module.
		"empty_gif":           {ctx: ctxLocation, args: args0},
		"mirror":              {ctx: httpSrvLoc, args: args1},
		"mirror_request_body": {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"secure_link":         {ctx: httpSrvLoc, args: args1, dup: true},
		"secure_link_md5":     {ctx: httpSrvLoc, args: args1, dup: true},
		"secure_link_secret":  {ctx: httpSrvLoc, args: args1, dup: true},
		"slice":               {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"stub_status":         {ctx: srvLoc, args: args0 | args1},

		// ngx_http_mp4_module, ngx_http_flv_module, ngx_http_dav_module.
		"create_full_put_path": {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},
		"dav_access":           {ctx: httpSrvLoc, args: args1 | args2 | args3},
		"dav_methods":          {ctx: httpSrvLoc, args: args1More, value: vBitmask, enum: []string{"off", "PUT", "DELETE", "MKCOL", "COPY", "MOVE"}},
		"flv":                  {ctx: ctxLocation, args: args0},
		"min_delete_depth":     {ctx: httpSrvLoc, args: args1, value: vNum, dup: true},
		"mp4":                  {ctx: ctxLocation, args: args0},
		"mp4_buffer_size":      {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"mp4_max_buffer_size":  {ctx: httpSrvLoc, args: args1, value: vSize, dup: true},
		"mp4_start_key_frame":  {ctx: httpSrvLoc, args: args1, value: vFlag, dup: true},

		// Modules frontdesk does not load: nginx knows these names only once the module is loaded.
		"stream": {ctx: ctxMain, args: args0, block: true, module: "ngx_stream_module"},
		"mail":   {ctx: ctxMain, args: args0, block: true, module: "ngx_mail_module"},
	}
}
