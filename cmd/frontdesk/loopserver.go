package main

// The server loop's limits per listen address and per location. nginx
// reads the client header limits (client_header_timeout,
// client_header_buffer_size, large_client_header_buffers) from the
// default server of the socket, before it has a Host to choose another;
// the loop applies them, and the other limits until a request's location
// is known, per connection, from the http block overridden by the
// address's default server block. The others then come from the server
// block and location serving the request (frontdesk.OnLocation,
// h1server.SetLimits).

import (
	"net/http"
	"reflect"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/accesslog"
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

// locationLimits are the loop's per-request limits (keepalive_*,
// send_timeout, client_body_timeout, lingering_*) of each server block
// and location: nginx takes them from the location that serves a
// request, not from the listen address's default server.
type locationLimits struct {
	access  *accesslog.Config // finds a request's server block
	servers map[blockKey]*serverLimits
}

type blockKey struct {
	file string
	line int
}

// serverLimits are one server block's limits and its locations', by
// pattern as frontdesk.RequestInfo.Location gives it.
type serverLimits struct {
	own  *h1server.Config
	locs map[string]*h1server.Config
}

// readLocationLimits reads the limits of every server block and location
// over base, the http block's; nil when none sets any, so that every
// request has its connection's.
func readLocationLimits(httpBlock *nginxconf.Directive, base h1server.Config, access *accesslog.Config) *locationLimits {
	if httpBlock == nil {
		return nil
	}
	ll := &locationLimits{access: access, servers: map[blockKey]*serverLimits{}}
	set := false
	var locations func(s *serverLimits, block []*nginxconf.Directive, outer h1server.Config)
	locations = func(s *serverLimits, block []*nginxconf.Directive, outer h1server.Config) {
		for _, d := range block {
			if d.Name != "location" {
				continue
			}
			own := loopConfig(d)
			set = set || own != (h1server.Config{})
			c := overlay(outer, own)
			if p := accesslog.Pattern(d.Args); s.locs[p] == nil {
				s.locs[p] = h1server.Limits(c)
			}
			locations(s, d.Block, c)
		}
	}
	for _, d := range httpBlock.Block {
		if d.Name != "server" {
			continue
		}
		own := loopConfig(d)
		set = set || own != (h1server.Config{})
		c := overlay(base, own)
		s := &serverLimits{own: h1server.Limits(c), locs: map[string]*h1server.Config{}}
		locations(s, d.Block, c)
		ll.servers[blockKey{d.File, d.Line}] = s
	}
	if !set {
		return nil
	}
	return ll
}

// apply is frontdesk.OnLocation's callback: the limits of the server
// block or location selected for the request.
func (ll *locationLimits) apply(w http.ResponseWriter, info frontdesk.RequestInfo) {
	srv := ll.access.Server(info)
	if srv == nil {
		return
	}
	s := ll.servers[blockKey{srv.File, srv.Line}]
	if s == nil {
		return
	}
	lim := s.own
	if l, ok := s.locs[info.Location()]; ok {
		lim = l
	}
	h1server.SetLimits(w, lim)
}
