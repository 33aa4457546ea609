package frontdesk

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseAddrPort pins ngx_parse_addr_port and ngx_sock_ntop: what an
// address in a forwarding header becomes in $remote_addr and
// $remote_port. The conformance tests check the same inputs against
// nginx itself.
func TestParseAddrPort(t *testing.T) {
	tests := []struct {
		in, text, port string
		ok             bool
	}{
		{"1.2.3.4", "1.2.3.4", "", true},
		{"1.2.3.4:5678", "1.2.3.4", "5678", true},
		{"01.002.3.4", "1.2.3.4", "", true},
		{"1..2.3", "1.0.2.3", "", true},
		{"1.2.3.", "1.2.3.0", "", true},
		{"255.255.255.255", "", "", false}, // nginx's INADDR_NONE
		{"256.1.1.1", "", "", false},
		{"1.2.3", "", "", false},
		{"1.2.3.4.5", "", "", false},
		{"1.2.3.4:0", "", "", false},
		{"1.2.3.4:65536", "", "", false},
		{"1.2.3.4:+80", "", "", false},
		{"1.2.3.4:80:90", "", "", false},
		{"2001:DB8:0:0:0:0:0:1", "2001:db8::1", "", true},
		{"[2001:db8::1]:80", "2001:db8::1", "80", true},
		{"[::1]", "", "", false},
		{"[::1]x80", "", "", false},
		{"::1", "::1", "", true},
		{"::", "::", "", true},
		{"::ffff:1.2.3.4", "::ffff:1.2.3.4", "", true},
		{"::1.2.3.4", "::1.2.3.4", "", true},
		{"::ffff:ffff", "::255.255.255.255", "", true},
		{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", "", true},
		{"1:0:3:4:5:6:7:8", "1:0:3:4:5:6:7:8", "", true},
		{"1:0:0:4:0:0:0:8", "1:0:0:4::8", "", true},
		{"1:2:3:4:5:6:7:8:9", "", "", false},
		{"1::2::3", "", "", false},
		{"12345::1", "", "", false},
		{"fe80::1%eth0", "", "", false},
		{"example.com", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		var p peerAddr
		ok := parseAddrPort(tt.in, &p)
		assert.Equalf(t, tt.ok, ok, "parse %q", tt.in)
		if ok {
			assert.Equalf(t, tt.text, p.text, "text of %q", tt.in)
			assert.Equalf(t, tt.port, p.port, "port of %q", tt.in)
		}
	}
}

func TestParseTrusted(t *testing.T) {
	n, err := parseTrusted("10.1.2.3/8")
	require.NoError(t, err)
	assert.Equal(t, netip.MustParsePrefix("10.0.0.0/8"), n[0].prefix)
	assert.True(t, n[0].lowBits)

	n, err = parseTrusted("unix:")
	require.NoError(t, err)
	assert.True(t, n[0].unix)

	n, err = parseTrusted("localhost")
	require.NoError(t, err)
	assert.NotEmpty(t, n)

	for _, bad := range []string{"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/+8", "no.such.host.invalid"} {
		_, err := parseTrusted(bad)
		assert.Errorf(t, err, "%q", bad)
	}
}

// TestForwardedAddr walks X-Forwarded-For lines as
// ngx_http_get_forwarded_addr does.
func TestForwardedAddr(t *testing.T) {
	trusted := []trustedNet{}
	for _, s := range []string{"127.0.0.1", "10.0.0.0/8"} {
		n, err := parseTrusted(s)
		require.NoError(t, err)
		trusted = append(trusted, n...)
	}
	tests := []struct {
		lines     []string
		recursive bool
		want      string // "" when the address stays the peer's
	}{
		{[]string{"1.2.3.4"}, false, "1.2.3.4"},
		{[]string{"1.2.3.4, 10.0.0.1"}, false, "10.0.0.1"},
		{[]string{"1.2.3.4, 10.0.0.1"}, true, "1.2.3.4"},
		{[]string{"10.0.0.2, 10.0.0.1"}, true, "10.0.0.2"},
		{[]string{"1.2.3.4, junk, 10.0.0.1"}, true, "10.0.0.1"},
		{[]string{"1.1.1.1", "10.0.0.5"}, true, "1.1.1.1"},
		{[]string{"1.1.1.1", "2.2.2.2", "10.0.0.5"}, true, "2.2.2.2"},
		{[]string{"1.1.1.1", "2.2.2.2, 10.0.0.5"}, false, "10.0.0.5"},
		{[]string{",1.2.3.4"}, false, ""},
		{[]string{"1.2.3.4,"}, false, "1.2.3.4"},
		{[]string{""}, false, ""},
		{[]string{"junk"}, true, ""},
	}
	for _, tt := range tests {
		rc := &realipConf{from: trusted, recursive: tt.recursive}
		addr := peerAddr{addr: netip.MustParseAddr("127.0.0.1"), text: "127.0.0.1"}
		changed := forwardedAddr(&addr, tt.lines, rc)
		if tt.want == "" {
			assert.Falsef(t, changed, "%q recursive=%v", tt.lines, tt.recursive)
			continue
		}
		assert.Truef(t, changed, "%q recursive=%v", tt.lines, tt.recursive)
		assert.Equalf(t, tt.want, addr.text, "%q recursive=%v", tt.lines, tt.recursive)
	}
}

// FuzzForwardedAddr: any header value leaves a usable address, either the
// peer's or a parsed one written as nginx writes it. (It need not parse
// again: nginx writes ::ffff:ffff as "::255.255.255.255", which its own
// parser refuses, as the seed corpus recalls.)
func FuzzForwardedAddr(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "1.2.3.4, 10.0.0.1", "[::1]:80", ",,", " , 1.1.1.1 ,", "::ffff:1.2.3.4", "1..2.3:9"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	trusted, err := parseTrusted("0.0.0.0/0")
	require.NoError(f, err)
	v6, err := parseTrusted("::/0")
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, xff string, recursive bool) {
		rc := &realipConf{from: append(trusted, v6...), recursive: recursive}
		addr := peerAddr{addr: netip.MustParseAddr("127.0.0.1"), text: "127.0.0.1"}
		if !forwardedAddr(&addr, []string{xff}, rc) {
			assert.Equal(t, "127.0.0.1", addr.text)
			return
		}
		require.Truef(t, addr.addr.IsValid(), "%q", xff)
		assert.Equal(t, ntop(addr.addr), addr.text)
		if addr.port != "" {
			port, ok := atoi(addr.port)
			assert.True(t, ok && port >= 1 && port <= 65535, addr.port)
		}
	})
}
