package fileserve

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	_ "time/tzdata"
)

// TestParseExpires: the error messages are nginx 1.22.1's, from "nginx -t".
func TestParseExpires(t *testing.T) {
	tests := []struct {
		args    []string
		want    Expires
		wantErr string
	}{
		{[]string{"off"}, Expires{}, ""},
		{[]string{"epoch"}, Expires{Mode: ExpiresEpoch}, ""},
		{[]string{"max"}, Expires{Mode: ExpiresMax}, ""},
		{[]string{"1h"}, Expires{Mode: ExpiresAccess, Seconds: 3600}, ""},
		{[]string{"+30m"}, Expires{Mode: ExpiresAccess, Seconds: 1800}, ""},
		{[]string{"-1h"}, Expires{Mode: ExpiresAccess, Seconds: -3600}, ""},
		{[]string{"0"}, Expires{Mode: ExpiresAccess}, ""},
		{[]string{"-0"}, Expires{Mode: ExpiresAccess}, ""},
		{[]string{"1d 2h 3m 4s"}, Expires{Mode: ExpiresAccess, Seconds: 93784}, ""},
		{[]string{"modified", "1h"}, Expires{Mode: ExpiresModified, Seconds: 3600}, ""},
		{[]string{"modified", "-1h"}, Expires{Mode: ExpiresModified, Seconds: -3600}, ""},
		{[]string{"modified", "0"}, Expires{Mode: ExpiresModified}, ""},
		{[]string{"@15h30m"}, Expires{Mode: ExpiresDaily, Seconds: 55800}, ""},
		{[]string{"@0"}, Expires{Mode: ExpiresDaily}, ""},
		{[]string{"@24h"}, Expires{Mode: ExpiresDaily, Seconds: 86400}, ""},
		{[]string{"@25h"}, Expires{}, "daily time value must be less than 24 hours"},
		{[]string{"@24h1s"}, Expires{}, "daily time value must be less than 24 hours"},
		{[]string{"modified", "@1h"}, Expires{}, `daily time cannot be used with "modified" parameter`},
		{[]string{"modified", "epoch"}, Expires{}, "invalid value"},
		{[]string{"modified", "max"}, Expires{}, "invalid value"},
		{[]string{"modified", "off"}, Expires{}, "invalid value"},
		{[]string{"1x"}, Expires{}, "invalid value"},
		{[]string{"foo", "bar"}, Expires{}, "invalid value"},
		{[]string{"1h", "30m"}, Expires{}, "invalid value"},
		{[]string{"epoch", "1h"}, Expires{}, "invalid value"},
		{[]string{"Modified", "1h"}, Expires{}, "invalid value"},
		{[]string{""}, Expires{}, "invalid value"},
		{[]string{"MAX"}, Expires{}, "invalid value"},
		{[]string{"500ms"}, Expires{}, "invalid value"},
		{[]string{"-@1h"}, Expires{}, "invalid value"},
		{[]string{"@-1h"}, Expires{}, "invalid value"},
		{[]string{"+-1h"}, Expires{}, "invalid value"},
		{[]string{"@"}, Expires{}, "invalid value"},
		{[]string{"+"}, Expires{}, "invalid value"},
		{[]string{"-"}, Expires{}, "invalid value"},
	}
	for _, tt := range tests {
		got, err := ParseExpires(tt.args)
		var gotErr string
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || gotErr != tt.wantErr {
			t.Errorf("ParseExpires(%q) = %+v, %q; want %+v, %q", tt.args, got, gotErr, tt.want, tt.wantErr)
		}
	}
}

