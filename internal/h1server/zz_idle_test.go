package h1server_test

import (
	"bufio"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/h1server"
)

func TestZZIdleMem(t *testing.T) {
	runtime.MemProfileRate = 1
	parked := make(chan struct{}, 20000)
	srv := &h1server.Server{Handler: okHandler}
	h1server.SetParking(srv, 20*time.Millisecond, func() { parked <- struct{}{} })
	addr := serve(t, srv)
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	const n = 3000
	conns := make([]net.Conn, 0, n)
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		for {
			l, _ := br.ReadString('\n')
			if l == "\r\n" {
				break
			}
		}
		io.ReadFull(br, make([]byte, 2))
		conns = append(conns, c)
	}
	for i := 0; i < n; i++ {
		<-parked
	}
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	t.Logf("heapinuse %d B/conn, stack %d B/conn, sys %d B/conn, goroutines %d", int64(ms1.HeapInuse-ms0.HeapInuse)/n, int64(ms1.StackInuse-ms0.StackInuse)/n, int64(ms1.Sys-ms0.Sys)/n, runtime.NumGoroutine())
	f, _ := os.Create("/tmp/idleheap.out")
	pprof.Lookup("heap").WriteTo(f, 0)
	f.Close()
	for _, c := range conns {
		c.Close()
	}
}
