package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestReadmeMatchesCommands keeps README.md true to the binary: every
// command of the tree has a row in its Commands table, and every --flag the
// README shows on a stowage command line is a flag some command has.
func TestReadmeMatchesCommands(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	root := newRoot(&globals{stdout: &strings.Builder{}, stderr: &strings.Builder{}})

	_, table, ok := strings.Cut(readme, "\n## Commands\n")
	if !ok {
		t.Fatal(`README.md has no "## Commands" section`)
	}
	if end := strings.Index(table, "\n## "); end >= 0 {
		table = table[:end]
	}
	var rows []string
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, "| `stowage") {
			rows = append(rows, line)
		}
	}
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" {
			continue
		}
		found := false
		for _, row := range rows {
			if strings.Contains(row, "stowage "+c.Name()) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("README.md's Commands table has no row for %q", c.CommandPath())
		}
	}

	flags := map[string]bool{"help": true}
	walk(root, func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) { flags[f.Name] = true })
		}
	})
	// A command line is a code span or a line of a code block that runs
	// stowage; the flags after it must exist.
	var lines []string
	for _, m := range regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(readme, -1) {
		lines = append(lines, m[1])
	}
	inBlock := false
	for _, line := range strings.Split(readme, "\n") {
		if strings.HasPrefix(line, "```") {
			inBlock = !inBlock
			continue
		}
		if inBlock || strings.HasPrefix(line, "    ") {
			lines = append(lines, line)
		}
	}
	flag := regexp.MustCompile(`(?:^|\s)--([a-z][a-z-]*)`)
	checked := 0
	for _, line := range lines {
		_, rest, ok := strings.Cut(line, "stowage ")
		if !ok {
			continue
		}
		rest, _, _ = strings.Cut(rest, "#") // a comment may name other tools' flags
		for _, m := range flag.FindAllStringSubmatch(rest, -1) {
			checked++
			if !flags[m[1]] {
				t.Errorf("README.md shows --%s in %q, and no command has that flag", m[1], strings.TrimSpace(line))
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked only %d flags in README.md; the parsing is not what this test expects", checked)
	}
}
