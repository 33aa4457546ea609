package nginxconf

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFormat(t *testing.T) {
	ds := []*Directive{
		d("events").b(),
		d("http").b(
			d("log_format", "main", `$remote_addr "$request"`).q(1),
			d("map", "$http_upgrade", "$connection_upgrade").b(
				d("default", "upgrade"),
				d("", "close"),
			),
			d("server").b(
				d("location", "~", `^/(\d+)\.png$`).q(1).b(
					d("return", "200", "it's \"ok\"\n"),
				),
				d("if", "($request_method", "=", "POST", ")").q(2).b(),
				d("set", "$x", "${host}:$server_port"),
			),
		),
	}
	want := `events {}
http {
    log_format main '$remote_addr "$request"';
    map $http_upgrade $connection_upgrade {
        default upgrade;
        "" close;
    }
    server {
        location ~ "^/(\d+)\.png$" {
            return 200 'it\'s "ok"
';
        }
        if ($request_method = "POST" ) {}
        set $x ${host}:$server_port;
    }
}
`
	got := Format(ds)
	assert.Equal(t, want, got)

	again, err := ParseString("f.conf", got)
	require.NoError(t, err)
	assert.Equal(t, words(ds), words(again))
}

func TestFormatWords(t *testing.T) {
	// Each value must come back unchanged, whether it was recorded as
	// quoted or not; the column says how Format writes it when not quoted.
	tests := []struct {
		value string
		bare  string // "" when the value must be quoted
	}{
		{"plain", "plain"},
		{"", ""},
		{"a b", ""},
		{"a;b", ""},
		{"a{b", ""},
		{"${a}", "${a}"},
		{"a$${b", "a$${b"},
		{"{a", ""},
		{"#a", ""},
		{"a#b", "a#b"},
		{"}a", ""},
		{"a}", "a}"},
		{`"a`, `\"a`},
		{`'a`, `\'a`},
		{`a"b'c`, `a"b'c`},
		{`\d+`, `\d+`},
		{`a\`, `a\\`},
		{`a\\b`, `a\\\b`},
		{`\t`, `\\t`},
		{"a\tb", `a\tb`},
		{"a\r\nb", `a\r\nb`},
		{`a\ b`, `a\ b`},
		{`a\;b`, `a\;b`},
		{`a\"b`, `a\\"b`},
		{"\x00\xff", "\x00\xff"},
		{`(`, `(`},
		{`)`, `)`},
	}
	for _, tt := range tests {
		bare, ok := bareWord(tt.value)
		if tt.bare == "" {
			assert.Falsef(t, ok, "bareWord(%q) = %q, want quoting", tt.value, bare)
		} else {
			assert.Equalf(t, tt.bare, bare, "bareWord(%q)", tt.value)
		}
		for _, quoted := range []bool{false, true} {
			in := []*Directive{{Name: "x", Args: []string{tt.value, "end"}, Quoted: []bool{quoted, false}}}
			out, err := ParseString("f.conf", Format(in))
			if assert.NoErrorf(t, err, "value %q quoted=%v: %s", tt.value, quoted, Format(in)) {
				assert.Equalf(t, words(in), words(out), "value %q quoted=%v: %s", tt.value, quoted, Format(in))
				assert.Equalf(t, quoted || tt.bare == "", out[0].Quoted[0], "value %q quoted=%v", tt.value, quoted)
			}
		}
		// As a name too.
		in := []*Directive{{Name: tt.value}}
		out, err := ParseString("f.conf", Format(in))
		if assert.NoErrorf(t, err, "name %q: %s", tt.value, Format(in)) {
			assert.Equalf(t, words(in), words(out), "name %q", tt.value)
		}
	}
}

func TestFormatKeepsLongWordsParseable(t *testing.T) {
	// nginx rejects words of 4096 bytes or more, so Format must never write
	// a word longer than the one it was parsed from.
	tests := []struct{ name, src string }{
		{"many double quotes in single quotes", "x '" + strings.Repeat(`"`, 2000) + strings.Repeat("a", 2000) + "';"},
		{"raw tabs in quotes", "x \"" + strings.Repeat("\t", 4000) + "\";"},
		{"raw tabs in a quoted name", "\"" + strings.Repeat("\t", 4000) + "\";"},
		{"backslashes kept as is", "x " + strings.Repeat(`\d`, 2000) + ";"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := ParseString("f.conf", tt.src)
			require.NoError(t, err)
			again, err := ParseString("f.conf", Format(ds))
			require.NoError(t, err)
			assert.Equal(t, shape(ds), shape(again))
		})
	}
}
