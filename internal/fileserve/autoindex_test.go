package fileserve

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRenderAutoindexSmall: listings nginx 1.22.1 produced for a directory
// with a file dated 1960 (shown as the epoch: ngx_gmtime clamps negative
// times) and one dated 2446, and for an empty directory.
func TestRenderAutoindexSmall(t *testing.T) {
	odd := []Entry{
		{Name: "neg", ModTime: time.Unix(-301239570, 0)},
		{Name: "big", ModTime: time.Unix(15032385535, 0)},
		{Name: ".hidden", ModTime: time.Unix(0, 0)},
	}
	tests := []struct {
		name    string
		uri     string
		entries []Entry
		opt     AutoindexOptions
		want    string
	}{
		{"html dates", "/idx2/", odd, AutoindexOptions{},
			"<html>\r\n<head><title>Index of /idx2/</title></head>\r\n<body>\r\n<h1>Index of /idx2/</h1><hr><pre><a href=\"../\">../</a>\r\n<a href=\"big\">big</a>                                                10-May-2446 22:38                   0\r\n<a href=\"neg\">neg</a>                                                01-Jan-1970 00:00                   0\r\n</pre><hr></body>\r\n</html>\r\n"},
		{"html approximate dates", "/idx2/", odd, AutoindexOptions{ApproximateSizes: true},
			"<html>\r\n<head><title>Index of /idx2/</title></head>\r\n<body>\r\n<h1>Index of /idx2/</h1><hr><pre><a href=\"../\">../</a>\r\n<a href=\"big\">big</a>                                                10-May-2446 22:38       0\r\n<a href=\"neg\">neg</a>                                                01-Jan-1970 00:00       0\r\n</pre><hr></body>\r\n</html>\r\n"},
		{"json dates", "/idx2/", odd, AutoindexOptions{Format: FormatJSON},
			"[\r\n{ \"name\":\"big\", \"type\":\"file\", \"mtime\":\"Thu, 10 May 2446 22:38:55 GMT\", \"size\":0 },\r\n{ \"name\":\"neg\", \"type\":\"file\", \"mtime\":\"Thu, 01 Jan 1970 00:00:00 GMT\", \"size\":0 }\r\n]"},
		{"xml dates", "/idx2/", odd, AutoindexOptions{Format: FormatXML},
			"<?xml version=\"1.0\"?>\r\n<list>\r\n<file mtime=\"2446-05-10T22:38:55Z\" size=\"0\">big</file>\r\n<file mtime=\"1970-01-01T00:00:00Z\" size=\"0\">neg</file>\r\n</list>\r\n"},
		{"html empty", "/idx3/", nil, AutoindexOptions{},
			"<html>\r\n<head><title>Index of /idx3/</title></head>\r\n<body>\r\n<h1>Index of /idx3/</h1><hr><pre><a href=\"../\">../</a>\r\n</pre><hr></body>\r\n</html>\r\n"},
		{"json empty", "/idx3/", nil, AutoindexOptions{Format: FormatJSON}, "[\r\n]"},
		{"jsonp empty", "/idx3/", nil, AutoindexOptions{Format: FormatJSONP, Callback: "f"}, "/* callback */\r\nf([\r\n]);"},
		{"xml empty", "/idx3/", nil, AutoindexOptions{Format: FormatXML}, "<?xml version=\"1.0\"?>\r\n<list>\r\n</list>\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderAutoindex(&b, tt.uri, tt.entries, tt.opt); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%q\nwant\n%q", b.String(), tt.want)
			}
		})
	}
}

// TestApproxSize: the rounding of autoindex_exact_size off, cross-checked
// with nginx 1.22.1 for every size of the golden tree.
func TestApproxSize(t *testing.T) {
	tests := []struct {
		size int64
		want string
	}{
		{0, "      0"},
		{1, "      1"},
		{1023, "   1023"},
		{9999, "   9999"},
		{10000, "    10K"},
		{10239, "    10K"},
		{10751, "    10K"},
		{10752, "    11K"},
		{1048575, "  1024K"},
		{1048576, "     1M"},
		{1572863, "     1M"},
		{1572864, "     2M"},
		{10485760, "    10M"},
		{1073741823, "  1024M"},
		{1073741824, "     1G"},
		{1610612735, "     1G"},
		{1610612736, "     2G"},
		{999999999999, "   931G"},
		{1 << 62, "4294967296G"},
	}
	for _, tt := range tests {
		if got := string(appendApproxSize(nil, tt.size)); got != tt.want {
			t.Errorf("size %d: got %q; want %q", tt.size, got, tt.want)
		}
	}
}

