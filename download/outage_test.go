package download

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/providers"
)

// forwarder relays TCP connections to a store until cut, after which its
// port refuses every connection: the store is gone.
type forwarder struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func forward(t *testing.T, to string) *forwarder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &forwarder{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", to)
			if err != nil {
				c.Close()
				continue
			}
			f.mu.Lock()
			f.conns = append(f.conns, c, up)
			f.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	t.Cleanup(f.cut)
	return f
}

func (f *forwarder) cut() {
	f.ln.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		c.Close()
	}
	f.conns = nil
}

// cutOnGet cuts the forwarder when the first object is fetched, after the
// listing reached the store.
type cutOnGet struct {
	providers.Provider
	fw   *forwarder
	once sync.Once
}

func (c *cutOnGet) List(ctx context.Context, prefix string, fn func(providers.Object) error) error {
	return c.Provider.(providers.Lister).List(ctx, prefix, fn)
}

func (c *cutOnGet) Get(ctx context.Context, key string, off, n int64) (io.ReadCloser, providers.Object, error) {
	c.once.Do(c.fw.cut)
	return c.Provider.(providers.Getter).Get(ctx, key, off, n)
}

// TestStoreGoneStopsTheDownload lists 30 objects, then the store goes
// away: the run stops within seconds as one ErrUnreachable naming the
// cause and the next step, with the objects left for the next run rather
// than each failed after all its retries. The SDK's own retries are
// events, and the requests in flight are cancelled once the store counts
// as gone (the run took 4–11 s, 2–3 s since).
func TestStoreGoneStopsTheDownload(t *testing.T) {
	env := newMinio(t)
	for i := range 30 {
		env.put(t, fmt.Sprintf("call-%02d.wav", i), []byte(strings.Repeat("x", 100+i)), false)
	}
	u, err := url.Parse(env.m.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	fw := forward(t, u.Host)
	env.loc.S3.Endpoint = "https://" + fw.ln.Addr().String()
	p := &cutOnGet{Provider: env.open(t), fw: fw}
	var (
		mu       sync.Mutex
		internal []Retry
	)
	start := time.Now()
	res, err := Run(context.Background(), p, Options{Location: env.loc.Name, Dest: t.TempDir(), Concurrency: 4, OutageTimeout: 2 * time.Second,
		Events: func(ev Event) {
			if r, ok := ev.(Retry); ok && r.Internal {
				mu.Lock()
				internal = append(internal, r)
				mu.Unlock()
			}
		}})
	took := time.Since(start)
	t.Logf("stopped after %s: %v; %d failed, %d done", took.Round(100*time.Millisecond), err, res.FilesFailed, res.FilesDone)
	if !errors.Is(err, ErrUnreachable) || !errors.Is(err, providers.ErrNetwork) {
		t.Fatalf("Run: %v; want ErrUnreachable with the network error", err)
	}
	for _, want := range []string{"cannot be reached", "stowage test " + env.loc.Name, "run the same command again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// The SDK retries a refused connection inside one request; each of its
	// attempts is an event, and counts towards the outage, so the run does
	// not wait for the SDK to give up before it notices the store is gone.
	mu.Lock()
	defer mu.Unlock()
	if len(internal) == 0 {
		t.Error("no Retry event for the SDK's own retries of the refused connections")
	}
	for _, r := range internal {
		if !errors.Is(r.Err, providers.ErrNetwork) || r.Attempt < 1 || r.Key == "" {
			t.Errorf("internal retry %+v: want a network error, its attempt and its key", r)
		}
	}
	if took > 10*time.Second {
		t.Errorf("the run took %s to stop; want seconds", took)
	}
	if res.FilesFailed != 0 || res.FilesDone == 30 {
		t.Errorf("%d objects failed, %d done; want none failed, the rest left for the next run", res.FilesFailed, res.FilesDone)
	}
}
