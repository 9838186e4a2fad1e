package export

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/policies"
	"github.com/stowage-dev/stowage/providers"
)

// countingForwarder is a TCP forwarder in front of a server that counts
// every byte passing either way: the client's whole conversation with the
// store (TLS included) goes through it, so it bounds the object bytes that
// passed through the client.
type countingForwarder struct {
	Endpoint string // https://127.0.0.1:PORT
	n        atomic.Int64
}

func startForwarder(t *testing.T, upstream string) *countingForwarder {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &countingForwarder{Endpoint: u.Scheme + "://" + ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				up, err := net.Dial("tcp", u.Host)
				if err != nil {
					return
				}
				defer up.Close()
				done := make(chan struct{})
				go func() {
					io.Copy(countingWriter{up, &f.n}, c)
					up.(*net.TCPConn).CloseWrite()
					close(done)
				}()
				io.Copy(countingWriter{c, &f.n}, up)
				c.(*net.TCPConn).CloseWrite()
				<-done
			}()
		}
	}()
	return f
}

func (f *countingForwarder) bytes() int64 { return f.n.Load() }

// countingWriter counts as it writes, so bytes on connections the client
// keeps open are counted too.
type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n.Add(int64(n))
	return n, err
}

// engineServers: one MinIO (TLS) holding the platform's source bucket and
// the customer's destination bucket, reached through a counting forwarder.
type engineServers struct {
	m                    *testenv.MinIO
	fw                   *countingForwarder
	srcBucket, dstBucket string
	data                 map[string][]byte // full source key → bytes
	ca                   string            // CA of the endpoint when not MinIO's (a proxy's)
}

func newEngineServers(t *testing.T, objs map[string]int) *engineServers {
	t.Helper()
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	es := &engineServers{m: m, fw: startForwarder(t, m.Endpoint), srcBucket: testenv.UniqueName("platform"), dstBucket: testenv.UniqueName("customer"), data: map[string][]byte{}}
	m.CreateBucket(t, es.srcBucket)
	m.CreateBucket(t, es.dstBucket)
	c := m.S3Client(t, "", "")
	for k, n := range objs {
		b := make([]byte, n)
		rand.Read(b)
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(es.srcBucket), Key: aws.String(k), Body: bytes.NewReader(b)}); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
		es.data[k] = b
	}
	return es
}

func (es *engineServers) loc(name, bucket, prefix string) config.Location {
	ca := es.m.CAFile
	if es.ca != "" {
		ca = es.ca
	}
	return config.Location{Name: name, Type: config.TypeS3, S3: &config.S3{
		Bucket: bucket, Region: es.m.SigningRegion(), Prefix: prefix, Endpoint: es.fw.Endpoint, PathStyle: true,
		CABundle: ca, Auth: config.AuthKeys}}
}

