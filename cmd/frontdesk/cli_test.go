package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/nginxtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cliConf is the main file of the command-line tests; every path in it is
// inside the prefix.
const cliConf = `user root;
error_log logs/error.log info;
pid logs/nginx.pid;
events {}
http {
    client_body_temp_path client_body_temp;
    proxy_temp_path proxy_temp;
    fastcgi_temp_path fastcgi_temp;
    uwsgi_temp_path uwsgi_temp;
    scgi_temp_path scgi_temp;
    access_log logs/access.log;
    include inc.conf;
    server {
        listen 127.0.0.1:1;
        location / { return 200 "hi\n"; }
    }
}
`

// newPrefix lays out a prefix directory with conf/nginx.conf and
// conf/inc.conf, and an empty logs/.
func newPrefix(t *testing.T, inc string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "conf/nginx.conf"), cliConf)
	writeFile(t, filepath.Join(dir, "conf/inc.conf"), inc)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "logs"), 0o755))
	return dir
}

// TestCommandLineMatchesNginx runs frontdesk and nginx with the same
// arguments on twin prefixes and compares exit status, stdout, stderr
// and the files left in logs/ (times, pids and the prefix normalised).
func TestCommandLineMatchesNginx(t *testing.T) {
	nginxtest.Require(t)
	bin, _ := nginxtest.Binary()
	const good, bad = "default_type text/plain;\n", "default_type text/plain;\nbogus;\n"
	p := []string{"-p", "PREFIX/", "-c", "conf/nginx.conf"}
	with := func(args ...string) []string { return append(slices.Clip(p), args...) }
	tests := []struct {
		name string
		inc  string
		args []string
	}{
		{"version", good, []string{"-v"}},
		{"help", good, []string{"-h"}},
		{"help question mark", good, []string{"-?"}},
		{"invalid option", good, []string{"-x"}},
		{"not an option", good, []string{"x"}},
		{"bad signal", good, []string{"-s", "foo"}},
		{"signal without parameter", good, []string{"-s"}},
		{"-c without file", good, []string{"-c"}},
		{"-p without directory", good, []string{"-p"}},
		{"-e without file", good, []string{"-e"}},
		{"-g without parameter", good, []string{"-g"}},
		{"test", good, with("-t")},
		{"test grouped quiet", good, with("-tq")},
		{"test and dump", good, with("-T")},
		{"test with -c glued", good, []string{"-pPREFIX/", "-cconf/nginx.conf", "-t"}},
		{"test failing, log on stderr", bad, with("-t")},
		{"test failing, -e file", bad, with("-e", "logs/e.log", "-t")},
		{"test failing, quiet", bad, with("-e", "logs/e.log", "-q", "-t")},
		{"refused start, -e file", bad, with("-e", "logs/e.log")},
		{"-g without semicolon", good, with("-e", "logs/e.log", "-g", "daemon off", "-t")},
		{"-g duplicate of the file", good, with("-e", "logs/e.log", "-g", "pid logs/other.pid;", "-t")},
		{"-g accepted", good, with("-g", "daemon off; worker_processes 2;", "-t")},
		{"signal without pid file", good, with("-s", "reload")},
		{"signal without pid file, -e file", good, with("-e", "logs/e.log", "-s", "quit")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fdDir, ngDir := newPrefix(t, tt.inc), newPrefix(t, tt.inc)
			subst := func(dir string) []string {
				out := make([]string, len(tt.args))
				for i, a := range tt.args {
					out[i] = strings.ReplaceAll(a, "PREFIX", dir)
				}
				return out
			}
			fd := runBinary(t, "", subst(fdDir)...)
			ng := runBinary(t, bin, subst(ngDir)...)
			assert.Equal(t, ng.code, fd.code, "exit status")
			assert.Equal(t, normalise(ng.stderr, ngDir), normalise(fd.stderr, fdDir), "stderr")
			assert.Equal(t, normalise(ng.stdout, ngDir), normalise(fd.stdout, fdDir), "stdout")
			assert.Equal(t, logFiles(t, ngDir), logFiles(t, fdDir), "files in logs/")
		})
	}
}

// logFiles lists logs/ with each file's normalised content.
func logFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, "logs"))
	require.NoError(t, err)
	out := map[string]string{}
	for _, e := range ents {
		out[e.Name()] = normalise(readFile(filepath.Join(dir, "logs", e.Name())), dir)
	}
	return out
}

// TestVersionV checks -V: nginx's version line, then frontdesk's own,
// then configure arguments that disown what frontdesk does not emulate.
func TestVersionV(t *testing.T) {
	r := runBinary(t, "", "-V")
	assert.Equal(t, 0, r.code)
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	require.Len(t, lines, 3)
	assert.Equal(t, "nginx version: nginx/1.22.1", lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "built by frontdesk/"), lines[1])
	assert.True(t, strings.HasPrefix(lines[2], "configure arguments: --prefix=/usr/share/nginx --conf-path=/etc/nginx/nginx.conf"), lines[2])
	assert.Contains(t, lines[2], " --without-http_ssi_module")
	assert.Contains(t, lines[2], " --without-http_fastcgi_module")
	assert.NotContains(t, lines[2], "ssl")
}

// TestLintWarnings checks that -t reports frontdesk's lint warnings after
// nginx's verdict, as nginx's [warn] lines.
func TestLintWarnings(t *testing.T) {
	dir := newPrefix(t, "")
	writeFile(t, filepath.Join(dir, "conf/inc.conf"), "server { listen 127.0.0.1:2; location /img { alias /srv/img/; } }\n")
	r := runBinary(t, "", "-p", dir+"/", "-c", "conf/nginx.conf", "-e", "logs/e.log", "-t")
	assert.Equal(t, 0, r.code)
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	require.GreaterOrEqual(t, len(lines), 3, r.stderr)
	assert.Contains(t, lines[1], "test is successful")
	assert.True(t, strings.HasPrefix(lines[2], "nginx: [warn] "), lines[2])
	assert.Contains(t, lines[2], " in "+dir+"/conf/inc.conf:1")
}

// TestRefusesRoot: started as root without "user root;", frontdesk
// refuses to serve rather than serve as root silently.
func TestRefusesRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := newPrefix(t, "")
	conf := strings.Replace(cliConf, "user root;\n", "user www-data;\ndaemon off;\n", 1)
	writeFile(t, filepath.Join(dir, "conf/nginx.conf"), conf)
	p := start(t, []string{allowRootEnv + "=0"}, "-p", dir+"/", "-c", "conf/nginx.conf", "-e", "logs/e.log")
	assert.Equal(t, 1, p.waitExit(t))
	assert.Contains(t, p.stderr.String(), `nginx: [emerg] frontdesk cannot switch to user "www-data" and refuses to serve as root`)
	assert.Contains(t, readFile(filepath.Join(dir, "logs/e.log")), "[emerg]")
	assert.NoFileExists(t, filepath.Join(dir, "logs/nginx.pid"))
}
