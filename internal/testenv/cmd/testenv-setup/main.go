// Command testenv-setup is the Go half of scripts/servers.sh: it writes the
// self-signed certificates MinIO serves and provisions a bucket, an IAM user
// and an Azure container with a SAS on the started servers, printing shell
// lines that the script saves to .tools/servers.env.
//
// Usage:
//
//	testenv-setup certs DIR
//	testenv-setup provision   (reads the variables listed in provisionEnv)
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/madmin-go/v3"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/stowage-dev/stowage/internal/testenv"
)

// provisionEnv lists the variables `provision` reads.
var provisionEnv = []string{
	"MINIO_ENDPOINT", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "MINIO_CA_FILE",
	"S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY",
	"AZURITE_ENDPOINT", "AZURE_CONTAINER",
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "testenv-setup:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	switch {
	case len(args) == 2 && args[0] == "certs":
		_, err := testenv.WriteCerts(args[1])
		return err
	case len(args) == 1 && args[0] == "provision":
		env := map[string]string{}
		for _, k := range provisionEnv {
			env[k] = os.Getenv(k)
			if env[k] == "" {
				return fmt.Errorf("environment variable %s is not set", k)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := provisionS3(ctx, env); err != nil {
			return err
		}
		return provisionAzure(ctx, env)
	default:
		return errors.New(`usage: testenv-setup certs DIR | testenv-setup provision`)
	}
}

// bucketPolicy is the least privilege an export destination needs; the try-it
// user gets exactly this, as a customer's IAM user would.
const bucketPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket"], "Resource": ["arn:aws:s3:::%[1]s"]},
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], "Resource": ["arn:aws:s3:::%[1]s/*"]}
  ]
}`

func provisionS3(ctx context.Context, env map[string]string) error {
	pool, err := testenv.LoadCAPool(env["MINIO_CA_FILE"])
	if err != nil {
		return err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil
	transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}

	client := s3.New(s3.Options{
		Region:                     testenv.DefaultRegion,
		BaseEndpoint:               aws.String(env["MINIO_ENDPOINT"]),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(env["MINIO_ROOT_USER"], env["MINIO_ROOT_PASSWORD"], ""),
		HTTPClient:                 &http.Client{Transport: transport},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	bucket := env["S3_BUCKET"]
	_, err = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	var owned *s3types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}

	u, err := url.Parse(env["MINIO_ENDPOINT"])
	if err != nil {
		return err
	}
	adm, err := madmin.NewWithOptions(u.Host, &madmin.Options{
		Creds:     miniocreds.NewStaticV4(env["MINIO_ROOT_USER"], env["MINIO_ROOT_PASSWORD"], ""),
		Secure:    u.Scheme == "https",
		Transport: transport,
	})
	if err != nil {
		return err
	}
	policy := "stowage-try-" + bucket
	if err := adm.AddCannedPolicy(ctx, policy, fmt.Appendf(nil, bucketPolicy, bucket)); err != nil {
		return fmt.Errorf("add policy %s: %w", policy, err)
	}
	// AddUser overwrites an existing user's secret, so reruns stay consistent
	// with the keys saved in servers.env.
	if err := adm.AddUser(ctx, env["S3_ACCESS_KEY_ID"], env["S3_SECRET_ACCESS_KEY"]); err != nil {
		return fmt.Errorf("add user %s: %w", env["S3_ACCESS_KEY_ID"], err)
	}
	_, err = adm.AttachPolicy(ctx, madmin.PolicyAssociationReq{Policies: []string{policy}, User: env["S3_ACCESS_KEY_ID"]})
	if err != nil && !strings.Contains(err.Error(), "already") {
		return fmt.Errorf("attach policy %s: %w", policy, err)
	}
	return nil
}

func provisionAzure(ctx context.Context, env map[string]string) error {
	shared := fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;",
		testenv.AzuriteAccountName, testenv.AzuriteAccountKey, env["AZURITE_ENDPOINT"])
	client, err := azblob.NewClientFromConnectionString(shared, nil)
	if err != nil {
		return err
	}
	container := env["AZURE_CONTAINER"]
	_, err = client.CreateContainer(ctx, container, nil)
	var re *azcore.ResponseError
	if err != nil && !(errors.As(err, &re) && re.ErrorCode == "ContainerAlreadyExists") {
		return fmt.Errorf("create container %s: %w", container, err)
	}
	sas, err := testenv.ContainerSASConnectionString(env["AZURITE_ENDPOINT"], testenv.AzuriteAccountName,
		testenv.AzuriteAccountKey, container, "racwdl", time.Now().Add(30*24*time.Hour))
	if err != nil {
		return err
	}
	// Printed for servers.sh to save in the 0600 env file; never logged.
	fmt.Printf("export STOWAGE_AZURE_CONNECTION_STRING='%s'\n", sas)
	fmt.Printf("export STOWAGE_AZURE_ACCOUNT_CONNECTION_STRING='%s'\n", shared)
	return nil
}
