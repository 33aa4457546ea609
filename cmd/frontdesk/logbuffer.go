package main

// access_log's buffer=, flush= and gzip=, as ngx_http_log_module keeps
// them: the buffer is the file's, shared by every access_log naming it.

import (
	"bytes"
	"compress/gzip"
	"io"
	"time"
)

// logBuffer holds the lines of a buffered log file not yet written. Its
// logFile's mutex guards it.
type logBuffer struct {
	data  []byte // the lines, at most cap(data) bytes
	flush time.Duration
	gzip  int // compression level, 0 for none
	// after starts the flush timer (time.AfterFunc; tests replace it);
	// stop stops the armed one, nil when none is.
	after func(time.Duration, func()) (stop func() bool)
	stop  func() bool
	// armed counts the timers started, so that a timer which fired while
	// the buffer was being written by another path does nothing.
	armed uint64
}

func newLogBuffer(size int, flush time.Duration, level int) *logBuffer {
	return &logBuffer{
		data: make([]byte, 0, size), flush: flush, gzip: level,
		after: func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop },
	}
}

// add buffers line for w, as ngx_http_log_handler: the buffer is written
// first when the line does not fit, a line longer than the buffer is
// written on its own, and the flush timer starts with the first line of
// an empty buffer. timeout is what the timer calls (with the file's lock
// taken) for the generation it was started for.
func (b *logBuffer) add(w io.Writer, line []byte, timeout func(armed uint64)) {
	if len(line) > cap(b.data)-len(b.data) {
		b.write(w)
	}
	if len(line) > cap(b.data) {
		b.writeOut(w, line)
		return
	}
	if len(b.data) == 0 && b.flush > 0 {
		b.armed++
		armed := b.armed
		b.stop = b.after(b.flush, func() { timeout(armed) })
	}
	b.data = append(b.data, line...)
}

// expired is the flush timer of generation armed firing.
func (b *logBuffer) expired(w io.Writer, armed uint64) {
	if armed == b.armed {
		b.write(w)
	}
}

// write writes what the buffer holds and stops its timer.
func (b *logBuffer) write(w io.Writer) {
	if b.stop != nil {
		b.stop()
		b.stop = nil
	}
	b.armed++
	if len(b.data) > 0 {
		b.writeOut(w, b.data)
		b.data = b.data[:0]
	}
}

// writeOut writes p with one write, compressed to a gzip member of its
// own with gzip=, as nginx compresses each buffer it writes. Failures are
// ignored, as for every log write.
func (b *logBuffer) writeOut(w io.Writer, p []byte) {
	if b.gzip == 0 {
		_, _ = w.Write(p)
		return
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, b.gzip) // the level was checked when read
	_, _ = zw.Write(p)
	_ = zw.Close()
	_, _ = w.Write(z.Bytes())
}
