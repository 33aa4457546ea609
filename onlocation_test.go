package frontdesk

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOnLocationSeesEachSelection: the callback hears of the server
// block, then of every location selected, an internal redirect's
// included, before the content handler, with the writer the Proxy was
// given.
func TestOnLocationSeesEachSelection(t *testing.T) {
	rec := httptest.NewRecorder()
	var seen []string
	p, err := New(Logger(slog.New(slog.DiscardHandler)),
		OnLocation(func(w http.ResponseWriter, i RequestInfo) {
			assert.Same(t, rec, w)
			assert.Zero(t, rec.Body.Len(), "before the response")
			seen = append(seen, i.Location())
		}),
		Location("/old", nil, Rewrite("^", "/new", RewriteLast)),
		Location("/new", Return(http.StatusOK, "new")))
	require.NoError(t, err)
	p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/old", nil))
	assert.Equal(t, "new", rec.Body.String())
	assert.Equal(t, []string{"", "/old", "/new"}, seen)
}
