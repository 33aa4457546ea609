// Package frontdesktest runs a team's real nginx.conf in-process, inside
// `go test`, so that an integration test can ask "what does my app see
// behind nginx" without Docker, fixed ports or a daemon.
//
// [Start] loads the configuration with nginxconf, serves it with frontdesk
// on one ephemeral loopback listener per listen address, and stops it in
// t.Cleanup. The environment is substituted, never the configuration:
// upstream servers, proxy_pass addresses, unix sockets and service host
// names are sent to test backends, directories to fixtures, ${VAR}
// placeholders get values. A directive frontdesk cannot run fails the test
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
// explained: the listen address and server block that took it, the
// location, the final $uri, the status, each upstream try with its
// outcome, and the access-log line nginx's "combined" format would have
// written. [Explanation.String] is meant for failing tests.
//
// # Misbehaving backends
//
// [Refuse] is an address where connecting is refused; [Reset],
// [CloseBeforeHeaders], [Hang], [SlowHeaders], [SlowBody] and [Malformed]
// are raw TCP servers that fail the way production backends do; [Status]
// and [FailEvery] are handlers for [Serve]. All are stopped in t.Cleanup,
// and every connection is bounded in time.
package frontdesktest
