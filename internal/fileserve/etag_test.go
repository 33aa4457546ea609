package fileserve

import (
	"strconv"
	"testing"
	"time"
)

// TestETag: ETags nginx 1.22.1 sent for probe files.
func TestETag(t *testing.T) {
	tests := []struct {
		mtime time.Time
		size  int64
		want  string
	}{
		{time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC), 12, `"60406abf-c"`},
		// The same cache slot as the line above.
		{time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC), 12 + 64, `"60406abf-4c"`},
		{time.Date(2021, 3, 4, 5, 6, 7, 999, time.UTC), 1024, `"60406abf-400"`},
		{time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC), 0, `"60406abf-0"`},
		{time.Date(1960, 6, 15, 10, 20, 30, 0, time.UTC), 0, `"-11f48d12-0"`},
		{time.Date(2026, 11, 25, 0, 57, 10, 0, time.UTC), 1, `"6b063266-1"`},
	}
	// Twice: formatted, then from the cache.
	for range 2 {
		for _, tt := range tests {
			if got := ETag(tt.mtime, tt.size); got != tt.want {
				t.Errorf("ETag(%v, %d) = %s; want %s", tt.mtime, tt.size, got, tt.want)
			}
		}
	}
}

func TestLastModified(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2021, 3, 4, 5, 6, 7, 500, time.UTC), "Thu, 04 Mar 2021 05:06:07 GMT"},
		// The same cache slot as the line above.
		{time.Date(2021, 3, 4, 5, 7, 11, 0, time.UTC), "Thu, 04 Mar 2021 05:07:11 GMT"},
		{time.Date(2021, 3, 4, 6, 6, 7, 0, time.FixedZone("X", 3600)), "Thu, 04 Mar 2021 05:06:07 GMT"},
		// nginx 1.22.1 announced a file dated 1960-06-15 as the epoch.
		{time.Date(1960, 6, 15, 10, 20, 30, 0, time.UTC), "Thu, 01 Jan 1970 00:00:00 GMT"},
	}
	for range 2 {
		for _, tt := range tests {
			if got := LastModified(tt.t); got != tt.want {
				t.Errorf("LastModified(%v) = %q; want %q", tt.t, got, tt.want)
			}
		}
	}
}

// TestParseHTTPTime: the accepted forms were checked against nginx 1.22.1
// through If-Modified-Since (each answered 304 for a file with mtime
// 2021-03-04 05:06:07 UTC, or for the 1960 file); the rejected ones are
// ngx_parse_http_time's error paths.
func TestParseHTTPTime(t *testing.T) {
	lm := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC).Unix()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"Thu, 04 Mar 2021 05:06:07 GMT", lm, true},
		{"Thursday, 04-Mar-21 05:06:07 GMT", lm, true},
		{"Thu Mar  4 05:06:07 2021", lm, true},
		{"Thu Mar 04 05:06:07 2021", lm, true},
		{"Thu, 04 Mar 2021 05:06:07 XYZ", lm, true},
		{"Thu, 04 Mar 2021 05:06:07", lm, true},
		{"Mon, 04 Mar 2021 05:06:07 GMT", lm, true},
		{"Thu, 04 Mxr 2021 05:06:07 GMT", lm, true},
		{"Wed, 15 Jun 1960 10:20:30 GMT", time.Date(1960, 6, 15, 10, 20, 30, 0, time.UTC).Unix(), true},
		{"Thu, 01 Jan 1970 00:00:00 GMT", 0, true},
		{"Sun, 06 Nov 1994 08:49:37 GMT", 784111777, true},
		{"Sunday, 06-Nov-94 08:49:37 GMT", 784111777, true},
		{"Sun Nov  6 08:49:37 1994", 784111777, true},
		{"Tue, 29 Feb 2000 00:00:00 GMT", 951782400, true},
		{"Thu, 00 Mar 2021 00:00:00 GMT", time.Date(2021, 2, 28, 0, 0, 0, 0, time.UTC).Unix(), true},
		{"Fri, 01 Jan 2038 00:00:00 GMT", 2145916800, true},
		{"Tue, 29 Feb 2100 00:00:00 GMT", 0, false},
		{"Mon, 29 Feb 2021 00:00:00 GMT", 0, false},
		{"Thu, 31 Apr 2021 00:00:00 GMT", 0, false},
		{"Thu, 04 Mar 2021 24:00:00 GMT", 0, false},
		{"Thu, 04 Mar 2021 05:60:00 GMT", 0, false},
		{"Thu, 04 Mar 2021 05:06:60 GMT", 0, false},
		{"Thu, 04 Xar 2021 05:06:07 GMT", 0, false},
		{"Thu, 4 Mar 2021 05:06:07 GMT", 0, false},
		{"Thu, 04 Mar 21 05:06:07 GMT", 0, false},
		{"yesterday", 0, false},
		{"garbage", 0, false},
		{"", 0, false},
		{"Thu, 04 Mar 2021 05:06", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseHTTPTime(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseHTTPTime(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestContentLength(t *testing.T) {
	// 1024+64 shares 1024's cache slot; twice: formatted, then cached.
	for range 2 {
		for _, n := range []int64{0, 7, 1024, 1024 + 64, 1 << 40} {
			if got, want := ContentLength(n), strconv.FormatInt(n, 10); got != want {
				t.Errorf("ContentLength(%d) = %q; want %q", n, got, want)
			}
		}
	}
}
