package config

import (
	"bytes"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/stowage-dev/stowage/validate"
)

// Everything that prints a location's or the platform's values goes
// through Show (one value) or a Redactor (text that may quote values), so
// what a screen may show is decided here, from each setting's Sensitivity.

// accountInARN matches the 12-digit account ID of an ARN, keeping its last
// four digits apart so a masked ARN still tells two accounts apart.
var accountInARN = regexp.MustCompile(`(arn:[a-z0-9-]+:[a-z0-9-]*:[a-z0-9-]*:)([0-9]{8})([0-9]{4})\b`)

// MaskAccountIDs partly masks every account ID inside an ARN in s:
// arn:aws:iam::123456789012:role/x becomes arn:aws:iam::••••••••9012:role/x.
func MaskAccountIDs(s string) string {
	return accountInARN.ReplaceAllString(s, "${1}••••••••${3}")
}

// maskTail shows only the last four characters of an identifier.
func maskTail(s string) string {
	if len(s) <= 4 {
		return strings.Repeat("•", len(s))
	}
	return "••••••••" + s[len(s)-4:]
}

// Show renders one value of sensitivity s for a screen, a log or printed
// output: a secret is RedactedSecret (a connection string keeps its public
// pairs), an identifier in screen-share mode keeps its last four
// characters (an ARN only loses its account ID), a plain value is itself.
func Show(s Sensitivity, v string, screenShare bool) string {
	switch {
	case v == "":
		return ""
	case s == Secret:
		if strings.Contains(v, ";") {
			return redactConnectionString(v)
		}
		return RedactedSecret
	case s == Identifier && screenShare:
		if strings.HasPrefix(v, "arn:") {
			return maskARNAccounts(v, false)
		}
		return maskTail(v)
	}
	return v
}

// ShowTyping renders a value of sensitivity s that is being typed, for the
// input that holds it: it reveals no more than Show of the finished value,
// whatever has been typed so far, so a shared screen watched keystroke by
// keystroke never adds up to the whole identifier. A secret is not echoed
// at all (""). In screen-share mode an ARN keeps its length rune for rune,
// so the input's cursor stays where it is: every digit of its account ID
// is masked, and the last four show only once all twelve are typed and
// the ":" after them. Another identifier is "••••••••" with no cursor
// position to tell its length, and its last four characters only when
// done says it is complete and not being typed (the last four typed so
// far would reveal the characters one by one).
func ShowTyping(s Sensitivity, v string, screenShare, done bool) string {
	switch {
	case s == Secret:
		return ""
	case s != Identifier || !screenShare || v == "":
		return v
	case strings.HasPrefix(v, "arn:"):
		return maskARNAccounts(v, true)
	case done:
		return maskTail(v)
	}
	return typingMask
}

// typingMask is an identifier being typed that is not complete yet.
const typingMask = "••••••••"

// arnAccount finds the account part of every ARN in a value, however much
// of it is typed.
var arnAccount = regexp.MustCompile(`arn:[a-z0-9-]*:[a-z0-9-]*:[a-z0-9-]*:([0-9]+)`)

// maskARNAccounts masks each digit of every ARN's account ID in v, one
// "•" a digit. An account of exactly twelve digits keeps its last four;
// while typing (typing) only once the ":" after it is there too. Any other
// run of digits there is no account ID (a typo, or one being typed) and is
// masked whole: Show never prints a value it could not mask.
func maskARNAccounts(v string, typing bool) string {
	var b strings.Builder
	last := 0
	for _, m := range arnAccount.FindAllStringSubmatchIndex(v, -1) {
		from, to := m[2], m[3]
		keep := 0
		if to-from == 12 && (!typing || strings.HasPrefix(v[to:], ":")) {
			keep = 4
		}
		b.WriteString(v[last:from])
		b.WriteString(strings.Repeat("•", to-from-keep))
		b.WriteString(v[to-keep : to])
		last = to
	}
	b.WriteString(v[last:])
	return b.String()
}

// Shown returns a copy of l with every setting rendered by Show, for
// `stowage show` and bug reports.
func (l Location) Shown(screenShare bool) Location {
	out := l.Redacted()
	for i := range LocationSettings {
		s := &LocationSettings[i]
		if !out.HasSection(s.Section) || s.Sensitivity == Plain {
			continue
		}
		if v := s.Get(&l); v != "" {
			s.Set(&out, Show(s.Sensitivity, v, screenShare))
		}
	}
	return out
}

// Shown returns a copy of p with every setting rendered by Show.
func (p Platform) Shown(screenShare bool) Platform {
	out := p
	out.PrincipalARNs = slices.Clone(p.PrincipalARNs)
	for i := range PlatformSettings {
		s := &PlatformSettings[i]
		if s.Sensitivity == Plain {
			continue
		}
		if v := s.Get(&p); v != "" {
			var shown []string
			for _, item := range strings.Split(v, "\n") {
				shown = append(shown, Show(s.Sensitivity, item, screenShare))
			}
			s.Set(&out, strings.Join(shown, "\n"))
		}
	}
	return out
}

// Redactor masks the values it was told about wherever they appear in a
// text: secrets always, identifiers in screen-share mode (there also
// every account ID inside an ARN). Use it for text that may quote values:
// documents, check details and hints, errors from a store.
type Redactor struct {
	screenShare bool
	// from and to are the values and their replacements, longest first;
	// ids marks the identifiers among them.
	from, to []string
	ids      []bool
}

