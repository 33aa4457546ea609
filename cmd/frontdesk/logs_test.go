package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompileLogFormat(t *testing.T) {
	f, err := compileLogFormat(`$remote_addr [${Time_Local}] "$request"$status-`)
	require.NoError(t, err)
	assert.Equal(t, []logPart{
		{text: "remote_addr", variable: true},
		{text: " ["},
		{text: "time_local", variable: true},
		{text: `] "`},
		{text: "request", variable: true},
		{text: `"`},
		{text: "status", variable: true},
		{text: "-"},
	}, f.parts)
	_, err = compileLogFormat(`${host`)
	assert.ErrorContains(t, err, "the closing bracket")
}

// TestLogEscape checks nginx's escapings: default (\xHH for quote,
// backslash, control and non-ASCII bytes), json, none.
func TestLogEscape(t *testing.T) {
	const v = "a\"b\\c\n\x01\xc3\xa9"
	tests := []struct {
		name string
		f    logFormat
		want string
	}{
		{"default", logFormat{}, `a\x22b\x5Cc\x0A\x01\xC3\xA9`},
		{"json", logFormat{json: true}, "a\\\"b\\\\c\\n\\u0001\xc3\xa9"},
		{"none", logFormat{none: true}, v},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(tt.f.escape(nil, v)))
		})
	}
}
