package s3

import (
	"context"

	"github.com/stowage-dev/stowage/providers"
)

func newS3BatchOps(ctx context.Context, src, dst *Provider, opts providers.BatchOptions) (providers.Batch, error) {
	return nil, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "batch",
		Hint: "S3 Batch Operations is not available in this build; use --engine copy or stream"}
}
