package export

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// seedDone writes n small files and a journal that records them all as
// exported, in one transaction, so the benchmark measures only the rerun.
func seedDone(b testing.TB, e *env, n int) Options {
	b.Helper()
	o := e.opts()
	o.Events = nil
	j, err := OpenJournal(o.JournalPath)
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	err = j.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketFiles)
		for i := 0; i < n; i++ {
			rel := fmt.Sprintf("d%03d/call-%05d.wav", i%100, i)
			p := e.write(b, rel, []byte(rel))
			fi, err := os.Stat(p)
			if err != nil {
				return err
			}
			v, _ := json.Marshal(&Record{Size: fi.Size(), MTime: fi.ModTime().UnixNano(), Key: rel, Status: StatusDone,
				Checksum: "CRC32C:AAAAAA==", Updated: time.Now()})
			if err := bk.Put([]byte(p), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return o
}

// BenchmarkRerunSkip10k is a rerun over 10,000 files that were all
// exported already: one journal read, a scan, no store request. The target
// is well under 2 s per run.
func BenchmarkRerunSkip10k(b *testing.B) {
	const n = 10000
	e := newEnv(b)
	o := seedDone(b, e, n)
	o.ManifestDir = filepath.Join(e.state, "manifests")
	rec := &recorder{fullProvider: e.p}
	for b.Loop() {
		sum, err := Run(context.Background(), rec, "t", o)
		if err != nil || sum.Skipped != n {
			b.Fatalf("rerun: %v, %+v", err, sum)
		}
	}
	if rec.putCount() != 0 {
		b.Fatalf("rerun sent %d Put requests", rec.putCount())
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/file")
}

// BenchmarkJournalBatch measures committing done records from 32 workers at
// once, which bbolt's Batch folds into few fsyncs.
func BenchmarkJournalBatch(b *testing.B) {
	j, err := OpenJournal(filepath.Join(b.TempDir(), "j.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	b.SetParallelism(32)
	var seq atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := fmt.Sprintf("/src/f-%d", seq.Add(1))
			if err := j.put(k, &Record{Size: 1, Key: k, Status: StatusDone}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
