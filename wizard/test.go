package wizard

import (
	"fmt"
	"strings"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

// SetTestReport records the outcome of the connection test that the caller
// ran on Draft(). The draft keeps it as its last test, so Save stores it;
// any later change to how Stowage connects drops it again.
func (w *Wizard) SetTestReport(r providers.Report) {
	r.Checks = append([]providers.Check(nil), r.Checks...)
	w.report = &r
	at := r.Started
	if at.IsZero() {
		at = w.now()
	}
	w.lastTest = &config.TestResult{At: at.UTC().Truncate(time.Second), OK: r.OK(), Summary: testSummary(r)}
}

// TestSaved tests the saved location name, as `t` on the list does: it
// loads the location and goes straight to its Test step, whose Back
// returns to the list; the outcome is written to the location by
// SaveTestResult, so the list shows it.
func (w *Wizard) TestSaved(name string) error {
	if err := w.Edit(name); err != nil {
		return err
	}
	if err := w.Goto(StepTest); err != nil {
		return err
	}
	w.history = []Step{StepStart}
	w.testOnly = true
	return nil
}

// TestingSaved reports whether the session is a TestSaved one: the list
// is where it returns.
func (w *Wizard) TestingSaved() bool { return w.testOnly }

// SaveTestResult writes the last test's outcome to the saved location when
// the session is a TestSaved one and the draft is the location as saved
// (a fix accepted on the Test step changes it: that result belongs to a
// draft, which Save stores). It reports whether it wrote the file; saveFn
// writes it, as for Save, and on failure nothing changes.
func (w *Wizard) SaveTestResult(path string, saveFn SaveFunc) (bool, error) {
	if !w.testOnly || w.lastTest == nil || w.editing == "" || w.Dirty() || saveFn == nil {
		return false, nil
	}
	next := cloneFile(w.file)
	loc, ok := next.Find(w.editing)
	if !ok {
		return false, nil
	}
	t := *w.lastTest
	loc.LastTest = &t
	if err := saveFn(path, next); err != nil {
		return false, fmt.Errorf("save the test result of %q to %s: %w", w.editing, path, err)
	}
	*w.file = *next
	if w.original != nil {
		o := t
		w.original.LastTest = &o
	}
	return true, nil
}

// TestReport returns the last test report of this session, if it is still
// current.
func (w *Wizard) TestReport() (providers.Report, bool) {
	if w.report == nil {
		return providers.Report{}, false
	}
	return *w.report, true
}

// TestFailures returns the failed checks of the current report, in order.
// Each names the Field behind it (JumpToField) and may carry a Fix
// (ApplyFix).
func (w *Wizard) TestFailures() []providers.Check {
	if w.report == nil {
		return nil
	}
	var out []providers.Check
	for _, c := range w.report.Checks {
		if c.Status == providers.StatusFail {
			out = append(out, c)
		}
	}
	return out
}

func (w *Wizard) clearTest() {
	w.report, w.lastTest = nil, nil
}

// testSummary says in one line how the test went, naming failed checks.
func testSummary(r providers.Report) string {
	var failed, warned []string
	for _, c := range r.Checks {
		switch {
		case c.Status == providers.StatusFail && !c.Advisory:
			failed = append(failed, c.Title)
		case c.Status == providers.StatusWarn || c.Status == providers.StatusFail:
			warned = append(warned, c.Title)
		}
	}
	switch {
	case len(failed) > 0:
		return fmt.Sprintf("%d of %d %s failed: %s", len(failed), len(r.Checks), checks(len(r.Checks)), strings.Join(failed, ", "))
	case len(warned) > 0:
		return fmt.Sprintf("passed with %d %s: %s", len(warned), map[bool]string{true: "warning", false: "warnings"}[len(warned) == 1], strings.Join(warned, ", "))
	}
	if len(r.Checks) == 1 {
		return "the check passed"
	}
	return fmt.Sprintf("all %d checks passed", len(r.Checks))
}

// checks is "check" or "checks" for n.
func checks(n int) string {
	if n == 1 {
		return "check"
	}
	return "checks"
}
