package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/serve"
)

func init() { register(newServeCmd) }

func newServeCmd(g *globals) *cobra.Command {
	var cfg serve.Config
	var listen string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve the setup wizard over SSH to customers (onboarding codes, one locations file per tenant)",
		Long: `Serve the setup wizard over SSH. Each session gets its own wizard, with the
screens, keys and checks of 'stowage setup', for one tenant; the tenant's
locations are saved in DIR/TENANT/config.yaml. The platform settings come
from this server's own locations file (--config) and cannot be changed in a
session. Sessions log in with a one-time code ('stowage serve invite') or a
key listed in DIR/TENANT/authorized_keys (user name = TENANT). Nothing else
is offered: no shell, exec, SFTP, port or agent forwarding.`,
		Example: `  stowage serve --listen 127.0.0.1:2222 --host-key /var/lib/stowage/ssh_host_ed25519_key \
      --tenants /var/lib/stowage/tenants
  stowage serve invite acme --tenants /var/lib/stowage/tenants --host onboarding.example.com`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			f, err := loadConfig(g)
			if err != nil {
				return err
			}
			cfg.Platform = f.Platform
			cfg.Log = g.stderr
			return runServe(c.Context(), g, listen, cfg)
		},
	}
	fs := c.Flags()
	fs.StringVar(&listen, "listen", "127.0.0.1:2222", "address to listen on")
	fs.StringVar(&cfg.HostKey, "host-key", "", "host private key file; generated (ed25519) on first start and kept")
	fs.StringVar(&cfg.Audit, "audit", "", "JSON Lines audit log (default DIR/audit.jsonl)")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", serve.DefaultIdleTimeout, "end a session after this long without input")
	fs.IntVar(&cfg.MaxSessions, "max-sessions", serve.DefaultMaxSessions, "sessions allowed at once")
	c.PersistentFlags().StringVar(&cfg.Tenants, "tenants", "", "folder of tenants, invites and the audit log")
	c.AddCommand(newServeInviteCmd(g, &cfg.Tenants))
	return c
}

func runServe(ctx context.Context, g *globals, listen string, cfg serve.Config) error {
	if cfg.Tenants == "" {
		return usagef("--tenants: required; example: --tenants /var/lib/stowage/tenants")
	}
	if cfg.HostKey == "" {
		return usagef("--host-key: required; example: --host-key /var/lib/stowage/ssh_host_ed25519_key")
	}
	s, err := serve.New(cfg)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		s.Close()
		return fmt.Errorf("--listen %s: %w; example: --listen 127.0.0.1:2222", listen, err)
	}
	fp, err := s.HostKeyFingerprint()
	if err != nil {
		s.Close()
		return err
	}
	fmt.Fprintf(g.stdout, "Serving the setup wizard on %s (host key %s); tenants in %s\n", l.Addr(), fp, cfg.Tenants)
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		// Open sessions get a moment to finish a save; the files are
		// written atomically, so a cut-off session leaves them whole.
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		s.Close()
		return nil
	}
}

func newServeInviteCmd(g *globals, tenants *string) *cobra.Command {
	var expires time.Duration
	var noScreenShare bool
	var host string
	var port int
	c := &cobra.Command{
		Use:   "invite TENANT",
		Short: "Make a one-time onboarding code for TENANT and print the line to send",
		Long: `Make a one-time onboarding code for TENANT. The code logs in once, until it
expires; only its hash is stored. Print the ssh line to send the customer,
or the code to type at the prompt of 'ssh -p PORT onboard@HOST'. Sessions run
in screen-share mode (secrets hidden, account IDs partly masked) unless
--no-screen-share is given.`,
		Example: `  stowage serve invite acme --tenants /var/lib/stowage/tenants --host onboarding.example.com --expires 24h`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if *tenants == "" {
				return usagef("--tenants: required; example: --tenants /var/lib/stowage/tenants")
			}
			if err := serve.ValidTenant(args[0]); err != nil {
				return &UsageError{Err: err}
			}
			if expires <= 0 {
				return usagef("--expires: must be a positive duration (got %s); example: --expires 72h", expires)
			}
			if port < 1 || port > 65535 {
				return usagef("--port: must be 1 to 65535 (got %d); example: --port 2222", port)
			}
			code, inv, err := serve.CreateInvite(*tenants, args[0], expires, !noScreenShare, time.Now())
			if err != nil {
				return err
			}
			p := ""
			if port != 22 {
				p = "-p " + strconv.Itoa(port) + " "
			}
			fmt.Fprintf(g.stdout, "Onboarding code for %s, valid once until %s:\n\n", inv.Tenant, inv.Expires.Format("2006-01-02 15:04 MST"))
			fmt.Fprintf(g.stdout, "  ssh %s%s@%s\n\n", p, code, host)
			fmt.Fprintf(g.stdout, "or: ssh %sonboard@%s and type the code %s at the prompt.\n", p, host, code)
			if inv.ScreenShare {
				fmt.Fprintln(g.stdout, "The session runs in screen-share mode.")
			}
			return nil
		},
	}
	hostname, _ := os.Hostname()
	if hostname == "" {
		hostname = "HOST"
	}
	fs := c.Flags()
	fs.DurationVar(&expires, "expires", serve.DefaultInviteTTL, "how long the code works, e.g. 24h")
	fs.BoolVar(&noScreenShare, "no-screen-share", false, "let the session show secrets and full account IDs")
	fs.StringVar(&host, "host", hostname, "host name customers connect to, for the printed line")
	fs.IntVar(&port, "port", 2222, "port customers connect to, for the printed line")
	return c
}
