package main

// The server loop's limits per listen address. nginx reads the client
// header limits (client_header_timeout, client_header_buffer_size,
// large_client_header_buffers) from the default server of the socket,
// before it has a Host to choose another; the loop applies them, and the
// other limits, per connection, so every one comes from the http block
// overridden by the address's default server block.

import (
	"reflect"

	"github.com/frontdesk-go/frontdesk/internal/h1server"
	"github.com/frontdesk-go/frontdesk/nginxconf"
)

// loopConfigs returns the limits of each listen address whose default
// server sets any; other addresses take the http block's, base.
func loopConfigs(httpBlock *nginxconf.Directive, cfg *nginxconf.Config, base h1server.Config) map[string]h1server.Config {
	if httpBlock == nil {
		return nil
	}
	out := map[string]h1server.Config{}
	for addr, srv := range defaultServers(cfg) {
		for _, d := range httpBlock.Block {
			if d.Name == "server" && d.File == srv.File && d.Line == srv.Line {
				if own := loopConfig(d); own != (h1server.Config{}) {
					out[addr] = overlay(base, own)
				}
			}
		}
	}
	return out
}

// defaultServers maps each listen address to its default server: the
// one marked default_server, else the first to listen there.
func defaultServers(cfg *nginxconf.Config) map[string]*nginxconf.Server {
	def := map[string]*nginxconf.Server{}
	for _, s := range cfg.Servers {
		for _, l := range s.Listen {
			if _, ok := def[l.Addr]; !ok || l.DefaultServer {
				def[l.Addr] = s
			}
		}
	}
	return def
}

// overlay is base with the limits own sets. keepalive_timeout's two
// values are one directive: a server's replaces both.
func overlay(base, own h1server.Config) h1server.Config {
	b, o := reflect.ValueOf(&base).Elem(), reflect.ValueOf(own)
	for i := range o.NumField() {
		if !o.Field(i).IsZero() {
			b.Field(i).Set(o.Field(i))
		}
	}
	if own.KeepaliveTimeout != 0 {
		base.KeepaliveHeader = own.KeepaliveHeader
	}
	return base
}
