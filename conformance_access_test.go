package frontdesk_test

// Access control (issue 9): allow/deny, auth_basic with every htpasswd
// hash format frontdesk implements, satisfy and limit_except, on real
// nginx and on frontdesk.

import (
	"encoding/base64"
	"testing"

	"github.com/frontdesk-go/frontdesk/internal/conformance"
)

// htpasswdFile holds one user per hash scheme, all with password
// "secret" (the hashes come from Debian's libxcrypt and openssl).
const htpasswdFile = "# users\n" +
	"plain:{PLAIN}secret\n" +
	"sha:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n" +
	"ssha:{SSHA}gVK8WC9YyFT1gMsQHTGCgT3sSv5zYWx0\n" +
	"apr:$apr1$xyz12345$hVFg3wOytQE97CWCezCu2/\n" +
	"md5:$1$saltsalt$9xy1btjgzLYfb7hivXtC//\n" +
	"des:abNANd1rDfiNc\n" +
	"s256:$5$saltstring$C3o4O1TC6aRHF4FI.QSZMXtHbaj2gSXr4sUc/3NcUi.\n" +
	"s256r:$5$rounds=1000$short$5tqpBKuMXiyOh7zjcqfE5xf4ihzI5OkLurBxtQ/FlU0\n" +
	"s512:$6$saltstringsaltst$UXuBvBuPfQU4z1.hi3CoNXH4C7ulNXpsepRT322IE4RHFhcT/ge6WV1Wz4Ryq8EGyu0hllpHMecmXcc/Pudmo.\n" +
	"extra:{PLAIN}secret:a comment field\n" +
	"crlf:{PLAIN}secret\r\n" +
	"\n" +
	"#hidden:{PLAIN}secret\n" +
	"last:{PLAIN}secret"

func basic(userPass string) string {
	return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
}

var authCompared = []string{"WWW-Authenticate"}

func TestConformanceAccessRules(t *testing.T) {
	files := map[string]string{}
	for _, d := range []string{"a", "b", "c", "v6", "unix", "low", "inherit", "inherit/inner", "inherit/own", "open", "ret"} {
		files[d+"/x.html"] = "<p>" + d + "</p>\n"
	}
	conformance.Run(t, []conformance.Case{{
		Name: "allow deny",
		Conf: `server {
    listen 127.0.0.1:{{PORT}};
    root {{DIR}};
    deny 127.0.0.4;
    location /a/ { allow 127.0.0.2; deny all; }
    location /b/ { deny 127.0.0.3; allow 127.0.0.0/8; deny all; }
    location /c/ { deny 127.0.0.1/32; }
    location /v6/ { deny ::1; allow ::/0; deny all; }
    location /unix/ { deny unix:; }
    location /low/ { allow 127.0.0.9/30; deny all; }
    location /inherit/ {
        location /inherit/inner/ { }
        location /inherit/own/ { allow 127.0.0.4; deny all; }
    }
    location /ret/ { deny all; return 200 "return runs before access\n"; }
    location /err/ { deny all; error_page 403 /open/x.html; }
    location /open/ { }
    location /rewritten/ { deny all; rewrite ^ /open/x.html last; }
}`,
		Files: files,
		Requests: []conformance.Request{
			{Target: "/a/x.html"},
			{Target: "/a/x.html", Source: "127.0.0.2"},
			{Target: "/a/x.html", Source: "127.0.0.3"},
			{Target: "/a/missing.html"},
			{Target: "/a/missing.html", Source: "127.0.0.2"},
			{Target: "/b/x.html"},
			{Target: "/b/x.html", Source: "127.0.0.3"},
			{Target: "/b/x.html", Source: "127.0.0.7"},
			{Target: "/c/x.html"},
			{Target: "/c/x.html", Source: "127.0.0.2"},
			{Target: "/v6/x.html"},
			{Target: "/unix/x.html"},
			{Target: "/low/x.html"},
			{Target: "/low/x.html", Source: "127.0.0.9"},
			{Target: "/low/x.html", Source: "127.0.0.10"},
			{Target: "/inherit/x.html"},
			{Target: "/inherit/x.html", Source: "127.0.0.4"},
			{Target: "/inherit/inner/x.html", Source: "127.0.0.4"},
			{Target: "/inherit/own/x.html", Source: "127.0.0.4"},
			{Target: "/inherit/own/x.html"},
			{Target: "/ret/x.html"},
			{Target: "/err/x.html"},
			{Target: "/rewritten/x.html"},
			{Method: "HEAD", Target: "/a/x.html"},
			{Method: "POST", Target: "/a/x.html", Body: "x"},
			{Target: "/a/x.html", HTTP11: true, Header: []string{"User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)"}},
		},
	}, {
		Name: "realip then access",
		Conf: `server {
    listen 127.0.0.1:{{PORT}};
    root {{DIR}};
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Real-IP;
    location / { deny 192.0.2.1; deny 2001:db8::/32; allow all; }
}`,
		Files: map[string]string{"x.html": "x\n"},
		Requests: []conformance.Request{
			{Target: "/x.html"},
			{Target: "/x.html", Header: []string{"X-Real-IP: 192.0.2.1"}},
			{Target: "/x.html", Header: []string{"X-Real-IP: 192.0.2.2"}},
			{Target: "/x.html", Header: []string{"X-Real-IP: 2001:db8::1"}},
			{Target: "/x.html", Header: []string{"X-Real-IP: 192.0.2.1"}, Source: "127.0.0.2"},
		},
	}})
}

