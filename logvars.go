package frontdesk

// Variables of nginx's log module and of the request line that an access
// log needs ($request, $remote_user, $body_bytes_sent), so that
// cmd/frontdesk can write nginx's "combined" format through [Observe].

import (
	"net/http"
	"strconv"
)

func registerLogVariables(vars map[string]varGetter) {
	// $request is the request line as the client sent it; net/http keeps
	// its three parts, with the target unparsed in RequestURI.
	vars["request"] = func(st *reqState, _ string, d []byte) []byte {
		d = append(d, st.r.Method...)
		d = append(d, ' ')
		d = append(d, st.r.RequestURI...)
		d = append(d, ' ')
		return append(d, st.r.Proto...)
	}
	// $remote_user is the user name of Basic authentication, whether or
	// not anything checked it (ngx_http_variable_remote_user).
	vars["remote_user"] = func(st *reqState, _ string, d []byte) []byte {
		u, _, _ := st.r.BasicAuth()
		return append(d, u...)
	}
	// $body_bytes_sent counts the response body only. net/http reports a
	// HEAD response's body writes as written though it discards them;
	// nginx sends none and counts 0.
	vars["body_bytes_sent"] = func(st *reqState, _ string, d []byte) []byte {
		if st.w == nil || st.r.Method == http.MethodHead {
			return append(d, '0')
		}
		return strconv.AppendInt(d, st.w.bytes, 10)
	}
}
