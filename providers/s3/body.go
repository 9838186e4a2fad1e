package s3

import (
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"io"
	"sync"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crc32cOf returns the base64 CRC32C of bytes [off, off+size) of r, as S3's
// x-amz-checksum-crc32c header carries it.
func crc32cOf(r io.ReaderAt, off, size int64) (string, error) {
	h := crc32.New(castagnoli)
	// A pooled buffer: a fresh one per object was 95% of the bytes
	// allocated when exporting many small files (bench/README.md).
	bp := crcBuffers.Get().(*[]byte)
	defer crcBuffers.Put(bp)
	buf := *bp
	if size < int64(len(buf)) {
		buf = buf[:max(size, 1)]
	}
	if _, err := io.CopyBuffer(h, io.NewSectionReader(r, off, size), buf); err != nil {
		return "", err
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], h.Sum32())
	return base64.StdEncoding.EncodeToString(b[:]), nil
}

// crcBuffers holds the read buffers of crc32cOf; CRC32C runs at several
// GB/s, so 256 KiB reads keep it fed.
var crcBuffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// progressReader counts the bytes the SDK reads from an upload body and
// reports them. It stays an io.ReadSeeker (and io.ReaderAt) so the SDK
// streams it with a known length instead of buffering it, and it follows
// Seek so that a retried request, which rewinds the body, restarts the
// count from where it was rewound to.
type progressReader struct {
	r  *io.SectionReader
	fn func(int64)

	mu   sync.Mutex
	done int64
}

func newProgressReader(r *io.SectionReader, fn func(int64)) io.ReadSeeker {
	if fn == nil {
		return r
	}
	return &progressReader{r: r, fn: fn}
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.mu.Lock()
		p.done += int64(n)
		done := p.done
		p.mu.Unlock()
		p.fn(done)
	}
	return n, err
}

func (p *progressReader) Seek(offset int64, whence int) (int64, error) {
	pos, err := p.r.Seek(offset, whence)
	if err != nil {
		return pos, err
	}
	p.mu.Lock()
	changed := p.done != pos
	p.done = pos
	p.mu.Unlock()
	if changed {
		p.fn(pos)
	}
	return pos, nil
}

// ReadAt does not count: the SDK only reads the body sequentially.
func (p *progressReader) ReadAt(b []byte, off int64) (int, error) { return p.r.ReadAt(b, off) }
