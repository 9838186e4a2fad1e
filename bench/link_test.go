package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseLinkRate(t *testing.T) {
	tests := []struct {
		in    string
		want  float64 // bytes a second
		label string
	}{
		{"1Gbit", 125e6, "1 Gbit/s"},
		{"300Mbit", 37.5e6, "300 Mbit/s"},
		{"2.5Gbps", 312.5e6, "2.5 Gbit/s"},
		{"100Mbit/s", 12.5e6, "100 Mbit/s"},
		{"512kbit", 64e3, "512 kbit/s"},
		{"100MiB/s", 100 << 20, "100 MiB/s"},
		{"1GiB/s", 1 << 30, "1 GiB/s"},
		{"50MB/s", 50e6, "50 MB/s"},
		{" 10 Mbit ", 1.25e6, "10 Mbit/s"},
	}
	for _, tt := range tests {
		got, err := parseLinkRate(tt.in)
		if err != nil || got.BytesPerSec != tt.want || got.Label != tt.label {
			t.Errorf("parseLinkRate(%q) = %+v, %v; want %v B/s, %q", tt.in, got, err, tt.want, tt.label)
		}
	}
	for _, bad := range []string{"", "1G", "fast", "0Mbit", "-5Mbit", "1kbit", "1000GiB/s", "NaNMbit", "100"} {
		if got, err := parseLinkRate(bad); err == nil || !strings.Contains(err.Error(), "e.g. 1Gbit") {
			t.Errorf("parseLinkRate(%q) = %+v, %v; want an error with an example", bad, got, err)
		}
	}
	if rs, err := parseLinkRates("1Gbit, 300Mbit"); err != nil || len(rs) != 2 || rs[1].BytesPerSec != 37.5e6 {
		t.Errorf("parseLinkRates = %+v, %v", rs, err)
	}
	for _, bad := range []string{",", "1Gbit,slow"} {
		if _, err := parseLinkRates(bad); err == nil || !strings.Contains(err.Error(), "-client-link") {
			t.Errorf("parseLinkRates(%q) = %v; want an error naming -client-link", bad, err)
		}
	}
}

