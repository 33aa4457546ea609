package main

import (
	"strings"
	"testing"
)

func TestWebSocketThroughFrontdesk(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`sent "hello", got "echo: hello"`,
		`sent "bye", got "echo: bye"`,
		"plain request: 200 not a websocket request",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
