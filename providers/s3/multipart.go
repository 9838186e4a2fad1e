package s3

import (
	"context"
	"errors"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
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
// and CRC32C part checksums unless the store refused them.
func (p *Provider) CreateMultipart(ctx context.Context, key string, opts providers.PutOptions) (string, error) {
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
		out, err := p.client.CreateMultipartUpload(ctx, in)
		if err != nil {
			return "", p.mapErr("create-multipart", "s3:PutObject", false, err)
		}
		return aws.ToString(out.UploadId), nil
	}
	checksummed := p.partsChecksummed()
	id, err := send(checksummed)
	if err == nil || !checksummed || p.checksums != config.ChecksumWhenRequired || !rejectsChecksumHeader(err) {
		return id, err
	}
	id2, err2 := send(false)
	if err2 != nil {
		return "", err
	}
	p.noChecksumHeaders.Store(true)
	return id2, nil
}

// UploadPart sends bytes [offset, offset+size) of src as part n, streamed
// from a section of the file.
func (p *Provider) UploadPart(ctx context.Context, key, uploadID string, n int, src *os.File, offset, size int64, opts providers.PutOptions) (providers.Part, error) {
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
			return providers.Part{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "upload-part",
				Hint: "the file to upload cannot be read", Err: err}
		}
		local = sum
		in.ChecksumCRC32C = aws.String(sum)
	}
	out, err := p.client.UploadPart(ctx, in)
	if err != nil {
		err = p.mapErr("upload-part", "s3:PutObject", false, err)
		if local == "" || !rejectsChecksumHeader(err) {
			return providers.Part{}, err
		}
		// An upload resumed from an earlier run on a store that refuses
		// checksum headers: send the part without one.
		in.ChecksumCRC32C = nil
		in.Body = newProgressReader(io.NewSectionReader(src, offset, size), opts.Progress)
		out2, err2 := p.client.UploadPart(ctx, in)
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
		page, err := pager.NextPage(ctx)
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
	})
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
	})
	err = p.mapErr("abort-multipart", "s3:AbortMultipartUpload", false, err)
	if errors.Is(err, providers.ErrNoSuchKey) {
		return nil
	}
	return err
}