func TestResolveClientLink(t *testing.T) {
	o := options{runs: 1, sets: "copy", tools: "stowage", clientLink: "1Gbit,300Mbit"}
	if err := o.resolve(""); err != nil || len(o.links) != 2 {
		t.Fatalf("resolve: %v, links %+v", err, o.links)
	}
	for _, o := range []options{
		{runs: 1, sets: "small", tools: "stowage", clientLink: "1Gbit"},
		{runs: 1, sets: "copy", tools: "stowage", clientLink: "1 gigabit"},
	} {
		if err := o.resolve(""); err == nil || !strings.Contains(err.Error(), "-client-link") || !strings.Contains(err.Error(), "e.g.") {
			t.Errorf("resolve(%+v): %v; want an error naming -client-link with an example", o, err)
		}
	}
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time        { return c.t }
func (c *fakeClock) sleep(d time.Duration) { c.t = c.t.Add(d) }

// TestTokenBucketGrantsTheRate sends through the bucket with a clock that
// moves only by the waits it hands out (a sender that sleeps exactly as
// told): the bytes granted by each moment are never more than the rate
// times the time plus the burst, and a long transfer takes (bytes −
// burst) / rate.
func TestTokenBucketGrantsTheRate(t *testing.T) {
	const rate = 100 << 20 // bytes a second
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	b := newTokenBucket(rate, clk.now)
	start := clk.t
	var sent int64
	sizes := []int{linkBufSize, 1, 1500, linkBufSize / 2, 3 * linkBufSize}
	for i := 0; sent < 200<<20; i++ {
		n := sizes[i%len(sizes)]
		clk.sleep(b.take(n))
		sent += int64(n)
		// The n bytes go out now: never more than rate·t + burst in all.
		if limit := rate*clk.t.Sub(start).Seconds() + b.burst; float64(sent) > limit+1 {
			t.Fatalf("after %d bytes at %s: %0.f bytes over the limit %.0f", sent, clk.t.Sub(start), float64(sent)-limit, limit)
		}
	}
	want := (float64(sent) - b.burst) / rate
	if got := clk.t.Sub(start).Seconds(); math.Abs(got-want) > 1e-3 {
		t.Fatalf("%d bytes took %.6f s of the clock; want %.6f s", sent, got, want)
	}

	// An idle link banks the burst, no more.
	clk.sleep(10 * time.Second)
	if d := b.take(int(b.burst)); d != 0 {
		t.Fatalf("the burst after an idle spell waited %s", d)
	}
	if d, want := b.take(linkBufSize), time.Duration(float64(linkBufSize)/rate*float64(time.Second)); d < want-time.Microsecond || d > want+time.Microsecond {
		t.Fatalf("a chunk beyond the burst waits %s; want %s", d, want)
	}
}

// TestTokenBucketSharedByConnections runs four senders on one bucket, each
// sending when its last wait is over (an event loop on the fake clock):
// together they get the rate, not four times it, and each about a quarter.
func TestTokenBucketSharedByConnections(t *testing.T) {
	const rate = 125e6 // 1 Gbit/s
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	b := newTokenBucket(rate, clk.now)
	start := clk.t
	next := make([]time.Time, 4) // when each sender sends again
	sent := make([]int64, 4)
	var total int64
	for total < 500e6 {
		i := 0
		for j := range next {
			if next[j].Before(next[i]) {
				i = j
			}
		}
		if next[i].After(clk.t) {
			clk.t = next[i]
		}
		next[i] = clk.t.Add(b.take(linkBufSize))
		sent[i] += linkBufSize
		total += linkBufSize
	}
	last := clk.t
	for _, n := range next {
		if n.After(last) {
			last = n
		}
	}
	want := (float64(total) - b.burst) / rate
	if got := last.Sub(start).Seconds(); math.Abs(got-want) > 1e-3 {
		t.Fatalf("%d bytes from 4 senders took %.6f s; want %.6f s (one link's rate)", total, got, want)
	}
	for i, n := range sent {
		if share := float64(n) / float64(total); share < 0.24 || share > 0.26 {
			t.Errorf("sender %d got %.3f of the link; want about 0.25", i, share)
		}
	}
}

// TestLinkForwardsBothWays runs connections through the proxy, paced and
// not: a server that answers the SHA-256 of all it read followed by bytes
// of its own (each direction's bytes checked and counted apart), and an
// echo server with both directions busy at once.
func TestLinkForwardsBothWays(t *testing.T) {
	reply := make([]byte, 1<<20+123)
	rng := rand.NewChaCha8([32]byte{1})
	_, _ = rng.Read(reply)
	hashServer := func(c net.Conn) {
		h := sha256.New()
		_, _ = io.Copy(h, c)
		_, _ = c.Write(h.Sum(nil))
		_, _ = c.Write(reply)
	}
	echoServer := func(c net.Conn) { _, _ = io.Copy(c, c) }

	for _, tc := range []struct {
		name   string
		rate   float64
		server func(net.Conn)
	}{
		{"hash, no pacing", 0, hashServer},
		{"hash, paced", 64 << 20, hashServer},
		{"echo, no pacing", 0, echoServer},
		{"echo, paced", 64 << 20, echoServer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					go func() {
						defer c.Close()
						tc.server(c)
						_ = c.(*net.TCPConn).CloseWrite()
					}()
				}
			}()
			l, err := startLink(ln.Addr().String(), linkRate{Label: "test", BytesPerSec: tc.rate})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()

			const conns, size = 3, 3<<20 + 17
			var wg sync.WaitGroup
			errs := make(chan error, conns)
			started := time.Now()
			for i := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- roundTrip(l.Addr(), i, size, tc.name, reply)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			wantUp, wantDown := int64(conns*size), int64(conns*(sha256.Size+len(reply)))
			if strings.HasPrefix(tc.name, "echo") {
				wantDown = wantUp
			}
			// The last connection's goroutines count after the client read
			// its end; Close waits for them.
			if err := l.Close(); err != nil && !strings.Contains(err.Error(), "closed") {
				t.Fatal(err)
			}
			if l.Up.Load() != wantUp || l.Down.Load() != wantDown {
				t.Fatalf("link counted %d up, %d down; want %d, %d", l.Up.Load(), l.Down.Load(), wantUp, wantDown)
			}
			// Sleeps never end early, so a paced link is never faster than
			// its rate allows (a lower bound: this cannot flake on a slow
			// machine).
			if tc.rate > 0 {
				burst := math.Max(linkBufSize, tc.rate/200)
				if floor := (float64(max(wantUp, wantDown)) - burst) / tc.rate; time.Since(started).Seconds() < floor {
					t.Fatalf("%d bytes crossed a %.0f B/s link in %s, under its %.3f s", max(wantUp, wantDown), tc.rate, time.Since(started), floor)
				}
			}
		})
	}
}

