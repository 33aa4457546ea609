package frontdesk

import (
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRequestLogAllocatesNothingWhenDisabled: a record the logger's
// handler does not take costs no allocation, neither its attributes nor
// a message built behind logging.
func TestRequestLogAllocatesNothingWhenDisabled(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation count")
	}
	p := MustNew(quiet, Location("/", Return(200, "")))
	st := &reqState{srv: p.srv, r: httptest.NewRequest("GET", "/x", nil), uri: "/x"}
	allocs := testing.AllocsPerRun(100, func() {
		st.logRequest(slog.LevelError, "access forbidden by rule", "")
		if st.logging(slog.LevelError) {
			st.logRequest(slog.LevelError, `open() "`+st.uri+`" failed`, "")
		}
	})
	assert.Equal(t, 0.0, allocs)
}
