package serve

import (
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
)

// TestStoreAuditsChanges: a save records what was added, changed and
// deleted; a new test result alone is not a change.
func TestStoreAuditsChanges(t *testing.T) {
	ts := startServer(t, nil)
	f := &config.File{Version: config.CurrentVersion}
	store := newTenantStore(ts.Server, "acme", Event{Tenant: "acme", Session: "s1"}, f)
	loc := func(name, bucket string) config.Location {
		return config.Location{Name: name, Type: config.TypeS3, S3: &config.S3{
			Bucket: bucket, Region: "eu-west-1", Auth: config.AuthRole, RoleARN: roleARN,
			ExternalID: map[string]string{"a": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "b": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}[name],
		}}
	}
	now := time.Now()
	save := func() {
		t.Helper()
		if err := store.save("ignored", f); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Upsert(loc("a", "bucket-a"), now); err != nil {
		t.Fatal(err)
	}
	if err := f.Upsert(loc("b", "bucket-b"), now); err != nil {
		t.Fatal(err)
	}
	save()
	f.Locations[0].LastTest = &config.TestResult{At: now, OK: true, Summary: "ok"}
	save()
	changed := loc("a", "bucket-a2")
	if err := f.Upsert(changed, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := f.Remove("b"); err != nil {
		t.Fatal(err)
	}
	save()

	raw, evs := readAudit(t, ts)
	var got []string
	for _, e := range evs {
		got = append(got, e["event"].(string)+":"+e["location"].(string))
	}
	want := []string{"location_added:a", "location_added:b", "location_changed:a", "location_deleted:b"}
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v\n%s", got, want, raw)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %v, want %v", got, want)
		}
	}
	for _, id := range []string{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", testAccountID, "bucket-a"} {
		if contains(raw, id) {
			t.Errorf("audit log holds %q", id)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestScrub(t *testing.T) {
	in := "role arn:aws:iam::123456789012:role/x key AKIAIOSFODNN7EXAMPLE id abcdefghijklmnopqrstuvwxyz234567 acct 210987654321"
	out := scrub(in)
	for _, s := range []string{"123456789012", "AKIAIOSFODNN7EXAMPLE", "abcdefghijklmnopqrstuvwxyz234567", "210987654321"} {
		if contains(out, s) {
			t.Errorf("scrub left %q in %q", s, out)
		}
	}
}
