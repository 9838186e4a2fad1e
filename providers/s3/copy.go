package s3

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

// The copy engine's side of the provider: the store copies an object of
// another S3 location on the same endpoint (CopyObject, UploadPartCopy)
// with the destination's credentials, which must be allowed to read the
// source (policies' copy-source statement). No object byte passes through
// Stowage.

// copyMax is the largest object one CopyObject copies (S3's limit).
const copyMax = 5 << 30

// CopyMax is the largest object one CopyObject may copy.
func (p *Provider) CopyMax() int64 { return copyMax }

// CanCopyFrom reports whether src is an S3 location on this location's
// endpoint (the same custom endpoint, or both on AWS in one partition).
func (p *Provider) CanCopyFrom(src providers.Provider) (bool, string) {
	sp, ok := src.(*Provider)
	if !ok {
		return false, "the source is not an S3 location, so the store cannot copy from it"
	}
	a, b := endpointID(sp.s3c.Endpoint, sp.s3c.Region), endpointID(p.s3c.Endpoint, p.s3c.Region)
	if a != b {
		return false, fmt.Sprintf("the source is on %s and the destination on %s: CopyObject works only within one store", a, b)
	}
	return true, ""
}

// endpointID names the store a location is on: the custom endpoint's
// scheme and host, or AWS's partition.
func endpointID(endpoint, region string) string {
	if endpoint == "" {
		h := regionalHost(region)
		return "AWS S3 (" + h[strings.Index(h, ".amazonaws")+1:] + ")"
	}
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		return strings.ToLower(u.Scheme + "://" + u.Host)
	}
	return strings.TrimSuffix(endpoint, "/")
}

