package fileserve

import (
	"errors"
	"math"
	"time"
)

// ErrInvalidValue is returned by the nginx value parsers for every input
// nginx rejects; nginx's own message for all of them is "invalid value".
var ErrInvalidValue = errors.New("invalid value")

// ParseTime parses an nginx time value in milliseconds mode, the syntax of
// every directive stored with ngx_conf_set_msec_slot (proxy_read_timeout,
// send_timeout, keepalive_timeout, ...): ngx_parse_time(value, 0).
//
// A value is a sequence of numbers each followed by a unit, units strictly
// decreasing: w (week), d, h, m, s, ms; a number without a unit is seconds,
// and spaces may separate the parts ("1h 30m", "1h30m", "10", "1s500ms",
// "1ms5" = 5.001s). Years and months ("1y", "1M") are rejected in this mode,
// as is any unit that does not follow a larger one ("1m1h", "1h1h"). Values
// nginx accepts but that exceed time.Duration's range (more than about 292
// years, which nginx would accept up to 2^63-1 ms) are reported as
// ErrInvalidValue too.
func ParseTime(s string) (time.Duration, error) {
	ms, err := parseTime(s, false)
	if err != nil {
		return 0, err
	}
	if ms > math.MaxInt64/int64(time.Millisecond) {
		return 0, ErrInvalidValue
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// ParseSeconds parses an nginx time value in seconds mode,
// ngx_parse_time(value, 1), used by ngx_conf_set_sec_slot directives,
// upstream fail_timeout and expires. Units are y (365 days), M (30 days), w,
// d, h, m and s, strictly decreasing; "ms" is rejected. The result is in
// seconds and covers nginx's whole range (up to 2^63-1).
func ParseSeconds(s string) (int64, error) {
	return parseTime(s, true)
}

// parseTime mirrors ngx_parse_time from src/core/ngx_parse.c on a 64-bit
// build (NGX_MAX_INT_T_VALUE = 2^63-1). The result is in seconds when isSec
// and in milliseconds otherwise.
func parseTime(s string, isSec bool) (int64, error) {
	const (
		stStart = iota
		stYear
		stMonth
		stWeek
		stDay
		stHour
		stMin
		stSec
		stMsec
		stLast
	)
	const maxInt = math.MaxInt64
	const cutoff, cutlim = maxInt / 10, maxInt % 10

	step := stStart
	if !isSec {
		step = stMonth
	}
	valid := false
	var value, total int64

	for p := 0; p < len(s); {
		c := s[p]
		if c >= '0' && c <= '9' {
			if value >= cutoff && (value > cutoff || int64(c-'0') > cutlim) {
				return 0, ErrInvalidValue
			}
			value = value*10 + int64(c-'0')
			valid = true
			p++
			continue
		}
		p++

		var max, scale int64
		switch c {
		case 'y':
			if step > stStart {
				return 0, ErrInvalidValue
			}
			step, scale = stYear, 60*60*24*365
		case 'M':
			if step >= stMonth {
				return 0, ErrInvalidValue
			}
			step, scale = stMonth, 60*60*24*30
		case 'w':
			if step >= stWeek {
				return 0, ErrInvalidValue
			}
			step, scale = stWeek, 60*60*24*7
		case 'd':
			if step >= stDay {
				return 0, ErrInvalidValue
			}
			step, scale = stDay, 60*60*24
		case 'h':
			if step >= stHour {
				return 0, ErrInvalidValue
			}
			step, scale = stHour, 60*60
		case 'm':
			if p < len(s) && s[p] == 's' {
				if isSec || step >= stMsec {
					return 0, ErrInvalidValue
				}
				p++
				step, scale = stMsec, 1
				break
			}
			if step >= stMin {
				return 0, ErrInvalidValue
			}
			step, scale = stMin, 60
		case 's':
			if step >= stSec {
				return 0, ErrInvalidValue
			}
			step, scale = stSec, 1
		case ' ':
			if step >= stSec {
				return 0, ErrInvalidValue
			}
			step, scale = stLast, 1
		default:
			return 0, ErrInvalidValue
		}
		max = maxInt / scale
		if step != stMsec && !isSec {
			scale *= 1000
			max /= 1000
		}
		if value > max {
			return 0, ErrInvalidValue
		}
		value *= scale
		if total > maxInt-value {
			return 0, ErrInvalidValue
		}
		total += value
		value = 0
		for p < len(s) && s[p] == ' ' {
			p++
		}
	}

	if !valid {
		return 0, ErrInvalidValue
	}
	if !isSec {
		if value > maxInt/1000 {
			return 0, ErrInvalidValue
		}
		value *= 1000
	}
	if total > maxInt-value {
		return 0, ErrInvalidValue
	}
	return total + value, nil
}

// ParseSize parses an nginx size value as ngx_parse_size does, the syntax
// of ngx_conf_set_size_slot directives (client_body_buffer_size,
// proxy_buffer_size, ...): a decimal number of bytes optionally followed by
// k/K (×1024) or m/M (×1024²). There is no g/G suffix here (see ParseOffset),
// no sign, no spaces and no fraction; the number before scaling must not
// exceed (2^63-1)/scale.
func ParseSize(s string) (int64, error) {
	return parseScaled(s, false)
}

// ParseOffset parses an nginx offset value as ngx_parse_offset does, the
// syntax of ngx_conf_set_off_slot directives (client_max_body_size,
// proxy_max_temp_file_size, ...): like ParseSize but also accepting g/G
// (×1024³).
func ParseOffset(s string) (int64, error) {
	return parseScaled(s, true)
}

func parseScaled(s string, allowG bool) (int64, error) {
	if s == "" {
		return 0, ErrInvalidValue
	}
	scale := int64(1)
	switch s[len(s)-1] {
	case 'k', 'K':
		scale = 1024
	case 'm', 'M':
		scale = 1024 * 1024
	case 'g', 'G':
		if allowG {
			scale = 1024 * 1024 * 1024
		}
	}
	if scale != 1 {
		s = s[:len(s)-1]
	}
	n, ok := atoi(s)
	if !ok || n > math.MaxInt64/scale {
		return 0, ErrInvalidValue
	}
	return n * scale, nil
}

// atoi mirrors ngx_atosz/ngx_atoof: digits only, at least one, no
// overflow past 2^63-1.
func atoi(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	const cutoff, cutlim = math.MaxInt64 / 10, math.MaxInt64 % 10
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n >= cutoff && (n > cutoff || d > cutlim) {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
