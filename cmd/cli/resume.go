package cli

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/stowage-dev/stowage/internal/shellquote"
)

// resumeCommand rebuilds the command line that continues this export: the
// same location, sources and flags (global flags first, each group in name
// order).
func resumeCommand(c *cobra.Command) string {
	var global, local []string
	c.Flags().Visit(func(f *pflag.Flag) {
		if c.LocalFlags().Lookup(f.Name) != nil {
			local = append(local, flagWords(f)...)
		} else {
			global = append(global, flagWords(f)...)
		}
	})
	words := append([]string{programName()}, global...)
	words = append(words, c.Name())
	words = append(words, c.Flags().Args()...)
	words = append(words, local...)
	for i, w := range words {
		words[i] = shellquote.Word(w)
	}
	return strings.Join(words, " ")
}

// programName is how the user started Stowage when it looks like Stowage
// (a path to the binary included), else "stowage".
func programName() string {
	if len(os.Args) > 0 && strings.HasPrefix(filepath.Base(os.Args[0]), "stowage") {
		return os.Args[0]
	}
	return "stowage"
}

// flagWords renders one set flag as command-line words.
func flagWords(f *pflag.Flag) []string {
	if f.Value.Type() == "bool" {
		if f.Value.String() == "true" {
			return []string{"--" + f.Name}
		}
		return []string{"--" + f.Name + "=false"}
	}
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		var out []string
		for _, v := range sv.GetSlice() {
			out = append(out, "--"+f.Name, v)
		}
		return out
	}
	return []string{"--" + f.Name, f.Value.String()}
}
