package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/stowage-dev/stowage/providers"
)

// Part limits. A folder has none of its own; these keep part counts in the
// same range as S3 so the export journal behaves alike everywhere.
const (
	minPart  = 1 << 20
	maxPart  = 5 << 30
	maxParts = 10000
)

// uploadMeta is <root>/.stowage-uploads/<id>/upload.json.
type uploadMeta struct {
	Key string `json:"key"`
}

// partMeta is the sidecar <n>.json written after <n>.part is in place; a
// part without its sidecar is treated as never uploaded.
type partMeta struct {
	Number   int    `json:"number"`
	Size     int64  `json:"size"`
	Checksum string `json:"checksum"`
}

// PartLimits returns the minimum and maximum part size and part count.
func (p *Provider) PartLimits() (minSize, maxSize int64, parts int) {
	return minPart, maxPart, maxParts
}

func uploadRel(id string, name ...string) string {
	return filepath.Join(append([]string{uploadsDir, id}, name...)...)
}

// validUploadID accepts only IDs CreateMultipart makes, so an ID from a
// damaged journal cannot name a path outside the uploads folder.
func validUploadID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// CreateMultipart starts an upload whose parts live in
// <root>/.stowage-uploads/<uploadID>/ until CompleteMultipart.
func (p *Provider) CreateMultipart(ctx context.Context, key string, _ providers.PutOptions) (string, error) {
	if _, err := keyPath("create-multipart", key); err != nil {
		return "", err
	}
	r, err := p.openRoot("create-multipart")
	if err != nil {
		return "", err
	}
	defer r.Close()
	id := randHex(16)
	if err := r.MkdirAll(uploadRel(id), 0o755); err != nil {
		return "", p.mapErr("create-multipart", uploadRel(id), err)
	}
	meta, _ := json.Marshal(uploadMeta{Key: key})
	if _, err := p.writeAtomic(ctx, r, uploadRel(id, "upload.json"), func(f *os.File) (uint32, error) {
		_, err := f.Write(meta)
		return 0, err
	}); err != nil {
		return "", p.mapErr("create-multipart", uploadRel(id), err)
	}
	return id, nil
}

// openUpload checks that uploadID exists and belongs to key.
func (p *Provider) openUpload(op, key, uploadID string) (*os.Root, error) {
	if _, err := keyPath(op, key); err != nil {
		return nil, err
	}
	if !validUploadID(uploadID) {
		return nil, &providers.Error{Kind: providers.ErrInvalidConfig, Op: op, Code: "NoSuchUpload",
			Hint: fmt.Sprintf("upload ID %q is not one Stowage made (32 hex digits); abort the export entry and start it again", uploadID)}
	}
	r, err := p.openRoot(op)
	if err != nil {
		return nil, err
	}
	raw, err := r.ReadFile(uploadRel(uploadID, "upload.json"))
	if err != nil {
		r.Close()
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &providers.Error{Kind: providers.ErrNoSuchKey, Op: op, Code: "NoSuchUpload",
				Resource: filepath.Join(p.root, uploadRel(uploadID)),
				Hint:     "the upload was completed, aborted or removed; start the file again", Err: err}
		}
		return nil, p.mapErr(op, uploadRel(uploadID), err)
	}
	var m uploadMeta
	if err := json.Unmarshal(raw, &m); err != nil || m.Key != key {
		r.Close()
		return nil, &providers.Error{Kind: providers.ErrPreconditionFailed, Op: op, Code: "NoSuchUpload",
			Resource: filepath.Join(p.root, uploadRel(uploadID)),
			Hint:     fmt.Sprintf("upload %s was started for another key (%q), not %q", uploadID, m.Key, key)}
	}
	return r, nil
}

// UploadPart copies bytes [offset, offset+size) of src into part n. It
// reads src with ReadAt only, so parts of one file may be sent at once.
func (p *Provider) UploadPart(ctx context.Context, key, uploadID string, n int, src providers.Body, offset, size int64, opts providers.PutOptions) (providers.Part, error) {
	if n < 1 || n > maxParts {
		return providers.Part{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "upload-part",
			Hint: fmt.Sprintf("part number %d is outside 1..%d", n, maxParts)}
	}
	r, err := p.openUpload("upload-part", key, uploadID)
	if err != nil {
		return providers.Part{}, err
	}
	defer r.Close()
	partRel := uploadRel(uploadID, strconv.Itoa(n)+".part")
	sum, err := p.writeAtomic(ctx, r, partRel, func(dst *os.File) (uint32, error) {
		return copyHashed(ctx, dst, io.NewSectionReader(src, offset, size), size, 0, 0, opts.Progress)
	})
	if err != nil {
		return providers.Part{}, p.mapErr("upload-part", partRel, err)
	}
	part := providers.Part{Number: n, Size: size, Checksum: crcString(sum)}
	meta, _ := json.Marshal(partMeta{Number: n, Size: size, Checksum: part.Checksum})
	sideRel := uploadRel(uploadID, strconv.Itoa(n)+".json")
	if _, err := p.writeAtomic(ctx, r, sideRel, func(f *os.File) (uint32, error) {
		_, err := f.Write(meta)
		return 0, err
	}); err != nil {
		return providers.Part{}, p.mapErr("upload-part", sideRel, err)
	}
	part.ETag = part.Checksum
	return part, nil
}

