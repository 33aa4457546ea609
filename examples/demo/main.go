// Command demo runs frontdesk on an embedded default configuration with no
// setup: it starts two loopback backends and a temporary static tree,
// mounts frontdesk in front of them, prints which location served each of
// a few requests, and exits. With -serve it keeps serving on a loopback
// address instead.
//
//	go run ./examples/demo
//	go run ./examples/demo -serve 127.0.0.1:8080
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/frontdesk-go/frontdesk"
)

func main() {
	serve := flag.String("serve", "", "keep serving on this loopback address (e.g. 127.0.0.1:8080)")
	flag.Parse()
	if err := run(*serve, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(serveAddr string, out io.Writer) error {
	served := make(chan string, 1)
	// Two application backends, as two gunicorn or node processes would be.
	var backends []frontdesk.Server
	for _, name := range []string{"app-1", "app-2"} {
		b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s got %s %s (X-Real-IP %s)\n", name, r.Method, r.URL.RequestURI(), r.Header.Get("X-Real-IP"))
		}))
		defer b.Close()
		backends = append(backends, frontdesk.Server{Addr: strings.TrimPrefix(b.URL, "http://")})
	}

	static, err := os.MkdirTemp("", "frontdesk-demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(static)
	files := map[string]string{
		"css/site.css": "body { margin: 0 }\n",
		"index.html":   "<h1>static index</h1>\n",
	}
	for name, body := range files {
		p := filepath.Join(static, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}

	app := frontdesk.Upstream("app", backends, frontdesk.Keepalive(16))
	p, err := frontdesk.New(
		app,
		frontdesk.ProxyHTTPVersion("1.1"),
		frontdesk.ProxySetHeader("Connection", ""),
		frontdesk.ProxySetHeader("Host", "$host"),
		frontdesk.ProxySetHeader("X-Real-IP", "$remote_addr"),
		frontdesk.Location("= /healthz", frontdesk.Return(200, "ok\n")),
		frontdesk.Location("^~ /static/", frontdesk.Static(static+"/", frontdesk.Expires("1h"))),
		frontdesk.Location("/api/", frontdesk.ProxyPass("http://app/v1/")),
		frontdesk.Location(`~ ^/old/(.*)$`, frontdesk.Return(301, "/new/$1")),
		frontdesk.Location("/", app),
		frontdesk.AddHeader("X-Served-By", "frontdesk"),
		frontdesk.Logger(slog.New(slog.DiscardHandler)),
		// Report which location served each request.
		frontdesk.Observe(func(info frontdesk.RequestInfo) {
			select {
			case served <- info.Location():
			default: // -serve mode: nobody is reading
			}
		}),
	)
	if err != nil {
		return err
	}
	defer p.Close()
	front := httptest.NewServer(p)
	defer front.Close()

	if serveAddr != "" {
		return serveUntilInterrupted(serveAddr, p, out)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, target := range []string{"/healthz", "/static/css/site.css", "/static/", "/api/users?id=7", "/api/users?id=8", "/old/page", "/about", "/static/../../etc/passwd"} {
		resp, err := client.Get(front.URL + target)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		first := strings.TrimSpace(strings.SplitN(string(body), "\n", 2)[0])
		if len(first) > 64 {
			first = first[:64] + "…"
		}
		if loc := resp.Header.Get("Location"); loc != "" {
			first = "Location: " + loc
		}
		fmt.Fprintf(out, "%-28s %d  location %-16q %s\n", target, resp.StatusCode, <-served, first)
	}
	return nil
}

func serveUntilInterrupted(addr string, h http.Handler, out io.Writer) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-serve wants a loopback address, got %q", addr)
	}
	srv := &http.Server{Addr: addr, Handler: h}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	fmt.Fprintf(out, "serving on http://%s (Ctrl-C stops)\n", addr)
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}
