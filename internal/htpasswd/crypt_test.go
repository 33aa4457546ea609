package htpasswd

import (
	"crypto/des"
	"encoding/binary"
	"testing"
)

// cryptVectors come from crypt(3) of Debian bookworm's libxcrypt, the
// library /usr/sbin/nginx calls (Python's crypt module).
var cryptVectors = []struct{ password, hash string }{
	{"secret", "abNANd1rDfiNc"},
	{"secret", "./17m29LFAflg"},
	{"secret", "ZzU3r240Q6iws"},
	{"secret", "$1$saltsalt$9xy1btjgzLYfb7hivXtC//"},
	{"secret", "$1$ab$dslkcXxVH.x8LwW1W/oAB/"},
	{"secret", "$5$saltstring$C3o4O1TC6aRHF4FI.QSZMXtHbaj2gSXr4sUc/3NcUi."},
	{"secret", "$5$rounds=1000$short$5tqpBKuMXiyOh7zjcqfE5xf4ihzI5OkLurBxtQ/FlU0"},
	{"secret", "$6$saltstringsaltst$UXuBvBuPfQU4z1.hi3CoNXH4C7ulNXpsepRT322IE4RHFhcT/ge6WV1Wz4Ryq8EGyu0hllpHMecmXcc/Pudmo."},
	{"secret", "$6$rounds=5000$x$mQUKLCQR1S846TztirS7Ejo4KyTtZWzcyuF2/43jqoJTDZXRb8L.bXBNxX9GCZhKdADbfqEnGZyv89igC73DL/"},
	{"secret", "$5$$o1w7HPzHt8gHmL5zUzDkRqt6Az.BjDfkvuDNNLWnXx5"},
	{"", "abmF1QH4PEr.E"},
	{"", "./Una9Fi.seRo"},
	{"", "Zz6qI0EVQ1ir."},
	{"", "$1$saltsalt$5Jhcit4zN9UlGiA0txPkO0"},
	{"", "$1$ab$rn6aQS/o7141mj179E/zA."},
	{"", "$5$saltstring$FdNfA4gXqvCeO6iZs7G/.wwwoywYZqo0l1pwmfWaBA7"},
	{"", "$5$rounds=1000$short$9rs63TM4j6doEhq2MAUYxnS5Mc/aeEhOVfpnwHTpz6D"},
	{"", "$6$saltstringsaltst$mF.lV5IMswQVU8GZ/VfE3B4FofDTMTejz7bcl0fJ8pWP1XGeFTkx.SaUuOeq7PK3tr8wJN.pIG6v6Dl3jM1ag0"},
	{"", "$6$rounds=5000$x$QSmr1Bx2g4O6BzKvdkgOcyU6H91X6I/XBv5pSalMhSPkwdH6Beo3F455xZJg0v//bxVK5F4OE5k1.0xuR26MK0"},
	{"", "$5$$3c2QQ0KjIU1OLtB29cl8Fplc2WN7X89bnoEjaR7tWu."},
	{"a", "abxxB7HlIeckU"},
	{"a", "./xT2u5QYaHcU"},
	{"a", "ZzsizYWrNJRQc"},
	{"a", "$1$saltsalt$MzDjbImyzEz2m0NTiPzNW/"},
	{"a", "$1$ab$NM4FR4Dl/CzoTSJTd3YJ3."},
	{"a", "$5$saltstring$7cz4bTeQ7MnNssphNhFVrITtuJYY/1tdvLL2uzLvOk8"},
	{"a", "$5$rounds=1000$short$d54wru8d70L00hRKpuVP5j1CwpjR/Sr.f8IdsBMUx5B"},
	{"a", "$6$saltstringsaltst$V1bh5AHnO3DyboxHV1xFR.ZTBMQwPKb/sYKJwWCI0cb45VrOhnf0a5zVHniCe0J7RFPjPafO68RNA8if98eul1"},
	{"a", "$6$rounds=5000$x$6Zqbz8j5rMHIeJ1ujjjFXuZXSa/VORj.fVUEQcJc.rjR9.wCKlhZuymRQLtIEzcxNmqwX/fRNvM45BbvFayY51"},
	{"a", "$5$$QG6CCM7eJAxpUPcBpn0Z2K29NHtaI6Mk1fCpPrpjdj3"},
	{"password with spaces", "abJnggxhB/yWI"},
	{"password with spaces", "./xZjzHv5vzVE"},
	{"password with spaces", "ZziFATVXHo2.6"},
	{"password with spaces", "$1$saltsalt$a9UdjsgpBw4pd63Ncj6Ig."},
	{"password with spaces", "$1$ab$8nsFhBPuukol6rx3nD6Bw0"},
	{"password with spaces", "$5$saltstring$K0gky07WRilWvYu4v46xy0ZtVdgts3TEri7/qzilZ/A"},
	{"password with spaces", "$5$rounds=1000$short$WHIHBCIBj27NgizeVtnW.fL9e9lgooqWHXlotd3aM83"},
	{"password with spaces", "$6$saltstringsaltst$fnDU.vkvHor/b5BiQJLwibOVyEoaiihiiNXqrRm6luFaGiFWO49dD/5YUCY8wt68T1DAuubHnTwnp2blcqgoI1"},
	{"password with spaces", "$6$rounds=5000$x$r4PfStpqa22RuNh9RaC2wXL5z4IAaK.zDzrABe9AoyusEKutNBE4f36lCbQX3q1B/uKhKZZ3eOOWFNGp/3ZHZ0"},
	{"password with spaces", "$5$$DpvRXFRjgjtlFomgSTkNnXmMfVm0Xm3IJWiIHFZFD00"},
	{"longpasswordlongerthaneight", "abD6HAB6eqg.k"},
	{"longpasswordlongerthaneight", "./x0kTlw5iEAs"},
	{"longpasswordlongerthaneight", "ZzIyHEjAFZRko"},
	{"longpasswordlongerthaneight", "$1$saltsalt$qtVVhujSI5nJUoZX0yiFI0"},
	{"longpasswordlongerthaneight", "$1$ab$91F8V78hOWPXh82s4Noj.1"},
	{"longpasswordlongerthaneight", "$5$saltstring$C7Cc1mhM3By7/dkfQK29IG1hR396PXWSJMR0LsAFNN9"},
	{"longpasswordlongerthaneight", "$5$rounds=1000$short$p6PpPsq7yaXsPJqMTrYxZYR..mBfB1UE7BdzhF83oT6"},
	{"longpasswordlongerthaneight", "$6$saltstringsaltst$cnzJrJUnr5JCvKNQwnVWZVZ0AXYHGr7JClvtLZRgnI3ijZBl1VPW.VsK/upFKpI0tnHqttwRWRc7Y5AF0bQcX/"},
	{"longpasswordlongerthaneight", "$6$rounds=5000$x$YRRVGIJ76jBpcIWgjSeGrkw7PmY6A48VeUMPzwv4wu4qhwJvWXKA6oFtDrPwaoGg8wY8s2WMKeT7vRZeZ5Glp0"},
	{"longpasswordlongerthaneight", "$5$$kHFlrxAa0hZ2OOIBLDKnTHCanZT/tU734XgixKmgdvC"},
	{"ünï", "abcStryHWIcpw"},
	{"ünï", "./ojmFcYkHc1E"},
	{"ünï", "Zz9D05kBIB.kE"},
	{"ünï", "$1$saltsalt$BFp466wwWS2yOL6dQQOfU0"},
	{"ünï", "$1$ab$Cuz.0Yb04lcZe8bbsz8hD1"},
	{"ünï", "$5$saltstring$qg7m4xY7wzUnazPXkC1821XuWpgdIArTsUKYQUIviA0"},
	{"ünï", "$5$rounds=1000$short$/jI2PxLMIByj6etBpMruLeAzhr3AmQjK7scw8dGRO30"},
	{"ünï", "$6$saltstringsaltst$OiVcNEpJ3ZJe4jovOxD0cS2DgdLDRSo7Qh4JsW9LjWujZ9xYXqBXFn25OiJvU2gq.IN8XZF8fVBWWgjOXUdZ/."},
	{"ünï", "$6$rounds=5000$x$K7LLfIwuCvP9ZVOddpXstGBEF009EJYC82UgrklxmbpcfIJ9JxdMTQI09nXU5batIcM4wcwDPhRNQUJ/0WbMa/"},
	{"ünï", "$5$$0v9o06P5d3YtPsUCxI4pdn834Vi8NC/Y1uVjejZqS.3"},
	{"secret", "$apr1$xyz12345$hVFg3wOytQE97CWCezCu2/"}, // openssl passwd -apr1
	{"secret", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="},
	{"secret", "{SSHA}gVK8WC9YyFT1gMsQHTGCgT3sSv5zYWx0"},
	{"secret", "{PLAIN}secret"},
	// bcrypt, from libxcrypt too: every variant name, one hash.
	{"secret", "$2a$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW"},
	{"secret", "$2b$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW"},
	{"secret", "$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW"},
	{"secret", "$2x$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW"},
	{"", "$2y$04$abcdefghijklmnopqrstuubyCG3zY1GIXMyxfivm.ClDiInHzxjiq"},
}

func TestCryptVectors(t *testing.T) {
	for _, v := range cryptVectors {
		if !Match(v.password, v.hash) {
			got, _ := Crypt(v.password, v.hash)
			t.Errorf("Crypt(%q, %q) = %q; want the entry", v.password, v.hash, got)
		}
		if Match("x"+v.password, v.hash) {
			t.Errorf("Match(%q, %q) holds for a wrong password", "x"+v.password, v.hash)
		}
	}
}

func TestUnknownSchemesNeverMatch(t *testing.T) {
	for _, h := range []string{
		"$y$j9T$abcdefghijklmnop$3dL1LkYnZM.OVXuVdnnaKVDlLYT92dRwOzDZ5XiVCe.", // yescrypt of "secret"
		"$2z$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",        // no such bcrypt variant
		"", "!", "*",
	} {
		if Match("secret", h) {
			t.Errorf("Match(secret, %q) holds", h)
		}
	}
}

// TestDESCore checks the DES rounds against crypto/des: without salt,
// crypt's cipher is plain DES.
func TestDESCore(t *testing.T) {
	key := []byte("\x13\x34\x57\x79\x9b\xbc\xdf\xf1")
	c, err := des.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	var in, want [8]byte
	binary.BigEndian.PutUint64(in[:], 0x0123456789abcdef)
	c.Encrypt(want[:], in[:])
	ks := desSubkeys(binary.BigEndian.Uint64(key))
	if got := desEncrypt(0x0123456789abcdef, &ks, 0, 1); got != binary.BigEndian.Uint64(want[:]) {
		t.Errorf("DES = %x; want %x", got, want)
	}
}
