package wizard

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

// regionStore is a provider that only knows its bucket's region, and
// records the location it was opened with.
type regionStore struct {
	region string
	err    error
	opened []config.Location
}

func (r *regionStore) open(_ context.Context, loc config.Location) (providers.Provider, error) {
	r.opened = append(r.opened, loc)
	return r, nil
}

func (r *regionStore) Test(context.Context, func(providers.Check)) (providers.Report, error) {
	return providers.Report{}, errors.New("not used by this test")
}

func (r *regionStore) Put(context.Context, string, providers.Body, int64, providers.PutOptions) (providers.Object, error) {
	return providers.Object{}, errors.New("not used by this test")
}

func (r *regionStore) DetectRegion(context.Context) (string, error) { return r.region, r.err }

// whereDraft is a new S3 draft of choice on the Where step with values.
func whereDraft(t *testing.T, choice string, values map[string]string) *Wizard {
	t.Helper()
	w := New(nil, testPlatform, fixedNow)
	mustSet(t, w, "name", "acme")
	mustSet(t, w, "type", choice)
	for k, v := range values {
		_ = w.Set(k, v)
	}
	if err := w.Goto(StepWhere); err != nil {
		t.Fatal(err)
	}
	return w
}

func region(t *testing.T, w *Wizard) string {
	t.Helper()
	f, err := w.Field("region")
	if err != nil {
		t.Fatal(err)
	}
	return f.Value
}

// TestDetectRegion covers "detect from the bucket" without a terminal:
// the answers that need no network, a failed probe and a found region.
func TestDetectRegion(t *testing.T) {
	tests := []struct {
		name      string
		choice    string
		values    map[string]string
		store     *regionStore // nil: no probe may run
		wantNote  DetectNote
		wantValue string
	}{
		{"custom endpoint before its keys", ChoiceS3Keys,
			map[string]string{"endpoint": "https://minio.internal:9000", "bucket": "recordings"},
			nil, DetectNote{Text: NeedsCredentials, Pending: true}, DetectFallback},
		{"no bucket yet", ChoiceS3Role, nil, nil,
			DetectNote{Text: "detection asks the bucket: enter the bucket name first, e.g. acme-call-recordings", Bad: true}, DetectFallback},
		{"no such bucket", ChoiceS3Default, map[string]string{"bucket": "acme-call-recordings"},
			&regionStore{err: &providers.Error{Kind: providers.ErrNoSuchBucket, Op: "head-bucket", Hint: "no bucket acme-call-recordings: check the name"}},
			DetectNote{Text: "could not detect the region: no bucket acme-call-recordings: check the name", Bad: true}, DetectFallback},
		{"no keys yet on AWS: asked anonymously", ChoiceS3Keys, map[string]string{"bucket": "acme-call-recordings"},
			&regionStore{region: "eu-west-1"}, DetectNote{Text: "detected: eu-west-1 — Europe (Ireland)"}, "eu-west-1"},
		{"typed region replaced", ChoiceS3Default,
			map[string]string{"endpoint": "https://minio.internal:9000", "bucket": "recordings", "region": "garage"},
			&regionStore{region: "eu-west-2"}, DetectNote{Text: "detected: eu-west-2 — Europe (London)"}, "eu-west-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := whereDraft(t, tt.choice, tt.values)
			p := w.StartDetect()
			if (p != nil) != (tt.store != nil) {
				t.Fatalf("StartDetect returned probe %v; want one: %v", p != nil, tt.store != nil)
			}
			if p != nil {
				if !w.DetectRunning() || !w.DetectSettled() {
					t.Error("a probe runs, but the wizard does not say so")
				}
				w.RegionDetected(p.Run(context.Background(), tt.store.open))
				if s := tt.store.opened[0].S3; tt.choice == ChoiceS3Keys && (s.Auth != config.AuthDefault || s.AccessKeyID != "") {
					t.Errorf("probe without keys opened %+v; want the default chain", s)
				}
			}
			if n, ok := w.RegionNote(); !ok || n != tt.wantNote {
				t.Errorf("note = %+v (%v), want %+v", n, ok, tt.wantNote)
			}
			if v := region(t, w); v != tt.wantValue {
				t.Errorf("region = %q, want %q", v, tt.wantValue)
			}
			if w.Step() != StepWhere {
				t.Errorf("step %s, want where", w.Step())
			}
		})
	}
}

// TestDetectAnswerDropped drops a probe's answer when the user picked a
// region or changed the bucket meanwhile, or started another draft.
func TestDetectAnswerDropped(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, w *Wizard)
		want   string
	}{
		{"picked a region", func(t *testing.T, w *Wizard) { mustSet(t, w, "region", "ap-northeast-1") }, "ap-northeast-1"},
		{"changed the bucket", func(t *testing.T, w *Wizard) { mustSet(t, w, "bucket", "other-bucket") }, DetectFallback},
		{"asked again", func(t *testing.T, w *Wizard) { w.CancelDetect() }, DetectFallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := whereDraft(t, ChoiceS3Default, map[string]string{"bucket": "acme-call-recordings"})
			mustSet(t, w, "region", DetectOption.Value)
			if !w.Detecting() || region(t, w) != DetectFallback {
				t.Fatalf("choosing detect: detecting %v, region %q", w.Detecting(), region(t, w))
			}
			p := w.StartDetect()
			tt.change(t, w)
			if w.RegionDetected(p.Run(context.Background(), (&regionStore{region: "sa-east-1"}).open)) {
				t.Error("the dropped answer was applied")
			}
			if v := region(t, w); v != tt.want {
				t.Errorf("region = %q, want %q", v, tt.want)
			}
		})
	}
}

// TestDetectFromTestAndAcceptFix: a test that finds the bucket's region
// ends detection with that region; a fix the user accepts is applied.
func TestDetectFromTestAndAcceptFix(t *testing.T) {
	w := whereDraft(t, ChoiceS3Default, map[string]string{"bucket": "acme-call-recordings"})
	mustSet(t, w, "region", DetectOption.Value)
	fix := providers.Check{ID: "region", Title: "Bucket region", Status: providers.StatusFail, Field: "region", Fix: "eu-central-1"}
	w.SetTestReport(providers.Report{Checks: []providers.Check{fix}})
	if r, ok := w.DetectFromTest(); !ok || r != "eu-central-1" || w.Detecting() || region(t, w) != "eu-central-1" {
		t.Fatalf("DetectFromTest = %q, %v; detecting %v, region %q", r, ok, w.Detecting(), region(t, w))
	}
	if _, ok := w.DetectFromTest(); ok {
		t.Error("a second call applied the region again")
	}

	// Not detecting: the fix waits for the user.
	mustSet(t, w, "region", "eu-west-1")
	w.SetTestReport(providers.Report{Checks: []providers.Check{fix}})
	if _, ok := w.DetectFromTest(); ok || region(t, w) != "eu-west-1" {
		t.Fatalf("applied without detection asked for: region %q", region(t, w))
	}
	if err := w.AcceptFix(w.TestFailures()[0]); err != nil || region(t, w) != "eu-central-1" {
		t.Fatalf("AcceptFix: %v, region %q", err, region(t, w))
	}
	if err := w.AcceptFix(providers.Check{Field: "region"}); err == nil || !strings.Contains(err.Error(), "no fix") {
		t.Errorf("AcceptFix without a fix: %v", err)
	}
}
