package export

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
)

// checkByID indexes checks by ID, failing on a duplicate.
func checkByID(t *testing.T, cs []providers.Check) map[string]providers.Check {
	t.Helper()
	m := map[string]providers.Check{}
	for _, c := range cs {
		if _, dup := m[c.ID]; dup {
			t.Fatalf("check %s twice: %+v", c.ID, cs)
		}
		m[c.ID] = c
		t.Logf("%-8s %-18s %s | %s", c.Status, c.ID, c.Detail, c.Hint)
	}
	return m
}

func wantStatus(t *testing.T, m map[string]providers.Check, id string, s providers.Status, detail ...string) providers.Check {
	t.Helper()
	c, ok := m[id]
	if !ok {
		t.Fatalf("no check %s", id)
	}
	if c.Status != s {
		t.Errorf("%s: %s (%s), want %s", id, c.Status, c.Detail, s)
	}
	for _, d := range detail {
		if !strings.Contains(c.Detail, d) {
			t.Errorf("%s: detail %q does not say %q", id, c.Detail, d)
		}
	}
	return c
}

// sourceCheckObjects are engineObjects without the large ones: the checks
// read one byte.
var sourceCheckObjects = map[string]int{
	"rec/2024/a.wav": 1500, "rec/2024/b.wav": 300, "rec/2024/c.wav": 20,
	"rec/2024/big.wav": 17, "rec/2024/skip.txt": 10, "rec/elsewhere.wav": 5,
}

// newSourceCheckServers are engineServers reached directly: the checks
// count no bytes, and the forwarder would hold the test until the
// clients' idle connections close.
func newSourceCheckServers(t *testing.T) *engineServers {
	es := newEngineServers(t, sourceCheckObjects)
	es.fw = &countingForwarder{Endpoint: es.m.Endpoint}
	return es
}

func reportOK(cs []providers.Check) bool { return providers.Report{Checks: cs}.OK() }

// TestCheckSourceCopyAllowed: a destination holding the generated
// copy-source statement reads the source; every check passes and auto
// says copy, in ChooseEngine's words.
func TestCheckSourceCopyAllowed(t *testing.T) {
	es := newSourceCheckServers(t)
	from := es.source(t)
	from.Prefix = "2024/"
	dst, _ := es.customer(t, true)
	var emitted int
	cs := CheckSource(context.Background(), dst, "customer", from, SourceCheckOptions{Emit: func(providers.Check) { emitted++ }})
	m := checkByID(t, cs)
	wantStatus(t, m, "source-list", providers.StatusPass, "5 objects under 2024/")
	wantStatus(t, m, "source-read", providers.StatusPass, "2024/a.wav")
	wantStatus(t, m, "source-copy-read", providers.StatusPass)
	_, why, _ := ChooseEngine(context.Background(), dst, "customer", from, EngineAuto)
	wantStatus(t, m, "source-engine", providers.StatusPass, "copy: "+why)
	if !reportOK(cs) || len(cs) != 4 || emitted != 8 {
		t.Errorf("ok %v, %d checks, %d emitted; want ok, 4, 8", reportOK(cs), len(cs), emitted)
	}
}

// TestCheckSourceCopyDenied: without the copy-source statement the
// destination may not read the source: the copy check fails naming the
// document that fixes it, auto says stream; with --engine copy the engine
// check fails too and the test is not OK.
func TestCheckSourceCopyDenied(t *testing.T) {
	es := newSourceCheckServers(t)
	from := es.source(t)
	from.Prefix = "2024/"
	dst, _ := es.customer(t, false)
	cs := CheckSource(context.Background(), dst, "customer", from, SourceCheckOptions{Engine: EngineAuto})
	m := checkByID(t, cs)
	wantStatus(t, m, "source-list", providers.StatusPass)
	wantStatus(t, m, "source-read", providers.StatusPass)
	c := wantStatus(t, m, "source-copy-read", providers.StatusFail, "may not read the source", "s3:GetObject", "auto will stream instead")
	if !strings.Contains(c.Hint, "stowage policy customer --kind copy-source --from platform:2024/") {
		t.Errorf("copy-read hint %q does not name the copy-source document", c.Hint)
	}
	wantStatus(t, m, "source-engine", providers.StatusPass, "stream: ", "--kind copy-source")
	if !reportOK(cs) {
		t.Error("with auto, a source the destination cannot read streams: the test should still pass")
	}
	cs = CheckSource(context.Background(), dst, "customer", from, SourceCheckOptions{Engine: EngineCopy})
	m = checkByID(t, cs)
	wantStatus(t, m, "source-copy-read", providers.StatusFail)
	wantStatus(t, m, "source-engine", providers.StatusFail, "copy engine cannot be used")
	if reportOK(cs) || m["source-copy-read"].Advisory {
		t.Error("--engine copy on a source the destination cannot read: the test should fail")
	}
}

