package main

import (
	"crypto/tls"
	"errors"
	"net"
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
