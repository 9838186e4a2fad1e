package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The client's network link for the copy set (issue 12 §5, -client-link).
// On loopback the stream engine's bytes cost nothing to move, so copy
// against stream only compares two ways of making one local MinIO read and
// write the same bytes. A real client reaches the store over a link of its
// own, which the stream engine crosses twice per byte (down from the
// source, up to the destination) and the copy engine only with requests.
// link is that link: a TCP proxy on 127.0.0.1 between Stowage and MinIO
// that paces each direction at a rate of its own (full duplex), shared by
// every connection, as one network interface is. TLS passes through it
// untouched: the client still talks TLS to MinIO, whose certificate names
// the IP 127.0.0.1, whatever the port.

// linkBufSize is the proxy's chunk: large, so pacing costs one token
// request and one sleep per read of up to 256 KiB (about 2 ms of a 1 Gbit/s
// link). Against 64 KiB it made 5× fewer writes and used a little less CPU
// (a loopback probe, 16 connections, 125 and 37.5 MB/s: 0.40–0.57 s
// against 0.46–0.60 s of CPU for ~350 MB).
const linkBufSize = 256 << 10

var linkBufs = sync.Pool{New: func() any { b := make([]byte, linkBufSize); return &b }}

// linkRate is one -client-link rate.
type linkRate struct {
	Label       string  // as printed: "1 Gbit/s", "100 MiB/s"
	BytesPerSec float64 // each direction
}

// parseLinkRate reads a link rate: a number with a bit-rate unit (Kbit,
// Mbit, Gbit, decimal, per second; "bps"/"bit/s" spellings accepted) or a
// byte-rate unit (KiB/s, MiB/s, GiB/s, or decimal KB/s, MB/s, GB/s).
func parseLinkRate(s string) (linkRate, error) {
	units := []struct {
		suffixes []string
		mult     float64
		label    string
	}{
		{[]string{"GiB/s"}, 1 << 30, "GiB/s"},
		{[]string{"MiB/s"}, 1 << 20, "MiB/s"},
		{[]string{"KiB/s"}, 1 << 10, "KiB/s"},
		{[]string{"GB/s"}, 1e9, "GB/s"},
		{[]string{"MB/s"}, 1e6, "MB/s"},
		{[]string{"KB/s", "kB/s"}, 1e3, "kB/s"},
		{[]string{"Gbit/s", "Gbps", "Gbit"}, 1e9 / 8, "Gbit/s"},
		{[]string{"Mbit/s", "Mbps", "Mbit"}, 1e6 / 8, "Mbit/s"},
		{[]string{"Kbit/s", "kbit/s", "Kbps", "kbps", "Kbit", "kbit"}, 1e3 / 8, "kbit/s"},
	}
	in := strings.TrimSpace(s)
	for _, u := range units {
		for _, suf := range u.suffixes {
			num, ok := strings.CutSuffix(in, suf)
			if !ok {
				continue
			}
			n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
			// At least 64 kbit/s, so a 2 GiB object still crosses in a few
			// days rather than never; at most 100 GiB/s.
			if err != nil || math.IsNaN(n) || n*u.mult < 8e3 || n*u.mult > 100<<30 {
				break
			}
			return linkRate{Label: strconv.FormatFloat(n, 'f', -1, 64) + " " + u.label, BytesPerSec: n * u.mult}, nil
		}
	}
	return linkRate{}, fmt.Errorf("%q is not a link rate between 64 kbit/s and 100 GiB/s; use a number with a unit per second, e.g. 1Gbit, 300Mbit or 100MiB/s", s)
}

// parseLinkRates reads -client-link: rates separated by commas.
func parseLinkRates(s string) ([]linkRate, error) {
	var out []linkRate
	for _, f := range splitList(s) {
		r, err := parseLinkRate(f)
		if err != nil {
			return nil, fmt.Errorf("-client-link: %w", err)
		}
		out = append(out, r)
	}
	if len(out) == 0 && strings.TrimSpace(s) != "" {
		return nil, errors.New("-client-link: no rate given; use rates separated by commas, e.g. -client-link 1Gbit,300Mbit")
	}
	return out, nil
}

