package nginxconf

import (
	"bytes"
	goflag "flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = goflag.Bool("update", false, "rewrite ../DIRECTIVES.md from the directive table")

// directiveStatus names a row's kind as DIRECTIVES.md shows it.
func directiveStatus(s *directiveSpec) string {
	switch {
	case s.apply != nil || s.structural != nil || s.upstream != nil:
		return "implemented"
	case s.tuning:
		return "process tuning"
	}
	return "refused"
}

// refusedGroups says why a refused directive is refused, grouped by module.
// The first group whose prefix or name matches wins.
var refusedGroups = []struct {
	names  []string // exact names, or prefixes ending in "*"
	reason string
}{
	{[]string{"fastcgi_*", "uwsgi_*", "scgi_*", "grpc_*", "memcached_*"}, "fastcgi_*/uwsgi_*/scgi_*/grpc_*/memcached_*: other upstream protocols, not emulated"},
	{[]string{"proxy_cache*", "proxy_no_cache", "proxy_store*"}, "proxy_cache*/proxy_store*: later work (caching)"},
	{[]string{"proxy_*"}, "proxy_bind/proxy_force_ranges/…: proxy options, later work"},
	{[]string{"ssi*", "sub_filter*", "add_after_body", "add_before_body", "addition_types", "charset*", "source_charset", "override_charset", "gunzip*", "add_trailer"}, "ssi/sub_filter/addition/charset/gunzip/add_trailer: body filters, later work"},
	{[]string{"chunked_transfer_encoding", "disable_symlinks", "max_headers", "msie_refresh"}, "chunked_transfer_encoding/disable_symlinks/…: core options, later work"},
	{[]string{"stream", "mail"}, "stream/mail: not HTTP"},
	{[]string{"limit_req*", "limit_conn*", "limit_rate*"}, "limit_req*/limit_conn*/limit_rate*: rate and connection limits, later work"},
	{[]string{"auth_request*", "auth_delay", "mirror*", "post_action"}, "auth_request/mirror/post_action: subrequests, later work"},
	{[]string{"ssl", "ssl_*", "http2_push*"}, "ssl_ocsp*/ssl_crl/ssl_conf_command/…, http2_push*: TLS and HTTP/2 features crypto/tls and net/http lack, later work"},
	{[]string{"userid*", "secure_link*", "geo", "split_clients", "ancient_browser*", "modern_browser*", "valid_referers"}, "userid/secure_link/geo/split_clients/browser/referer: variable modules, later work"},
	{[]string{"dav_*", "create_full_put_path", "min_delete_depth"}, "dav_*: WebDAV, later work"},
	{[]string{"mp4*", "flv", "slice", "empty_gif", "random_index", "stub_status"}, "mp4/flv/slice/empty_gif/random_index/stub_status: content handlers, later work"},
}

func refusedReason(name string) string {
	for _, g := range refusedGroups {
		for _, n := range g.names {
			if p, ok := strings.CutSuffix(n, "*"); ok && strings.HasPrefix(name, p) || n == name {
				return g.reason
			}
		}
	}
	return "later work"
}

// contextNames renders a ctxSet as nginx's documentation names contexts.
func contextNames(c ctxSet) string {
	var out []string
	for _, x := range []struct {
		bit  ctxSet
		name string
	}{
		{ctxMain, "main"}, {ctxEvents, "events"}, {ctxHTTP, "http"}, {ctxServer, "server"},
		{ctxLocation, "location"}, {ctxIfServer, "if (server)"}, {ctxIfLocation, "if (location)"},
		{ctxLimitExcept, "limit_except"}, {ctxUpstream, "upstream"},
	} {
		if c&x.bit != 0 {
			out = append(out, x.name)
		}
	}
	return strings.Join(out, ", ")
}

// renderDirectiveDoc renders the directive table as DIRECTIVES.md.
func renderDirectiveDoc() []byte {
	names := make([]string, 0, len(directiveTable))
	counts := map[string]int{}
	for k, s := range directiveTable {
		names = append(names, k)
		counts[directiveStatus(s)]++
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString("# nginx directives in frontdesk\n\n")
	b.WriteString("Generated from the directive table in `nginxconf/table.go` by\n")
	b.WriteString("`go test ./nginxconf -run TestDirectiveDocUpToDate -update`; do not edit by hand.\n\n")
	var newer []string
	for _, k := range names {
		if s := directiveTable[k]; s.newer != "" {
			newer = append(newer, fmt.Sprintf("`%s` of %s", k, s.newer))
		}
	}
	fmt.Fprintf(&b, "Every directive of nginx 1.22.1, and %s (%d rows, contexts checked against the binary by\n", strings.Join(newer, ", "), len(names))
	b.WriteString("`TestDirectiveTableMatchesNginx`):\n\n")
	fmt.Fprintf(&b, "- implemented (%d): frontdesk honours it, tested against nginx by the conformance tests;\n", counts["implemented"])
	fmt.Fprintf(&b, "- process tuning (%d): accepted, with no meaning in-process;\n", counts["process tuning"])
	fmt.Fprintf(&b, "- refused (%d): `nginxconf` refuses it by name with its `file:line`, unless\n  `Options.Ignore` lists it; the reason or the work that will add it is given.\n\n", counts["refused"])
	b.WriteString("A name written `name@upstream` is the directive of that name inside `upstream { }`.\n\n")
	b.WriteString("| directive | contexts | status |\n|---|---|---|\n")
	for _, k := range names {
		s := directiveTable[k]
		st := directiveStatus(s)
		if st == "refused" {
			st = "refused: " + refusedReason(k)
		}
		if s.module != "" {
			st += " (module " + s.module + ")"
		}
		if s.newer != "" {
			st += " (nginx " + s.newer + ", newer than 1.22.1, which refuses it: `-t` warns)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", k, contextNames(s.ctx), st)
	}
	return b.Bytes()
}

// TestDirectiveDocUpToDate checks that DIRECTIVES.md at the repository root
// is the rendering of the directive table; -update rewrites it.
func TestDirectiveDocUpToDate(t *testing.T) {
	path := filepath.Join("..", "DIRECTIVES.md")
	want := renderDirectiveDoc()
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; regenerate with go test ./nginxconf -run TestDirectiveDocUpToDate -update", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("DIRECTIVES.md differs from the directive table; regenerate with go test ./nginxconf -run TestDirectiveDocUpToDate -update")
	}
}
