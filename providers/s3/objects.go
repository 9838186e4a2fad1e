package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

// uploadHeaders are the headers every upload of the location carries.
type uploadHeaders struct {
	sse      types.ServerSideEncryption
	kmsKeyID *string
	acl      types.ObjectCannedACL
}

func (p *Provider) uploadHeaders() uploadHeaders {
	var h uploadHeaders
	switch p.s3c.Encryption {
	case config.EncryptionSSES3:
		h.sse = types.ServerSideEncryptionAes256
	case config.EncryptionSSEKMS:
		h.sse = types.ServerSideEncryptionAwsKms
		h.kmsKeyID = aws.String(p.s3c.KMSKeyARN)
	}
	if p.s3c.BucketOwnerFullControl {
		h.acl = types.ObjectCannedACLBucketOwnerFullControl
	}
	return h
}

// contentType returns the caller's type, else one guessed from the key.
func contentType(key, given string) string {
	if given != "" {
		return given
	}
	if t := mime.TypeByExtension(path.Ext(key)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// checksumPlan is how one upload protects its bytes in transit.
type checksumPlan struct {
	// algorithm asks the SDK to compute CRC32C as it streams (a trailer over
	// TLS), in when_supported mode.
	algorithm types.ChecksumAlgorithm
	// crc32c is a value computed here and sent as a plain header, in
	// when_required mode: stores that refuse the SDK's streaming trailers
	// usually accept it, and it costs one read of the (cached) file.
	crc32c *string
}

// planChecksum chooses the checksum for bytes [off, off+size) of r.
func (p *Provider) planChecksum(r io.ReaderAt, off, size int64) (checksumPlan, error) {
	if p.checksums == config.ChecksumWhenSupported {
		return checksumPlan{algorithm: types.ChecksumAlgorithmCrc32c}, nil
	}
	if p.noChecksumHeaders.Load() {
		return checksumPlan{}, nil
	}
	sum, err := crc32cOf(r, off, size)
	if err != nil {
		return checksumPlan{}, err
	}
	return checksumPlan{crc32c: aws.String(sum)}, nil
}

// rejectsChecksumHeader reports whether err may be a store refusing a
// checksum header it does not implement (not a checksum mismatch, which
// means the data changed). Callers confirm by sending again without the
// header, and turn checksum headers off only if that succeeds.
func rejectsChecksumHeader(err error) bool {
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Err == nil {
		return false
	}
	switch pe.Code {
	case "NotImplemented", "InvalidArgument", "InvalidRequest", "UnsupportedHeader", "BadRequest":
		msg := strings.ToLower(pe.Err.Error())
		return strings.Contains(msg, "checksum") || strings.Contains(msg, "header")
	}
	return false
}

// Put uploads src in one PutObject request. The body is a section of the
// file wrapped to count progress; being an io.ReadSeeker with a known length
// the SDK streams it without buffering and rewinds it on retries.
func (p *Provider) Put(ctx context.Context, key string, src providers.Body, size int64, opts providers.PutOptions) (providers.Object, error) {
	plan, err := p.planChecksum(src, 0, size)
	if err != nil {
		return providers.Object{}, &providers.Error{Kind: providers.ErrSourceUnreadable, Op: "put", Resource: src.Name(), Err: err}
	}
	send := func(plan checksumPlan) (providers.Object, error) {
		return p.put(ctx, key, newProgressReader(io.NewSectionReader(src, 0, size), opts.Progress), size, opts.ContentType, plan)
	}
	return p.withChecksumFallback(plan, send)
}

// withChecksumFallback sends with plan; when the store seems to refuse the
// locally computed checksum header, it sends once more without it and, if
// that works, stops sending such headers for the rest of the session.
func (p *Provider) withChecksumFallback(plan checksumPlan, send func(checksumPlan) (providers.Object, error)) (providers.Object, error) {
	obj, err := send(plan)
	if err == nil || plan.crc32c == nil || !rejectsChecksumHeader(err) {
		return obj, err
	}
	obj2, err2 := send(checksumPlan{})
	if err2 != nil {
		// The header was not the cause: report the first answer.
		return obj, err
	}
	p.noChecksumHeaders.Store(true)
	return obj2, nil
}

// put sends one PutObject with the location's encryption and ACL headers.
func (p *Provider) put(ctx context.Context, key string, body io.ReadSeeker, size int64, ctype string, plan checksumPlan) (providers.Object, error) {
	h := p.uploadHeaders()
	out, err := p.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:               aws.String(p.s3c.Bucket),
		Key:                  aws.String(p.key(key)),
		Body:                 body,
		ContentLength:        aws.Int64(size),
		ContentType:          aws.String(contentType(key, ctype)),
		ServerSideEncryption: h.sse,
		SSEKMSKeyId:          h.kmsKeyID,
		ACL:                  h.acl,
		ChecksumAlgorithm:    plan.algorithm,
		ChecksumCRC32C:       plan.crc32c,
	}, p.reported(ctx, "put", "s3:PutObject", false))
	if err != nil {
		return providers.Object{}, p.mapErr("put", "s3:PutObject", false, err)
	}
	return providers.Object{
		Key:       key,
		Size:      size,
		ETag:      trimETag(out.ETag),
		VersionID: aws.ToString(out.VersionId),
		Checksum:  checksumOf(out.ChecksumCRC32C, out.ChecksumCRC32, out.ChecksumCRC64NVME, out.ChecksumSHA256, out.ChecksumSHA1),
		Modified:  time.Now().UTC(),
	}, nil
}

