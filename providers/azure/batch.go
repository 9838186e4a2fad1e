package azure

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"golang.org/x/sync/errgroup"

	"github.com/stowage-dev/stowage/providers"
)

// EngineCopyBlob names Azure's Copy Blob from a URL.
const EngineCopyBlob = "azure-copy-blob"

// copyParallel is how many Copy Blob requests are started at once.
const copyParallel = 16

// copyBatch has Azure copy each blob from the source container (within
// the account or across accounts) through a read SAS on the source: the
// service copies, Stowage only starts the copies and polls their status.
type copyBatch struct {
	src, dst *Provider
	expiry   time.Duration
}

// Batch returns the Copy Blob engine for a copy from src (an Azure
// location) into this container.
func (p *Provider) Batch(ctx context.Context, src providers.Provider, opts providers.BatchOptions) (providers.Batch, error) {
	sp, ok := src.(*Provider)
	if !ok {
		return nil, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "batch",
			Hint: "Azure Copy Blob copies between Azure containers; for another source use --engine stream"}
	}
	for _, q := range []*Provider{sp, p} {
		if q.cfgErr != nil {
			e := *q.cfgErr
			e.Op = "batch"
			return nil, &e
		}
	}
	exp := opts.SASExpiry
	if exp <= 0 {
		exp = 24 * time.Hour
	}
	return &copyBatch{src: sp, dst: p, expiry: exp}, nil
}

func (b *copyBatch) Engine() string { return EngineCopyBlob }

func (b *copyBatch) Describe() string {
	return fmt.Sprintf("Azure Copy Blob: %s copies each blob from %s itself, reading through a read-only SAS", b.dst.account(), b.src.containerURL)
}

// DestKey keeps the source's full blob name under the destination's
// prefix, as the S3 batch services do.
func (b *copyBatch) DestKey(key string) string { return b.src.prefix + key }

func (b *copyBatch) Estimate(n int, bytes int64) providers.BatchEstimate {
	return providers.BatchEstimate{Lines: []string{
		"Azure bills each Copy Blob as a write operation on the destination (and a read on the source) at the accounts' tier prices; not estimated here.",
		"Within one region no data transfer is charged; across regions, egress from the source account is.",
	}}
}

// readSAS returns the query of a read-only SAS on the source container:
// the source's own SAS when its connection string holds one (it must
// allow read), or one Stowage signs with the source's account key.
func (b *copyBatch) readSAS() (string, error) {
	s := b.src
	switch s.cs.AuthKind() {
	case "sas":
		if !strings.Contains(s.sas.Get("sp"), "r") {
			return "", &providers.Error{Kind: providers.ErrInvalidConfig, Op: "batch", Action: "r",
				Hint: fmt.Sprintf("the SAS of source %q lacks r (read), which Copy Blob reads the source through; `stowage policy DEST --kind azure-source-sas --from %s` prints the command for one", s.name, s.name)}
		}
		return s.cs.SharedAccessSignature, nil
	}
	account, key := s.cs.AccountName, s.cs.AccountKey
	if s.cs.AuthKind() == "development-storage" {
		account, key = devAccountName, devAccountKey
	}
	cred, err := container.NewSharedKeyCredential(account, key)
	if err != nil {
		return "", &providers.Error{Kind: providers.ErrInvalidConfig, Op: "batch", Err: err,
			Hint: fmt.Sprintf("the account key of source %q cannot sign a SAS", s.name)}
	}
	proto := sas.ProtocolHTTPS
	if strings.HasPrefix(s.containerURL, "http://") {
		proto = sas.ProtocolHTTPSandHTTP // Azurite on loopback
	}
	qp, err := sas.BlobSignatureValues{
		Protocol:      proto,
		StartTime:     time.Now().Add(-5 * time.Minute).UTC(),
		ExpiryTime:    time.Now().Add(b.expiry).UTC(),
		Permissions:   (&sas.ContainerPermissions{Read: true}).String(),
		ContainerName: s.cfg.Container,
	}.SignWithSharedKey(cred)
	if err != nil {
		return "", &providers.Error{Kind: providers.ErrInvalidConfig, Op: "batch", Err: err, Hint: "cannot sign the source's read SAS"}
	}
	return qp.Encode(), nil
}

