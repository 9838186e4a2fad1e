// Package azure is the location type for an Azure Blob Storage container,
// reached with a connection string that holds an account key, a SAS token,
// or UseDevelopmentStorage=true (Azurite). Uploads are block blobs whose
// blocks the service verifies against an MD5 sent with each request.
package azure

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"golang.org/x/sync/errgroup"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/validate"
)

// Azurite's development account; Microsoft publishes the key in the
// storage emulator documentation, so it is not a secret.
const (
	devAccountName = "devstoreaccount1"
	devAccountKey  = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

const (
	// singleShotMax is the largest file Put sends as one Put Blob request;
	// larger files go as blocks, several at once.
	singleShotMax = 32 << 20
	// putBlockSize is the smallest block Put uses for large files.
	putBlockSize = 8 << 20
	// putParallel is how many blocks of one file Put stages at once.
	putParallel = 4
	// maxBlobName is Azure's limit on a blob name, in characters.
	maxBlobName = 1024
)

func init() {
	providers.Register(config.TypeAzure, Open)
}

// Provider stores objects as block blobs in one container.
type Provider struct {
	name   string
	cfg    config.Azure
	cs     validate.ConnectionString
	prefix string
	// containerURL is the container's URL without any SAS token, for
	// messages.
	containerURL string
	// sas holds the SAS token's parameters when the connection string
	// has one (secret: never print it).
	sas url.Values
	// cfgErr is set when the connection string or the container name is
	// invalid; Test reports it and every operation returns it.
	cfgErr *providers.Error
	// cfgField names the setting behind cfgErr.
	cfgField string

	client *container.Client
}

// Open is the providers.OpenFunc for Azure Blob locations. An invalid
// connection string or container name does not fail Open: Test reports it
// on the right field, and every other operation returns it.
func Open(_ context.Context, loc config.Location, opts providers.Options) (providers.Provider, error) {
	if loc.Azure == nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "open",
			Hint: fmt.Sprintf("location %q has type %q but no azure settings; add container and connection_string", loc.Name, loc.Type)}
	}
	return New(loc.Name, *loc.Azure, opts), nil
}

// New returns the provider for one container.
func New(name string, cfg config.Azure, opts providers.Options) *Provider {
	p := &Provider{name: name, cfg: cfg, prefix: cfg.Prefix}
	cs, err := validate.ParseConnectionString(cfg.ConnectionString)
	if err != nil {
		// validate's messages never hold secret values.
		p.cfgErr = &providers.Error{Kind: providers.ErrInvalidConfig, Op: "open", Hint: err.Error()}
		p.cfgField = "connection_string"
		return p
	}
	p.cs = cs
	if err := validate.AzureContainer(cfg.Container); err != nil {
		p.cfgErr = &providers.Error{Kind: providers.ErrInvalidConfig, Op: "open", Hint: err.Error()}
		p.cfgField = "container"
		return p
	}
	base := cs.BlobURL()
	p.containerURL = base + "/" + url.PathEscape(cfg.Container)

	conc := opts.Concurrency
	if conc <= 0 {
		conc = 16
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// Keep a warm connection for every request the caller has in flight,
	// plus the ones Put adds for its own blocks.
	tr.MaxIdleConns = conc + putParallel + 4
	tr.MaxIdleConnsPerHost = conc + putParallel + 4
	copts := &container.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport: &http.Client{Transport: tr},
		Retry:     sdkRetry,
		Telemetry: policy.TelemetryOptions{ApplicationID: "stowage"},
	}}

	var cerr error
	switch cs.AuthKind() {
	case "sas":
		p.sas, _ = url.ParseQuery(cs.SharedAccessSignature)
		p.client, cerr = container.NewClientWithNoCredential(p.containerURL+"?"+cs.SharedAccessSignature, copts)
	case "development-storage":
		var cred *container.SharedKeyCredential
		if cred, cerr = container.NewSharedKeyCredential(devAccountName, devAccountKey); cerr == nil {
			p.client, cerr = container.NewClientWithSharedKeyCredential(p.containerURL, cred, copts)
		}
	default:
		var cred *container.SharedKeyCredential
		if cred, cerr = container.NewSharedKeyCredential(cs.AccountName, cs.AccountKey); cerr == nil {
			p.client, cerr = container.NewClientWithSharedKeyCredential(p.containerURL, cred, copts)
		}
	}
	if cerr != nil {
		// The SDK's message may quote the URL with the SAS; say only what
		// kind of value failed.
		p.cfgErr = &providers.Error{Kind: providers.ErrInvalidConfig, Op: "open",
			Hint: "the connection string's " + cs.AuthKind() + " credentials were refused by the Azure SDK; copy the connection string again"}
		p.cfgField = "connection_string"
	}
	return p
}

