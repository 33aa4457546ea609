package nginxconf

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frontdesk-go/frontdesk/internal/corpus"
)

// refusalRE matches a refusal: a message naming the directive in quotes,
// then its position.
var refusalRE = regexp.MustCompile(`^[^"]*"([a-z0-9_]+)".* in (/\S+):(\d+)$`)

// TestCorpusLoads loads every configuration of the corpus (README in
// corpusDir) as its deployment would, after substituting only the
// environment, and checks that what frontdesk refuses is named with its
// position. TestCorpusParses checks their syntax.
func TestCorpusLoads(t *testing.T) {
	files := corpusFiles(t)
	if len(files) == 0 {
		t.Skipf("no corpus in %s", corpusDir)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			require.NoError(t, err)
			fsys, conf, err := corpus.Deployment(name, string(src), func() ([]byte, []byte) { return selfSigned(t, "corpus.test") })
			require.NoError(t, err)

			_, err = LoadFile(conf, Options{FS: fsys})
			var refused []string
			for _, e := range flatten(err) {
				if !errors.Is(e, ErrNotImplemented) {
					t.Errorf("not a refusal: %v", e)
					continue
				}
				m := refusalRE.FindStringSubmatch(e.Error())
				if !assert.NotNil(t, m, "a refusal names the directive and its file:line: %v", e) {
					continue
				}
				refused = append(refused, m[1]+":"+m[3])
				t.Logf("refused: %v", e)
			}
			assert.Equal(t, corpus.Envs[name].Refused, refused)

			// What is left once the caller accepts to run without them.
			var ignore []string
			for _, r := range refused {
				ignore = append(ignore, r[:strings.IndexByte(r, ':')])
			}
			cfg, err := LoadFile(conf, Options{FS: fsys, Ignore: ignore})
			for _, e := range flatten(err) {
				t.Logf("with %v ignored: %v", ignore, e)
			}
			if err == nil {
				for _, w := range cfg.Warnings {
					t.Logf("warning: %v", w)
				}
			}
		})
	}
}