// roundTrip sends size seeded bytes through the proxy at addr, closes its
// write side, and checks what comes back: the same bytes from the echo
// server, or their SHA-256 and reply from the hash server.
func roundTrip(addr string, seed, size int, name string, reply []byte) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	sent := make([]byte, size)
	_, _ = rand.NewChaCha8([32]byte{byte(seed), 2}).Read(sent)
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(c)
		got <- b
	}()
	if _, err := c.Write(sent); err != nil {
		return err
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	back := <-got
	want := sent
	if strings.HasPrefix(name, "hash") {
		sum := sha256.Sum256(sent)
		want = append(sum[:], reply...)
	}
	if !bytes.Equal(back, want) {
		return fmt.Errorf("connection %d: %d bytes came back, not the %d expected", seed, len(back), len(want))
	}
	return nil
}

func TestBothBusy(t *testing.T) {
	const rate = 100 << 20
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	// 4 intervals of 250 ms: both full, down only, up only, both at 60 %.
	q := int64(rate / 4)
	s := []linkSample{
		{0, 0, 0},
		{ms(250), q, q},
		{ms(500), q, 2 * q},
		{ms(750), 2 * q, 2 * q},
		{ms(1000), 2*q + q*6/10, 2*q + q*6/10},
	}
	if got := bothBusy(s, rate); got != 0.5 {
		t.Fatalf("bothBusy = %v; want 0.5 (the first and last of four intervals)", got)
	}
	if got := bothBusy(s[:1], rate); got != 0 {
		t.Fatalf("bothBusy of one sample = %v; want 0", got)
	}
}

// TestReportCopy prints a copy set's results: a verdict per link, the
// loopback one called what it is, and the crossover derived from the
// slowest and the median copy.
func TestReportCopy(t *testing.T) {
	const size = 2 << 30
	run := func(link string, rate float64, engine string, secs float64) result {
		r := result{Tool: "stowage", Set: "engine " + engine, Files: 1, Bytes: size, Link: link, LinkRate: rate,
			Wall: time.Duration(secs * float64(time.Second)), IOBytes: 700 << 10}
		if engine == "stream" {
			r.IOBytes = 2 * size
			if rate > 0 {
				r.LinkUp, r.LinkDown = size, size
			}
		}
		return r
	}
	rs := []result{
		run(loopbackLabel, 0, "stream", 6.35), run(loopbackLabel, 0, "copy", 4.0),
		run("1 Gbit/s", 125e6, "stream", 24), run("1 Gbit/s", 125e6, "copy", 8.0),
		run("300 Mbit/s", 37.5e6, "stream", 80), run("300 Mbit/s", 37.5e6, "copy", 5.0),
	}
	var b bytes.Buffer
	reportCopy(&b, "", rs)
	out := b.String()
	for _, want := range []string{
		"| loopback | stream | 2048 | 6.35 |",
		"| 1 Gbit/s | stream | 2048 | 24.00 | 85.3 |",
		"loopback, on the same MinIO with nothing between: 1.59× (copy 4.00 s, stream 6.35 s) MISS",
		"1 Gbit/s each way, a client whose link is the bottleneck: 3.00× (copy 8.00 s, stream 24.00 s) MISS",
		"at least 17.18 s at this rate",
		"300 Mbit/s each way, a client whose link is the bottleneck: 16.00× (copy 5.00 s, stream 80.00 s) PASS",
		// 2048 MiB / (5 × 8 s) = 51.2 MiB/s = 429 Mbit/s; median 5 s: 81.9 MiB/s = 687 Mbit/s.
		"**429 Mbit/s each way** (51.2 MiB/s) from the slowest copy of this run (8.00 s, link 1 Gbit/s), 687 Mbit/s (81.9 MiB/s) from the median copy (5.00 s, link 300 Mbit/s)",
		"copy's client bytes ≈ 0 (under 1% of the object), link 300 Mbit/s: 0.7 MiB of 2048 MiB PASS",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	// A failed copy is not compared and not used for the crossover.
	rs[3].Err = "exit status 1"
	b.Reset()
	reportCopy(&b, "", rs)
	if out := b.String(); !strings.Contains(out, "- 1 Gbit/s: not compared") || !strings.Contains(out, "from the slowest copy of this run (5.00 s, link 300 Mbit/s)") {
		t.Errorf("a failed copy run was compared or used:\n%s", out)
	}
}