// ContainerURL is the container's URL, without any SAS token.
func (p *Provider) ContainerURL() string { return p.containerURL }

// blobName turns a key into the blob name under the location's prefix,
// refusing keys Azure would rename or that name no file.
func (p *Provider) blobName(op, key string) (string, error) {
	if p.cfgErr != nil {
		e := *p.cfgErr
		e.Op = op
		return "", &e
	}
	bad := func(rule string) error {
		return &providers.Error{Kind: providers.ErrInvalidConfig, Op: op,
			Hint: fmt.Sprintf("key %q %s; keys are relative paths such as 2024/05/call-123.wav", key, rule)}
	}
	switch {
	case key == "":
		return "", bad("is empty")
	case strings.HasPrefix(key, "/"):
		return "", bad("is absolute")
	case strings.HasSuffix(key, "/") || strings.HasSuffix(key, "."):
		return "", bad("ends in / or . (Azure drops or rejects such names)")
	case strings.ContainsRune(key, '\\'):
		return "", bad(`contains \ (Azure tools turn it into /)`)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", bad("has an empty, . or .. path segment")
		}
	}
	name := p.prefix + key
	if n := len([]rune(name)); n > maxBlobName {
		return "", bad(fmt.Sprintf("with the prefix is %d characters; Azure allows %d", n, maxBlobName))
	}
	return name, nil
}

// key turns a blob name back into a key relative to the prefix.
func (p *Provider) key(name string) string { return strings.TrimPrefix(name, p.prefix) }