func TestConformanceAccessAuthBasic(t *testing.T) {
	conf := `server {
    listen 127.0.0.1:{{PORT}};
    root {{DIR}};
    auth_basic "Restricted area";
    auth_basic_user_file {{DIR}}/htpasswd;
    location /open/ { auth_basic off; }
    location /realm/ { auth_basic "Host $host"; }
    location /nofile/ { auth_basic_user_file {{DIR}}/missing; }
    location /inner/ {
        location /inner/deeper/ { }
    }
    location /paged/ { error_page 401 /open/x.html; }
}`
	var reqs []conformance.Request
	for _, user := range []string{"plain", "sha", "ssha", "apr", "md5", "des", "s256", "s256r", "s512", "extra", "crlf", "last"} {
		reqs = append(reqs,
			conformance.Request{Name: user + " right", Target: "/x.html", Header: []string{basic(user + ":secret")}, Compare: authCompared},
			conformance.Request{Name: user + " wrong", Target: "/x.html", Header: []string{basic(user + ":secreT")}, Compare: authCompared},
		)
	}
	reqs = append(reqs,
		conformance.Request{Name: "no credentials", Target: "/x.html", Compare: authCompared},
		conformance.Request{Name: "unknown user", Target: "/x.html", Header: []string{basic("nobody:secret")}, Compare: authCompared},
		conformance.Request{Name: "commented user", Target: "/x.html", Header: []string{basic("#hidden:secret")}, Compare: authCompared},
		conformance.Request{Name: "des truncates at eight", Target: "/x.html", Header: []string{basic("des:secretXYZ")}, Compare: authCompared},
		conformance.Request{Name: "empty user", Target: "/x.html", Header: []string{basic(":secret")}, Compare: authCompared},
		conformance.Request{Name: "no colon", Target: "/x.html", Header: []string{basic("plain")}, Compare: authCompared},
		conformance.Request{Name: "lower-case scheme", Target: "/x.html", Header: []string{"Authorization: basic " + base64.StdEncoding.EncodeToString([]byte("plain:secret"))}, Compare: authCompared},
		conformance.Request{Name: "extra spaces", Target: "/x.html", Header: []string{"Authorization: Basic    " + base64.StdEncoding.EncodeToString([]byte("plain:secret"))}, Compare: authCompared},
		conformance.Request{Name: "no padding", Target: "/x.html", Header: []string{"Authorization: Basic " + base64.RawStdEncoding.EncodeToString([]byte("plain:secret1"))}, Compare: authCompared},
		conformance.Request{Name: "bad base64", Target: "/x.html", Header: []string{"Authorization: Basic !!!!"}, Compare: authCompared},
		conformance.Request{Name: "bearer", Target: "/x.html", Header: []string{"Authorization: Bearer abc"}, Compare: authCompared},
		conformance.Request{Name: "password with colon", Target: "/x.html", Header: []string{basic("plain:sec:ret")}, Compare: authCompared},
		conformance.Request{Name: "auth off", Target: "/open/x.html", Compare: authCompared},
		conformance.Request{Name: "realm with variable", Target: "/realm/x.html", Header: []string{"Host: example.org"}, Compare: authCompared},
		conformance.Request{Name: "missing user file", Target: "/nofile/x.html", Header: []string{basic("plain:secret")}, Compare: authCompared},
		conformance.Request{Name: "missing user file without credentials", Target: "/nofile/x.html", Compare: authCompared},
		conformance.Request{Name: "nested inherits", Target: "/inner/deeper/x.html", Header: []string{basic("s512:secret")}, Compare: authCompared},
		conformance.Request{Name: "HEAD", Method: "HEAD", Target: "/x.html", Compare: authCompared},
		conformance.Request{Name: "missing file authorised", Target: "/none.html", Header: []string{basic("apr:secret")}, Compare: authCompared},
		conformance.Request{Name: "two Authorization lines", Target: "/x.html", Header: []string{basic("plain:secret"), basic("plain:secret")}, Compare: authCompared},
		conformance.Request{Name: "error_page for 401", Target: "/paged/x.html", Compare: authCompared},
		conformance.Request{Name: "error_page for 401 authorised", Target: "/paged/x.html", Header: []string{basic("sha:secret")}, Compare: authCompared},
	)
	conformance.Run(t, []conformance.Case{{
		Name: "auth_basic",
		Conf: conf,
		Files: map[string]string{
			"htpasswd": htpasswdFile, "x.html": "secret page\n", "open/x.html": "open\n",
			"realm/x.html": "realm\n", "paged/x.html": "paged\n", "nofile/x.html": "nofile\n", "inner/deeper/x.html": "deeper\n",
		},
		Requests: reqs,
	}})
}

