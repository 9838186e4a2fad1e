// Package providers puts Stowage's storage locations (Amazon S3 and
// S3-compatible stores, Azure Blob, a local or NAS folder) behind one small
// interface. SDK errors end here: callers only ever see *Error values whose
// Kind is one of the sentinels below.
package providers

import (
	"bytes"
	"context"
	"io"
	"os"
	"time"
)

// Provider is what every location type implements.
type Provider interface {
	// Test runs the ordered connection checks, calling emit once as each
	// check starts (Status Running) and once as it finishes. It returns the
	// full report; a failed check is reported in it, not as an error. The
	// error is for a test that could not run at all (context cancelled).
	Test(ctx context.Context, emit func(Check)) (Report, error)

	// Put uploads the whole of src (size bytes from offset 0) to key, which
	// is relative to the location's prefix. Put reads src with ReadAt
	// only (an *os.File is read directly, so the SDKs need no buffer copy).
	Put(ctx context.Context, key string, src Body, size int64, opts PutOptions) (Object, error)
}

// Body is what an upload reads: a local file (*os.File), or bytes a
// stream export read from a source location (Bytes). Providers read it with
// ReadAt only, so parts of one body may be sent at once; Name is for
// messages.
type Body interface {
	io.ReaderAt
	Name() string
}

// Bytes is a Body held in memory: one part (or small object) of a source
// location's object, read by the stream engine.
type Bytes struct {
	*bytes.Reader
	name string
}

// NewBytes returns b as a Body named name (the source object, for
// messages).
func NewBytes(name string, b []byte) Bytes { return Bytes{Reader: bytes.NewReader(b), name: name} }

// Name names the source of the bytes.
func (b Bytes) Name() string { return b.name }

var _ Body = (*os.File)(nil)

// Copier is implemented by providers whose store copies an object of
// another location on the same endpoint itself (S3 CopyObject and
// UploadPartCopy): no object byte passes through Stowage. The destination's
// credentials must be allowed to read the source.
type Copier interface {
	// CanCopyFrom says whether objects of src can be copied into this
	// location by the store; when not, why says so in a sentence.
	CanCopyFrom(src Provider) (ok bool, why string)
	// CopyMax is the largest object one CopyObject may copy; larger ones
	// are copied in parts with UploadPartCopy.
	CopyMax() int64
	// CopyObject copies srcKey of src (relative to its prefix) to key.
	// ifMatch, when not empty, is the source's ETag as listed: a source
	// that changed since fails with ErrPreconditionFailed.
	CopyObject(ctx context.Context, key string, src Provider, srcKey, ifMatch string, opts PutOptions) (Object, error)
	// UploadPartCopy copies bytes [offset, offset+size) of srcKey as part n
	// of a multipart upload created with CreateMultipart.
	UploadPartCopy(ctx context.Context, key, uploadID string, n int, src Provider, srcKey, ifMatch string, offset, size int64) (Part, error)
	// CheckCopyRead asks, with this location's credentials, whether srcKey
	// of src may be read: nil when a copy would be allowed to read it.
	CheckCopyRead(ctx context.Context, src Provider, srcKey string) error
}

// PutOptions tunes a single upload.
type PutOptions struct {
	// ContentType of the object; empty lets the provider guess.
	ContentType string
	// Progress, when set, is called with the bytes acknowledged so far;
	// a retried request may report a smaller number than before.
	Progress func(done int64)
	// Warn, when set, is told of something the caller should report
	// although the call succeeded (an upload that may be left open).
	Warn func(err error)
	// ServerCopy tells CreateMultipart that the store will copy the parts
	// (Copier.UploadPartCopy): no checksum is declared for the upload,
	// as copied parts carry none the client could send.
	ServerCopy bool
}

// Object describes a stored object.
type Object struct {
	Key  string // relative to the location's prefix
	Size int64
	// ETag as the store reports it (quotes stripped), or a version ID.
	ETag      string
	VersionID string
	// Checksum is "ALGO:base64" (e.g. "CRC32C:yZRlqg==", "MD5:...",
	// "SHA256:..."); empty when the store gave none.
	Checksum string
	Modified time.Time
}

// Stater is implemented by providers that can look up one object.
type Stater interface {
	Stat(ctx context.Context, key string) (Object, error)
}

// Lister is implemented by providers that can list objects under a prefix
// (relative to the location's prefix). fn is called per object in key order
// as pages arrive; returning an error from fn stops the listing.
type Lister interface {
	List(ctx context.Context, prefix string, fn func(Object) error) error
}

// Getter is implemented by providers that can read objects back.
type Getter interface {
	// Get returns the bytes of key in [offset, offset+length); length < 0
	// means to the end.
	Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, Object, error)
}

// Deleter is implemented by providers that can delete objects.
type Deleter interface {
	Delete(ctx context.Context, key string) error
}

// Multipart is implemented by providers that upload large files in parts
// that survive a crash: the upload ID and part list are stored by the caller
// (the export journal) and handed back on resume.
type Multipart interface {
	// PartSize limits: the provider's minimum and maximum part size, and the
	// maximum number of parts.
	PartLimits() (min, max int64, maxParts int)
	// CreateMultipart starts an upload and returns its ID.
	CreateMultipart(ctx context.Context, key string, opts PutOptions) (uploadID string, err error)
	// UploadPart sends bytes [offset, offset+size) of src as part number n
	// (1-based).
	UploadPart(ctx context.Context, key, uploadID string, n int, src Body, offset, size int64, opts PutOptions) (Part, error)
	// ListParts returns the parts the store already holds for uploadID, so a
	// resumed upload sends only the missing ones.
	ListParts(ctx context.Context, key, uploadID string) ([]Part, error)
	// CompleteMultipart assembles parts (in part-number order).
	CompleteMultipart(ctx context.Context, key, uploadID string, parts []Part) (Object, error)
	// AbortMultipart discards an upload.
	AbortMultipart(ctx context.Context, key, uploadID string) error
}

// Upload is a multipart upload the store holds open.
type Upload struct {
	Key       string // relative to the location's prefix
	UploadID  string
	Initiated time.Time
}

// LocalUploadStart is implemented by providers whose CreateMultipart sends
// nothing (Azure: the upload ID only names the blocks): nothing exists on
// the store until a part is sent under an upload ID the caller recorded,
// so a run that stopped while starting an upload left nothing to find.
type LocalUploadStart interface {
	StartsUploadsLocally() bool
}

// UploadLister is implemented by providers whose store can list the
// multipart uploads it holds open (S3: s3:ListBucketMultipartUploads).
type UploadLister interface {
	// ListUploads calls fn for each open upload whose key starts with
	// prefix (relative to the location's prefix).
	ListUploads(ctx context.Context, prefix string, fn func(Upload) error) error
}

// Part is one uploaded part of a multipart upload.
type Part struct {
	Number   int
	Size     int64
	ETag     string
	Checksum string // "ALGO:base64", as Object.Checksum
}

// RegionDetector is implemented by providers that can find the region their
// bucket is in, for the wizard's "detect from the bucket".
type RegionDetector interface {
	DetectRegion(ctx context.Context) (string, error)
}
