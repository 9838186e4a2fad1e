// Package serve runs the setup wizard over SSH (`stowage serve`): each
// session gets its own wizard on its own pty, for one tenant, whose
// locations live in their own file under the tenants folder. Nothing else
// is offered: no shell, exec, subsystem (SFTP), port or agent forwarding.
//
// It sits between cmd and tui: it uses tui's wizard with the Served option
// and never draws screens of its own beyond one-line messages.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

// Defaults of Config.
const (
	DefaultIdleTimeout = 15 * time.Minute
	DefaultMaxSessions = 10
	// Failed code attempts an address gets per window.
	DefaultMaxFailures   = 10
	DefaultFailureWindow = 15 * time.Minute
)

// Config configures a Server.
type Config struct {
	// HostKey is the server's private key file; it is generated (ed25519)
	// on first start when missing and kept.
	HostKey string
	// Tenants is the folder of tenants, invites and (by default) the audit log.
	Tenants string
	// Platform is the server's own platform settings (principal ARNs, base
	// credentials); sessions use them and cannot change them.
	Platform config.Platform
	// Audit is the JSON Lines audit log; empty means Tenants/audit.jsonl.
	Audit string
	// IdleTimeout ends a session without input for this long.
	IdleTimeout time.Duration
	// MaxSessions is how many sessions may run at once.
	MaxSessions int
	// MaxFailures failed code attempts per address within FailureWindow
	// lock that address out until the oldest one is FailureWindow old.
	MaxFailures   int
	FailureWindow time.Duration
	// Open opens a location's provider for the connection test; nil means
	// providers.Open with Platform.
	Open func(ctx context.Context, loc config.Location) (providers.Provider, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives the server's own diagnostics (not the audit log); nil
	// discards them.
	Log io.Writer
}

// Server is the SSH server.
type Server struct {
	cfg     Config
	srv     *ssh.Server
	audit   *auditLog
	limiter *failureLimiter
	slots   chan struct{}

	// running counts the session handlers, so the audit log is closed
	// only after their last event.
	running sync.WaitGroup

	mu sync.Mutex
	// claimed holds the codes of sessions between login and the start of
	// their wizard, so one code cannot log in twice at once.
	claimed map[string]time.Time
}

// New checks cfg, loads or makes the host key and opens the audit log.
func New(cfg Config) (*Server, error) {
	if cfg.Tenants == "" {
		return nil, errors.New("--tenants: required; example: --tenants /var/lib/stowage/tenants")
	}
	if cfg.HostKey == "" {
		return nil, errors.New("--host-key: required; example: --host-key /var/lib/stowage/ssh_host_ed25519_key")
	}
	if cfg.Audit == "" {
		cfg.Audit = filepath.Join(cfg.Tenants, "audit.jsonl")
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = DefaultMaxFailures
	}
	if cfg.FailureWindow <= 0 {
		cfg.FailureWindow = DefaultFailureWindow
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Open == nil {
		platform := cfg.Platform
		cfg.Open = func(ctx context.Context, loc config.Location) (providers.Provider, error) {
			return providers.Open(ctx, loc, providers.Options{Platform: platform, Concurrency: 4})
		}
	}
	if err := os.MkdirAll(cfg.Tenants, 0o700); err != nil {
		return nil, fmt.Errorf("--tenants: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(cfg.HostKey), 0o700); err != nil {
		return nil, fmt.Errorf("--host-key: %w", err)
	}
	audit, err := openAudit(cfg.Audit, cfg.Now)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:     cfg,
		audit:   audit,
		limiter: newFailureLimiter(cfg.MaxFailures, cfg.FailureWindow),
		slots:   make(chan struct{}, cfg.MaxSessions),
		claimed: map[string]time.Time{},
	}
	srv, err := wish.NewServer(
		wish.WithHostKeyPath(cfg.HostKey),
		wish.WithPublicKeyAuth(s.publicKeyAuth),
		wish.WithKeyboardInteractiveAuth(s.codeAuth),
		wish.WithMiddleware(s.handle),
		func(srv *ssh.Server) error {
			srv.Version = "stowage"
			// A shell request starts the wizard; exec and subsystems
			// (sftp) are refused.
			srv.SessionRequestCallback = func(sess ssh.Session, reqType string) bool {
				return reqType == "shell"
			}
			// Only session channels: no direct-tcpip, no forwarding.
			srv.ChannelHandlers = map[string]ssh.ChannelHandler{
				"session": func(srv *ssh.Server, conn *gossh.ServerConn, ch gossh.NewChannel, ctx ssh.Context) {
					ssh.DefaultSessionHandler(srv, conn, refuseAgent{ch}, ctx)
				},
			}
			srv.RequestHandlers = map[string]ssh.RequestHandler{}
			srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{}
			srv.LocalPortForwardingCallback = nil
			srv.ReversePortForwardingCallback = nil
			srv.ServerConfigCallback = func(ssh.Context) *gossh.ServerConfig {
				// Clients offer every key they hold before the code prompt.
				return &gossh.ServerConfig{MaxAuthTries: 20}
			}
			srv.ConnectionCloseCallback = func(net.Conn) {}
			return nil
		},
	)
	if err != nil {
		audit.close()
		return nil, fmt.Errorf("--host-key %s: %w", cfg.HostKey, err)
	}
	s.srv = srv
	return s, nil
}

// Serve accepts connections on l until Close or Shutdown.
func (s *Server) Serve(l net.Listener) error {
	err := s.srv.Serve(l)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting and waits for open sessions until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	s.closeAudit()
	return err
}

// Close stops the server and drops every session.
func (s *Server) Close() error {
	err := s.srv.Close()
	s.closeAudit()
	return err
}

// closeAudit waits a moment for the dropped sessions to write their end.
func (s *Server) closeAudit() {
	done := make(chan struct{})
	go func() { s.running.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.logf("audit log: closing with sessions still ending")
	}
	s.audit.close()
}

// refuseAgent refuses agent and X11 forwarding on a session channel; the
// ssh package would otherwise accept agent requests.
type refuseAgent struct{ gossh.NewChannel }

func (c refuseAgent) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := c.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	out := make(chan *gossh.Request)
	go func() {
		defer close(out)
		for r := range reqs {
			switch r.Type {
			case "auth-agent-req@openssh.com", "x11-req":
				if r.WantReply {
					_ = r.Reply(false, nil)
				}
				continue
			}
			out <- r
		}
	}()
	return ch, out, nil
}

func (s *Server) logf(format string, args ...any) {
	fmt.Fprintf(s.cfg.Log, format+"\n", args...)
}

func (s *Server) record(e Event) {
	if err := s.audit.write(e); err != nil {
		s.logf("audit log: %v", err)
	}
}

func remoteHost(a net.Addr) string {
	if a == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// HostKeyFingerprint is the SHA256 fingerprint of the host key, for the
// vendor to hand customers so they can check the first connection.
func (s *Server) HostKeyFingerprint() (string, error) {
	data, err := os.ReadFile(s.cfg.HostKey)
	if err != nil {
		return "", err
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return "", fmt.Errorf("host key %s: %w", s.cfg.HostKey, err)
	}
	return gossh.FingerprintSHA256(signer.PublicKey()), nil
}
