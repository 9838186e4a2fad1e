// Package cli is Stowage's command tree: one file per command, errors mapped
// to exit codes in exit.go.
package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
)

// globals are the flags every command shares.
type globals struct {
	configPath  string
	screenShare bool
	accessible  bool
	stdin       io.Reader
	stdout      io.Writer
	stderr      io.Writer
	interrupts  *interrupts
	// redactor knows the secrets and identifiers of the loaded file and
	// masks them, by the mode, in what commands print (see redacted).
	redactor *config.Redactor
}

// redacted returns w through the redactor: secrets are masked always,
// identifiers in --screen-share mode. Flush it when done.
func (g *globals) redacted(w io.Writer) *config.LineWriter {
	if g.redactor == nil {
		g.redactor = config.NewRedactor(g.screenShare)
	}
	return g.redactor.Writer(w)
}

// mask is the redactor's Text, for screens that draw text from outside
// (a store's errors on the progress screens).
func (g *globals) mask(s string) string {
	if g.redactor == nil {
		g.redactor = config.NewRedactor(g.screenShare)
	}
	return g.redactor.Text(s)
}

// redactOutput sends the command's stdout and stderr through the redactor
// until the returned function is called. Commands that print a location's
// or the platform's values call it first thing; screens (the wizard, the
// progress screens) draw masked frames themselves and need the terminal.
func (g *globals) redactOutput() (restore func()) {
	out, errw := g.redacted(g.stdout), g.redacted(g.stderr)
	oldOut, oldErr := g.stdout, g.stderr
	g.stdout, g.stderr = out, errw
	return func() {
		_ = out.Flush()
		_ = errw.Flush()
		g.stdout, g.stderr = oldOut, oldErr
	}
}

// flush writes a prompt that does not end its line, before reading.
func flush(w io.Writer) {
	if f, ok := w.(interface{ Flush() error }); ok {
		_ = f.Flush()
	}
}

// Main runs the command tree with args and returns the exit code. It is
// the one place that subscribes to SIGINT and SIGTERM (see interrupts).
func Main(args []string) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := &interrupts{cancel: cancel}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for range sigs {
			in.deliver()
		}
	}()
	return runWith(ctx, in, args, os.Stdin, os.Stdout, os.Stderr)
}

// interrupts delivers SIGINT and SIGTERM: while an export or download runs
// each goes to that run's stop policy (runctl.Stops: the first graceful,
// the second hard), otherwise it cancels the root context, which ends any
// other command.
type interrupts struct {
	cancel context.CancelFunc

	mu      sync.Mutex
	handler func()
}

// deliver is one signal.
func (in *interrupts) deliver() {
	in.mu.Lock()
	h := in.handler
	in.mu.Unlock()
	if h != nil {
		h()
		return
	}
	in.cancel()
}

// forward sends every signal to f until the returned function is called;
// without interrupts (a command built by a test) it does nothing.
func (in *interrupts) forward(f func()) (restore func()) {
	if in == nil {
		return func() {}
	}
	in.mu.Lock()
	in.handler = f
	in.mu.Unlock()
	forwarding(in)
	return func() {
		in.mu.Lock()
		in.handler = nil
		in.mu.Unlock()
	}
}

// forwarded reports whether a run receives the signals now.
func (in *interrupts) forwarded() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.handler != nil
}

// forwarding is called once a run forwards signals; tests set it to send
// one without signalling the test process.
var forwarding = func(*interrupts) {}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runWith(ctx, &interrupts{cancel: func() {}}, args, stdin, stdout, stderr)
}

func runWith(ctx context.Context, in *interrupts, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr, interrupts: in}
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
		// An error may quote a value (a store's message, an ARN).
		w := g.redacted(stderr)
		printError(w, err, terminalWidth(stderr))
		_ = w.Flush()
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
