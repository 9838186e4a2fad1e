package download

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/providers"
)

// Kinds of verification problems.
const (
	// ProblemMissing: the manifest lists an exported object the location
	// does not hold.
	ProblemMissing = "missing"
	// ProblemExtra: the location holds an object, in a folder the export
	// wrote to, that the manifest does not list.
	ProblemExtra = "extra"
	// ProblemSize: the object's size differs from the manifest's.
	ProblemSize = "size_mismatch"
	// ProblemChecksum: the object is another version than the one exported
	// (its ETag differs) and no matching checksum shows its content is the
	// same, or its checksum differs.
	ProblemChecksum = "checksum_mismatch"
	// ProblemNotExported: the manifest records the file as failed or
	// interrupted, so it was never confirmed in the location.
	ProblemNotExported = "not_exported"
)

// Problem is one difference between a manifest and a location.
type Problem struct {
	Kind   string `json:"kind"`
	Key    string `json:"key"`
	Source string `json:"source,omitempty"`
	// ManifestSize and StoreSize are -1 when that side has no object.
	ManifestSize     int64  `json:"manifest_size"`
	StoreSize        int64  `json:"store_size"`
	ManifestChecksum string `json:"manifest_checksum,omitempty"`
	StoreChecksum    string `json:"store_checksum,omitempty"`
	ManifestETag     string `json:"manifest_etag,omitempty"`
	StoreETag        string `json:"store_etag,omitempty"`
	Detail           string `json:"detail,omitempty"`
}

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	Location string `json:"location"`
	// Manifest is the newest manifest read; Manifests all of them, oldest
	// first.
	Manifest  string   `json:"manifest,omitempty"`
	Manifests []string `json:"manifests,omitempty"`
	// Rows is the number of manifest rows read; Expected the distinct keys
	// the manifest says the location holds.
	Rows     int `json:"rows"`
	Expected int `json:"expected"`
	// Matched objects are present with the manifest's size and version.
	Matched int `json:"matched"`
	// ByChecksum counts matches confirmed by comparing checksums (the rest
	// matched by ETag, or by size where the store has neither).
	ByChecksum int `json:"matched_by_checksum"`
	// Listed is how many objects were listed under ListPrefix; Folders are
	// the folders (key prefixes) in which unlisted objects count as extra.
	Listed     int       `json:"listed"`
	ListPrefix string    `json:"list_prefix"`
	Folders    int       `json:"folders"`
	Problems   []Problem `json:"problems"`
}

// OK reports whether the location matches the manifest.
func (r VerifyReport) OK() bool { return len(r.Problems) == 0 }

// Count returns how many problems are of kind.
func (r VerifyReport) Count(kind string) int {
	n := 0
	for _, p := range r.Problems {
		if p.Kind == kind {
			n++
		}
	}
	return n
}

