package main

import (
	"strings"
	"testing"
)

func TestDjangoLayout(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"/static/admin/css/base.css   200 text/css",
		"django saw GET /admin/login/?next=/ host=127.0.0.1 x-forwarded-for=127.0.0.1 x-forwarded-proto=http",
		"/static/missing.js           404",
		"/admin/                      502",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