// Stat looks up one object, asking for its stored checksum.
func (p *Provider) Stat(ctx context.Context, key string) (providers.Object, error) {
	out, err := p.client.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket:       aws.String(p.s3c.Bucket),
		Key:          aws.String(p.key(key)),
		ChecksumMode: types.ChecksumModeEnabled,
	}, p.reported(ctx, "stat", "s3:GetObject", false))
	if err != nil {
		// HeadObject needs s3:GetObject; a 403 can also hide a missing key
		// when the caller may not list the bucket.
		return providers.Object{}, p.mapErr("stat", "s3:GetObject", false, err)
	}
	return providers.Object{
		Key:       key,
		Size:      aws.ToInt64(out.ContentLength),
		ETag:      trimETag(out.ETag),
		VersionID: aws.ToString(out.VersionId),
		Checksum:  checksumOf(out.ChecksumCRC32C, out.ChecksumCRC32, out.ChecksumCRC64NVME, out.ChecksumSHA256, out.ChecksumSHA1),
		Modified:  aws.ToTime(out.LastModified),
	}, nil
}

// List calls fn for every object under prefix (relative to the location's
// prefix), in key order, page by page.
func (p *Provider) List(ctx context.Context, prefix string, fn func(providers.Object) error) error {
	// URL-encoded keys: a key may hold characters XML 1.0 cannot carry
	// (control characters), which would break the whole page otherwise.
	pager := s3.NewListObjectsV2Paginator(p.client, &s3.ListObjectsV2Input{
		Bucket:       aws.String(p.s3c.Bucket),
		Prefix:       aws.String(p.key(prefix)),
		EncodingType: types.EncodingTypeUrl,
	})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx, p.reported(ctx, "list", "s3:ListBucket", true))
		if err != nil {
			return p.mapErr("list", "s3:ListBucket", true, err)
		}
		for _, o := range page.Contents {
			k, err := decodeKey(aws.ToString(o.Key), page.EncodingType == types.EncodingTypeUrl)
			if err != nil {
				return err
			}
			obj := providers.Object{
				Key:      p.rel(k),
				Size:     aws.ToInt64(o.Size),
				ETag:     trimETag(o.ETag),
				Modified: aws.ToTime(o.LastModified),
			}
			if err := fn(obj); err != nil {
				return err
			}
		}
	}
	return nil
}

