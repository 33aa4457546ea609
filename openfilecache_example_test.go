package frontdesk_test

import (
	"fmt"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/frontdesk-go/frontdesk"
)

// Static files with nginx's open_file_cache: descriptors and metadata of
// up to 1000 files are kept, each trusted for 30 s before the file is
// looked up again, and a name must be asked for twice before its
// descriptor stays open. Missing files are cached too.
func ExampleOpenFileCache() {
	dir, err := os.MkdirTemp("", "site")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "app.js"), []byte("v1"), 0o644); err != nil {
		log.Fatal(err)
	}
	p, err := frontdesk.New(
		frontdesk.OpenFileCache(1000, 20*time.Second),
		frontdesk.OpenFileCacheValid(30*time.Second),
		frontdesk.OpenFileCacheMinUses(2),
		frontdesk.OpenFileCacheErrors(true),
		frontdesk.Location("/static/", frontdesk.Static(dir+"/")),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close() // closes the cached descriptors

	for _, target := range []string{"/static/app.js", "/static/app.js", "/static/missing.js"} {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		fmt.Println(target, rec.Code, rec.Body.Len())
	}
	// Output:
	// /static/app.js 200 2
	// /static/app.js 200 2
	// /static/missing.js 404 153
}
