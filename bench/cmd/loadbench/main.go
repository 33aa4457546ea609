// Command loadbench measures the frontdesk binary, the frontdesk library,
// nginx and httputil side by side on loopback (issue 10).
//
// Every server under test runs pinned to one core (-server-cpu, default 1);
// wrk (1 thread, 64 keep-alive connections), the two Go backends and this
// program run on the other (-load-cpu, default 0). Each round starts every
// server in turn (the order rotates between rounds), warms it up, runs each
// workload for -duration, and stops it; the table shows the median over the
// rounds of req/s, p99 latency (wrk --latency) and CPU time per request on
// the server core (utime+stime from /proc/PID/stat before and after, over
// the requests wrk completed). nginx is measured on its one worker process.
//
// The binary and nginx read the very same nginx.conf file (same port);
// the library path loads it with nginxconf; httputil is configured by hand
// to do the same.
//
//	go run ./cmd/loadbench                 # from bench/; see bench/run.sh
//	go run ./cmd/loadbench -rounds 1 -duration 2s -idle 1000
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "backend":
			backendMain(os.Args[2:])
			return
		case "lib":
			libMain(os.Args[2:])
			return
		case "httputil":
			httputilMain(os.Args[2:])
			return
		case "idle":
			idleMain(os.Args[2:])
			return
		}
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}
