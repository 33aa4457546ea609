// Package htpasswd checks passwords against the entries of an htpasswd
// file as nginx's ngx_crypt does: "$apr1$", "{PLAIN}", "{SSHA}" and
// "{SHA}" itself, everything else through the C library's crypt(3). The
// crypt(3) schemes reimplemented here are those every glibc or libxcrypt
// build has: traditional DES, MD5-crypt ("$1$"), SHA-256-crypt ("$5$")
// and SHA-512-crypt ("$6$"), from their public specifications. bcrypt
// ("$2a$", "$2b$", "$2y$"), which Debian's crypt(3) (libxcrypt) also
// accepts, is checked with golang.org/x/crypto/bcrypt. Other schemes only
// libxcrypt has (yescrypt "$y$", gost-yescrypt "$gy$", scrypt "$7$" …)
// are not: their entries never match, as a crypt(3) without them answers.
package htpasswd

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Match reports whether password hashes to entry, the password field of
// an htpasswd line. As in nginx the password is a C string: it ends at
// its first NUL byte.
func Match(password, entry string) bool {
	if i := strings.IndexByte(password, 0); i >= 0 {
		password = password[:i]
	}
	if isBcrypt(entry, password) {
		return bcrypt.CompareHashAndPassword([]byte(entry), []byte(password)) == nil
	}
	got, ok := Crypt(password, entry)
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(entry)) == 1
}

// isBcrypt reports whether entry is a bcrypt hash in a variant libxcrypt
// computes as x/crypto does for password: "$2a$", "$2b$" and "$2y$" are
// one algorithm (they differ in bugs of old implementations only); "$2x$"
// asks for the old sign-extension bug, which changes the hash of bytes
// above 0x7f only, so it is the same algorithm for an ASCII password.
func isBcrypt(entry, password string) bool {
	if len(entry) < 4 || entry[:2] != "$2" || entry[3] != '$' {
		return false
	}
	switch entry[2] {
	case 'a', 'b', 'y':
		return true
	case 'x':
		return !strings.ContainsFunc(password, func(r rune) bool { return r >= 0x80 })
	}
	return false
}

// Crypt hashes password with the scheme and salt of entry, as
// ngx_crypt(key, salt) does; ok is false for a scheme it does not know.
func Crypt(password, entry string) (string, bool) {
	switch {
	case strings.HasPrefix(entry, "$apr1$"):
		return md5Crypt(password, entry[len("$apr1$"):], "$apr1$"), true
	case strings.HasPrefix(entry, "{PLAIN}"):
		return "{PLAIN}" + password, true
	case strings.HasPrefix(entry, "{SSHA}"):
		return sshaCrypt(password, entry), true
	case strings.HasPrefix(entry, "{SHA}"):
		sum := sha1.Sum([]byte(password))
		return "{SHA}" + base64.StdEncoding.EncodeToString(sum[:]), true
	case strings.HasPrefix(entry, "$1$"):
		return md5Crypt(password, entry[len("$1$"):], "$1$"), true
	case strings.HasPrefix(entry, "$5$"):
		return shaCrypt(sha256.New, "$5$", password, entry[3:]), true
	case strings.HasPrefix(entry, "$6$"):
		return shaCrypt(sha512.New, "$6$", password, entry[3:]), true
	case len(entry) >= 2 && entry[0] != '$' && entry[0] != '_' && isSaltChar(entry[0]) && isSaltChar(entry[1]):
		return desCrypt(password, entry[:2]), true
	}
	return "", false
}

// sshaCrypt is ngx_crypt_ssha: base64(SHA1(password + salt) + salt),
// where the salt is what follows the 20 digest bytes in the entry.
func sshaCrypt(password, entry string) string {
	raw, err := base64.StdEncoding.DecodeString(entry[len("{SSHA}"):])
	if err != nil || len(raw) < sha1.Size {
		return ""
	}
	salt := raw[sha1.Size:]
	h := sha1.New()
	h.Write([]byte(password))
	h.Write(salt)
	out := append(h.Sum(nil), salt...)
	return "{SSHA}" + base64.StdEncoding.EncodeToString(out)
}

const itoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func isSaltChar(c byte) bool { return strings.IndexByte(itoa64, c) >= 0 }

// b64From24 appends the n characters crypt's own base 64 writes for the
// 24 bits b2 b1 b0, low bits first.
func b64From24(out []byte, b2, b1, b0 byte, n int) []byte {
	w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
	for ; n > 0; n-- {
		out = append(out, itoa64[w&0x3f])
		w >>= 6
	}
	return out
}

