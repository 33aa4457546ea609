package frontdesk_test

// open_file_cache against nginx: what a cache changes is when a file
// replaced on disk is seen. Each exchange puts a file in place, asks for
// it on one keep-alive connection, replaces it (a new file renamed over
// the old, as a deploy does) and asks again. Without a cache both
// servers serve the new file at once; with one they keep serving the
// file they opened, with its size, for open_file_cache_valid (60 s here,
// far longer than the test). That the new file is seen after the valid
// period is tested on an injected clock in openfilecache_test.go.

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
)

func TestConformanceStaticOpenFileCache(t *testing.T) {
	// dataDirs holds each case's data directory, which Setup learns.
	var mu sync.Mutex
	dataDirs := map[string]string{}
	remember := func(name string) func(testing.TB, string) {
		return func(_ testing.TB, dir string) {
			mu.Lock()
			dataDirs[name] = dir
			mu.Unlock()
		}
	}
	dirOf := func(name string) string {
		mu.Lock()
		defer mu.Unlock()
		return dataDirs[name]
	}
	// put replaces a file as a deploy does; remove deletes it.
	put := func(content string) func(string) error {
		return func(path string) error {
			if err := os.WriteFile(path+".new", []byte(content), 0o644); err != nil {
				return err
			}
			return os.Rename(path+".new", path)
		}
	}
	remove := func(path string) error {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	// exchange does first to the file, asks for it, does then, and asks
	// again on the same connection: its transcript is the two answers.
	exchange := func(caseName, target, file string, first, then func(string) error) func(net.Conn) string {
		return func(c net.Conn) string {
			path := filepath.Join(dirOf(caseName), file)
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(c)
			get := func() string {
				if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", target); err != nil {
					return err.Error()
				}
				r, err := rawhttp.ReadResponse(br, "GET")
				if err != nil {
					return err.Error()
				}
				return fmt.Sprintf("%d %s %q", r.Status, r.Get("Content-Length"), r.Body)
			}
			var out []string
			for _, step := range []func() string{
				func() string { return errString(first(path)) },
				get,
				func() string { return errString(then(path)) },
				get,
			} {
				if s := step(); s != "" {
					out = append(out, s)
				}
			}
			return strings.Join(out, " | ")
		}
	}
	replaced := func(caseName, target, file string) func(net.Conn) string {
		return exchange(caseName, target, file, put("first version\n"), put("second, longer version\n"))
	}
	created := func(caseName, target, file string) func(net.Conn) string {
		return exchange(caseName, target, file, remove, put("created\n"))
	}
	cases := []conformance.Case{
		{
			Name:  "off",
			Conf:  `server { listen 127.0.0.1:{{PORT}}; location / { root {{DIR}}; } }`,
			Files: map[string]string{"f.txt": "x"},
			Setup: remember("off"),
			Requests: []conformance.Request{
				{Name: "replaced file seen at once", Exchange: replaced("off", "/f.txt", "f.txt")},
			},
		},
		{
			Name: "on",
			Conf: `open_file_cache max=10 inactive=60s;
				server { listen 127.0.0.1:{{PORT}};
					location / { root {{DIR}}; }
					location /off/ { alias {{DIR}}/; open_file_cache off; }
				}`,
			Files: map[string]string{"f.txt": "x", "g.txt": "x"},
			Setup: remember("on"),
			Requests: []conformance.Request{
				{Name: "replaced file served from the open descriptor", Exchange: replaced("on", "/f.txt", "f.txt")},
				{Name: "off in a location", Exchange: replaced("on", "/off/g.txt", "g.txt")},
				{Name: "missing file not cached", Exchange: created("on", "/h.txt", "h.txt")},
			},
		},
		{
			Name: "errors",
			Conf: `server { listen 127.0.0.1:{{PORT}};
					open_file_cache max=10; open_file_cache_errors on;
					location / { root {{DIR}}; }
				}`,
			Files: map[string]string{"f.txt": "x"},
			Setup: remember("errors"),
			Requests: []conformance.Request{
				{Name: "missing file cached", Exchange: created("errors", "/h.txt", "h.txt")},
				{Name: "replaced file", Exchange: replaced("errors", "/f.txt", "f.txt")},
			},
		},
	}
	conformance.Run(t, cases)
}

func errString(err error) string {
	if err != nil {
		return err.Error()
	}
	return ""
}
