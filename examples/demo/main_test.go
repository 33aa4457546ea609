package main

import (
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	var out strings.Builder
	if err := run("", &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`/healthz                     200  location "= /healthz"`,
		`/static/css/site.css         200  location "^~ /static/"`,
		`app-1 got GET /v1/users?id=7`,
		`app-2 got GET /v1/users?id=8`,
		`/old/page                    301`,
		`/static/../../etc/passwd     400`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
