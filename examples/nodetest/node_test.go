// Package nodetest shows a Node team (Express + Socket.IO on two
// instances) testing what their app sees behind their production nginx
// configuration (testdata/etc/nginx), WebSockets included, with
// frontdesktest. Go handlers stand in for the Node processes.
package nodetest

import (
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/net/websocket"

	"github.com/frontdesk-go/frontdesk/frontdesktest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs the production configuration with the two Node instances
// replaced by node1 and node2.
func start(t *testing.T, node1, node2 string) *frontdesktest.Nginx {
	certs := t.TempDir()
	frontdesktest.Certificate(t, certs, "chat.example.com")
	return frontdesktest.Start(t, frontdesktest.Config{
		File:      "/etc/nginx/nginx.conf",
		Upstreams: map[string][]string{"chat_nodes": {node1, node2}},
		Paths: map[string]string{
			"/etc/nginx":                             "testdata/etc/nginx",
			"/srv/chat/public":                       "testdata/public",
			"/etc/letsencrypt/live/chat.example.com": certs,
		},
	})
}

// chat is the Socket.IO stand-in: a WebSocket echo on /socket.io/, and a
// page elsewhere.
func chat() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", websocket.Handler(func(ws *websocket.Conn) {
		_, _ = io.Copy(ws, ws)
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "chat") })
	return mux
}

// A WebSocket goes through: the app sees the upgrade request with the
// client's address, host and scheme, and messages flow both ways.
func TestWebSocket(t *testing.T) {
	t.Parallel()
	node := frontdesktest.Serve(t, chat())
	n := start(t, node.Addr, node.Addr)

	conn, err := net.Dial("tcp", n.Addr("80"))
	require.NoError(t, err)
	cfg, err := websocket.NewConfig("ws://chat.example.com/socket.io/?EIO=4&transport=websocket", "http://chat.example.com")
	require.NoError(t, err)
	ws, err := websocket.NewClient(cfg, conn)
	require.NoError(t, err)
	for _, msg := range []string{"hello", "through nginx's configuration"} {
		require.NoError(t, websocket.Message.Send(ws, msg))
		var reply string
		require.NoError(t, websocket.Message.Receive(ws, &reply))
		assert.Equal(t, msg, reply)
	}
	require.NoError(t, ws.Close())

	got := node.Last()
	assert.Equal(t, "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1", got.Line)
	assert.Equal(t, "websocket", got.Header.Get("Upgrade"))
	assert.Equal(t, "upgrade", got.Header.Get("Connection"))
	assert.Equal(t, "chat.example.com", got.Host)
	assert.Equal(t, "127.0.0.1", got.Header.Get("X-Forwarded-For"))
	assert.Equal(t, "http", got.Header.Get("X-Forwarded-Proto"))
}

// Over HTTPS the app is told so; static files never reach Node.
func TestHTTPSAndStatic(t *testing.T) {
	t.Parallel()
	node := frontdesktest.Serve(t, chat())
	n := start(t, node.Addr, node.Addr)

	res := n.Request(t, "GET", "https://chat.example.com/rooms", http.Header{"X-Forwarded-For": {"192.0.2.10"}}, nil)
	require.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
	got := node.Last()
	assert.Equal(t, "https", got.Header.Get("X-Forwarded-Proto"))
	assert.Equal(t, "192.0.2.10, 127.0.0.1", got.Header.Get("X-Forwarded-For"))
	assert.Equal(t, "127.0.0.1", got.Header.Get("X-Real-IP"))
	assert.Equal(t, "GET /rooms HTTP/1.1", got.Line, "proxy_http_version 1.1")

	res = n.Get(t, "https://chat.example.com/static/app.css")
	assert.Equal(t, "body { color: teal }\n", res.Body, res.Explanation.String())
	assert.Equal(t, "max-age=604800", res.Header.Get("Cache-Control"))
	assert.Len(t, node.Requests(), 1, "only /rooms reached Node")
}

// ip_hash keeps a client on one instance; when that one dies the other
// takes over, and with both dead the client gets 502.
func TestStickyFailover(t *testing.T) {
	t.Parallel()
	node1, node2 := frontdesktest.Serve(t, chat()), frontdesktest.Serve(t, chat())
	n := start(t, node1.Addr, node2.Addr)
	first := n.Get(t, "http://chat.example.com/").Explanation.Upstream[0].Addr
	for range 5 {
		ex := n.Get(t, "http://chat.example.com/").Explanation
		require.Len(t, ex.Upstream, 1, ex.String())
		assert.Equal(t, first, ex.Upstream[0].Addr, "sticky: the same instance for the same client")
	}

	// The instance the client sticks to is dead: the request goes to the
	// other.
	alive := frontdesktest.Serve(t, chat())
	dead := frontdesktest.Refuse(t)
	n = start(t, dead, alive.Addr)
	n2 := start(t, alive.Addr, dead)
	for _, nn := range []*frontdesktest.Nginx{n, n2} {
		res := nn.Get(t, "http://chat.example.com/")
		assert.Equal(t, http.StatusOK, res.Status, res.Explanation.String())
		assert.Equal(t, alive.Addr, res.Explanation.Upstream[len(res.Explanation.Upstream)-1].Addr)
	}

	n = start(t, frontdesktest.Refuse(t), frontdesktest.Refuse(t))
	res := n.Get(t, "http://chat.example.com/")
	assert.Equal(t, http.StatusBadGateway, res.Status)
	assert.Len(t, res.Explanation.Upstream, 2, res.Explanation.String())
}
