package export

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// hookProxy is a TLS reverse proxy in front of MinIO that runs a hook
// before each request (which may change the source on the real server, or
// answer with an S3 error) and may rewrite the store's answers.
type hookProxy struct {
	URL, CAFile string

	mu     sync.Mutex
	before func(r *http.Request) (status int, code string)
	after  func(r *http.Request, body []byte) []byte
	close  func()
}

func startHookProxy(t *testing.T, m *testenv.MinIO) *hookProxy {
	t.Helper()
	dir := t.TempDir()
	caFile, err := testenv.WriteCerts(dir)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "public.crt"), filepath.Join(dir, "private.key"))
	if err != nil {
		t.Fatal(err)
	}
	up, err := url.Parse(m.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &hookProxy{CAFile: caFile}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: m.CAPool}, DisableCompression: true}
	quiet := log.New(io.Discard, "", 0)
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(up)
			r.Out.Host = r.In.Host // SigV4 signs the Host the client used
		},
		Transport: tr,
		ErrorLog:  quiet,
		ModifyResponse: func(resp *http.Response) error {
			p.mu.Lock()
			after := p.after
			p.mu.Unlock()
			if after == nil {
				return nil
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			body = after(resp.Request, body)
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
			return nil
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		ErrorLog:     quiet,
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		TLSConfig:    &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p.mu.Lock()
			before := p.before
			p.mu.Unlock()
			if before != nil {
				if status, code := before(r); status != 0 {
					io.Copy(io.Discard, r.Body)
					w.Header().Set("Content-Type", "application/xml")
					w.WriteHeader(status)
					fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected by the test proxy</Message></Error>`, code)
					return
				}
			}
			rp.ServeHTTP(w, r)
		}),
	}
	go srv.ServeTLS(ln, "", "")
	p.URL = "https://" + ln.Addr().String()
	p.close = func() {
		srv.Close()
		tr.CloseIdleConnections()
	}
	t.Cleanup(p.close)
	return p
}

func (p *hookProxy) setBefore(fn func(r *http.Request) (int, string)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.before = fn
}

func (p *hookProxy) setAfter(fn func(r *http.Request, body []byte) []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.after = fn
}

// proxiedEngineServers is newEngineServers with both locations reached
// through a hook proxy (behind the counting forwarder).
func proxiedEngineServers(t *testing.T, objs map[string]int) (*engineServers, *hookProxy) {
	t.Helper()
	es := newEngineServers(t, objs)
	px := startHookProxy(t, es.m)
	es.fw, es.ca = startForwarder(t, px.URL), px.CAFile
	// Closing the proxy first ends the clients' idle connections, which
	// the forwarder's clean-up waits for.
	t.Cleanup(px.close)
	return es, px
}

// replace overwrites the source object key (full key) with new random
// bytes of the same size on MinIO itself, as the platform would.
func (es *engineServers) replace(t *testing.T, key string) {
	b := make([]byte, len(es.data[key]))
	rand.Read(b)
	c := es.m.S3Client(t, "", "")
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(es.srcBucket), Key: aws.String(key), Body: bytes.NewReader(b)}); err != nil {
		t.Errorf("replace %s: %v", key, err)
		return
	}
	es.data[key] = b
}

// onceFor runs fn the first time match holds.
func onceFor(match func(r *http.Request) bool, fn func()) func(r *http.Request) bool {
	var once sync.Once
	return func(r *http.Request) bool {
		if match(r) {
			ran := false
			once.Do(func() { fn(); ran = true })
			return ran
		}
		return false
	}
}

func isCopyOf(r *http.Request, srcKey string) bool {
	cs, _ := url.PathUnescape(r.Header.Get("X-Amz-Copy-Source"))
	return strings.HasSuffix(cs, "/"+srcKey)
}

func failedWith(t *testing.T, evs []Event) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, ev := range evs {
		if ff, ok := ev.(FileFailed); ok {
			got[ff.Key] = ff.Err.Error()
		}
	}
	return got
}

// gapObjects: one object copied or streamed in one request, one in three
// parts, one left alone.
var gapObjects = map[string]int{"rec/2024/a.wav": 1500, "rec/2024/big.wav": 13<<20 + 17, "rec/2024/c.wav": 2000}

func gapOpts(t *testing.T, from *FromLocation) Options {
	e := newEnv(t)
	opts := e.opts()
	opts.Sources = nil
	opts.From = from
	opts.MultipartThreshold = 8 << 20
	opts.PartSize = 5 << 20
	opts.Concurrency = 1
	return opts
}

// assertAbsent checks that the destination holds no object under keys.
func (es *engineServers) assertAbsent(t *testing.T, keys ...string) {
	t.Helper()
	c := es.m.S3Client(t, "", "")
	for _, k := range keys {
		if _, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(es.dstBucket), Key: aws.String(k)}); err == nil {
			t.Fatalf("the destination holds %s after its source changed mid-export; it must hold nothing (no mixed object)", k)
		}
	}
}

// TestEnginesSourceChangedMidExport: a source object replaced between the
// listing and its copy (CopyObject with If-Match), between two parts of
// its copy (UploadPartCopy with If-Match), between the listing and its
// read (stream), or between two of its ranged reads (stream) is reported
// for that object as "changed since it was listed", the destination holds
// no object made of two versions, and the rerun exports the new version.
func TestEnginesSourceChangedMidExport(t *testing.T) {
	for _, engine := range []string{EngineCopy, EngineStream} {
		t.Run(engine, func(t *testing.T) {
			es, px := proxiedEngineServers(t, gapObjects)
			from := es.source(t)
			from.Prefix = "2024/"
			from.Engine = engine
			dst, _ := es.customer(t, engine == EngineCopy)
			opts := gapOpts(t, &from)
			var evs events
			opts.Events = evs.add

			var small, part2 func(*http.Request) bool
			if engine == EngineCopy {
				small = func(r *http.Request) bool { return isCopyOf(r, "rec/2024/a.wav") }
				part2 = func(r *http.Request) bool {
					return isCopyOf(r, "rec/2024/big.wav") && r.URL.Query().Get("partNumber") == "2"
				}
			} else {
				small = func(r *http.Request) bool {
					return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/rec/2024/a.wav")
				}
				part2 = func(r *http.Request) bool {
					return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/rec/2024/big.wav") &&
						strings.HasPrefix(r.Header.Get("Range"), fmt.Sprintf("bytes=%d-", 5<<20))
				}
			}
			hookSmall := onceFor(small, func() { es.replace(t, "rec/2024/a.wav") })
			hookBig := onceFor(part2, func() { es.replace(t, "rec/2024/big.wav") })
			px.setBefore(func(r *http.Request) (int, string) {
				hookSmall(r)
				hookBig(r)
				return 0, ""
			})
			sum, err := Run(context.Background(), dst, "customer", opts)
			t.Logf("run with the source changing: %+v, %v", sum, err)
			failed := failedWith(t, evs.list())
			for _, k := range []string{"a.wav", "big.wav"} {
				if !strings.Contains(failed[k], "changed since it was listed") {
					t.Fatalf("%s: failure %q; want it reported as the source changed since it was listed (all failures: %v)", k, failed[k], failed)
				}
			}
			if len(failed) != 2 || sum.Files != 1 {
				t.Fatalf("failures %v, summary %+v; want a.wav and big.wav failed and c.wav exported", failed, sum)
			}
			es.assertAbsent(t, "exports/a.wav", "exports/big.wav")

			px.setBefore(nil)
			again, err := Run(context.Background(), dst, "customer", opts)
			if err != nil || again.Files != 2 || again.Skipped != 1 || again.Failed != 0 {
				t.Fatalf("rerun: %+v, %v; want the 2 changed objects exported, c.wav skipped", again, err)
			}
			es.assertCopied(t) // the new versions, byte for byte
		})
	}
}

// TestCopyEngineChecksCopyETag: the copy of an object whose ETag is its
// MD5 must come back with that ETag. An answer with another ETag (here
// rewritten by the proxy, as a store that damaged the copy would answer)
// fails the object, saying so, and the journal does not hold it as done;
// the rerun copies it again and records the ETag, the source's MD5.
func TestCopyEngineChecksCopyETag(t *testing.T) {
	es, px := proxiedEngineServers(t, map[string]int{"rec/2024/a.wav": 1500})
	from := es.source(t)
	from.Prefix = "2024/"
	from.Engine = EngineCopy
	dst, _ := es.customer(t, true)
	opts := gapOpts(t, &from)
	var evs events
	opts.Events = evs.add
	sum := md5.Sum(es.data["rec/2024/a.wav"])
	want := hex.EncodeToString(sum[:])

	etagRE := regexp.MustCompile(`(<ETag>[^<]*?)[0-9a-fA-F]{32}`)
	rewritten := 0
	px.setAfter(func(r *http.Request, body []byte) []byte {
		if r.Method == http.MethodPut && isCopyOf(r, "rec/2024/a.wav") && r.URL.Query().Get("partNumber") == "" {
			if !bytes.Contains(body, []byte(want)) {
				t.Errorf("MinIO's copy answer does not carry the source's MD5 %s: %s", want, body)
			}
			rewritten++
			return etagRE.ReplaceAll(body, []byte("${1}0123456789abcdef0123456789abcdef"))
		}
		return body
	})
	res, err := Run(context.Background(), dst, "customer", opts)
	t.Logf("run with a wrong copy ETag: %+v, %v", res, err)
	failed := failedWith(t, evs.list())
	if rewritten == 0 || res.Failed != 1 || !strings.Contains(failed["a.wav"], "differs from the source's") {
		t.Fatalf("a copy answered with another ETag: %d answers rewritten, summary %+v, failures %v; want a.wav failed as an MD5 mismatch", rewritten, res, failed)
	}
	j, err := OpenJournal(opts.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := j.Get(ObjectRef("platform", "2024/a.wav"))
	j.Close()
	if err != nil || rec.Status == StatusDone {
		t.Fatalf("journal after the mismatch: %+v, %v; the object must not be held as done", rec, err)
	}

	px.setAfter(nil)
	res, err = Run(context.Background(), dst, "customer", opts)
	if err != nil || res.Files != 1 || res.Failed != 0 {
		t.Fatalf("rerun: %+v, %v", res, err)
	}
	es.assertCopied(t)
	j, err = OpenJournal(opts.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err = j.Get(ObjectRef("platform", "2024/a.wav"))
	j.Close()
	if err != nil || rec.Status != StatusDone || strings.Trim(rec.ETag, `"`) != want {
		t.Fatalf("journal after the rerun: %+v, %v; want done with ETag %s (the source's MD5)", rec, err, want)
	}
}

// TestEnginesDryRunFlagsChangedETag: an object the journal holds as done
// whose source ETag differs from the one recorded (replaced with the same
// size within the same second) is sent again by a run; the dry run says
// so, as it flags a changed file: counted as changed, marked in the
// sample, and the run then does what the dry run said.
func TestEnginesDryRunFlagsChangedETag(t *testing.T) {
	es := newEngineServers(t, map[string]int{"rec/2024/a.wav": 1500, "rec/2024/c.wav": 2000})
	from, dst := es.streamTo(t)
	opts := gapOpts(t, &from)
	if res, err := Run(context.Background(), dst, "customer", opts); err != nil || res.Files != 2 {
		t.Fatalf("first run: %+v, %v", res, err)
	}
	// The journal recorded another ETag for a.wav than the source now
	// shows, with the same size and time.
	j, err := OpenJournal(opts.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	ref := ObjectRef("platform", "2024/a.wav")
	rec, ok, err := j.Get(ref)
	if err != nil || !ok || rec.SourceETag == "" {
		t.Fatalf("journal record of a.wav: %+v, %v, %v; want one with the source ETag", rec, ok, err)
	}
	rec.SourceETag = "0123456789abcdef0123456789abcdef"
	if err := j.put(ref, &rec); err != nil {
		t.Fatal(err)
	}
	j.Close()

	plan, err := Plan(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Files != 1 || plan.Changed != 1 || plan.Skipped != 1 || len(plan.Sample) != 1 || plan.Sample[0].Path != ref || !plan.Sample[0].Changed {
		t.Fatalf("dry run: %+v; want a.wav to be sent again, flagged as changed, and c.wav skipped", plan)
	}
	var out strings.Builder
	WritePlan(&out, "customer", "s3://customer", opts.JournalPath, plan)
	if !strings.Contains(out.String(), "1 changed since their last export") {
		t.Fatalf("dry-run report does not flag the changed object:\n%s", out.String())
	}
	dry, err := Run(context.Background(), dst, "customer", Options{From: opts.From, JournalPath: opts.JournalPath, DryRun: true,
		MultipartThreshold: opts.MultipartThreshold, PartSize: opts.PartSize})
	if err != nil || dry.Files != 1 || dry.Changed != 1 {
		t.Fatalf("Run --dry-run: %+v, %v; want 1 to send, 1 changed", dry, err)
	}
	res, err := Run(context.Background(), dst, "customer", opts)
	if err != nil || res.Files != 1 || res.Changed != 1 || res.Skipped != 1 {
		t.Fatalf("run after the dry run: %+v, %v; want what the dry run said", res, err)
	}
}

// TestEnginesSwitchMidMultipart: a multipart upload begun by one engine
// and left open (a part was refused) is not resumed by the other (a copy's
// upload declares no checksum, a stream's parts carry one): the rerun
// says so, aborts the old upload, sends the object afresh, and the
// destination holds it intact with no upload left open. Both directions.
func TestEnginesSwitchMidMultipart(t *testing.T) {
	for _, order := range [][2]string{{EngineCopy, EngineStream}, {EngineStream, EngineCopy}} {
		t.Run(order[0]+"-then-"+order[1], func(t *testing.T) {
			es, px := proxiedEngineServers(t, map[string]int{"rec/2024/big.wav": 13<<20 + 17})
			from := es.source(t)
			from.Prefix = "2024/"
			dst, _ := es.customer(t, true, func(l *config.Location) { l.S3.ManageUploads = true })
			opts := gapOpts(t, &from)

			// First engine: part 2 is refused, so the upload stays open
			// holding part 1.
			from.Engine = order[0]
			px.setBefore(func(r *http.Request) (int, string) {
				if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/exports/big.wav") && r.URL.Query().Get("partNumber") == "2" {
					return http.StatusForbidden, "AccessDenied"
				}
				return 0, ""
			})
			res, err := Run(context.Background(), dst, "customer", opts)
			if res.Failed != 1 {
				t.Fatalf("%s run with part 2 refused: %+v, %v; want big.wav failed", order[0], res, err)
			}
			j, err := OpenJournal(opts.JournalPath)
			if err != nil {
				t.Fatal(err)
			}
			rec, _, err := j.Get(ObjectRef("platform", "2024/big.wav"))
			j.Close()
			if err != nil || rec.UploadID == "" || len(rec.Parts) != 1 || rec.Engine != order[0] {
				t.Fatalf("journal after the %s run: %+v, %v; want its upload open with part 1, engine recorded", order[0], rec, err)
			}
			old := rec.UploadID

			px.setBefore(nil)
			from.Engine = order[1]
			var evs events
			opts.Events = evs.add
			res, err = Run(context.Background(), dst, "customer", opts)
			if err != nil || res.Files != 1 || res.Failed != 0 {
				t.Fatalf("%s rerun: %+v, %v", order[1], res, err)
			}
			var said string
			for _, ev := range evs.list() {
				if w, ok := ev.(Warning); ok && strings.Contains(w.Err.Error(), old) {
					said = w.Err.Error()
				}
			}
			if !strings.Contains(said, "begun by the "+order[0]+" engine") || !strings.Contains(said, "aborted") {
				t.Fatalf("the %s rerun did not say it starts afresh and aborts the %s engine's upload %s (said %q)", order[1], order[0], old, said)
			}
			var fs FileStarted
			for _, ev := range evs.list() {
				if f, ok := ev.(FileStarted); ok {
					fs = f
				}
			}
			if fs.Resumed != 0 {
				t.Fatalf("the %s rerun resumed %d parts of the %s engine's upload", order[1], fs.Resumed, order[0])
			}
			es.assertCopied(t)
			c := es.m.S3Client(t, "", "")
			ups, err := c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(es.dstBucket)})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range ups.Uploads {
				t.Fatalf("upload %s of %s left open after the %s rerun", aws.ToString(u.UploadId), aws.ToString(u.Key), order[1])
			}
		})
	}
}

// TestStreamReusesPartBuffers: the stream engine reads each full part into
// a buffer it reuses once the part is sent, so streaming a 40 MiB object in
// 5 MiB parts, two in flight, allocates a few parts' worth of buffers, not
// the object's size (a fresh buffer per part let a 2 GiB object's export
// run to twice its memory budget in RSS while the collector caught up).
func TestStreamReusesPartBuffers(t *testing.T) {
	if raceEnabled {
		t.Skip("bytes allocated are not meaningful under the race detector; the plain test run checks them")
	}
	const size = 8 * 5 << 20
	es := newEngineServers(t, map[string]int{"rec/2024/big.wav": size})
	from, dst := es.streamTo(t)
	opts := gapOpts(t, &from)
	opts.Concurrency = 2
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := Run(context.Background(), dst, "customer", opts)
	runtime.ReadMemStats(&after)
	if err != nil || res.Files != 1 {
		t.Fatalf("stream run: %+v, %v", res, err)
	}
	es.assertCopied(t)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("streaming %d MiB in 5 MiB parts allocated %.1f MiB", size>>20, float64(alloc)/(1<<20))
	if alloc > size/2 {
		t.Fatalf("streaming a %d MiB object allocated %.1f MiB; the part buffers must be reused (at most the parts in flight, 2 × 5 MiB, plus one)", size>>20, float64(alloc)/(1<<20))
	}
}
