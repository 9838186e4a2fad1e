package export

import (
	"container/heap"
	"sync"
)

// maxQueued bounds the files found but not started, so a scan of millions
// of files does not hold them all in memory; the scan waits while the queue
// is full. Largest-first ordering applies among the queued files.
const maxQueued = 1 << 16

// fileTask is one file found by the scan.
type fileTask struct {
	path    string // absolute
	rel     string
	key     string
	size    int64 // as seen by the scan
	mtime   int64 // Unix nanoseconds, as seen by the scan
	seq     int64 // discovery order, breaks size ties
	prior   *Record
	changed bool
	// skipOnly marks a file exported earlier that is queued only to confirm
	// its object and delete the source (Options.DeleteSource).
	skipOnly bool
	// src is set for an object of a source location (Options.From); path
	// is then its ObjectRef.
	src *srcObject
}

// partTask is one part of a multipart upload.
type partTask struct {
	mf     *multipartFile
	number int
	offset int64
	size   int64
}

// fileHeap pops the largest file first, so a huge file found early is
// never the last thing left running; among equal sizes, discovery order.
type fileHeap []*fileTask

func (h fileHeap) Len() int { return len(h) }
func (h fileHeap) Less(i, k int) bool {
	if h[i].size != h[k].size {
		return h[i].size > h[k].size
	}
	return h[i].seq < h[k].seq
}
func (h fileHeap) Swap(i, k int) { h[i], h[k] = h[k], h[i] }
func (h *fileHeap) Push(x any)   { *h = append(*h, x.(*fileTask)) }
func (h *fileHeap) Pop() any {
	old := *h
	n := len(old)
	x := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return x
}

// scheduler hands work to the workers: parts of files already started come
// first (they finish open files and free their memory), then the largest
// queued file.
type scheduler struct {
	mu       sync.Mutex
	cond     *sync.Cond
	files    fileHeap
	parts    []*partTask
	scanDone bool
	stopping bool
	// active counts files handed out and not finished; while it is above
	// zero an idle worker waits, because a file being set up may still
	// queue parts.
	active int
	// onAbandon is called (without the lock) for each part dropped by a
	// stop, so its file can be finished as interrupted.
	onAbandon func(*partTask)
}

func newScheduler(onAbandon func(*partTask)) *scheduler {
	s := &scheduler{onAbandon: onAbandon}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// pushFile queues a file, waiting while the queue is full. It reports false
// when the run is stopping and the file was not queued.
func (s *scheduler) pushFile(f *fileTask) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.files) >= maxQueued && !s.stopping {
		s.cond.Wait()
	}
	if s.stopping {
		return false
	}
	heap.Push(&s.files, f)
	s.cond.Signal()
	return true
}

// pushParts queues the parts of a started file.
func (s *scheduler) pushParts(ps []*partTask) {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		for _, p := range ps {
			s.onAbandon(p)
		}
		return
	}
	s.parts = append(s.parts, ps...)
	s.mu.Unlock()
	s.cond.Broadcast()
}

// endScan records that no more files will be pushed.
func (s *scheduler) endScan() {
	s.mu.Lock()
	s.scanDone = true
	s.mu.Unlock()
	s.cond.Broadcast()
}

// stop drops everything queued; workers finish what they hold and exit. It
// returns the files dropped, so they can be counted as not started.
func (s *scheduler) stop() []*fileTask {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return nil
	}
	s.stopping = true
	files := []*fileTask(s.files)
	parts := s.parts
	s.files, s.parts = nil, nil
	s.mu.Unlock()
	s.cond.Broadcast()
	for _, p := range parts {
		s.onAbandon(p)
	}
	return files
}

// next returns the next part or file to work on; ok is false when there is
// nothing left to do (or the run is stopping).
func (s *scheduler) next() (f *fileTask, p *partTask, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.stopping {
			return nil, nil, false
		}
		if len(s.parts) > 0 {
			p = s.parts[0]
			s.parts[0] = nil
			s.parts = s.parts[1:]
			return nil, p, true
		}
		if len(s.files) > 0 {
			f = heap.Pop(&s.files).(*fileTask)
			s.active++
			// A full queue has room again.
			s.cond.Broadcast()
			return f, nil, true
		}
		if s.scanDone && s.active == 0 {
			return nil, nil, false
		}
		s.cond.Wait()
	}
}

// fileFinished is called once for every file handed out by next.
func (s *scheduler) fileFinished() {
	s.mu.Lock()
	s.active--
	s.mu.Unlock()
	s.cond.Broadcast()
}