// ListParts returns the parts whose data and sidecar are both in place, in
// part-number order.
func (p *Provider) ListParts(ctx context.Context, key, uploadID string) ([]providers.Part, error) {
	r, err := p.openUpload("list-parts", key, uploadID)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return p.readParts(r, uploadID)
}

func (p *Provider) readParts(r *os.Root, uploadID string) ([]providers.Part, error) {
	d, err := r.Open(uploadRel(uploadID))
	if err != nil {
		return nil, p.mapErr("list-parts", uploadRel(uploadID), err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, p.mapErr("list-parts", uploadRel(uploadID), err)
	}
	var parts []providers.Part
	for _, name := range names {
		num, ok := strings.CutSuffix(name, ".json")
		n, convErr := strconv.Atoi(num)
		if !ok || convErr != nil || n < 1 {
			continue
		}
		raw, err := r.ReadFile(uploadRel(uploadID, name))
		if err != nil {
			continue // removed or half-written: the part is sent again
		}
		var m partMeta
		if json.Unmarshal(raw, &m) != nil || m.Number != n {
			continue
		}
		fi, err := r.Stat(uploadRel(uploadID, num+".part"))
		if err != nil || fi.Size() != m.Size {
			continue
		}
		parts = append(parts, providers.Part{Number: n, Size: m.Size, ETag: m.Checksum, Checksum: m.Checksum})
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	return parts, nil
}

// CompleteMultipart concatenates the parts in part-number order into a
// temporary file next to key, fsyncs and renames it, then removes the
// upload's folder. Every listed part must be present with the recorded size
// and checksum.
func (p *Provider) CompleteMultipart(ctx context.Context, key, uploadID string, parts []providers.Part) (providers.Object, error) {
	const op = "complete-multipart"
	r, err := p.openUpload(op, key, uploadID)
	if err != nil {
		return providers.Object{}, err
	}
	defer r.Close()
	if len(parts) == 0 {
		return providers.Object{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: op,
			Hint: "no parts given; upload at least one part first"}
	}
	have, err := p.readParts(r, uploadID)
	if err != nil {
		return providers.Object{}, err
	}
	byNum := make(map[int]providers.Part, len(have))
	for _, hp := range have {
		byNum[hp.Number] = hp
	}
	ordered := append([]providers.Part(nil), parts...)
	sort.Slice(ordered, func(i, j int) bool { return ordered[i].Number < ordered[j].Number })
	for i, want := range ordered {
		if i > 0 && ordered[i-1].Number == want.Number {
			return providers.Object{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: op,
				Hint: fmt.Sprintf("part %d is listed twice", want.Number)}
		}
		got, ok := byNum[want.Number]
		if !ok {
			return providers.Object{}, &providers.Error{Kind: providers.ErrPreconditionFailed, Op: op, Code: "InvalidPart",
				Hint: fmt.Sprintf("part %d is not in upload %s; upload it again", want.Number, uploadID)}
		}
		if (want.Size != 0 && want.Size != got.Size) || (want.Checksum != "" && want.Checksum != got.Checksum) {
			return providers.Object{}, &providers.Error{Kind: providers.ErrPreconditionFailed, Op: op, Code: "InvalidPart",
				Hint: fmt.Sprintf("part %d holds %d bytes %s, not the %d bytes %s recorded; upload it again",
					want.Number, got.Size, got.Checksum, want.Size, want.Checksum)}
		}
	}
	rel, _ := keyPath(op, key)
	var total int64
	sum, err := p.writeAtomic(ctx, r, rel, func(dst *os.File) (uint32, error) {
		var all uint32
		for _, part := range ordered {
			f, err := r.Open(uploadRel(uploadID, strconv.Itoa(part.Number)+".part"))
			if err != nil {
				return 0, err
			}
			size := byNum[part.Number].Size
			all, err = copyHashed(ctx, dst, f, size, total, all, nil)
			f.Close()
			if err != nil {
				return 0, err
			}
			total += size
		}
		return all, nil
	})
	if err != nil {
		return providers.Object{}, p.mapErr(op, rel, err)
	}
	if err := r.RemoveAll(uploadRel(uploadID)); err != nil {
		return providers.Object{}, p.mapErr(op, uploadRel(uploadID), err)
	}
	fi, err := r.Stat(rel)
	if err != nil {
		return providers.Object{}, p.mapErr(op, rel, err)
	}
	return providers.Object{Key: key, Size: fi.Size(), Checksum: crcString(sum), Modified: fi.ModTime()}, nil
}

// AbortMultipart removes the upload's parts. Aborting an upload that is
// already gone is not an error.
func (p *Provider) AbortMultipart(ctx context.Context, key, uploadID string) error {
	r, err := p.openUpload("abort-multipart", key, uploadID)
	var pe *providers.Error
	if errors.As(err, &pe) && pe.Code == "NoSuchUpload" && errors.Is(err, providers.ErrNoSuchKey) {
		return nil
	}
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.RemoveAll(uploadRel(uploadID)); err != nil {
		return p.mapErr("abort-multipart", uploadRel(uploadID), err)
	}
	return nil
}