// TestAutoindexContentType: Content-Type answered by nginx 1.22.1 for each
// format, and its 400 for bad jsonp callbacks.
func TestAutoindexContentType(t *testing.T) {
	tests := []struct {
		opt     AutoindexOptions
		want    string
		wantErr error
	}{
		{AutoindexOptions{}, "text/html", nil},
		{AutoindexOptions{Format: FormatHTML}, "text/html", nil},
		{AutoindexOptions{Format: FormatJSON, Callback: "x"}, "application/json", nil},
		{AutoindexOptions{Format: FormatXML}, "text/xml; charset=utf-8", nil},
		{AutoindexOptions{Format: FormatJSONP}, "application/json", nil},
		{AutoindexOptions{Format: FormatJSONP, Callback: "cb"}, "application/javascript", nil},
		{AutoindexOptions{Format: FormatJSONP, Callback: "a.b_C9"}, "application/javascript", nil},
		{AutoindexOptions{Format: FormatJSONP, Callback: strings.Repeat("a", 128)}, "application/javascript", nil},
		{AutoindexOptions{Format: FormatJSONP, Callback: strings.Repeat("a", 129)}, "", ErrInvalidCallback},
		{AutoindexOptions{Format: FormatJSONP, Callback: "a%41"}, "", ErrInvalidCallback},
		{AutoindexOptions{Format: FormatJSONP, Callback: "a-b"}, "", ErrInvalidCallback},
		{AutoindexOptions{Format: FormatJSONP, Callback: "a@"}, "", ErrInvalidCallback},
	}
	for _, tt := range tests {
		got, err := AutoindexContentType(tt.opt)
		if got != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("AutoindexContentType(%+v) = %q, %v; want %q, %v", tt.opt, got, err, tt.want, tt.wantErr)
		}
	}
	var b bytes.Buffer
	if err := RenderAutoindex(&b, "/", nil, AutoindexOptions{Format: FormatJSONP, Callback: "a-b"}); !errors.Is(err, ErrInvalidCallback) || b.Len() != 0 {
		t.Errorf("RenderAutoindex with bad callback: err %v, wrote %q", err, b.String())
	}
	if _, err := AutoindexContentType(AutoindexOptions{Format: "yaml"}); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestRenderAutoindexOrderAndTypes(t *testing.T) {
	mt := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	entries := []Entry{
		{Name: "b", Size: 3, ModTime: mt},
		{Name: "fifo", Special: true, ModTime: mt},
		{Name: "Z", IsDir: true, ModTime: mt},
		{Name: "a", IsDir: true, ModTime: mt},
		{Name: ".git", IsDir: true, ModTime: mt},
		{Name: "B", Size: 1, ModTime: mt},
	}
	var b bytes.Buffer
	if err := RenderAutoindex(&b, "/", entries, AutoindexOptions{Format: FormatJSON}); err != nil {
		t.Fatal(err)
	}
	want := "[\r\n" +
		`{ "name":"Z", "type":"directory", "mtime":"Thu, 04 Mar 2021 05:06:07 GMT" },` + "\r\n" +
		`{ "name":"a", "type":"directory", "mtime":"Thu, 04 Mar 2021 05:06:07 GMT" },` + "\r\n" +
		`{ "name":"B", "type":"file", "mtime":"Thu, 04 Mar 2021 05:06:07 GMT", "size":1 },` + "\r\n" +
		`{ "name":"b", "type":"file", "mtime":"Thu, 04 Mar 2021 05:06:07 GMT", "size":3 },` + "\r\n" +
		`{ "name":"fifo", "type":"other", "mtime":"Thu, 04 Mar 2021 05:06:07 GMT" }` + "\r\n]"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if entries[0].Name != "b" {
		t.Error("RenderAutoindex reordered the caller's slice")
	}
}

func TestNgxUTF8Length(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"abc", 3},
		{"é", 1},
		{"日本", 2},
		{"\U0001F600", 1},
		{"\xff\xfe", 2},         // invalid lead bytes: byte length
		{"a\xc3", 2},            // truncated sequence
		{"\xc3y", 2},            // continuation without the high bit
		{"\xc3\xc3", 1},         // nginx only checks the high bit
		{"\xc0\x80", 2},         // overlong
		{"\xe0\x80\x80", 3},     // overlong
		{"\xed\xa0\x80", 1},     // surrogate: accepted by nginx
		{"\xf4\x90\x80\x80", 4}, // above U+10FFFF
		{"\xf8\x88\x80\x80", 4}, // 0xf8 taken as a 4-byte lead, overlong
		{"\xf8\x90\x80\x80", 1}, // 0xf8 taken as a 4-byte lead: U+10000
		{"é" + "\xff", 3},
	}
	for _, tt := range tests {
		if got := ngxUTF8Length(tt.s); got != tt.want {
			t.Errorf("ngxUTF8Length(%q) = %d; want %d", tt.s, got, tt.want)
		}
	}
}

func TestReadAutoindexDir(t *testing.T) {
	dir := t.TempDir()
	mt := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".h"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"f", "d"} {
		if err := os.Chtimes(filepath.Join(dir, n), mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadAutoindexDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Entry{}
	for _, e := range got {
		byName[e.Name] = e
	}
	if len(got) != 2 {
		t.Fatalf("got %d entries (%v); want 2", len(got), got)
	}
	if e := byName["f"]; e.IsDir || e.Special || e.Size != 3 || !e.ModTime.Equal(mt) {
		t.Errorf("f: %+v", e)
	}
	if e := byName["d"]; !e.IsDir || e.Special || !e.ModTime.Equal(mt) {
		t.Errorf("d: %+v", e)
	}
	if _, err := ReadAutoindexDir(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing dir: %v", err)
	}
}
