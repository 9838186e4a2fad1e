package serve

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// login is who a connection authenticated as.
type login struct {
	tenant      string
	auth        string // "code" or "key"
	screenShare bool
	codeHash    string
}

type ctxKey struct{}

// refusedKey marks a connection whose user-name code was refused.
type refusedKey struct{}

// claimTTL frees a code whose login never opened a session.
const claimTTL = 2 * time.Minute

// publicKeyAuth lets a key in as the tenant named by the user name when the
// tenant's authorized_keys lists it.
func (s *Server) publicKeyAuth(ctx ssh.Context, key ssh.PublicKey) bool {
	return s.keyAllowed(ctx.User(), key)
}

func (s *Server) keyAllowed(tenant string, key ssh.PublicKey) bool {
	if key == nil || ValidTenant(tenant) != nil {
		return false
	}
	data, err := os.ReadFile(authorizedKeysPath(s.cfg.Tenants, tenant))
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		k, _, _, _, err := ssh.ParseAuthorizedKey(line)
		if err == nil && ssh.KeysEqual(k, key) {
			return true
		}
	}
	return false
}

// codeAuth checks an onboarding code: the user name when it has the shape
// of one (ssh CODE@host), else the answer to a prompt. Refusals say why in
// the prompt's instruction, which ssh clients print.
func (s *Server) codeAuth(ctx ssh.Context, challenge gossh.KeyboardInteractiveChallenge) bool {
	ctx.SetValue(ctxKey{}, nil)
	addr := remoteHost(ctx.RemoteAddr())
	now := s.cfg.Now()
	say := func(msg string) { _, _ = challenge("", msg+"\n", nil, nil) }
	if blocked, until := s.limiter.blocked(addr, now); blocked {
		s.record(Event{Event: evAuthFailed, Remote: addr, Auth: "code", Reason: "too many failed attempts from this address"})
		say(fmt.Sprintf("Too many wrong onboarding codes from %s; try again after %s.", addr, until.UTC().Format("15:04 UTC")))
		return false
	}
	code := ctx.User()
	fromUser := looksLikeCode(code)
	if fromUser && ctx.Value(refusedKey{}) != nil {
		// ssh retries keyboard-interactive; the user name stays the same
		// code, so the answer does too, and it counts once.
		return false
	}
	if !fromUser {
		answers, err := challenge("", "Type the onboarding code your vendor sent you (like abcd-efgh-jkmn-pqrs).\n",
			[]string{"Onboarding code: "}, []bool{true})
		if err != nil || len(answers) != 1 {
			return false
		}
		code = answers[0]
	}
	inv, hash, err := lookupInvite(s.cfg.Tenants, code, now)
	if err == nil && !s.claim(hash, now) {
		err = ErrCodeBusy
	}
	if err != nil {
		s.limiter.fail(addr, now)
		if fromUser {
			ctx.SetValue(refusedKey{}, true)
		}
		e := Event{Event: evAuthFailed, Remote: addr, Auth: "code", Reason: err.Error()}
		if hash != "" {
			e.Code = codeRef(hash)
		}
		s.record(e)
		hint := "check it, or ask your vendor for a new one"
		if err == ErrCodeExpired || err == ErrCodeUsed {
			hint = "ask your vendor for a new one"
		}
		msg := err.Error()
		say(fmt.Sprintf("%s%s; %s.", strings.ToUpper(msg[:1]), msg[1:], hint))
		return false
	}
	ctx.SetValue(ctxKey{}, &login{tenant: inv.Tenant, auth: "code", screenShare: inv.ScreenShare, codeHash: hash})
	return true
}

// claim reserves a code for one login until its session redeems it, ends,
// or claimTTL passes.
func (s *Server) claim(hash string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.claimed[hash]; ok && now.Sub(t) < claimTTL {
		return false
	}
	s.claimed[hash] = now
	return true
}

func (s *Server) unclaim(hash string) {
	if hash == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.claimed, hash)
}

// loginOf is the login of a session. A key session is checked again here
// because the ssh package may skip the callback for a key it saw before.
func (s *Server) loginOf(sess ssh.Session) *login {
	if k := sess.PublicKey(); k != nil {
		if s.keyAllowed(sess.User(), k) {
			return &login{tenant: sess.User(), auth: "key", screenShare: true}
		}
		return nil
	}
	l, _ := sess.Context().Value(ctxKey{}).(*login)
	return l
}