// source opens the platform's bucket (prefix rec/) as a user that may only
// list it and read its objects.
func (es *engineServers) source(t *testing.T) FromLocation {
	t.Helper()
	loc := es.loc("platform", es.srcBucket, "rec/")
	pol := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::%[1]s"]},
{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%[1]s/rec/*"]}]}`, es.srcBucket)
	loc.S3.AccessKeyID, loc.S3.SecretAccessKey = es.m.CreateUser(t, pol)
	p, err := providers.Open(context.Background(), loc, providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return FromLocation{Name: "platform", Provider: p}
}

// streamTo returns the source below its 2024/ prefix, set to the stream
// engine, and the customer's destination without copy-read rights: the
// set-up of the stream engine's tests.
func (es *engineServers) streamTo(t *testing.T) (FromLocation, providers.Provider) {
	from := es.source(t)
	from.Prefix = "2024/"
	from.Engine = EngineStream
	dst, _ := es.customer(t, false)
	return from, dst
}

// customer opens the destination (prefix exports/) as a user holding the
// generated least-privilege policy and, with copyRead, the generated
// copy-source statement: nothing more.
func (es *engineServers) customer(t *testing.T, copyRead bool, edit ...func(*config.Location)) (providers.Provider, config.Location) {
	t.Helper()
	loc := es.loc("customer", es.dstBucket, "exports/")
	for _, fn := range edit {
		fn(&loc)
	}
	doc, err := policies.Permissions(loc)
	if err != nil {
		t.Fatal(err)
	}
	var pol map[string]any
	if err := json.Unmarshal([]byte(doc), &pol); err != nil {
		t.Fatal(err)
	}
	if copyRead {
		src := es.loc("platform", es.srcBucket, "rec/")
		cs, err := policies.BatchDocument(policies.KindCopySource, loc, policies.BatchInput{Source: &src})
		if err != nil {
			t.Fatal(err)
		}
		var csDoc struct{ Statement []any }
		if err := json.Unmarshal([]byte(cs), &csDoc); err != nil {
			t.Fatal(err)
		}
		pol["Statement"] = append(pol["Statement"].([]any), csDoc.Statement...)
	}
	pj, _ := json.Marshal(pol)
	loc.S3.AccessKeyID, loc.S3.SecretAccessKey = es.m.CreateUser(t, string(pj))
	p, err := providers.Open(context.Background(), loc, providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p, loc
}

// assertCopied checks that the destination holds every source object under
// rec/2024/ byte for byte, under exports/, and nothing else.
func (es *engineServers) assertCopied(t *testing.T) int64 {
	t.Helper()
	c := es.m.S3Client(t, "", "")
	want := map[string][]byte{}
	var total int64
	for k, b := range es.data {
		if rel, ok := strings.CutPrefix(k, "rec/2024/"); ok && !strings.HasSuffix(k, ".txt") {
			want["exports/"+rel] = b
			total += int64(len(b))
		}
	}
	out, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(es.dstBucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != len(want) {
		var got []string
		for _, o := range out.Contents {
			got = append(got, aws.ToString(o.Key))
		}
		t.Fatalf("destination holds %q, want %d objects", got, len(want))
	}
	for k, b := range want {
		o, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(es.dstBucket), Key: aws.String(k)})
		if err != nil {
			t.Fatalf("get %s: %v", k, err)
		}
		got, _ := io.ReadAll(o.Body)
		o.Body.Close()
		mustEqualBytes(t, k, got, b)
	}
	return total
}

var engineObjects = map[string]int{
	"rec/2024/a.wav": 1500, "rec/2024/b.wav": 300 << 10, "rec/2024/c.wav": 2 << 20,
	"rec/2024/big.wav": 13<<20 + 17, "rec/2024/skip.txt": 10, "rec/elsewhere.wav": 5,
}

// TestCopyEngineMinIO: the destination's identity holds the generated
// least-privilege policy plus the generated copy-source statement and
// nothing more; auto picks copy, the store copies every object (the big
// one in parts with UploadPartCopy), and the counting forwarder shows that
// almost no bytes crossed the client; a rerun copies nothing.
func TestCopyEngineMinIO(t *testing.T) {
	es := newEngineServers(t, engineObjects)
	from := es.source(t)
	from.Prefix = "2024/"
	dst, _ := es.customer(t, true)
	engine, why, err := ChooseEngine(context.Background(), dst, "customer", from, EngineAuto)
	if err != nil || engine != EngineCopy {
		t.Fatalf("auto chose %q (%s), %v; want copy", engine, why, err)
	}
	t.Logf("auto: %s", why)
	from.Engine = engine
	e := newEnv(t)
	opts := e.opts()
	opts.Sources = nil
	opts.From = &from
	opts.Exclude = []string{"*.txt"}
	opts.MultipartThreshold = 8 << 20
	opts.PartSize = 5 << 20
	var evs events
	opts.Events = evs.add
	before := es.fw.bytes()
	sum, err := Run(context.Background(), dst, "customer", opts)
	if err != nil {
		for _, ev := range evs.list() {
			if ff, ok := ev.(FileFailed); ok {
				t.Logf("%s: %v", ff.Path, ff.Err)
			}
		}
		t.Fatalf("copy run: %v (%+v)", err, sum)
	}
	through := es.fw.bytes() - before
	total := es.assertCopied(t)
	if sum.Files != 4 || sum.Failed != 0 {
		t.Fatalf("summary %+v, want 4 files copied", sum)
	}
	// Listing, requests and TLS handshakes only: well under 1% of the
	// object bytes.
	if through > total/100 {
		t.Fatalf("%d bytes passed through the client for %d bytes of objects; the copy engine must send none", through, total)
	}
	t.Logf("copy: %d object bytes, %d bytes through the client", total, through)
	var parts int
	for _, ev := range evs.list() {
		if fs, ok := ev.(FileStarted); ok && fs.Key == "big.wav" {
			parts = fs.Parts
		}
	}
	if parts != 3 {
		t.Fatalf("big.wav was copied in %d parts, want 3 (UploadPartCopy of 5 MiB parts)", parts)
	}

	again, err := Run(context.Background(), dst, "customer", opts)
	if err != nil || again.Files != 0 || again.Skipped != 4 {
		t.Fatalf("rerun: %+v, %v; want 4 skipped, none copied", again, err)
	}
}

// TestEngineAutoFallsBackToStream: without the copy-source statement the
// destination's credentials may not read the source: auto says so and
// picks stream, --engine copy is refused naming the fix, and the stream
// engine, each side with its own least-privilege identity, exports every
// object byte for byte (the bytes pass through the client).
func TestEngineAutoFallsBackToStream(t *testing.T) {
	es := newEngineServers(t, engineObjects)
	from := es.source(t)
	from.Prefix = "2024/"
	dst, _ := es.customer(t, false)
	engine, why, err := ChooseEngine(context.Background(), dst, "customer", from, EngineAuto)
	if err != nil || engine != EngineStream || !strings.Contains(why, "may not read the source") || !strings.Contains(why, "--kind copy-source") {
		t.Fatalf("auto chose %q (%s), %v; want stream saying the destination may not read the source", engine, why, err)
	}
	_, _, err = ChooseEngine(context.Background(), dst, "customer", from, EngineCopy)
	if err == nil || !strings.Contains(err.Error(), "--engine stream") {
		t.Fatalf("--engine copy without read access: %v; want a refusal suggesting stream", err)
	}
	from.Engine = engine
	e := newEnv(t)
	opts := e.opts()
	opts.Sources = nil
	opts.From = &from
	opts.Exclude = []string{"*.txt"}
	opts.MultipartThreshold = 8 << 20
	opts.PartSize = 5 << 20
	opts.Concurrency = 2
	before := es.fw.bytes()
	sum, err := Run(context.Background(), dst, "customer", opts)
	if err != nil {
		t.Fatalf("stream run: %v (%+v)", err, sum)
	}
	through := es.fw.bytes() - before
	total := es.assertCopied(t)
	if sum.Files != 4 {
		t.Fatalf("summary %+v, want 4 files", sum)
	}
	if through < 2*total {
		t.Fatalf("stream moved %d bytes through the client for %d bytes of objects; it must read and send each", through, total)
	}
	t.Logf("stream: %d object bytes, %d bytes through the client", total, through)
	if _, err := Run(context.Background(), dst, "customer", opts); err != nil {
		t.Fatal(err)
	}
}

// TestCopyEngineRefusedAcrossStores: two stores cannot copy between each
// other: auto picks stream saying so, copy is refused.
func TestCopyEngineRefusedAcrossStores(t *testing.T) {
	es := newEngineServers(t, map[string]int{"rec/2024/a.wav": 10})
	from := es.source(t)
	other := testenv.StartMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket := testenv.UniqueName("other")
	other.CreateBucket(t, bucket)
	loc := config.Location{Name: "other", Type: config.TypeS3, S3: &config.S3{Bucket: bucket, Region: other.SigningRegion(),
		Endpoint: other.Endpoint, PathStyle: true, CABundle: other.CAFile, Auth: config.AuthKeys, AccessKeyID: other.RootUser, SecretAccessKey: other.RootPassword}}
	dst, err := providers.Open(context.Background(), loc, providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	engine, why, err := ChooseEngine(context.Background(), dst, "other", from, EngineAuto)
	if err != nil || engine != EngineStream || !strings.Contains(why, "within one store") {
		t.Fatalf("auto chose %q (%s), %v", engine, why, err)
	}
	_, _, err = ChooseEngine(context.Background(), dst, "other", from, EngineCopy)
	var ve interface{ Error() string }
	if err == nil || !errors.As(err, &ve) || !strings.Contains(err.Error(), "use --engine stream") {
		t.Fatalf("--engine copy across stores: %v", err)
	}
	from.Engine = EngineStream
	e := newEnv(t)
	opts := e.opts()
	opts.Sources = nil
	opts.From = &from
	if sum, err := Run(context.Background(), dst, "other", opts); err != nil || sum.Files != 1 {
		t.Fatalf("stream to another MinIO: %+v, %v", sum, err)
	}
}

// TestStreamRerunCopiesAChangedSourceObject: a rerun skips what it copied,
// except an object whose ETag changed at the source since. The rerun reads
// only a few fields of each finished journal record (issue 12 §5); the
// source ETag must be one of them.
func TestStreamRerunCopiesAChangedSourceObject(t *testing.T) {
	es := newEngineServers(t, map[string]int{"rec/2024/a.wav": 1000, "rec/2024/b.wav": 2000})
	from, dst := es.streamTo(t)
	e := newEnv(t)
	opts := e.opts()
	opts.Sources = nil
	opts.From = &from
	if sum, err := Run(context.Background(), dst, "customer", opts); err != nil || sum.Files != 2 {
		t.Fatalf("first run: %+v, %v", sum, err)
	}
	changed := make([]byte, 1000) // same size: only the ETag tells
	rand.Read(changed)
	c := es.m.S3Client(t, "", "")
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(es.srcBucket), Key: aws.String("rec/2024/a.wav"), Body: bytes.NewReader(changed)}); err != nil {
		t.Fatal(err)
	}
	es.data["rec/2024/a.wav"] = changed
	sum, err := Run(context.Background(), dst, "customer", opts)
	if err != nil || sum.Files != 1 || sum.Skipped != 1 {
		t.Fatalf("rerun: %+v, %v; want a.wav copied again and b.wav skipped", sum, err)
	}
	es.assertCopied(t)
}
