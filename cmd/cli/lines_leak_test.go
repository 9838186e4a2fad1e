package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/providers"
)

// deniedStore refuses every upload with the message AWS gives, which
// names the assumed role's account and the access key: the export's
// failure lines quote it.
type deniedStore struct{}

func (deniedStore) Test(context.Context, func(providers.Check)) (providers.Report, error) {
	return providers.Report{}, errors.New("not used by this test")
}

func (deniedStore) Put(context.Context, string, providers.Body, int64, providers.PutOptions) (providers.Object, error) {
	return providers.Object{}, errors.New("AccessDenied: User: arn:aws:sts::444455556666:assumed-role/stowage-export/s is not authorized to perform: s3:PutObject (key AKIAIOSFODNN7EXAMPLE)")
}

func TestExportLinesMaskWhatTheStoreSays(t *testing.T) {
	cfg := writeConfig(t)
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "call.wav"), []byte("RIFF"), 0o644); err != nil {
		t.Fatal(err)
	}
	fl := exportFlags{concurrency: export.DefaultConcurrency}
	opts, err := fl.options([]string{src})
	if err != nil {
		t.Fatal(err)
	}
	opts.JournalPath = filepath.Join(t.TempDir(), "journal.db")
	var out, errb bytes.Buffer
	g := &globals{screenShare: true, stdout: &out, stderr: &errb, redactor: config.NewRedactor(true)}
	g.redactor.AddFile(f)
	loc, _ := f.Find("acme")
	_ = runExportLines(context.Background(), g, modeLines, deniedStore{}, loc, opts, "stowage export acme "+src)
	text := out.String() + errb.String()
	if !strings.Contains(text, "AccessDenied") {
		t.Fatalf("the failure is not reported:\n%s", text)
	}
	for _, id := range []string{"444455556666", "AKIAIOSFODNN7EXAMPLE"} {
		if strings.Contains(text, id) {
			t.Errorf("printed %q whole:\n%s", id, text)
		}
	}
}
