package frontdesk

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCompileTemplateErrors checks the configuration errors of nginx's
// script compiler; the messages are nginx's (checked with nginx -t).
func TestCompileTemplateErrors(t *testing.T) {
	tests := []struct {
		src      string
		contains string
	}{
		{"$nope", `unknown "nope" variable`},
		{"a $uri_x b", `unknown "uri_x" variable`},
		{"${uri", `the closing bracket in "uri" variable is missing`},
		{"${uri x}", `the closing bracket in "uri" variable is missing`},
		{"${ uri}", `the closing bracket in "" variable is missing`},
		{"$", "invalid variable name"},
		{"price 5$", "invalid variable name"},
		{"${", "invalid variable name"},
		{"${}", "invalid variable name"},
		{"$-x", "invalid variable name"},
		{"$$", "invalid variable name"},
		// Only "$1".."$9" are captures: "$0" and "${1}" are names.
		{"$0", `unknown "0" variable`},
		{"${1}", `unknown "1" variable`},
	}
	for _, tt := range tests {
		_, err := compileTemplate(tt.src, nil)
		assert.ErrorContainsf(t, err, tt.contains, "template %q", tt.src)
	}
}

func TestNewReportsTemplateErrors(t *testing.T) {
	_, err := New(quiet, Location("/", Return(200, "$nope")))
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "/", ce.Location)
	assert.Equal(t, "return", ce.Directive)
	assert.ErrorContains(t, err, `unknown "nope" variable`)
}

// TestCompileTemplateParts checks how a template is split: "$10" is
// capture 1 then "0", and "${name}" lets text follow a name.
func TestCompileTemplateParts(t *testing.T) {
	lit := func(s string) tpart { return tpart{lit: s, capture: -1} }
	capture := func(n int) tpart { return tpart{capture: n} }
	tests := []struct {
		src  string
		want []tpart // variables are compared by argument only
	}{
		{"plain", []tpart{lit("plain")}},
		{"$1", []tpart{capture(1)}},
		{"$10", []tpart{capture(1), lit("0")}},
		{"$1$2x", []tpart{capture(1), capture(2), lit("x")}},
		{"a${1x}", nil},
	}
	for _, tt := range tests {
		tmpl, err := compileTemplate(tt.src, nil)
		if tt.want == nil {
			assert.Errorf(t, err, "template %q", tt.src)
			continue
		}
		require.NoErrorf(t, err, "template %q", tt.src)
		assert.Equalf(t, tt.want, tmpl.parts, "template %q", tt.src)
	}

	tmpl, err := compileTemplate("${uri}text$uri.x${HTTP_X_A}-", nil)
	require.NoError(t, err)
	require.Len(t, tmpl.parts, 6)
	assert.NotNil(t, tmpl.parts[0].get)
	assert.Equal(t, "text", tmpl.parts[1].lit)
	assert.NotNil(t, tmpl.parts[2].get)
	assert.Equal(t, ".x", tmpl.parts[3].lit, `"." ends a name without brackets`)
	assert.Equal(t, "X-A", tmpl.parts[4].arg, "variable names are case-insensitive")
}

// TestTemplateExpand runs templates through a Proxy, with the captures of
// a real location match.
func TestTemplateExpand(t *testing.T) {
	p := MustNew(quiet,
		Location(`~ ^/(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)/(?<name>\w+)$`,
			Return(200, "$1|$10|$9|${uri}text|$1x|$name|${name}s|$NAME|${Uri}")),
		Location("/", Return(200, "[$1][$name][${args}x]")),
	)
	tests := []struct{ target, want string }{
		{"/abcdefghij/n", "a|a0|i|/abcdefghij/ntext|ax|n|ns|n|/abcdefghij/n"},
		{"/plain?q=1", "[][][q=1x]"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest("GET", tt.target, nil))
		assert.Equalf(t, tt.want, rec.Body.String(), "GET %s", tt.target)
	}
}

