package frontdesk_test

// bcrypt entries in auth_basic_user_file (issue 9): Debian's nginx checks
// them through crypt(3) (libxcrypt), frontdesk through
// golang.org/x/crypto/bcrypt. The hashes are made here, by x/crypto.

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

func TestConformanceAccessBcrypt(t *testing.T) {
	hash := func(password string, cost int) string {
		h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	secret := hash("secret", bcrypt.MinCost) // "$2a$"
	long := strings.Repeat("0123456789", 8)
	var file strings.Builder
	users := map[string]string{
		// One hash under every variant name libxcrypt reads the same.
		"b2a":  secret,
		"b2b":  "$2b$" + secret[4:],
		"b2y":  "$2y$" + secret[4:],
		"b2x":  "$2x$" + secret[4:],
		"utf8": hash("sécrét", bcrypt.MinCost),
		// bcrypt reads 72 bytes of a password at most.
		"long": hash(long[:72], bcrypt.MinCost),
		"cost": hash("secret", 6),
		"bad":  "$2y$04$short",
	}
	for u, h := range users {
		file.WriteString(u + ":" + h + "\n")
	}
	var reqs []conformance.Request
	for _, r := range []struct{ name, userPass string }{
		{"2a right", "b2a:secret"}, {"2a wrong", "b2a:secreT"},
		{"2b right", "b2b:secret"}, {"2b wrong", "b2b:Secret"},
		{"2y right", "b2y:secret"}, {"2y wrong", "b2y:secret1"},
		{"2x ASCII right", "b2x:secret"}, {"2x ASCII wrong", "b2x:secre"},
		{"non-ASCII right", "utf8:sécrét"}, {"non-ASCII wrong", "utf8:secret"},
		{"72 bytes", "long:" + long[:72]}, {"80 bytes: the first 72 count", "long:" + long},
		{"71 bytes", "long:" + long[:71]},
		{"cost 6", "cost:secret"}, {"cost 6 wrong", "cost:secrets"},
		{"malformed hash", "bad:secret"},
		{"empty password", "b2y:"},
	} {
		reqs = append(reqs, conformance.Request{Name: r.name, Target: "/x.html", Header: []string{basic(r.userPass)}, Compare: authCompared})
	}
	conformance.Run(t, []conformance.Case{{
		Name: "auth_basic with bcrypt entries",
		Conf: `server { listen 127.0.0.1:{{PORT}}; root {{DIR}};
			auth_basic "bcrypt"; auth_basic_user_file {{DIR}}/htpasswd; }`,
		Files:    map[string]string{"htpasswd": file.String(), "x.html": "secret page\n"},
		Requests: reqs,
	}})
}
