package exporte2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/internal/testenv"
)

// fault is what the proxy does to one request.
type fault int

const (
	pass fault = iota
	// slowDown answers 503 SlowDown with S3's XML error body and
	// Retry-After: 1, as S3 does under request-rate pressure.
	slowDown
	// tooMany answers 429 with Retry-After: 1, as some S3-compatible stores
	// and gateways do.
	tooMany
	// resetRequest reads part of the request body and then resets the
	// connection: the store never sees the request.
	resetRequest
	// resetResponse forwards the whole request (the store acts on it) and
	// then resets the connection in the middle of the response headers: the
	// client cannot know whether the request took effect.
	resetResponse
	// denied answers 403 AccessDenied, which no retry fixes.
	denied
	// cutBody forwards the whole request (the store acts on it), sends the
	// store's status line and every header, then resets the connection
	// before the body ends: the client has "HTTP 200" but no answer.
	cutBody
	nFaults
)

func (f fault) String() string {
	return [...]string{"pass", "503 SlowDown", "429", "reset mid-request", "reset mid-response", "403 AccessDenied", "body cut after headers"}[f]
}

// rule says which fault a request gets and for how many of its attempts.
type rule struct {
	fault fault
	times int
}

// call is one request the proxy saw.
type call struct {
	Method, Key string
	Part        int    // partNumber of UploadPart, 0 otherwise
	UploadID    string // uploadId query value, "" when none
	Query       url.Values
	// copied is set for a copy request (x-amz-copy-source: CopyObject,
	// UploadPartCopy), which carries no object bytes.
	copied bool
	Fault  fault
}

// isUploadPart reports whether c is an UploadPart request.
func (c call) isUploadPart() bool { return c.Method == http.MethodPut && c.Part > 0 }

// isPutObject reports whether c is a whole-object PutObject.
func (c call) isPutObject() bool {
	return c.Method == http.MethodPut && c.Part == 0 && !c.Query.Has("uploadId") && !c.Query.Has("comp")
}

// isCreateMultipart reports whether c starts a multipart upload.
func (c call) isCreateMultipart() bool { return c.Method == http.MethodPost && c.Query.Has("uploads") }

// isCompleteMultipart reports whether c completes a multipart upload:
// S3's CompleteMultipartUpload or Azure's Put Block List.
func (c call) isCompleteMultipart() bool {
	return c.Method == http.MethodPost && c.Query.Has("uploadId") || c.isPutBlockList()
}

// isPutBlock reports whether c is Azure's Put Block (UploadPart's twin);
// Part and UploadID come from the block ID Stowage made.
func (c call) isPutBlock() bool { return c.Method == http.MethodPut && c.Query.Get("comp") == "block" }

// isPutBlockList reports whether c is Azure's Put Block List, which commits
// staged blocks as the blob.
func (c call) isPutBlockList() bool {
	return c.Method == http.MethodPut && c.Query.Get("comp") == "blocklist"
}

// faultProxy is a TLS reverse proxy in front of MinIO with its own CA, so a
// location points at it exactly as at a real endpoint (endpoint URL plus CA
// bundle). It forwards over TLS trusting MinIO's CA, keeps the client's Host
// header so SigV4 signatures stay valid, and injects faults by rule.
type faultProxy struct {
	URL    string // https://127.0.0.1:PORT
	CAFile string // the proxy's CA, for the location's ca_bundle

	bucket    string
	upstream  *url.URL
	rp        *httputil.ReverseProxy
	tr        *http.Transport
	addr      string      // 127.0.0.1:PORT, kept across goDown/comeBack
	tlsConfig *tls.Config // nil: plain HTTP
	// azure makes injected error answers Azure's (x-ms-error-code, Azure's
	// XML) rather than S3's.
	azure bool
	srv   *http.Server

	mu sync.Mutex
	// plan picks the fault of a request; nil passes everything.
	plan func(c call) rule
	// before runs before a request is forwarded (or faulted), e.g. to
	// change the source file while its upload is on the wire.
	before func(c call)
	// after runs once the store answered a forwarded request, before the
	// answer goes to the client (e.g. to kill the client at that moment).
	after func(c call, status int)
	// delay holds every request whose key has this prefix this long before
	// forwarding it, so a test can act mid-run.
	delay       time.Duration
	delayPrefix string

	attempts map[string]int // per request identity (method, key, part)
	calls    []call
	// lostCreates are upload IDs MinIO created but whose answer the proxy
	// dropped: nobody can know them, so they stay open until a lifecycle
	// rule removes them.
	lostCreates []string

	injected [nFaults]atomic.Int64
}

