package accesslog

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompile(t *testing.T) {
	f, err := Compile(`$remote_addr [${Time_Local}] "$request"$status-`, EscapeDefault)
	require.NoError(t, err)
	assert.Equal(t, []part{
		{text: "remote_addr", variable: true},
		{text: " ["},
		{text: "time_local", variable: true},
		{text: `] "`},
		{text: "request", variable: true},
		{text: `"`},
		{text: "status", variable: true},
		{text: "-"},
	}, f.parts)
	_, err = Compile(`${host`, EscapeDefault)
	assert.ErrorContains(t, err, "the closing bracket")
	_, err = Compile(`$ x`, EscapeDefault)
	assert.ErrorContains(t, err, "invalid variable name")
}

// TestEscape checks nginx's escapings: default (\xHH for quote,
// backslash, control and non-ASCII bytes), json, none.
func TestEscape(t *testing.T) {
	const v = "a\"b\\c\n\x01\xc3\xa9"
	tests := []struct {
		name   string
		escape Escape
		want   string
	}{
		{"default", EscapeDefault, `a\x22b\x5Cc\x0A\x01\xC3\xA9`},
		{"json", EscapeJSON, "a\\\"b\\\\c\\n\\u0001\xc3\xa9"},
		{"none", EscapeNone, v},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &Format{escape: tt.escape}
			assert.Equal(t, tt.want, string(f.escapeValue(nil, v)))
		})
	}
}
