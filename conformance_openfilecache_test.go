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
	// replaced is the exchange: its transcript is the two answers.
	replaced := func(caseName, target, file string) func(net.Conn) string {
		return func(c net.Conn) string {
			path := filepath.Join(dirOf(caseName), file)
			put := func(content string) string {
				if err := os.WriteFile(path+".new", []byte(content), 0o644); err != nil {
					return err.Error()
				}
				if err := os.Rename(path+".new", path); err != nil {
					return err.Error()
				}
				return ""
			}
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
				func() string { return put("first version\n") },
				get,
				func() string { return put("second, longer version\n") },
				get,
			} {
				if s := step(); s != "" {
					out = append(out, s)
				}
			}
			return strings.Join(out, " | ")
		}
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
			},
		},
	}
	conformance.Run(t, cases)
}
