package nginxconf_test

import (
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
