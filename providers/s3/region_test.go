package s3

import (
	"context"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
)

// TestDetectRegion finds a MinIO bucket's region with the location's keys,
// even when the location names another region.
func TestDetectRegion(t *testing.T) {
	m := testenv.StartMinIO(t, testenv.MinIOOptions{TLS: true, Region: "eu-west-2"})
	bucket := testenv.UniqueName("region")
	m.CreateBucket(t, bucket)
	loc := config.Location{Name: "r", Type: config.TypeS3, S3: &config.S3{
		Bucket: bucket, Region: "us-east-1", Auth: config.AuthKeys,
		AccessKeyID: m.RootUser, SecretAccessKey: m.RootPassword,
		Endpoint: m.Endpoint, PathStyle: true, CABundle: m.CAFile, ChecksumMode: config.ChecksumWhenRequired,
	}}
	p, err := Open(context.Background(), loc, providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, ok := p.(providers.RegionDetector)
	if !ok {
		t.Fatal("the S3 provider does not detect regions")
	}
	got, err := d.DetectRegion(context.Background())
	if err != nil || got != "eu-west-2" {
		t.Fatalf("DetectRegion = %q, %v; want eu-west-2", got, err)
	}
	// MinIO answers a request signed for the wrong region with its own
	// region before looking for the bucket, so ask in the right one.
	loc.S3.Bucket, loc.S3.Region = testenv.UniqueName("missing"), "eu-west-2"
	p, _ = Open(context.Background(), loc, providers.Options{})
	if got, err := p.(providers.RegionDetector).DetectRegion(context.Background()); err == nil {
		t.Fatalf("DetectRegion of a missing bucket succeeded: %q", got)
	}
}
