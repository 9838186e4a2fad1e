package export

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stowage-dev/stowage/providers"
)

// noSuchUpload is what the S3 provider answers to CompleteMultipartUpload
// for an upload that is gone.
func noSuchUpload() error {
	return &providers.Error{Kind: providers.ErrNoSuchKey, Op: "complete-multipart", Code: "NoSuchUpload"}
}

// TestLostCompleteAnswer: the store completed a multipart upload but the
// engine saw NoSuchUpload (the answer was lost and the SDK's retry found
// the upload gone). The engine looks the key up and takes the object when
// it is the file; otherwise the file fails and a rerun starts over.
func TestLostCompleteAnswer(t *testing.T) {
	const size = 3<<20 + 17
	denied := &providers.Error{Kind: providers.ErrAccessDenied, Op: "stat", Action: "s3:GetObject", Code: "AccessDenied"}
	cases := []struct {
		name string
		// lost returns what the engine sees instead of the completed
		// object; e is the environment (to remove the object).
		lost func(e *env) func(providers.Object, error) (providers.Object, error)
		// before is the recorder's hook in the first run.
		before func(op, key string, n int, src providers.Body) error
		// statSize, when set, changes the size Stat reports.
		statSize func(key string, size int64) int64
		// wantFailed: the first run reports the file failed, with this in
		// the error.
		wantFailed string
		// wantList: the object was found by listing (Stat denied).
		wantList bool
		// rerunParts: parts the rerun sends (0: the rerun takes the object
		// as it is, or skips it).
		rerunParts int
	}{
		{name: "Stat confirms the object", lost: lostAnswer},
		{name: "Stat denied, the listing confirms the object", lost: lostAnswer, wantList: true,
			before: func(op, _ string, _ int, _ providers.Body) error {
				if op == "stat" {
					return denied
				}
				return nil
			}},
		{name: "the object is missing", lost: func(e *env) func(providers.Object, error) (providers.Object, error) {
			return func(obj providers.Object, err error) (providers.Object, error) {
				if err == nil {
					os.Remove(filepath.Join(e.dst, "big.wav"))
				}
				return providers.Object{}, noSuchUpload()
			}
		}, wantFailed: "big.wav is not in the location", rerunParts: 4},
		{name: "the object has another size", lost: lostAnswer,
			statSize:   func(_ string, n int64) int64 { return n - 1 },
			wantFailed: "the location holds", rerunParts: 0},
		{name: "the look-up fails; the rerun confirms", lost: lostAnswer,
			before: func(op, _ string, _ int, _ providers.Body) error {
				if op == "stat" {
					return &providers.Error{Kind: providers.ErrServer, Op: "stat", Code: "NotImplemented"}
				}
				return nil
			},
			wantFailed: "cannot look big.wav up", rerunParts: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			data := content("big", size)
			e.write(t, "big.wav", data)
			o := e.opts()
			o.PartSize, o.MultipartThreshold = 1<<20, 1<<20
			rec := &recorder{fullProvider: e.p, before: c.before, statSize: c.statSize, afterComplete: c.lost(e)}
			var evs events
			o.Events = evs.add
			sum, err := Run(context.Background(), rec, "t", o)
			var failed []error
			for _, ev := range evs.list() {
				if f, ok := ev.(FileFailed); ok {
					failed = append(failed, f.Err)
				}
			}
			if c.wantFailed == "" {
				if err != nil || sum.Files != 1 || sum.Failed != 0 {
					t.Fatalf("err %v, summary %+v, failures %v; want the completed object taken", err, sum, failed)
				}
				if got := rec.listings > 0; got != c.wantList {
					t.Fatalf("%d listings, want listing %v", rec.listings, c.wantList)
				}
				mustEqualBytes(t, "big.wav", e.objects(t)["big.wav"], data)
				// The journal records what was sent even though the
				// look-up (a folder's Stat) gave no checksum.
				j, err := OpenJournal(o.JournalPath)
				if err != nil {
					t.Fatal(err)
				}
				r, ok, err := j.Get(filepath.Join(e.src, "big.wav"))
				j.Close()
				if err != nil || !ok || r.Checksum != crc32cString(data) {
					t.Fatalf("journal record %+v (%v), want checksum %s", r, err, crc32cString(data))
				}
			} else {
				if !errors.Is(err, ErrFilesFailed) || len(failed) != 1 || !strings.Contains(failed[0].Error(), c.wantFailed) ||
					!strings.HasPrefix(failed[0].Error(), "complete multipart upload: ") || !errors.Is(failed[0], providers.ErrNoSuchKey) {
					t.Fatalf("err %v, failures %v; want big.wav failed saying %q", err, failed, c.wantFailed)
				}
			}

			rerun := &recorder{fullProvider: e.p}
			o.Events = nil
			sum, err = Run(context.Background(), rerun, "t", o)
			if err != nil || sum.Failed != 0 || sum.Files+sum.Skipped != 1 {
				t.Fatalf("rerun: err %v, summary %+v", err, sum)
			}
			if len(rerun.partNumbers()) != c.rerunParts || rerun.putCount() != 0 {
				t.Fatalf("rerun sent parts %v and %d puts; want %d parts", rerun.partNumbers(), rerun.putCount(), c.rerunParts)
			}
			if c.wantFailed == "" && sum.Skipped != 1 {
				t.Fatalf("rerun summary %+v: want the file skipped as exported", sum)
			}
			mustEqualBytes(t, "big.wav", e.objects(t)["big.wav"], data)
		})
	}
}

