package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
)

// exportedConfig is writeConfig with one real export to nas done, so nas
// has a journal and manifests next to the locations file. It returns the
// locations file and nas's journal files.
func exportedConfig(t *testing.T) (cfg string, journal []string) {
	t.Helper()
	t.Setenv("CI", "")
	cfg = writeConfig(t)
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "call-1.wav"), []byte("RIFF recording"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runCLI(t, "", "--config", cfg, "export", "nas", src, "--no-tui"); code != ExitOK {
		t.Fatalf("export nas: code %d\n%s%s", code, out, errOut)
	}
	journal = nasJournal(t, cfg)
	if len(journal) < 2 {
		t.Fatalf("the export left %v next to the locations file; want a journal and manifests", journal)
	}
	return cfg, journal
}

func nasJournal(t *testing.T, cfg string) []string {
	t.Helper()
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	loc, ok := f.Find("nas")
	if !ok {
		t.Fatal("nas is not in the file")
	}
	return export.JournalFiles(mustAbs(t, cfg), *loc)
}

// names are the locations the file at cfg holds.
func names(t *testing.T, cfg string) string {
	t.Helper()
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(f.Names(), ",")
}

// flat joins the lines of wrapped output.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

func exist(paths []string) (n int) {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			n++
		}
	}
	return n
}

func TestDeleteKeepsOrDeletesTheJournal(t *testing.T) {
	t.Run("keep (the default)", func(t *testing.T) {
		cfg, journal := exportedConfig(t)
		out, errOut, code := runCLI(t, "", "--config", cfg, "delete", "nas", "--yes")
		if code != ExitOK {
			t.Fatalf("code %d\n%s%s", code, out, errOut)
		}
		if got := names(t, cfg); got != "acme,globex" {
			t.Errorf("locations after the delete: %s", got)
		}
		if n := exist(journal); n != len(journal) {
			t.Errorf("%d of the %d journal files are left, want all", n, len(journal))
		}
		dir := filepath.Dir(journal[0])
		if !strings.Contains(flat(out), `Deleted location "nas" from `+cfg) || !strings.Contains(flat(out), "Its export journal and manifests stay in "+dir) {
			t.Errorf("output does not say what was deleted and where the journal stays:\n%s", out)
		}
	})
	t.Run("delete", func(t *testing.T) {
		cfg, journal := exportedConfig(t)
		out, errOut, code := runCLI(t, "", "--config", cfg, "delete", "nas", "--yes", "--journal", "delete")
		if code != ExitOK {
			t.Fatalf("code %d\n%s%s", code, out, errOut)
		}
		if got := names(t, cfg); got != "acme,globex" {
			t.Errorf("locations after the delete: %s", got)
		}
		if n := exist(journal); n != 0 {
			t.Errorf("%d journal files are left: %v", n, journal)
		}
		if !strings.Contains(flat(out), "Deleted its export journal and manifests ("+strconv.Itoa(len(journal))+" files in "+filepath.Dir(journal[0])+")") {
			t.Errorf("output does not say the journal was deleted:\n%s", out)
		}
	})
	t.Run("asked on a terminal: the name, then delete", func(t *testing.T) {
		cfg, journal := exportedConfig(t)
		out, errOut, code := runCLI(t, "nsa\nnas\nmaybe\ndelete\n", "--config", cfg, "delete", "nas")
		if code != ExitOK {
			t.Fatalf("code %d\n%s%s", code, out, errOut)
		}
		for _, want := range []string{`Location "nas": Local or NAS folder, `, "Type nas to delete it (enter keeps it): ", `You typed "nsa", not "nas".`,
			"are in " + filepath.Dir(journal[0]) + ".", "The journal: " + journal[0], "Keep or delete them? (keep/delete) [keep]: ", `Answer keep or delete, not "maybe".`} {
			if !strings.Contains(flat(errOut), strings.TrimSpace(want)) {
				t.Errorf("the questions lack %q:\n%s", want, errOut)
			}
		}
		if got := names(t, cfg); got != "acme,globex" || exist(journal) != 0 {
			t.Errorf("locations %s, %d journal files left", got, exist(journal))
		}
	})
	t.Run("asked on a terminal: a role location's external ID goes with it", func(t *testing.T) {
		cfg, _ := exportedConfig(t)
		out, errOut, code := runCLI(t, "acme\n", "--config", cfg, "delete", "acme")
		if code != ExitOK || names(t, cfg) != "globex,nas" {
			t.Fatalf("code %d, locations %s\n%s%s", code, names(t, cfg), out, errOut)
		}
		if !strings.Contains(flat(errOut), "Its external ID goes with it: set up again, the location gets a new one, and the role's trust policy must be updated") {
			t.Errorf("deleting a role location does not say its external ID is lost:\n%s", errOut)
		}
		_, errOut, _ = runCLI(t, "nas\n", "--config", cfg, "delete", "nas", "--journal", "keep")
		if strings.Contains(errOut, "external ID") {
			t.Errorf("deleting a local folder talks about an external ID:\n%s", errOut)
		}
	})
	t.Run("asked on a terminal: enter keeps it", func(t *testing.T) {
		cfg, journal := exportedConfig(t)
		out, errOut, code := runCLI(t, "\n", "--config", cfg, "delete", "nas", "--journal", "delete")
		if code != ExitOK || !strings.Contains(out, `Nothing was deleted; "nas" stays.`) {
			t.Fatalf("code %d\n%s%s", code, out, errOut)
		}
		if got := names(t, cfg); got != "acme,globex,nas" || exist(journal) != len(journal) {
			t.Errorf("locations %s, %d of %d journal files left", got, exist(journal), len(journal))
		}
	})
}