// cryptSalt is the salt of a "$id$salt$hash" entry: up to max bytes,
// ending at "$".
func cryptSalt(s string, max int) string {
	if i := strings.IndexByte(s, '$'); i >= 0 {
		s = s[:i]
	}
	if len(s) > max {
		s = s[:max]
	}
	return s
}

// md5Crypt is Poul-Henning Kamp's MD5-crypt, which Apache's "$apr1$"
// repeats with another magic string.
func md5Crypt(password, rest, magic string) string {
	salt := cryptSalt(rest, 8)
	key := []byte(password)
	alt := md5.Sum([]byte(password + salt + password))
	ctx := md5.New()
	ctx.Write(key)
	ctx.Write([]byte(magic + salt))
	for i := len(key); i > 0; i -= 16 {
		ctx.Write(alt[:min(i, 16)])
	}
	for i := len(key); i > 0; i >>= 1 {
		if i&1 != 0 {
			ctx.Write([]byte{0})
		} else {
			ctx.Write(key[:1])
		}
	}
	final := ctx.Sum(nil)
	final = stretch(md5.New(), 1000, final, key, []byte(salt))
	out := []byte(magic + salt + "$")
	for _, t := range [5][3]int{{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}} {
		out = b64From24(out, final[t[0]], final[t[1]], final[t[2]], 4)
	}
	return string(b64From24(out, 0, 0, final[11], 2))
}

// shaCrypt is Ulrich Drepper's SHA-crypt ("$5$" with SHA-256, "$6$" with
// SHA-512), rounds= included.
func shaCrypt(newHash func() hash.Hash, magic, password, rest string) string {
	const defRounds, minRounds, maxRounds = 5000, 1000, 999999999
	rounds, custom := defRounds, false
	if r, ok := strings.CutPrefix(rest, "rounds="); ok {
		if i := strings.IndexByte(r, '$'); i > 0 {
			if n, err := strconv.ParseUint(r[:i], 10, 64); err == nil {
				rounds, custom, rest = int(min(max(n, minRounds), maxRounds)), true, r[i+1:]
			}
		}
	}
	salt := []byte(cryptSalt(rest, 16))
	key := []byte(password)
	h := newHash()
	size := h.Size()
	h.Write(key)
	h.Write(salt)
	h.Write(key)
	b := h.Sum(nil)

	h.Reset()
	h.Write(key)
	h.Write(salt)
	n := len(key)
	for ; n > size; n -= size {
		h.Write(b)
	}
	h.Write(b[:n])
	for n = len(key); n > 0; n >>= 1 {
		if n&1 != 0 {
			h.Write(b)
		} else {
			h.Write(key)
		}
	}
	a := h.Sum(nil)

	h.Reset()
	for range key {
		h.Write(key)
	}
	p := repeatTo(h.Sum(nil), len(key))
	h.Reset()
	for i := 0; i < 16+int(a[0]); i++ {
		h.Write(salt)
	}
	s := repeatTo(h.Sum(nil), len(salt))

	a = stretch(h, rounds, a, p, s)

	out := []byte(magic)
	if custom {
		out = append(out, "rounds="+strconv.Itoa(rounds)+"$"...)
	}
	out = append(out, salt...)
	out = append(out, '$')
	if size == sha256.Size {
		for i := 0; i < 10; i++ {
			x, y, z := a[i], a[i+10], a[i+20]
			switch i % 3 {
			case 1:
				x, y, z = z, x, y
			case 2:
				x, y, z = y, z, x
			}
			out = b64From24(out, x, y, z, 4)
		}
		out = b64From24(out, 0, a[31], a[30], 3)
	} else {
		for i := 0; i < 21; i++ {
			x, y, z := a[i], a[i+21], a[i+42]
			switch i % 3 {
			case 1:
				x, y, z = y, z, x
			case 2:
				x, y, z = z, x, y
			}
			out = b64From24(out, x, y, z, 4)
		}
		out = b64From24(out, 0, 0, a[63], 2)
	}
	return string(out)
}

func repeatTo(d []byte, n int) []byte {
	return bytes.Repeat(d, n/len(d)+1)[:n]
}

// stretch runs the key-stretching rounds that MD5-crypt and SHA-crypt
// share: each round hashes the previous digest a with the key p and the
// salt s in an order set by the round number, and returns the last digest.
func stretch(h hash.Hash, rounds int, a, p, s []byte) []byte {
	for i := 0; i < rounds; i++ {
		h.Reset()
		if i&1 != 0 {
			h.Write(p)
		} else {
			h.Write(a)
		}
		if i%3 != 0 {
			h.Write(s)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i&1 != 0 {
			h.Write(a)
		} else {
			h.Write(p)
		}
		a = h.Sum(a[:0])
	}
	return a
}
