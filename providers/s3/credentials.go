package s3

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

const (
	// defaultSessionDuration is used when Platform.SessionDuration is zero.
	defaultSessionDuration = time.Hour
	// expiryWindow renews assumed-role credentials this long before they
	// expire, so a part upload never starts with credentials that lapse
	// mid-request during a long export.
	expiryWindow = 5 * time.Minute
	// maxSessionName is STS's limit on RoleSessionName.
	maxSessionName = 64
)

// newRetryer is the SDK's standard retryer without its client-side retry
// token bucket: with dozens of uploads in flight, a burst of throttling
// would otherwise drain the bucket and turn every later retry into an
// immediate failure ("retry quota exceeded").
func newRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.RateLimiter = ratelimit.None
	})
}

var sessionNameBad = regexp.MustCompile(`[^\w+=,.@-]`)

// SessionName returns the RoleSessionName Stowage uses for a location: it
// shows up in the customer's CloudTrail, so it names the location.
func SessionName(location string) string {
	name := "stowage-" + sessionNameBad.ReplaceAllString(location, "-")
	if location == "" {
		name = "stowage"
	}
	if len(name) > maxSessionName {
		name = name[:maxSessionName]
	}
	return name
}

// loadBaseConfig loads the platform's own AWS configuration through the
// default chain (environment, shared config and credentials files with the
// platform's profile, SSO, container and instance roles).
func loadBaseConfig(ctx context.Context, platform config.Platform, region string, hc aws.HTTPClient) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithHTTPClient(hc),
		awsconfig.WithRetryer(newRetryer),
	}
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	if platform.AWSProfile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(platform.AWSProfile))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		hint := "the platform's AWS configuration cannot be loaded; check ~/.aws/config and ~/.aws/credentials"
		var missing awsconfig.SharedConfigProfileNotExistError
		if errors.As(err, &missing) {
			hint = fmt.Sprintf("the AWS profile %q is not in the shared config files; set aws_profile (or AWS_PROFILE) to a profile from ~/.aws/config", missing.Profile)
		}
		return aws.Config{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "load-aws-config", Hint: hint,
			Err: errors.New(err.Error())}
	}
	if cfg.Region == "" {
		// STS is global in the aws partition; us-east-1 answers for it.
		cfg.Region = "us-east-1"
	}
	return cfg, nil
}

// stsOptions points STS at a custom endpoint: MinIO serves STS at the root of
// its S3 endpoint.
func stsOptions(endpoint string) func(*sts.Options) {
	return func(o *sts.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}
}

// assumeRoleProvider returns the refreshing credentials of loc's role,
// assumed with the base credentials in base.
func assumeRoleProvider(stsClient *sts.Client, loc config.Location, externalID string, d time.Duration) aws.CredentialsProvider {
	if d <= 0 {
		d = defaultSessionDuration
	}
	prov := stscreds.NewAssumeRoleProvider(stsClient, loc.S3.RoleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = SessionName(loc.Name)
		o.Duration = d
		if externalID != "" {
			o.ExternalID = aws.String(externalID)
		}
	})
	return aws.NewCredentialsCache(prov, func(o *aws.CredentialsCacheOptions) {
		o.ExpiryWindow = expiryWindow
	})
}

// staticConfig is an aws.Config with static keys that reads no shared
// config files: keys mode must not depend on the machine's AWS setup.
func staticConfig(region, accessKey, secretKey string, hc aws.HTTPClient) aws.Config {
	return aws.Config{
		Region:      region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")),
		HTTPClient:  hc,
		Retryer:     newRetryer,
	}
}

// DetectPrincipal returns the root ARN of the account whose base credentials
// the platform uses (arn:<partition>:iam::<account>:root), found with
// sts:GetCallerIdentity. It is the principal a customer's trust policy names;
// callers may override it with Platform.PrincipalARNs. endpoint is a custom
// STS endpoint ("" for AWS).
func DetectPrincipal(ctx context.Context, platform config.Platform, endpoint string) (string, error) {
	hc, err := newHTTPClient("", 1)
	if err != nil {
		return "", err
	}
	base, err := loadBaseConfig(ctx, platform, "", hc)
	if err != nil {
		return "", err
	}
	out, err := sts.NewFromConfig(base, stsOptions(endpoint)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", classify(err, errInput{Op: "caller-identity", Action: "sts:GetCallerIdentity", Host: hostOf(endpoint, base.Region)})
	}
	return rootARN(aws.ToString(out.Arn), aws.ToString(out.Account))
}

// rootARN builds the account root principal from a caller ARN, keeping its
// partition (aws, aws-cn, aws-us-gov).
func rootARN(callerARN, account string) (string, error) {
	parts := strings.SplitN(callerARN, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" || parts[1] == "" {
		return "", &providers.Error{Kind: providers.ErrServer, Op: "caller-identity",
			Err: fmt.Errorf("GetCallerIdentity returned ARN %q, not of the form arn:partition:service::account:resource", callerARN)}
	}
	if account == "" {
		account = parts[4]
	}
	if account == "" {
		return "", &providers.Error{Kind: providers.ErrServer, Op: "caller-identity",
			Err: fmt.Errorf("GetCallerIdentity returned no account for %q", callerARN)}
	}
	return fmt.Sprintf("arn:%s:iam::%s:root", parts[1], account), nil
}
