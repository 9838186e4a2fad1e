package cli

import "github.com/spf13/cobra"

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
	})
}

// walk calls f for c and every command below it, help included.
func walk(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		walk(sub, f)
	}
}
