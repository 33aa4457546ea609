package frontdesk_test

import (
	"compress/gzip"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/frontdesk-go/frontdesk"
)

// Allow and Deny restrict a location by client address; the first line
// that matches decides. httptest requests come from 192.0.2.1.
func ExampleAllow() {
	dir, _ := os.MkdirTemp("", "allow")
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "report.txt"), []byte("numbers"), 0o644)
	p := frontdesk.MustNew(
		frontdesk.Location("/internal/", frontdesk.Static(dir+"/"), frontdesk.Allow("10.0.0.0/8"), frontdesk.Deny("all")),
		frontdesk.Location("/public/", frontdesk.Static(dir+"/"), frontdesk.Deny("198.51.100.7"), frontdesk.Allow("all")),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	show(p, "/internal/report.txt", "")
	show(p, "/public/report.txt", "")
	// Output:
	// /internal/report.txt -> 403
	// /public/report.txt -> 200 "numbers"
}

// AuthBasic asks for a user of an htpasswd file.
func ExampleAuthBasic() {
	dir, _ := os.MkdirTemp("", "auth")
	defer os.RemoveAll(dir)
	users := filepath.Join(dir, "htpasswd")
	_ = os.WriteFile(users, []byte("alice:$apr1$xyz12345$hVFg3wOytQE97CWCezCu2/\n"), 0o600)
	_ = os.WriteFile(filepath.Join(dir, "plan.txt"), []byte("the plan"), 0o644)
	p := frontdesk.MustNew(
		frontdesk.Location("/private/", frontdesk.Static(dir+"/"),
			frontdesk.AuthBasic("Staff only"), frontdesk.AuthBasicUserFile(users)),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	for _, pass := range []string{"", "guess", "secret"} {
		req := httptest.NewRequest("GET", "/private/plan.txt", nil)
		if pass != "" {
			req.SetBasicAuth("alice", pass)
		}
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		// Spelled as nginx spells it, not in net/http's canonical form.
		//lint:ignore SA1008 nginx spells it this way, and so does frontdesk
		fmt.Println(rec.Code, rec.Header()["WWW-Authenticate"])
	}
	// Output:
	// 401 [Basic realm="Staff only"]
	// 401 [Basic realm="Staff only"]
	// 200 []
}

// LimitExcept lets everyone read and only one network write.
func ExampleLimitExcept() {
	dir, _ := os.MkdirTemp("", "limit")
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "doc.txt"), []byte("doc"), 0o644)
	p := frontdesk.MustNew(
		frontdesk.Location("/docs/", frontdesk.Static(dir+"/"),
			frontdesk.LimitExcept([]string{"GET"}, frontdesk.Allow("10.0.0.0/8"), frontdesk.Deny("all"))),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	for _, m := range []string{"GET", "HEAD", "DELETE"} {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest(m, "/docs/doc.txt", nil))
		fmt.Println(m, rec.Code)
	}
	// Output:
	// GET 200
	// HEAD 200
	// DELETE 403
}

// Gzip compresses text responses for clients that accept gzip.
func ExampleGzip() {
	dir, _ := os.MkdirTemp("", "gzip")
	defer os.RemoveAll(dir)
	page := strings.Repeat("<p>hello</p>", 100)
	_ = os.WriteFile(filepath.Join(dir, "index.html"), []byte(page), 0o644)
	p := frontdesk.MustNew(
		frontdesk.Root(dir),
		frontdesk.Gzip(true), frontdesk.GzipVary(true), frontdesk.GzipTypes("text/css", "application/json"),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	req := httptest.NewRequest("GET", "/index.html", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	zr, _ := gzip.NewReader(rec.Body)
	body, _ := io.ReadAll(zr)
	fmt.Println(rec.Code, rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"), len(body) == len(page))
	// Output:
	// 200 gzip Accept-Encoding true
}