// lostAnswer completes the upload and answers NoSuchUpload once.
func lostAnswer(*env) func(providers.Object, error) (providers.Object, error) {
	var done atomic.Bool
	return func(obj providers.Object, err error) (providers.Object, error) {
		if err == nil && done.CompareAndSwap(false, true) {
			return providers.Object{}, noSuchUpload()
		}
		return obj, err
	}
}

// TestAgreesWithParts compares objects with the parts of an upload. The
// values are what MinIO answered for a real 3-part CRC32C upload.
func TestAgreesWithParts(t *testing.T) {
	parts := []providers.Part{
		{Number: 3, Size: 1048579, ETag: "c0f0e14a527f2a9dc07cc8c3db0c284e", Checksum: "CRC32C:cMrMng=="},
		{Number: 1, Size: 5 << 20, ETag: "6353a2267e78248ff9ec5416aab12d83", Checksum: "CRC32C:RamgQA=="},
		{Number: 2, Size: 5 << 20, ETag: "2903e14f18386b407ada54fd28417a35", Checksum: "CRC32C:cy6YKA=="},
	}
	const etag, sum = "c7e762950b377a2ff5ed3333252b0350-3", "CRC32C:AnZotg==-3"
	noSums := []providers.Part{{Number: 1, ETag: "x"}, {Number: 2, ETag: "y"}, {Number: 3, ETag: "z"}}
	cases := []struct {
		name  string
		obj   providers.Object
		parts []providers.Part
		// want is "" when the object agrees, else text of the error.
		want string
	}{
		{"checksum and ETag agree", providers.Object{ETag: etag, Checksum: sum}, parts, ""},
		{"quoted ETag", providers.Object{ETag: `"` + etag + `"`}, parts, ""},
		{"checksum of other bytes", providers.Object{ETag: etag, Checksum: "CRC32C:AAAAAA==-3"}, parts, "the parts sent make CRC32C:AnZotg==-3"},
		{"ETag of other parts", providers.Object{ETag: "00000000000000000000000000000000-3"}, parts, "the parts sent make c7e762950b377a2ff5ed3333252b0350-3"},
		{"another part count", providers.Object{Checksum: "CRC32C:AnZotg==-2"}, parts, "of 2 parts, the upload had 3"},
		{"another ETag part count", providers.Object{ETag: "c7e762950b377a2ff5ed3333252b0350-4"}, parts, "of 4 parts, the upload had 3"},
		// A full-object checksum (a single PUT, or S3's FULL_OBJECT type)
		// is not comparable with part checksums.
		{"full-object checksum", providers.Object{Checksum: "CRC32C:yZRlqg=="}, parts, ""},
		{"plain MD5 ETag", providers.Object{ETag: "c0f0e14a527f2a9dc07cc8c3db0c284e"}, parts, ""},
		{"another algorithm", providers.Object{Checksum: "SHA256:abcd-3"}, parts, ""},
		{"parts without checksums or MD5 ETags", providers.Object{ETag: etag, Checksum: sum}, noSums, ""},
		{"nothing known", providers.Object{}, parts, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := agreesWithParts(c.obj, c.parts)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("agreesWithParts(%+v) = %v, want agreement", c.obj, err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("agreesWithParts(%+v) = %v, want an error containing %q", c.obj, err, c.want)
			}
		})
	}
}

