package azure

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/stowage-dev/stowage/providers"
)

// Block limits of a block blob (service version 2019-12-12 and later).
const (
	minBlock  = 1 << 20
	maxBlock  = 4000 << 20
	maxBlocks = 50000
)

// PartLimits returns the block size limits and the maximum block count.
// Azure itself accepts blocks smaller than 1 MiB; the floor keeps the
// request count sane.
func (p *Provider) PartLimits() (minSize, maxSize int64, parts int) {
	return minBlock, maxBlock, maxBlocks
}

// blockID is the base64 block ID of part n. Every ID of a blob must have
// the same length, so the number is zero-padded to a fixed width; the
// upload ID in it tells this upload's blocks apart from another's.
func blockID(uploadID string, n int) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%s-%06d", uploadID, n)))
}

// decodeBlockID returns the text of a block ID made by blockID
// ("UPLOADID-NNNNNN"), false for any other block ID.
func decodeBlockID(id string) (string, bool) {
	raw, err := base64.StdEncoding.DecodeString(id)
	if err != nil || len(raw) != 16+1+6 || raw[16] != '-' {
		return "", false
	}
	return string(raw), true
}

// partNumber parses a block ID made by blockID for uploadID.
func partNumber(uploadID, id string) (int, bool) {
	raw, err := base64.StdEncoding.DecodeString(id)
	if err != nil {
		return 0, false
	}
	num, ok := strings.CutPrefix(string(raw), uploadID+"-")
	if !ok || len(num) != 6 {
		return 0, false
	}
	n, err := strconv.Atoi(num)
	return n, err == nil && n >= 1
}