func TestFindArg(t *testing.T) {
	tests := []struct {
		args, name, want string
		ok               bool
	}{
		{"a=1&b=2", "b", "2", true},
		{"A=1", "a", "1", true},
		{"a&a=2", "a", "2", true}, // "a" without "=" is not an argument
		{"ab=1&a=2", "a", "2", true},
		{"x=a=1", "a", "", false},
		{"a==1", "a", "=1", true},
		{"a=", "a", "", true},
		{"", "a", "", false},
	}
	for _, tt := range tests {
		v, ok := findArg(tt.args, tt.name)
		assert.Equalf(t, tt.ok, ok, "args %q name %q", tt.args, tt.name)
		assert.Equalf(t, tt.want, v, "args %q name %q", tt.args, tt.name)
	}
}

// TestFindCookie pins nginx 1.22's cookie parsing quirks, each checked
// against nginx by the "headers" conformance case.
func TestFindCookie(t *testing.T) {
	tests := []struct {
		header, name, want string
		ok                 bool
	}{
		{"a=1; b=2", "b", "2", true},
		{"a = spaced ; b= 2 ", "a", "spaced ", true},
		{"a = spaced ; b= 2 ", "b", "2 ", true},
		{"x=1, a=2,b=3", "a", "2,b=3", true}, // "," separates, only ";" ends a value
		{"x=1, a=2,b=3", "b", "3", true},
		{"a;b=1", "b", "1", true},
		{"a;a=1", "a", "", false}, // the ";" after the first "a" is skipped with it
		{"ab=1; a=2", "a", "2", true},
		{"B=3", "b", "3", true},
		{"a=", "a", "", true},
		{"a", "a", "", false},
	}
	for _, tt := range tests {
		v, ok := findCookie(tt.header, tt.name)
		assert.Equalf(t, tt.ok, ok, "cookie %q name %q", tt.header, tt.name)
		assert.Equalf(t, tt.want, v, "cookie %q name %q", tt.header, tt.name)
	}
}

// serverUnderTest is frontdesk or nginx serving one configuration, for the
// variables whose values cannot be compared between the two (times,
// request ids, client ports) but whose format and meaning can be checked
// on each.
type serverUnderTest struct {
	name string
	addr string
}

// bothServers starts frontdesk with opts and, when nginx is installed,
// nginx with conf (the same configuration in nginx.conf syntax).
func bothServers(t *testing.T, conf string, opts ...Option) []serverUnderTest {
	t.Helper()
	srv := httptest.NewServer(MustNew(append([]Option{quiet}, opts...)...))
	t.Cleanup(srv.Close)
	servers := []serverUnderTest{{"frontdesk", srv.Listener.Addr().String()}}
	if _, ok := nginxtest.Binary(); ok {
		ng := nginxtest.Start(t, conf)
		servers = append(servers, serverUnderTest{"nginx", ng.Addr})
	} else {
		nginxtest.Require(t) // fails instead when nginx is required
	}
	return servers
}

func fetch(t *testing.T, addr, target string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := rawhttp.Do(ctx, addr, rawhttp.Request("GET", target))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.Status)
	return string(resp.Body)
}

// TestTimeVariables checks the formats of $msec, $time_iso8601 and
// $time_local on both servers, and that they tell the time of the
// request.
func TestTimeVariables(t *testing.T) {
	const text = "$msec|$time_iso8601|$time_local"
	servers := bothServers(t, `server { listen 127.0.0.1:{{PORT}}; location / { return 200 "`+text+`"; } }`,
		Location("/", Return(200, text)))
	re := regexp.MustCompile(`^(\d+)\.(\d{3})\|(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d)\|(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})$`)
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			before := time.Now().Truncate(time.Second)
			body := fetch(t, s.addr, "/")
			after := time.Now()
			m := re.FindStringSubmatch(body)
			require.NotNilf(t, m, "body %q", body)
			sec, _ := strconv.ParseInt(m[1], 10, 64)
			ms, _ := strconv.Atoi(m[2])
			msec := time.Unix(sec, int64(ms)*int64(time.Millisecond))
			iso, err := time.Parse("2006-01-02T15:04:05-07:00", m[3])
			require.NoError(t, err)
			local, err := time.Parse("02/Jan/2006:15:04:05 -0700", m[4])
			require.NoError(t, err)
			for _, got := range []time.Time{msec, iso, local} {
				assert.Falsef(t, got.Before(before) || got.After(after), "%v not within [%v, %v]", got, before, after)
			}
			_, offset := time.Now().Zone()
			_, isoOffset := iso.Zone()
			assert.Equal(t, offset, isoOffset, "local time, as nginx writes it")
		})
	}
}

