// Package frontdesktest runs a team's real nginx.conf in-process, inside
// `go test`, so that an integration test can ask "what does my app see
// behind nginx" without Docker, fixed ports or a daemon.
//
// [Start] loads the configuration with nginxconf, serves it with frontdesk
// on one ephemeral loopback listener per listen address, and stops it in
// t.Cleanup. The environment is substituted, never the configuration:
// upstream servers, proxy_pass addresses, unix sockets and service host
// names are sent to test backends, directories to fixtures, ${VAR}
// placeholders get values, and a request may say which client address it
// comes from ([RemoteAddrHeader]). A directive frontdesk cannot run fails the test
// with the loader's message and file:line.
//
// # Example
//
//	func TestAppBehindNginx(t *testing.T) {
//		app := frontdesktest.Serve(t, myapp.Handler())
//		n := frontdesktest.Start(t, frontdesktest.Config{
//			File:     "deploy/nginx.conf",
//			Backends: map[string]string{"unix:/run/gunicorn.sock": app.Addr},
//			Paths:    map[string]string{"/srv/static": "testdata/static"},
//		})
//		res := n.Get(t, "http://example.com/api/me")
//		if got := app.Last().Header.Get("X-Forwarded-Proto"); got != "http" {
//			t.Errorf("got X-Forwarded-Proto %q; want http\n%s", got, res.Explanation)
//		}
//	}
//
// # Explanations
//
// Every request made through [Nginx.Do], [Nginx.Get] or [Nginx.Client] is
// explained: the listen address and server block that took it and why
// (exact name, wildcard, regex, default server), every location selected
// and the precedence step that chose it (=, ^~, first regex, longest
// prefix, named), each rewrite, return, set, if and break with the URI
// before and after, each internal redirect with its cause (try_files,
// error_page, index, X-Accel-Redirect), each upstream try with its
// outcome and the request the upstream received, the peers' state
// afterwards, and the access-log lines nginx would have written, in the
// configuration's log_format (the renderer of frontdesk's binary).
// [Explanation.String] is meant for failing tests.
//
// # Time
//
// [Config.Clock] gives the upstream blocks a [Clock] the test moves, so
// that max_fails and fail_timeout are tested without waiting.
//
// # Misbehaving backends
//
// [Refuse] is an address where connecting is refused; [Reset],
// [CloseBeforeHeaders], [Hang], [SlowHeaders], [SlowBody] and [Malformed]
// are raw TCP servers that fail the way production backends do; [Status]
// and [FailEvery] are handlers for [Serve]. All are stopped in t.Cleanup,
// and every connection is bounded in time. [Certificate] makes the
// certificate a configuration's "listen 443 ssl" server expects.
package frontdesktest