func validUploadID(id string) bool {
	if len(id) != 16 {
		return false
	}
	for _, c := range id {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

func (p *Provider) checkUpload(op, key, uploadID string) (string, error) {
	name, err := p.blobName(op, key)
	if err != nil {
		return "", err
	}
	if !validUploadID(uploadID) {
		return "", &providers.Error{Kind: providers.ErrInvalidConfig, Op: op, Code: "NoSuchUpload",
			Hint: fmt.Sprintf("upload ID %q is not one Stowage made (16 hex digits); start the file again", uploadID)}
	}
	return name, nil
}

// CreateMultipart starts a block upload. Azure keeps no upload object: the
// ID only names this upload's blocks, so nothing is sent yet.
func (p *Provider) CreateMultipart(ctx context.Context, key string, _ providers.PutOptions) (string, error) {
	if _, err := p.blobName("create-multipart", key); err != nil {
		return "", err
	}
	return newUploadID(), nil
}

// StartsUploadsLocally is true: CreateMultipart sends nothing
// (providers.LocalUploadStart).
func (p *Provider) StartsUploadsLocally() bool { return true }

// UploadPart stages bytes [offset, offset+size) of src as block n, with
// its MD5 so the service rejects a corrupted block.
func (p *Provider) UploadPart(ctx context.Context, key, uploadID string, n int, src providers.Body, offset, size int64, opts providers.PutOptions) (providers.Part, error) {
	name, err := p.checkUpload("upload-part", key, uploadID)
	if err != nil {
		return providers.Part{}, err
	}
	if n < 1 || n > maxBlocks {
		return providers.Part{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "upload-part",
			Hint: fmt.Sprintf("part number %d is outside 1..%d", n, maxBlocks)}
	}
	if size > maxBlock {
		return providers.Part{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "upload-part",
			Hint: fmt.Sprintf("part %d is %d bytes; Azure blocks hold at most %d (4000 MiB)", n, size, int64(maxBlock))}
	}
	sum, err := md5Range(ctx, src, offset, size)
	if err != nil {
		return providers.Part{}, p.fileErr("upload-part", src, err)
	}
	id := blockID(uploadID, n)
	var body io.ReadSeekCloser = streaming.NopCloser(io.NewSectionReader(src, offset, size))
	if opts.Progress != nil {
		body = &progressReader{r: io.NewSectionReader(src, offset, size), fn: opts.Progress}
	}
	_, err = p.client.NewBlockBlobClient(name).StageBlock(p.reported(ctx, "upload-part", name), id, body,
		&blockblob.StageBlockOptions{TransactionalValidation: blob.TransferValidationTypeMD5(sum)})
	if err != nil {
		return providers.Part{}, p.mapErr("upload-part", name, err)
	}
	return providers.Part{Number: n, Size: size, ETag: id, Checksum: md5String(sum)}, nil
}

// ListParts returns the blocks of this upload the service holds: the
// uncommitted ones and the committed ones too (the upload ID is random, so
// a committed block of it means a run committed this upload and stopped
// before it learnt so: the blob is whole, the parts need no sending again,
// and committing them once more keeps it as it is). Azure does not
// keep a block's MD5, so Checksum is empty; the service verified each block
// when it was staged. Uncommitted blocks expire 7 days after the last one
// was staged, and then the list is empty and every part is sent again.
func (p *Provider) ListParts(ctx context.Context, key, uploadID string) ([]providers.Part, error) {
	name, err := p.checkUpload("list-parts", key, uploadID)
	if err != nil {
		return nil, err
	}
	resp, err := p.client.NewBlockBlobClient(name).GetBlockList(p.reported(ctx, "list-parts", name), blockblob.BlockListTypeAll, nil)
	if err != nil {
		// No blob and no blocks yet: nothing was uploaded.
		if bloberror.HasCode(err, bloberror.BlobNotFound) {
			return nil, nil
		}
		return nil, p.mapErr("list-parts", name, err)
	}
	byNumber := map[int]providers.Part{}
	add := func(blocks []*blockblob.Block) {
		for _, b := range blocks {
			if b == nil || b.Name == nil {
				continue
			}
			if n, ok := partNumber(uploadID, *b.Name); ok {
				byNumber[n] = providers.Part{Number: n, Size: deref(b.Size), ETag: *b.Name}
			}
		}
	}
	// Committed first: an uncommitted block of the same ID is newer and
	// is the one a commit ("Latest") takes.
	add(resp.CommittedBlocks)
	add(resp.UncommittedBlocks)
	parts := make([]providers.Part, 0, len(byNumber))
	for _, pt := range byNumber {
		parts = append(parts, pt)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	return parts, nil
}

// CompleteMultipart commits the blocks in part-number order. The blob gets
// no Content-MD5 (the whole file's MD5 is not known here), so the returned
// Checksum is empty; each block was verified by MD5 when staged.
func (p *Provider) CompleteMultipart(ctx context.Context, key, uploadID string, parts []providers.Part) (providers.Object, error) {
	name, err := p.checkUpload("complete-multipart", key, uploadID)
	if err != nil {
		return providers.Object{}, err
	}
	if len(parts) == 0 {
		return providers.Object{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "complete-multipart",
			Hint: "no parts given; upload at least one part first"}
	}
	ordered := append([]providers.Part(nil), parts...)
	sort.Slice(ordered, func(i, j int) bool { return ordered[i].Number < ordered[j].Number })
	ids := make([]string, len(ordered))
	var size int64
	for i, pt := range ordered {
		if i > 0 && ordered[i-1].Number == pt.Number {
			return providers.Object{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "complete-multipart",
				Hint: fmt.Sprintf("part %d is listed twice", pt.Number)}
		}
		ids[i] = blockID(uploadID, pt.Number)
		size += pt.Size
	}
	resp, err := p.client.NewBlockBlobClient(name).CommitBlockList(p.reported(ctx, "complete-multipart", name), ids, &blockblob.CommitBlockListOptions{
		HTTPHeaders: &blob.HTTPHeaders{BlobContentType: ptr(contentType(key, ""))},
	})
	if err != nil {
		return providers.Object{}, p.mapErr("complete-multipart", name, err)
	}
	return providers.Object{Key: key, Size: size, ETag: etag(resp.ETag), VersionID: deref(resp.VersionID),
		Modified: deref(resp.LastModified)}, nil
}

// AbortMultipart cannot discard anything on the service: Azure has no call
// that drops uncommitted blocks short of committing or deleting the blob
// (which would replace or delete an existing object under the same key).
// It says so rather than pretend: the blocks stay until Azure discards
// them (uncommittedRetention).
func (p *Provider) AbortMultipart(ctx context.Context, key, uploadID string) error {
	name, err := p.checkUpload("abort-multipart", key, uploadID)
	if err != nil {
		return err
	}
	return &providers.Error{Kind: providers.ErrCannotAbort, Op: "abort-multipart", Resource: p.containerURL + "/" + name,
		Hint: uncommittedRetention}
}