// NewRedactor returns a Redactor for the mode; screenShare masks
// identifiers too.
func NewRedactor(screenShare bool) *Redactor { return &Redactor{screenShare: screenShare} }

// ScreenShare reports the mode the Redactor masks for.
func (r *Redactor) ScreenShare() bool { return r.screenShare }

// minSecret is the shortest value replaced in text: a secret of a few
// characters would blank ordinary words, and such a secret is refused.
const minSecret = 8

// Add registers the value v of sensitivity s.
func (r *Redactor) Add(s Sensitivity, v string) {
	switch s {
	case Secret:
		if cs, err := validate.ParseConnectionString(v); err == nil {
			r.add(cs.AccountKey, RedactedSecret, minSecret, false)
			r.add(cs.SharedAccessSignature, RedactedSecret, minSecret, false)
		}
		r.add(v, RedactedSecret, minSecret, false)
	case Identifier:
		if strings.HasPrefix(v, "arn:") {
			if acct := validate.AccountIDFromARN(v); acct != "" {
				r.add(acct, maskTail(acct), 5, true)
			}
			// An account not yet (or wrongly) typed, which an error
			// may quote: masked whole.
			for _, m := range arnAccount.FindAllStringSubmatch(v, -1) {
				if len(m[1]) != 12 {
					r.add(m[1], strings.Repeat("•", len(m[1])), 5, true)
				}
			}
			return
		}
		r.add(v, maskTail(v), 5, true)
	}
}

func (r *Redactor) add(v, with string, min int, id bool) {
	if len(v) < min || slices.Contains(r.from, v) {
		return
	}
	r.from, r.to, r.ids = append(r.from, v), append(r.to, with), append(r.ids, id)
	if esc := url.QueryEscape(v); esc != v {
		r.from, r.to, r.ids = append(r.from, esc), append(r.to, with), append(r.ids, id)
	}
	// Longest first, so a value holding another is replaced whole.
	idx := make([]int, len(r.from))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return len(r.from[b]) - len(r.from[a]) })
	from, to, ids := make([]string, len(idx)), make([]string, len(idx)), make([]bool, len(idx))
	for i, j := range idx {
		from[i], to[i], ids[i] = r.from[j], r.to[j], r.ids[j]
	}
	r.from, r.to, r.ids = from, to, ids
}

// AddLocation registers every secret and identifier of l.
func (r *Redactor) AddLocation(l Location) {
	for i := range LocationSettings {
		s := &LocationSettings[i]
		if s.Sensitivity != Plain && l.HasSection(s.Section) {
			r.Add(s.Sensitivity, s.Get(&l))
		}
	}
}

// AddPlatform registers the platform's identifiers.
func (r *Redactor) AddPlatform(p Platform) {
	for i := range PlatformSettings {
		s := &PlatformSettings[i]
		if s.Sensitivity == Plain {
			continue
		}
		for _, v := range strings.Split(s.Get(&p), "\n") {
			r.Add(s.Sensitivity, v)
		}
	}
}

// AddFile registers every location and the platform of f.
func (r *Redactor) AddFile(f *File) {
	if f == nil {
		return
	}
	r.AddPlatform(f.Platform)
	for _, l := range f.Locations {
		r.AddLocation(l)
	}
}

// Text returns s with every registered value replaced, and in
// screen-share mode every account ID of an ARN masked.
func (r *Redactor) Text(s string) string {
	if r == nil {
		return s
	}
	if r.screenShare {
		// First, so a registered part of an account being typed does not
		// break up a whole one (an error's example) before it is masked.
		s = MaskAccountIDs(s)
	}
	for i, v := range r.from {
		if !r.ids[i] || r.screenShare {
			s = strings.ReplaceAll(s, v, r.to[i])
		}
	}
	return s
}

// Writer returns a writer that passes whole lines through Text to w.
// Call Flush when done; a value never spans lines, so nothing leaks
// across two writes.
func (r *Redactor) Writer(w io.Writer) *LineWriter { return &LineWriter{r: r, w: w} }

// LineWriter is the writer Redactor.Writer returns. It is safe for
// concurrent use (engines report from several goroutines).
type LineWriter struct {
	r   *Redactor
	w   io.Writer
	mu  sync.Mutex
	buf []byte
}

// Write buffers p and writes every finished line (ended by \n or \r).
func (lw *LineWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	lw.buf = append(lw.buf, p...)
	end := bytes.LastIndexAny(lw.buf, "\n\r")
	if end < 0 {
		return len(p), nil
	}
	line := lw.buf[:end+1]
	if _, err := io.WriteString(lw.w, lw.r.Text(string(line))); err != nil {
		return 0, err
	}
	lw.buf = append(lw.buf[:0], lw.buf[end+1:]...)
	return len(p), nil
}

// Flush writes what is left of an unfinished line.
func (lw *LineWriter) Flush() error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if len(lw.buf) == 0 {
		return nil
	}
	_, err := io.WriteString(lw.w, lw.r.Text(string(lw.buf)))
	lw.buf = lw.buf[:0]
	return err
}

// Unwrap returns the writer lines go to, after flushing: for a screen
// program that draws its own (already masked) frames.
func (lw *LineWriter) Unwrap() io.Writer {
	_ = lw.Flush()
	return lw.w
}
