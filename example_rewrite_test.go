package frontdesk_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/frontdesk-go/frontdesk"
)

// showHost sends a GET for target with the given Host header through h
// and prints the status, one response header and the body.
func showHost(h http.Handler, host, target, header string) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", target, nil)
	req.Host = host
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	line := fmt.Sprintf("%s%s -> %d", host, target, res.StatusCode)
	if header != "" {
		line += fmt.Sprintf(" %s=%q", header, res.Header.Get(header))
	}
	if len(body) > 0 && len(body) < 80 {
		line += fmt.Sprintf(" %q", body)
	}
	fmt.Println(line)
}

// Several server blocks, chosen by the Host header as nginx chooses them:
// an exact name, then the longest "*." wildcard, then the longest ".*"
// one, then regular expressions in order, else the default server. A
// request arriving on an address no server lists (as here, through
// httptest) is matched against every server.
func ExampleVirtualServer() {
	p := frontdesk.MustNew(
		frontdesk.VirtualServer(
			frontdesk.ServerName("example.com", "www.example.com"),
			frontdesk.Location("/", frontdesk.Return(200, "main site ($server_name)\n")),
		),
		frontdesk.VirtualServer(
			frontdesk.ServerName("*.example.com"),
			frontdesk.Location("/", frontdesk.Return(200, "wildcard for $host\n")),
		),
		frontdesk.VirtualServer(
			frontdesk.ServerName(`~^(?<user>[a-z]+)\.users\.test$`),
			frontdesk.Location("/", frontdesk.Return(200, "home of $user\n")),
		),
		frontdesk.VirtualServer(
			frontdesk.ServerName("_"),
			frontdesk.Listen("80", "default_server"),
			frontdesk.Location("/", frontdesk.Return(404, "no such site\n")),
		),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	defer p.Close()
	showHost(p, "www.example.com", "/", "")
	showHost(p, "API.Example.com:8080", "/", "")
	showHost(p, "alice.users.test", "/", "")
	showHost(p, "unknown.test", "/", "")
	// Output:
	// www.example.com/ -> 200 "main site (example.com)\n"
	// API.Example.com:8080/ -> 200 "wildcard for api.example.com\n"
	// alice.users.test/ -> 200 "home of alice\n"
	// unknown.test/ -> 404 "no such site\n"
}

// rewrite changes $uri: "last" selects the location again, "break" stays,
// "permanent" and "redirect" answer; a replacement ending in "?" drops the
// request's arguments.
func ExampleRewrite() {
	p := frontdesk.MustNew(
		frontdesk.Location("/old/", nil,
			frontdesk.Rewrite(`^/old/(.*)$`, "/new/$1", frontdesk.RewriteLast)),
		frontdesk.Location("/moved/", nil,
			frontdesk.Rewrite(`^/moved/(.*)$`, "/new/$1?", frontdesk.RewritePermanent)),
		frontdesk.Location("/new/", frontdesk.Return(200, "new: $uri args=$args\n")),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	defer p.Close()
	showHost(p, "example.com", "/old/page?x=1", "")
	showHost(p, "example.com", "/moved/page?x=1", "Location")
	// Output:
	// example.com/old/page?x=1 -> 200 "new: /new/page args=x=1\n"
	// example.com/moved/page?x=1 -> 301 Location="http://example.com/new/page"
}

// if in a location is nginx's nested location: when the condition holds,
// its directives apply, and a return inside it answers at once.
func ExampleIf() {
	p := frontdesk.MustNew(
		frontdesk.Location("/", frontdesk.Return(200, "welcome\n"),
			frontdesk.If(`$http_user_agent ~* (bot|crawler)`, frontdesk.Return(403, "no bots\n")),
			frontdesk.If(`$arg_debug`, nil, frontdesk.AddHeader("X-Debug", "on")),
		),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	defer p.Close()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("User-Agent", "GoodBot/1.0")
	p.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())
	showHost(p, "example.com", "/?debug=1", "X-Debug")
	showHost(p, "example.com", "/?debug=0", "X-Debug")
	// Output:
	// 403 no bots
	//
	// example.com/?debug=1 -> 200 X-Debug="on" "welcome\n"
	// example.com/?debug=0 -> 200 X-Debug="" "welcome\n"
}

// map computes a variable from another, lazily: exact keys (compared
// without case), regular expressions with captures, and a default.
func ExampleMap() {
	p := frontdesk.MustNew(
		frontdesk.Map("$http_upgrade", "$connection_upgrade", []frontdesk.MapEntry{
			{Key: "default", Value: "upgrade"},
			{Key: "", Value: "close"},
		}),
		frontdesk.Map("$uri", "$section", []frontdesk.MapEntry{
			{Key: "/", Value: "home"},
			{Key: `~^/docs/(?<page>[a-z]+)`, Value: "docs:$page"},
			{Key: "default", Value: "other"},
		}),
		frontdesk.Location("/", frontdesk.Return(200, "section=$section connection=$connection_upgrade\n")),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
	)
	defer p.Close()
	showHost(p, "example.com", "/", "")
	showHost(p, "example.com", "/docs/install", "")
	showHost(p, "example.com", "/blog", "")
	// Output:
	// example.com/ -> 200 "section=home connection=close\n"
	// example.com/docs/install -> 200 "section=docs:install connection=close\n"
	// example.com/blog -> 200 "section=other connection=close\n"
}
