package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load: it must never panic, every error
// must name the file, and a file it accepts must survive Save and Load
// unchanged in its names.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("version: 1\nlocations: []\n"))
	f.Add([]byte("version: 1\nlocations:\n  - name: nas\n    type: local\n    local:\n      path: /srv/rec\n"))
	f.Add([]byte("version: 1\nplatform:\n  principal_arns: [arn:aws:iam::111122223333:root]\nlocations:\n  - name: acme\n    type: s3\n    s3:\n      bucket: acme-recordings\n      region: eu-west-1\n      auth: role\n      role_arn: arn:aws:iam::444455556666:role/x\n      external_id: abcdefghijklmnopqrstuvwxyz234567\n"))
	f.Add([]byte("version: 2\n"))
	f.Add([]byte("locations: {}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		file, err := Load(path)
		if err != nil {
			if !strings.Contains(err.Error(), "config.yaml") {
				t.Fatalf("Load error does not name the file: %v", err)
			}
			return
		}
		again := filepath.Join(dir, "again.yaml")
		if err := Save(again, file); err != nil {
			t.Fatalf("Save of a file Load accepted: %v", err)
		}
		reread, err := Load(again)
		if err != nil {
			t.Fatalf("Load of a file Save wrote: %v", err)
		}
		if !slices.Equal(file.Names(), reread.Names()) {
			t.Fatalf("names changed: %v -> %v", file.Names(), reread.Names())
		}
	})
}
