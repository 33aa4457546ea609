package fileserve

import (
	"testing"
	"time"
)

// Every accept/reject below was checked with "nginx -t" (nginx 1.22.1,
// amd64) using send_timeout (ParseTime), expires (ParseSeconds),
// client_body_buffer_size (ParseSize) and client_max_body_size
// (ParseOffset). Exact values come from the cases served with expires.

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"500ms", 500 * time.Millisecond, true},
		{"1s500ms", 1500 * time.Millisecond, true},
		{"1h30m", 90 * time.Minute, true},
		{"10", 10 * time.Second, true},
		{"1s 500ms", 1500 * time.Millisecond, true},
		{"1w", 7 * 24 * time.Hour, true},
		{"1d", 24 * time.Hour, true},
		{"0", 0, true},
		{"0ms", 0, true},
		{"1h1ms", time.Hour + time.Millisecond, true},
		{"1ms5", 5001 * time.Millisecond, true},
		{"5ms5", 5005 * time.Millisecond, true},
		{"1 2", 3 * time.Second, true},
		{"1m1ms", time.Minute + time.Millisecond, true},
		{"9223372036854775", 0, false}, // nginx accepts; beyond time.Duration
		{"1ms1s", 0, false},
		{"1y", 0, false},
		{"1M", 0, false},
		{"ms", 0, false},
		{"9223372036854775808ms", 0, false},
		{"9223372036854776", 0, false},
		{"106751991168d", 0, false},
		{"", 0, false},
		{"1H", 0, false},
		{"1m1h", 0, false},
		{"-1s", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseTime(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseSeconds(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1h", 3600, true},
		{"1d 2h 3m 4s", 93784, true},
		{"1h 30m", 5400, true},
		{"1h  30m", 5400, true},
		{"1y", 31536000, true},
		{"1y1M1w1d1h1m1s", 31536000 + 2592000 + 604800 + 86400 + 3600 + 60 + 1, true},
		{" 10", 10, true},
		{"10 ", 10, true},
		{"10s5", 15, true},
		{"10y", 315360000, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"106751991167300d", 106751991167300 * 86400, true},
		{"292277024626y", 292277024626 * 31536000, true},
		{"292277024627y", 292277024627 * 31536000, true},
		{"9223372036854775808", 0, false},
		{"1x", 0, false},
		{"", 0, false},
		{"1h1h", 0, false},
		{"1m1h", 0, false},
		{"30 1h", 0, false},
		{"500ms", 0, false},
		{"2M1y", 0, false},
		{"h", 0, false},
		{"1H", 0, false},
		{"@1h", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSeconds(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSeconds(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseSizeAndOffset(t *testing.T) {
	tests := []struct {
		in            string
		size, offset  int64
		sizeOK, offOK bool
	}{
		{"1k", 1024, 1024, true, true},
		{"1K", 1024, 1024, true, true},
		{"1m", 1 << 20, 1 << 20, true, true},
		{"1M", 1 << 20, 1 << 20, true, true},
		{"1g", 0, 1 << 30, false, true},
		{"1G", 0, 1 << 30, false, true},
		{"10", 10, 10, true, true},
		{"0", 0, 0, true, true},
		{"01k", 1024, 1024, true, true},
		{"", 0, 0, false, false},
		{"k", 0, 0, false, false},
		{"1kb", 0, 0, false, false},
		{"-1", 0, 0, false, false},
		{"9223372036854775807", 9223372036854775807, 9223372036854775807, true, true},
		{"9223372036854775808", 0, 0, false, false},
		{"9007199254740991k", 9007199254740991 * 1024, 9007199254740991 * 1024, true, true},
		{"9007199254740992k", 0, 0, false, false},
		{"8796093022207m", 8796093022207 << 20, 8796093022207 << 20, true, true},
		{"8796093022208m", 0, 0, false, false},
		{"8589934591g", 0, 8589934591 << 30, false, true},
		{"8589934592g", 0, 0, false, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.sizeOK || got != tt.size {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.size, tt.sizeOK)
		}
		got, err = ParseOffset(tt.in)
		if (err == nil) != tt.offOK || got != tt.offset {
			t.Errorf("ParseOffset(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.offset, tt.offOK)
		}
	}
}