// TestExpiresApply: headers nginx 1.22.1 sent for /tmp/fsprobe/www/hello.html
// (mtime 2021-03-04 05:06:07 UTC) in locations with the given expires; the
// response Date was 2026-11-25 00:59:01 GMT, TZ=UTC (the New York cases ran
// with TZ=America/New_York at 01:08:19 GMT).
func TestExpiresApply(t *testing.T) {
	now := time.Date(2026, 11, 25, 0, 59, 1, 0, time.UTC)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	nowNY := time.Date(2026, 11, 25, 1, 8, 19, 0, time.UTC).In(ny)
	tests := []struct {
		args        []string
		now         time.Time
		expires, cc string
	}{
		{[]string{"1h"}, now, "Wed, 25 Nov 2026 01:59:01 GMT", "max-age=3600"},
		{[]string{"-1h"}, now, "Tue, 24 Nov 2026 23:59:01 GMT", "no-cache"},
		{[]string{"0"}, now, "Wed, 25 Nov 2026 00:59:01 GMT", "max-age=0"},
		{[]string{"-0"}, now, "Wed, 25 Nov 2026 00:59:01 GMT", "max-age=0"},
		{[]string{"epoch"}, now, "Thu, 01 Jan 1970 00:00:01 GMT", "no-cache"},
		{[]string{"max"}, now, "Thu, 31 Dec 2037 23:55:55 GMT", "max-age=315360000"},
		{[]string{"off"}, now, "", ""},
		{[]string{"modified", "1h"}, now, "Thu, 04 Mar 2021 06:06:07 GMT", "no-cache"},
		{[]string{"modified", "-1h"}, now, "Thu, 04 Mar 2021 04:06:07 GMT", "no-cache"},
		{[]string{"modified", "10y"}, now, "Sun, 02 Mar 2031 05:06:07 GMT", "max-age=134626026"},
		{[]string{"modified", "0"}, now, "Wed, 25 Nov 2026 00:59:01 GMT", "max-age=0"},
		{[]string{"@15h30m"}, now, "Wed, 25 Nov 2026 15:30:00 GMT", "max-age=52259"},
		{[]string{"+30m"}, now, "Wed, 25 Nov 2026 01:29:01 GMT", "max-age=1800"},
		{[]string{"1d 2h 3m 4s"}, now, "Thu, 26 Nov 2026 03:02:05 GMT", "max-age=93784"},
		{[]string{"@0"}, now, "Thu, 26 Nov 2026 00:00:00 GMT", "max-age=82859"},
		{[]string{"@24h"}, now, "Thu, 26 Nov 2026 00:00:00 GMT", "max-age=82859"},
		{[]string{"@15h30m"}, nowNY, "Wed, 25 Nov 2026 20:30:00 GMT", "max-age=69701"},
		{[]string{"@19h30m"}, nowNY, "Thu, 26 Nov 2026 00:30:00 GMT", "max-age=84101"},
		{[]string{"@0"}, nowNY, "Wed, 25 Nov 2026 05:00:00 GMT", "max-age=13901"},
	}
	for _, tt := range tests {
		e, err := ParseExpires(tt.args)
		if err != nil {
			t.Fatalf("ParseExpires(%q): %v", tt.args, err)
		}
		h := http.Header{}
		e.Apply(h, http.StatusOK, tt.now, probeMtime)
		if h.Get("Expires") != tt.expires || h.Get("Cache-Control") != tt.cc {
			t.Errorf("expires %q: got Expires %q, Cache-Control %q; want %q, %q",
				tt.args, h.Get("Expires"), h.Get("Cache-Control"), tt.expires, tt.cc)
		}
	}
}

func TestExpiresApplyDetails(t *testing.T) {
	now := time.Date(2026, 11, 25, 0, 59, 1, 0, time.UTC)
	e := Expires{Mode: ExpiresModified, Seconds: 3600}

	// Without a Last-Modified time "modified" counts from now.
	h := http.Header{}
	e.Apply(h, http.StatusOK, now, time.Time{})
	if h.Get("Expires") != "Wed, 25 Nov 2026 01:59:01 GMT" || h.Get("Cache-Control") != "max-age=3600" {
		t.Errorf("no mtime: got %v", h)
	}

	// Existing values are replaced, extra Cache-Control lines dropped.
	h = http.Header{"Cache-Control": {"private", "no-store"}, "Expires": {"0"}}
	Expires{Mode: ExpiresMax}.Apply(h, http.StatusOK, now, probeMtime)
	want := http.Header{"Cache-Control": {"max-age=315360000"}, "Expires": {"Thu, 31 Dec 2037 23:55:55 GMT"}}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("replace: got %v; want %v", h, want)
	}

	// Statuses outside the headers filter's list are left alone.
	for _, status := range []int{400, 403, 404, 412, 416, 500, 502} {
		h := http.Header{}
		Expires{Mode: ExpiresMax}.Apply(h, status, now, probeMtime)
		if len(h) != 0 {
			t.Errorf("status %d: got %v; want no headers", status, h)
		}
	}
}

func TestSafeStatus(t *testing.T) {
	safe := map[int]bool{200: true, 201: true, 204: true, 206: true, 301: true, 302: true, 303: true, 304: true, 307: true, 308: true}
	for s := 100; s < 600; s++ {
		if SafeStatus(s) != safe[s] {
			t.Errorf("SafeStatus(%d) = %v", s, SafeStatus(s))
		}
	}
}
