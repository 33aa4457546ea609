#!/usr/bin/env bash
# Load benchmark for issue 10: the frontdesk binary, the library, nginx and
# httputil side by side on loopback, pinned (server on core 1; wrk, the
# backends and the harness on core 0). Bounded: with the defaults about
# 4 minutes for the load table, 30 s for the idle-memory measurement;
# with -scale about 5 minutes.
#
#   bench/run.sh                          # defaults: 3 rounds x 5 s, 10,000 idle conns
#   bench/run.sh -rounds 1 -duration 2s   # any loadbench flag (go run ./cmd/loadbench -h)
#   bench/run.sh -profile 5               # also profile the binary (perf) and the library (pprof)
#   bench/run.sh -scale                   # locations, upstream peers, client connections: flat?
#   bench/run.sh -scale -profile 5        # ... and perf the binary at the base and its worst point
#
# Every process it starts is stopped on exit (loadbench stops them; the
# trap below stops loadbench itself on ^C).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v taskset >/dev/null || { echo "taskset (util-linux) is required" >&2; exit 1; }
[ -x /usr/sbin/nginx ] || { echo "nginx is required at /usr/sbin/nginx" >&2; exit 1; }
work=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
(cd "$root" && go build -o "$work/frontdesk" ./cmd/frontdesk)
(cd "$here" && go build -o "$work/loadbench" ./cmd/loadbench)
# loadbench raises RLIMIT_NOFILE to the hard limit for what it starts.
echo "command: bench/run.sh $*  (commit $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown))"
taskset -c 0 "$work/loadbench" -frontdesk "$work/frontdesk" "$@" &
pid=$!
wait "$pid"
