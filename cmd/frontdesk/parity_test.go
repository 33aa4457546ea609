package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/nginxparity"
	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTestParityWithNginx runs `-t` of nginx and of the binary on each
// configuration of the loader's parity table, on twin prefixes with the
// same command line, and compares exit status and stderr: nginx's lines
// exactly (times, pids and the prefix normalised), after which frontdesk
// may only add its own [warn] lint lines. The table's deliberate
// divergences are checked as such: what frontdesk does not implement is
// refused naming it, directives of later nginx versions are accepted with
// a warning.
func TestTestParityWithNginx(t *testing.T) {
	nginxtest.Require(t)
	bin, _ := nginxtest.Binary()
	for _, tt := range nginxparity.Cases {
		t.Run(tt.Name, func(t *testing.T) {
			t.Parallel()
			run := func(bin string) (result, string) {
				dir := t.TempDir()
				conf, err := tt.Write(dir)
				require.NoError(t, err)
				r := runBinary(t, bin, "-t", "-p", dir+"/", "-c", conf, "-e", filepath.Join(dir, "error.log"))
				r.stderr = normalise(r.stderr, dir)
				return r, dir
			}
			ng, _ := run(bin)
			fd, _ := run("")
			switch {
			case tt.Refused != nil:
				assert.Equal(t, 0, ng.code, "nginx accepts a configuration marked refused")
				assert.Equal(t, 1, fd.code)
				// The first: frontdesk, as nginx, stops at the first error.
				assert.Contains(t, fd.stderr, tt.Refused[0])
				assert.Contains(t, fd.stderr, "nginx: configuration file PREFIX/nginx.conf test failed\n")
			case tt.Newer != nil:
				assert.Equal(t, 1, ng.code, "nginx 1.22.1 refuses a later version's directive")
				assert.Equal(t, 0, fd.code, fd.stderr)
				for _, n := range tt.Newer {
					assert.Contains(t, fd.stderr, `"`+n+`"`)
				}
			default:
				assert.Equal(t, ng.code, fd.code, "exit status; nginx said:\n%s", ng.stderr)
				rest, ok := strings.CutPrefix(fd.stderr, ng.stderr)
				if !assert.True(t, ok, "stderr:\nnginx:     %q\nfrontdesk: %q", ng.stderr, fd.stderr) {
					return
				}
				for _, line := range strings.Split(strings.TrimSuffix(rest, "\n"), "\n") {
					if line != "" {
						assert.True(t, strings.HasPrefix(line, "nginx: [warn] "), "frontdesk's own line is a warning: %q", line)
					}
				}
			}
		})
	}
}
