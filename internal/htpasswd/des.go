package htpasswd

// Traditional crypt(3): 25 DES encryptions of a zero block under the
// first eight bytes of the password, with the 12-bit salt swapping bits
// of the expansion E (FIPS 46-3; the salt as in Seventh Edition Unix).
// crypto/des cannot be used: it has no hook into E. Tables are 1-based
// bit positions, first bit most significant, as in the standard.

var (
	desIP = [64]byte{
		58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4,
		62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
		57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
		61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
	}
	desFP = [64]byte{
		40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31,
		38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29,
		36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27,
		34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25,
	}
	desE = [48]byte{
		32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13,
		12, 13, 14, 15, 16, 17, 16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25,
		24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
	}
	desP = [32]byte{
		16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10,
		2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
	}
	desPC1 = [56]byte{
		57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18,
		10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
		63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22,
		14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
	}
	desPC2 = [48]byte{
		14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10,
		23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
		41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48,
		44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
	}
	desShifts = [16]byte{1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1}
	desS      = [8][64]byte{
		{14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7,
			0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
			4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0,
			15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13},
		{15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10,
			3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
			0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15,
			13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9},
		{10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8,
			13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
			13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7,
			1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12},
		{7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15,
			13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
			10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4,
			3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14},
		{2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9,
			14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
			4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14,
			11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3},
		{12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11,
			10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
			9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6,
			4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13},
		{4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1,
			13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
			1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2,
			6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12},
		{13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7,
			1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
			7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8,
			2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11},
	}
)

// permute picks the bits table names out of in, a width-bit value.
func permute(in uint64, width int, table []byte) uint64 {
	var out uint64
	for _, t := range table {
		out = out<<1 | (in>>(width-int(t)))&1
	}
	return out
}

// desSubkeys is the DES key schedule: sixteen 48-bit round keys.
func desSubkeys(key uint64) [16]uint64 {
	cd := permute(key, 64, desPC1[:])
	c, d := cd>>28, cd&0xfffffff
	var ks [16]uint64
	for i, s := range desShifts {
		c = (c<<s | c>>(28-s)) & 0xfffffff
		d = (d<<s | d>>(28-s)) & 0xfffffff
		ks[i] = permute(c<<28|d, 56, desPC2[:])
	}
	return ks
}

// desEncrypt encrypts block count times under ks; salt swaps E output
// bits i and i+24 (counted from the first) for each salt bit i set.
func desEncrypt(block uint64, ks *[16]uint64, salt uint32, count int) uint64 {
	var swap uint64
	for i := 0; i < 12; i++ {
		if salt>>i&1 != 0 {
			swap |= 1 << (47 - i)
		}
	}
	for ; count > 0; count-- {
		lr := permute(block, 64, desIP[:])
		l, r := lr>>32, lr&0xffffffff
		for _, k := range ks {
			e := permute(r, 32, desE[:])
			x := (e ^ e<<24) & swap // where the two bits of a pair differ
			e ^= x | x>>24
			e ^= k
			var f uint64
			for j := 0; j < 8; j++ {
				six := e >> (42 - 6*j) & 0x3f
				f = f<<4 | uint64(desS[j][(six&0x20)|(six&1)<<4|(six>>1)&0xf])
			}
			l, r = r, l^permute(f, 32, desP[:])
		}
		block = permute(r<<32|l, 64, desFP[:])
	}
	return block
}

// desCrypt is crypt(3)'s traditional DES scheme with a two-character salt.
func desCrypt(password, salt string) string {
	var key uint64
	for i := 0; i < 8; i++ {
		key <<= 8
		if i < len(password) {
			key |= uint64(password[i]<<1) & 0xff
		}
	}
	ks := desSubkeys(key)
	s := uint32(a64toi(salt[0])) | uint32(a64toi(salt[1]))<<6
	v := desEncrypt(0, &ks, s, 25)
	out := []byte(salt)
	for i := 0; i < 11; i++ {
		shift := 58 - 6*i
		var c uint64
		if shift >= 0 {
			c = v >> shift & 0x3f
		} else {
			c = v << -shift & 0x3f
		}
		out = append(out, itoa64[c])
	}
	return string(out)
}

func a64toi(c byte) int {
	for i := 0; i < len(itoa64); i++ {
		if itoa64[i] == c {
			return i
		}
	}
	return 0
}
