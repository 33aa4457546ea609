package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frontdesk-go/frontdesk/frontdesktest"
	"github.com/frontdesk-go/frontdesk/internal/corpus"
)

// corpusDir holds the published configurations (its README says how to
// use them); it is absent on a fresh clone.
const corpusDir = "../../../shared/corpus/nginx"

var (
	// deploymentPath is an absolute path of a deployment's filesystem,
	// which moves under the test's root directory.
	deploymentPath = regexp.MustCompile(`(^|[\s'"])/((?:etc|var|usr|home)/[^\s;'"]*)`)
	// refusedRE is one refusal on -t's stderr: the directive, then its
	// file:line.
	refusedRE = regexp.MustCompile(`"([a-z0-9_]+)" directive[^\n]* in (\S+):(\d+)`)
	// laterWork are the directives the corpus may still see refused (issue
	// 9): those of later work.
	laterWork = regexp.MustCompile(`^(ssi|ssi_.*|sub_filter.*|proxy_cache.*|limit_req.*|limit_conn.*|auth_request.*|fastcgi_.*|uwsgi_.*)$`)
)

// TestCorpusBinaryCheck runs the binary's -t on every file of the corpus,
// laid out as its deployment has it (the environment of
// internal/corpus, the deployment's absolute paths under a test root,
// generated certificates): each loads, or is refused only for directives
// of later work, each named with its file:line.
func TestCorpusBinaryCheck(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.conf"))
	if len(files) == 0 {
		t.Skipf("no corpus in %s", corpusDir)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(path)
			require.NoError(t, err)
			fsys, mainConf, err := corpus.Deployment(name, string(src), func() ([]byte, []byte) { return corpusPair(t) })
			require.NoError(t, err)
			root := t.TempDir()
			for p, f := range fsys {
				data := f.Data
				if strings.HasSuffix(p, ".conf") {
					data = []byte(underRoot(t, root, string(data)))
				}
				writeFile(t, filepath.Join(root, p), string(data))
			}

			r := runBinary(t, "", "-t", "-p", root+"/", "-c", filepath.Join(root, mainConf), "-e", filepath.Join(root, "startup.log"))
			want := corpus.Envs[name].Refused
			file := "etc/nginx/conf.d/" + name
			if corpus.Envs[name].Main {
				file = mainConf
			}
			if len(want) == 0 {
				assert.Equal(t, 0, r.code, r.stderr)
				assert.Contains(t, r.stderr, "test is successful")
				return
			}
			assert.Equal(t, 1, r.code, r.stderr)
			var got []string
			for _, m := range refusedRE.FindAllStringSubmatch(r.stderr, -1) {
				assert.Regexp(t, laterWork, m[1], "only directives of later work may be refused")
				assert.Equal(t, filepath.Join(root, file), m[2], "the refusal names the corpus file")
				got = append(got, m[1]+":"+m[3])
			}
			require.NotEmpty(t, got, r.stderr)
			t.Logf("refused: %s", strings.TrimSpace(r.stderr))
			// -t stops at nginx's first error, as nginx does: the
			// first refusal the loader lists.
			assert.Equal(t, want[0], got[0], r.stderr)
		})
	}
}

// underRoot moves the deployment's absolute paths in a configuration
// under root, creating the directories they name, as the deployment has
// them (log directories, for -t opens the logs).
func underRoot(t *testing.T, root, text string) string {
	t.Helper()
	return deploymentPath.ReplaceAllStringFunc(text, func(m string) string {
		sub := deploymentPath.FindStringSubmatch(m)
		p := filepath.Join(root, sub[2])
		dir := p
		if !strings.HasSuffix(sub[2], "/") {
			dir = filepath.Dir(p)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			t.Fatal(err)
		}
		return sub[1] + p
	})
}

// corpusPair is a certificate and key (PEM) for a deployment's paths.
func corpusPair(t *testing.T) (certPEM, keyPEM []byte) {
	certFile, keyFile := frontdesktest.Certificate(t, t.TempDir(), "corpus.test")
	return []byte(readFile(certFile)), []byte(readFile(keyFile))
}
