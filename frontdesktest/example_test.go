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