// tokenBucket paces one direction of the link: it grants rate bytes a
// second, lets an idle link bank up to burst bytes, and queues takers in the
// order they ask (a take beyond the tokens leaves a debt the next taker
// waits for too), as packets queue on one interface.
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64 // bytes per second
	burst  float64
	tokens float64 // may be negative: bytes granted ahead of time
	last   time.Time
	now    func() time.Time
}

func newTokenBucket(rate float64, now func() time.Time) *tokenBucket {
	// 5 ms of the rate, at least one chunk: enough to absorb a late wake-up
	// without letting a burst bend the rate over a run of seconds.
	burst := math.Max(linkBufSize, rate/200)
	return &tokenBucket{rate: rate, burst: burst, tokens: burst, last: now(), now: now}
}

// take grants n bytes and returns how long the caller must wait before
// sending them.
func (b *tokenBucket) take(n int) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if dt := now.Sub(b.last); dt > 0 {
		b.tokens = math.Min(b.burst, b.tokens+dt.Seconds()*b.rate)
		b.last = now
	}
	b.tokens -= float64(n)
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// link is the shaping proxy.
type link struct {
	Rate     linkRate // zero BytesPerSec: no pacing
	ln       net.Listener
	target   string
	up, down *tokenBucket // client → server, server → client; nil: no pacing
	// Up and Down count the bytes forwarded each way.
	Up, Down atomic.Int64
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	closed   bool
	wg       sync.WaitGroup
}

// startLink listens on a free port of 127.0.0.1 and forwards every
// connection to target (host:port), pacing each direction at rate.
func startLink(target string, rate linkRate) (*link, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &link{Rate: rate, ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	if rate.BytesPerSec > 0 {
		l.up, l.down = newTokenBucket(rate.BytesPerSec, time.Now), newTokenBucket(rate.BytesPerSec, time.Now)
	}
	l.wg.Add(1)
	go l.accept()
	return l, nil
}

// Addr is the proxy's host:port.
func (l *link) Addr() string { return l.ln.Addr().String() }

func (l *link) accept() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", l.target)
		if err != nil {
			c.Close()
			continue
		}
		if !l.track(c, s) {
			c.Close()
			s.Close()
			return
		}
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			var both sync.WaitGroup
			both.Add(2)
			go func() { defer both.Done(); l.pipe(s, c, l.up, &l.Up) }()
			go func() { defer both.Done(); l.pipe(c, s, l.down, &l.Down) }()
			both.Wait()
			c.Close()
			s.Close()
			l.untrack(c, s)
		}()
	}
}

func (l *link) track(cs ...net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	for _, c := range cs {
		l.conns[c] = struct{}{}
	}
	return true
}

func (l *link) untrack(cs ...net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range cs {
		delete(l.conns, c)
	}
}

// pipe forwards src to dst through the bucket until src ends, then closes
// dst's write side so the peer sees the end while the other direction
// may still be sending.
func (l *link) pipe(dst, src net.Conn, b *tokenBucket, count *atomic.Int64) {
	buf := linkBufs.Get().(*[]byte)
	defer linkBufs.Put(buf)
	// Only Read and Write: *net.TCPConn's WriteTo/ReadFrom would bypass
	// the buffer (and the pacing writer's chunking).
	_, _ = io.CopyBuffer(pacedWriter{w: dst, b: b, count: count}, struct{ io.Reader }{src}, *buf)
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

// pacedWriter waits for the bucket's grant before each write.
type pacedWriter struct {
	w     io.Writer
	b     *tokenBucket
	count *atomic.Int64
}

func (p pacedWriter) Write(buf []byte) (int, error) {
	if p.b != nil {
		if d := p.b.take(len(buf)); d > 0 {
			time.Sleep(d)
		}
	}
	n, err := p.w.Write(buf)
	p.count.Add(int64(n))
	return n, err
}

// Close stops accepting, cuts the open connections and waits for the
// forwarding goroutines.
func (l *link) Close() error {
	l.mu.Lock()
	l.closed = true
	for c := range l.conns {
		c.Close()
	}
	l.mu.Unlock()
	err := l.ln.Close()
	l.wg.Wait()
	return err
}
