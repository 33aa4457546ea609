// Package corpus describes the deployments of the published nginx
// configurations in ../shared/corpus/nginx (read its README): what a test
// substitutes to load each file as its project runs it, and nothing else.
// nginxconf's tests load them through the loader, cmd/frontdesk's through
// the binary's -t.
package corpus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing/fstest"
)

// Main stands for the stock nginx.conf of the official Docker image,
// which includes the server-level files these projects ship.
const Main = `events {}
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    include /etc/nginx/conf.d/*.conf;
}
`

// Env is the deployment environment of one file: its ${VAR} placeholders
// and service host names, and the project's own included files the corpus
// does not carry (empty here).
type Env struct {
	Replace map[string]string
	// Main: the file is a whole nginx.conf, not a conf.d file.
	Main bool
	// Stubs are included files of the project itself, not in the corpus.
	Stubs []string
	// Refused is what frontdesk does not implement yet ("directive:line");
	// the README lists these with the issues that implement them.
	Refused []string
	// Certs are the deployment's certificate and key files ("cert key"),
	// generated for the test: nginx -t reads them.
	Certs []string
}

// Envs are the environments by file name.
var Envs = map[string]Env{
	"awesome-compose-nodejs-redis.conf": {
		Replace: map[string]string{"web1:5000": "127.0.0.1:5001", "web2:5000": "127.0.0.1:5002"},
	},
	"awesome-compose-react.conf": {},
	"chatwoot.conf": {
		Certs: []string{"etc/letsencrypt/live/chatwoot.domain.com/fullchain.pem etc/letsencrypt/live/chatwoot.domain.com/privkey.pem"},
		Stubs: []string{"etc/ssl/dhparam"},
	},
	"cookiecutter-django.conf": {},
	"frappe-docker.conf": {
		Replace: map[string]string{
			"${BACKEND}":                    "127.0.0.1:8000",
			"${SOCKETIO}":                   "127.0.0.1:9000",
			"${FRAPPE_SITE_NAME_HEADER}":    "$host",
			"${UPSTREAM_REAL_IP_ADDRESS}":   "127.0.0.1",
			"${UPSTREAM_REAL_IP_HEADER}":    "X-Forwarded-For",
			"${UPSTREAM_REAL_IP_RECURSIVE}": "off",
			"${PROXY_READ_TIMEOUT}":         "120",
			"${CLIENT_MAX_BODY_SIZE}":       "50m",
		},
		Stubs:   []string{"etc/nginx/snippets/security_headers.conf"},
		Refused: nil,
	},
	"h5bp-nginx.conf": {
		Main: true,
		Stubs: []string{
			"etc/nginx/h5bp/security/server_software_information.conf",
			"etc/nginx/h5bp/media_types/media_types.conf",
			"etc/nginx/h5bp/media_types/character_encodings.conf",
			"etc/nginx/h5bp/web_performance/compression.conf",
			"etc/nginx/h5bp/web_performance/cache_expiration.conf",
		},
		Refused: nil,
	},
	"home-assistant-deconz.conf": {
		Main:    true,
		Refused: []string{"sub_filter_once:73", "sub_filter_types:74", "sub_filter:77", "sub_filter:80", "sub_filter:83", "sub_filter:86", "sub_filter:89", "sub_filter:92", "sub_filter:95"},
	},
	"jitsi-meet.conf": {
		Refused: []string{"ssi:36", "ssi_types:37"},
		Certs:   []string{"etc/jitsi/meet/jitsi-meet.example.com.crt etc/jitsi/meet/jitsi-meet.example.com.key"},
	},
}

// stockFiles are the files nginx's Debian package installs in /etc/nginx
// that the corpus includes.
var stockFiles = []string{"mime.types", "proxy_params", "fastcgi_params", "fastcgi.conf", "scgi_params", "uwsgi_params"}

// Deployment lays out the file name (its text as read) as its deployment
// has it, by absolute path without the leading "/": the environment
// substituted, the main nginx.conf (Main unless the file is one), the
// stock files from this machine's /etc/nginx (empty without nginx), the
// project's stubs, and a certificate pair from pair for each of Certs.
// main is the path of the nginx.conf to load.
func Deployment(name, text string, pair func() (certPEM, keyPEM []byte)) (fsys fstest.MapFS, main string, err error) {
	env, ok := Envs[name]
	if !ok {
		return nil, "", fmt.Errorf("%s: a new corpus file: describe its environment in corpus.Envs", name)
	}
	for from, to := range env.Replace {
		text = strings.ReplaceAll(text, from, to)
	}
	if strings.Contains(text, "${") {
		return nil, "", fmt.Errorf("%s: an environment placeholder is left", name)
	}
	fsys = fstest.MapFS{}
	for _, n := range stockFiles {
		data, err := os.ReadFile(filepath.Join("/etc/nginx", n))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, "", err
		}
		fsys["etc/nginx/"+n] = &fstest.MapFile{Data: data}
	}
	for _, stub := range env.Stubs {
		fsys[stub] = &fstest.MapFile{}
	}
	for _, p := range env.Certs {
		certPath, keyPath, _ := strings.Cut(p, " ")
		certPEM, keyPEM := pair()
		fsys[certPath] = &fstest.MapFile{Data: certPEM}
		fsys[keyPath] = &fstest.MapFile{Data: keyPEM}
	}
	if env.Main {
		fsys["etc/nginx/nginx.conf"] = &fstest.MapFile{Data: []byte(text)}
	} else {
		fsys["etc/nginx/nginx.conf"] = &fstest.MapFile{Data: []byte(Main)}
		fsys["etc/nginx/conf.d/"+name] = &fstest.MapFile{Data: []byte(text)}
	}
	return fsys, "/etc/nginx/nginx.conf", nil
}
