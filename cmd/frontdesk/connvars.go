package main

// The access log variables only the server knows, not the library:
// nginx's connection serial number ($connection), the requests served on
// the connection so far ($connection_requests) and the time since the
// request began ($request_time).

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// connSerial numbers the accepted connections, as ngx_connection_counter.
var connSerial atomic.Uint64

type connKey struct{}
type reqKey struct{}

// connInfo is one client connection.
type connInfo struct {
	serial   uint64
	requests atomic.Int64
}

// reqInfo is one request on it.
type reqInfo struct {
	conn   *connInfo
	number int64 // $connection_requests
	start  time.Time
}

// withConnInfo is the servers' ConnContext: it numbers the connection.
func withConnInfo(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, &connInfo{serial: connSerial.Add(1)})
}

// withReqInfo counts r on its connection and notes when it began.
func withReqInfo(r *http.Request) *http.Request {
	ci, ok := r.Context().Value(connKey{}).(*connInfo)
	if !ok {
		return r
	}
	ri := &reqInfo{conn: ci, number: ci.requests.Add(1), start: time.Now()}
	return r.WithContext(context.WithValue(r.Context(), reqKey{}, ri))
}

// serverVariable is the value of one of these variables for r at now;
// ok false for any other name.
func serverVariable(r *http.Request, name string, now time.Time) (v string, ok bool) {
	ri, _ := r.Context().Value(reqKey{}).(*reqInfo)
	if ri == nil {
		return "", name == "connection" || name == "connection_requests" || name == "request_time"
	}
	switch name {
	case "connection":
		return strconv.FormatUint(ri.conn.serial, 10), true
	case "connection_requests":
		return strconv.FormatInt(ri.number, 10), true
	case "request_time":
		ms := max(now.Sub(ri.start).Milliseconds(), 0)
		return strconv.FormatInt(ms/1000, 10) + "." + pad3(ms%1000), true
	}
	return "", false
}

func pad3(n int64) string {
	s := strconv.FormatInt(n, 10)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}
