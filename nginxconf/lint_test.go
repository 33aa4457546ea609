package nginxconf

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLint(t *testing.T) {
	tests := []struct {
		name   string
		conf   string
		ignore []string
		want   []string // "line directive: message fragment"
	}{
		{
			name: "clean",
			conf: l("proxy_pass http://127.0.0.1:8080;\nproxy_set_header Host $host;"),
		},
		{
			name: "alias slash mismatch",
			conf: s("location /img {\n alias /srv/img/;\n}"),
			want: []string{"5 alias: "},
		},
		{
			name: "server proxy_set_header drops http-level ones",
			conf: h("proxy_set_header X-Real-IP $remote_addr;\nproxy_set_header X-Scheme $scheme;\nserver {\n proxy_set_header X-Real-IP $remote_addr;\n location / {\n  proxy_pass http://127.0.0.1:8080;\n }\n}"),
			want: []string{`6 proxy_set_header: this level's proxy_set_header replaces every outer one, so X-Scheme (/etc/nginx/nginx.conf:4) is lost here`},
		},
		{
			name: "location proxy_set_header drops server ones (frontdesk.New)",
			conf: s("proxy_set_header X-Real-IP $remote_addr;\nproxy_set_header X-Scheme $scheme;\nlocation / {\n proxy_set_header X-Real-IP $remote_addr;\n proxy_pass http://127.0.0.1:8080;\n}"),
			want: []string{`7 proxy_set_header: this level's proxy_set_header replaces every outer one, so X-Scheme is not sent here`},
		},
		{
			name: "inner add_header drops http-level ones",
			conf: h("add_header X-Frame-Options DENY;\nserver {\n location / {\n  add_header Cache-Control no-cache;\n }\n}"),
			want: []string{`6 add_header: this level's add_header replaces every outer one, so X-Frame-Options (/etc/nginx/nginx.conf:3) is lost here`},
		},
		{
			name: "redeclaring every header is fine",
			conf: s("add_header A 1;\nlocation / {\n add_header A 2;\n}"),
		},
		{
			name: "trust everyone",
			conf: s("set_real_ip_from 0.0.0.0/0;\nreal_ip_header X-Forwarded-For;"),
			want: []string{"4 set_real_ip_from: 0.0.0.0/0 trusts every client"},
		},
		{
			name: "Host from $http_host",
			conf: l("proxy_pass http://127.0.0.1:8080;\nproxy_set_header Host $http_host;"),
			want: []string{"6 proxy_set_header: Host $http_host passes the client's Host header as sent"},
		},
		{
			name: "regex shadowed by ^~",
			conf: s("location ^~ /static/ {}\nlocation ~ ^/static/.*\\.php$ {}"),
			want: []string{`5 location: is never used: every URI it matches starts with "/static/"`},
		},
		{
			name: "regex reachable through a longer prefix",
			conf: s("location ^~ /static/ {}\nlocation /static/php/ {}\nlocation ~ ^/static/.*\\.php$ {}"),
		},
		{
			name: "caseless regex is not shadowed",
			conf: s("location ^~ /static/ {}\nlocation ~* ^/static/.*\\.php$ {}"),
		},
		{
			name: "prefix without slash",
			conf: s("location api/ {}"),
			want: []string{`4 location: is never selected: request URIs start with "/"`},
		},
		{
			name: "prefix behind a regex",
			conf: s("location ~ ^/api {}\nlocation /api/v1/ {}"),
			want: []string{`5 location: is never selected: the regex location "~ ^/api"`},
		},
		{
			name: "prefix inside a regex location",
			conf: s("location ~ /a {\n location /a/b {}\n}"),
			want: []string{`5 location: is never selected: nginx searches only regex locations inside a regex location ("~ /a")`},
		},
		{
			name:   "if in location doing more than return",
			conf:   l("if ($http_x) {\n add_header X 1;\n}"),
			ignore: []string{"if"},
			want:   []string{`5 if: contains "add_header" (/etc/nginx/nginx.conf:6)`},
		},
		{
			name:   "if in location with return only",
			conf:   l("if ($http_x) {\n return 403;\n}"),
			ignore: []string{"if"},
		},
		{
			name: "absolute index before the last",
			conf: l("index /index.html index.htm;"),
			want: []string{`5 index: only the last index in "index" directive should be absolute`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadString("/etc/nginx/nginx.conf", tt.conf, Options{Ignore: tt.ignore})
			require.NoError(t, err)
			require.Len(t, cfg.Warnings, len(tt.want), "%v", cfg.Warnings)
			for i, w := range tt.want {
				got := cfg.Warnings[i]
				assert.Equal(t, "/etc/nginx/nginx.conf", got.File)
				assert.Contains(t, strconv.Itoa(got.Line)+" "+got.Directive+": "+got.Message, w)
			}
		})
	}
}
