package conformance

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
)

// binaryPackage is the drop-in binary that ServerEnv=binary runs.
const binaryPackage = "github.com/frontdesk-go/frontdesk/cmd/frontdesk"

// buildTimeout bounds building the binary (mostly linking: the packages
// are in the build cache once the tests themselves are built).
const buildTimeout = 3 * time.Minute

var built struct {
	once sync.Once
	file *os.File // held open for the process's life
	path string
	err  error
}

// frontdeskBinary builds cmd/frontdesk once per test process, with the
// race detector when the tests have it. The file is held open and its
// directory removed at once: the servers are started through
// /proc/self/fd, so nothing is left on disk, however the tests end.
func frontdeskBinary(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		if runtime.GOOS != "linux" {
			built.err = fmt.Errorf("%s=binary runs the binary through /proc/self/fd: Linux only", ServerEnv)
			return
		}
		dir, err := os.MkdirTemp("", "frontdesk-conformance-")
		if err != nil {
			built.err = err
			return
		}
		defer os.RemoveAll(dir)
		exe := filepath.Join(dir, "frontdesk")
		args := []string{"build", "-o", exe}
		if raceEnabled {
			args = append(args, "-race")
		}
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		out, err := exec.CommandContext(ctx, "go", append(args, binaryPackage)...).CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build %s: %v\n%s", binaryPackage, err, out)
			return
		}
		if built.file, err = os.Open(exe); err != nil {
			built.err = err
			return
		}
		built.path = fmt.Sprintf("/proc/self/fd/%d", built.file.Fd())
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// startBinary starts the frontdesk binary as nginx was started: the same
// http{} body rendered into the same complete nginx.conf (ports of its
// own), the same prefix layout and data files, the same command line. It
// is ready once its pid file holds its pid, as a tool starting nginx
// sees it, and is stopped (TERM) and reaped when the test ends.
func startBinary(t testing.TB, conf string, ng *nginxtest.Server) string {
	t.Helper()
	bin := frontdeskBinary(t)
	prefix := t.TempDir()
	// A relative root ("root data/site;") names the same files as
	// nginx's; {{DIR}} is nginx's data directory itself.
	if err := os.Symlink(ng.DataDir, filepath.Join(prefix, "data")); err != nil {
		t.Fatal(err)
	}
	fd := nginxtest.StartWith(t, conf, nginxtest.Options{
		Binary: bin, Dir: prefix, DataDir: ng.DataDir, Ports: len(ng.Ports), PidReady: true,
		// The race runtime would otherwise linger a second at exit.
		Env: []string{"GORACE=atexit_sleep_ms=0"},
	})
	// Paths under the prefixes ($document_root of "root data/site;")
	// differ by the prefix alone; frontdesk also names nginx's data
	// directory ({{DIR}}).
	ngPort, fdPort := portOf(ng.Addr), portOf(fd.Addr)
	prefixes.Store(ngPort, []string{ng.Dir})
	prefixes.Store(fdPort, []string{fd.Dir, ng.Dir})
	t.Cleanup(func() {
		prefixes.Delete(ngPort)
		prefixes.Delete(fdPort)
	})
	return fd.Addr
}

// prefixes maps the port of a server started in binary mode to the
// directories normalise replaces by "PREFIX" in what it sent.
var prefixes sync.Map
