package nginxconf

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/frontdesk-go/frontdesk/internal/fileserve"
)

// checkValue checks d's value as the directive's nginx setter does and
// returns nginx's message, or "" when the value is accepted.
func checkValue(s *directiveSpec, d *Directive) string {
	if len(d.Args) == 0 {
		return ""
	}
	v := d.Args[0]
	var err error
	switch s.value {
	case vFlag:
		if !strings.EqualFold(v, "on") && !strings.EqualFold(v, "off") {
			return fmt.Sprintf("invalid value \"%s\" in \"%s\" directive, it must be \"on\" or \"off\"", v, d.Name)
		}
	case vNum:
		if _, ok := parseNum(v); !ok {
			return fmt.Sprintf("\"%s\" directive invalid number", d.Name)
		}
	case vSize:
		_, err = fileserve.ParseSize(v)
	case vOffset:
		_, err = fileserve.ParseOffset(v)
	case vMsec:
		_, err = fileserve.ParseTime(v)
	case vSec:
		_, err = fileserve.ParseSeconds(v)
	case vEnum:
		if enumIndex(s.enum, v) < 0 {
			return fmt.Sprintf("invalid value \"%s\"", v)
		}
	case vBitmask:
		for _, a := range d.Args {
			if enumIndex(s.enum, a) < 0 {
				return fmt.Sprintf("invalid value \"%s\"", a)
			}
		}
	}
	if err != nil {
		return fmt.Sprintf("\"%s\" directive invalid value", d.Name)
	}
	return ""
}

// enumIndex finds v among words, ignoring case as ngx_strcasecmp does, or
// returns -1.
func enumIndex(words []string, v string) int {
	for i, w := range words {
		if strings.EqualFold(w, v) {
			return i
		}
	}
	return -1
}

// parseNum parses a non-negative decimal number as ngx_atoi does: digits
// only, no sign, no overflow.
func parseNum(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
