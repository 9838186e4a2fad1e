package tui

import (
	"context"
	"errors"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/wizard"
)

// detectTimeout bounds one "detect from the bucket": an anonymous HEAD
// and, failing that, a HEAD and a GetBucketLocation with credentials.
const detectTimeout = 15 * time.Second

// needsCredentials is what detection says when the bucket only answers
// with credentials that the Access step has not asked for yet.
const needsCredentials = "detection needs the credentials: it runs again in the connection test"

// detectState is the Where step's "detect from the bucket": one probe of
// the bucket's region at a time, in a command, and what the last one said.
type detectState struct {
	// run numbers each probe, so the answer of one the user abandoned
	// (by asking again or starting another location) is dropped.
	run     int
	running bool
	cancel  context.CancelFunc
	spin    spinner.Model
	// bucket and endpoint are what the running probe asks; an answer for
	// a bucket the user has changed since is dropped.
	bucket, endpoint string

	// note is the outcome of the last probe. It is shown under the region
	// field while the region still holds noteFor and the field is still
	// (or no longer) on "detect", as it was when the note was written, so
	// it goes away by itself once the user picks or types a region.
	note          string
	noteBad       bool
	noteFor       string
	noteDetecting bool
}

// detectedMsg is the answer of one probe.
type detectedMsg struct {
	run    int
	region string
	err    error
	// noCredentials is set when the draft's credentials were not entered
	// yet, so a failure is most likely for want of them.
	noCredentials bool
}

func (d *detectState) stop() {
	if d.cancel != nil {
		d.cancel()
		d.cancel = nil
	}
	d.running = false
}

// credentialsMissing reports whether the draft's way in is not entered
// yet: the role ARN of a role location, the keys of a keys location. The
// default credential chain is Stowage's environment, always there to try.
func credentialsMissing(s *config.S3) bool {
	switch s.Auth {
	case config.AuthRole:
		return s.RoleARN == ""
	case config.AuthKeys:
		return s.AccessKeyID == "" || s.SecretAccessKey == ""
	}
	return false
}

// setNote records the outcome of a probe for the region as it is now.
func (m *model) setNote(note string, bad bool) {
	f, _ := m.w.Field("region")
	m.detect.note, m.detect.noteBad = note, bad
	m.detect.noteFor, m.detect.noteDetecting = f.Value, m.form.detecting
}

// regionNote is the line under the region field: the spinner while a
// probe runs, else the last probe's outcome while it still applies.
func (m *model) regionNote() (string, bool) {
	d := &m.detect
	if d.running {
		return d.spin.View() + " detecting the bucket's region…", false
	}
	if d.note == "" {
		return "", false
	}
	f, err := m.w.Field("region")
	if err != nil || f.Value != d.noteFor || m.form.detecting != d.noteDetecting {
		return "", false
	}
	// A symbol as well as a colour, so the outcome reads without colour.
	switch {
	case d.noteBad:
		return "✗ " + d.note, true
	case d.noteDetecting:
		return "• " + d.note, false
	}
	return "✓ " + d.note, false
}

// detectSettled reports whether "detect from the bucket" needs no new
// probe: one is running, or the last one's outcome still stands. Enter on
// the option then moves on rather than asking the bucket again.
func (m *model) detectSettled() bool {
	if m.detect.running {
		return true
	}
	n, _ := m.regionNote()
	return n != ""
}

