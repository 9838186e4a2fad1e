package tui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/wizard"
)

// detector is a provider that only knows its bucket's region; the region
// probe of the Where step is all these tests open it for.
type detector struct {
	region string
	err    error
	// gate, when set, holds the answer until it is closed.
	gate chan struct{}
}

func (d *detector) Test(context.Context, func(providers.Check)) (providers.Report, error) {
	return providers.Report{}, errors.New("not used by this test")
}

func (d *detector) Put(context.Context, string, providers.Body, int64, providers.PutOptions) (providers.Object, error) {
	return providers.Object{}, errors.New("not used by this test")
}

func (d *detector) DetectRegion(ctx context.Context) (string, error) {
	if d.gate != nil {
		select {
		case <-d.gate:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return d.region, d.err
}

// findMsg runs cmd and the commands of any batch it returns, each in its
// own goroutine (some are cursor blinks that sleep), and returns the first
// message of type T.
func findMsg[T tea.Msg](t *testing.T, cmd tea.Cmd) T {
	t.Helper()
	found := make(chan T, 1)
	var run func(tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			switch msg := c().(type) {
			case tea.BatchMsg:
				for _, sub := range msg {
					run(sub)
				}
			case T:
				select {
				case found <- msg:
				default:
				}
			}
		}()
	}
	run(cmd)
	select {
	case msg := <-found:
		return msg
	case <-time.After(20 * time.Second):
		var zero T
		t.Fatalf("no %T came from the command", zero)
		return zero
	}
}

// whereModel is a new S3 draft of type choice on the Where step, with
// values set, focused on the region field.
func whereModel(t *testing.T, choice string, values map[string]string, open func(context.Context, config.Location) (providers.Provider, error)) *model {
	t.Helper()
	m := newTestModel(t, Options{Platform: fixturePlatform, Open: open})
	all := map[string]string{"name": "acme", "type": choice}
	for k, v := range values {
		all[k] = v
	}
	if err := m.w.Apply(all); err != nil {
		// Bad values are kept, as typed, for the test to look at.
		t.Logf("apply: %v", err)
	}
	if err := m.w.Goto(wizard.StepWhere); err != nil {
		t.Fatal(err)
	}
	_ = m.enterStep()
	m.formNow().focus = "region"
	m.formNow().focusChanged()
	return m
}

func regionValue(t *testing.T, m *model) string {
	t.Helper()
	f, err := m.w.Field("region")
	if err != nil {
		t.Fatal(err)
	}
	return f.Value
}

// TestDetectRegionOutcomes covers what "detect from the bucket" says
// without a real store: the answers that need no network, a failed probe
// and a found region, each shown under the region field. ctrl+d keeps the
// focus there; enter, as on every row, moves on.
func TestDetectRegionOutcomes(t *testing.T) {
	noOpen := func(t *testing.T) func(context.Context, config.Location) (providers.Provider, error) {
		return func(context.Context, config.Location) (providers.Provider, error) {
			t.Error("the provider was opened although the answer needs no network")
			return nil, errors.New("unexpected open")
		}
	}
	tests := []struct {
		name   string
		choice string
		values map[string]string
		// open is nil when no probe may run.
		det       *detector
		key       string
		wantNote  string
		wantValue string
	}{
		{"custom endpoint before its keys", wizard.ChoiceS3Keys,
			map[string]string{"endpoint": "https://minio.internal:9000", "bucket": "recordings"},
			nil, "ctrl+d", "• " + wizard.NeedsCredentials, wizard.DetectFallback},
		{"no bucket yet", wizard.ChoiceS3Role, nil,
			nil, "enter", "✗ detection asks the bucket: enter the bucket name first", wizard.DetectFallback},
		{"bad bucket", wizard.ChoiceS3Role, map[string]string{"bucket": "Bad_Bucket"},
			nil, "ctrl+d", "✗ detection needs a valid bucket name: bucket:", wizard.DetectFallback},
		{"no such bucket", wizard.ChoiceS3Default, map[string]string{"bucket": "acme-call-recordings"},
			&detector{err: &providers.Error{Kind: providers.ErrNoSuchBucket, Op: "head-bucket", Hint: "no bucket acme-call-recordings: check the name"}},
			"enter", "✗ could not detect the region: no bucket acme-call-recordings: check the name", wizard.DetectFallback},
		{"found by the list option", wizard.ChoiceS3Default, map[string]string{"bucket": "acme-call-recordings"},
			&detector{region: "eu-west-1"}, "enter", "✓ detected: eu-west-1 — Europe (Ireland)", "eu-west-1"},
		{"found with ctrl+d on a typed region", wizard.ChoiceS3Default,
			map[string]string{"endpoint": "https://minio.internal:9000", "bucket": "recordings", "region": "garage"},
			&detector{region: "eu-west-2"}, "ctrl+d", "✓ detected: eu-west-2", "eu-west-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open := noOpen(t)
			if tt.det != nil {
				open = func(context.Context, config.Location) (providers.Provider, error) { return tt.det, nil }
			}
			m := whereModel(t, tt.choice, tt.values, open)
			f := m.formNow()
			if f.sync(); !f.keys.Detect.Enabled() {
				t.Fatal("ctrl+d is not offered on the region field")
			}
			_, cmd := m.Update(keyMsg(tt.key))
			if tt.det != nil {
				if !strings.Contains(screen(m), "detecting the bucket's region…") {
					t.Fatalf("no spinner while the probe runs:\n%s", screen(m))
				}
				send(m, findMsg[detectedMsg](t, cmd))
			}
			got := screen(m)
			if !strings.Contains(strings.Join(strings.Fields(got), " "), tt.wantNote) {
				t.Errorf("screen lacks %q:\n%s", tt.wantNote, got)
			}
			if v := regionValue(t, m); v != tt.wantValue {
				t.Errorf("region = %q, want %q", v, tt.wantValue)
			}
			wantFocus := "region"
			if tt.key == "enter" {
				wantFocus = "prefix"
			}
			if m.w.Step() != wizard.StepWhere || m.formNow().focus != wantFocus {
				t.Errorf("step %s, focus %q; want %q", m.w.Step(), m.formNow().focus, wantFocus)
			}
		})
	}
}

