package fileserve

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// ETag returns the entity tag nginx's static module attaches to a file
// (ngx_http_set_etag): the Unix mtime in seconds and the size, both in
// lower-case hex without padding, joined by '-' and double-quoted, e.g.
// "60406abf-c". nginx prints the mtime as a signed number, so a file dated
// before 1970 gets a leading minus ("-11f48d12-0"); that is reproduced.
func ETag(mtime time.Time, size int64) string {
	sec := mtime.Unix()
	slot := &etags[uint64(sec^size)%uint64(len(etags))]
	if c := slot.Load(); c != nil && c.sec == sec && c.size == size {
		return c.s
	}
	b := make([]byte, 0, 2+16+1+16+1)
	b = append(b, '"')
	b = strconv.AppendInt(b, sec, 16)
	b = append(b, '-')
	b = strconv.AppendInt(b, size, 16)
	b = append(b, '"')
	s := string(b)
	slot.Store(&formatted{sec: sec, size: size, s: s})
	return s
}

// formatted is an ETag or Last-Modified value kept for the next
// response for the same file: formatting costs an allocation and more
// than the lookup, and a site serves its files over and over.
type formatted struct {
	sec, size int64
	s         string
}

// etags, lastModified and lengths hold recent values, a few files per
// slot collision apart.
var etags, lastModified, lengths [64]atomic.Pointer[formatted]

// ContentLength formats a file's size for Content-Length.
func ContentLength(size int64) string {
	slot := &lengths[uint64(size)%uint64(len(lengths))]
	if c := slot.Load(); c != nil && c.size == size {
		return c.s
	}
	s := strconv.FormatInt(size, 10)
	slot.Store(&formatted{size: size, s: s})
	return s
}

// LastModified formats t as nginx formats the Last-Modified header
// (ngx_http_time): RFC 1123 in GMT, e.g. "Thu, 04 Mar 2021 05:06:07 GMT".
// Sub-second precision is dropped. nginx's calendar code only handles
// non-negative times and shows any earlier instant as the epoch, so a file
// dated 1960 is announced as "Thu, 01 Jan 1970 00:00:00 GMT" (while its ETag
// and the If-Modified-Since comparison still use the real, negative mtime).
func LastModified(t time.Time) string {
	sec := t.Unix()
	if sec < 0 {
		sec = 0
	}
	slot := &lastModified[uint64(sec)%uint64(len(lastModified))]
	if c := slot.Load(); c != nil && c.sec == sec {
		return c.s
	}
	s := time.Unix(sec, 0).UTC().Format(http.TimeFormat)
	slot.Store(&formatted{sec: sec, s: s})
	return s
}

