package export

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/stowage-dev/stowage/providers"
)

// errListDone ends a listing once the key looked for was seen.
var errListDone = errors.New("listing done")

// lookup finds key in the location. It asks Stat first; when the
// credentials may not read objects (the least-privilege S3 policy grants
// s3:GetObject only with read_back) it lists the key as a prefix, which
// s3:ListBucket under the location's prefix allows. found is false when
// the key is not there.
func (e *engine) lookup(path, key string) (obj providers.Object, found bool, err error) {
	if e.stater != nil {
		err = e.do(path, 0, func(ctx context.Context) error {
			var err error
			obj, err = e.stater.Stat(ctx, key)
			return err
		})
		switch {
		case err == nil:
			return obj, true, nil
		case errors.Is(err, providers.ErrNoSuchKey):
			return providers.Object{}, false, nil
		case !errors.Is(err, providers.ErrAccessDenied) || e.lister == nil:
			return providers.Object{}, false, err
		}
	}
	if e.lister == nil {
		return providers.Object{}, false, errors.New("the location can neither look objects up nor list them")
	}
	err = e.do(path, 0, func(ctx context.Context) error {
		found = false
		return e.lister.List(ctx, key, func(o providers.Object) error {
			// Keys come in order and key itself is the shortest with this
			// prefix: the first object is key or key is not there.
			if o.Key == key {
				obj, found = o, true
			}
			return errListDone
		})
	})
	if errors.Is(err, errListDone) {
		err = nil
	}
	return obj, found, err
}

// confirmCompleted checks that a multipart upload the store says is gone
// (NoSuchUpload) was in fact completed: an answer to CompleteMultipart lost
// on the way back, so the retry finds no upload but the object is whole.
// The object must be there with the file's size and agree with the parts
// sent wherever both sides can be compared like with like. It returns the
// object, or why it cannot be taken as the file.
func (e *engine) confirmCompleted(t *fileTask, parts []providers.Part) (providers.Object, error) {
	obj, found, err := e.lookup(t.path, t.key)
	switch {
	case err != nil:
		return providers.Object{}, fmt.Errorf("cannot look %s up to see whether the upload completed: %w", t.key, err)
	case !found:
		return providers.Object{}, fmt.Errorf("%s is not in the location", t.key)
	case obj.Size != t.size:
		return providers.Object{}, fmt.Errorf("the location holds %d bytes for %s, the file has %d", obj.Size, t.key, t.size)
	}
	if err := agreesWithParts(obj, parts); err != nil {
		return providers.Object{}, fmt.Errorf("%s is in the location but not as this upload: %w", t.key, err)
	}
	if obj.Checksum == "" {
		// The lookup gave no checksum (a folder, or a store without one):
		// record the file's own CRC32C, as a completed upload would have,
		// so the journal and the manifest still say what was sent.
		sum, err := fileCRC32C(t.path)
		if err != nil {
			return providers.Object{}, fmt.Errorf("checksum of %s: %w", t.path, err)
		}
		obj.Checksum = sum
	}
	obj.Key = t.key
	return obj, nil
}

// fileCRC32C is the "CRC32C:base64" checksum of the file at path, in the
// encoding S3 uses (big-endian bytes).
func fileCRC32C(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	var raw [4]byte
	binary.BigEndian.PutUint32(raw[:], h.Sum32())
	return "CRC32C:" + base64.StdEncoding.EncodeToString(raw[:]), nil
}

// agreesWithParts compares an object with the parts of the upload that
// should have made it. S3 reports a multipart object's checksum and ETag
// as composites ("value-N": a digest of the parts' digests, and the number
// of parts); only those can be compared with the parts, and only when the
// parts carry the same kind of digest. A full-object checksum cannot be
// compared without reading the file again, so it is left alone.
func agreesWithParts(obj providers.Object, parts []providers.Part) error {
	sorted := append([]providers.Part(nil), parts...)
	sort.Slice(sorted, func(i, k int) bool { return sorted[i].Number < sorted[k].Number })
	if algo, val, n, ok := splitComposite(obj.Checksum); ok {
		if n != len(sorted) {
			return fmt.Errorf("its checksum %s is of %d parts, the upload had %d", obj.Checksum, n, len(sorted))
		}
		if want, ok := compositeChecksum(algo, sorted); ok && want != val {
			return fmt.Errorf("its checksum is %s, the parts sent make %s:%s-%d", obj.Checksum, algo, want, n)
		}
	}
	if val, n, ok := splitCompositeETag(obj.ETag); ok {
		if n != len(sorted) {
			return fmt.Errorf("its ETag %s is of %d parts, the upload had %d", obj.ETag, n, len(sorted))
		}
		if want, ok := compositeETag(sorted); ok && !strings.EqualFold(want, val) {
			return fmt.Errorf("its ETag is %s, the parts sent make %s-%d", obj.ETag, want, n)
		}
	}
	return nil
}

// splitComposite parses "ALGO:base64-N".
func splitComposite(sum string) (algo, val string, n int, ok bool) {
	algo, rest, ok := strings.Cut(sum, ":")
	if !ok {
		return "", "", 0, false
	}
	val, n, ok = splitPartCount(rest)
	return strings.ToUpper(algo), val, n, ok
}

// splitCompositeETag parses a multipart ETag "hex-N".
func splitCompositeETag(etag string) (val string, n int, ok bool) {
	return splitPartCount(strings.Trim(etag, `"`))
}

func splitPartCount(s string) (string, int, bool) {
	i := strings.LastIndexByte(s, '-')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(s[i+1:])
	if err != nil || n < 1 {
		return "", 0, false
	}
	return s[:i], n, true
}

// compositeChecksum is S3's checksum of a multipart object: the digest, by
// algo, of the concatenated decoded part checksums, in base64. ok is false
// when a part lacks a checksum of that algorithm.
func compositeChecksum(algo string, parts []providers.Part) (string, bool) {
	var h hash.Hash
	switch algo {
	case "CRC32C":
		h = crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "CRC32":
		h = crc32.NewIEEE()
	case "SHA1":
		h = sha1.New()
	case "SHA256":
		h = sha256.New()
	default:
		return "", false
	}
	if len(parts) == 0 {
		return "", false
	}
	for _, p := range parts {
		a, v, ok := strings.Cut(p.Checksum, ":")
		if !ok || !strings.EqualFold(a, algo) {
			return "", false
		}
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return "", false
		}
		h.Write(raw)
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)), true
}

// compositeETag is the S3 ETag of a multipart object: the MD5 of the
// concatenated binary part ETags, in hex. ok is false when a part's ETag
// is not a 16-byte hex digest (stores that use other ETags).
func compositeETag(parts []providers.Part) (string, bool) {
	if len(parts) == 0 {
		return "", false
	}
	h := md5.New()
	for _, p := range parts {
		raw, err := hex.DecodeString(strings.Trim(p.ETag, `"`))
		if err != nil || len(raw) != md5.Size {
			return "", false
		}
		h.Write(raw)
	}
	return hex.EncodeToString(h.Sum(nil)), true
}