// TestDetectRegionEnterAsksOnce checks that enter on "detect from the
// bucket" means what it means on every row, take it and move on, and asks
// the bucket once: back on the field after the answer, enter moves on
// again without asking again.
func TestDetectRegionEnterAsksOnce(t *testing.T) {
	var opened atomic.Int32
	det := &detector{err: errors.New("network unreachable")}
	m := whereModel(t, wizard.ChoiceS3Default, map[string]string{"bucket": "acme-call-recordings"},
		func(context.Context, config.Location) (providers.Provider, error) { opened.Add(1); return det, nil })
	_, cmd := m.Update(keyMsg("enter"))
	if m.formNow().focus != "prefix" {
		t.Fatalf("focus %q after enter on detect; want the prefix", m.formNow().focus)
	}
	send(m, findMsg[detectedMsg](t, cmd))
	if !strings.Contains(screen(m), "could not detect the region: network unreachable") {
		t.Fatalf("no failure shown:\n%s", screen(m))
	}
	if !strings.Contains(screen(m), "The connection test will detect the bucket's region") {
		t.Errorf("the region field does not say the test will detect it:\n%s", screen(m))
	}
	press(m, "shift+tab")
	if _, cmd := m.Update(keyMsg("enter")); cmd != nil {
		if _, ok := cmd().(detectedMsg); ok {
			t.Error("enter asked the bucket again")
		}
	}
	if m.formNow().focus != "prefix" || opened.Load() != 1 {
		t.Fatalf("focus %q after %d probes; want the prefix after one", m.formNow().focus, opened.Load())
	}
}

