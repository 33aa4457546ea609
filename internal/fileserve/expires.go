package fileserve

import (
	"errors"
	"net/http"
	"strconv"
	"time"
)

// ExpiresMode says how an Expires value is anchored; the names follow the
// NGX_HTTP_EXPIRES_* constants of ngx_http_headers_filter_module.
type ExpiresMode int

const (
	// ExpiresOff is "expires off" and the zero value: no headers are
	// touched (nginx's default).
	ExpiresOff ExpiresMode = iota
	// ExpiresEpoch is "expires epoch".
	ExpiresEpoch
	// ExpiresMax is "expires max".
	ExpiresMax
	// ExpiresAccess is "expires [+|-]time": relative to the request time.
	ExpiresAccess
	// ExpiresModified is "expires modified [+|-]time": relative to the
	// response's Last-Modified time.
	ExpiresModified
	// ExpiresDaily is "expires @time": the next occurrence of a time of
	// day.
	ExpiresDaily
)

// Expires is a parsed expires directive. The zero value is "expires off".
type Expires struct {
	Mode ExpiresMode
	// Seconds is the offset for ExpiresAccess and ExpiresModified (negative
	// for "-1h"), or the time of day in seconds after local midnight for
	// ExpiresDaily (0 to 86400 inclusive).
	Seconds int64
}

// Error texts of the expires directive, as nginx prints them after
// `"expires" directive `.
var (
	errDailyModified = errors.New(`daily time cannot be used with "modified" parameter`)
	errDailyTooLarge = errors.New("daily time value must be less than 24 hours")
)

// ParseExpires parses the arguments of the expires directive (without the
// directive name), as ngx_http_headers_expires and ngx_http_parse_expires
// do: "off", "epoch", "max", "[modified] [+|-]time" or "@time" (time in
// ParseSeconds syntax). Keywords are case-sensitive; "modified" cannot be
// combined with epoch, max, off or a daily time; a daily time may not exceed
// 24h. Errors carry nginx's message ("invalid value", "daily time value must
// be less than 24 hours", `daily time cannot be used with "modified"
// parameter`). Values containing nginx variables are not supported here.
func ParseExpires(args []string) (Expires, error) {
	var e Expires
	var v string
	switch len(args) {
	case 1:
		e.Mode, v = ExpiresAccess, args[0]
	case 2:
		if args[0] != "modified" {
			return Expires{}, ErrInvalidValue
		}
		e.Mode, v = ExpiresModified, args[1]
	default:
		return Expires{}, errors.New("invalid number of arguments")
	}

	if e.Mode != ExpiresModified {
		switch v {
		case "epoch":
			return Expires{Mode: ExpiresEpoch}, nil
		case "max":
			return Expires{Mode: ExpiresMax}, nil
		case "off":
			return Expires{}, nil
		}
	}

	minus := false
	switch {
	case v != "" && v[0] == '@':
		v = v[1:]
		if e.Mode == ExpiresModified {
			return Expires{}, errDailyModified
		}
		e.Mode = ExpiresDaily
	case v != "" && v[0] == '+':
		v = v[1:]
	case v != "" && v[0] == '-':
		v = v[1:]
		minus = true
	}
	sec, err := ParseSeconds(v)
	if err != nil {
		return Expires{}, ErrInvalidValue
	}
	if e.Mode == ExpiresDaily && sec > 24*60*60 {
		return Expires{}, errDailyTooLarge
	}
	if minus {
		sec = -sec
	}
	e.Seconds = sec
	return e, nil
}

// SafeStatus reports whether nginx's headers filter acts on a response with
// this status: 200, 201, 204, 206, 301, 302, 303, 304, 307 and 308. expires
// and add_header without "always" apply only to these.
func SafeStatus(status int) bool {
	switch status {
	case http.StatusOK, http.StatusCreated, http.StatusNoContent,
		http.StatusPartialContent, http.StatusMovedPermanently,
		http.StatusFound, http.StatusSeeOther, http.StatusNotModified,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// Apply sets the Expires and Cache-Control headers the way
// ngx_http_set_expires does, for a response with the given status sent at
// now. mtime is the response's Last-Modified time (zero when it has none);
// it anchors "modified" and, when zero, makes "modified" behave like an
// access-relative value. Nothing happens for ExpiresOff or when
// !SafeStatus(status).
//
// Existing Expires and Cache-Control values are replaced (nginx overwrites
// the first Cache-Control line and drops the others). The rules:
//
//   - epoch: "Thu, 01 Jan 1970 00:00:01 GMT" and "no-cache";
//   - max: "Thu, 31 Dec 2037 23:55:55 GMT" and "max-age=315360000";
//   - an offset of exactly 0 (access or modified): Expires is now and
//     Cache-Control "max-age=0" (even for "modified 0");
//   - access: now+offset; modified: mtime+offset; daily: the next
//     occurrence of the time of day in now's location, strictly after now;
//   - Cache-Control is "max-age=N" with N = Expires - now, or "no-cache" when
//     the configured offset is negative or N is negative.
//
// Callers must apply this at the moment nginx's headers filter runs, which is
// before the range filter: a static response that becomes 416 keeps these
// headers (see Options.HeaderFilter in Serve).
func (e Expires) Apply(h http.Header, status int, now, mtime time.Time) {
	if e.Mode == ExpiresOff || !SafeStatus(status) {
		return
	}
	switch e.Mode {
	case ExpiresEpoch:
		h.Set("Expires", "Thu, 01 Jan 1970 00:00:01 GMT")
		h.Set("Cache-Control", "no-cache")
		return
	case ExpiresMax:
		h.Set("Expires", "Thu, 31 Dec 2037 23:55:55 GMT")
		h.Set("Cache-Control", "max-age=315360000")
		return
	}

	nowSec := now.Unix()
	if e.Seconds == 0 && e.Mode != ExpiresDaily {
		h.Set("Expires", LastModified(now))
		h.Set("Cache-Control", "max-age=0")
		return
	}

	var expires, maxAge int64
	switch {
	case e.Mode == ExpiresDaily:
		expires = nextTime(now, e.Seconds)
		maxAge = expires - nowSec
	case e.Mode == ExpiresAccess || mtime.IsZero():
		maxAge = e.Seconds
		expires = nowSec + e.Seconds
	default:
		expires = mtime.Unix() + e.Seconds
		maxAge = expires - nowSec
	}
	h.Set("Expires", LastModified(time.Unix(expires, 0)))
	if e.Seconds < 0 || maxAge < 0 {
		h.Set("Cache-Control", "no-cache")
		return
	}
	h.Set("Cache-Control", "max-age="+strconv.FormatInt(maxAge, 10))
}

// nextTime mirrors ngx_next_time: today's occurrence of the time of day in
// now's location if it is still ahead, otherwise tomorrow's. Like mktime,
// time.Date normalises 24:00 to the next midnight.
func nextTime(now time.Time, when int64) int64 {
	y, m, d := now.Date()
	h, mi, s := int(when/3600), int((when%3600)/60), int(when%60)
	next := time.Date(y, m, d, h, mi, s, 0, now.Location()).Unix()
	if next-now.Unix() > 0 {
		return next
	}
	return time.Date(y, m, d+1, h, mi, s, 0, now.Location()).Unix()
}