// copySource is the x-amz-copy-source value of key in sp: bucket and full
// key, each path segment URL-encoded.
func copySource(sp *Provider, key string) string {
	segs := strings.Split(sp.key(key), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return sp.s3c.Bucket + "/" + strings.Join(segs, "/")
}

// quoted returns the ETag as S3 expects it in If-Match headers.
func quoted(etag string) *string {
	if etag == "" {
		return nil
	}
	return aws.String(`"` + strings.Trim(etag, `"`) + `"`)
}

// copyErr maps an error of a copy request; a denial may be the source's
// read as well as the destination's write, and the hint says so.
func (p *Provider) copyErr(op string, sp *Provider, srcKey string, err error) error {
	err = p.mapErr(op, "s3:PutObject", false, err)
	var pe *providers.Error
	if errors.As(err, &pe) && errors.Is(err, providers.ErrAccessDenied) {
		more := "the copy engine also needs " + copyReadHint(p, sp, srcKey)
		if pe.Hint != "" {
			pe.Hint += "; " + more
		} else {
			pe.Hint = more
		}
	}
	return err
}

// copyReadHint says what lets p's identity read srcKey of sp, and where
// the statement is.
func copyReadHint(p, sp *Provider, srcKey string) string {
	return fmt.Sprintf("this location's identity to read s3://%s/%s (s3:GetObject); `stowage policy %s --kind copy-source --from %s` prints the statement",
		sp.s3c.Bucket, sp.key(srcKey), p.loc.Name, sp.loc.Name)
}

// CopyObject has the store copy srcKey of src into key, with this
// location's encryption and ACL. When the source's ETag is a plain MD5
// (not multipart, not SSE-KMS), the copy's ETag must equal it.
func (p *Provider) CopyObject(ctx context.Context, key string, src providers.Provider, srcKey, ifMatch string, opts providers.PutOptions) (providers.Object, error) {
	sp, ok := src.(*Provider)
	if !ok {
		return providers.Object{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "copy", Hint: "the source is not an S3 location"}
	}
	h := p.uploadHeaders()
	in := &s3.CopyObjectInput{
		Bucket:               aws.String(p.s3c.Bucket),
		Key:                  aws.String(p.key(key)),
		CopySource:           aws.String(copySource(sp, srcKey)),
		CopySourceIfMatch:    quoted(ifMatch),
		ServerSideEncryption: h.sse,
		SSEKMSKeyId:          h.kmsKeyID,
		ACL:                  h.acl,
	}
	if p.checksums != config.ChecksumWhenRequired {
		// The store computes a CRC32C of the copy as it writes it.
		in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c
	}
	out, err := p.client.CopyObject(ctx, in, p.reported(ctx, "copy", "s3:PutObject", false))
	if err != nil {
		return providers.Object{}, p.copyErr("copy", sp, srcKey, err)
	}
	obj := providers.Object{Key: key, VersionID: aws.ToString(out.VersionId)}
	if r := out.CopyObjectResult; r != nil {
		obj.ETag = trimETag(r.ETag)
		obj.Checksum = checksumOf(r.ChecksumCRC32C, r.ChecksumCRC32, r.ChecksumCRC64NVME, r.ChecksumSHA256, r.ChecksumSHA1)
		obj.Modified = aws.ToTime(r.LastModified)
	}
	if plainMD5(ifMatch) && h.sse != types.ServerSideEncryptionAwsKms && sp.s3c.Encryption != config.EncryptionSSEKMS && plainMD5(obj.ETag) && obj.ETag != strings.Trim(ifMatch, `"`) {
		return obj, &providers.Error{Kind: providers.ErrIntegrity, Op: "copy", Resource: p.key(key),
			Err:  fmt.Errorf("the copy's MD5 (ETag %s) differs from the source's (%s)", obj.ETag, strings.Trim(ifMatch, `"`)),
			Hint: "the object is not recorded as exported; the next run copies it again"}
	}
	return obj, nil
}

// plainMD5 reports whether an ETag is a whole-object MD5 (32 hex digits).
func plainMD5(etag string) bool {
	etag = strings.Trim(etag, `"`)
	if len(etag) != 32 {
		return false
	}
	for _, c := range etag {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// UploadPartCopy has the store copy bytes [offset, offset+size) of srcKey
// as part n of uploadID.
func (p *Provider) UploadPartCopy(ctx context.Context, key, uploadID string, n int, src providers.Provider, srcKey, ifMatch string, offset, size int64) (providers.Part, error) {
	sp, ok := src.(*Provider)
	if !ok {
		return providers.Part{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "upload-part-copy", Hint: "the source is not an S3 location"}
	}
	if n < 1 || n > maxParts {
		return providers.Part{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "upload-part-copy",
			Hint: "part numbers run from 1 to 10000"}
	}
	out, err := p.client.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
		Bucket:            aws.String(p.s3c.Bucket),
		Key:               aws.String(p.key(key)),
		UploadId:          aws.String(uploadID),
		PartNumber:        aws.Int32(int32(n)),
		CopySource:        aws.String(copySource(sp, srcKey)),
		CopySourceIfMatch: quoted(ifMatch),
		CopySourceRange:   aws.String(fmt.Sprintf("bytes=%d-%d", offset, offset+size-1)),
	}, p.reported(ctx, "upload-part-copy", "s3:PutObject", false))
	if err != nil {
		return providers.Part{}, p.copyErr("upload-part-copy", sp, srcKey, err)
	}
	part := providers.Part{Number: n, Size: size}
	if r := out.CopyPartResult; r != nil {
		part.ETag = trimETag(r.ETag)
		part.Checksum = checksumOf(r.ChecksumCRC32C, r.ChecksumCRC32, r.ChecksumCRC64NVME, r.ChecksumSHA256, r.ChecksumSHA1)
	}
	return part, nil
}

var _ providers.Copier = (*Provider)(nil)

// CheckCopyRead asks, with this location's credentials, for the head of
// srcKey in src: the copy engine's probe that the destination may read the
// source (HeadObject is authorised by s3:GetObject).
func (p *Provider) CheckCopyRead(ctx context.Context, src providers.Provider, srcKey string) error {
	sp, ok := src.(*Provider)
	if !ok {
		return &providers.Error{Kind: providers.ErrInvalidConfig, Op: "copy-probe", Hint: "the source is not an S3 location"}
	}
	_, err := p.client.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(sp.s3c.Bucket),
		Key:    aws.String(sp.key(srcKey)),
	})
	if err != nil {
		// Only the read of the source is asked here: a denial names that
		// permission on the source, not a write to this location.
		err = p.mapErr("copy-probe", "s3:GetObject", false, err)
		var pe *providers.Error
		if errors.As(err, &pe) && errors.Is(err, providers.ErrAccessDenied) {
			pe.Hint = copyReadHint(p, sp, srcKey)
		}
		return err
	}
	return nil
}
