package frontdesk

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func serveHost(t *testing.T, p *Proxy, host, local string) string {
	t.Helper()
	req := httptest.NewRequest("GET", "/", nil)
	req.Host = host
	if local != "" {
		addr, err := net.ResolveTCPAddr("tcp", local)
		require.NoError(t, err)
		req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, addr))
	}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	return rec.Body.String()
}

func named(body string, opts ...Option) *VirtualServerBlock {
	return VirtualServer(append(opts, Location("/", Return(200, body)))...)
}

// TestVirtualServerSelection follows nginx's order: exact name, longest
// leading wildcard, longest trailing wildcard, first regex, default.
func TestVirtualServerSelection(t *testing.T) {
	p := MustNew(quiet,
		named("default", ServerName("default.test")),
		named("exact", ServerName("www.example.com")),
		named("wild-start", ServerName("*.example.com")),
		named("wild-start-longer", ServerName("*.api.example.com")),
		named("wild-end", ServerName("www.example.*")),
		named("dot", ServerName(".example.org")),
		named("regex-1", ServerName(`~^(?<user>[a-z]+)\.users\.test$`)),
		VirtualServer(ServerName(`~^([0-9]+)\.users\.test$`), Location("/", Return(200, "regex-2 $1"))),
		VirtualServer(ServerName(`~^(?<user>[a-z]+)\.people\.test$`), Location("/", Return(200, "hello $user"))),
	)
	tests := map[string]string{
		"www.example.com":    "exact",
		"WWW.Example.COM.":   "exact",
		"a.example.com":      "wild-start",
		"a.b.example.com":    "wild-start",
		"v1.api.example.com": "wild-start-longer",
		"www.example.net":    "wild-end",
		"example.org":        "dot",
		"x.example.org":      "dot",
		"ann.users.test":     "regex-1",
		"42.users.test":      "regex-2 42",
		"bob.people.test":    "hello bob",
		"unknown.test":       "default",
		"example.com":        "default",
	}
	for host, want := range tests {
		assert.Equalf(t, want, serveHost(t, p, host, ""), "host %s", host)
	}
}

func TestVirtualServerListen(t *testing.T) {
	p := MustNew(quiet,
		named("a80", ServerName("a.test"), Listen("80")),
		named("b80", ServerName("b.test"), Listen("80", "default_server")),
		named("a8080", ServerName("a.test"), Listen("127.0.0.1:8080")),
		named("c8080", ServerName("c.test"), Listen("8080")),
	)
	assert.Equal(t, "a80", serveHost(t, p, "a.test", "10.0.0.1:80"))
	assert.Equal(t, "b80", serveHost(t, p, "zzz.test", "10.0.0.1:80"), "default_server of *:80")
	assert.Equal(t, "a8080", serveHost(t, p, "a.test", "127.0.0.1:8080"))
	assert.Equal(t, "a8080", serveHost(t, p, "c.test", "127.0.0.1:8080"), "the address-specific listen wins, and its default is its first server")
	assert.Equal(t, "c8080", serveHost(t, p, "c.test", "10.0.0.1:8080"))
	assert.Equal(t, "b80", serveHost(t, p, "nobody.test", "10.0.0.1:9999"), "an address nobody lists: every server, default_server first")
}

func TestVirtualServerWithListenAddr(t *testing.T) {
	p := MustNew(quiet,
		named("a80", ServerName("a.test"), Listen("127.0.0.1:80")),
		named("b8080", ServerName("b.test"), Listen("127.0.0.1:8080", "default_server")),
		named("c8080", ServerName("a.test"), Listen("8080")),
	)
	serve := func(host, listen string) string {
		req := httptest.NewRequest("GET", "/", nil)
		req.Host = host
		// The real local address names no listen at all: WithListenAddr
		// decides.
		addr, err := net.ResolveTCPAddr("tcp", "127.0.0.1:5555")
		require.NoError(t, err)
		ctx := context.WithValue(req.Context(), http.LocalAddrContextKey, addr)
		if listen != "" {
			ctx = WithListenAddr(ctx, listen)
		}
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req.WithContext(ctx))
		return rec.Body.String()
	}
	assert.Equal(t, "a80", serve("nobody.test", "127.0.0.1:80"), "only a80 listens there")
	assert.Equal(t, "a80", serve("b.test", "127.0.0.1:80"))
	assert.Equal(t, "b8080", serve("a.test", "127.0.0.1:8080"), "the specific address hides *:8080")
	assert.Equal(t, "c8080", serve("a.test", "8080"))
	assert.Equal(t, "b8080", serve("nobody.test", ""), "no server lists the real address: all servers, default_server first")
	assert.Equal(t, "a80", serve("a.test", ""))
	assert.Equal(t, "b8080", serve("nobody.test", "not an address:x"), "ignored: as without it")
}

func TestVirtualServerErrors(t *testing.T) {
	_, err := New(named("x", Listen("80", "default_server")), named("y", Listen("80", "default_server")))
	assert.ErrorContains(t, err, "duplicate default server")
	_, err = New(named("x"), Location("/", nil))
	assert.ErrorContains(t, err, "locations must be inside a VirtualServer")
	_, err = New(named("x", ServerName("*")))
	assert.ErrorContains(t, err, "unsupported")
	_, err = New(named("x", ServerName("*x.com")))
	assert.ErrorContains(t, err, "invalid")
	_, err = New(named("x", Listen("1.2.3.4:99999")))
	assert.ErrorContains(t, err, "invalid port")
}

func TestHTTPLevelDirectivesReachServers(t *testing.T) {
	p := MustNew(quiet,
		AddHeader("X-Level", "http"),
		VirtualServer(ServerName("a.test"), Location("/", Return(200, "a"))),
		VirtualServer(ServerName("b.test"), AddHeader("X-Level", "server"), Location("/", Return(200, "b"))),
	)
	for host, want := range map[string]string{"a.test": "http", "b.test": "server"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		assert.Equal(t, want, rec.Header().Get("X-Level"))
	}
}
