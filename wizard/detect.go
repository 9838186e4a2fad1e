package wizard

import (
	"context"
	"errors"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

// OpenFunc opens the provider of a draft location; the caller's choice,
// so the wizard itself reaches no store.
type OpenFunc func(ctx context.Context, loc config.Location) (providers.Provider, error)

// DetectOption is the choice, first in the list of a Detect field, that
// asks the bucket for its region instead of naming one. Setting the field
// to its Value starts detecting (Detecting), with DetectFallback standing
// in until the bucket names its region.
var DetectOption = Option{Value: "\x00detect", Label: "Detect from the bucket",
	Help: "Asks the bucket for its region now; the connection test detects it too."}

// DetectFallback is the region a detecting draft carries until the bucket
// names its own, so the Where step can be passed.
const DetectFallback = "us-east-1"

// NeedsCredentials is what detection says when the bucket only answers
// with credentials that the Access step has not asked for yet.
const NeedsCredentials = "detection needs the credentials: it runs again in the connection test"

// detectTimeout bounds one probe: an anonymous HEAD and, failing that, a
// HEAD and a GetBucketLocation with credentials.
const detectTimeout = 15 * time.Second

// detection is the state of "detect from the bucket" for the draft.
type detection struct {
	// on is set while the user wants the region detected and none was
	// found yet: a probe's answer, or the connection test's fix, is then
	// applied without asking.
	on bool
	// run numbers each probe, so the answer of one the user abandoned
	// (by asking again, by leaving the draft) is dropped.
	run     int
	running bool
	// bucket and endpoint are what the running probe asks; an answer for
	// a bucket changed since is dropped.
	bucket, endpoint string
	// note is the last probe's outcome, shown while the region still holds
	// noteFor and detection is still (or no longer) on as it was then.
	note          DetectNote
	noteFor       string
	noteDetecting bool
}

// DetectNote is the line under the region field about detection.
type DetectNote struct {
	Text string
	// Bad marks a failure; Pending an answer that leaves detection to the
	// connection test.
	Bad, Pending bool
}

// RegionProbe is one "detect from the bucket" to run, off the caller's UI
// loop: Run reaches the store.
type RegionProbe struct {
	run     int
	loc     config.Location
	noCreds bool
}

// RegionAnswer is what a probe found, for RegionDetected.
type RegionAnswer struct {
	run    int
	Region string
	Err    error
	// noCreds is set when the draft's credentials were not entered yet, so
	// a failure is most likely for want of them.
	noCreds bool
}

// Detecting reports whether the region is to be detected from the bucket:
// chosen, and not found yet.
func (w *Wizard) Detecting() bool { return w.detect.on }

// DetectRunning reports whether a probe started by StartDetect has not
// answered yet.
func (w *Wizard) DetectRunning() bool { return w.detect.running }

// CancelDetect drops the running probe's answer, if any.
func (w *Wizard) CancelDetect() {
	w.detect.run++
	w.detect.running = false
}

// resetDetect forgets detection, for a new draft.
func (w *Wizard) resetDetect() {
	run := w.detect.run + 1
	w.detect = detection{run: run}
}

// chooseDetect is Set("region", DetectOption.Value).
func (w *Wizard) chooseDetect() {
	if w.get(pathRegion) != DetectFallback {
		w.values[pathRegion] = DetectFallback
		w.clearTest()
	}
	if d, err := w.def(pathRegion); err == nil {
		w.check(d)
	}
	w.detect.on = true
}

// StartDetect asks for the draft bucket's region. What can be decided
// without the network (no bucket yet, credentials the Access step asks
// for later) becomes the note at once and StartDetect returns nil;
// otherwise it returns the probe to run and RegionDetected takes its
// answer.
func (w *Wizard) StartDetect() *RegionProbe {
	w.CancelDetect()
	if w.typ() != config.TypeS3 {
		return nil
	}
	if w.get(pathRegion) == "" {
		// A placeholder so the step can be passed; the probe or the
		// connection test replaces it.
		w.chooseDetect()
	}
	w.detect.on = true
	region, _ := w.Field(pathRegion)
	if b, err := w.Field(pathBucket); err == nil {
		switch {
		case b.Value == "":
			w.setNote(DetectNote{Text: "detection asks the bucket: enter the bucket name first, e.g. acme-call-recordings", Bad: true})
			return nil
		case b.Err != nil:
			w.setNote(DetectNote{Text: "detection needs a valid bucket name: " + w.DisplayError(b.Err), Bad: true})
			return nil
		}
	}
	if e, err := w.Field(pathEndpoint); err == nil && e.Err != nil {
		w.setNote(DetectNote{Text: "detection needs a valid endpoint: " + w.DisplayError(e.Err), Bad: true})
		return nil
	}
	loc := w.Draft()
	s := *loc.S3
	missing := credentialsMissing(&s)
	if missing && s.Endpoint != "" {
		// Only AWS names a bucket's region to anyone who asks; another
		// store answers only with the keys of the Access step.
		w.setNote(DetectNote{Text: NeedsCredentials, Pending: true})
		return nil
	}
	// The probe needs the bucket and how to reach it, nothing else: the
	// other settings may still be half typed.
	if region.Err != nil {
		s.Region = DetectFallback
	}
	s.Prefix = ""
	s.Encryption, s.KMSKeyARN = config.EncryptionNone, ""
	if missing {
		// AWS answers an anonymous HEAD with the region; the provider asks
		// that first. Without the location's own credentials the fallback
		// is Stowage's environment, which a HEAD on AWS also answers.
		s.Auth, s.RoleARN, s.AccessKeyID, s.SecretAccessKey = config.AuthDefault, "", "", ""
	}
	loc.S3 = &s
	w.detect.running = true
	w.detect.bucket, w.detect.endpoint = s.Bucket, s.Endpoint
	w.detect.note = DetectNote{}
	return &RegionProbe{run: w.detect.run, loc: loc, noCreds: missing}
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

// Run opens the probe's location with open and asks its bucket for the
// region, within 15 seconds. It touches no wizard state, so it may run on
// any goroutine.
func (p *RegionProbe) Run(ctx context.Context, open OpenFunc) RegionAnswer {
	a := RegionAnswer{run: p.run, noCreds: p.noCreds}
	if open == nil {
		a.Err = errors.New("no way to open the location was given to the wizard")
		return a
	}
	ctx, cancel := context.WithTimeout(ctx, detectTimeout)
	defer cancel()
	prov, err := open(ctx, p.loc)
	if err != nil {
		a.Err = err
		return a
	}
	det, ok := prov.(providers.RegionDetector)
	if !ok {
		a.Err = errors.New("this storage cannot say its region")
		return a
	}
	a.Region, a.Err = det.DetectRegion(ctx)
	if a.Err == nil && a.Region == "" {
		a.Err = errors.New("the bucket did not name its region")
	}
	if a.Err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		a.Err = errors.New("no answer within 15 s: check the bucket name and the network (the connection test tries again)")
	}
	return a
}

// RegionDetected records a probe's answer: the region is set and named,
// or the failure becomes the note. The answer of a probe that was
// cancelled, or whose bucket changed meanwhile, or that comes after the
// user picked or typed a region, is dropped. It reports whether the
// region was set.
func (w *Wizard) RegionDetected(a RegionAnswer) bool {
	d := &w.detect
	if a.run != d.run || !d.running {
		return false
	}
	d.running = false
	if !d.on {
		// The user picked or typed a region meanwhile; theirs stands.
		return false
	}
	loc := w.Draft()
	if loc.S3 == nil || loc.S3.Bucket != d.bucket || loc.S3.Endpoint != d.endpoint {
		return false
	}
	if a.Err != nil {
		if a.noCreds && !errors.Is(a.Err, providers.ErrNoSuchBucket) {
			w.setNote(DetectNote{Text: NeedsCredentials, Pending: true})
		} else {
			w.setNote(DetectNote{Text: "could not detect the region: " + w.probeError(a.Err), Bad: true})
		}
		return false
	}
	if err := w.Set(pathRegion, a.Region); err != nil {
		w.detect.on = true
		w.setNote(DetectNote{Text: "the bucket is in " + a.Region + ", which the region field refuses: " + w.DisplayError(err), Bad: true})
		return false
	}
	f, _ := w.Field(pathRegion)
	w.setNote(DetectNote{Text: "detected: " + w.DisplayValue(f)})
	return true
}

// probeError renders a failed probe without secrets: the provider's hint
// when it has one, which says what to do.
func (w *Wizard) probeError(err error) string {
	var pe *providers.Error
	if errors.As(err, &pe) && pe.Hint != "" {
		return w.DisplayError(errors.New(pe.Hint))
	}
	return w.DisplayError(err)
}

// setNote records the outcome of a probe for the region as it is now.
func (w *Wizard) setNote(n DetectNote) {
	w.detect.note = n
	w.detect.noteFor, w.detect.noteDetecting = w.get(pathRegion), w.detect.on
}

// RegionNote is the last probe's outcome while it still applies: the
// region still holds the value it was written for, and detection is still
// (or no longer) on as it was then. So it goes away by itself once the
// user picks or types a region.
func (w *Wizard) RegionNote() (DetectNote, bool) {
	d := &w.detect
	if d.note.Text == "" || d.running || w.get(pathRegion) != d.noteFor || d.on != d.noteDetecting {
		return DetectNote{}, false
	}
	return d.note, true
}

// DetectSettled reports whether asking the bucket again would tell
// nothing new: a probe is running, or the last one's outcome still stands.
func (w *Wizard) DetectSettled() bool {
	_, ok := w.RegionNote()
	return w.detect.running || ok
}

// AcceptFix applies the fix a failed connection check proposes (c.Fix for
// c.Field, such as the bucket's real region), without leaving the step,
// so the test can run again at once.
func (w *Wizard) AcceptFix(c providers.Check) error {
	if c.Fix == "" || c.Field == "" {
		return errors.New("this check proposes no fix")
	}
	return w.ApplyFix(c.Field, c.Fix)
}

// DetectFromTest ends detection with the connection test just recorded by
// SetTestReport: a region the test found is applied (the caller then tests
// again, and gets it back to say so), a region check that passed settles
// it. Without detection asked for, or without word on the region, it does
// nothing.
func (w *Wizard) DetectFromTest() (region string, applied bool) {
	if !w.detect.on || w.report == nil {
		return "", false
	}
	for _, c := range w.report.Checks {
		if c.Field == "region" && c.Fix != "" {
			if err := w.ApplyFix(c.Field, c.Fix); err == nil {
				return c.Fix, true
			}
		}
		if c.ID == "region" && c.Status == providers.StatusPass {
			w.detect.on = false
		}
	}
	return "", false
}