// startDetect asks the bucket of the draft for its region. What can be
// decided without the network (no bucket yet, credentials that the
// Access step asks for later) is said at once; the probe itself runs in
// the returned command, never in Update.
func (m *model) startDetect() tea.Cmd {
	d := &m.detect
	d.stop()
	d.run++
	w := m.w
	if w.Draft().S3 == nil {
		return nil
	}
	m.form.detecting = true
	region, _ := w.Field("region")
	if region.Value == "" {
		// A placeholder so the step can be passed; the probe or the
		// connection test replaces it.
		_ = w.Set("region", detectFallback)
		region, _ = w.Field("region")
		if in := m.form.inputs["region"]; in != nil {
			in.SetValue(region.Value)
			in.CursorEnd()
		}
	}
	loc := w.Draft()
	if b, err := w.Field("bucket"); err == nil {
		switch {
		case b.Value == "":
			m.setNote("detection asks the bucket: enter the bucket name first, e.g. acme-call-recordings", true)
			return nil
		case b.Err != nil:
			m.setNote("detection needs a valid bucket name: "+w.DisplayError(b.Err), true)
			return nil
		}
	}
	if e, err := w.Field("endpoint"); err == nil && e.Err != nil {
		m.setNote("detection needs a valid endpoint: "+w.DisplayError(e.Err), true)
		return nil
	}
	s := *loc.S3
	missing := credentialsMissing(&s)
	if missing && s.Endpoint != "" {
		// Only AWS names a bucket's region to anyone who asks; another
		// store answers only with the keys of the Access step.
		m.setNote(needsCredentials, false)
		return nil
	}
	open := m.opts.Open
	if open == nil {
		m.setNote("cannot detect the region: no way to open the location was given to the wizard", true)
		return nil
	}
	// The probe needs the bucket and how to reach it, nothing else: the
	// other settings may still be half typed.
	if region.Err != nil {
		s.Region = detectFallback
	}
	s.Prefix = ""
	s.Encryption, s.KMSKeyARN = config.EncryptionNone, ""
	if missing {
		// AWS answers an anonymous HEAD with the region; the provider asks
		// that first. Without the location's own credentials the fallback
		// is Stowage's environment, which a HEAD on AWS also answers.
		s.Auth, s.RoleARN, s.AccessKeyID, s.SecretAccessKey = config.AuthDefault, "", "", ""
	}
	probe := loc
	probe.S3 = &s

	ctx, cancel := context.WithTimeout(m.ctx, detectTimeout)
	d.cancel, d.running = cancel, true
	d.bucket, d.endpoint = s.Bucket, s.Endpoint
	d.note = ""
	run := d.run
	probeCmd := func() tea.Msg {
		defer cancel()
		msg := detectedMsg{run: run, noCredentials: missing}
		p, err := open(ctx, probe)
		if err != nil {
			msg.err = err
			return msg
		}
		det, ok := p.(providers.RegionDetector)
		if !ok {
			msg.err = errors.New("this storage cannot say its region")
			return msg
		}
		msg.region, msg.err = det.DetectRegion(ctx)
		if msg.err == nil && msg.region == "" {
			msg.err = errors.New("the bucket did not name its region")
		}
		if msg.err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			msg.err = errors.New("no answer within 15 s: check the bucket name and the network (the connection test tries again)")
		}
		return msg
	}
	return tea.Batch(probeCmd, d.spin.Tick)
}

// onDetected records a probe's answer: the region is set and named, or
// the failure is shown under the field, which keeps its focus.
func (m *model) onDetected(msg detectedMsg) tea.Cmd {
	d := &m.detect
	if msg.run != d.run || !d.running {
		return nil
	}
	d.stop()
	if !m.form.detecting {
		// The user picked or typed a region meanwhile; theirs stands.
		return nil
	}
	loc := m.w.Draft()
	if loc.S3 == nil || loc.S3.Bucket != d.bucket || loc.S3.Endpoint != d.endpoint {
		// The answer is for a bucket the user has changed since.
		return nil
	}
	if msg.err != nil {
		switch {
		case msg.noCredentials && !errors.Is(msg.err, providers.ErrNoSuchBucket):
			m.setNote(needsCredentials, false)
		default:
			m.setNote("could not detect the region: "+m.detectError(msg.err), true)
		}
		return nil
	}
	if err := m.w.ApplyFix("region", msg.region); err != nil {
		m.setNote("the bucket is in "+msg.region+", which the region field refuses: "+m.w.DisplayError(err), true)
		return nil
	}
	m.form.detecting = false
	f, _ := m.w.Field("region")
	m.setNote("detected: "+m.w.DisplayValue(f), false)
	if m.w.Step() == wizard.StepWhere && m.form.focus == "region" {
		// Put the list cursor (or the input) on the detected region.
		return m.form.focusChanged(m.w)
	}
	return nil
}

// detectError renders a failed probe without secrets: the provider's
// hint when it has one, which says what to do.
func (m *model) detectError(err error) string {
	var pe *providers.Error
	if errors.As(err, &pe) && pe.Hint != "" {
		return m.w.DisplayError(errors.New(pe.Hint))
	}
	return m.w.DisplayError(err)
}
