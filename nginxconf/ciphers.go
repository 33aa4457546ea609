package nginxconf

import (
	"crypto/tls"
	"errors"
	"slices"
	"strings"

	"github.com/frontdesk-go/frontdesk"
)

// cipherAttrs are the OpenSSL cipher-string attributes of a suite
// crypto/tls implements (TLS 1.2 and below: ssl_ciphers, like OpenSSL's
// cipher list, leaves the TLS 1.3 suites alone).
type cipherAttrs struct {
	kx, auth, enc, mac string
}

var goSuiteAttrs = map[uint16]cipherAttrs{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:       {"ECDHE", "ECDSA", "AESGCM128", "AEAD"},
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:         {"ECDHE", "RSA", "AESGCM128", "AEAD"},
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:       {"ECDHE", "ECDSA", "AESGCM256", "AEAD"},
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:         {"ECDHE", "RSA", "AESGCM256", "AEAD"},
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: {"ECDHE", "ECDSA", "CHACHA20", "AEAD"},
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:   {"ECDHE", "RSA", "CHACHA20", "AEAD"},
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256:       {"ECDHE", "ECDSA", "AES128", "SHA256"},
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256:         {"ECDHE", "RSA", "AES128", "SHA256"},
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA:          {"ECDHE", "ECDSA", "AES128", "SHA1"},
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:            {"ECDHE", "RSA", "AES128", "SHA1"},
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA:          {"ECDHE", "ECDSA", "AES256", "SHA1"},
	tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA:            {"ECDHE", "RSA", "AES256", "SHA1"},
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256:               {"RSA", "RSA", "AESGCM128", "AEAD"},
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384:               {"RSA", "RSA", "AESGCM256", "AEAD"},
	tls.TLS_RSA_WITH_AES_128_CBC_SHA256:               {"RSA", "RSA", "AES128", "SHA256"},
	tls.TLS_RSA_WITH_AES_128_CBC_SHA:                  {"RSA", "RSA", "AES128", "SHA1"},
	tls.TLS_RSA_WITH_AES_256_CBC_SHA:                  {"RSA", "RSA", "AES256", "SHA1"},
}

// goSuiteOrder is the order "ALL" and "DEFAULT" list the suites in.
var goSuiteOrder = func() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		if _, ok := goSuiteAttrs[s.ID]; ok {
			ids = append(ids, s.ID)
		}
	}
	for _, s := range tls.InsecureCipherSuites() {
		if _, ok := goSuiteAttrs[s.ID]; ok {
			ids = append(ids, s.ID)
		}
	}
	return ids
}()

// matchesAlias reports whether a suite matches one OpenSSL cipher-string
// word; known reports whether the word means anything to OpenSSL's
// vocabulary as mapped here (a suite name or an alias).
func matchesAlias(id uint16, a cipherAttrs, word string) bool {
	if sid, ok := frontdesk.OpenSSLCiphers[word]; ok {
		return sid == id
	}
	switch word {
	case "ALL", "DEFAULT", "HIGH", "COMPLEMENTOFALL":
		return word != "COMPLEMENTOFALL"
	case "ECDHE", "EECDH", "kECDHE", "kEECDH", "ECDH", "kECDH":
		return a.kx == "ECDHE"
	case "RSA", "kRSA":
		return a.kx == "RSA"
	case "aRSA":
		return a.auth == "RSA"
	case "ECDSA", "aECDSA":
		return a.auth == "ECDSA"
	case "AESGCM":
		return strings.HasPrefix(a.enc, "AESGCM")
	case "AES":
		return strings.HasPrefix(a.enc, "AES")
	case "AES128":
		return a.enc == "AES128" || a.enc == "AESGCM128"
	case "AES256":
		return a.enc == "AES256" || a.enc == "AESGCM256"
	case "CHACHA20":
		return a.enc == "CHACHA20"
	case "SHA1", "SHA":
		return a.mac == "SHA1"
	case "SHA256":
		return a.mac == "SHA256" || (a.mac == "AEAD" && a.enc != "AESGCM256")
	case "SHA384":
		return a.enc == "AESGCM256"
	case "TLSv1.2":
		return a.mac != "SHA1"
	case "TLSv1", "SSLv3":
		return a.mac == "SHA1"
	}
	return false
}

// ParseOpenSSLCiphers maps an OpenSSL cipher string (ssl_ciphers,
// proxy_ssl_ciphers) onto the TLS 1.2 suites crypto/tls implements.
// Words that select nothing Go offers (DHE, CAMELLIA, a suite name Go
// lacks) are returned in dropped, as OpenSSL silently skips names it does
// not know; only a string leaving no suite at all is an error, as
// OpenSSL's "no cipher match".
func ParseOpenSSLCiphers(s string) (suites []uint16, dropped []string, err error) {
	banned := map[uint16]bool{}
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == ',' || r == ' ' || r == ';' }) {
		op := byte(0)
		if tok[0] == '!' || tok[0] == '-' || tok[0] == '+' {
			op, tok = tok[0], tok[1:]
		}
		if tok == "" || tok[0] == '@' {
			continue // @STRENGTH, @SECLEVEL=n: ordering and levels.
		}
		words := strings.Split(tok, "+")
		var sel []uint16
		for _, id := range goSuiteOrder {
			ok := true
			for _, w := range words {
				if !matchesAlias(id, goSuiteAttrs[id], w) {
					ok = false
					break
				}
			}
			if ok {
				sel = append(sel, id)
			}
		}
		switch op {
		case '!':
			for _, id := range sel {
				banned[id] = true
			}
			suites = slices.DeleteFunc(suites, func(id uint16) bool { return banned[id] })
		case '-':
			suites = slices.DeleteFunc(suites, func(id uint16) bool { return slices.Contains(sel, id) })
		case '+':
			// Move the selected suites to the end, keeping their order.
			var moved []uint16
			suites = slices.DeleteFunc(suites, func(id uint16) bool {
				if slices.Contains(sel, id) {
					moved = append(moved, id)
					return true
				}
				return false
			})
			suites = append(suites, moved...)
		default:
			if len(sel) == 0 && !emptyAlias[tok] {
				dropped = append(dropped, tok)
			}
			for _, id := range sel {
				if !banned[id] && !slices.Contains(suites, id) {
					suites = append(suites, id)
				}
			}
		}
	}
	if len(suites) == 0 {
		return nil, dropped, errors.New("no cipher match")
	}
	return suites, dropped, nil
}

// emptyAlias are OpenSSL words that select nothing in OpenSSL 3 either
// (no warning when they are added).
var emptyAlias = map[string]bool{"aNULL": true, "eNULL": true, "NULL": true, "MD5": true, "EXPORT": true, "EXP": true, "LOW": true, "RC4": true, "DES": true}