// TestCheckSourceCannotList: a source whose own credentials may read but
// not list fails the list check naming s3:ListBucket; what needs a listed
// object says not run, and why.
func TestCheckSourceCannotList(t *testing.T) {
	es := newSourceCheckServers(t)
	loc := es.loc("platform", es.srcBucket, "rec/")
	loc.S3.AccessKeyID, loc.S3.SecretAccessKey = es.m.CreateUser(t, fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%s/rec/*"]}]}`, es.srcBucket))
	src, err := providers.Open(context.Background(), loc, providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dst, _ := es.customer(t, true)
	cs := CheckSource(context.Background(), dst, "customer", FromLocation{Name: "platform", Provider: src}, SourceCheckOptions{})
	m := checkByID(t, cs)
	wantStatus(t, m, "source-list", providers.StatusFail, "s3:ListBucket", `"platform"`)
	wantStatus(t, m, "source-read", providers.StatusSkipped, "not run: the source could not be listed")
	wantStatus(t, m, "source-copy-read", providers.StatusSkipped, "not run: ")
	wantStatus(t, m, "source-engine", providers.StatusSkipped, "not run: ")
	if reportOK(cs) {
		t.Error("a source that cannot be listed should fail the test")
	}
}

// TestCheckSourceEmptyPrefix: nothing under the prefix: the list says so,
// the read and the copy probe say not run, and why.
func TestCheckSourceEmptyPrefix(t *testing.T) {
	es := newSourceCheckServers(t)
	from := es.source(t)
	from.Prefix = "2031/"
	dst, _ := es.customer(t, true)
	cs := CheckSource(context.Background(), dst, "customer", from, SourceCheckOptions{})
	m := checkByID(t, cs)
	wantStatus(t, m, "source-list", providers.StatusPass, "2031/ is empty")
	wantStatus(t, m, "source-read", providers.StatusSkipped, "not run: the prefix is empty")
	wantStatus(t, m, "source-copy-read", providers.StatusSkipped, "not run: the prefix is empty")
	wantStatus(t, m, "source-engine", providers.StatusPass, "copy: ", "holds nothing to export yet")
	if !reportOK(cs) {
		t.Error("an empty prefix is no failure")
	}
}

// TestCheckSourceMinIOToAzurite: an Azure destination cannot copy from
// MinIO: the copy probe is not run, saying why, and auto picks stream.
func TestCheckSourceMinIOToAzurite(t *testing.T) {
	es := newSourceCheckServers(t)
	from := es.source(t)
	from.Prefix = "2024/"
	az := testenv.SharedAzurite(t)
	container := testenv.UniqueName("srccheck")
	az.CreateContainer(t, container)
	dst, err := providers.Open(context.Background(), config.Location{Name: "azurite", Type: config.TypeAzure, Azure: &config.Azure{Container: container,
		ConnectionString: az.SAS(t, container, "cw", time.Now().Add(time.Hour)), Prefix: "calls/"}}, providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cs := CheckSource(context.Background(), dst, "azurite", from, SourceCheckOptions{})
	m := checkByID(t, cs)
	wantStatus(t, m, "source-list", providers.StatusPass)
	wantStatus(t, m, "source-read", providers.StatusPass)
	wantStatus(t, m, "source-copy-read", providers.StatusSkipped, "not run: copy needs both on one S3 endpoint", "the stream engine will be used")
	wantStatus(t, m, "source-engine", providers.StatusPass, "stream: ")
	if !reportOK(cs) {
		t.Error("MinIO → Azurite streams: the test should pass")
	}
}

// TestCheckSourceBatchMinIO: --engine batch runs the batch service's
// checks as RunBatch's plan shows them: the same IDs, titles and
// statuses, "Batch role can be passed" not run with MinIO's reason.
func TestCheckSourceBatchMinIO(t *testing.T) {
	bs := newBatchServers(t)
	bs.putSource(t, map[string]int{"rec/a.wav": 10})
	dst, src := bs.customer(t), bs.platform(t)
	cs := CheckSource(context.Background(), dst, "customer", FromLocation{Name: "platform", Provider: src}, SourceCheckOptions{Engine: EngineBatch})
	m := checkByID(t, cs)
	wantStatus(t, m, "source-list", providers.StatusPass, "1 object")
	wantStatus(t, m, "source-read", providers.StatusPass)
	wantStatus(t, m, "source-copy-read", providers.StatusSkipped, "not run: with --engine batch")
	wantStatus(t, m, "source-batch", providers.StatusPass, "minio")
	wantStatus(t, m, "batch-admin", providers.StatusPass)
	wantStatus(t, m, "batch-target", providers.StatusPass)
	role := wantStatus(t, m, "batch-role", providers.StatusSkipped, "not run: MinIO has no IAM role to pass")
	if role.Title != "Batch role can be passed" {
		t.Errorf("batch-role title %q", role.Title)
	}
	var plan BatchPlan
	dir := t.TempDir()
	if _, err := RunBatch(context.Background(), src, dst, "customer", BatchOptions{Source: "platform", DryRun: true,
		JournalPath: dir + "/j.db", ManifestDir: dir, Plan: func(p BatchPlan) { plan = p }}); err != nil {
		t.Fatal(err)
	}
	if len(plan.Checks) != 3 {
		t.Fatalf("plan checks %+v", plan.Checks)
	}
	for _, pc := range plan.Checks {
		if c := m[pc.ID]; c.Title != pc.Title || c.Status != pc.Status || c.Detail != pc.Detail {
			t.Errorf("the test's %s (%s %q) differs from the plan's (%s %q)", pc.ID, c.Status, c.Detail, pc.Status, pc.Detail)
		}
	}
	if !reportOK(cs) {
		t.Error("batch on MinIO with the batch-target statement should pass")
	}
}
