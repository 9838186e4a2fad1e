package cli

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
)

// addBuiltins adds cobra's help and completion commands now rather than at
// Execute, so they can carry examples like every other command and their
// argument errors become usage errors too.
func addBuiltins(root *cobra.Command, g *globals) {
	// The completion commands keep the writer they see when they are made.
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	examples := map[string]string{
		"help": `  stowage help export
  stowage export --help`,
		"completion": `  stowage completion bash > ~/.local/share/bash-completion/completions/stowage
  stowage completion zsh > "${fpath[1]}/_stowage"
  stowage completion fish > ~/.config/fish/completions/stowage.fish`,
		"completion bash": `  source <(stowage completion bash)
  stowage completion bash > ~/.local/share/bash-completion/completions/stowage`,
		"completion zsh":        `  stowage completion zsh > "${fpath[1]}/_stowage"`,
		"completion fish":       `  stowage completion fish > ~/.config/fish/completions/stowage.fish`,
		"completion powershell": `  stowage completion powershell | Out-String | Invoke-Expression`,
	}
	walk(root, func(c *cobra.Command) {
		path := c.CommandPath()[len(root.Name()):]
		if len(path) > 0 {
			path = path[1:]
		}
		if ex, ok := examples[path]; ok && c.Example == "" {
			c.Example = ex
		}
		completeNames(c, g)
	})
}

// completeNames makes shell completion offer the saved locations' names
// for c's NAME argument (the first; every one of "[NAME...]") and for its
// --edit and --from flags. Other arguments (export's SRC, download's DEST)
// complete file names.
func completeNames(c *cobra.Command, g *globals) {
	for _, flag := range []string{"edit", "from"} {
		if c.Flags().Lookup(flag) != nil {
			_ = c.RegisterFlagCompletionFunc(flag, func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
				return savedNames(g, nil), cobra.ShellCompDirectiveNoFileComp
			})
		}
	}
	use := strings.Fields(c.Use)
	if len(use) < 2 || c.ValidArgsFunction != nil {
		return
	}
	many := use[1] == "[NAME...]"
	if use[1] != "NAME" && !many {
		return
	}
	c.ValidArgsFunction = func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		switch {
		case many:
			return savedNames(g, args), cobra.ShellCompDirectiveNoFileComp
		case len(args) == 0:
			return savedNames(g, nil), cobra.ShellCompDirectiveNoFileComp
		case len(use) > 2:
			return nil, cobra.ShellCompDirectiveDefault
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// savedNames are the names of the locations in the file --config names,
// but those in given; none when it cannot be read (completion says nothing).
func savedNames(g *globals, given []string) []cobra.Completion {
	f, err := config.Load(config.ResolvePath(g.configPath))
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	for _, n := range f.Names() {
		if !slices.Contains(given, n) {
			out = append(out, n)
		}
	}
	return out
}

// walk calls f for c and every command below it, help included.
func walk(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		walk(sub, f)
	}
}
