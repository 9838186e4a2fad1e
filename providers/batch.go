package providers

import (
	"context"
	"time"
)

// BatchCopier is implemented by destination providers whose store can copy
// objects from a source location itself, without the bytes passing through
// Stowage: MinIO's batch replicate job, S3 Batch Operations, Azure Copy
// Blob from a URL.
type BatchCopier interface {
	// Batch prepares a batch copy from src (another open provider of a
	// location) into this location. It makes no request. An error of kind
	// ErrInvalidConfig says why the pair cannot be copied this way.
	Batch(ctx context.Context, src Provider, opts BatchOptions) (Batch, error)
}

// BatchOptions tune a batch copy; each service reads the fields it knows.
type BatchOptions struct {
	// Attempts is how often the service retries failed objects within one
	// job (MinIO's flags.retry.attempts); zero means the service default.
	Attempts int
	// RetryDelay is the least wait between those retries.
	RetryDelay time.Duration

	// S3 Batch Operations.
	// RoleARN is the role the Batch Operations job runs as (it trusts
	// batchoperations.s3.amazonaws.com).
	RoleARN string
	// AccountID owns the job; empty means the account of RoleARN.
	AccountID string
	// ManifestBucket and ManifestPrefix say where Stowage writes the job's
	// manifest CSV; empty means the destination bucket under
	// ".stowage-batch/manifests/".
	ManifestBucket, ManifestPrefix string
	// ReportBucket and ReportPrefix receive the completion report; empty
	// means the destination bucket under ".stowage-batch/reports/".
	ReportBucket, ReportPrefix string
	// Priority of the job (higher runs first); zero means 10.
	Priority int32
	// ControlEndpoint replaces AWS's S3 Control endpoint (a VPC endpoint,
	// FIPS), used as given; setting it selects S3 Batch Operations. Empty
	// means AWS's own for the destination's region.
	ControlEndpoint string
	// Token identifies the request, so a retried CreateJob does not create
	// a second job; empty means a new random one.
	Token string

	// Azure: SASExpiry is how long the read SAS on the source stays valid;
	// zero means 24 hours.
	SASExpiry time.Duration
}

// BatchItem is one source object a batch copy is asked to copy.
type BatchItem struct {
	// Key in the source, relative to the source location's prefix.
	Key       string
	Size      int64
	ETag      string
	VersionID string
}

// BatchRequest is what one Start is asked to copy.
type BatchRequest struct {
	// Prefix (relative to the source location's prefix) the items were
	// listed under.
	Prefix string
	// Items to copy, in key order.
	Items []BatchItem
	// All is true when Items are every object under Prefix, so a service
	// may copy the prefix as a whole.
	All bool
}

// BatchJob is a started batch copy; its fields are what a later run needs
// to find it again (they are saved in the journal).
type BatchJob struct {
	// Engine names the service ("minio-replicate", "s3-batch-operations",
	// "azure-copy-blob").
	Engine string `json:"engine"`
	// IDs of the service's jobs (a request too large for one job is split).
	IDs []string `json:"ids"`
	// Items is the number of objects asked for.
	Items int `json:"items"`
	// Started is when Start returned.
	Started time.Time `json:"started"`
	// Extra is service-specific state (report location, manifest ETag).
	Extra map[string]string `json:"extra,omitempty"`
}

// BatchStatus is a snapshot of a job's progress.
type BatchStatus struct {
	// State is the service's word for it ("Active", "Complete", ...).
	State string
	// Done is true once the job will change nothing more.
	Done bool
	// Failed is true when the job as a whole failed (not single objects).
	Failed bool
	// Reason says why a job failed or is stuck, when the service says.
	Reason string
	// Total, Succeeded and FailedTasks count objects (tasks); Total may be
	// zero until the service has read its manifest.
	Total, Succeeded, FailedTasks int64
	// Bytes copied so far, when the service reports it.
	Bytes int64
	// Updated is when the service last recorded progress.
	Updated time.Time
}

// BatchResult is the outcome of one item after its job ended.
type BatchResult struct {
	Item BatchItem
	// DestKey is where the copy went, relative to the destination's prefix.
	DestKey string
	OK      bool
	// Reason says why the item was not copied (OK false).
	Reason    string
	ETag      string
	VersionID string
	Checksum  string
	Size      int64
}

// BatchEstimate is what a job would cost at the service's published prices.
type BatchEstimate struct {
	// USD is the estimate in US dollars; Free is true when the service
	// charges nothing for the job itself (MinIO on one's own servers).
	USD  float64
	Free bool
	// Lines explain the estimate: prices, their source page, assumptions.
	Lines []string
}

// Batch is one prepared batch copy between two locations.
type Batch interface {
	// Engine names the service, as BatchJob.Engine.
	Engine() string
	// Describe says in a few words what the service does, for screens.
	Describe() string
	// DestKey is the key (relative to the destination's prefix) the copy
	// of a source key (relative to the source's prefix) gets. The S3
	// services keep the source's full key under the destination's prefix.
	DestKey(key string) string
	// Estimate returns the cost of copying n objects of bytes in total.
	Estimate(n int, bytes int64) BatchEstimate
	// Start submits req to the service and returns the started job.
	Start(ctx context.Context, req BatchRequest) (BatchJob, error)
	// Status reports a started job's progress.
	Status(ctx context.Context, job BatchJob) (BatchStatus, error)
	// Cancel asks the service to stop the job.
	Cancel(ctx context.Context, job BatchJob) error
	// Results calls fn with each item's outcome once the job is done;
	// items are those of the request the job was started with.
	Results(ctx context.Context, job BatchJob, items []BatchItem, fn func(BatchResult) error) error
}

// BatchChecker is implemented by batch copies that can check beforehand
// what the job will need (permissions, the source's SAS). A check that
// cannot be made says so (StatusSkipped and why).
type BatchChecker interface {
	Checks(ctx context.Context) []Check
}