// TestDetectRegionUserChoiceWins drops a probe's answer when the user
// picked a region while it ran, or changed the bucket.
func TestDetectRegionUserChoiceWins(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *model)
		want   string
	}{
		{"picked a region", func(m *model) { press(m, "shift+tab", "down", "down") }, ""},
		{"changed the bucket", func(m *model) {
			if err := m.w.Set("bucket", "other-bucket"); err != nil {
				t.Fatal(err)
			}
		}, wizard.DetectFallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			det := &detector{region: "ap-south-1", gate: make(chan struct{})}
			m := whereModel(t, wizard.ChoiceS3Default, map[string]string{"bucket": "acme-call-recordings"},
				func(context.Context, config.Location) (providers.Provider, error) { return det, nil })
			_, cmd := m.Update(keyMsg("enter"))
			tt.change(m)
			want := tt.want
			if want == "" {
				want = regionValue(t, m)
			}
			close(det.gate)
			send(m, findMsg[detectedMsg](t, cmd))
			if v := regionValue(t, m); v != want || v == "ap-south-1" {
				t.Fatalf("region = %q, want %q (the answer dropped)", v, want)
			}
		})
	}
}

// TestDetectRegionMinIO drives the Where step by keystrokes against a real
// MinIO whose region is eu-west-2: with the endpoint, path style and CA
// bundle entered, ctrl+d on the region field asks the bucket and sets the
// region it names.
func TestDetectRegionMinIO(t *testing.T) {
	mc := testenv.StartMinIO(t, testenv.MinIOOptions{TLS: true, Region: "eu-west-2"})
	bucket := testenv.UniqueName("detect")
	mc.CreateBucket(t, bucket)

	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// The default credential chain: the store's keys in the environment.
	t.Setenv("AWS_ACCESS_KEY_ID", mc.RootUser)
	t.Setenv("AWS_SECRET_ACCESS_KEY", mc.RootPassword)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)

	s := startSession(t, Options{ConfigPath: filepath.Join(dir, "locations.yaml")}, nil)
	s.waitFor("Name *")
	s.typeText("minio-detect")
	s.press("enter")
	s.waitFor("S3 — default credentials")
	s.press("down", "down")
	s.waitFor("› ● S3 — default credentials")
	s.press("enter")
	s.waitFor("› Endpoint")
	s.typeText(mc.Endpoint)
	s.press("tab")
	s.waitFor("› Bucket *")
	s.typeText(bucket)
	s.press("tab")
	s.waitFor("› Region *")
	s.press("tab")
	s.waitFor("› Prefix")
	s.press("tab")
	s.waitFor("› [ ] Path-style addressing")
	s.press("space")
	s.waitFor("› [x] Path-style addressing")
	s.press("tab")
	s.waitFor("› CA bundle")
	s.typeText(mc.CAFile)
	s.press("tab")
	s.waitFor("› ▸ Advanced settings")
	s.press("space")
	s.waitFor("▾ Advanced settings")
	s.press("tab")
	s.waitFor("› Checksum mode")
	s.press("down", "down")
	s.waitFor("● When required")
	for range 5 {
		s.press("shift+tab")
	}
	s.waitFor("› Region *", "ctrl+d detect region")
	s.press("ctrl+d")
	s.waitFor("✓ detected: eu-west-2 — Europe (London)", "> eu-west-2")
	// The detected region is what the connection test passes with and
	// what is saved.
	s.pressUntil("enter", "Stowage · Access")
	s.pressUntil("enter", "Stowage · Test connection")
	s.waitForAny("checks passed", "Passed with", "checks failed")
	if frame := s.rec.last(); strings.Contains(frame, "failed") {
		t.Fatalf("the connection test failed with the detected region:\n%s", frame)
	}
	s.press("enter")
	s.waitFor("Review", "eu-west-2 — Europe (London)")
	s.press("enter")
	s.waitFor("What to do next")
	s.press("enter")
	s.result()

	f, err := config.Load(filepath.Join(dir, "locations.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	loc, ok := f.Find("minio-detect")
	if !ok || loc.S3 == nil || loc.S3.Region != "eu-west-2" || loc.S3.ChecksumMode != config.ChecksumWhenRequired || !loc.S3.PathStyle {
		t.Fatalf("saved location = %+v", loc.S3)
	}
}

// pressUntil presses k until the screen shows want, a few times at most.
func (s *session) pressUntil(k, want string) {
	s.t.Helper()
	for range 20 {
		if strings.Contains(s.rec.last(), want) {
			return
		}
		s.press(k)
		time.Sleep(150 * time.Millisecond)
	}
	s.waitFor(want)
}
