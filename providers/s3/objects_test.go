package s3

import (
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
)

var checksumModes = []string{config.ChecksumWhenSupported, config.ChecksumWhenRequired}

// TestRoundTrip puts, stats, lists, reads and deletes an object, in both
// checksum modes, and checks that CRC32C is recorded and matches the data.
func TestRoundTrip(t *testing.T) {
	m := tlsMinIO(t)
	for _, mode := range checksumModes {
		t.Run(mode, func(t *testing.T) {
			loc := keysLocation(m, newBucket(t, m), m.RootUser, m.RootPassword)
			loc.S3.ChecksumMode = mode
			loc.S3.Encryption = config.EncryptionNone
			p := openS3(t, loc)
			ctx := context.Background()

			const size = 3<<20 + 17
			f, data := randomFile(t, size)
			var (
				mu    sync.Mutex
				max   int64
				calls int
			)
			obj, err := p.Put(ctx, "2026/11/call-1.wav", f, size, providers.PutOptions{Progress: func(n int64) {
				mu.Lock()
				defer mu.Unlock()
				calls++
				if n > max {
					max = n
				}
			}})
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			want, err := crc32cOf(bytes.NewReader(data), 0, size)
			if err != nil {
				t.Fatal(err)
			}
			if obj.Checksum != "CRC32C:"+want {
				t.Errorf("Put checksum = %q, want CRC32C:%s", obj.Checksum, want)
			}
			if obj.Size != size || obj.ETag == "" || strings.Contains(obj.ETag, `"`) {
				t.Errorf("Put object = %+v", obj)
			}
			if max != size || calls < 2 {
				t.Errorf("progress reached %d in %d calls, want %d", max, calls, size)
			}

			st, err := p.Stat(ctx, "2026/11/call-1.wav")
			if err != nil {
				t.Fatalf("Stat: %v", err)
			}
			if st.Size != size || st.Checksum != obj.Checksum || st.ETag != obj.ETag || st.Modified.IsZero() {
				t.Errorf("Stat = %+v, want size %d checksum %s etag %s", st, size, obj.Checksum, obj.ETag)
			}

			// The object sits under the location's prefix; List is relative.
			root := openS3(t, keysLocation(m, loc.S3.Bucket, m.RootUser, m.RootPassword))
			root.s3c.Prefix = ""
			if _, err := root.Stat(ctx, "exports/2026/11/call-1.wav"); err != nil {
				t.Errorf("object not under the prefix: %v", err)
			}
			var listed []providers.Object
			if err := p.List(ctx, "2026/", func(o providers.Object) error { listed = append(listed, o); return nil }); err != nil {
				t.Fatalf("List: %v", err)
			}
			if len(listed) != 1 || listed[0].Key != "2026/11/call-1.wav" || listed[0].Size != size {
				t.Errorf("List = %+v", listed)
			}

			for _, r := range []struct{ off, n int64 }{{0, -1}, {0, 10}, {size - 5, -1}, {1 << 20, 4096}, {7, 0}} {
				got := readAllGet(t, p, "2026/11/call-1.wav", r.off, r.n)
				end := int64(size)
				if r.n >= 0 {
					end = r.off + r.n
				}
				if !bytes.Equal(got, data[r.off:end]) {
					t.Errorf("Get [%d,+%d) returned %d bytes that differ", r.off, r.n, len(got))
				}
			}
			_, gobj, err := p.Get(ctx, "2026/11/call-1.wav", 100, 10)
			if err != nil || gobj.Size != size {
				t.Errorf("ranged Get object size = %d (%v), want the whole size %d", gobj.Size, err, size)
			}

			if err := p.Delete(ctx, "2026/11/call-1.wav"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if _, err := p.Stat(ctx, "2026/11/call-1.wav"); !errors.Is(err, providers.ErrNoSuchKey) {
				t.Errorf("Stat after Delete = %v, want ErrNoSuchKey", err)
			}
			if _, _, err := p.Get(ctx, "2026/11/call-1.wav", 0, -1); !errors.Is(err, providers.ErrNoSuchKey) {
				t.Errorf("Get after Delete = %v, want ErrNoSuchKey", err)
			}
		})
	}
}

// TestMultipartResume uploads two of three parts, "crashes", lists the
// parts from a new provider, sends the last one and completes.
func TestMultipartResume(t *testing.T) {
	m := tlsMinIO(t)
	for _, mode := range checksumModes {
		t.Run(mode, func(t *testing.T) {
			loc := keysLocation(m, newBucket(t, m), m.RootUser, m.RootPassword)
			loc.S3.ChecksumMode = mode
			loc.S3.Encryption = config.EncryptionNone
			ctx := context.Background()
			p := openS3(t, loc)
			min, max, maxParts := p.PartLimits()
			if min != 5<<20 || max != 5<<30 || maxParts != 10000 {
				t.Fatalf("PartLimits = %d %d %d", min, max, maxParts)
			}
			const part = 5 << 20
			size := int64(2*part + 1234)
			f, data := randomFile(t, int(size))
			key := "screen/rec-1.mp4"

			id, err := p.CreateMultipart(ctx, key, providers.PutOptions{})
			if err != nil || id == "" {
				t.Fatalf("CreateMultipart = %q, %v", id, err)
			}
			var sent []providers.Part
			for n := 1; n <= 2; n++ {
				off := int64(n-1) * part
				pt, err := p.UploadPart(ctx, key, id, n, f, off, part, providers.PutOptions{})
				if err != nil {
					t.Fatalf("UploadPart %d: %v", n, err)
				}
				want, _ := crc32cOf(bytes.NewReader(data), off, part)
				if pt.Number != n || pt.Size != part || pt.ETag == "" || pt.Checksum != "CRC32C:"+want {
					t.Errorf("part %d = %+v, want checksum CRC32C:%s", n, pt, want)
				}
				sent = append(sent, pt)
			}

			// A new process resumes from the journal's upload ID.
			p2 := openS3(t, loc)
			have, err := p2.ListParts(ctx, key, id)
			if err != nil {
				t.Fatalf("ListParts: %v", err)
			}
			if len(have) != 2 {
				t.Fatalf("ListParts returned %d parts, want 2: %+v", len(have), have)
			}
			for i, pt := range have {
				if pt.Number != sent[i].Number || pt.ETag != sent[i].ETag || pt.Size != sent[i].Size || pt.Checksum != sent[i].Checksum {
					t.Errorf("listed part %+v, sent %+v", pt, sent[i])
				}
			}
			last, err := p2.UploadPart(ctx, key, id, 3, f, 2*part, size-2*part, providers.PutOptions{})
			if err != nil {
				t.Fatalf("UploadPart 3: %v", err)
			}
			// Parts out of order: Complete sorts them.
			obj, err := p2.CompleteMultipart(ctx, key, id, append([]providers.Part{last}, have...))
			if err != nil {
				t.Fatalf("CompleteMultipart: %v", err)
			}
			if obj.Size != size || obj.ETag == "" {
				t.Errorf("completed object = %+v", obj)
			}
			if !strings.HasPrefix(obj.Checksum, "CRC32C:") {
				t.Errorf("completed object checksum %q, want a CRC32C", obj.Checksum)
			}
			if got := readAllGet(t, p2, key, 0, -1); !bytes.Equal(got, data) {
				t.Errorf("assembled object differs from the file")
			}

			// Abort: the upload is gone, and aborting twice is fine.
			id2, err := p2.CreateMultipart(ctx, "tmp.bin", providers.PutOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := p2.AbortMultipart(ctx, "tmp.bin", id2); err != nil {
				t.Fatalf("AbortMultipart: %v", err)
			}
			if err := p2.AbortMultipart(ctx, "tmp.bin", id2); err != nil {
				t.Errorf("second AbortMultipart: %v", err)
			}
			if _, err := p2.ListParts(ctx, "tmp.bin", id2); !errors.Is(err, providers.ErrNoSuchKey) {
				t.Errorf("ListParts of an aborted upload = %v, want ErrNoSuchKey (NoSuchUpload)", err)
			}
		})
	}
}

// TestProgressRewind: a body rewound by a retry reports the smaller count.
func TestProgressRewind(t *testing.T) {
	f, _ := randomFile(t, 1000)
	var got []int64
	r := newProgressReader(ioSection(f, 100, 500), func(n int64) { got = append(got, n) })
	buf := make([]byte, 300)
	if n, err := r.Read(buf); n != 300 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
	if pos, err := r.Seek(0, 0); pos != 0 || err != nil {
		t.Fatalf("Seek = %d, %v", pos, err)
	}
	if n, _ := r.Read(buf); n != 300 {
		t.Fatalf("Read after rewind = %d", n)
	}
	if n, _ := r.Read(buf); n != 200 {
		t.Fatalf("last Read = %d", n)
	}
	want := []int64{300, 0, 300, 500}
	if len(got) != len(want) {
		t.Fatalf("progress calls %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("progress calls %v, want %v", got, want)
		}
	}
}

// TestCRC32C checks the header encoding against RFC 3720's test vector
// (32 zero bytes → 0x8A9136AA).
func TestCRC32C(t *testing.T) {
	got, err := crc32cOf(bytes.NewReader(make([]byte, 40)), 4, 32)
	if err != nil {
		t.Fatal(err)
	}
	if want := "ipE2qg=="; got != want {
		t.Errorf("crc32c = %s, want %s", got, want)
	}
	if crc32.Checksum(make([]byte, 32), castagnoli) != 0x8A9136AA {
		t.Fatal("table is not Castagnoli")
	}
}

// TestPutDenied maps a denied upload with the action and the policy resource.
func TestPutDenied(t *testing.T) {
	m := tlsMinIO(t)
	loc := keysLocation(m, newBucket(t, m), "", "")
	loc.S3.AccessKeyID, loc.S3.SecretAccessKey = m.CreateUser(t,
		policyJSON(t, loc.S3.Bucket, loc.S3.Prefix, []string{"s3:ListBucket"}, []string{"s3:GetObject"}))
	p := openS3(t, loc)
	f, _ := randomFile(t, 10)
	_, err := p.Put(context.Background(), "x.wav", f, 10, providers.PutOptions{})
	var pe *providers.Error
	if !errors.Is(err, providers.ErrAccessDenied) || !errors.As(err, &pe) {
		t.Fatalf("Put = %v, want ErrAccessDenied", err)
	}
	if pe.Action != "s3:PutObject" || pe.Resource != "arn:aws:s3:::"+loc.S3.Bucket+"/exports/*" || pe.Code != "AccessDenied" || pe.Retryable {
		t.Errorf("error = %+v", pe)
	}
	if _, err := p.CreateMultipart(context.Background(), "y.wav", providers.PutOptions{}); !errors.Is(err, providers.ErrAccessDenied) {
		t.Errorf("CreateMultipart = %v, want ErrAccessDenied", err)
	}
	// Reading under the prefix is allowed, a missing key is reported as such.
	if _, err := p.Stat(context.Background(), "missing.wav"); !errors.Is(err, providers.ErrNoSuchKey) {
		t.Errorf("Stat missing = %v, want ErrNoSuchKey", err)
	}
}

// TestStoreDown: a stopped store gives retryable network errors, and the
// same provider works again once it is back.
func TestStoreDown(t *testing.T) {
	m := testenv.StartMinIO(t, testenv.MinIOOptions{TLS: true})
	loc := keysLocation(m, newBucket(t, m), m.RootUser, m.RootPassword)
	p := openS3(t, loc)
	f, _ := randomFile(t, 100)
	m.Stop(t)
	_, err := p.Put(context.Background(), "a", f, 100, providers.PutOptions{})
	if !errors.Is(err, providers.ErrNetwork) || !providers.IsRetryable(err) {
		t.Fatalf("Put while down = %v, want retryable ErrNetwork", err)
	}
	m.Restart(t)
	if _, err := p.Put(context.Background(), "a", f, 100, providers.PutOptions{}); err != nil {
		t.Fatalf("Put after restart: %v", err)
	}
}

func ioSection(f interface {
	ReadAt([]byte, int64) (int, error)
}, off, n int64) *io.SectionReader {
	return io.NewSectionReader(f, off, n)
}

// TestPutEdgeCases: empty files and keys with spaces, plus signs and
// non-ASCII letters survive the round trip in both checksum modes.
func TestPutEdgeCases(t *testing.T) {
	m := tlsMinIO(t)
	for _, mode := range checksumModes {
		t.Run(mode, func(t *testing.T) {
			loc := keysLocation(m, newBucket(t, m), m.RootUser, m.RootPassword)
			loc.S3.ChecksumMode = mode
			p := openS3(t, loc)
			ctx := context.Background()
			for _, tc := range []struct {
				key  string
				size int
			}{{"empty.wav", 0}, {"agent name/2026-11-23 10+30 Zoë.wav", 1000}, {"a/b/c/%41.mp4", 5}} {
				f, data := randomFile(t, tc.size)
				obj, err := p.Put(ctx, tc.key, f, int64(tc.size), providers.PutOptions{ContentType: "audio/wav"})
				if err != nil {
					t.Fatalf("Put %q: %v", tc.key, err)
				}
				st, err := p.Stat(ctx, tc.key)
				if err != nil || st.Size != int64(tc.size) || st.ETag != obj.ETag {
					t.Fatalf("Stat %q = %+v, %v", tc.key, st, err)
				}
				if got := readAllGet(t, p, tc.key, 0, -1); !bytes.Equal(got, data) {
					t.Errorf("%q read back differs", tc.key)
				}
			}
		})
	}
}

// TestListAnyLegalKey puts objects whose keys hold characters XML 1.0
// cannot carry (control characters) or that URL encoding changes (space,
// plus, percent), then lists them back: the listing asks for
// EncodingType=url and decodes, so every key comes back as it was put,
// and so do open multipart uploads.
func TestListAnyLegalKey(t *testing.T) {
	m := tlsMinIO(t)
	loc := keysLocation(m, newBucket(t, m), m.RootUser, m.RootPassword)
	loc.S3.Encryption = config.EncryptionNone
	p := openS3(t, loc)
	ctx := context.Background()
	keys := []string{"calls/ctrl\x01char.wav", "calls/tab\there.wav", "calls/a b+c%20d.wav", "calls/ünï😀.wav"}
	for _, k := range keys {
		f, _ := randomFile(t, 10)
		if _, err := p.Put(ctx, k, f, 10, providers.PutOptions{}); err != nil {
			t.Fatalf("Put %q: %v", k, err)
		}
	}
	var got []string
	if err := p.List(ctx, "calls/", func(o providers.Object) error {
		got = append(got, o.Key)
		return nil
	}); err != nil {
		t.Fatalf("List: %v", err)
	}
	if strings.Join(got, "|") != strings.Join(sortedCopy(keys), "|") {
		t.Fatalf("List = %q, want %q", got, sortedCopy(keys))
	}
	id, err := p.CreateMultipart(ctx, keys[0], providers.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ups []providers.Upload
	// MinIO lists the uploads of one key only: the prefix is the key.
	if err := p.ListUploads(ctx, keys[0], func(u providers.Upload) error {
		ups = append(ups, u)
		return nil
	}); err != nil {
		t.Fatalf("ListUploads: %v", err)
	}
	if len(ups) != 1 || ups[0].Key != keys[0] || ups[0].UploadID != id {
		t.Fatalf("ListUploads = %+v, want the upload %s of %q", ups, id, keys[0])
	}
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}