// TestIntegrityError: a body the store found not to match its checksum
// (providers.ErrIntegrity) is sent again when the file is unchanged, and
// reported as a change, without a retry, when the file changed.
func TestIntegrityError(t *testing.T) {
	integrity := &providers.Error{Kind: providers.ErrIntegrity, Op: "put", Code: "XAmzContentChecksumMismatch", Retryable: true}
	cases := []struct {
		name      string
		multipart bool
		change    bool
	}{
		{"single request, file unchanged", false, false},
		{"single request, file rewritten in place", false, true},
		{"part, file unchanged", true, false},
		{"part, file rewritten in place", true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const size = 3<<20 + 5
			e := newEnv(t)
			p := e.write(t, "rec.wav", content("rec", size))
			var hit atomic.Bool
			rec := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
				if op != "put" && op != "part" || !hit.CompareAndSwap(false, true) {
					return nil
				}
				if c.change {
					f, err := os.OpenFile(p, os.O_WRONLY, 0)
					if err != nil {
						return err
					}
					defer f.Close()
					if _, err := f.WriteAt(content("other", 1<<10), 1<<20); err != nil {
						return err
					}
				}
				return integrity
			}}
			o := e.opts()
			o.Concurrency = 1
			o.PartSize, o.MultipartThreshold = 1<<20, 1<<20
			if !c.multipart {
				o.MultipartThreshold = 1 << 30
			}
			var evs events
			o.Events = evs.add
			sum, err := Run(context.Background(), rec, "t", o)
			var retries []Retry
			var failed []error
			for _, ev := range evs.list() {
				switch ev := ev.(type) {
				case Retry:
					retries = append(retries, ev)
				case FileFailed:
					failed = append(failed, ev.Err)
				}
			}
			sent := rec.putCount() + len(rec.partNumbers())
			if !c.change {
				if err != nil || sum.Files != 1 || len(retries) != 1 || !errors.Is(retries[0].Err, providers.ErrIntegrity) {
					t.Fatalf("err %v, summary %+v, retries %+v; want one retry after ErrIntegrity and the file exported", err, sum, retries)
				}
				mustEqualBytes(t, "rec.wav", e.objects(t)["rec.wav"], content("rec", size))
				return
			}
			if !errors.Is(err, ErrFilesFailed) || len(failed) != 1 || len(retries) != 0 {
				t.Fatalf("err %v, failures %v, retries %+v; want the file failed without a retry", err, failed, retries)
			}
			if !errors.Is(failed[0], errSourceChanged) || errors.Is(failed[0], providers.ErrIntegrity) ||
				!strings.HasPrefix(failed[0].Error(), "source changed during upload") {
				t.Fatalf("failure %q: want the change, not the store's checksum error", failed[0])
			}
			if !c.multipart && sent != 1 {
				t.Fatalf("%d requests sent; the changed file must not be sent again", sent)
			}
			if _, ok := e.objects(t)["rec.wav"]; ok {
				t.Fatal("the changed file was stored")
			}
			if ups, _ := os.ReadDir(filepath.Join(e.dst, ".stowage-uploads")); len(ups) != 0 {
				t.Fatalf("%d multipart uploads left open", len(ups))
			}
			j, err := OpenJournal(o.JournalPath)
			if err != nil {
				t.Fatal(err)
			}
			r, _, _ := j.Get(p)
			j.Close()
			if r.UploadID != "" || r.Status != StatusFailed {
				t.Fatalf("journal record %+v: want failed, with no upload to resume", r)
			}
		})
	}
}
