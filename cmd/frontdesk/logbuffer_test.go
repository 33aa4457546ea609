package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/nginxparity"
	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeTimers stands in for time.AfterFunc: the test fires the timers.
type fakeTimers struct {
	pending []func()
	delays  []time.Duration
}

func (ft *fakeTimers) after(d time.Duration, f func()) func() bool {
	i := len(ft.pending)
	ft.pending, ft.delays = append(ft.pending, f), append(ft.delays, d)
	return func() bool {
		stopped := ft.pending[i] != nil
		ft.pending[i] = nil
		return stopped
	}
}

// fire runs the timers started and not stopped.
func (ft *fakeTimers) fire() {
	for i, f := range ft.pending {
		if f != nil {
			ft.pending[i] = nil
			f()
		}
	}
}

func bufferedLog(t *testing.T, size int, flush time.Duration, level int) (*logFile, *fakeTimers, string) {
	path := filepath.Join(t.TempDir(), "access.log")
	f, err := openLogFile(path)
	require.NoError(t, err)
	f.buf = newLogBuffer(size, flush, level)
	ft := &fakeTimers{}
	f.buf.after = ft.after
	t.Cleanup(f.close)
	return f, ft, path
}

// TestLogBufferWritesWhenFullOrFlushed: lines reach the file only when
// the next does not fit, when the flush timer started by the first line
// fires, or when the file is closed; a line longer than the buffer is
// written at once, after what was buffered.
func TestLogBufferWritesWhenFullOrFlushed(t *testing.T) {
	f, ft, path := bufferedLog(t, 16, 5*time.Second, 0)
	f.write([]byte("aaaaaa\n"))
	f.write([]byte("bbbbbb\n"))
	assert.Empty(t, readFile(path), "buffered")
	assert.Equal(t, []time.Duration{5 * time.Second}, ft.delays, "one timer, started by the first line")

	f.write([]byte("cccccc\n")) // does not fit: the first two go out
	assert.Equal(t, "aaaaaa\nbbbbbb\n", readFile(path))
	assert.Len(t, ft.delays, 2, "a timer for the line starting the emptied buffer")

	ft.fire()
	assert.Equal(t, "aaaaaa\nbbbbbb\ncccccc\n", readFile(path), "flush= time passed")

	f.write([]byte("dd\n"))
	f.write([]byte(strings.Repeat("e", 20) + "\n"))
	assert.Equal(t, "aaaaaa\nbbbbbb\ncccccc\ndd\n"+strings.Repeat("e", 20)+"\n", readFile(path), "a line longer than the buffer")

	f.write([]byte("ff\n"))
	f.close()
	assert.True(t, strings.HasSuffix(readFile(path), "\nff\n"), "written on close (exit, reload)")
	ft.fire() // a timer that fires after: nothing twice
	assert.Equal(t, 1, strings.Count(readFile(path), "ff\n"))
}

// TestLogBufferReopen: USR1 writes the buffer to the file it was meant
// for (renamed by logrotate) before opening the path again.
func TestLogBufferReopen(t *testing.T) {
	f, _, path := bufferedLog(t, 1024, 0, 0)
	f.write([]byte("old\n"))
	require.NoError(t, os.Rename(path, path+".1"))
	require.NoError(t, f.reopen())
	f.write([]byte("new\n"))
	assert.Equal(t, "old\n", readFile(path+".1"))
	assert.Empty(t, readFile(path))
	f.close()
	assert.Equal(t, "new\n", readFile(path))
}

// TestLogBufferGzip: with gzip=, each buffer written is a gzip member of
// its own, and the file reads back as the lines (zcat).
func TestLogBufferGzip(t *testing.T) {
	f, ft, path := bufferedLog(t, 64, time.Second, 1)
	f.write([]byte("one\n"))
	ft.fire()
	f.write([]byte("two\n"))
	f.close()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, 2, bytes.Count(raw, []byte{0x1f, 0x8b, 8}), "two members")
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	require.NoError(t, err)
	text, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Equal(t, "one\ntwo\n", string(text))
}