// ParseHTTPTime parses an HTTP date the way nginx does for If-Modified-Since,
// If-Unmodified-Since and If-Range (ngx_parse_http_time) and returns it as
// Unix seconds. It accepts RFC 1123 ("Thu, 04 Mar 2021 05:06:07 GMT"),
// RFC 850 ("Thursday, 04-Mar-21 05:06:07 GMT") and asctime
// ("Thu Mar  4 05:06:07 2021") forms, and is exactly as lenient as nginx: the
// weekday is not checked, a month is recognised from its first letters only
// ("Mxr" is March), a day of 00 is accepted, and anything after the seconds
// (the zone included) is ignored. ok is false where nginx returns an error;
// nginx then compares its error value -1 with the file's mtime, which callers
// must reproduce (see Serve).
func ParseHTTPTime(s string) (sec int64, ok bool) {
	const (
		fmtNone = iota
		fmtRFC822
		fmtRFC850
		fmtISOC
	)
	// at returns the byte at i, or NUL past the end, mirroring nginx's
	// reads of the NUL-terminated header value.
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	digit := func(i int) bool { c := at(i); return c >= '0' && c <= '9' }
	num2 := func(i int) int64 { return int64(at(i)-'0')*10 + int64(at(i+1)-'0') }
	num4 := func(i int) int64 { return num2(i)*100 + num2(i+2) }

	f := fmtNone
	end := len(s)
	p := 0
	for ; p < end; p++ {
		if s[p] == ',' {
			break
		}
		if s[p] == ' ' {
			f = fmtISOC
			break
		}
	}
	for p++; p < end; p++ {
		if s[p] != ' ' {
			break
		}
	}
	if end-p < 18 {
		return 0, false
	}

	var day, year int64
	if f != fmtISOC {
		if !digit(p) || !digit(p+1) {
			return 0, false
		}
		day = num2(p)
		p += 2
		switch at(p) {
		case ' ':
			if end-p < 18 {
				return 0, false
			}
			f = fmtRFC822
		case '-':
			f = fmtRFC850
		default:
			return 0, false
		}
		p++
	}

	var month int64
	switch at(p) {
	case 'J':
		switch {
		case at(p+1) == 'a':
			month = 0
		case at(p+2) == 'n':
			month = 5
		default:
			month = 6
		}
	case 'F':
		month = 1
	case 'M':
		if at(p+2) == 'r' {
			month = 2
		} else {
			month = 4
		}
	case 'A':
		if at(p+1) == 'p' {
			month = 3
		} else {
			month = 7
		}
	case 'S':
		month = 8
	case 'O':
		month = 9
	case 'N':
		month = 10
	case 'D':
		month = 11
	default:
		return 0, false
	}
	p += 3
	if (f == fmtRFC822 && at(p) != ' ') || (f == fmtRFC850 && at(p) != '-') {
		return 0, false
	}
	p++

	switch f {
	case fmtRFC822:
		if !digit(p) || !digit(p+1) || !digit(p+2) || !digit(p+3) {
			return 0, false
		}
		year = num4(p)
		p += 4
	case fmtRFC850:
		if !digit(p) || !digit(p+1) {
			return 0, false
		}
		year = num2(p)
		if year < 70 {
			year += 2000
		} else {
			year += 1900
		}
		p += 2
	case fmtISOC:
		if at(p) == ' ' {
			p++
		}
		if !digit(p) {
			return 0, false
		}
		day = int64(at(p) - '0')
		p++
		if at(p) != ' ' {
			if !digit(p) {
				return 0, false
			}
			day = day*10 + int64(at(p)-'0')
			p++
		}
		if end-p < 14 {
			return 0, false
		}
	}

	// field reads sep and two digits of the time of day.
	field := func(sep byte) (int64, bool) {
		if at(p) != sep || !digit(p+1) || !digit(p+2) {
			return 0, false
		}
		p++
		v := num2(p)
		p += 2
		return v, true
	}
	hour, ok1 := field(' ')
	minute, ok2 := field(':')
	second, ok3 := field(':')
	if !ok1 || !ok2 || !ok3 {
		return 0, false
	}
	if f == fmtISOC {
		if at(p) != ' ' {
			return 0, false
		}
		p++
		if !digit(p) || !digit(p+1) || !digit(p+2) || !digit(p+3) {
			return 0, false
		}
		year = num4(p)
	}

	if hour > 23 || minute > 59 || second > 59 {
		return 0, false
	}
	mdays := [12]int64{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if day == 29 && month == 1 {
		if year&3 != 0 || (year%100 == 0 && year%400 != 0) {
			return 0, false
		}
	} else if day > mdays[month] {
		return 0, false
	}

	// Days since the epoch by Gauss' formula with the year starting on
	// March 1, as nginx computes it; two's-complement wrap-around gives
	// the same (negative) result nginx gets for dates before 1970.
	month--
	if month <= 0 {
		month += 12
		year--
	}
	days := 365*year + year/4 - year/100 + year/400 +
		367*month/12 - 30 +
		day - 1 -
		719527 + 31 + 28
	return days*86400 + hour*3600 + minute*60 + second, true
}