func contentType(key, given string) string {
	if given != "" {
		return given
	}
	if t := mime.TypeByExtension(path.Ext(key)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// Put uploads size bytes of src to key as a block blob. Up to 32 MiB go in
// one request with Content-MD5; larger files are staged as blocks (each with
// its own Content-MD5, several at once) and committed with the whole file's
// MD5 as the blob's Content-MD5.
func (p *Provider) Put(ctx context.Context, key string, src providers.Body, size int64, opts providers.PutOptions) (providers.Object, error) {
	name, err := p.blobName("put", key)
	if err != nil {
		return providers.Object{}, err
	}
	bb := p.client.NewBlockBlobClient(name)
	headers := &blob.HTTPHeaders{BlobContentType: ptr(contentType(key, opts.ContentType))}
	if size <= singleShotMax {
		sum, err := md5Range(ctx, src, 0, size)
		if err != nil {
			return providers.Object{}, p.fileErr("put", src, err)
		}
		headers.BlobContentMD5 = sum
		body := &progressReader{r: io.NewSectionReader(src, 0, size), fn: opts.Progress}
		resp, err := bb.Upload(p.reported(ctx, "put", name), body, &blockblob.UploadOptions{
			HTTPHeaders:             headers,
			TransactionalValidation: blob.TransferValidationTypeMD5(sum),
		})
		if err != nil {
			return providers.Object{}, p.mapErr("put", name, err)
		}
		return providers.Object{Key: key, Size: size, ETag: etag(resp.ETag), VersionID: deref(resp.VersionID),
			Checksum: md5String(sum), Modified: deref(resp.LastModified)}, nil
	}

	blockSize := int64(putBlockSize)
	if need := (size + maxBlocks - 1) / maxBlocks; need > blockSize {
		blockSize = (need + 1<<20 - 1) / (1 << 20) * (1 << 20)
	}
	uploadID := newUploadID()
	count := int((size + blockSize - 1) / blockSize)
	ids := make([]string, count)
	type job struct {
		n         int
		off, size int64
		sum       []byte
	}
	jobs := make(chan job)
	g, gctx := errgroup.WithContext(ctx)
	var whole []byte
	var (
		acked      atomic.Int64
		progressMu sync.Mutex
	)
	// One reader hashes the file in order (the blob's MD5 and each block's),
	// handing blocks to the stagers, so the file is hashed once.
	g.Go(func() error {
		defer close(jobs)
		all := md5.New()
		buf := make([]byte, 1<<20)
		for i := range count {
			off := int64(i) * blockSize
			n := min(blockSize, size-off)
			bh := md5.New()
			if _, err := io.CopyBuffer(io.MultiWriter(all, bh), io.NewSectionReader(src, off, n), buf); err != nil {
				return p.fileErr("put", src, err)
			}
			select {
			case jobs <- job{i + 1, off, n, bh.Sum(nil)}:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		whole = all.Sum(nil)
		return nil
	})
	for range min(putParallel, count) {
		g.Go(func() error {
			for j := range jobs {
				id := blockID(uploadID, j.n)
				ids[j.n-1] = id
				_, err := bb.StageBlock(p.reported(gctx, "put", name), id, streaming.NopCloser(io.NewSectionReader(src, j.off, j.size)),
					&blockblob.StageBlockOptions{TransactionalValidation: blob.TransferValidationTypeMD5(j.sum)})
				if err != nil {
					return p.mapErr("put", name, err)
				}
				if opts.Progress != nil {
					// Callers need not make Progress safe for concurrent use.
					progressMu.Lock()
					opts.Progress(acked.Add(j.size))
					progressMu.Unlock()
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return providers.Object{}, err
	}
	headers.BlobContentMD5 = whole
	resp, err := bb.CommitBlockList(p.reported(ctx, "put", name), ids, &blockblob.CommitBlockListOptions{HTTPHeaders: headers})
	if err != nil {
		return providers.Object{}, p.mapErr("put", name, err)
	}
	return providers.Object{Key: key, Size: size, ETag: etag(resp.ETag), VersionID: deref(resp.VersionID),
		Checksum: md5String(whole), Modified: deref(resp.LastModified)}, nil
}

// fileErr reports a failure to read the local source file, which is not
// the store's fault.
func (p *Provider) fileErr(op string, src providers.Body, err error) error {
	if ctxErr := contextErr(err); ctxErr != nil {
		return ctxErr
	}
	return &providers.Error{Kind: providers.ErrSourceUnreadable, Op: op, Resource: src.Name(),
		Hint: "the local file could not be read; check that it still exists and is readable", Err: err}
}

// md5Range hashes bytes [off, off+n) of f.
func md5Range(ctx context.Context, f io.ReaderAt, off, n int64) ([]byte, error) {
	h := md5.New()
	r := io.NewSectionReader(f, off, n)
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m, err := r.Read(buf)
		h.Write(buf[:m])
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return h.Sum(nil), nil
}

// progressReader reports how far the SDK has read the body; a retry seeks
// back to the start, so the count goes back with it.
type progressReader struct {
	r   *io.SectionReader
	pos int64
	fn  func(int64)
}

func (pr *progressReader) Read(b []byte) (int, error) {
	n, err := pr.r.Read(b)
	pr.pos += int64(n)
	if pr.fn != nil && n > 0 {
		pr.fn(pr.pos)
	}
	return n, err
}

func (pr *progressReader) Seek(off int64, whence int) (int64, error) {
	n, err := pr.r.Seek(off, whence)
	if err == nil {
		pr.pos = n
	}
	return n, err
}

func (pr *progressReader) Close() error { return nil }

// Stat looks up one blob.
func (p *Provider) Stat(ctx context.Context, key string) (providers.Object, error) {
	name, err := p.blobName("stat", key)
	if err != nil {
		return providers.Object{}, err
	}
	resp, err := p.client.NewBlobClient(name).GetProperties(p.reported(ctx, "stat", name), nil)
	if err != nil {
		return providers.Object{}, p.mapErr("stat", name, err)
	}
	return providers.Object{Key: key, Size: deref(resp.ContentLength), ETag: etag(resp.ETag),
		VersionID: deref(resp.VersionID), Checksum: md5String(resp.ContentMD5), Modified: deref(resp.LastModified)}, nil
}

// List calls fn for every blob whose key starts with prefix, in the
// service's order (by name).
func (p *Provider) List(ctx context.Context, prefix string, fn func(providers.Object) error) error {
	if p.cfgErr != nil {
		e := *p.cfgErr
		e.Op = "list"
		return &e
	}
	full := p.prefix + prefix
	opts := &container.ListBlobsFlatOptions{}
	if full != "" {
		opts.Prefix = &full
	}
	pager := p.client.NewListBlobsFlatPager(opts)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return p.mapErr("list", full, err)
		}
		for _, it := range page.Segment.BlobItems {
			if it == nil || it.Name == nil {
				continue
			}
			obj := providers.Object{Key: p.key(*it.Name), VersionID: deref(it.VersionID)}
			if pr := it.Properties; pr != nil {
				obj.Size = deref(pr.ContentLength)
				obj.ETag = etag(pr.ETag)
				obj.Checksum = md5String(pr.ContentMD5)
				obj.Modified = deref(pr.LastModified)
			}
			if err := fn(obj); err != nil {
				return err
			}
		}
	}
	return nil
}

// Get returns bytes [offset, offset+length) of key; length < 0 reads to the
// end. A dropped connection mid-body is resumed from where it stopped.
func (p *Provider) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, providers.Object, error) {
	name, err := p.blobName("get", key)
	if err != nil {
		return nil, providers.Object{}, err
	}
	if offset < 0 {
		return nil, providers.Object{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "get",
			Hint: fmt.Sprintf("offset %d is negative", offset)}
	}
	bc := p.client.NewBlobClient(name)
	if length == 0 {
		// Azure reads a zero count as "to the end", so ask for nothing.
		obj, err := p.Stat(ctx, key)
		if err != nil {
			return nil, providers.Object{}, err
		}
		return io.NopCloser(bytes.NewReader(nil)), obj, nil
	}
	rng := blob.HTTPRange{Offset: offset}
	if length > 0 {
		rng.Count = length
	}
	resp, err := bc.DownloadStream(ctx, &blob.DownloadStreamOptions{Range: rng})
	if err != nil {
		return nil, providers.Object{}, p.mapErr("get", name, err)
	}
	size := deref(resp.ContentLength)
	if cr := deref(resp.ContentRange); cr != "" {
		// "bytes 0-9/123": the whole blob's size follows the slash.
		if i := strings.LastIndexByte(cr, '/'); i >= 0 {
			fmt.Sscan(cr[i+1:], &size)
		}
	}
	obj := providers.Object{Key: key, Size: size, ETag: etag(resp.ETag), VersionID: deref(resp.VersionID),
		Modified: deref(resp.LastModified)}
	if rng.Offset == 0 && rng.Count == 0 {
		obj.Checksum = md5String(resp.BlobContentMD5)
		if obj.Checksum == "" {
			obj.Checksum = md5String(resp.ContentMD5)
		}
	}
	body := resp.NewRetryReader(ctx, &blob.RetryReaderOptions{MaxRetries: 3})
	return &mappedReader{rc: body, p: p, name: name}, obj, nil
}

// mappedReader keeps SDK errors from escaping through Read.
type mappedReader struct {
	rc   io.ReadCloser
	p    *Provider
	name string
}

func (m *mappedReader) Read(b []byte) (int, error) {
	n, err := m.rc.Read(b)
	if err != nil && err != io.EOF {
		err = m.p.mapErr("get", m.name, err)
	}
	return n, err
}

func (m *mappedReader) Close() error { return m.rc.Close() }

// Delete removes key and its snapshots. A missing blob is ErrNoSuchKey.
func (p *Provider) Delete(ctx context.Context, key string) error {
	name, err := p.blobName("delete", key)
	if err != nil {
		return err
	}
	_, err = p.client.NewBlobClient(name).Delete(ctx, &blob.DeleteOptions{DeleteSnapshots: ptr(blob.DeleteSnapshotsOptionTypeInclude)})
	if err != nil {
		return p.mapErr("delete", name, err)
	}
	return nil
}

func newUploadID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

func md5String(sum []byte) string {
	if len(sum) == 0 {
		return ""
	}
	return "MD5:" + base64.StdEncoding.EncodeToString(sum)
}

func etag(e *azcore.ETag) string {
	if e == nil {
		return ""
	}
	return strings.Trim(string(*e), `"`)
}

func ptr[T any](v T) *T { return &v }

func deref[T any](v *T) T {
	var zero T
	if v == nil {
		return zero
	}
	return *v
}

// untilDays is the days from now until t, to the nearest day, so a token
// made for 30 days reads "in 30 days" a moment later.
func untilDays(t time.Time) int { return int(math.Round(time.Until(t).Hours() / 24)) }

var (
	_ providers.Provider         = (*Provider)(nil)
	_ providers.Stater           = (*Provider)(nil)
	_ providers.Lister           = (*Provider)(nil)
	_ providers.Getter           = (*Provider)(nil)
	_ providers.Deleter          = (*Provider)(nil)
	_ providers.Multipart        = (*Provider)(nil)
	_ providers.UploadLister     = (*Provider)(nil)
	_ providers.LocalUploadStart = (*Provider)(nil)
)
