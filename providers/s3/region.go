package s3

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/stowage-dev/stowage/providers"
)

var _ providers.RegionDetector = (*Provider)(nil)

// DetectRegion finds the region the bucket is in. On AWS it first asks
// without credentials: S3 names a bucket's region in the x-amz-bucket-region
// header of every HEAD answer, even a 403 or a redirect, so the wizard can
// fill in the region before the role's trust policy exists. With a custom
// endpoint, or when that says nothing, it asks with the location's
// credentials (HeadBucket, then GetBucketLocation).
func (p *Provider) DetectRegion(ctx context.Context) (string, error) {
	if p.s3c.Endpoint == "" {
		if region := anonymousBucketRegion(ctx, p.s3c.Region, p.s3c.Bucket); region != "" {
			return region, nil
		}
	}
	r := &testRun{p: p, ctx: ctx}
	return r.detectRegion()
}

// anonymousBucketRegion sends an unsigned HEAD for bucket to the regional
// endpoint of hint (us-east-1 when empty) and returns the region header, or
// "" when there is none (network error, or no such bucket).
func anonymousBucketRegion(ctx context.Context, hint, bucket string) string {
	if hint == "" {
		hint = "us-east-1"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := "https://" + regionalHost(hint) + "/" + url.PathEscape(bucket)
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	if err != nil {
		return ""
	}
	client := &http.Client{
		// A redirect to the right region still carries the header: read it
		// from the first answer instead of following.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return ""
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return ""
	}
	return resp.Header.Get("X-Amz-Bucket-Region")
}
