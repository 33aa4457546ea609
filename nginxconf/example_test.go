package nginxconf_test

import (
	"errors"
	"fmt"
	"testing/fstest"

	"github.com/frontdesk-go/frontdesk/nginxconf"
)

func ExampleLoader() {
	// Any fs.FS works; nginx's absolute paths are looked up without the
	// leading "/". A nil FS reads the real file system.
	fsys := fstest.MapFS{
		"etc/nginx/nginx.conf":      {Data: []byte("events {}\nhttp {\n    include conf.d/*.conf;\n}\n")},
		"etc/nginx/conf.d/app.conf": {Data: []byte("server {\n    listen 80;\n}\n")},
	}
	l := &nginxconf.Loader{FS: fsys}
	ds, err := l.Load("/etc/nginx/nginx.conf")
	if err != nil {
		fmt.Println(err)
		return
	}
	server := ds[1].Block[0]
	fmt.Printf("%s from %s:%d\n", server.Name, server.File, server.Line)

	_, err = l.LoadString("/etc/nginx/nginx.conf", "events {}\ninclude missing.conf;\n")
	fmt.Println(err)
	// Output:
	// server from /etc/nginx/conf.d/app.conf:1
	// open() "/etc/nginx/missing.conf" failed (2: No such file or directory) in /etc/nginx/nginx.conf:2
}

func ExampleParse() {
	_, err := nginxconf.ParseString("/etc/nginx/nginx.conf", "events {\n    worker_connections 512\n}\n")
	fmt.Println(err)
	// Output:
	// unexpected "}" in /etc/nginx/nginx.conf:3
}

func ExampleFormat() {
	ds, err := nginxconf.ParseString("t.conf", `location ~ "^/(\d+)$" { return 200 'it\'s $1'; }`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(nginxconf.Format(ds))
	// Output:
	// location ~ "^/(\d+)$" {
	//     return 200 "it's $1";
	// }
}

func ExampleLoadString() {
	conf := `events {}
http {
    ssi on;
    server {
        listen 8080;
        location /img {
            alias /srv/img/;
        }
    }
}
`
	// ssi is known to nginx but not implemented by frontdesk: refused,
	// with its position, unless the caller accepts to run without it.
	_, err := nginxconf.LoadString("/etc/nginx/nginx.conf", conf, nginxconf.Options{})
	fmt.Println(err)
	fmt.Println(errors.Is(err, nginxconf.ErrNotImplemented))

	cfg, err := nginxconf.LoadString("/etc/nginx/nginx.conf", conf, nginxconf.Options{Ignore: []string{"ssi"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("ignored:", cfg.Ignored[0])
	for _, w := range cfg.Warnings {
		fmt.Printf("%s:%d: %s\n", w.File, w.Line, w.Directive)
	}

	// Mistakes get nginx's own message and position, as `nginx -t` prints.
	_, err = nginxconf.LoadString("/etc/nginx/nginx.conf", "events {}\nhttp {\n    sendfile maybe;\n}\n", nginxconf.Options{})
	fmt.Println(err)
	// Output:
	// "ssi" directive is not implemented by frontdesk in /etc/nginx/nginx.conf:3
	// true
	// ignored: "ssi" in /etc/nginx/nginx.conf:3
	// /etc/nginx/nginx.conf:7: alias
	// invalid value "maybe" in "sendfile" directive, it must be "on" or "off" in /etc/nginx/nginx.conf:3
}
