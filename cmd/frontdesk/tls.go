package main

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
)

// tlsListener serves l with TLS when the configuration listens on addr
// with "ssl". Each handshake takes the configuration of the current
// generation, so that a reload (SIGHUP) brings new certificates to the
// sockets it keeps, as nginx's new workers do.
func (m *master) tlsListener(addr string, l net.Listener) net.Listener {
	if m.cur.Load().tls(addr) == nil {
		return l
	}
	return tls.NewListener(l, &tls.Config{
		GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			c := m.cur.Load().tls(addr)
			if c == nil {
				// A reload turned the address into a plain one; the
				// socket stays TLS until it is closed.
				return nil, errors.New("no ssl on this address any more")
			}
			if c.GetConfigForClient != nil {
				if sc, err := c.GetConfigForClient(hello); sc != nil || err != nil {
					return sc, err
				}
			}
			return c, nil
		},
	})
}

// plainHTTP2 returns the server and listener of a plain address that
// speaks HTTP/2 ("listen ... http2" without ssl, or nginx 1.25.1's "http2
// on"): net/http's, with prior-knowledge HTTP/2 and the address's HTTP/2
// settings. Any other address keeps srv and l. What an address speaks is
// fixed when it is first served: a reload that adds or removes http2 on a
// plain address takes effect after a restart.
func (m *master) plainHTTP2(addr string, srv httpServer, l net.Listener) (httpServer, net.Listener) {
	conf := m.cur.Load().conf
	p := conf.Protocols(addr)
	if p == nil {
		return srv, l
	}
	hs := m.newServer(true).(*http.Server)
	hs.Protocols, hs.HTTP2 = p, conf.HTTP2(addr)
	return hs, conf.Listener(addr, l)
}
