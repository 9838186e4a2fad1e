package export

import (
	"math/bits"
	"sync"
)

// minPooledBuf is the smallest buffer the stream engine keeps for reuse:
// smaller reads (small objects) are cheap to allocate and would only make
// the free list long.
const minPooledBuf = 1 << 20

// partBufs is the stream engine's free list of the buffers that source
// ranges are read into. A fresh buffer per part turns every byte streamed
// into garbage, which the GC lets grow to about twice the bytes in flight
// before it collects (a 2 GiB object with a 512 MiB budget peaked at over
// 1 GiB RSS); reusing the buffers of finished requests keeps the bytes
// allocated at about the memory budget however many parts pass through.
//
// The pool owns at most limit bytes (the memory budget): buffers handed
// out plus idle ones. A request needing a buffer the free list cannot
// give drops idle buffers until a new one fits. Requests are admitted by
// the budget's semaphore before they take a buffer, so the buffers in use
// never exceed the budget by more than the one request a budget smaller
// than a part lets through alone (that buffer is not kept).
type partBufs struct {
	mu    sync.Mutex
	limit int64
	owned int64 // capacity of the buffers handed out and idle
	idle  [][]byte
}

func newPartBufs(limit int64) *partBufs { return &partBufs{limit: limit} }

// get returns a buffer of length n.
func (p *partBufs) get(n int64) []byte {
	if n < minPooledBuf {
		return make([]byte, n)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// The smallest idle buffer that holds n without wasting more than half
	// of itself.
	best := -1
	for i, b := range p.idle {
		if c := int64(cap(b)); c >= n && c <= 2*n && (best < 0 || c < int64(cap(p.idle[best]))) {
			best = i
		}
	}
	if best >= 0 {
		b := p.idle[best]
		last := len(p.idle) - 1
		p.idle[best], p.idle[last] = p.idle[last], nil
		p.idle = p.idle[:last]
		return b[:n]
	}
	for len(p.idle) > 0 && p.owned+n > p.limit {
		last := len(p.idle) - 1
		p.owned -= int64(cap(p.idle[last]))
		p.idle[last] = nil
		p.idle = p.idle[:last]
	}
	c := sizeClass(n)
	p.owned += c
	return make([]byte, n, c)
}

// sizeClass rounds n up to one of 8 steps per power of two (at most 12.5 %
// more), so that objects of nearly the same size, read one after another
// in growing order, can use each other's buffers.
func sizeClass(n int64) int64 {
	step := int64(1) << max(bits.Len64(uint64(n))-4, 0)
	return (n + step - 1) / step * step
}

// put gives b back once nothing reads it any more. reuse is false when
// the request that sent it failed: an HTTP transport may still be writing
// a failed request's body, so b is left to the GC instead.
func (p *partBufs) put(b []byte, reuse bool) {
	if cap(b) < minPooledBuf {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !reuse || p.owned > p.limit {
		p.owned -= int64(cap(b))
		return
	}
	p.idle = append(p.idle, b[:cap(b)])
}
