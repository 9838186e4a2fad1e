package azure

import (
	"context"
	"sort"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/stowage-dev/stowage/providers"
)

// uncommittedRetention is how long Azure keeps uncommitted blocks: it
// discards them 7 days after the last one of the blob was staged (and
// at once when the blob is next committed).
const uncommittedRetention = "Azure discards a blob's uncommitted blocks 7 days after the last one was staged, and at once when the blob is next committed (the next export of the file does that)"

// ListUploads reports Stowage's unfinished block uploads: the uncommitted
// blocks of each blob under prefix, one Upload per upload ID in their
// block IDs. Azure keeps no upload object and no start time, so Initiated
// is zero. Blobs with nothing committed are found by listing with
// uncommitted blobs included (the l permission); a blob that has
// committed content and uncommitted blocks besides is found only when
// prefix names it exactly, as the export journal's keys do. Reading a
// block list needs the r permission.
func (p *Provider) ListUploads(ctx context.Context, prefix string, fn func(providers.Upload) error) error {
	if p.cfgErr != nil {
		e := *p.cfgErr
		e.Op = "list-uploads"
		return &e
	}
	full := p.prefix + prefix
	candidates := map[string]bool{}
	if prefix != "" {
		candidates[full] = true
	}
	opts := &container.ListBlobsFlatOptions{Include: container.ListBlobsInclude{UncommittedBlobs: true}}
	if full != "" {
		opts.Prefix = &full
	}
	pager := p.client.NewListBlobsFlatPager(opts)
	for pager.More() {
		page, err := pager.NextPage(p.reported(ctx, "list-uploads", full))
		if err != nil {
			return p.mapErr("list-uploads", full, err)
		}
		for _, it := range page.Segment.BlobItems {
			// A blob with only uncommitted blocks lists with no length
			// and no MD5; a committed empty blob is ruled out below.
			if it != nil && it.Name != nil && it.Properties != nil &&
				deref(it.Properties.ContentLength) == 0 && len(it.Properties.ContentMD5) == 0 {
				candidates[*it.Name] = true
			}
		}
	}
	blobs := make([]string, 0, len(candidates))
	for name := range candidates {
		blobs = append(blobs, name)
	}
	sort.Strings(blobs)
	for _, name := range blobs {
		resp, err := p.client.NewBlockBlobClient(name).GetBlockList(p.reported(ctx, "list-parts", name), blockblob.BlockListTypeUncommitted, nil)
		if err != nil {
			if bloberror.HasCode(err, bloberror.BlobNotFound) {
				continue
			}
			return p.mapErr("list-parts", name, err)
		}
		ids := map[string]bool{}
		for _, b := range resp.UncommittedBlocks {
			if b == nil || b.Name == nil {
				continue
			}
			raw, ok := decodeBlockID(*b.Name)
			if !ok {
				continue
			}
			if id := raw[:16]; validUploadID(id) {
				ids[id] = true
			}
		}
		sorted := make([]string, 0, len(ids))
		for id := range ids {
			sorted = append(sorted, id)
		}
		sort.Strings(sorted)
		for _, id := range sorted {
			if err := fn(providers.Upload{Key: p.key(name), UploadID: id}); err != nil {
				return err
			}
		}
	}
	return nil
}
