package frontdesk

import "testing"

func TestBasicCredentials(t *testing.T) {
	tests := []struct {
		header     string
		user, pass string
		ok         bool
	}{
		{"Basic YWxpY2U6c2VjcmV0", "alice", "secret", true},
		{"basic   YWxpY2U6c2VjcmV0", "alice", "secret", true},
		{"Basic YWxpY2U6c2VjcmV0==junk", "alice", "secret", true},
		{"Basic YWxpY2U6c2Vjc", "", "", false}, // 4n+1 characters
		{"Basic OnNlY3JldA==", "", "", false},  // empty user
		{"Basic YWxpY2U=", "", "", false},      // no colon
		{"Bearer abc", "", "", false},
		{"Basic ", "", "", false},
	}
	for _, tc := range tests {
		u, p, ok := basicCredentials([]string{tc.header})
		if u != tc.user || p != tc.pass || ok != tc.ok {
			t.Errorf("basicCredentials(%q) = %q, %q, %v; want %q, %q, %v", tc.header, u, p, ok, tc.user, tc.pass, tc.ok)
		}
	}
}

func TestHtpasswdEntry(t *testing.T) {
	file := []byte("# alice:{PLAIN}commented\n\nbob:{PLAIN}b:extra\r\nalice:{PLAIN}a\r\nalicex:{PLAIN}x\nlast:{PLAIN}l")
	for user, want := range map[string]string{"alice": "{PLAIN}a", "bob": "{PLAIN}b", "last": "{PLAIN}l", "# alice": ""} {
		got, ok := htpasswdEntry(file, user)
		if got != want || ok != (want != "") {
			t.Errorf("htpasswdEntry(%q) = %q, %v; want %q", user, got, ok, want)
		}
	}
}

func TestAccessRuleParse(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "example.com", "::1/129", "1.2.3.4/"} {
		if _, err := parseAccessRule(bad); err == nil {
			t.Errorf("parseAccessRule(%q) accepted", bad)
		}
	}
	r, err := parseAccessRule("10.1.2.3/8")
	if err != nil || r.prefix.String() != "10.0.0.0/8" {
		t.Errorf("parseAccessRule(10.1.2.3/8) = %v, %v; want 10.0.0.0/8", r.prefix, err)
	}
}
