// Package cli is Stowage's command tree: one file per command, errors mapped
// to exit codes in exit.go.
package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// globals are the flags every command shares.
type globals struct {
	configPath  string
	screenShare bool
	accessible  bool
	stdin       io.Reader
	stdout      io.Writer
	stderr      io.Writer
}

// Main runs the command tree with args and returns the exit code.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, os.Stdin, os.Stdout, os.Stderr)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRoot(g)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err != nil && ctx.Err() != nil && !errors.Is(err, ErrInterrupted) {
		err = errors.Join(ErrInterrupted, err)
	}
	if err != nil {
		printError(stderr, err)
	}
	return ExitCode(err)
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "stowage",
		Short: "Connect your own cloud storage for call and screen recording exports",
		Long: `Stowage connects your own storage (Amazon S3 by role or keys, S3-compatible
stores, Azure Blob, or a local/NAS folder) as an export destination for call and
screen recordings: it writes the least-privilege policies, tests every
permission, saves the location and runs fast, resumable bulk exports.

Run it without a command to open the setup wizard.`,
		Example: `  stowage                       # the setup wizard
  stowage --screen-share        # the wizard on a shared screen: secrets and IDs masked
  stowage test acme
  stowage export acme /var/spool/recordings`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.configPath, "config", "", "locations file (default $STOWAGE_CONFIG or $XDG_CONFIG_HOME/stowage/config.yaml)")
	root.PersistentFlags().BoolVar(&g.screenShare, "screen-share", false, "never show secrets; partly mask account IDs (for support sessions)")
	root.PersistentFlags().BoolVar(&g.accessible, "accessible", false, "plain line-by-line prompts instead of the full-screen wizard")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &UsageError{Err: err}
	})
	root.AddCommand(
		newVersionCmd(g),
	)
	for _, add := range extraCommands {
		root.AddCommand(add(g))
	}
	if rootRun != nil {
		root.RunE = func(c *cobra.Command, args []string) error { return rootRun(c, g, args) }
	}
	addBuiltins(root, g)
	wrapArgs(root)
	return root
}

// extraCommands and rootRun are filled in by each command's file (init), so
// adding a command touches only its own file.
var (
	extraCommands []func(*globals) *cobra.Command
	rootRun       func(*cobra.Command, *globals, []string) error
)

func register(f func(*globals) *cobra.Command) { extraCommands = append(extraCommands, f) }

// wrapArgs turns cobra's positional-argument errors into usage errors (exit 2).
func wrapArgs(c *cobra.Command) {
	if c.Args != nil {
		check := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return &UsageError{Err: err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
}