// sourceURL is the source blob's URL with the read SAS.
func (b *copyBatch) sourceURL(name, sasQuery string) (string, error) {
	u, err := url.Parse(b.src.client.NewBlobClient(name).URL())
	if err != nil {
		return "", err
	}
	u.RawQuery = sasQuery
	return u.String(), nil
}

func (b *copyBatch) Start(ctx context.Context, req providers.BatchRequest) (providers.BatchJob, error) {
	job := providers.BatchJob{Engine: EngineCopyBlob, Items: len(req.Items), Extra: map[string]string{}}
	job.Started = time.Now()
	if len(req.Items) == 0 {
		return job, nil
	}
	q, err := b.readSAS()
	if err != nil {
		return job, err
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(copyParallel)
	for _, it := range req.Items {
		g.Go(func() error {
			dname, err := b.dst.blobName("copy", b.DestKey(it.Key))
			if err != nil {
				mu.Lock()
				job.Extra["error:"+it.Key] = err.Error()
				mu.Unlock()
				return nil
			}
			su, err := b.sourceURL(b.src.prefix+it.Key, q)
			if err != nil {
				return err
			}
			_, err = b.dst.client.NewBlobClient(dname).StartCopyFromURL(gctx, su, nil)
			if err != nil {
				// The SDK's error may quote the source URL with its SAS.
				mapped := b.dst.mapErr("copy", dname, err)
				mu.Lock()
				job.Extra["error:"+it.Key] = redactSAS(mapped.Error(), q)
				mu.Unlock()
				if errors.Is(mapped, providers.ErrInvalidCredentials) || errors.Is(mapped, providers.ErrNoSuchBucket) {
					return mapped // every other copy would fail the same way
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return job, err
	}
	keys := make([]string, 0, len(req.Items))
	for _, it := range req.Items {
		keys = append(keys, b.DestKey(it.Key))
	}
	sort.Strings(keys)
	job.Extra["dest_prefix"] = commonPrefix(keys)
	return job, nil
}

func redactSAS(s, q string) string {
	if q == "" {
		return s
	}
	s = strings.ReplaceAll(s, q, "<SAS>")
	return strings.ReplaceAll(s, url.QueryEscape(q), "<SAS>")
}

func commonPrefix(sorted []string) string {
	if len(sorted) == 0 {
		return ""
	}
	a, z := sorted[0], sorted[len(sorted)-1]
	i := 0
	for i < len(a) && i < len(z) && a[i] == z[i] {
		i++
	}
	return a[:i]
}

// copyState is what the destination listing says of one copied blob.
type copyState struct {
	status      blob.CopyStatusType
	description string
	id          string
	size        int64
	etag        string
	md5         string
}

// states lists the destination under the job's prefix with copy
// properties, for the blobs copied from the source container.
func (b *copyBatch) states(ctx context.Context, job providers.BatchJob) (map[string]copyState, error) {
	full := b.dst.prefix + job.Extra["dest_prefix"]
	opts := &container.ListBlobsFlatOptions{Include: container.ListBlobsInclude{Copy: true}}
	if full != "" {
		opts.Prefix = &full
	}
	srcPath := ""
	if u, err := url.Parse(b.src.containerURL); err == nil {
		srcPath = u.Path + "/"
	}
	out := map[string]copyState{}
	pager := b.dst.client.NewListBlobsFlatPager(opts)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, b.dst.mapErr("list", full, err)
		}
		for _, it := range page.Segment.BlobItems {
			if it == nil || it.Name == nil || it.Properties == nil || it.Properties.CopySource == nil {
				continue
			}
			if u, err := url.Parse(*it.Properties.CopySource); err != nil || !strings.HasPrefix(u.Path, srcPath) {
				continue
			}
			pr := it.Properties
			st := copyState{size: deref(pr.ContentLength), etag: etag(pr.ETag), md5: md5String(pr.ContentMD5),
				description: deref(pr.CopyStatusDescription), id: deref(pr.CopyID)}
			if pr.CopyStatus != nil {
				st.status = *pr.CopyStatus
			}
			out[b.dst.key(*it.Name)] = st
		}
	}
	return out, nil
}

func (b *copyBatch) Status(ctx context.Context, job providers.BatchJob) (providers.BatchStatus, error) {
	st := providers.BatchStatus{Total: int64(job.Items), Done: true, State: "Complete", Updated: time.Now()}
	states, err := b.states(ctx, job)
	if err != nil {
		return st, err
	}
	for k := range job.Extra {
		if strings.HasPrefix(k, "error:") {
			st.FailedTasks++
		}
	}
	for _, s := range states {
		switch s.status {
		case blob.CopyStatusTypePending:
			st.Done, st.State = false, "Pending"
		case blob.CopyStatusTypeSuccess:
			st.Succeeded++
			st.Bytes += s.size
		default:
			st.FailedTasks++
		}
	}
	st.Succeeded = min(st.Succeeded, int64(job.Items))
	return st, nil
}

func (b *copyBatch) Cancel(ctx context.Context, job providers.BatchJob) error {
	states, err := b.states(ctx, job)
	if err != nil {
		return err
	}
	var errs []error
	for k, s := range states {
		if s.status != blob.CopyStatusTypePending {
			continue
		}
		name := b.dst.prefix + k
		if _, err := b.dst.client.NewBlobClient(name).AbortCopyFromURL(ctx, s.id, nil); err != nil {
			errs = append(errs, b.dst.mapErr("abort-copy", name, err))
		}
	}
	return errors.Join(errs...)
}

func (b *copyBatch) Results(ctx context.Context, job providers.BatchJob, items []providers.BatchItem, fn func(providers.BatchResult) error) error {
	states, err := b.states(ctx, job)
	if err != nil {
		return err
	}
	for _, it := range items {
		r := providers.BatchResult{Item: it, DestKey: b.DestKey(it.Key)}
		s, ok := states[r.DestKey]
		switch {
		case job.Extra["error:"+it.Key] != "":
			r.Reason = "Copy Blob was refused: " + job.Extra["error:"+it.Key]
		case !ok:
			r.Reason = "not in the destination after Copy Blob"
		case s.status == blob.CopyStatusTypeSuccess && s.size == it.Size:
			r.OK, r.ETag, r.Size, r.Checksum = true, s.etag, s.size, s.md5
		case s.status == blob.CopyStatusTypeSuccess:
			r.Reason = fmt.Sprintf("the copy holds %d bytes, the source %d", s.size, it.Size)
		case s.status == blob.CopyStatusTypePending:
			r.Reason = "the copy is still pending; the next run looks again"
		default:
			r.Reason = strings.TrimSpace(fmt.Sprintf("copy %s: %s", s.status, s.description))
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

var (
	_ providers.BatchCopier = (*Provider)(nil)
	_ providers.Batch       = (*copyBatch)(nil)
)

// Checks: the read SAS on the source can be had (signed with the source's
// key, or the source's own SAS allows read).
func (b *copyBatch) Checks(ctx context.Context) []providers.Check {
	var l providers.Checklist
	l.Run("batch-source-sas", "Read SAS on the source", func(c *providers.Check) {
		if _, err := b.readSAS(); err != nil {
			c.Status, c.Detail = providers.StatusFail, err.Error()
			var pe *providers.Error
			if errors.As(err, &pe) {
				c.Hint = pe.Hint
			}
			return
		}
		if b.src.cs.AuthKind() == "sas" {
			c.Detail = "the source's SAS allows read"
		} else {
			c.Detail = "signed with the source's account key, read only, for " + b.expiry.String()
		}
	})
	return l.Report.Checks
}
