package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

// S3's multipart limits.
const (
	minPartSize = 5 << 20
	maxPartSize = 5 << 30
	maxParts    = 10000
)

// PartLimits returns S3's part size limits and maximum part count.
func (p *Provider) PartLimits() (min, max int64, maxPartCount int) {
	return minPartSize, maxPartSize, maxParts
}

// partsChecksummed reports whether parts of new uploads carry CRC32C: the
// algorithm is fixed when the upload is created and every part must then
// send a checksum of it.
func (p *Provider) partsChecksummed() bool {
	return p.checksums == config.ChecksumWhenSupported || !p.noChecksumHeaders.Load()
}

// CreateMultipart starts an upload with the location's encryption and ACL,
// and CRC32C part checksums unless the store refused them. When an earlier
// attempt for key may have created an upload whose answer was lost, the
// uploads of key other than the new one are aborted (see abortLostCreates).
func (p *Provider) CreateMultipart(ctx context.Context, key string, opts providers.PutOptions) (string, error) {
	first := time.Now()
	if v, ok := p.lostCreates.Load(key); ok {
		first = v.(time.Time)
	}
	id, attempts, err := p.createMultipart(ctx, key, opts)
	if err != nil {
		if providers.IsRetryable(err) {
			// The store may have acted on the request; a later success
			// cleans up after it.
			p.lostCreates.LoadOrStore(key, first)
		}
		return "", err
	}
	_, lost := p.lostCreates.LoadAndDelete(key)
	if lost || attempts > 1 {
		if werr := p.abortLostCreates(ctx, key, id, first); werr != nil && opts.Warn != nil {
			opts.Warn(werr)
		}
	}
	return id, nil
}

// lostCreateWindow is how far before the first attempt an upload of the
// same key may have been initiated and still count as one this export lost
// (the store's clock may differ from this computer's).
const lostCreateWindow = 2 * time.Minute

