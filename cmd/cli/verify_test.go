package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/providers"
)

// exportWithManifest exports files to location name with the real export
// engine, writing its manifest where `stowage verify` looks by default.
func exportWithManifest(t *testing.T, cfg, name string, files map[string][]byte) {
	t.Helper()
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := f.Find(name)
	p, err := providers.Open(context.Background(), *loc, providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	for k, b := range files {
		path := filepath.Join(src, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := export.Run(context.Background(), p, name, export.Options{Sources: []string{src}, JournalPath: journalOf(t, cfg, name), ManifestName: export.ManifestName(*loc)}); err != nil {
		t.Fatalf("export: %v", err)
	}
}

func TestVerifyCommand(t *testing.T) {
	cfg, client, bucket := minioConfig(t)

	_, errOut, code := runCLI(t, "", "--config", cfg, "verify", "rec")
	if code != ExitUsage || !strings.Contains(errOut, "stowage export") {
		t.Fatalf("no manifest yet: code %d, %s", code, errOut)
	}

	exportWithManifest(t, cfg, "rec", map[string][]byte{"calls/a.wav": rnd(t, 100), "calls/b.wav": rnd(t, 200), "calls/c.wav": rnd(t, 300)})
	out, errOut, code := runCLI(t, "", "--config", cfg, "verify", "rec")
	if code != ExitOK || !strings.Contains(out, "[ok]") || !strings.Contains(out, "3 match") {
		t.Fatalf("fresh export: code %d\n%s%s", code, out, errOut)
	}

	// Drift: one object gone, one extra next to them, one resized.
	if _, err := client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("exports/calls/a.wav")}); err != nil {
		t.Fatal(err)
	}
	putObj(t, client, bucket, "calls/stray.wav", []byte("?"))
	putObj(t, client, bucket, "calls/c.wav", rnd(t, 301))
	out, _, code = runCLI(t, "", "--config", cfg, "verify", "rec")
	if code != ExitFailed {
		t.Fatalf("drift: code %d\n%s", code, out)
	}
	for _, want := range []string{"[FAIL] 1 missing from the location:", "  calls/a.wav (100 B)",
		"[FAIL] 1 size differs:", "  calls/c.wav: manifest 300 bytes, location 301 bytes",
		"[FAIL] 1 extra", "  calls/stray.wav (1 B)", "3 problems. The export's journal"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}

	out, _, code = runCLI(t, "", "--config", cfg, "verify", "rec", "--json")
	var rep struct {
		OK       bool `json:"ok"`
		Problems []struct {
			Kind, Key string
		} `json:"problems"`
		Manifest string `json:"manifest"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitFailed || rep.OK || len(rep.Problems) != 3 || !strings.HasSuffix(rep.Manifest, ".jsonl") {
		t.Fatalf("json: code %d err %v %+v\n%s", code, err, rep, out)
	}

	// The CSV manifest of the same run gives the same answer.
	csvs, _ := manifestsOf(t, cfg, "rec", "csv"), error(nil)
	if len(csvs) != 1 {
		t.Fatalf("csv manifests: %v", csvs)
	}
	_, _, code = runCLI(t, "", "--config", cfg, "verify", "rec", "--manifest", csvs[0])
	if code != ExitFailed {
		t.Fatalf("csv: code %d", code)
	}
	_, errOut, code = runCLI(t, "", "--config", cfg, "verify", "rec", "--manifest", filepath.Join(t.TempDir(), "none.jsonl"))
	if code != ExitUsage || !strings.Contains(errOut, "--manifest") {
		t.Fatalf("missing manifest file: code %d %s", code, errOut)
	}
}

// Two exports to one location (folder big, then folder big2): verify reads
// both runs' manifests, so the object the first run exported is expected,
// not "extra" (issue 10 §4).
func TestVerifyReadsEveryManifest(t *testing.T) {
	cfg, client, bucket := minioConfig(t)
	for _, dir := range []string{"big", "big2"} {
		src := filepath.Join(t.TempDir(), dir)
		if err := os.MkdirAll(src, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, dir+".mp4"), rnd(t, 1000), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, errOut, code := runCLI(t, "", "--config", cfg, "export", "rec", src); code != ExitOK {
			t.Fatalf("export %s: code %d\n%s%s", dir, code, out, errOut)
		}
	}
	out, errOut, code := runCLI(t, "", "--config", cfg, "verify", "rec")
	if code != ExitOK || !strings.Contains(out, "[ok]") || !strings.Contains(out, "2 match") ||
		!strings.Contains(out, "against 2 manifests, oldest first:") || strings.Contains(out, "extra") {
		t.Fatalf("two runs: code %d\n%s%s", code, out, errOut)
	}

	// An object no run exported is still extra.
	putObj(t, client, bucket, "stray.mp4", []byte("?"))
	out, _, code = runCLI(t, "", "--config", cfg, "verify", "rec")
	if code != ExitFailed || !strings.Contains(out, "[FAIL] 1 extra") || !strings.Contains(out, "  stray.mp4 (1 B)") {
		t.Fatalf("stray: code %d\n%s", code, out)
	}

	// --manifest, repeated, names the runs; one run alone leaves the other's object extra.
	ms, _ := manifestsOf(t, cfg, "rec", "jsonl"), error(nil)
	if len(ms) != 2 {
		t.Fatalf("manifests: %v", ms)
	}
	if _, err := client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("exports/stray.mp4")}); err != nil {
		t.Fatal(err)
	}
	out, _, code = runCLI(t, "", "--config", cfg, "verify", "rec", "--manifest", ms[0], "--manifest", ms[1], "--json")
	var rep struct {
		OK        bool     `json:"ok"`
		Matched   int      `json:"matched"`
		Manifests []string `json:"manifests"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitOK || !rep.OK || rep.Matched != 2 || len(rep.Manifests) != 2 {
		t.Fatalf("--manifest twice: code %d err %v %+v\n%s", code, err, rep, out)
	}
	out, _, code = runCLI(t, "", "--config", cfg, "verify", "rec", "--manifest", ms[1])
	if code != ExitFailed || !strings.Contains(out, "[FAIL] 1 extra") {
		t.Fatalf("one manifest: code %d\n%s", code, out)
	}
}