// Verify compares the rows of an export manifest with what p holds. Each
// key's last row counts (a rerun appends "skipped" rows for files exported
// earlier). Objects are listed once, under the longest folder prefix
// common to the manifest's keys; an object not in the manifest counts as
// extra only when it sits in a folder the manifest wrote to, so other
// exports' folders are not reported.
func Verify(ctx context.Context, p providers.Provider, location string, rows []export.ManifestRow) (VerifyReport, error) {
	rep := VerifyReport{Location: location, Rows: len(rows), Problems: []Problem{}}
	lister, ok := p.(providers.Lister)
	if !ok {
		return rep, fmt.Errorf("location %q cannot list objects, so it cannot be verified", location)
	}
	stater, _ := p.(providers.Stater)

	last := map[string]export.ManifestRow{}
	for _, r := range rows {
		last[r.Key] = r
	}
	expected := map[string]export.ManifestRow{}
	folders := map[string]bool{}
	var keys []string
	for k, r := range last {
		switch r.Status {
		case export.RowExported, export.RowChanged, export.RowSkipped:
			expected[k] = r
			folders[folderOf(k)] = true
			keys = append(keys, k)
		default:
			detail := "the export recorded status " + r.Status
			if r.Error != "" {
				detail += ": " + r.Error
			}
			rep.Problems = append(rep.Problems, Problem{Kind: ProblemNotExported, Key: k, Source: r.Source,
				ManifestSize: r.Size, StoreSize: -1, ManifestChecksum: r.Checksum, Detail: detail})
		}
	}
	rep.Expected = len(expected)
	rep.Folders = len(folders)
	sort.Strings(keys)
	rep.ListPrefix = commonFolder(keys)

	seen := map[string]bool{}
	var stale []providers.Object // present, but the ETag differs: compare checksums
	if len(expected) > 0 {
		err := lister.List(ctx, rep.ListPrefix, func(o providers.Object) error {
			rep.Listed++
			r, ok := expected[o.Key]
			if !ok {
				if folders[folderOf(o.Key)] && !strings.HasSuffix(o.Key, "/") {
					rep.Problems = append(rep.Problems, Problem{Kind: ProblemExtra, Key: o.Key, ManifestSize: -1,
						StoreSize: o.Size, StoreETag: o.ETag, StoreChecksum: o.Checksum,
						Detail: "in a folder an export wrote to, but in no manifest"})
				}
				return nil
			}
			seen[o.Key] = true
			switch {
			case o.Size != r.Size:
				rep.Problems = append(rep.Problems, Problem{Kind: ProblemSize, Key: o.Key, Source: r.Source,
					ManifestSize: r.Size, StoreSize: o.Size, ManifestChecksum: r.Checksum, StoreChecksum: o.Checksum,
					ManifestETag: r.ETag, StoreETag: o.ETag})
			case r.Checksum != "" && o.Checksum != "" && algoOf(r.Checksum) == algoOf(o.Checksum):
				if sameChecksum(r.Checksum, o.Checksum) {
					rep.Matched++
					rep.ByChecksum++
				} else {
					rep.Problems = append(rep.Problems, checksumProblem(r, o, "checksums differ"))
				}
			case r.ETag != "" && o.ETag != "" && r.ETag != o.ETag:
				stale = append(stale, o)
			default:
				rep.Matched++
			}
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("listing %s: %w", location, err)
		}
	}

	// An ETag can change without the content changing (copied in place,
	// re-uploaded in parts); the store's checksum settles it when it has
	// one of the manifest's algorithm.
	for _, o := range stale {
		r := expected[o.Key]
		st := o
		if stater != nil && r.Checksum != "" {
			var err error
			if st, err = stater.Stat(ctx, o.Key); err != nil {
				if errors.Is(err, providers.ErrNoSuchKey) {
					seen[o.Key] = false
					continue
				}
				return rep, fmt.Errorf("checking %s: %w", o.Key, err)
			}
		}
		switch {
		case r.Checksum != "" && st.Checksum != "" && algoOf(r.Checksum) == algoOf(st.Checksum) && sameChecksum(r.Checksum, st.Checksum):
			rep.Matched++
			rep.ByChecksum++
		case r.Checksum != "" && st.Checksum != "" && algoOf(r.Checksum) == algoOf(st.Checksum):
			rep.Problems = append(rep.Problems, checksumProblem(r, st, "the object was replaced and its checksum differs"))
		default:
			rep.Problems = append(rep.Problems, checksumProblem(r, st,
				"the object was replaced since the export (ETag differs) and the store gives no "+algoName(r.Checksum)+" checksum to show the content is the same"))
		}
	}

	for _, k := range keys {
		if !seen[k] {
			r := expected[k]
			rep.Problems = append(rep.Problems, Problem{Kind: ProblemMissing, Key: k, Source: r.Source,
				ManifestSize: r.Size, StoreSize: -1, ManifestChecksum: r.Checksum, ManifestETag: r.ETag})
		}
	}
	order := map[string]int{ProblemMissing: 0, ProblemSize: 1, ProblemChecksum: 2, ProblemNotExported: 3, ProblemExtra: 4}
	sort.SliceStable(rep.Problems, func(i, k int) bool {
		a, b := rep.Problems[i], rep.Problems[k]
		if a.Kind != b.Kind {
			return order[a.Kind] < order[b.Kind]
		}
		return a.Key < b.Key
	})
	return rep, nil
}

func checksumProblem(r export.ManifestRow, o providers.Object, detail string) Problem {
	return Problem{Kind: ProblemChecksum, Key: o.Key, Source: r.Source, ManifestSize: r.Size, StoreSize: o.Size,
		ManifestChecksum: r.Checksum, StoreChecksum: o.Checksum, ManifestETag: r.ETag, StoreETag: o.ETag, Detail: detail}
}

func algoName(checksum string) string {
	if a := algoOf(checksum); a != "" {
		return a
	}
	return "comparable"
}

// folderOf is the key's folder with its trailing "/", "" at the top.
func folderOf(key string) string {
	dir, _ := path.Split(key)
	return dir
}

// commonFolder is the longest folder prefix (ending in "/") shared by all
// keys, "" when they share none.
func commonFolder(sorted []string) string {
	if len(sorted) == 0 {
		return ""
	}
	a, b := sorted[0], sorted[len(sorted)-1]
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[:strings.LastIndex(a[:n], "/")+1]
}
