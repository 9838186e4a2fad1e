package s3

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stowage-dev/stowage/providers"
)

// Batch picks the store's own bulk-copy service for a copy from src into
// this location: MinIO's batch replicate job when the source is on a
// custom endpoint (MinIO runs it on the source's cluster and pushes to
// this location), S3 Batch Operations when both are on AWS.
func (p *Provider) Batch(ctx context.Context, src providers.Provider, opts providers.BatchOptions) (providers.Batch, error) {
	sp, ok := src.(*Provider)
	if !ok {
		return nil, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "batch",
			Hint: "the batch engine copies between two S3 locations (or two Azure containers); for another source use --engine stream"}
	}
	switch {
	case opts.ControlEndpoint != "":
		// An S3 Control endpoint of one's own (VPC, FIPS) means AWS.
		return newS3BatchOps(ctx, sp, p, opts)
	case sp.s3c.Endpoint != "":
		return newMinIOBatch(sp, p, opts)
	case p.s3c.Endpoint == "":
		return newS3BatchOps(ctx, sp, p, opts)
	}
	return nil, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "batch",
		Hint: fmt.Sprintf("source %q is on AWS and destination %q on %s: S3 Batch Operations copies only into AWS S3; use --engine stream", sp.loc.Name, p.loc.Name, p.s3c.Endpoint)}
}

// fullKeyJoin is where the S3 services put the copy of a source object:
// the destination's prefix joined with the source's full key, the way
// MinIO joins them (path.Join semantics, keeping a trailing slash).
func fullKeyJoin(dstPrefix, srcFullKey string) string {
	dp := strings.TrimSuffix(dstPrefix, "/")
	if dp == "" {
		return srcFullKey
	}
	j := dp + "/" + srcFullKey
	if needsClean(j) {
		c := path.Clean(j)
		if strings.HasSuffix(srcFullKey, "/") {
			c += "/"
		}
		return c
	}
	return j
}

// needsClean reports whether path.Clean would change p.
func needsClean(p string) bool {
	return strings.Contains(p, "//") || strings.Contains(p, "/./") || strings.Contains(p, "/../") ||
		strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..") || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../")
}

// roundTripper adapts the provider's HTTP client (which may carry a CA
// bundle) to the http.RoundTripper other clients take.
type roundTripper struct{ c aws.HTTPClient }

func (r roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return r.c.Do(req) }

var (
	_ providers.BatchCopier = (*Provider)(nil)
)
