package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

func init() { register(newListCmd) }

func newListCmd(g *globals) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List the saved locations",
		Long: `List the locations saved in the locations file: name, type, where the
recordings go (bucket and prefix, container or folder), how Stowage gets in
(role, keys, connection string, SAS) and the result of the last connection
test. Secrets are never printed; --json gives the same rows for scripts.`,
		Example: `  stowage list
  stowage list --json | jq -r '.[].name'
  stowage list --config ./customer.yaml`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			f, err := loadConfig(g)
			if err != nil {
				return err
			}
			out := g.redacted(g.stdout)
			defer out.Flush()
			if asJSON {
				return listJSON(out, f)
			}
			if len(f.Locations) == 0 {
				fmt.Fprintf(out, "No locations in %s yet. Create one with `stowage setup`.\n", f.Source.Path)
				return nil
			}
			rows := [][]string{{"NAME", "TYPE", "WHERE", "ACCESS", "LAST TEST"}}
			for _, name := range f.Names() {
				loc, _ := f.Find(name)
				// Masked before the columns are measured (and cut), so
				// they line up and a cut never leaves part of an ID.
				row := []string{loc.Name, string(loc.Type), where(*loc), access(*loc), lastTest(loc.LastTest)}
				for i := range row {
					row[i] = g.redactor.Text(row[i])
				}
				rows = append(rows, row)
			}
			writeList(out, rows, outputWidth(g.stdout))
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON (secrets are never included)")
	return c
}

// writeList prints the table of locations (rows[0] is the header). When
// it is wider than width, each location takes three lines instead: name,
// type and last test in columns, then where and access below it, each cut
// in the middle with "…" only if it alone is wider than the terminal.
func writeList(w io.Writer, rows [][]string, width int) {
	lines := columns(rows)
	if fits(lines, width) {
		fmt.Fprintln(w, strings.Join(lines, "\n"))
		return
	}
	short := make([][]string, len(rows))
	for i, r := range rows {
		short[i] = []string{r[0], r[1], r[4]}
	}
	lines = columns(short)
	for i, l := range lines {
		if i == 0 {
			fmt.Fprintln(w, cut(l, width))
			continue
		}
		fmt.Fprintln(w, cut(l, width))
		fmt.Fprintln(w, cut("  where:  "+rows[i][2], width))
		fmt.Fprintln(w, cut("  access: "+rows[i][3], width))
	}
}

func listJSON(w io.Writer, f *config.File) error {
	type row struct {
		Name     string     `json:"name"`
		Type     string     `json:"type"`
		Where    string     `json:"where"`
		Access   string     `json:"access"`
		LastTest *time.Time `json:"last_test,omitempty"`
		TestOK   *bool      `json:"last_test_ok,omitempty"`
	}
	rows := []row{}
	for _, name := range f.Names() {
		loc, _ := f.Find(name)
		r := row{Name: loc.Name, Type: string(loc.Type), Where: where(*loc), Access: access(*loc)}
		if loc.LastTest != nil {
			at, ok := loc.LastTest.At, loc.LastTest.OK
			r.LastTest, r.TestOK = &at, &ok
		}
		rows = append(rows, r)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

// where is the one-line destination of a location: s3://bucket/prefix,
// azure://account/container/prefix or the folder path.
func where(loc config.Location) string {
	switch {
	case loc.Type == config.TypeS3 && loc.S3 != nil:
		s := "s3://" + loc.S3.Bucket + "/" + loc.S3.Prefix
		if loc.S3.Region != "" {
			s += " (" + loc.S3.Region + ")"
		}
		return s
	case loc.Type == config.TypeAzure && loc.Azure != nil:
		account := "<account>"
		if cs, err := validate.ParseConnectionString(loc.Azure.ConnectionString); err == nil && cs.Account() != "" {
			account = cs.Account()
		}
		return "azure://" + account + "/" + loc.Azure.Container + "/" + loc.Azure.Prefix
	case loc.Type == config.TypeLocal && loc.Local != nil:
		return loc.Local.Path
	}
	return "-"
}

func access(loc config.Location) string {
	switch {
	case loc.Type == config.TypeS3 && loc.S3 != nil:
		switch loc.S3.Auth {
		case config.AuthRole:
			return "role " + loc.S3.RoleARN
		case config.AuthKeys:
			return "keys " + loc.S3.AccessKeyID
		default:
			return "ambient credentials"
		}
	case loc.Type == config.TypeAzure:
		return "connection string"
	case loc.Type == config.TypeLocal:
		return "file system"
	}
	return "-"
}

func lastTest(r *config.TestResult) string {
	if r == nil {
		return "never"
	}
	state := "passed"
	if !r.OK {
		state = "FAILED"
	}
	return state + " " + r.At.Local().Format("2006-01-02 15:04")
}