func TestConformanceAccessSatisfyLimitExcept(t *testing.T) {
	conformance.Run(t, []conformance.Case{{
		Name: "satisfy and limit_except",
		Conf: `server {
    listen 127.0.0.1:{{PORT}};
    root {{DIR}};
    location /any/ {
        satisfy any;
        allow 127.0.0.2;
        deny all;
        auth_basic "any";
        auth_basic_user_file {{DIR}}/htpasswd;
    }
    location /all/ {
        allow 127.0.0.2;
        deny all;
        auth_basic "all";
        auth_basic_user_file {{DIR}}/htpasswd;
    }
    location /anydeny/ {
        satisfy any;
        deny all;
    }
    location /ro/ {
        limit_except GET { deny all; }
    }
    location /rw/ {
        allow 127.0.0.2;
        deny all;
        limit_except GET POST {
            auth_basic "writers";
            auth_basic_user_file {{DIR}}/htpasswd;
        }
    }
    location /put/ {
        limit_except PUT { allow 127.0.0.2; deny all; }
    }
}`,
		Files: map[string]string{
			"htpasswd": htpasswdFile, "any/x.html": "any\n", "all/x.html": "all\n", "anydeny/x.html": "anydeny\n",
			"ro/x.html": "ro\n", "rw/x.html": "rw\n", "put/x.html": "put\n",
		},
		Requests: []conformance.Request{
			{Target: "/any/x.html", Source: "127.0.0.2", Compare: authCompared},
			{Target: "/any/x.html", Compare: authCompared},
			{Target: "/any/x.html", Header: []string{basic("plain:secret")}, Compare: authCompared},
			{Target: "/any/x.html", Header: []string{basic("plain:wrong")}, Compare: authCompared},
			{Target: "/all/x.html", Compare: authCompared},
			{Target: "/all/x.html", Header: []string{basic("plain:secret")}, Compare: authCompared},
			{Target: "/all/x.html", Source: "127.0.0.2", Compare: authCompared},
			{Target: "/all/x.html", Source: "127.0.0.2", Header: []string{basic("plain:secret")}, Compare: authCompared},
			{Target: "/anydeny/x.html", Compare: authCompared},
			{Target: "/ro/x.html"},
			{Method: "HEAD", Target: "/ro/x.html"},
			{Method: "POST", Target: "/ro/x.html", Body: "x"},
			{Method: "DELETE", Target: "/ro/x.html"},
			{Method: "OPTIONS", Target: "/ro/x.html"},
			{Target: "/rw/x.html", Source: "127.0.0.2", Compare: authCompared},
			{Target: "/rw/x.html", Compare: authCompared},
			{Method: "POST", Target: "/rw/x.html", Body: "x", Source: "127.0.0.2", Compare: authCompared},
			{Method: "PUT", Target: "/rw/x.html", Body: "x", Source: "127.0.0.2", Compare: authCompared},
			{Method: "PUT", Target: "/rw/x.html", Body: "x", Source: "127.0.0.2", Header: []string{basic("md5:secret")}, Compare: authCompared},
			{Method: "PUT", Target: "/rw/x.html", Body: "x", Header: []string{basic("md5:secret")}, Compare: authCompared},
			{Target: "/put/x.html"},
			{Target: "/put/x.html", Source: "127.0.0.2"},
			{Method: "PUT", Target: "/put/x.html", Body: "x"},
			{Method: "HEAD", Target: "/put/x.html"},
		},
	}})
}

