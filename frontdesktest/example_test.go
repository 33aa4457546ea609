package frontdesktest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

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
