package serve

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// onboardUser is the SSH user name for typing the code at a prompt.
const onboardUser = "onboard"

// codeAlphabet has no look-alikes (0/o, 1/l/i) and is all lowercase, so a
// code read out over the phone or typed as an SSH user name survives.
const codeAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// A code is four groups of four: 16 characters of 31 are 79 bits, far out
// of reach of the per-address attempt limit.
var codePattern = regexp.MustCompile(`^[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){3}$`)

// DefaultInviteTTL is how long a code works unless --expires says otherwise.
const DefaultInviteTTL = 72 * time.Hour

// Invite is an onboarding code's record. The code itself is never stored,
// only its SHA-256, so the folder does not hold a usable code.
type Invite struct {
	Tenant      string     `json:"tenant"`
	Created     time.Time  `json:"created"`
	Expires     time.Time  `json:"expires"`
	ScreenShare bool       `json:"screen_share"`
	UsedAt      *time.Time `json:"used_at,omitempty"`
}

// Reasons a code does not let the session in.
var (
	ErrCodeUnknown = errors.New("this onboarding code is not known")
	ErrCodeUsed    = errors.New("this onboarding code was already used")
	ErrCodeExpired = errors.New("this onboarding code has expired")
	ErrCodeBusy    = errors.New("this onboarding code is in use by another session")
)

// normalizeCode accepts the code as typed: any case, spaces around it.
func normalizeCode(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// looksLikeCode says whether s has the shape of a code.
func looksLikeCode(s string) bool { return codePattern.MatchString(normalizeCode(s)) }

func codeHash(code string) string {
	sum := sha256.Sum256([]byte(normalizeCode(code)))
	return hex.EncodeToString(sum[:])
}

// codeRef is what the audit log says of a code: 8 hex digits of its hash,
// enough to match an invite, useless for logging in.
func codeRef(hash string) string { return hash[:8] }

func invitesDir(root string) string { return filepath.Join(root, "invites") }

func newCode() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate onboarding code: %w", err)
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		// 256 % 31 leaves a bias of under 1% per character; the code is
		// still above 78 bits.
		sb.WriteByte(codeAlphabet[int(c)%len(codeAlphabet)])
	}
	return sb.String(), nil
}

// CreateInvite makes a one-time onboarding code for tenant, valid for ttl.
func CreateInvite(root, tenant string, ttl time.Duration, screenShare bool, now time.Time) (string, Invite, error) {
	if err := ValidTenant(tenant); err != nil {
		return "", Invite{}, err
	}
	if ttl <= 0 {
		return "", Invite{}, fmt.Errorf("--expires: must be a positive duration (got %s); example: --expires 72h", ttl)
	}
	code, err := newCode()
	if err != nil {
		return "", Invite{}, err
	}
	now = now.UTC().Truncate(time.Second)
	inv := Invite{Tenant: tenant, Created: now, Expires: now.Add(ttl), ScreenShare: screenShare}
	dir := invitesDir(root)
	if err := os.MkdirAll(filepath.Join(dir, "used"), 0o700); err != nil {
		return "", Invite{}, fmt.Errorf("create the invites folder: %w", err)
	}
	// The tenant's folder exists from the first invite, so keys can go in.
	if err := os.MkdirAll(filepath.Join(root, tenant), 0o700); err != nil {
		return "", Invite{}, fmt.Errorf("create the tenant folder: %w", err)
	}
	data, _ := json.MarshalIndent(inv, "", "  ")
	f, err := os.OpenFile(filepath.Join(dir, codeHash(code)+".json"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", Invite{}, fmt.Errorf("write the invite: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return "", Invite{}, fmt.Errorf("write the invite: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", Invite{}, fmt.Errorf("write the invite: %w", err)
	}
	return code, inv, nil
}

func readInvite(path string) (Invite, error) {
	var inv Invite
	data, err := os.ReadFile(path)
	if err != nil {
		return inv, err
	}
	if err := json.Unmarshal(data, &inv); err != nil {
		return inv, fmt.Errorf("invite %s: %w", filepath.Base(path), err)
	}
	return inv, nil
}

// lookupInvite finds the open invite of code, or says why it cannot be used.
func lookupInvite(root, code string, now time.Time) (Invite, string, error) {
	if !looksLikeCode(code) {
		return Invite{}, "", ErrCodeUnknown
	}
	h := codeHash(code)
	inv, err := readInvite(filepath.Join(invitesDir(root), h+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		if _, uerr := os.Stat(filepath.Join(invitesDir(root), "used", h+".json")); uerr == nil {
			return Invite{}, h, ErrCodeUsed
		}
		return Invite{}, h, ErrCodeUnknown
	}
	if err != nil {
		return Invite{}, h, err
	}
	if !now.Before(inv.Expires) {
		return inv, h, ErrCodeExpired
	}
	if ValidTenant(inv.Tenant) != nil {
		return inv, h, ErrCodeUnknown
	}
	return inv, h, nil
}

// redeemInvite marks the invite used. The rename is the claim: of two
// servers or sessions racing for one code exactly one rename succeeds.
func redeemInvite(root, hash string, now time.Time) error {
	from := filepath.Join(invitesDir(root), hash+".json")
	to := filepath.Join(invitesDir(root), "used", hash+".json")
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return err
	}
	if err := os.Rename(from, to); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return ErrCodeUsed
		}
		return fmt.Errorf("redeem the onboarding code: %w", err)
	}
	// Best effort: the record says when; the rename already made it used.
	if inv, err := readInvite(to); err == nil {
		t := now.UTC().Truncate(time.Second)
		inv.UsedAt = &t
		if data, err := json.MarshalIndent(inv, "", "  "); err == nil {
			tmp := to + ".tmp"
			if os.WriteFile(tmp, append(data, '\n'), 0o600) == nil {
				_ = os.Rename(tmp, to)
			}
		}
	}
	return nil
}