// Get returns bytes [offset, offset+length) of key; length < 0 reads to the
// end. The returned Object's Size is the whole object's size.
func (p *Provider) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, providers.Object, error) {
	if offset < 0 {
		return nil, providers.Object{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "get",
			Hint: fmt.Sprintf("offset %d is negative; give 0 or more", offset)}
	}
	if length == 0 {
		obj, err := p.Stat(ctx, key)
		if err != nil {
			return nil, providers.Object{}, err
		}
		return io.NopCloser(strings.NewReader("")), obj, nil
	}
	in := &s3.GetObjectInput{Bucket: aws.String(p.s3c.Bucket), Key: aws.String(p.key(key))}
	switch {
	case length > 0:
		in.Range = aws.String(fmt.Sprintf("bytes=%d-%d", offset, offset+length-1))
	case offset > 0:
		in.Range = aws.String(fmt.Sprintf("bytes=%d-", offset))
	default:
		// A whole-object read can be verified against the stored checksum.
		in.ChecksumMode = types.ChecksumModeEnabled
	}
	out, err := p.client.GetObject(ctx, in, p.reported(ctx, "get", "s3:GetObject", false))
	if err != nil {
		return nil, providers.Object{}, p.mapErr("get", "s3:GetObject", false, err)
	}
	obj := providers.Object{
		Key:       key,
		Size:      aws.ToInt64(out.ContentLength),
		ETag:      trimETag(out.ETag),
		VersionID: aws.ToString(out.VersionId),
		Modified:  aws.ToTime(out.LastModified),
	}
	if total, ok := totalFromContentRange(aws.ToString(out.ContentRange)); ok {
		obj.Size = total
	} else {
		obj.Checksum = checksumOf(out.ChecksumCRC32C, out.ChecksumCRC32, out.ChecksumCRC64NVME, out.ChecksumSHA256, out.ChecksumSHA1)
	}
	return &mappedBody{rc: out.Body, p: p}, obj, nil
}

// mappedBody maps read errors (a cut connection, a checksum mismatch found
// at the end of the stream) like any other error.
type mappedBody struct {
	rc io.ReadCloser
	p  *Provider
}

func (b *mappedBody) Read(buf []byte) (int, error) {
	n, err := b.rc.Read(buf)
	if err != nil && err != io.EOF {
		err = b.p.mapErr("get", "s3:GetObject", false, err)
	}
	return n, err
}

func (b *mappedBody) Close() error { return b.rc.Close() }

// totalFromContentRange reads the total of "bytes 0-9/100".
func totalFromContentRange(cr string) (int64, bool) {
	i := strings.LastIndexByte(cr, '/')
	if i < 0 || cr[i+1:] == "*" {
		return 0, false
	}
	n, err := strconv.ParseInt(cr[i+1:], 10, 64)
	return n, err == nil
}

// Delete removes key. Deleting a missing key succeeds, as in S3.
func (p *Provider) Delete(ctx context.Context, key string) error {
	_, err := p.client.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(p.s3c.Bucket),
		Key:    aws.String(p.key(key)),
	}, p.reported(ctx, "delete", "s3:DeleteObject", false))
	return p.mapErr("delete", "s3:DeleteObject", false, err)
}

// trimETag strips the quotes S3 puts around ETags.
func trimETag(e *string) string { return strings.Trim(aws.ToString(e), `"`) }

// checksumOf formats the first checksum present, in the order crc32c,
// crc32, crc64nvme, sha256, sha1, as "ALGO:base64".
func checksumOf(crc32c, crc32, crc64, sha256, sha1 *string) string {
	for _, c := range []struct {
		algo string
		v    *string
	}{{"CRC32C", crc32c}, {"CRC32", crc32}, {"CRC64NVME", crc64}, {"SHA256", sha256}, {"SHA1", sha1}} {
		if v := aws.ToString(c.v); v != "" {
			return c.algo + ":" + v
		}
	}
	return ""
}

// decodeKey undoes EncodingType=url on a listed key (S3 encodes a space as
// "+"). A store that ignored the request answers the key as it is.
func decodeKey(k string, encoded bool) (string, error) {
	if !encoded {
		return k, nil
	}
	d, err := url.QueryUnescape(k)
	if err != nil {
		return "", &providers.Error{Kind: providers.ErrServer, Op: "list", Err: err,
			Hint: fmt.Sprintf("the store listed the key %q URL-encoded, but not validly", k)}
	}
	return d, nil
}
