package frontdesktest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/frontdesktest"
)

// A configuration's upstream is sent to a test server; the explanation
// says how the request was served.
func ExampleOpen() {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "app saw %s %s, Host %s\n", r.Method, r.URL, r.Host)
	}))
	defer app.Close()

	n, err := frontdesktest.Open(frontdesktest.Config{
		Text: `
events {}
http {
    upstream django { server django:8000; }
    server {
        listen 80;
        server_name example.com;
        location / {
            proxy_set_header Host $host;
            proxy_pass http://django;
        }
    }
}`,
		Backends: map[string]string{"django:8000": app.Listener.Addr().String()},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer n.Close()

	req, _ := http.NewRequest("GET", "http://example.com/polls/?page=2", nil)
	res, ex, err := n.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(res.Body)
	fmt.Print(string(body))
	fmt.Println(ex.Server, ex.Location, ex.Status, ex.Upstream[0].Upstream, ex.Upstream[0].Status)
	// Output:
	// app saw GET /polls/?page=2, Host example.com
	// example.com / 200 django 200
}

// A configuration frontdesk cannot run is reported as the loader words
// it, with file:line.
func ExampleOpen_error() {
	_, err := frontdesktest.Open(frontdesktest.Config{Text: "events {}\nhttp {\n  server {\n    location / { proxy_pas http://app; }\n  }\n}\n"})
	fmt.Println(err)
	// Output:
	// unknown directive "proxy_pas" in nginx.conf:4
}

// The steps of an explanation say why a request ended where it did: here
// a legacy URL is rewritten, no file exists for it, and try_files hands
// it to the app's named location.
func ExampleExplanation() {
	n, err := frontdesktest.Open(frontdesktest.Config{
		Text: `
events {}
http {
    server {
        listen 80;
        root /srv/www;
        rewrite ^/blog/(\d+)$ /posts/$1 last;
        location ~ \.php$ { return 403; }
        location / { try_files $uri @app; }
        location @app { return 200 "app\n"; }
    }
}`,
		Paths: map[string]string{"/srv/www": "testdata"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer n.Close()
	req, _ := http.NewRequest("GET", "http://example.com/blog/42", nil)
	_, ex, err := n.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range ex.Steps {
		fmt.Println(s)
	}
	fmt.Println(ex.ServerMatch, "|", ex.Location, "|", ex.LocationMatch)
	// Output:
	// rewrite "rewrite ^/blog/(\\d+)$ /posts/$1 last" on "/blog/42": → "/posts/42"
	// location "/" for "/posts/42": longest prefix, no regex matched; regexes not matching: ["~ \\.php$"]
	// internal redirect by try_files: "/posts/42" → "@app" (in "/")
	// location "@app" for "/posts/42": named location
	// return 200 "app\n" (in "@app")
	// default server | @app | named location
}

// With a Clock, max_fails and fail_timeout run on the test's time: a
// server that failed stays out of rotation until the clock is moved past
// its fail_timeout, with no waiting.
func ExampleClock() {
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer flaky.Close()
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	defer good.Close()

	clock := frontdesktest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	n, err := frontdesktest.Open(frontdesktest.Config{
		Text: `
events {}
http {
    upstream app {
        server flaky:8000 max_fails=1 fail_timeout=10s;
        server good:8000;
    }
    server {
        listen 80;
        location / { proxy_next_upstream error http_500; proxy_pass http://app; }
    }
}`,
		Backends: map[string]string{"flaky:8000": flaky.Listener.Addr().String(), "good:8000": good.Listener.Addr().String()},
		Clock:    clock,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer n.Close()

	req, _ := http.NewRequest("GET", "http://localhost/", nil)
	_, ex, err := n.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("upstream_status:", ex.UpstreamStatus)
	available := func() bool {
		st, err := n.Pool("app").State()
		return err == nil && st[0].Available
	}
	fmt.Println("flaky available:", available())
	clock.Advance(5 * time.Second)
	fmt.Println("after 5s:", available())
	// nginx counts whole seconds, so 10s have surely passed at 11s.
	clock.Advance(6 * time.Second)
	fmt.Println("after 11s:", available())
	// Output:
	// upstream_status: 500, 200
	// flaky available: false
	// after 5s: false
	// after 11s: true
}

// RemoteAddrHeader makes a request come from an address of the test's
// choosing, so that allow and deny (or set_real_ip_from) can be tested
// from loopback.
func ExampleRemoteAddrHeader() {
	admin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "welcome %s\n", r.Header.Get("X-Real-IP"))
	}))
	defer admin.Close()

	// allow and deny run in nginx's access phase, after the rewrite
	// phase: a "return" here would answer before them.
	n, err := frontdesktest.Open(frontdesktest.Config{
		Text: `
events {}
http {
    server {
        listen 80;
        location /admin/ {
            allow 10.0.0.0/8;
            deny all;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_pass http://admin:8000;
        }
    }
}`,
		Backends: map[string]string{"admin:8000": admin.Listener.Addr().String()},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer n.Close()

	for _, ip := range []string{"10.1.2.3", "203.0.113.7"} {
		req, _ := http.NewRequest("GET", "http://localhost/admin/", nil)
		req.Header.Set(frontdesktest.RemoteAddrHeader, ip)
		res, _, err := n.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			body = []byte(http.StatusText(res.StatusCode) + "\n")
		}
		fmt.Printf("%s: %d %s", ip, res.StatusCode, body)
	}
	// Output:
	// 10.1.2.3: 200 welcome 10.1.2.3
	// 203.0.113.7: 403 Forbidden
}

// AccessLogs are the lines each access_log in force would have written
// for the request, in its log_format, so a test can check what operators
// will see without reading files.
func ExampleExplanation_accessLogs() {
	n, err := frontdesktest.Open(frontdesktest.Config{Text: `
events {}
http {
    log_format short '$remote_addr "$request" $status $body_bytes_sent "$http_user_agent"';
    access_log /var/log/nginx/access.log short;
    server {
        listen 80;
        location /health { access_log off; return 204; }
        location / {
            access_log /var/log/nginx/app.log short;
            return 200 "hi\n";
        }
    }
}`})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer n.Close()

	for _, path := range []string{"/hello?x=1", "/health"} {
		req, _ := http.NewRequest("GET", "http://localhost"+path, nil)
		req.Header.Set("User-Agent", "example/1.0")
		req.Header.Set(frontdesktest.RemoteAddrHeader, "192.0.2.10")
		_, ex, err := n.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(path, len(ex.AccessLogs), "line(s)")
		for _, l := range ex.AccessLogs {
			fmt.Println(" ", l.Path+":", l.Line)
		}
	}
	// Output:
	// /hello?x=1 1 line(s)
	//   /var/log/nginx/app.log: 192.0.2.10 "GET /hello?x=1 HTTP/1.1" 200 3 "example/1.0"
	// /health 0 line(s)
}

// Certificate gives a test the files a TLS server block names, so the
// configuration runs unchanged: here its certificate directory is
// mapped to the test's. The function is a test; it is not run here.
func ExampleCertificate() {
	testHTTPS := func(t *testing.T) {
		certs := t.TempDir()
		frontdesktest.Certificate(t, certs, "example.com")
		n := frontdesktest.Start(t, frontdesktest.Config{
			Text: `
events {}
http {
    server {
        listen 443 ssl;
        server_name example.com;
        ssl_certificate /etc/letsencrypt/live/example.com/fullchain.pem;
        ssl_certificate_key /etc/letsencrypt/live/example.com/privkey.pem;
        location / { return 200 "$scheme\n"; }
    }
}`,
			Paths: map[string]string{"/etc/letsencrypt/live/example.com": certs},
		})
		// Client trusts the certificate and sends https:// URLs to the
		// 443 listener.
		if res := n.Get(t, "https://example.com/"); res.Body != "https\n" {
			t.Errorf("got %q; want https", res.Body)
		}
	}
	_ = testHTTPS
}