// abortLostCreates aborts the uploads of key that the store holds open,
// other than keep, initiated since the first attempt to create one: their
// creation answers were lost, so no one else can know their IDs. It returns
// the error to report when it cannot (the policy grants neither
// s3:ListBucketMultipartUploads nor s3:AbortMultipartUpload).
func (p *Provider) abortLostCreates(ctx context.Context, key, keep string, since time.Time) error {
	var lost []providers.Upload
	err := p.ListUploads(ctx, key, func(u providers.Upload) error {
		if u.Key == key && u.UploadID != keep && !u.Initiated.Before(since.Add(-lostCreateWindow)) {
			lost = append(lost, u)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("an answer to CreateMultipartUpload for %s was lost, so an empty upload may be left open until the bucket's lifecycle rule removes it; cannot look for it: %w", key, err)
	}
	for _, u := range lost {
		if err := p.AbortMultipart(ctx, key, u.UploadID); err != nil {
			return fmt.Errorf("an answer to CreateMultipartUpload for %s was lost; its upload %s is left open until the bucket's lifecycle rule removes it: %w", key, u.UploadID, err)
		}
	}
	return nil
}

// ListUploads lists the multipart uploads open under prefix, all pages.
func (p *Provider) ListUploads(ctx context.Context, prefix string, fn func(providers.Upload) error) error {
	in := &s3.ListMultipartUploadsInput{Bucket: aws.String(p.s3c.Bucket), Prefix: aws.String(p.key(prefix)),
		EncodingType: types.EncodingTypeUrl}
	for {
		out, err := p.client.ListMultipartUploads(ctx, in, p.reported(ctx, "list-uploads", "s3:ListBucketMultipartUploads", true))
		if err != nil {
			return p.mapErr("list-uploads", "s3:ListBucketMultipartUploads", true, err)
		}
		for _, u := range out.Uploads {
			k, err := decodeKey(aws.ToString(u.Key), out.EncodingType == types.EncodingTypeUrl)
			if err != nil {
				return err
			}
			if err := fn(providers.Upload{Key: p.rel(k), UploadID: aws.ToString(u.UploadId), Initiated: aws.ToTime(u.Initiated)}); err != nil {
				return err
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			return nil
		}
		// The markers come back encoded like the keys; the store takes
		// them back as they are.
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
}

// createMultipart sends CreateMultipartUpload and returns the upload ID and
// how many attempts the SDK made.
func (p *Provider) createMultipart(ctx context.Context, key string, opts providers.PutOptions) (string, int, error) {
	attempts := 0
	h := p.uploadHeaders()
	send := func(checksummed bool) (string, error) {
		in := &s3.CreateMultipartUploadInput{
			Bucket:               aws.String(p.s3c.Bucket),
			Key:                  aws.String(p.key(key)),
			ContentType:          aws.String(contentType(key, opts.ContentType)),
			ServerSideEncryption: h.sse,
			SSEKMSKeyId:          h.kmsKeyID,
			ACL:                  h.acl,
		}
		if checksummed {
			in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c
		}
		out, err := p.client.CreateMultipartUpload(ctx, in, p.reported(ctx, "create-multipart", "s3:PutObject", false))
		if err != nil {
			attempts += 2 // at least one lost answer is possible
			return "", p.mapErr("create-multipart", "s3:PutObject", false, err)
		}
		if res, ok := retry.GetAttemptResults(out.ResultMetadata); ok {
			attempts += len(res.Results)
		} else {
			attempts++
		}
		return aws.ToString(out.UploadId), nil
	}
	checksummed := p.partsChecksummed() && !opts.ServerCopy
	id, err := send(checksummed)
	if err == nil || !checksummed || p.checksums != config.ChecksumWhenRequired || !rejectsChecksumHeader(err) {
		return id, attempts, err
	}
	id2, err2 := send(false)
	if err2 != nil {
		return "", attempts, err
	}
	p.noChecksumHeaders.Store(true)
	return id2, attempts, nil
}

// UploadPart sends bytes [offset, offset+size) of src as part n, streamed
// from a section of the file.
func (p *Provider) UploadPart(ctx context.Context, key, uploadID string, n int, src providers.Body, offset, size int64, opts providers.PutOptions) (providers.Part, error) {
	if n < 1 || n > maxParts {
		return providers.Part{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "upload-part",
			Hint: "part numbers run from 1 to 10000"}
	}
	in := &s3.UploadPartInput{
		Bucket:        aws.String(p.s3c.Bucket),
		Key:           aws.String(p.key(key)),
		UploadId:      aws.String(uploadID),
		PartNumber:    aws.Int32(int32(n)),
		Body:          newProgressReader(io.NewSectionReader(src, offset, size), opts.Progress),
		ContentLength: aws.Int64(size),
	}
	var local string
	switch {
	case p.checksums == config.ChecksumWhenSupported:
		in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c
	case !p.noChecksumHeaders.Load():
		sum, err := crc32cOf(src, offset, size)
		if err != nil {
			return providers.Part{}, &providers.Error{Kind: providers.ErrSourceUnreadable, Op: "upload-part", Resource: src.Name(), Err: err}
		}
		local = sum
		in.ChecksumCRC32C = aws.String(sum)
	}
	out, err := p.client.UploadPart(ctx, in, p.reported(ctx, "upload-part", "s3:PutObject", false))
	if err != nil {
		err = p.mapErr("upload-part", "s3:PutObject", false, err)
		if local == "" || !rejectsChecksumHeader(err) {
			return providers.Part{}, err
		}
		// An upload resumed from an earlier run on a store that refuses
		// checksum headers: send the part without one.
		in.ChecksumCRC32C = nil
		in.Body = newProgressReader(io.NewSectionReader(src, offset, size), opts.Progress)
		out2, err2 := p.client.UploadPart(ctx, in, p.reported(ctx, "upload-part", "s3:PutObject", false))
		if err2 != nil {
			return providers.Part{}, err
		}
		p.noChecksumHeaders.Store(true)
		local, out = "", out2
	}
	part := providers.Part{Number: n, Size: size, ETag: trimETag(out.ETag),
		Checksum: checksumOf(out.ChecksumCRC32C, out.ChecksumCRC32, out.ChecksumCRC64NVME, out.ChecksumSHA256, out.ChecksumSHA1)}
	if part.Checksum == "" && local != "" {
		// The store verified the header but did not echo it; Complete
		// still needs the value the upload was created to expect.
		part.Checksum = "CRC32C:" + local
	}
	return part, nil
}

// ListParts returns the parts the store holds for uploadID, all pages.
func (p *Provider) ListParts(ctx context.Context, key, uploadID string) ([]providers.Part, error) {
	var parts []providers.Part
	pager := s3.NewListPartsPaginator(p.client, &s3.ListPartsInput{
		Bucket:   aws.String(p.s3c.Bucket),
		Key:      aws.String(p.key(key)),
		UploadId: aws.String(uploadID),
	})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx, p.reported(ctx, "list-parts", "s3:ListMultipartUploadParts", false))
		if err != nil {
			// ListParts is authorised by s3:ListMultipartUploadParts.
			return nil, p.mapErr("list-parts", "s3:ListMultipartUploadParts", false, err)
		}
		for _, pt := range page.Parts {
			parts = append(parts, providers.Part{
				Number:   int(aws.ToInt32(pt.PartNumber)),
				Size:     aws.ToInt64(pt.Size),
				ETag:     trimETag(pt.ETag),
				Checksum: checksumOf(pt.ChecksumCRC32C, pt.ChecksumCRC32, pt.ChecksumCRC64NVME, pt.ChecksumSHA256, pt.ChecksumSHA1),
			})
		}
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	return parts, nil
}

// CompleteMultipart assembles parts in part-number order, passing each
// part's checksum so the store verifies the whole.
func (p *Provider) CompleteMultipart(ctx context.Context, key, uploadID string, parts []providers.Part) (providers.Object, error) {
	sorted := append([]providers.Part(nil), parts...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Number < sorted[j].Number })
	completed := make([]types.CompletedPart, 0, len(sorted))
	var size int64
	for _, pt := range sorted {
		cp := types.CompletedPart{PartNumber: aws.Int32(int32(pt.Number)), ETag: aws.String(`"` + pt.ETag + `"`)}
		if v, ok := strings.CutPrefix(pt.Checksum, "CRC32C:"); ok {
			cp.ChecksumCRC32C = aws.String(v)
		}
		completed = append(completed, cp)
		size += pt.Size
	}
	out, err := p.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          aws.String(p.s3c.Bucket),
		Key:             aws.String(p.key(key)),
		UploadId:        aws.String(uploadID),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
	}, p.reported(ctx, "complete-multipart", "s3:PutObject", false))
	if err != nil {
		return providers.Object{}, p.mapErr("complete-multipart", "s3:PutObject", false, err)
	}
	return providers.Object{
		Key:       key,
		Size:      size,
		ETag:      trimETag(out.ETag),
		VersionID: aws.ToString(out.VersionId),
		Checksum:  checksumOf(out.ChecksumCRC32C, out.ChecksumCRC32, out.ChecksumCRC64NVME, out.ChecksumSHA256, out.ChecksumSHA1),
	}, nil
}

// AbortMultipart discards an upload; one already gone counts as aborted.
func (p *Provider) AbortMultipart(ctx context.Context, key, uploadID string) error {
	_, err := p.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket:   aws.String(p.s3c.Bucket),
		Key:      aws.String(p.key(key)),
		UploadId: aws.String(uploadID),
	}, p.reported(ctx, "abort-multipart", "s3:AbortMultipartUpload", false))
	err = p.mapErr("abort-multipart", "s3:AbortMultipartUpload", false, err)
	if errors.Is(err, providers.ErrNoSuchKey) {
		return nil
	}
	return err
}