// TestRequestID checks $request_id: 32 lower-case hex digits, the same
// throughout one request, new for the next.
func TestRequestID(t *testing.T) {
	const text = "$request_id $request_id"
	servers := bothServers(t, `server { listen 127.0.0.1:{{PORT}}; location / { return 200 "`+text+`"; } }`,
		Location("/", Return(200, text)))
	re := regexp.MustCompile(`^([0-9a-f]{32}) ([0-9a-f]{32})$`)
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			first := re.FindStringSubmatch(fetch(t, s.addr, "/"))
			second := re.FindStringSubmatch(fetch(t, s.addr, "/"))
			require.NotNil(t, first)
			require.NotNil(t, second)
			assert.Equal(t, first[1], first[2], "one id per request")
			assert.NotEqual(t, first[1], second[1], "a new id for each request")
		})
	}
}

// TestRemotePort checks $remote_port against the client's own port, and
// $server_port against the port it connected to.
func TestRemotePort(t *testing.T) {
	const text = "$remote_addr:$remote_port $server_addr:$server_port"
	servers := bothServers(t, `server { listen 127.0.0.1:{{PORT}}; location / { return 200 "`+text+`"; } }`,
		Location("/", Return(200, text)))
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			conn, err := rawhttp.Dial(context.Background(), s.addr)
			require.NoError(t, err)
			defer conn.Close()
			_, err = conn.Write(rawhttp.Request("GET", "/"))
			require.NoError(t, err)
			body, err := io.ReadAll(conn)
			require.NoError(t, err)
			_, got, ok := strings.Cut(string(body), "\r\n\r\n")
			require.True(t, ok)
			assert.Equal(t, fmt.Sprintf("%s %s", conn.LocalAddr(), conn.RemoteAddr()), got)
		})
	}
}

// BenchmarkTemplateExpand measures expanding a compiled template into a
// reused buffer: what every add_header, return and root costs per request.
func BenchmarkTemplateExpand(b *testing.B) {
	p := MustNew(quiet, Location(`~ ^/(?<section>[a-z]+)/(\d+)$`, nil))
	r := httptest.NewRequest("GET", "/news/42?page=3&sort=asc", nil)
	r.Header.Set("X-Request-Start", "t=1700000000")
	r.Header.Set("Cookie", "theme=dark; sid=abc123")
	st := newReqState(p.srv, httptest.NewRecorder(), r)
	defer st.release()
	st.target.RequestURI = r.RequestURI
	st.uri, st.args, st.hasArgs = "/news/42", "page=3&sort=asc", true
	p.srv.locations.find(st, st.uri)

	for _, bc := range []struct{ name, src, want string }{
		{"literal", "max-age=3600, public", "max-age=3600, public"},
		{"url", "$scheme://$host$request_uri", "http://example.com/news/42?page=3&sort=asc"},
		{"args-headers-cookies", "$arg_page|$arg_sort|$http_x_request_start|$cookie_sid", "3|asc|t=1700000000|abc123"},
		{"captures", "/s/$section/$2.html", "/s/news/42.html"},
	} {
		tmpl, err := compileTemplate(bc.src, &varScope{captures: map[string]bool{"section": true}})
		require.NoError(b, err)
		require.Equal(b, bc.want, string(tmpl.expand(st, nil)))
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				buf = tmpl.expand(st, buf[:0])
			}
		})
	}
}
