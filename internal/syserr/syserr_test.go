package syserr

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

func TestText(t *testing.T) {
	_, missing := os.Open("/nonexistent/frontdesk")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{syscall.ECONNREFUSED, "111: Connection refused"},
		{missing, "2: No such file or directory"},
		{&os.PathError{Op: "open", Path: "x", Err: syscall.ELOOP}, "40: Too many levels of symbolic links"},
		{os.ErrPermission, "13: Permission denied"},
		{&os.PathError{Op: "open", Path: "x", Err: errors.New("odd")}, "odd"},
	} {
		if got := Text(tc.err); got != tc.want {
			t.Errorf("Text(%v) = %q; want %q", tc.err, got, tc.want)
		}
	}
	if got := Quote(syscall.ECONNRESET); got != "(104: Connection reset by peer)" {
		t.Errorf("Quote = %q", got)
	}
}