// TestDeleteRefusesWithoutYes: no terminal on standard input (a file, as
// in a script), or CI set, and no --yes: nothing is asked or deleted.
func TestDeleteRefusesWithoutYes(t *testing.T) {
	cfg, journal := exportedConfig(t)
	stdin, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var out, errOut strings.Builder
	code := run(context.Background(), []string{"--config", cfg, "delete", "nas"}, stdin, &out, &errOut)
	if code != ExitUsage || !strings.Contains(errOut.String(), "standard input is not a terminal") ||
		!strings.Contains(errOut.String(), "pass --yes") || !strings.Contains(errOut.String(), "e.g. stowage delete nas --yes") {
		t.Errorf("not a terminal: code %d\n%s%s", code, out.String(), errOut.String())
	}
	t.Setenv("CI", "true")
	_, e, code := runCLI(t, "nas\n", "--config", cfg, "delete", "nas")
	if code != ExitUsage || !strings.Contains(e, "CI is set in the environment") || !strings.Contains(e, "pass --yes") {
		t.Errorf("CI: code %d\n%s", code, e)
	}
	if got := names(t, cfg); got != "acme,globex,nas" || exist(journal) != len(journal) {
		t.Errorf("deleted without --yes: locations %s, %d of %d journal files left", got, exist(journal), len(journal))
	}
}

func TestDeleteBadInput(t *testing.T) {
	t.Setenv("CI", "")
	cfg := writeConfig(t)
	empty := filepath.Join(t.TempDir(), "none.yaml")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown name", []string{"--config", cfg, "delete", "nope", "--yes"}, `no location named "nope" in ` + cfg + "; known locations: acme, globex, nas"},
		{"no name", []string{"--config", cfg, "delete"}, "delete needs the NAME of a saved location: acme, globex, nas; example: stowage delete acme"},
		{"no name, no locations", []string{"--config", empty, "delete", "--yes"}, "delete needs the NAME of a saved location, and " + empty + " has none"},
		{"two names", []string{"--config", cfg, "delete", "acme", "nas"}, "accepts at most 1 arg"},
		{"bad --journal", []string{"--config", cfg, "delete", "nas", "--yes", "--journal", "drop"}, `--journal: must be keep or delete, not "drop"; example: stowage delete acme --journal delete`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, "", tt.args...)
			if code != ExitUsage || !strings.Contains(errOut, tt.want) {
				t.Errorf("code %d, stderr %q; want %d and %q", code, errOut, ExitUsage, tt.want)
			}
		})
	}
	if got := names(t, cfg); got != "acme,globex,nas" {
		t.Errorf("locations after bad input: %s", got)
	}
}

