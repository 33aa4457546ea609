package conformance

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-go/frontdesk"
	"github.com/frontdesk-go/frontdesk/internal/rawhttp"
)

// runTLS sends a request over TLS to both servers and compares what was
// negotiated (version, suite, ALPN, the served certificate's CN) and then
// the responses. Two failed handshakes agree: OpenSSL's and crypto/tls's
// alerts and wording differ, the verdict is what is compared.
func runTLS(t *testing.T, r Request, backend *runningBackend, ngAddr, fdAddr string) {
	t.Helper()
	if wantsH2(r.TLS) {
		runH2(t, r, backend, ngAddr, fdAddr)
		return
	}
	raw := r.raw()
	want, wantTLS, werr := doTLS(ngAddr, r.TLS, raw)
	var wantUp [][]byte
	if backend != nil {
		wantUp = backend.take()
	}
	got, gotTLS, gerr := doTLS(fdAddr, r.TLS, raw)
	if backend != nil {
		compareUpstream(t, wantUp, backend.take(), portOf(ngAddr), portOf(fdAddr))
	}
	var wh, gh *handshakeError
	switch wIs, gIs := errors.As(werr, &wh), errors.As(gerr, &gh); {
	case wIs && gIs:
		return
	case wIs || gIs:
		t.Fatalf("handshake: nginx %v; frontdesk %v", werr, gerr)
	}
	if wantTLS != gotTLS {
		t.Errorf("negotiated: nginx %s; frontdesk %s", wantTLS, gotTLS)
	}
	compareOutcome(t, r, want, werr, got, gerr, ngAddr, fdAddr)
}

// handshakeError is a TLS handshake that failed.
type handshakeError struct{ err error }

func (e *handshakeError) Error() string { return "tls handshake: " + e.err.Error() }

// doTLS sends raw over a TLS connection made with conf and returns the
// response and a summary of the handshake.
func doTLS(addr string, conf *tls.Config, raw []byte) (*rawhttp.Response, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := rawhttp.Dial(ctx, addr)
	if err != nil {
		return nil, "", err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	conf = conf.Clone()
	if conf.ServerName == "" {
		// An IP address is never sent as SNI; InsecureSkipVerify lets
		// the test look at whatever certificate is served.
		conf.ServerName = "127.0.0.1"
	}
	tc := tls.Client(c, conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, "", &handshakeError{err}
	}
	cs := tc.ConnectionState()
	cn := ""
	if len(cs.PeerCertificates) > 0 {
		cn = cs.PeerCertificates[0].Subject.CommonName
	}
	summary := fmt.Sprintf("%s %s alpn=%q cert=%q", frontdesk.TLSVersionName(cs.Version), frontdesk.OpenSSLCipherName(cs.CipherSuite), cs.NegotiatedProtocol, cn)
	go func() { _, _ = tc.Write(raw) }()
	resp, err := rawhttp.ReadResponse(bufio.NewReader(tc), requestMethod(raw))
	if err != nil && errors.Is(err, net.ErrClosed) {
		err = fmt.Errorf("request to %s: %w", addr, err)
	}
	return resp, summary, err
}

// requestMethod is the first word of a raw request.
func requestMethod(raw []byte) string {
	for i, b := range raw {
		if b == ' ' {
			return string(raw[:i])
		}
	}
	return "GET"
}

// wantsH2 reports whether the client offers h2 by ALPN: such a request
// is sent with net/http's HTTP/2 client instead of raw bytes.
func wantsH2(c *tls.Config) bool {
	for _, p := range c.NextProtos {
		if p == "h2" {
			return true
		}
	}
	return false
}

// doH2 sends r with net/http's client (HTTP/2 when negotiated) and returns
// a transcript: protocol, status, the compared headers and the body.
func doH2(addr string, r Request) (string, error) {
	conf := r.TLS.Clone()
	tr := &http.Transport{
		TLSClientConfig:   conf,
		ForceAttemptHTTP2: true,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return rawhttp.Dial(ctx, addr)
		},
	}
	defer tr.CloseIdleConnections()
	host := "localhost"
	for _, h := range r.Header {
		if name, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(name, "Host") {
			host = strings.TrimSpace(v)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, orDefault(r.Method, "GET"), "https://"+addr+r.Target, body)
	if err != nil {
		return "", err
	}
	req.Host = host
	for _, h := range r.Header {
		if name, v, ok := strings.Cut(h, ":"); ok && !strings.EqualFold(name, "Host") {
			req.Header.Add(name, strings.TrimSpace(v))
		}
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s %d\n", resp.Proto, resp.StatusCode)
	for _, h := range append(append([]string{}, DefaultCompared...), r.Compare...) {
		if vs := resp.Header.Values(h); len(vs) > 0 {
			fmt.Fprintf(&sb, "%s: %s\n", h, strings.Join(vs, " | "))
		}
	}
	sb.WriteString("\n")
	sb.Write(b)
	return sb.String(), nil
}

// runH2 compares the transcripts of an h2-capable client.
func runH2(t *testing.T, r Request, backend *runningBackend, ngAddr, fdAddr string) {
	t.Helper()
	want, werr := doH2(ngAddr, r)
	var wantUp [][]byte
	if backend != nil {
		wantUp = backend.take()
	}
	got, gerr := doH2(fdAddr, r)
	if backend != nil {
		compareUpstream(t, wantUp, backend.take(), portOf(ngAddr), portOf(fdAddr))
	}
	if werr != nil || gerr != nil {
		if werr == nil || gerr == nil {
			t.Fatalf("nginx: %v; frontdesk: %v", werr, gerr)
		}
		return
	}
	if w, g := normalise(want, portOf(ngAddr), ""), normalise(got, portOf(fdAddr), ""); w != g {
		t.Errorf("responses differ:\nnginx:     %q\nfrontdesk: %q", clip(w), clip(g))
	}
}