// startProxy starts a fault proxy in front of m's bucket; it stops when the
// test ends.
func startProxy(t testing.TB, m *testenv.MinIO, bucket string) *faultProxy {
	t.Helper()
	up, err := url.Parse(m.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	return startProxyTo(t, up, m.CAPool, true, bucket)
}

// startProxyTo starts a fault proxy in front of upstream (trusting rootCAs
// when it is https). The proxy serves TLS with its own CA when serveTLS is
// set (CAFile), plain HTTP otherwise (Azurite, whose connection strings
// take no CA bundle). bucket is the path prefix stripped from a request's
// path to make its key: the bucket for S3, "ACCOUNT/CONTAINER" for
// Azurite's path-style URLs.
func startProxyTo(t testing.TB, up *url.URL, rootCAs *x509.CertPool, serveTLS bool, bucket string) *faultProxy {
	t.Helper()
	p := &faultProxy{bucket: bucket, upstream: up, attempts: map[string]int{}}
	p.tr = &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: rootCAs},
		MaxIdleConnsPerHost: 64,
		DisableCompression:  true,
	}
	quiet := log.New(io.Discard, "", 0)
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(up)
			// SigV4 signs the Host header the client used; Azure's shared
			// key and SAS signatures do not, but a changed Host would
			// still be a different request from the one the client made.
			r.Out.Host = r.In.Host
			// No X-Forwarded-* headers: the store sees the client's
			// request as it was signed.
			r.Out.Header.Del("X-Forwarded-For")
		},
		Transport: p.tr,
		ErrorLog:  quiet,
		ModifyResponse: func(resp *http.Response) error {
			p.mu.Lock()
			after := p.after
			p.mu.Unlock()
			if c, ok := resp.Request.Context().Value(callKey{}).(call); ok && after != nil {
				after(c, resp.StatusCode)
			}
			return nil
		},
	}
	if serveTLS {
		dir := t.TempDir()
		caFile, err := testenv.WriteCerts(dir)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "public.crt"), filepath.Join(dir, "private.key"))
		if err != nil {
			t.Fatal(err)
		}
		p.CAFile = caFile
		p.tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	scheme := "http://"
	if serveTLS {
		scheme = "https://"
	}
	p.URL = scheme + p.addr
	t.Cleanup(func() {
		p.mu.Lock()
		srv := p.srv
		p.mu.Unlock()
		if srv != nil {
			srv.Close()
		}
		p.tr.CloseIdleConnections()
	})
	return p
}

// serve starts a server on ln.
func (p *faultProxy) serve(ln net.Listener) {
	quiet := log.New(io.Discard, "", 0)
	srv := &http.Server{
		Handler:  p,
		ErrorLog: quiet,
		// HTTP/1.1 only: connections must be hijackable to reset them.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		TLSConfig:    p.tlsConfig,
	}
	p.mu.Lock()
	p.srv = srv
	p.mu.Unlock()
	if p.tlsConfig != nil {
		go srv.ServeTLS(ln, "", "")
	} else {
		go srv.Serve(ln)
	}
}

// goDown makes the store unreachable, as a crashed server or a cut network
// path: the proxy stops listening (new connections are refused) and resets
// every connection it holds.
func (p *faultProxy) goDown() {
	p.mu.Lock()
	srv := p.srv
	p.srv = nil
	p.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
	p.tr.CloseIdleConnections()
}

// comeBack listens again on the same address after goDown.
func (p *faultProxy) comeBack(t testing.TB) {
	t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("fault proxy: listen again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// setPlan replaces the fault plan (nil passes everything through).
func (p *faultProxy) setPlan(plan func(c call) rule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.plan = plan
	p.attempts = map[string]int{}
}

// setBefore replaces the hook run before each request.
func (p *faultProxy) setBefore(fn func(c call)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.before = fn
}

// setAfter replaces the hook run when the store answered a request, before
// the client gets the answer.
func (p *faultProxy) setAfter(fn func(c call, status int)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.after = fn
}

// callKey carries a request's call to the proxy's ModifyResponse.
type callKey struct{}

// setDelay holds requests for keys starting with prefix for d each.
func (p *faultProxy) setDelay(prefix string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delayPrefix, p.delay = prefix, d
}

// takeCalls returns the requests seen so far and forgets them.
func (p *faultProxy) takeCalls() []call {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.calls
	p.calls = nil
	return out
}

// lostUploadIDs returns the upload IDs whose creation answers were dropped.
func (p *faultProxy) lostUploadIDs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lostCreates...)
}

