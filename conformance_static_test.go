package frontdesk_test

// Static content (issue 3): the same configurations run on real nginx and on
// frontdesk, and every request is compared.
//
//   - TestConformanceAliasRoot: mapping a URI to a file (root, alias in
//     prefix, exact and regex locations, nested inheritance, the slash
//     mismatches AL-06..AL-09, $document_root, $request_filename,
//     $realpath_root) and what is sent for the file (Content-Type, ETag,
//     conditional and range requests, expires).
//   - TestConformanceIndexTryFiles: index, try_files, autoindex and
//     error_page with static files.
//   - TestConformanceDirectoryRedirect: the 301 for a directory without
//     its trailing slash (hosts, ports, args, escaping), methods on files
//     and directories, and symbolic links inside the tree.
//
// Deliberate differences are not here but in static_test.go: nginx's
// alias off-by-slash walk out of the directory ("/img../x") and symlinks
// leading outside the root are 404 in frontdesk.

import (
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

// pinnedMtime is the modification time every file and directory gets
// before the servers start, so that requests can carry validators that
// match (If-Modified-Since, If-Range, ETag) and listings are stable.
var pinnedMtime = time.Date(2024, time.January, 2, 3, 4, 5, 0, time.UTC)

// pinnedDate is pinnedMtime as an HTTP date.
var pinnedDate = pinnedMtime.Format(http.TimeFormat)

// etagOf is the ETag nginx gives a file with content and pinnedMtime.
func etagOf(content string) string {
	return fmt.Sprintf(`"%x-%x"`, pinnedMtime.Unix(), len(content))
}

// setup returns a Case.Setup that creates symlinks (name → target, where
// "{{DIR}}" in a target is replaced by the data directory) and then pins
// every mtime to pinnedMtime.
func setup(links map[string]string) func(t testing.TB, dir string) {
	return func(t testing.TB, dir string) {
		t.Helper()
		for name, target := range links {
			target = strings.ReplaceAll(target, "{{DIR}}", dir)
			if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.Type()&fs.ModeSymlink != 0 {
				return err
			}
			return os.Chtimes(p, pinnedMtime, pinnedMtime)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// req is one request with a method and header lines.
func req(method, target string, header ...string) conformance.Request {
	return conformance.Request{Method: method, Target: target, Header: header}
}

// named is req with a subtest name, for requests that differ only in
// their headers.
func named(name, method, target string, header ...string) conformance.Request {
	return conformance.Request{Name: name, Method: method, Target: target, Header: header}
}

// join concatenates request lists.
func join(lists ...[]conformance.Request) []conformance.Request {
	var out []conformance.Request
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// rangeData is the content of the file the range and conditional cases
// ask for.
const rangeData = "0123456789abcdefghij"

func TestConformanceAliasRoot(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name: "root",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				root {{DIR}}/site/;
				location / {
					add_header X-Doc $document_root;
					add_header X-File $request_filename;
					add_header X-Real $realpath_root;
				}
				location /other/ { root {{DIR}}/alt; add_header X-File $request_filename; }
				location /rel/ { root data/site; add_header X-Doc $document_root; }
				location /outer/ {
					root {{DIR}}/alt;
					location /outer/inner/ { add_header X-Doc $document_root; }
					location ~ \.html$ { add_header X-Doc $document_root; }
				}
				location ~ \.gif$ { root {{DIR}}/alt; }
				location /inherit/ { }
				location /vr/ { root {{DIR}}/vhosts/$host; add_header X-Doc $document_root; add_header X-File $request_filename; }
				location /va/ { alias {{DIR}}/vhosts/$host/; add_header X-Doc $document_root; add_header X-File $request_filename; }
				location /viaLink/ {
					root {{DIR}}/sitelink;
					add_header X-Doc $document_root;
					add_header X-Real $realpath_root;
				}
			}`,
			Files: map[string]string{
				"site/a.txt":                "root a\n",
				"site/index.html":           "<p>index</p>\n",
				"site/dir/b.html":           "<p>b</p>\n",
				"site/dir/index.html":       "<p>dir index</p>\n",
				"site/UPPER.HTML":           "upper\n",
				"site/noext":                "no extension\n",
				"site/.hidden":              "dot file\n",
				"site/sp ace.txt":           "space\n",
				"site/%41.txt":              "percent\n",
				"site/\u00fc.txt":           "utf-8\n",
				"site/x.gif":                "site gif\n",
				"site/inherit/c.txt":        "inherited\n",
				"site/rel/r.txt":            "relative root\n",
				"site/viaLink/v.txt":        "through a link\n",
				"alt/x.gif":                 "alt gif\n",
				"alt/other/o.txt":           "other root\n",
				"alt/outer/inner/i.txt":     "inner\n",
				"alt/outer/p.html":          "<p>outer regex</p>\n",
				"alt/outer/q.txt":           "outer\n",
				"vhosts/localhost/vr/x.txt": "localhost vr\n",
				"vhosts/localhost/y.txt":    "localhost va\n",
				"vhosts/a.example/vr/x.txt": "a.example vr\n",
			},
			Setup: setup(map[string]string{"sitelink": "site"}),
			Requests: withHeaders(join(get(
				"/a.txt", "/", "/dir/b.html", "/dir/", "/UPPER.HTML", "/noext", "/.hidden",
				"/sp%20ace.txt", "/%2541.txt", "/%41.txt", "/%C3%BC.txt", "/missing.txt", "/a.txt/",
				"/a.txt?x=1", "//a.txt", "/dir/./b.html", "/dir/../a.txt", "/x.gif", "/other/o.txt",
				"/other/a.txt", "/outer/inner/i.txt", "/outer/p.html", "/outer/q.txt", "/inherit/c.txt",
				"/rel/r.txt", "/viaLink/v.txt", "/vr/x.txt", "/va/y.txt", "/va/x.txt",
			), []conformance.Request{
				named("variable root, other host", "GET", "/vr/x.txt", "Host: A.Example:8080"),
				named("variable root, unknown host", "GET", "/vr/x.txt", "Host: b.example"),
				named("variable alias, other host", "GET", "/va/vr/x.txt", "Host: a.example"),
			}), "X-Doc", "X-File", "X-Real"),
		},
		{
			Name: "alias",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location /al/ { alias {{DIR}}/site/; add_header X-Doc $document_root; add_header X-File $request_filename; }
				location /img { alias {{DIR}}/site/img/; add_header X-File $request_filename; }
				location /pic { alias {{DIR}}/site/img; add_header X-File $request_filename; }
				location /pics/ { alias {{DIR}}/site/img; add_header X-File $request_filename; }
				location = /exact.txt { alias {{DIR}}/site/a.txt; }
				location ~ ^/re/(.+)$ { alias {{DIR}}/site/$1; add_header X-Doc $document_root; add_header X-File $request_filename; }
				location ~ ^/named/(?<file>[^/]+)$ { alias {{DIR}}/site/dir/$file; add_header X-File $request_filename; }
				location ~ ^/two/(\w+)/(\w+)\.txt$ { alias {{DIR}}/site/$2/$1.txt; }
				location /nest/ {
					alias {{DIR}}/site/;
					location /nest/dir/ { add_header X-File $request_filename; }
					location ~ \.html$ { add_header X-File $request_filename; }
				}
				location ^~ /lit/ { alias {{DIR}}/site/dir/; }
				location /relal/ { alias data/site/dir/; add_header X-Doc $document_root; }
			}`,
			Files: map[string]string{
				"site/a.txt":          "alias a\n",
				"site/index.html":     "<p>alias index</p>\n",
				"site/dir/b.html":     "<p>b</p>\n",
				"site/dir/b.txt":      "dir b\n",
				"site/dir/index.html": "<p>dir index</p>\n",
				"site/img/x.gif":      "img x\n",
				"site/imgx.gif":       "imgx, next to img\n",
			},
			Setup: setup(nil),
			Requests: withHeaders(get(
				// AL-06: both with a slash.
				"/al/a.txt", "/al/dir/b.html", "/al/", "/al/dir", "/al/dir/", "/al/missing", "/al/a.txt/",
				// AL-07: alias with, location without.
				"/img/x.gif", "/imgx.gif", "/img", "/img/",
				// AL-08: neither with a slash.
				"/pic/x.gif", "/picx.gif", "/pic",
				// AL-09: location with, alias without.
				"/pics/x.gif", "/pics/missing",
				"/exact.txt", "/re/a.txt", "/re/dir/b.html", "/re/dir", "/re/dir/", "/re/missing",
				"/named/b.html", "/named/nope", "/two/b/dir.txt", "/nest/a.txt", "/nest/dir/b.html",
				"/nest/index.html", "/lit/b.html", "/lit/", "/relal/b.txt",
			), "X-Doc", "X-File"),
		},
		{
			// A regex location whose alias names one fixed file (jitsi-meet's
			// config.js idiom): the alias is the whole path, whatever the URI.
			Name: "regex alias without captures",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location ~ ^/([a-z]+)/config.js$ { alias {{DIR}}/site/a.txt; add_header X-File $request_filename; }
				location ~ ^/tf/(.*)$ { alias {{DIR}}/site/a.txt; try_files $uri =404; }
				location ~ ^/tfd/ { alias {{DIR}}/site/dir/; try_files $uri/ $uri =404; }
				location ~ ^/d/ { alias {{DIR}}/site/dir/; add_header X-File $request_filename; }
				location ~ ^/idx/ { alias {{DIR}}/site/; index index.html; }
			}`,
			Files: map[string]string{
				"site/a.txt":          "fixed file\n",
				"site/index.html":     "<p>index</p>\n",
				"site/dir/b.txt":      "dir b\n",
				"site/dir/index.html": "<p>dir index</p>\n",
			},
			Setup: setup(nil),
			Requests: withHeaders(get(
				"/abc/config.js", "/x/config.js", "/abc/config.jsx", "/tf/x", "/tf/", "/tfd/", "/tfd/b.txt",
				"/d/", "/d/b.txt", "/d/x/y", "/idx/", "/idx/x",
			), "X-File"),
		},
		{
			// Requests no location matches use the server's own
			// configuration; its try_files reaches no location.
			Name: "server-level",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				root {{DIR}}/site;
				try_files $uri $uri/ /fallback.txt?from=server;
				add_header X-Args $args;
				location /loc/ { }
				location = /fallback.txt { add_header X-Args $args; }
			}`,
			Files: map[string]string{
				"site/a.txt": "server a\n", "site/fallback.txt": "fallback\n", "site/dir/index.html": "<p>dir</p>\n",
				"site/loc/l.txt": "loc\n",
			},
			Setup:    setup(nil),
			Requests: withHeaders(get("/a.txt", "/missing", "/dir", "/dir/", "/loc/l.txt", "/loc/missing", "/"), "X-Args"),
		},
		{
			Name: "types",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				root {{DIR}};
				location /t1/ {
					types { text/x-custom txt; application/x-foo foo bar; }
					default_type application/octet-stream;
				}
				location /t2/ { include /etc/nginx/mime.types; }
				location /t3/ { default_type application/x-default; }
				location /t4/ { }
				location /noetag/ { etag off; }
			}`,
			Files: map[string]string{
				"t1/a.txt": "a", "t1/b.foo": "b", "t1/c.BAR": "c", "t1/d.unknown": "d", "t1/noext": "n",
				"t2/a.css": "a", "t2/b.js": "b", "t2/c.png": "c", "t2/d.json": "d", "t2/e.unknown": "e",
				"t2/f.TXT": "f", "t2/g.tar.gz": "g", "t2/h.HtMl": "h",
				"t3/a.txt": "a", "t3/b.html": "b",
				"t4/a.html": "a", "t4/b.gif": "b", "t4/c.jpg": "c", "t4/d.jpeg": "d", "t4/.gif": "e",
				"noetag/a.txt": "no etag",
			},
			Setup: setup(nil),
			Requests: join(get(
				"/t1/a.txt", "/t1/b.foo", "/t1/c.BAR", "/t1/d.unknown", "/t1/noext",
				"/t2/a.css", "/t2/b.js", "/t2/c.png", "/t2/d.json", "/t2/e.unknown", "/t2/f.TXT",
				"/t2/g.tar.gz", "/t2/h.HtMl",
				"/t3/a.txt", "/t3/b.html", "/t4/a.html", "/t4/b.gif", "/t4/c.jpg", "/t4/d.jpeg", "/t4/.gif",
				"/noetag/a.txt",
			),
				[]conformance.Request{
					named("noetag If-None-Match", "GET", "/noetag/a.txt", "If-None-Match: "+etagOf("no etag")),
					named("noetag If-None-Match star", "GET", "/noetag/a.txt", "If-None-Match: *"),
				}),
		},
		{
			Name: "conditional-and-range",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				root {{DIR}};
				location / { }
				location /before/ { if_modified_since before; }
				location /imsoff/ { if_modified_since off; }
				location /max1/ { max_ranges 1; }
				location /max0/ { max_ranges 0; }
			}`,
			Files: map[string]string{
				"r.txt": rangeData, "before/r.txt": rangeData, "imsoff/r.txt": rangeData,
				"max1/r.txt": rangeData, "max0/r.txt": rangeData,
			},
			Setup: setup(nil),
			Requests: []conformance.Request{
				named("plain", "GET", "/r.txt"),
				named("HEAD", "HEAD", "/r.txt"),
				named("range first five", "GET", "/r.txt", "Range: bytes=0-4"),
				named("range suffix", "GET", "/r.txt", "Range: bytes=-5"),
				named("range open end", "GET", "/r.txt", "Range: bytes=15-"),
				named("range past end", "GET", "/r.txt", "Range: bytes=10-100"),
				named("range whole", "GET", "/r.txt", "Range: bytes=0-19"),
				named("range multipart", "GET", "/r.txt", "Range: bytes=0-4,10-14"),
				named("range multipart overlapping", "GET", "/r.txt", "Range: bytes=0-9,5-12"),
				named("range multipart too large", "GET", "/r.txt", "Range: bytes=0-15,5-19"),
				named("range unsatisfiable", "GET", "/r.txt", "Range: bytes=100-200"),
				named("range malformed", "GET", "/r.txt", "Range: bytes=abc"),
				named("range other unit", "GET", "/r.txt", "Range: items=0-4"),
				named("range HEAD", "HEAD", "/r.txt", "Range: bytes=0-4"),
				{Name: "HTTP/1.1 plain", Target: "/r.txt", HTTP11: true},
				{Name: "HTTP/1.1 multipart", Target: "/r.txt", HTTP11: true, Header: []string{"Range: bytes=1-2,4-5"}},
				named("If-Range etag", "GET", "/r.txt", "Range: bytes=0-4", "If-Range: "+etagOf(rangeData)),
				named("If-Range other etag", "GET", "/r.txt", "Range: bytes=0-4", `If-Range: "other"`),
				named("If-Range date", "GET", "/r.txt", "Range: bytes=0-4", "If-Range: "+pinnedDate),
				named("If-Range other date", "GET", "/r.txt", "Range: bytes=0-4", "If-Range: Mon, 01 Jan 2024 00:00:00 GMT"),
				named("If-Modified-Since equal", "GET", "/r.txt", "If-Modified-Since: "+pinnedDate),
				named("If-Modified-Since later", "GET", "/r.txt", "If-Modified-Since: Wed, 01 Jan 2025 00:00:00 GMT"),
				named("If-Modified-Since earlier", "GET", "/r.txt", "If-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT"),
				named("If-Modified-Since garbage", "GET", "/r.txt", "If-Modified-Since: yesterday"),
				named("If-Modified-Since HEAD", "HEAD", "/r.txt", "If-Modified-Since: "+pinnedDate),
				named("If-None-Match", "GET", "/r.txt", "If-None-Match: "+etagOf(rangeData)),
				named("If-None-Match weak", "GET", "/r.txt", "If-None-Match: W/"+etagOf(rangeData)),
				named("If-None-Match list", "GET", "/r.txt", `If-None-Match: "x", `+etagOf(rangeData)),
				named("If-None-Match star", "GET", "/r.txt", "If-None-Match: *"),
				named("If-None-Match other", "GET", "/r.txt", `If-None-Match: "other"`),
				named("If-None-Match and stale date", "GET", "/r.txt", "If-None-Match: "+etagOf(rangeData), "If-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT"),
				named("If-Match other", "GET", "/r.txt", `If-Match: "other"`),
				named("If-Match", "GET", "/r.txt", "If-Match: "+etagOf(rangeData)),
				named("If-Unmodified-Since earlier", "GET", "/r.txt", "If-Unmodified-Since: Mon, 01 Jan 2024 00:00:00 GMT"),
				named("If-Unmodified-Since equal", "GET", "/r.txt", "If-Unmodified-Since: "+pinnedDate),
				named("before later date", "GET", "/before/r.txt", "If-Modified-Since: Wed, 01 Jan 2025 00:00:00 GMT"),
				named("before earlier date", "GET", "/before/r.txt", "If-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT"),
				named("ims off", "GET", "/imsoff/r.txt", "If-Modified-Since: "+pinnedDate),
				named("max_ranges 1 one", "GET", "/max1/r.txt", "Range: bytes=0-4"),
				named("max_ranges 1 two", "GET", "/max1/r.txt", "Range: bytes=0-4,10-14"),
				named("max_ranges 0", "GET", "/max0/r.txt", "Range: bytes=0-4"),
			},
		},
		{
			Name: "expires",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				root {{DIR}};
				location /hour/ { expires 1h; }
				location /neg/ { expires -1; }
				location /epoch/ { expires epoch; }
				location /max/ { expires max; }
				location /modified/ { expires modified +1d; }
				location /daily/ { expires @15h30m; }
				location /zero/ { expires 0; }
				location /off/ { expires 1h; location /off/inner/ { expires off; } }
				location /hdr/ { expires 1h; add_header X-A a; add_header X-B b always; }
			}`,
			Files: map[string]string{
				"hour/f.txt": "f", "neg/f.txt": "f", "epoch/f.txt": "f", "max/f.txt": "f",
				"modified/f.txt": "f", "daily/f.txt": "f", "zero/f.txt": "f", "off/f.txt": "f",
				"off/inner/f.txt": "f", "hour/d/": "", "hdr/f.txt": "f", "hdr/d/": "",
			},
			Setup: setup(nil),
			Requests: join(get(
				"/hour/f.txt", "/neg/f.txt", "/epoch/f.txt", "/max/f.txt", "/modified/f.txt", "/daily/f.txt",
				"/zero/f.txt", "/off/f.txt", "/off/inner/f.txt", "/hour/missing", "/hour/d",
			), []conformance.Request{
				named("304 keeps expires", "GET", "/hour/f.txt", "If-None-Match: "+etagOf("f")),
				named("206 keeps expires", "GET", "/hour/f.txt", "Range: bytes=0-0"),
				named("416 keeps expires", "GET", "/hour/f.txt", "Range: bytes=5-6"),
			}, withHeaders([]conformance.Request{
				req("GET", "/hdr/f.txt"),
				req("GET", "/hdr/missing"),
				req("GET", "/hdr/d"),
				named("hdr 304", "GET", "/hdr/f.txt", "If-None-Match: "+etagOf("f")),
				named("hdr 206", "GET", "/hdr/f.txt", "Range: bytes=0-0"),
				named("hdr 416", "GET", "/hdr/f.txt", "Range: bytes=5-6"),
				named("hdr 412", "GET", "/hdr/f.txt", `If-Match: "x"`),
			}, "X-A", "X-B")),
		},
	})
}

// listing holds names autoindex must sort, escape, cut and size like nginx.
var listing = map[string]string{
	"list/a.txt":                "0123456789",
	"list/B.txt":                "upper case sorts first",
	"list/big.bin":              strings.Repeat("b", 12345),
	"list/huge.bin":             strings.Repeat("h", 1600000),
	"list/sp ace & <tag>.txt":   "escape me",
	"list/q\"uote.txt":          "quote",
	"list/back\\slash.txt":      "backslash",
	"list/\u00fcml\u00e4ut.txt": "utf-8",
	"list/" + strings.Repeat("long", 15) + ".txt": "long name",
	"list/" + strings.Repeat("x", 50):             "exactly fifty",
	"list/.hidden":                                "never listed",
	"list/sub/":                                   "",
	"list/zdir/":                                  "",
	"list/withindex/index.html":                   "<p>index wins</p>\n",
	"list/withindex/other.txt":                    "other",
	"list/" + strings.Repeat("d", 49) + "/":       "",
}

func TestConformanceIndexTryFiles(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name: "index",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				root {{DIR}}/www;
				location / { add_header X-Uri "$uri?$args"; }
				location /multi/ { index first.html second.html third.html; add_header X-Uri $uri; }
				location /absidx/ { index nope.html /fallback.html; }
				location /absonly/ { index /fallback.html; }
				location = /fallback.html { add_header X-Uri "$uri?$args"; }
				location /varidx/ { index $arg_i.html default.html; add_header X-Uri $uri; }
				location /alidx/ { alias {{DIR}}/www/multi/; index second.html; add_header X-Uri $uri; }
				location ~ ^/reidx/(.*)$ { alias {{DIR}}/www/$1; add_header X-Uri $uri; }
				location /loop/ { index /loop/; }
				location /regexdst/ { index page.php; }
				location ~ \.php$ { return 200 "php $uri\n"; }
			}`,
			Files: map[string]string{
				"www/index.html":           "<p>top index</p>\n",
				"www/a.txt":                "a\n",
				"www/fallback.html":        "<p>fallback</p>\n",
				"www/dir/index.html":       "<p>dir index</p>\n",
				"www/multi/second.html":    "<p>second</p>\n",
				"www/multi/third.html":     "<p>third</p>\n",
				"www/multi/sub/third.html": "<p>sub third</p>\n",
				"www/multi/none/":          "",
				"www/absidx/":              "",
				"www/varidx/first.html":    "<p>var first</p>\n",
				"www/varidx/default.html":  "<p>var default</p>\n",
				"www/noindex/x.txt":        "x\n",
				"www/regexdst/page.php":    "source",
				"www/idxdir/index.html/":   "",
			},
			Setup: setup(nil),
			Requests: withHeaders(join(get(
				"/", "/?a=1", "/dir/", "/dir/?q=x", "/multi/", "/multi/sub/", "/multi/none/", "/multi/missing/",
				"/absidx/", "/absidx/?q=1", "/absidx/missing/", "/absonly/", "/absonly/missing/?z=9",
				"/varidx/?i=first", "/varidx/", "/varidx/?i=nope", "/alidx/", "/reidx/dir/", "/reidx/multi/",
				"/noindex/", "/missing/", "/a.txt/", "/loop/", "/regexdst/", "/idxdir/",
			), []conformance.Request{
				req("HEAD", "/dir/"),
				req("POST", "/dir/", "Content-Length: 0"),
				req("POST", "/noindex/", "Content-Length: 0"),
			}), "X-Uri"),
		},
		{
			Name: "try_files",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				root {{DIR}}/www;
				location = /fallback.html { add_header X-Seen "uri=$uri args=$args"; }
				location @named { return 200 "named uri=$uri args=$args\n"; }
				location /tf/ { try_files $uri $uri/ =404; add_header X-Seen "uri=$uri"; }
				location /tfargs/ { try_files $uri /fallback.html?from=tf&$args; }
				location /tfnoargs/ { try_files $uri /fallback.html; }
				location /tfnamed/ { try_files $uri @named; }
				location /tfcode/ { try_files $uri =403; }
				location /tfdir/ { try_files $uri/ =404; add_header X-Seen "uri=$uri"; }
				location /tffile/ { try_files $uri =404; }
				location /tfhtml/ { try_files $uri.html $uri =404; add_header X-Seen "uri=$uri"; }
				location /tffixed/ { try_files /fallback.html =404; add_header X-Seen "uri=$uri"; }
				location /tfmissing/ { try_files $uri /nope.html; }
				location /tfal/ { alias {{DIR}}/www/aliased/; try_files $uri $uri/ =404; add_header X-Seen "uri=$uri"; }
				location /tfal2/ { alias {{DIR}}/www/aliased/; try_files $uri.html =404; add_header X-Seen "uri=$uri"; }
				location ~ ^/tfre/(.*)$ { alias {{DIR}}/www/$1; try_files $uri =404; add_header X-Seen "uri=$uri"; }
				location ~ ^/tfre2/(.*)$ { alias {{DIR}}/www/aliased/$1; try_files "" =404; add_header X-Seen "uri=$uri"; }
			}`,
			Files: map[string]string{
				"www/fallback.html":        "<p>fallback</p>\n",
				"www/tf/f.txt":             "tf file\n",
				"www/tf/d/index.html":      "<p>tf dir index</p>\n",
				"www/tf/e/":                "",
				"www/tfargs/f.txt":         "tfargs file\n",
				"www/tfnamed/f.txt":        "tfnamed file\n",
				"www/tfdir/d/index.html":   "<p>tfdir index</p>\n",
				"www/tfdir/f.txt":          "not a dir\n",
				"www/tffile/d/":            "",
				"www/tfhtml/page.html":     "<p>page.html</p>\n",
				"www/tfhtml/raw":           "raw\n",
				"www/aliased/f.txt":        "aliased file\n",
				"www/aliased/p.html":       "<p>aliased page</p>\n",
				"www/aliased/d/index.html": "<p>aliased dir index</p>\n",
				"www/sub/tfre/sub":         "TF-09: $uri appended to the alias\n",
			},
			Setup: setup(nil),
			Requests: withHeaders(get(
				"/tf/f.txt", "/tf/d", "/tf/d/", "/tf/e", "/tf/missing", "/tf/f.txt?x=1",
				"/tfargs/f.txt", "/tfargs/missing", "/tfargs/missing?a=b",
				"/tfnoargs/missing", "/tfnoargs/missing?dropped=1",
				"/tfnamed/f.txt", "/tfnamed/missing?k=v", "/tfcode/missing",
				"/tfdir/d", "/tfdir/f.txt", "/tffile/d", "/tfhtml/page", "/tfhtml/raw", "/tfhtml/none",
				"/tffixed/anything", "/tfmissing/x",
				"/tfal/f.txt", "/tfal/d", "/tfal/d/", "/tfal/missing", "/tfal2/p", "/tfal2/f",
				"/tfre/sub", "/tfre/fallback.html", "/tfre2/f.txt", "/tfre2/missing",
			), "X-Seen"),
		},
		{
			Name: "autoindex",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				location /ai/ { alias {{DIR}}/list/; autoindex on; }
				location /aij/ { alias {{DIR}}/list/; autoindex on; autoindex_format json; }
				location /aix/ { alias {{DIR}}/list/; autoindex on; autoindex_format xml; }
				location /aip/ { alias {{DIR}}/list/; autoindex on; autoindex_format jsonp; }
				location /aie/ { alias {{DIR}}/list/; autoindex on; autoindex_exact_size off; }
				location /ail/ { alias {{DIR}}/list/; autoindex on; autoindex_localtime on; }
				location /list/ { root {{DIR}}; autoindex on; }
				location ~ ^/air/(.*)$ { alias {{DIR}}/list/$1; autoindex on; }
			}`,
			Files: listing,
			Setup: setup(nil),
			Requests: join(get(
				"/ai/", "/ai/sub/", "/ai/withindex/", "/ai", "/ai/a.txt", "/ai/missing/", "/ai/a.txt/",
				"/ai/?x=1", "/aij/", "/aij/sub/", "/aix/", "/aip/?callback=cb", "/aip/?callback=a.b_c1",
				"/aip/", "/aip/?callback=bad-name", "/aie/", "/ail/", "/list/", "/list/zdir/",
				"/ai/sp%20ace%20&%20%3Ctag%3E.txt", "/air/", "/air/sub/", "/air/a.txt",
			), []conformance.Request{
				{Name: "HTTP/1.1 chunked listing", Target: "/ai/", HTTP11: true},
				req("HEAD", "/ai/"),
				req("HEAD", "/aij/"),
				req("POST", "/ai/", "Content-Length: 0"),
			}),
		},
		{
			Name: "error_page",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				root {{DIR}}/www;
				location /ep/ { error_page 404 /404.html; }
				location /ep200/ { error_page 404 =200 /404.html; }
				location /epeq/ { error_page 404 = /404.html; }
				location /epmissing/ { error_page 404 /nope.html; }
				location /ep403/ { error_page 403 /403.html; }
				location /epexp/ { error_page 404 /404.html; expires 1h; add_header X-A a; }
				location = /404.html { add_header X-Page "uri=$uri"; }
			}`,
			Files: map[string]string{
				"www/404.html":       "<p>custom not found</p>\n",
				"www/403.html":       "<p>custom forbidden</p>\n",
				"www/ep/present.txt": "present\n",
				"www/ep403/noindex/": "",
			},
			Setup: setup(nil),
			Requests: withHeaders(join(get(
				"/ep/missing", "/ep/present.txt", "/ep200/missing", "/epeq/missing", "/epmissing/missing",
				"/ep403/noindex/", "/ep403/missing", "/epexp/missing",
			), []conformance.Request{
				req("HEAD", "/ep/missing"),
				req("POST", "/ep/missing", "Content-Length: 0"),
				named("error page ignores Range", "GET", "/ep/missing", "Range: bytes=0-3"),
				named("error page ignores If-Modified-Since", "GET", "/ep/missing", "If-Modified-Since: "+pinnedDate),
				named("=200 with Range", "GET", "/ep200/missing", "Range: bytes=0-3"),
				named("=200 with If-Modified-Since", "GET", "/ep200/missing", "If-Modified-Since: "+pinnedDate),
			}), "X-Page", "X-A"),
		},
	})
}

func TestConformanceDirectoryRedirect(t *testing.T) {
	conformance.Run(t, []conformance.Case{
		{
			Name: "redirect",
			Conf: `server { listen 127.0.0.1:{{PORT}}; server_name canon.example;
				root {{DIR}}/site;
				location / { }
				location /noabs/ { absolute_redirect off; }
				location /noport/ { port_in_redirect off; }
				location /sn/ { server_name_in_redirect on; }
				location /al/ { alias {{DIR}}/site/; }
				location ~ ^/re/(.*)$ { alias {{DIR}}/site/$1; }
				location /exp/ { expires 1h; add_header X-Uri $uri; }
			}`,
			Files: map[string]string{
				"site/a.txt": "a\n", "site/dir/index.html": "<p>dir</p>\n",
				"site/noabs/d/": "", "site/noport/d/": "", "site/sn/d/": "", "site/exp/d/": "",
				"site/sp ace/": "", "site/\u00fc/": "", "site/pct%41/": "", "site/a?b/": "", "site/a#b/": "",
				"site/a+b;c=d/": "", "site/a&b/": "", "site/q\"t/": "", "site/lt<gt>/": "",
				"site/tab\tx/": "", "site/back\\slash/": "", "site/nest/ed/deep/": "", "site/b{r}|^`/": "",
			},
			Setup: setup(nil),
			Requests: withHeaders(join(get(
				"/dir", "/dir?x=1", "/dir?a=1&b=2", "/dir?", "/dir/", "/dir/?y=2", "/nest/ed/deep",
				"/noabs/d", "/noabs/d?q", "/noport/d", "/noport/d?k=v", "/sn/d", "/al/dir", "/al/dir?z=1",
				"/al/nest/ed", "/re/dir", "/re/dir?k=v", "/exp/d",
				"/sp%20ace", "/%C3%BC", "/%c3%bc?x=%20", "/pct%2541", "/a%3Fb", "/a%3Fb?real=args", "/a%23b",
				"/a+b;c=d", "/a&b", "/q%22t", "/lt%3Cgt%3E", "/tab%09x", "/back%5Cslash", "//dir", "/./dir",
				"/nest/../dir", "/di%72", "/b%7Br%7D%7C%5E%60",
			), []conformance.Request{
				named("host mixed case", "GET", "/dir", "Host: Example.COM"),
				named("host with port", "GET", "/dir", "Host: example.com:8080"),
				named("host trailing dot", "GET", "/dir", "Host: example.com."),
				named("host IPv4", "GET", "/dir", "Host: 127.0.0.1"),
				named("host IPv6", "GET", "/dir", "Host: [::1]:99"),
				named("server_name_in_redirect with host", "GET", "/sn/d", "Host: other.example"),
				named("port_in_redirect off with host port", "GET", "/noport/d", "Host: other.example:81"),
				req("GET", "http://abs.example/dir"),
				req("GET", "http://abs.example:81/dir?x=y"),
				req("HEAD", "/dir"),
				req("HEAD", "/dir?x=1"),
			}), "X-Uri"),
		},
		{
			Name: "methods",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				root {{DIR}}/site;
				location / { }
				location /ai/ { autoindex on; }
				location /ep/ { error_page 405 /405.html; }
			}`,
			Files: map[string]string{
				"site/a.txt": "a\n", "site/dir/index.html": "<p>dir</p>\n", "site/noindex/": "",
				"site/ai/x.txt": "x", "site/ep/a.txt": "a", "site/405.html": "<p>custom 405</p>\n",
			},
			Setup: setup(nil),
			Requests: []conformance.Request{
				req("POST", "/dir", "Content-Length: 0"),
				req("POST", "/dir?x=1", "Content-Length: 0"),
				req("POST", "/dir/", "Content-Length: 0"),
				req("POST", "/a.txt", "Content-Length: 0"),
				req("POST", "/missing", "Content-Length: 0"),
				req("POST", "/noindex/", "Content-Length: 0"),
				req("POST", "/ai/", "Content-Length: 0"),
				req("PUT", "/a.txt", "Content-Length: 0"),
				req("PUT", "/dir", "Content-Length: 0"),
				req("PUT", "/dir/", "Content-Length: 0"),
				req("PUT", "/missing", "Content-Length: 0"),
				req("DELETE", "/a.txt"),
				req("DELETE", "/dir"),
				req("DELETE", "/dir/"),
				req("DELETE", "/missing"),
				req("OPTIONS", "/a.txt"),
				req("PATCH", "/a.txt", "Content-Length: 0"),
				req("HEAD", "/a.txt"),
				req("HEAD", "/missing"),
				req("HEAD", "/noindex/"),
				req("DELETE", "/ep/a.txt"),
				req("POST", "/ep/a.txt", "Content-Length: 0"),
			},
		},
		{
			Name: "symlinks",
			Conf: `server { listen 127.0.0.1:{{PORT}};
				root {{DIR}}/site;
				location / { add_header X-File $request_filename; add_header X-Real $realpath_root; }
				location /al/ { alias {{DIR}}/site/dir/; }
				location /ai/ { alias {{DIR}}/site/; autoindex on; autoindex_format json; }
			}`,
			Files: map[string]string{
				"site/a.txt": "a\n", "site/dir/index.html": "<p>dir</p>\n", "site/dir/b.txt": "b\n",
			},
			Setup: setup(map[string]string{
				"site/rel.txt":    "a.txt",
				"site/dir/up.txt": "../a.txt",
				"site/linkdir":    "dir",
				"site/abs.txt":    "{{DIR}}/site/a.txt",
				"site/absdir":     "{{DIR}}/site/dir",
				"site/dangling":   "nowhere",
				"site/loop":       "loop",
				"site/chain.txt":  "rel.txt",
				"site/dir/self":   ".",
			}),
			Requests: withHeaders(get(
				"/rel.txt", "/dir/up.txt", "/linkdir", "/linkdir/", "/linkdir/b.txt", "/abs.txt", "/absdir",
				"/absdir/", "/absdir/b.txt", "/dangling", "/loop", "/chain.txt", "/dir/self/b.txt",
				"/dir/self/self/index.html", "/al/self/b.txt", "/al/b.txt", "/ai/",
			), "X-File", "X-Real"),
		},
	})
}
