package main

// The access log variables only the server knows, not the library:
// nginx's connection serial number ($connection), the requests served on
// the connection so far ($connection_requests) and the time since the
// request began ($request_time).

import (
	"context"
	"fmt"
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

// serverVariables are the names of these variables.
var serverVariables = map[string]bool{"connection": true, "connection_requests": true, "request_time": true}

// serverVariable is the value of one of these variables for r at now
// ("" when the request was not counted); ok false for any other name.
func serverVariable(r *http.Request, name string, now time.Time) (v string, ok bool) {
	if !serverVariables[name] {
		return "", false
	}
	ri, _ := r.Context().Value(reqKey{}).(*reqInfo)
	if ri == nil {
		return "", true
	}
	switch name {
	case "connection":
		return strconv.FormatUint(ri.conn.serial, 10), true
	case "connection_requests":
		return strconv.FormatInt(ri.number, 10), true
	case "request_time":
		ms := max(now.Sub(ri.start).Milliseconds(), 0)
		return fmt.Sprintf("%d.%03d", ms/1000, ms%1000), true
	}
	return "", false
}
