//go:build linux

package fileserve

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	_ "time/tzdata" // America/New_York and Asia/Kolkata without system tzdata
)

var (
	tree2021  = time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	tree1999  = time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC)
	tree2040  = time.Date(2040, 2, 29, 12, 34, 56, 0, time.UTC)
	treeEpoch = time.Unix(0, 0)
	tree2001  = time.Date(2001, 9, 9, 1, 46, 40, 0, time.UTC)
)

// lutimes sets a symlink's own times (utimensat with AT_SYMLINK_NOFOLLOW),
// which os.Chtimes cannot do.
func lutimes(path string, t time.Time) error {
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return err
	}
	ts := [2]syscall.Timespec{syscall.NsecToTimespec(t.UnixNano()), syscall.NsecToTimespec(t.UnixNano())}
	atFDCWD, atSymlinkNoFollow := -100, 0x100
	_, _, errno := syscall.Syscall6(syscall.SYS_UTIMENSAT, uintptr(atFDCWD),
		uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&ts[0])), uintptr(atSymlinkNoFollow), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// makeProbeTree rebuilds, under dir, the directory that nginx 1.22.1 listed
// to produce testdata/autoindex/*.golden: files of boundary sizes (sparse),
// names that need HTML, URI and JSON escaping, names around the 50-column
// cut in ASCII, valid and invalid UTF-8, directories, hidden entries,
// symlinks (to a file, to a directory, dangling) and a FIFO.
func makeProbeTree(t *testing.T, dir string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	write := func(name string) {
		t.Helper()
		must(os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644))
	}
	sizes := []int64{0, 1, 1023, 1024, 1025, 9999, 10000, 10239, 10240, 10751, 10752,
		1048575, 1048576, 1572863, 1572864, 1073741823, 1073741824, 1610612735,
		1610612736, 999999999999}
	for _, s := range sizes {
		name := filepath.Join(dir, "s"+itoa(s))
		must(os.WriteFile(name, nil, 0o644))
		must(os.Truncate(name, s))
	}
	must(os.WriteFile(filepath.Join(dir, "s10MB"), nil, 0o644))
	must(os.Truncate(filepath.Join(dir, "s10MB"), 10*1024*1024))

	for _, n := range []string{
		strings.Repeat("x", 50), strings.Repeat("y", 51), strings.Repeat("z", 53), strings.Repeat("w", 49) + ".txt",
		"ünïcödé.txt", strings.Repeat("é", 30), strings.Repeat("é", 49), strings.Repeat("é", 50),
		strings.Repeat("é", 51), strings.Repeat("é", 60), "日本語のファイル名.txt",
		`a&b<c>d"e.txt`, "with space.txt", "q?mark.txt", "pct%20.txt", "a:b.txt", "#hash", "it's",
		"plus+sign", "~tilde", "semi;colon", "eq=sign", `back\slash`, "tab\there", "brace{}[]|^`",
		strings.Repeat("&", 60), strings.Repeat("a", 45) + "&&&&&&&&", strings.Repeat("a", 48) + "<>",
		"B", "a", "a.txt", "a-b", "A", "_under", "dollar$", "at@", "comma,", "excl!", "paren()", "star*",
		"nl\nname", "ctl\x01x", "del\x7f",
		"bad\xff\xfeutf8.bin", "trunc\xc3" + strings.Repeat("y", 60), strings.Repeat("e", 48) + "éé",
		".hidden",
	} {
		write(n)
	}
	for _, d := range []string{"subdir", "Zdir", "adir", strings.Repeat("d", 49), strings.Repeat("e", 50),
		strings.Repeat("f", 51), "dir with space&<x>", strings.Repeat("é", 49) + "d", ".hiddendir"} {
		must(os.Mkdir(filepath.Join(dir, d), 0o755))
	}
	inner := filepath.Join(dir, "dir with space&<x>", "inner.txt")
	must(os.WriteFile(inner, nil, 0o644))
	must(os.Chtimes(inner, tree2021, tree2021))
	must(os.Symlink("/nonexistent/target", filepath.Join(dir, "dangling")))
	must(os.Symlink("s1024", filepath.Join(dir, "link_to_file")))
	must(os.Symlink("subdir", filepath.Join(dir, "link_to_dir")))
	must(syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))

	names, err := os.ReadDir(dir)
	must(err)
	for _, e := range names {
		must(lutimes(filepath.Join(dir, e.Name()), tree2021))
	}
	for name, ts := range map[string]time.Time{
		"s0": tree1999, "subdir": tree1999, "s1": tree2040, "Zdir": tree2040, "s1023": treeEpoch, "B": tree2001,
	} {
		must(os.Chtimes(filepath.Join(dir, name), ts, ts))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRenderAutoindexGolden compares RenderAutoindex over ReadAutoindexDir
// with listings nginx 1.22.1 produced for the same tree ("autoindex on"
// plus the options noted), byte for byte.
func TestRenderAutoindexGolden(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	makeProbeTree(t, dir)

	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	// The moment the localtime listings were fetched (EST in New York).
	fetched := time.Date(2026, 11, 25, 1, 0, 24, 0, time.UTC)

	const sub = "dir with space&<x>"
	tests := []struct {
		name   string
		sub    string
		uri    string
		opt    AutoindexOptions
		golden string
	}{
		{"html", "", "/idx/", AutoindexOptions{}, "html_exact"},
		{"html exact_size off", "", "/idx/", AutoindexOptions{ApproximateSizes: true}, "html_approx"},
		{"html charset utf-8", "", "/idx/", AutoindexOptions{UTF8: true}, "html_utf8"},
		{"json", "", "/idx/", AutoindexOptions{Format: FormatJSON}, "json"},
		{"json charset utf-8", "", "/idx/", AutoindexOptions{Format: FormatJSON, UTF8: true}, "json"},
		{"jsonp ?callback=cb", "", "/idx/", AutoindexOptions{Format: FormatJSONP, Callback: "cb"}, "jsonp"},
		{"jsonp without callback", "", "/idx/", AutoindexOptions{Format: FormatJSONP}, "json"},
		{"xml", "", "/idx/", AutoindexOptions{Format: FormatXML}, "xml"},
		{"xml exact_size off charset utf-8", "", "/idx/", AutoindexOptions{Format: FormatXML, ApproximateSizes: true, UTF8: true}, "xml"},
		{"html escaped title", sub, "/idx/" + sub + "/", AutoindexOptions{}, "html_title"},
		{"json subdirectory", sub, "/idx/" + sub + "/", AutoindexOptions{Format: FormatJSON}, "json_title"},
		{"html localtime TZ=America/New_York", "", "/idx/", AutoindexOptions{Localtime: true, Now: fetched.In(ny)}, "html_localtime_ny"},
		{"html localtime TZ=Asia/Kolkata", "", "/idx/", AutoindexOptions{Localtime: true, Now: fetched.In(kolkata)}, "html_localtime_kolkata"},
		{"json localtime is UTC", "", "/idx/", AutoindexOptions{Format: FormatJSON, Localtime: true, Now: fetched.In(ny)}, "json"},
		{"xml localtime is UTC", "", "/idx/", AutoindexOptions{Format: FormatXML, Localtime: true, Now: fetched.In(ny)}, "xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", "autoindex", tt.golden+".golden"))
			if err != nil {
				t.Fatal(err)
			}
			entries, err := ReadAutoindexDir(filepath.Join(dir, tt.sub))
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := RenderAutoindex(&got, tt.uri, entries, tt.opt); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
				for i := 0; i < len(gl) || i < len(wl); i++ {
					var g, w string
					if i < len(gl) {
						g = gl[i]
					}
					if i < len(wl) {
						w = wl[i]
					}
					if g != w {
						t.Fatalf("line %d differs:\n got %q\nwant %q", i+1, g, w)
					}
				}
			}
		})
	}
}
