package frontdesk

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func get(t *testing.T, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestRewriteFlags(t *testing.T) {
	p := MustNew(quiet,
		Rewrite(`^/server/(.*)$`, "/s/$1", RewriteNext),
		Location("/s/", Return(200, "s uri=$uri args=$args")),
		Location("/last/", nil, Rewrite(`^/last/(.*)$`, "/target/$1?x=1", RewriteLast), Return(200, "not reached")),
		Location("/break/", Return(200, "break uri=$uri"), Rewrite(`^/break/(.*)$`, "/target/$1", RewriteBreak)),
		Location("/next/", nil, Rewrite(`^/next/(.*)$`, "/target/$1", RewriteNext), Set("$seen", "yes")),
		Location("/redir/", nil, Rewrite(`^/redir/(.*)$`, "/elsewhere/$1", RewriteRedirect)),
		Location("/perm/", nil, Rewrite(`^/perm/(.*)$`, "https://example.org/$1?", RewritePermanent)),
		Location("/noargs/", nil, Rewrite(`^/noargs/(.*)$`, "/target/$1?", RewriteLast)),
		Location("/target/", Return(200, "target uri=$uri args=$args seen=$seen")),
		Location("/loop/", nil, Rewrite(`^/loop/(.*)$`, "/loop/$1", RewriteLast)),
	)
	tests := []struct {
		target, code, body, location string
	}{
		{"/server/a?q=1", "200", "s uri=/s/a args=q=1", ""},
		{"/last/a?y=2", "200", "target uri=/target/a args=x=1&y=2 seen=", ""},
		{"/break/a", "200", "break uri=/target/a", ""},
		{"/next/a", "200", "target uri=/target/a args= seen=yes", ""},
		{"/redir/a?z=3", "302", "", "http://example.com/elsewhere/a?z=3"},
		{"/perm/a?z=3", "301", "", "https://example.org/a"},
		{"/noargs/a?y=2", "200", "target uri=/target/a args= seen=", ""},
		{"/loop/a", "500", "", ""},
	}
	for _, tt := range tests {
		rec := get(t, p, tt.target)
		assert.Equalf(t, tt.code, http.StatusText(rec.Code)[:0]+itoa(rec.Code), "%s", tt.target)
		if tt.body != "" {
			assert.Equalf(t, tt.body, rec.Body.String(), "%s", tt.target)
		}
		assert.Equalf(t, tt.location, rec.Header().Get("Location"), "%s", tt.target)
	}
}

func itoa(n int) string {
	return string(rune('0'+n/100)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10))
}

func TestIfBlocks(t *testing.T) {
	p := MustNew(quiet,
		Location("/", Return(200, "plain"),
			If("$http_x_mode = a", Return(200, "mode a")),
			If(`$arg_id ~ ^(\d+)$`, nil, AddHeader("X-Id", "$1")),
			If("$http_x_deny", Return(403, "")),
			If("-f /nonexistent/file", Return(200, "exists")),
			If("!-d /", Return(200, "no root dir")),
		),
	)
	assert.Equal(t, "mode a", get(t, p, "/", "X-Mode", "a").Body.String())
	assert.Equal(t, "plain", get(t, p, "/", "X-Mode", "b").Body.String())
	rec := get(t, p, "/?id=42")
	assert.Equal(t, "plain", rec.Body.String())
	assert.Equal(t, "42", rec.Header().Get("X-Id"), "an if block's configuration applies when it holds")
	assert.Equal(t, "", get(t, p, "/?id=x").Header().Get("X-Id"))
	assert.Equal(t, http.StatusForbidden, get(t, p, "/", "X-Deny", "1").Code)
	assert.Equal(t, http.StatusOK, get(t, p, "/", "X-Deny", "0").Code, `"0" is false`)
}

func TestIfBlockHandlerAndTryFilesSurprise(t *testing.T) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("if handler")) })
	p := MustNew(quiet,
		Location("/", Return(200, "location"), If("$arg_a", inner), If("$arg_b", nil, AddHeader("X-B", "1"))),
	)
	assert.Equal(t, "if handler", get(t, p, "/?a=1").Body.String())
	rec := get(t, p, "/?a=1&b=1")
	assert.Equal(t, "location", rec.Body.String(), "the last true if wins, and it keeps the location's handler")
	assert.Equal(t, "1", rec.Header().Get("X-B"))
}