// proxy_pass inside limit_except: the methods the block does not list
// get its configuration, whose content handler is its proxy_pass; the
// others keep the location's.
func TestConformanceAccessLimitExceptProxyPass(t *testing.T) {
	req := func(method, target string, source ...string) conformance.Request {
		r := conformance.Request{Method: method, Target: target}
		if method == "POST" || method == "PUT" {
			r.Body = "x=1"
		}
		if len(source) > 0 {
			r.Source = source[0]
		}
		return r
	}
	conformance.Run(t, []conformance.Case{{
		Name: "proxy_pass in limit_except",
		Conf: `upstream writer { server {{BACKEND2}}; }
server {
    listen 127.0.0.1:{{PORT}};
    root {{DIR}};
    location /static/ {
        limit_except GET { proxy_pass http://writer; }
    }
    location /both/ {
        proxy_pass http://{{BACKEND1}};
        limit_except GET { proxy_pass http://writer; }
    }
    location /parent/ {
        proxy_pass http://{{BACKEND1}}/base/;
        limit_except GET { allow 127.0.0.2; deny all; }
    }
    location /deny/ {
        proxy_set_header X-Mark outer;
        limit_except GET POST { deny 127.0.0.2; proxy_pass http://writer; }
    }
    location /vars/ {
        limit_except GET { proxy_pass http://$arg_u; }
    }
    location /ret/ {
        return 200 "ret\n";
        limit_except GET { proxy_pass http://writer; }
    }
    location /try/ {
        try_files $uri /static/x.html;
        limit_except GET { proxy_pass http://writer; }
    }
    location ~ ^/re/ {
        limit_except GET { proxy_pass http://writer; }
    }
    location /retonly/ {
        return 200 "ret\n";
        limit_except GET { deny 127.0.0.2; }
    }
    location /tryonly/ {
        try_files $uri /static/x.html;
        limit_except GET { deny 127.0.0.2; }
    }
    location /rewrite/ {
        set $v set;
        rewrite ^ /static/x.html?v=$v last;
        limit_except GET { proxy_pass http://writer; }
    }
    location /if/ {
        if ($request_method ~ ^(GET|POST)$) { return 200 "if\n"; }
        limit_except GET { proxy_pass http://writer; }
    }
}`,
		Files: map[string]string{"static/x.html": "static\n", "try/x.html": "try\n", "re/x.html": "re\n", "ret/x.html": "ret file\n",
			"retonly/x.html": "retonly file\n", "tryonly/x.html": "tryonly file\n"},
		Backends: []*conformance.Backend{{}, {Reply: byPath(map[string]conformance.Reply{
			"redir": {Raw: "HTTP/1.0 302 Found\r\nLocation: http://writer/both/next\r\nContent-Length: 0\r\n\r\n"},
		})}},
		Requests: []conformance.Request{
			req("GET", "/static/x.html"),
			req("HEAD", "/static/x.html"),
			req("POST", "/static/x.html?a=1"),
			req("DELETE", "/static/x.html"),
			req("GET", "/static"),
			req("POST", "/static"),
			req("GET", "/both/a"),
			req("HEAD", "/both/a"),
			req("PUT", "/both/a"),
			req("GET", "/both"),
			req("POST", "/both/redir"),
			req("POST", "/static/redir"),
			req("GET", "/parent/a"),
			req("POST", "/parent/a"),
			req("POST", "/parent/a", "127.0.0.2"),
			req("GET", "/deny/x"),
			req("POST", "/deny/x", "127.0.0.2"),
			req("PUT", "/deny/x"),
			req("PUT", "/deny/x", "127.0.0.2"),
			req("POST", "/vars/p?u={{BACKEND1}}"),
			req("POST", "/vars/p?u=writer"),
			req("GET", "/vars/p?u=writer"),
			req("GET", "/ret/x.html"),
			req("POST", "/ret/x.html"),
			req("GET", "/try/x.html"),
			req("GET", "/try/missing"),
			req("POST", "/try/x.html"),
			req("POST", "/try/missing"),
			req("GET", "/re/x.html"),
			req("POST", "/re/x.html"),
			req("GET", "/retonly/x.html"),
			req("POST", "/retonly/x.html"),
			req("DELETE", "/retonly/x.html"),
			req("POST", "/retonly/x.html", "127.0.0.2"),
			req("GET", "/tryonly/missing"),
			req("POST", "/tryonly/missing"),
			req("POST", "/tryonly/x.html"),
			req("GET", "/rewrite/a"),
			req("POST", "/rewrite/a?q=1"),
			req("GET", "/if/a"),
			req("POST", "/if/a"),
		},
	}})
}