// TestDeleteBusyJournal: an export holding the journal (here the journal
// opened for writing, as a run opens it) refuses the delete, naming the
// process, whatever --journal says; nothing is deleted.
func TestDeleteBusyJournal(t *testing.T) {
	cfg, journal := exportedConfig(t)
	j, err := export.OpenJournal(journal[0])
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for _, args := range [][]string{{"--yes"}, {"--yes", "--journal", "delete"}, {}} {
		_, errOut, code := runCLI(t, "nas\n", append([]string{"--config", cfg, "delete", "nas"}, args...)...)
		if code != ExitUsage || !strings.Contains(errOut, "journal is in use by another export") ||
			!strings.Contains(errOut, "held by process "+strconv.Itoa(os.Getpid())) {
			t.Errorf("%v: code %d, stderr %q", args, code, errOut)
		}
		if strings.Contains(errOut, "Type nas") {
			t.Errorf("%v: asked although the journal is in use:\n%s", args, errOut)
		}
	}
	if got := names(t, cfg); got != "acme,globex,nas" || exist(journal) != len(journal) {
		t.Errorf("deleted while in use: locations %s, %d of %d journal files left", got, exist(journal), len(journal))
	}
}

// TestDeleteScreenShare: what delete prints about a role location and a
// keys location, asked and with --yes, masks their identifiers.
func TestDeleteScreenShare(t *testing.T) {
	t.Setenv("CI", "")
	cfg := writeConfig(t)
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	never := forbidden(f)
	out, errOut, code := runCLI(t, "acme\n", "--config", cfg, "--screen-share", "delete", "acme")
	if code != ExitOK || !strings.Contains(errOut, `Location "acme": Amazon S3`) {
		t.Fatalf("code %d\n%s%s", code, out, errOut)
	}
	assertNoLeak(t, "stdout", out, never)
	assertNoLeak(t, "stderr", errOut, never)
	out, errOut, code = runCLI(t, "", "--config", cfg, "--screen-share", "delete", "globex", "--yes")
	if code != ExitOK {
		t.Fatalf("code %d\n%s%s", code, out, errOut)
	}
	assertNoLeak(t, "stdout", out, never)
	assertNoLeak(t, "stderr", errOut, never)
}

// TestCompletesLocationNames: the shell completion of delete's NAME (and
// of the other commands that take one, --edit and --from) offers the saved
// locations; export's SRC and download's DEST complete files.
func TestCompletesLocationNames(t *testing.T) {
	cfg := writeConfig(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"delete", ""}, "acme\nglobex\nnas\n:4\n"},
		{[]string{"delete", "acme", ""}, ":4\n"},
		{[]string{"show", ""}, "acme\nglobex\nnas\n:4\n"},
		{[]string{"export", ""}, "acme\nglobex\nnas\n:4\n"},
		{[]string{"export", "nas", ""}, ":0\n"},
		{[]string{"export", "nas", "--from", ""}, "acme\nglobex\nnas\n:4\n"},
		{[]string{"download", "nas", ""}, ":0\n"},
		{[]string{"config", "export", "acme", ""}, "globex\nnas\n:4\n"},
		{[]string{"setup", "--edit", ""}, "acme\nglobex\nnas\n:4\n"},
	}
	for _, tt := range tests {
		out, errOut, code := runCLI(t, "", append([]string{"--config", cfg, "__complete"}, tt.args...)...)
		if code != ExitOK || out != tt.want {
			t.Errorf("complete %q: code %d, got %q, want %q (%s)", tt.args, code, out, tt.want, errOut)
		}
	}
}

// TestPrintErrorWrapsBetweenWords: on a terminal of 80 columns an error
// longer than a line is broken between words, its continuation indented;
// a word longer than a line (a path) stays whole. Elsewhere it is one line.
func TestPrintErrorWrapsBetweenWords(t *testing.T) {
	err := errors.New(`the input ended at "Type" before the setup wizard finished; nothing was saved; the unsaved location is kept in /tmp/delcmd/acc.draft.yaml and offered when the wizard starts again`)
	var b strings.Builder
	printError(&b, err, 80)
	want := `error: the input ended at "Type" before the setup wizard finished; nothing
  was saved; the unsaved location is kept in /tmp/delcmd/acc.draft.yaml and
  offered when the wizard starts again
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	printError(&b, errors.New("not deleted: standard input is not a terminal, so nothing can be asked; pass --yes to delete without a question, e.g. stowage delete nas2 --yes"), 80)
	if want := "error: not deleted: standard input is not a terminal, so nothing can be\n  asked; pass --yes to delete without a question, e.g. stowage delete nas2\n  --yes\n"; b.String() != want {
		t.Errorf("a flag is cut at its hyphen:\n%s", b.String())
	}
	b.Reset()
	printError(&b, err, 0)
	if b.String() != "error: "+err.Error()+"\n" {
		t.Errorf("not a terminal: %q", b.String())
	}
}