func TestSetAndMap(t *testing.T) {
	p := MustNew(quiet,
		Map("$http_user_agent", "$is_bot", []MapEntry{
			{"default", "0"}, {"~*bot", "1"}, {"curl", "tool"},
		}),
		Map("$host", "$site", []MapEntry{
			{".example.com", "example"}, {"*.test", "test"}, {"www.other.*", "other"}, {"default", "none"},
		}, "hostnames"),
		Map("$uri", "$section", []MapEntry{{`~^/(?<sec>[a-z]+)/`, "section-$sec"}}),
		Set("$greeting", "hi $arg_name"),
		Location("/", Return(200, "bot=$is_bot site=$site greeting=$greeting section=$section")),
	)
	req := httptest.NewRequest("GET", "/docs/x?name=ann", nil)
	req.Host = "www.example.com"
	req.Header.Set("User-Agent", "Googlebot/2.1")
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	assert.Equal(t, "bot=1 site=example greeting=hi ann section=section-docs", rec.Body.String())

	req = httptest.NewRequest("GET", "/", nil)
	req.Host = "a.b.test"
	req.Header.Set("User-Agent", "CURL")
	rec = httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	assert.Equal(t, "bot=tool site=test greeting=hi  section=", rec.Body.String(), "exact keys match case-insensitively")

	_, err := New(Set("uri", "x"))
	assert.ErrorContains(t, err, "invalid variable name")
	_, err = New(Set("$uri", "x"))
	assert.ErrorContains(t, err, "duplicate")
	_, err = New(Map("$a", "$m", nil), Map("$b", "$m", nil))
	require.Error(t, err)
}

func TestServerLevelReturnAndIf(t *testing.T) {
	p := MustNew(quiet,
		If("$http_x_forwarded_proto != https", Return(301, "https://$host$request_uri")),
		Location("/", Return(200, "secure")),
	)
	rec := get(t, p, "/a?b=c")
	assert.Equal(t, http.StatusMovedPermanently, rec.Code)
	assert.Equal(t, "https://example.com/a?b=c", rec.Header().Get("Location"))
	assert.Equal(t, "secure", get(t, p, "/", "X-Forwarded-Proto", "https").Body.String())
}

// unescapeRedirect is ngx_unescape_uri with NGX_UNESCAPE_REDIRECT, byte
// for byte, malformed escapes included.
func TestUnescapeRedirect(t *testing.T) {
	for in, want := range map[string]string{
		"/plain":        "/plain",
		"/a%20b":        "/a%20b", // space stays escaped
		"/a%3Fb":        "/a?b",   // printable above '%': decoded
		"/%25":          "/%25",   // '%' itself is not above '%'
		"/%26":          "/&",
		"/%7e%7F":       "/~%7F",
		"/x?%41":        "/x?%41", // after a literal '?' nothing changes
		"/%3F%41":       "/?A",    // a decoded '?' does not stop it
		"/%zz":          "/zz",    // a bad first digit loses the '%'
		"/%4z":          "/",      // a bad second digit loses both
		"/end%":         "/end",
		"/end%4":        "/end",
		"/%0a%C3%A9ok!": "/%0a%C3%A9ok!",
	} {
		assert.Equal(t, want, unescapeRedirect(in), in)
	}
}

// A named capture is a variable of its own: later matches of other
// regexes leave it, while $1 follows the last match, and a rewrite or if
// regex that does not match empties $1 (nginx's script engine), unlike a
// location regex that does not match.
func TestCaptureLifetimes(t *testing.T) {
	p := MustNew(quiet,
		Location("~ ^/(?<first>[a-z]+)/(\\d+)$", Return(200, "first=$first one=$1 two=$2"),
			If(`$arg_x ~ ^(\w)`, nil),
		),
		Location("~ ^/(?<first>[a-z]+)/(\\d+)/$", Return(200, "first=$first one=$1 two=$2")),
	)
	assert.Equal(t, "first=ab one=ab two=12", get(t, p, "/ab/12/").Body.String(), "the second regex location matched")
	assert.Equal(t, "first=ab one=q two=", get(t, p, "/ab/12?x=q").Body.String())
	assert.Equal(t, "first=ab one= two=", get(t, p, "/ab/12?x=-").Body.String())
}
