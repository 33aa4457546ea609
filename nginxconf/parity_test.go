package nginxconf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/nginxparity"
	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
)

// h, s and l wrap a body in an http block, a server block, "location /".
var h, s, l = nginxparity.HTTP, nginxparity.Server, nginxparity.Location

func TestParityWithNginx(t *testing.T) {
	nginxtest.Require(t)
	bin, _ := nginxtest.Binary()
	assert.GreaterOrEqual(t, len(nginxparity.Cases), 120)
	for _, tt := range nginxparity.Cases {
		t.Run(tt.Name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			conf, err := tt.Write(dir)
			require.NoError(t, err)

			want := nginxVerdict(t, bin, dir)
			got, refused := frontdeskVerdict(t, dir, tt.Conf)
			if tt.Newer != nil {
				assert.Equal(t, fmt.Sprintf(`unknown directive "%s" in %s:%d`, tt.Newer[0], conf, newerLine(tt.Conf, tt.Newer[0])), want)
				cfg, err := LoadFile(conf, Options{Prefix: dir + "/"})
				if assert.NoError(t, err, "frontdesk accepts what a later nginx accepts") {
					var warned []string
					for _, w := range cfg.Warnings {
						warned = append(warned, w.Directive)
					}
					assert.Equal(t, tt.Newer, warned, "-t warns about each")
				}
				return
			}

			if tt.Refused != nil {
				assert.Equal(t, "", want, "nginx must accept a configuration marked refused")
				for _, r := range tt.Refused {
					assert.Contains(t, strings.Join(refused, "\n"), r)
				}
				assert.Equal(t, "", got, "frontdesk's verdict apart from what it does not implement")
				return
			}
			if want == "" {
				assert.Empty(t, refused, "frontdesk refuses what nginx accepts")
			}
			assert.Equal(t, want, got)
		})
	}
}

// nginxVerdict runs nginx -t on dir/nginx.conf and returns its verdict:
// see runNginxTest.
func nginxVerdict(t *testing.T, bin, dir string) string {
	t.Helper()
	msg, err := runNginxTest(t.Context(), bin, dir)
	require.NoError(t, err)
	return msg
}

// runNginxTest runs nginx -t with prefix dir on dir/nginx.conf and returns
// its first [emerg] message without the "nginx: [emerg] " prefix, or ""
// when nginx accepts the configuration.
func runNginxTest(ctx context.Context, bin, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-t", "-q", "-p", dir+"/", "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	for _, line := range strings.Split(stderr.String(), "\n") {
		if msg, ok := strings.CutPrefix(line, "nginx: [emerg] "); ok {
			return msg, nil
		}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		// nginx refuses a few values without a word ("modern_browser x").
		return "(refused without a message)", nil
	}
	if err != nil {
		return "", fmt.Errorf("nginx -t: %v: %s", err, stderr.String())
	}
	return "", nil
}

// frontdeskVerdict loads conf and compiles its servers. It returns the
// first error that is not a refusal, and the refusals.
func frontdeskVerdict(t *testing.T, dir, conf string) (first string, refused []string) {
	t.Helper()
	cfg, err := LoadString(filepath.Join(dir, "nginx.conf"), conf, Options{Prefix: dir + "/"})
	for _, e := range flatten(err) {
		if errors.Is(e, ErrNotImplemented) {
			refused = append(refused, e.Error())
		} else if first == "" {
			first = e.Error()
		}
	}
	if err != nil {
		return first, refused
	}
	for _, srv := range cfg.Servers {
		opts := append([]frontdesk.Option{frontdesk.Logger(slog.New(slog.DiscardHandler))}, srv.Options...)
		p, err := frontdesk.New(opts...)
		require.NoError(t, err, "frontdesk.New after a successful load")
		require.NoError(t, p.Close())
	}
	return "", nil
}

// newerLine is the line of conf where the directive name is first
// written, which nginx names in its "unknown directive" message.
func newerLine(conf, name string) int {
	for i, line := range strings.Split(conf, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), name+" ") {
			return i + 1
		}
	}
	return 0
}
