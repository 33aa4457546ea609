package fileserve

import (
	"bytes"
	"os"
	"testing"
	"time"
)

func TestAdhocGolden(t *testing.T) {
	ents, err := ReadAutoindexDir("/tmp/fsprobe/idx")
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	kol, _ := time.LoadLocation("Asia/Kolkata")
	now := time.Date(2026, 11, 25, 1, 0, 24, 0, time.UTC)
	cases := map[string]AutoindexOptions{
		"html_exact":  {},
		"html_approx": {ApproximateSizes: true},
		"json":        {Format: "json"},
		"jsonp":       {Format: "jsonp", Callback: "cb"},
		"xml":         {Format: "xml"},
		"html_utf8":   {UTF8: true},
		"html_localtime_ny":      {Localtime: true, Now: now.In(ny)},
		"html_localtime_kolkata": {Localtime: true, Now: now.In(kol)},
	}
	for name, opt := range cases {
		want, _ := os.ReadFile("/tmp/fsprobe/golden/" + name + ".golden")
		var b bytes.Buffer
		RenderAutoindex(&b, "/idx/", ents, opt)
		if !bytes.Equal(b.Bytes(), want) {
			os.WriteFile("/tmp/fsprobe/adhoc/"+name+".got", b.Bytes(), 0644)
			t.Errorf("%s differs", name)
		}
	}
}
