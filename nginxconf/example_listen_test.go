package nginxconf_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"testing/fstest"
	"time"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/nginxconf"
)

// A plain "listen ... http2" address speaks HTTP/2 with prior knowledge
// (h2c) alone, as nginx 1.22 does. Protocols and HTTP2 configure the
// http.Server for it, and Listener answers a client that does not open
// with the HTTP/2 preface as nginx does, with a GOAWAY.
func ExampleConfig_Protocols() {
	const addr = "127.0.0.1:8080"
	cfg, err := nginxconf.LoadString("/etc/nginx/nginx.conf", `events {}
http {
    server {
        listen 127.0.0.1:8080 http2;
        location / { return 200 "$server_protocol\n"; }
    }
}
`, nginxconf.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	protos := cfg.Protocols(addr)
	fmt.Println("HTTP/1:", protos.HTTP1(), "h2c:", protos.UnencryptedHTTP2())

	p, err := frontdesk.New(cfg.Options()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	// The example listens on an ephemeral port that stands for addr.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &http.Server{Handler: p, Protocols: protos, HTTP2: cfg.HTTP2(addr), ConnContext: listenAddr(addr)}
	go srv.Serve(cfg.Listener(addr, ln))
	defer srv.Close()

	var h2c http.Protocols
	h2c.SetUnencryptedHTTP2(true)
	client := &http.Client{Transport: &http.Transport{Protocols: &h2c}}
	res, err := client.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Print(res.Proto, " ", string(body))

	_, err = http.Get("http://" + ln.Addr().String() + "/")
	fmt.Println("HTTP/1.1 client refused:", err != nil)
	// Output:
	// HTTP/1: false h2c: true
	// HTTP/2.0 HTTP/2.0
	// HTTP/1.1 client refused: true
}

// TLS is the tls.Config of an ssl listen address: certificates (chosen
// by SNI among the server blocks there), protocols, ciphers and ALPN, as
// the configuration's ssl_* directives set them. Certificates are read
// from Options.FS when it is set, as here.
func ExampleConfig_TLS() {
	const addr = "127.0.0.1:8443"
	certPEM, keyPEM := selfSigned("example.com")
	fsys := fstest.MapFS{
		"etc/nginx/nginx.conf": {Data: []byte(`events {}
http {
    server {
        listen 127.0.0.1:8443 ssl http2;
        server_name example.com;
        ssl_certificate /etc/nginx/example.com.crt;
        ssl_certificate_key /etc/nginx/example.com.key;
        location / { return 200 "$scheme $server_protocol\n"; }
    }
}
`)},
		"etc/nginx/example.com.crt": {Data: certPEM},
		"etc/nginx/example.com.key": {Data: keyPEM},
	}
	cfg, err := nginxconf.LoadFile("/etc/nginx/nginx.conf", nginxconf.Options{FS: fsys})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("plain 8080:", cfg.TLS("127.0.0.1:8080") == nil)

	p, err := frontdesk.New(cfg.Options()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &http.Server{Handler: p, HTTP2: cfg.HTTP2(addr), ConnContext: listenAddr(addr)}
	go srv.Serve(tls.NewListener(ln, cfg.TLS(addr)))
	defer srv.Close()

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots, ServerName: "example.com"},
		ForceAttemptHTTP2: true,
	}}
	res, err := client.Get("https://" + ln.Addr().String() + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Print(res.TLS.NegotiatedProtocol, " ", string(body))
	// Output:
	// plain 8080: true
	// h2 https HTTP/2.0
}

// listenAddr tells frontdesk which listen address the connections of a
// listener stand for, to choose among the server blocks there.
func listenAddr(addr string) func(context.Context, net.Conn) context.Context {
	return func(ctx context.Context, _ net.Conn) context.Context { return frontdesk.WithListenAddr(ctx, addr) }
}

// selfSigned returns a certificate for host and its key, PEM-encoded.
func selfSigned(host string) (certPEM, keyPEM []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}
