package zzprobe

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
)

// backend records raw bytes read until idle for 200ms or close, then answers.
func backend(t *testing.T) (string, chan string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan string, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var all []byte
				buf := make([]byte, 65536)
				for {
					c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
					n, err := c.Read(buf)
					all = append(all, buf[:n]...)
					if err != nil {
						break
					}
				}
				ch <- string(all)
				c.Write([]byte("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"))
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), ch
}

func TestProbe(t *testing.T) {
	conf, _ := os.ReadFile(os.Getenv("PROBE_CONF"))
	reqs, _ := os.ReadFile(os.Getenv("PROBE_REQS"))
	addr, ch := backend(t)
	c := strings.ReplaceAll(string(conf), "{{BACKEND}}", addr)
	srv := nginxtest.Start(t, c)
	for _, r := range strings.Split(string(reqs), "\n====\n") {
		if strings.TrimSpace(r) == "" {
			continue
		}
		r = strings.ReplaceAll(strings.TrimLeft(r, "\n"), "\n", "\r\n")
		r = strings.ReplaceAll(r, "\\0", "")
		resp, err := rawhttp.Do(context.Background(), srv.Addr, []byte(r))
		fmt.Printf("REQ %q\n", r)
		if err != nil {
			fmt.Println("ERR", err)
		}
		if resp != nil {
			for _, i := range resp.Interim {
				fmt.Printf("  interim %s\n", i.StatusLine)
			}
			fmt.Printf("  RESP %s body=%q\n", resp.StatusLine, resp.Body)
		}
		select {
		case up := <-ch:
			fmt.Printf("  UP %q\n", up)
		case <-time.After(600 * time.Millisecond):
			fmt.Println("  UP none")
		}
	}
	_ = bufio.NewReader
}
