package export

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/stowage-dev/stowage/providers"
)

// OpenUpload is a multipart upload a location holds open.
type OpenUpload struct {
	providers.Upload
	// Source is the file the journal records for Key, "" when none.
	Source string
	// Resumable is true when the journal records this upload ID for an
	// unfinished file: the next export resumes it rather than starting over.
	Resumable bool
}

// UploadsReport is what ListOpenUploads found.
type UploadsReport struct {
	Uploads []OpenUpload
	// JournalKeys is how many journalled keys were listed one by one
	// (MinIO lists the uploads of one exact key only, not of a prefix).
	JournalKeys int
	// Journal is false when no journal exists for the location yet.
	Journal bool
}

// ErrNoUploadListing is returned by ListOpenUploads for a location type
// that cannot list open uploads.
var ErrNoUploadListing = errors.New("this location cannot list multipart uploads")

// ListOpenUploads lists the multipart uploads p holds open under its
// prefix, and those of every key the export journal at journalPath names
// (some stores list one exact key only). The journal is read, not changed;
// an export running on it makes this fail with ErrJournalBusy, so an
// upload in use is never offered for abort.
func ListOpenUploads(ctx context.Context, p providers.Provider, journalPath string) (UploadsReport, error) {
	var rep UploadsReport
	ul, ok := p.(providers.UploadLister)
	if !ok {
		return rep, ErrNoUploadListing
	}
	records := map[string]*Record{}
	sources := map[string]string{} // key → path
	j, err := openJournal(journalPath, true)
	switch {
	case err == nil:
		records, err = j.load()
		j.Close()
		if err != nil {
			return rep, fmt.Errorf("read journal %s: %w", journalPath, err)
		}
		rep.Journal = true
	case errors.Is(err, os.ErrNotExist):
	default:
		return rep, err
	}
	for path, rec := range records {
		if rec.Key != "" {
			sources[rec.Key] = path
		}
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	add := func(u providers.Upload) error {
		mu.Lock()
		defer mu.Unlock()
		if seen[u.UploadID] {
			return nil
		}
		seen[u.UploadID] = true
		ou := OpenUpload{Upload: u, Source: sources[u.Key]}
		if rec := records[ou.Source]; rec != nil && rec.Status != StatusDone && rec.UploadID == u.UploadID {
			ou.Resumable = true
		}
		rep.Uploads = append(rep.Uploads, ou)
		return nil
	}
	if err := ul.ListUploads(ctx, "", add); err != nil {
		return rep, err
	}
	keys := make([]string, 0, len(sources))
	for k := range sources {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rep.JournalKeys = len(keys)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, k := range keys {
		g.Go(func() error {
			return ul.ListUploads(gctx, k, func(u providers.Upload) error {
				if u.Key != k {
					return nil
				}
				return add(u)
			})
		})
	}
	if err := g.Wait(); err != nil {
		return rep, err
	}
	sort.Slice(rep.Uploads, func(a, b int) bool {
		x, y := rep.Uploads[a], rep.Uploads[b]
		if x.Key != y.Key {
			return x.Key < y.Key
		}
		return x.Initiated.Before(y.Initiated)
	})
	return rep, nil
}