// TestBufferedAccessLogMatchesNginx runs nginx and the binary with a
// buffered access log whose flush time the test does not reach: lines
// wait in the buffer while serving, USR1 writes them out before the log
// is reopened, and exit (TERM) writes the rest; none is lost. A second,
// unbuffered log in the same location shows when lines were logged.
func TestBufferedAccessLogMatchesNginx(t *testing.T) {
	const body = `
    log_format short '$request_uri $status';
    server {
        listen 127.0.0.1:{{PORT}};
        access_log buffered.log short buffer=64k flush=1h;
        access_log plain.log short;
        location / { return 200 "hi\n"; }
    }`
	run := func(opts nginxtest.Options) (beforeUSR1, afterUSR1, atExit string) {
		s := nginxtest.StartWith(t, body, opts)
		path := filepath.Join(s.Dir, "buffered.log")
		send := func(uris ...string) {
			for _, u := range uris {
				_, err := get("http://" + s.Addr + u)
				require.NoError(t, err)
			}
		}
		send("/1", "/2")
		// The unbuffered log shows that the lines were logged.
		eventually(t, "the unbuffered log's lines", func() bool {
			return strings.Count(readFile(filepath.Join(s.Dir, "plain.log")), "\n") == 2
		})
		beforeUSR1 = readFile(path)
		require.NoError(t, syscall.Kill(waitPid(t, filepath.Join(s.Dir, "nginx.pid")), syscall.SIGUSR1))
		eventually(t, "the buffer written on USR1", func() bool { return readFile(path) != "" })
		afterUSR1 = readFile(path)
		send("/3")
		require.NoError(t, s.Stop())
		return beforeUSR1, afterUSR1, readFile(path)
	}
	data := t.TempDir()
	ngBefore, ngUSR1, ngExit := run(nginxtest.Options{Dir: t.TempDir(), DataDir: data})
	fdBefore, fdUSR1, fdExit := run(nginxtest.Options{
		Binary: os.Args[0], PidReady: true, Dir: t.TempDir(), DataDir: data,
		Env: []string{mainEnv + "=1", "GORACE=atexit_sleep_ms=0"},
	})
	assert.Equal(t, []string{"", "/1 200\n/2 200\n", "/1 200\n/2 200\n/3 200\n"}, []string{ngBefore, ngUSR1, ngExit}, "nginx")
	assert.Equal(t, []string{ngBefore, ngUSR1, ngExit}, []string{fdBefore, fdUSR1, fdExit}, "frontdesk")
}

// TestBufferParametersMatchNginx: `-t` refuses the access_log buffering
// parameters nginx refuses, with nginx's message and exit status (the
// binary's access log reader checks them, not the loader).
func TestBufferParametersMatchNginx(t *testing.T) {
	nginxtest.Require(t)
	bin, _ := nginxtest.Binary()
	for _, conf := range []string{
		"access_log a.log combined flush=1s;",
		"access_log a.log combined buffer=x;",
		"access_log a.log combined buffer=4k flush=x;",
		"access_log a.log combined gzip=10;",
		"access_log a.log combined buffer=4k;\naccess_log a.log combined buffer=8k;",
		"access_log a.log combined gzip=3;\naccess_log a.log combined buffer=64k;",
		"access_log a$host.log combined buffer=4k;",
	} {
		t.Run(conf, func(t *testing.T) {
			run := func(bin string) result {
				dir := t.TempDir()
				path, err := nginxparity.Case{Conf: nginxparity.HTTP(conf)}.Write(dir)
				require.NoError(t, err)
				r := runBinary(t, bin, "-t", "-p", dir+"/", "-c", path, "-e", filepath.Join(dir, "error.log"))
				r.stderr = normalise(r.stderr, dir)
				return r
			}
			ng, fd := run(bin), run("")
			assert.Equal(t, 1, ng.code, ng.stderr)
			assert.Equal(t, ng, fd)
		})
	}
}