// seededPlan spreads faults over request identities (method, key, part
// number) by a seeded hash, so the share is deterministic whatever order
// concurrent requests arrive in. Of every 40 identities: 1 gets three 503
// SlowDowns and 1 three 429s, more than the SDK's own three attempts, so
// the export engine has to retry and honour Retry-After; 2 get one
// SlowDown and 1 one 429 (the SDK retries); 4 a reset mid-request and 4 a
// reset mid-response once; 1 a reset mid-request three times (the engine
// retries). CompleteMultipartUpload is never reset mid-response here: that
// case has its own test.
func seededPlan(seed uint64) func(c call) rule {
	return func(c call) rule {
		h := fnv.New64a()
		fmt.Fprintf(h, "%d %s %s %d %t", seed, c.Method, c.Key, c.Part, c.isCompleteMultipart())
		switch h.Sum64() % 40 {
		case 0:
			return rule{slowDown, 3}
		case 1:
			return rule{tooMany, 3}
		case 2, 3:
			return rule{slowDown, 1}
		case 4:
			return rule{tooMany, 1}
		case 5, 6, 7, 8:
			return rule{resetRequest, 1}
		case 9:
			return rule{resetRequest, 3}
		case 10, 11, 12, 13:
			if c.isCompleteMultipart() {
				return rule{resetRequest, 1}
			}
			return rule{resetResponse, 1}
		}
		return rule{}
	}
}

// ServeHTTP records the request, applies the plan and forwards it.
func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := call{Method: r.Method, Query: r.URL.Query()}
	c.Key = strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/"+p.bucket), "/")
	c.Part, _ = strconv.Atoi(c.Query.Get("partNumber"))
	c.UploadID = c.Query.Get("uploadId")
	c.copied = r.Header.Get("X-Amz-Copy-Source") != ""
	if c.isPutBlock() {
		// Stowage's block IDs are base64 of "UPLOADID-NNNNNN".
		if raw, err := base64.StdEncoding.DecodeString(c.Query.Get("blockid")); err == nil {
			if id, num, ok := strings.Cut(string(raw), "-"); ok {
				c.UploadID = id
				c.Part, _ = strconv.Atoi(num)
			}
		}
	}

	p.mu.Lock()
	id := fmt.Sprintf("%s %s %d", c.Method, c.Key, c.Part)
	if c.isCompleteMultipart() {
		id += " complete"
	}
	p.attempts[id]++
	if p.plan != nil {
		if ru := p.plan(c); ru.fault != pass && p.attempts[id] <= ru.times {
			c.Fault = ru.fault
		}
	}
	p.calls = append(p.calls, c)
	before := p.before
	var delay time.Duration
	if p.delay > 0 && strings.HasPrefix(c.Key, p.delayPrefix) && r.Method != http.MethodGet && r.Method != http.MethodHead {
		delay = p.delay
	}
	p.mu.Unlock()

	if before != nil {
		before(c)
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	p.injected[c.Fault].Add(1)
	switch c.Fault {
	case slowDown:
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("Retry-After", "1")
		if p.azure {
			// Azure's answer when an account is over its request rate.
			w.Header().Set("x-ms-error-code", "ServerBusy")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+
				`<Error><Code>ServerBusy</Code><Message>The server is busy.</Message></Error>`)
			break
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
			`<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
	case tooMany:
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, "Too Many Requests\n")
	case denied:
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
			`<Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>`)
	case resetRequest:
		// Take half of the body (or a little of a large one) first, so the
		// client is caught in the middle of sending.
		if r.ContentLength > 0 {
			io.CopyN(io.Discard, r.Body, min(r.ContentLength/2, 256<<10))
		}
		reset(w)
	case resetResponse, cutBody:
		p.forwardThenReset(w, r, c)
	default:
		p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
	}
}

// forwardThenReset lets the store act on the request, then cuts the
// connection in the middle of the answer's headers (resetResponse) or after
// them, half-way through the body (cutBody).
func (p *faultProxy) forwardThenReset(w http.ResponseWriter, r *http.Request, c call) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host = p.upstream.Scheme, p.upstream.Host
	out.Host = r.Host
	out.Header.Del("Connection")
	if r.ContentLength == 0 {
		out.Body = nil
	}
	resp, err := p.tr.RoundTrip(out)
	if err != nil {
		reset(w)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if c.isCreateMultipart() && resp.StatusCode == http.StatusOK {
		var res struct {
			UploadID string `xml:"UploadId"`
		}
		if xml.Unmarshal(body, &res) == nil && res.UploadID != "" {
			p.mu.Lock()
			p.lostCreates = append(p.lostCreates, res.UploadID)
			p.mu.Unlock()
		}
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if c.Fault == cutBody {
		fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", resp.StatusCode, http.StatusText(resp.StatusCode))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		resp.Header.Del("Transfer-Encoding")
		resp.Header.Write(buf)
		buf.WriteString("\r\n")
		buf.Write(body[:len(body)/2])
	} else {
		fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Ty", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	buf.Flush()
	abort(conn)
}

// reset hijacks the client's connection and resets it.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	abort(conn)
}

// abort closes conn with a TCP RST (linger 0) rather than a clean
// close_notify + FIN, as a crashed middlebox or load balancer does.
func abort(conn net.Conn) {
	raw := conn
	if tc, ok := conn.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	raw.Close()
}
