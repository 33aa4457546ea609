package nginxconf

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpusMain stands for the stock nginx.conf of the official Docker image,
// which includes the server-level files these projects ship.
const corpusMain = `events {}
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    include /etc/nginx/conf.d/*.conf;
}
`

// corpusEnv is the deployment environment of each file: its ${VAR}
// placeholders and service host names, and the project's own included
// files the corpus does not carry (empty here). Nothing else is changed.
var corpusEnv = map[string]struct {
	replace map[string]string
	// main: the file is a whole nginx.conf, not a conf.d file.
	main bool
	// stubs are included files of the project itself, not in the corpus.
	stubs []string
	// refused is what frontdesk does not implement yet; the README lists
	// these with the issues that implement them.
	refused []string
	// certs are the deployment's certificate and key files ("cert key"),
	// generated for the test: nginx -t reads them.
	certs []string
}{
	"awesome-compose-nodejs-redis.conf": {
		replace: map[string]string{"web1:5000": "127.0.0.1:5001", "web2:5000": "127.0.0.1:5002"},
	},
	"awesome-compose-react.conf": {},
	"chatwoot.conf": {
		certs: []string{"etc/letsencrypt/live/chatwoot.domain.com/fullchain.pem etc/letsencrypt/live/chatwoot.domain.com/privkey.pem"},
		stubs: []string{"etc/ssl/dhparam"},
	},
	"cookiecutter-django.conf": {},
	"frappe-docker.conf": {
		replace: map[string]string{
			"${BACKEND}":                    "127.0.0.1:8000",
			"${SOCKETIO}":                   "127.0.0.1:9000",
			"${FRAPPE_SITE_NAME_HEADER}":    "$host",
			"${UPSTREAM_REAL_IP_ADDRESS}":   "127.0.0.1",
			"${UPSTREAM_REAL_IP_HEADER}":    "X-Forwarded-For",
			"${UPSTREAM_REAL_IP_RECURSIVE}": "off",
			"${PROXY_READ_TIMEOUT}":         "120",
			"${CLIENT_MAX_BODY_SIZE}":       "50m",
		},
		stubs:   []string{"etc/nginx/snippets/security_headers.conf"},
		refused: nil,
	},
	"h5bp-nginx.conf": {
		main: true,
		stubs: []string{
			"etc/nginx/h5bp/security/server_software_information.conf",
			"etc/nginx/h5bp/media_types/media_types.conf",
			"etc/nginx/h5bp/media_types/character_encodings.conf",
			"etc/nginx/h5bp/web_performance/compression.conf",
			"etc/nginx/h5bp/web_performance/cache_expiration.conf",
		},
		refused: nil,
	},
	"home-assistant-deconz.conf": {
		main:    true,
		refused: []string{"sub_filter_once:73", "sub_filter_types:74", "sub_filter:77", "sub_filter:80", "sub_filter:83", "sub_filter:86", "sub_filter:89", "sub_filter:92", "sub_filter:95"},
	},
	"jitsi-meet.conf": {
		refused: []string{"ssi:36", "ssi_types:37"},
		certs:   []string{"etc/jitsi/meet/jitsi-meet.example.com.crt etc/jitsi/meet/jitsi-meet.example.com.key"},
	},
}

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
			env, ok := corpusEnv[name]
			require.True(t, ok, "a new corpus file: describe its environment in corpusEnv")
			src, err := os.ReadFile(path)
			require.NoError(t, err)

			text := string(src)
			for from, to := range env.replace {
				text = strings.ReplaceAll(text, from, to)
			}
			assert.NotContains(t, text, "${", "an environment placeholder is left")
			fsys := stockFiles(t)
			for _, stub := range env.stubs {
				fsys[stub] = &fstest.MapFile{}
			}
			for _, pair := range env.certs {
				certPath, keyPath, _ := strings.Cut(pair, " ")
				certPEM, keyPEM := selfSigned(t, "corpus.test")
				fsys[certPath] = &fstest.MapFile{Data: certPEM}
				fsys[keyPath] = &fstest.MapFile{Data: keyPEM}
			}
			conf := "/etc/nginx/nginx.conf"
			if env.main {
				fsys["etc/nginx/nginx.conf"] = &fstest.MapFile{Data: []byte(text)}
			} else {
				fsys["etc/nginx/nginx.conf"] = &fstest.MapFile{Data: []byte(corpusMain)}
				fsys["etc/nginx/conf.d/"+name] = &fstest.MapFile{Data: []byte(text)}
			}

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
			assert.Equal(t, env.refused, refused)

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

// stockFiles returns the files nginx's Debian package installs in
// /etc/nginx (mime.types, proxy_params, fastcgi_params ...), which the
// corpus includes as a deployment would find them.
func stockFiles(t *testing.T) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, name := range []string{"mime.types", "proxy_params", "fastcgi_params", "fastcgi.conf", "scgi_params", "uwsgi_params"} {
		data, err := os.ReadFile(filepath.Join("/etc/nginx", name))
		if errors.Is(err, os.ErrNotExist) {
			// Without nginx installed, an empty one stands in.
			data, err = nil, nil
		}
		require.NoError(t, err)
		fsys["etc/nginx/"+name] = &fstest.MapFile{Data: data}
	}
	return fsys
}
