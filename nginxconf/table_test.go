package nginxconf

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
)

// probeContexts places a directive in each context nginx distinguishes.
var probeContexts = []struct {
	ctx  ctxSet
	conf string // %s is the directive
}{
	{ctxMain, "%s\n"},
	{ctxEvents, "events { %s }\n"},
	{ctxHTTP, "http { %s }\n"},
	{ctxServer, "http { server { %s } }\n"},
	{ctxLocation, "http { server { location / { %s } } }\n"},
	{ctxIfServer, "http { server { if ($host) { %s } } }\n"},
	{ctxIfLocation, "http { server { location / { if ($host) { %s } } } }\n"},
	{ctxLimitExcept, "http { server { location / { limit_except GET { %s } } } }\n"},
	{ctxUpstream, "http { upstream u { %s } }\n"},
}

// TestDirectiveTableMatchesNginx checks every row of the directive table
// against the installed nginx: in each context, and with zero to eight
// arguments, nginx says "is not allowed here" and "invalid number of
// arguments" exactly when the loader does. It runs nginx about ten
// thousand times; -short skips it.
func TestDirectiveTableMatchesNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx -t for every directive, context and argument count")
	}
	nginxtest.Require(t)
	bin, _ := nginxtest.Binary()

	type probe struct {
		conf    string
		allowed bool // the loader's verdict on the class checked
		class   string
		// exact: the loader's message, which nginx's must equal.
		exact string
	}
	var probes []probe
	names := make([]string, 0, len(directiveTable))
	for key := range directiveTable {
		names = append(names, key)
	}
	sort.Strings(names)
	for _, key := range names {
		spec := directiveTable[key]
		if spec.module != "" || spec.newer != "" {
			continue // not loaded in nginx either; newer than nginx
		}
		name, _, _ := strings.Cut(key, "@")
		term := ";"
		if spec.block {
			term = " {}"
		}
		if !strings.HasSuffix(key, "@upstream") {
			for _, c := range probeContexts {
				_, other := directiveTable[name+"@upstream"]
				if c.ctx == ctxUpstream && other {
					continue // the other row answers there
				}
				probes = append(probes, probe{conf: fmt.Sprintf(c.conf, name+term), allowed: spec.ctx&c.ctx != 0, class: "is not allowed here"})
			}
		}
		var where string
		for _, c := range probeContexts {
			if spec.ctx&c.ctx != 0 {
				where = c.conf
				break
			}
		}
		for n := 0; n <= 8; n++ {
			d := name + strings.Repeat(" x", n) + term
			probes = append(probes, probe{conf: fmt.Sprintf(where, d), allowed: spec.args.ok(n), class: "invalid number of arguments"})
		}
		if good, bad := probeValues(spec); good != "" && spec.args.ok(1) && !spec.block {
			twice := fmt.Sprintf(where, name+" "+good+"; "+name+" "+good+";")
			probes = append(probes, probe{conf: twice, allowed: !spec.dup, class: "is duplicate"})
			conf := fmt.Sprintf(where, name+" "+bad+";")
			_, err := LoadString("/p/nginx.conf", conf, Options{})
			require.Error(t, err, conf)
			probes = append(probes, probe{conf: conf, exact: strings.Split(err.Error(), "\n")[0]})
		}
	}

	dir := t.TempDir()
	var wg sync.WaitGroup
	work := make(chan int)
	var mu sync.Mutex
	var mismatches []string
	for w := 0; w < 2*runtime.NumCPU(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				p := probes[i]
				pdir := filepath.Join(dir, fmt.Sprint(i))
				if err := os.Mkdir(pdir, 0o755); err != nil {
					mu.Lock()
					mismatches = append(mismatches, err.Error())
					mu.Unlock()
					continue
				}
				conf := filepath.Join(pdir, "nginx.conf")
				if err := os.WriteFile(conf, []byte(p.conf), 0o644); err != nil {
					continue
				}
				msg, err := runNginxTest(t.Context(), bin, pdir)
				_ = os.RemoveAll(pdir)
				if err != nil {
					mu.Lock()
					mismatches = append(mismatches, fmt.Sprintf("%q: %v", p.conf, err))
					mu.Unlock()
					continue
				}
				if p.exact != "" {
					if msg = strings.ReplaceAll(msg, pdir, "/p"); msg != p.exact {
						mu.Lock()
						mismatches = append(mismatches, fmt.Sprintf("%q: nginx says %q, the loader %q", p.conf, msg, p.exact))
						mu.Unlock()
					}
					continue
				}
				if nginxAllowed := !strings.Contains(msg, p.class); nginxAllowed != p.allowed {
					mu.Lock()
					mismatches = append(mismatches, fmt.Sprintf("%q: nginx says %q, the table allowed=%v", p.conf, msg, p.allowed))
					mu.Unlock()
				}
			}
		}()
	}
	for i := range probes {
		work <- i
	}
	close(work)
	wg.Wait()
	sort.Strings(mismatches)
	require.Empty(t, mismatches)

	// The loader gives the same verdicts as the table.
	for _, p := range probes {
		if p.exact != "" {
			continue
		}
		_, err := LoadString("/p/nginx.conf", p.conf, Options{})
		got := err == nil || !strings.Contains(err.Error(), p.class)
		assert.Equal(t, p.allowed, got, p.conf)
	}
}

// probeValues returns a value the row's value kind accepts and one it
// refuses, or "" for rows whose values the table does not check.
func probeValues(s *directiveSpec) (good, bad string) {
	switch s.value {
	case vFlag:
		return "on", "yes"
	case vNum:
		return "1", "1k"
	case vSize:
		return "1k", "1s"
	case vOffset:
		return "1k", "1x"
	case vMsec:
		return "1s", "1k"
	case vSec:
		return "1s", "1ms"
	case vEnum, vBitmask:
		return s.enum[0], "bogus"
	}
	return "", ""
}
