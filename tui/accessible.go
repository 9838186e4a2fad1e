package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/huh/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/policies"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/wizard"
)

// ErrInputEnded is returned in accessible mode when the input ends before
// the wizard is finished; nothing unsaved is written. It comes as an
// *InputEndedError naming the prompt.
var ErrInputEnded = errors.New("the input ended before the setup wizard finished")

// InputEndedError is ErrInputEnded at one prompt: which one, whether the
// session saved (or deleted) a location before it, and where the unsaved
// location is kept for the next run.
type InputEndedError struct {
	// Prompt is the question the input ended at.
	Prompt string
	// Saved is set when a location was saved or deleted before.
	Saved bool
	// Draft is the file that keeps the unsaved location; "" when none does.
	Draft string
}

func (e *InputEndedError) Error() string {
	s := fmt.Sprintf("the input ended at %q before the setup wizard finished; ", e.Prompt)
	if e.Saved {
		s += "what was saved before it stays saved, nothing else was"
	} else {
		s += "nothing was saved"
	}
	if e.Draft != "" {
		s += "; the unsaved location is kept in " + e.Draft + " and offered when the wizard starts again"
	}
	return s
}

// Unwrap returns ErrInputEnded.
func (e *InputEndedError) Unwrap() error { return ErrInputEnded }

// inputEnded is the error of a prompt that got no answer.
func inputEnded(prompt string) error { return &InputEndedError{Prompt: prompt} }

// accessibleWidth is the width text is wrapped to in accessible mode.
const accessibleWidth = 78

// accessible runs the wizard as plain prompts, one line at a time, with
// huh's accessible mode: the same wizard, steps and validation as the
// screens, for screen readers, TERM=dumb and piped input.
type accessible struct {
	ctx  context.Context
	opts Options
	w    *wizard.Wizard
	in   *lineReader
	out  io.Writer
	res  Result
	// retry re-asks only the fields that were refused.
	retry bool
}

func runAccessible(ctx context.Context, opts Options, w *wizard.Wizard) (Result, error) {
	in, stop := newInterruptibleLineReader(ctx, opts.In)
	defer stop()
	a := &accessible{
		ctx:  ctx,
		opts: opts,
		w:    w,
		in:   in,
		// huh styles its prompts; plain text reads better aloud and in logs.
		out: &colorprofile.Writer{Forward: opts.Out, Profile: colorprofile.NoTTY},
		res: Result{Accessible: true},
	}
	if opts.ScreenShare {
		a.println("SCREEN-SHARE MODE: secrets hidden")
	}
	// Each step is asked by its own function, as each has its own screen.
	steps := map[wizard.Step]func() error{
		wizard.StepStart:          a.start,
		wizard.StepName:           a.form,
		wizard.StepType:           a.form,
		wizard.StepWhere:          a.form,
		wizard.StepAccess:         a.form,
		wizard.StepPolicies:       a.policies,
		wizard.StepTest:           a.test,
		wizard.StepReview:         a.review,
		wizard.StepConfirmDelete:  a.confirmDelete,
		wizard.StepConfirmRotate:  a.confirmRotate,
		wizard.StepConfirmDiscard: a.confirmDiscard,

		wizard.StepResumeDraft:         a.resumeDraft,
		wizard.StepConfirmDiscardDraft: a.confirmDiscardDraft,
	}
	for {
		if err := ctx.Err(); err != nil {
			return a.res, err
		}
		if w.Step() == wizard.StepDone {
			return a.res, a.done()
		}
		ask, ok := steps[w.Step()]
		if !ok {
			return a.res, fmt.Errorf("setup wizard: unexpected step %q", w.Step())
		}
		err := ask()
		// Each answer is a checkpoint of the unsaved location, also when
		// the input ends or the user quits.
		derr := syncDraft(opts, w, err != nil)
		if derr != nil {
			a.wrapped("", "The unsaved location could not be kept: "+derr.Error())
		}
		kept := ""
		switch d, pending := w.DraftState(); {
		case derr != nil || opts.DraftPath == "":
		case d != nil:
			kept = opts.DraftPath
		case pending && w.OfferedDraft() != nil:
			// Still offered: the earlier session's file keeps it.
			kept = w.OfferedDraft().Path
		}
		var ended *InputEndedError
		switch {
		case errors.As(err, &ended):
			ended.Saved, ended.Draft = a.res.Saved, kept
		case err != nil && ctx.Err() != nil && kept != "":
			// ctrl+c at a prompt: say where the answers are.
			err = fmt.Errorf("%w; the unsaved location is kept in %s and offered when the wizard starts again", err, kept)
		}
		if errors.Is(err, errQuit) {
			return a.res, nil
		}
		if err != nil {
			return a.res, err
		}
	}
}

// errQuit ends the accessible loop without an error.
var errQuit = errors.New("quit")

func (a *accessible) println(s string) { fmt.Fprintln(a.out, s) }

func (a *accessible) wrapped(prefix, s string) {
	for _, l := range strings.Split(wrapText(s, accessibleWidth-len(prefix)), "\n") {
		a.println(prefix + l)
	}
}

// heading prints the step's title, progress and intro.
func (a *accessible) heading() {
	s := a.w.Step()
	title := wizard.StepTitle(s)
	if p := progress(a.w, s); p != "" {
		title += " (" + p + ")"
	}
	a.println("")
	a.println("== " + title + " ==")
	if intro := a.w.Intro(); intro != "" {
		a.wrapped("", intro)
	}
	a.println("")
}

// ask runs one huh field (an input or a yes/no question) in accessible
// mode; prompt names it in the error of an input that ended there. huh's
// prompts cannot report the end of the input: they take the default, or
// the last answer they refused, so a prompt that got no line (lineReader's
// ended) returns ErrInputEnded rather than that.
func (a *accessible) ask(prompt string, f huh.Field, password bool) error {
	if a.in.eof {
		return inputEnded(prompt)
	}
	before := a.in.lines
	a.in.ended = false
	form := huh.NewForm(huh.NewGroup(f)).WithAccessible(true).WithShowHelp(false).
		WithInput(a.in.forPrompt()).WithOutput(a.out)
	if err := form.RunWithContext(a.ctx); err != nil {
		return err
	}
	if err := a.ctx.Err(); err != nil {
		// Interrupted: huh took the read's error as the end of input.
		return err
	}
	// A password is read from the terminal directly, past the counter
	// (askField checks that it got one).
	if a.in.ended || (a.in.lines == before && !password) {
		return inputEnded(prompt)
	}
	return nil
}

// choose asks for one of options (label → value) and returns the value.
// It prints what huh's accessible select prints, but reads the answer
// itself: huh's select, given an answer it refused and then the end of
// the input, indexes its options with that answer and panics.
func (a *accessible) choose(title string, labels, values []string, def string) (string, error) {
	v := def
	if !slices.Contains(values, v) {
		v = values[0]
	}
	if a.in.eof {
		return v, inputEnded(title)
	}
	fmt.Fprintln(a.out, title+" ")
	for i := range labels {
		// "N. label" on one line would be broken mid-word by the terminal
		// at 80: wrap it between words and indent the rest.
		num := len(fmt.Sprintf("%d. ", i+1))
		label := wrapText(labels[i], accessibleWidth-num)
		label = strings.ReplaceAll(label, "\n", "\n"+strings.Repeat(" ", num))
		fmt.Fprintf(a.out, "%d. %s\n", i+1, label)
	}
	prompt := fmt.Sprintf("Enter a number between 1 and %d: ", len(values))
	invalid := fmt.Sprintf("Invalid: must be a number between 1 and %d", len(values))
	if len(values) == 1 {
		prompt, invalid = "There is only one option available; enter the number 1:", "Invalid: must be 1"
	}
	// A blank line after the answer, as huh's form prints after a field.
	defer fmt.Fprintln(a.out)
	for {
		fmt.Fprint(a.out, prompt)
		line, err := a.in.readLine()
		if err != nil && a.ctx.Err() != nil {
			fmt.Fprintln(a.out)
			return v, a.ctx.Err()
		}
		if errors.Is(err, io.EOF) {
			fmt.Fprintln(a.out)
			return v, inputEnded(title)
		}
		if err != nil {
			return v, err
		}
		line = strings.TrimSpace(line)
		if line == "" {
			return v, nil
		}
		if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(values) {
			return values[n-1], nil
		}
		fmt.Fprintln(a.out, invalid)
	}
}

// yesNo asks a yes/no question.
func (a *accessible) yesNo(title string, def bool) (bool, error) {
	b := def
	err := a.ask(title, huh.NewConfirm().Title(title).Affirmative("Yes").Negative("No").Value(&b), false)
	return b, err
}

func (a *accessible) start() error {
	a.heading()
	es := a.w.Entries()
	var labels, values []string
	labels = append(labels, "Add a new location")
	values = append(values, "add:")
	for _, e := range es {
		line := e.Name + " — " + e.Type + ", " + e.Where
		if e.LastTest != nil {
			if e.LastTest.OK {
				line += ", last test passed"
			} else {
				line += ", last test failed"
			}
		}
		a.println(line)
		for _, act := range e.Actions {
			labels = append(labels, actionLabel(act)+" "+e.Name)
			values = append(values, string(act)+":"+e.Name)
		}
	}
	if len(es) > 0 {
		a.println("")
	}
	labels = append(labels, "Quit")
	values = append(values, "quit:")
	v, err := a.choose("What do you want to do?", labels, values, "add:")
	if err != nil {
		return err
	}
	act, name, _ := strings.Cut(v, ":")
	switch wizard.Action(act) {
	case "add":
		a.w.Add()
	case "quit":
		return errQuit
	case wizard.ActionEdit:
		err = a.w.Edit(name)
	case wizard.ActionTest:
		err = a.w.TestSaved(name)
	case wizard.ActionRotate:
		err = a.w.Rotate(name)
	case wizard.ActionExport:
		if err := a.askSources(name); err != nil {
			return err
		}
		return errQuit
	case wizard.ActionDelete:
		err = a.w.Delete(name)
	}
	if err != nil {
		a.println("Error: " + a.w.DisplayError(err))
	}
	return nil
}

func actionLabel(a wizard.Action) string {
	switch a {
	case wizard.ActionEdit:
		return "Edit"
	case wizard.ActionTest:
		return "Test"
	case wizard.ActionRotate:
		return "Generate a new external ID for"
	case wizard.ActionExport:
		return "Export to"
	case wizard.ActionDelete:
		return "Delete"
	}
	return string(a)
}

// form asks the fields of a Name, Type, Where or Access step, then moves
// on; refused fields are asked again, alone.
func (a *accessible) form() error {
	step := a.w.Step()
	onlyBad := a.retry
	a.retry = false
	if !onlyBad {
		a.heading()
	}
	var ids []string
	for _, f := range a.w.Fields(step) {
		ids = append(ids, f.ID)
	}
	askedAdvanced, showAdvanced := false, false
	for _, id := range ids {
		// Fetch again: an earlier answer can show or hide a field (an
		// endpoint shows path style, SSE-KMS shows the key).
		f, err := a.w.Field(id)
		if err != nil || !f.Visible {
			continue
		}
		if f.ReadOnly {
			if v := a.w.DisplayValue(f); v != "" && !onlyBad {
				a.println(f.Label + ": " + v)
				a.wrapped("  ", f.Help)
				a.println("")
			}
			continue
		}
		if onlyBad && f.Err == nil {
			continue
		}
		if f.Advanced && !onlyBad && f.Err == nil {
			if !askedAdvanced {
				askedAdvanced = true
				if showAdvanced, err = a.yesNo("Change the advanced settings?", false); err != nil {
					return err
				}
			}
			if !showAdvanced {
				continue
			}
		}
		if f.DetectPrincipal && a.opts.DetectPrincipal != nil && a.opts.Served == nil && f.Value == "" {
			detected, err := a.detectPrincipal()
			if err != nil {
				return err
			}
			if detected {
				continue
			}
		}
		if err := a.askField(f); err != nil {
			return err
		}
	}
	if err := a.w.Next(); err != nil && a.w.Step() == step {
		a.println("Please correct these before going on:")
		for _, e := range strings.Split(a.w.DisplayError(err), "\n") {
			a.wrapped("  - ", e)
		}
		a.retry = true
	}
	return nil
}

// detectPrincipal offers to ask sts:GetCallerIdentity for the platform
// principal, which is then set; false leaves it to be typed.
func (a *accessible) detectPrincipal() (bool, error) {
	a.wrapped("", "The trust policy names the AWS identity Stowage itself runs as (the platform principal); none is set yet.")
	yes, err := a.yesNo("Detect it from Stowage's AWS credentials (sts:GetCallerIdentity)?", true)
	if err != nil || !yes {
		return false, err
	}
	endpoint := ""
	if d := a.w.Draft(); d.S3 != nil {
		endpoint = d.S3.Endpoint
	}
	ctx, cancel := context.WithTimeout(a.ctx, 30*time.Second)
	defer cancel()
	arn, err := a.opts.DetectPrincipal(ctx, a.w.Platform(), endpoint)
	if err == nil {
		err = a.w.Set("principal_arns", arn)
	}
	if err != nil {
		a.wrapped("", "Could not detect it: "+a.w.DisplayError(err)+"; enter its ARN, or set it later with "+wizard.PrincipalCommand+".")
		return false, nil
	}
	a.wrapped("", "Platform principal: "+a.w.DisplayText(arn)+" (detected; saved with this location).")
	return true, nil
}

// askField asks one field and passes the answer to wizard.Set, asking
// again until the wizard accepts it.
func (a *accessible) askField(f wizard.Field) error {
	if f.Help != "" {
		a.wrapped("  ", f.Help)
	}
	if f.Err != nil {
		a.wrapped("  ", "Problem: "+a.w.DisplayError(f.Err))
	}
	title := f.Label
	switch f.Kind {
	case wizard.KindSelect:
		var labels, values []string
		opts := f.Options
		if f.Detect {
			opts = append([]wizard.Option{wizard.DetectOption}, opts...)
		}
		for _, o := range opts {
			l := o.Label
			if o.Help != "" && f.OptionHelp {
				l += ": " + o.Help
			}
			labels = append(labels, l)
			values = append(values, o.Value)
		}
		def := f.Value
		if f.Detect && a.w.Detecting() {
			def = wizard.DetectOption.Value
		}
		v, err := a.choose(title, labels, values, def)
		if err != nil {
			return err
		}
		if err := a.w.Set(f.ID, v); err != nil {
			a.wrapped("  ", "Problem: "+a.w.DisplayError(err))
		}
		return nil
	case wizard.KindBool:
		b, err := a.yesNo(title+"?", f.Value == "true")
		if err != nil {
			return err
		}
		_ = a.w.Set(f.ID, strconv.FormatBool(b))
		return nil
	}
	cur := f.Value
	shown, _ := shownValue(a.w, f)
	hint := ""
	switch {
	case cur != "" && !f.Required:
		hint = " (enter keeps it, - clears it)"
	case cur != "":
		hint = " (enter keeps it)"
	}
	title = fmt.Sprintf("%s [%s]%s:", f.Label, shown, hint)
	var v string
	// answered: huh's form drops the error of a password prompt (ctrl+d
	// on the terminal), so only a validated answer says one was given.
	answered := false
	in := huh.NewInput().Title(title).Value(&v).Validate(func(s string) error {
		if a.ctx.Err() != nil {
			// Interrupted while a secret was read from the terminal:
			// end the prompt, keep the value as it was.
			return nil
		}
		answered = true
		// The wizard cleans the answer by the setting's input policy
		// (a secret keeps inner spaces to refuse them).
		switch strings.TrimSpace(s) {
		case "":
			s = cur
		case "-":
			if !f.Required {
				s = ""
			}
		}
		if err := a.w.Set(f.ID, s); err != nil {
			// huh prints it as it is: masked like on the screens, as
			// it may quote the value (the account ID of an ARN).
			return errors.New(a.w.DisplayError(err))
		}
		return nil
	})
	// A secret is not echoed; nor, on a shared screen, an identifier
	// (the terminal would echo it whole as typed): its masked form is
	// printed once it is taken, so it can still be checked.
	password := (f.Kind == wizard.KindSecret || f.MaskTyping) && a.in.tty
	if password {
		in.EchoMode(huh.EchoModePassword)
	}
	if err := a.ask(f.Label, in, password); err != nil {
		return err
	}
	if password && !answered {
		return inputEnded(f.Label)
	}
	if f.MaskTyping {
		if g, err := a.w.Field(f.ID); err == nil && g.Value != "" {
			a.println("  " + f.Label + ": " + a.w.DisplayValue(g))
		}
	}
	return nil
}

func (a *accessible) policies() error {
	a.heading()
	loc := a.w.Draft()
	if loc.S3 != nil && loc.S3.Auth == config.AuthRole && loc.S3.ExternalID != "" {
		f, _ := a.w.Field("external_id")
		a.wrapped("", "External ID: "+a.w.DisplayValue(f)+". The connection will not work until the trust policy of your role holds this external ID.")
		a.println("")
	}
	docs := a.w.Documents()
	var hardening []string
	if loc.S3 != nil {
		hardening = policies.HardeningOf(loc).Lines()
	}
	for _, d := range docs {
		a.println("--- " + d.Title + " ---")
		a.wrapped("", "Where it goes: "+d.WhereItGoes)
		if createsBucket(d.Kind) && d.Err == nil {
			a.println("How it protects the bucket:")
			for _, l := range hardening {
				a.println("  " + l)
			}
		}
		a.println("")
		if d.Err != nil {
			a.wrapped("", "This document cannot be generated yet: "+a.w.DisplayError(d.Err))
		} else {
			text := d.Text
			if a.opts.ScreenShare {
				text = d.Display
			}
			fmt.Fprint(a.out, strings.TrimRight(text, "\n")+"\n")
		}
		a.println("--- end of " + d.Title + " ---")
		a.println("")
	}
	if u, err := policies.QuickCreateURL(loc, a.w.Platform()); err == nil && u != "" {
		a.println("CloudFormation quick-create link:")
		if a.opts.ScreenShare {
			// The link carries the external ID and the account IDs in
			// its query, URL-encoded where masking cannot find them, and
			// a masked link would not work anyway.
			a.wrapped("", quickCreateHidden)
			a.println("  " + quickCreateCommand(loc.Name))
		} else {
			a.println(u)
		}
		a.println("")
	}
	if len(docs) > 0 {
		save, err := a.yesNo("Save these documents to files in the current folder?", false)
		if err != nil {
			return err
		}
		if save {
			for _, d := range docs {
				if d.Err != nil {
					continue
				}
				path := defaultDocPath(loc.Name, d.Kind)
				if _, err := os.Stat(path); err == nil {
					a.println(path + " exists; not replaced.")
					continue
				}
				if err := writeFile(path, d.Text); err != nil {
					a.println("Error: " + a.w.DisplayError(err))
					continue
				}
				a.println(fmt.Sprintf("Saved %s to %s.", d.Title, path))
			}
		}
	}
	if err := a.w.Next(); err != nil {
		a.println("Error: " + a.w.DisplayError(err))
	}
	return nil
}

// statusWord spells a check's status for reading aloud.
func statusWord(c providers.Check) string {
	switch c.Status {
	case providers.StatusPass:
		return "pass"
	case providers.StatusWarn:
		return "WARNING"
	case providers.StatusFail:
		if c.Advisory {
			return "WARNING"
		}
		return "FAILED"
	case providers.StatusSkipped:
		return "skipped"
	}
	return string(c.Status)
}

// runTest runs the connection test, printing each check as it finishes.
func (a *accessible) runTest() (providers.Report, error) {
	if a.opts.Open == nil {
		return providers.Report{}, errors.New("no way to open the location was given to the wizard")
	}
	a.println("Testing " + where(a.w.Draft()) + " …")
	p, err := a.opts.Open(a.ctx, a.w.Draft())
	if err != nil {
		return providers.Report{}, err
	}
	rep, err := p.Test(a.ctx, func(c providers.Check) {
		if c.Status == providers.StatusRunning {
			return
		}
		// What a check says comes from the store: masked like the
		// screens mask it.
		line := "[" + statusWord(c) + "] " + a.w.DisplayText(c.Title)
		if c.Detail != "" {
			line += ": " + a.w.DisplayText(c.Detail)
		}
		a.wrapped("", line)
		if c.Status == providers.StatusFail || c.Status == providers.StatusWarn {
			if c.Hint != "" {
				a.wrapped("    ", a.w.DisplayText(c.Hint))
			}
			if c.Code != "" {
				a.println("    code " + c.Code)
			}
		}
	})
	if rep.Started.IsZero() {
		rep.Started = a.now()
	}
	return rep, err
}

func (a *accessible) now() time.Time {
	if a.opts.Now != nil {
		return a.opts.Now()
	}
	return time.Now()
}

func (a *accessible) test() error {
	a.heading()
	for {
		rep, err := a.runTest()
		if err != nil {
			a.wrapped("", "The test could not run: "+a.w.DisplayError(err))
			v, cerr := a.choose("What now?", []string{"Test again", "Go back to change a setting", "Continue to the review without a test"}, []string{"retry", "back", "next"}, "retry")
			if cerr != nil {
				return cerr
			}
			switch v {
			case "back":
				a.w.Back()
				return nil
			case "next":
				return a.next()
			}
			continue
		}
		a.w.SetTestReport(rep)
		if region, ok := a.w.DetectFromTest(); ok {
			a.println("Detected the bucket's region: " + a.w.DisplayText(region) + ". Testing again.")
			continue
		}
		if saved, err := a.w.SaveTestResult(a.opts.ConfigPath, a.opts.Save); err != nil {
			a.wrapped("", "The result is not saved: "+a.w.DisplayError(err))
		} else if saved {
			a.println("Saved the result to the location.")
		}
		if rep.OK() {
			a.println("All checks passed.")
			if a.w.TestingSaved() && !a.w.Dirty() {
				// Tested from the list: back to it.
				a.w.Back()
				return nil
			}
			return a.next()
		}
		failures := a.w.TestFailures()
		labels := []string{}
		values := []string{}
		for i, c := range failures {
			if c.Fix != "" {
				labels = append(labels, fmt.Sprintf("Set %s to %s and test again", c.Field, a.w.DisplayText(c.Fix)))
				values = append(values, "fix:"+strconv.Itoa(i))
			}
			if c.Field != "" {
				labels = append(labels, fmt.Sprintf("Change %s (%s failed)", c.Field, a.w.DisplayText(c.Title)))
				values = append(values, "jump:"+c.Field)
			}
		}
		labels = append(labels, "Test again", "Continue to the review anyway", "Save with the failed test")
		values = append(values, "retry", "next", "save")
		v, err := a.choose("Some checks failed. What now?", labels, values, values[0])
		if err != nil {
			return err
		}
		kind, arg, _ := strings.Cut(v, ":")
		switch kind {
		case "fix":
			i, _ := strconv.Atoi(arg)
			if err := a.w.AcceptFix(failures[i]); err != nil {
				a.println("Error: " + a.w.DisplayError(err))
			}
		case "jump":
			a.w.JumpToField(arg)
			a.retry = false
			return nil
		case "next":
			return a.next()
		case "save":
			var what []string
			for _, c := range failures {
				what = append(what, a.w.DisplayText(c.Title)+" — "+a.w.DisplayText(c.Detail))
			}
			a.wrapped("", fmt.Sprintf("%d of %d checks failed: %s. Saved like this, exports to it fail until these are fixed.", len(failures), len(rep.Checks), strings.Join(what, "; ")))
			v, err := a.choose("Save "+a.w.Draft().Name+" with the failed test?", []string{"Save with the failed test", "No, keep fixing"}, []string{"yes", "no"}, "no")
			if err != nil {
				return err
			}
			if v != "yes" {
				continue
			}
			if err := a.w.Save(a.opts.ConfigPath, a.opts.Save); err != nil {
				a.wrapped("", "Not saved: "+a.w.DisplayError(err))
				continue
			}
			if err := keepJournals(a.opts.ConfigPath, a.w); err != nil {
				a.wrapped("", "Saved, but "+a.w.DisplayError(err))
			}
			a.res.Saved = true
			a.res.Location = a.w.Draft().Name
			return nil
		}
	}
}

func (a *accessible) next() error {
	if err := a.w.Next(); err != nil {
		a.println("Error: " + a.w.DisplayError(err))
	}
	return nil
}

func (a *accessible) review() error {
	a.heading()
	for _, l := range a.w.Review() {
		a.wrapped("", l.Label+": "+l.Value)
	}
	a.println("Locations file: " + a.opts.ConfigPath)
	for _, wn := range a.w.Warnings() {
		a.wrapped("", "Warning: "+a.w.DisplayText(wn))
	}
	a.println("")
	quit := "Quit without saving"
	if a.opts.DraftPath != "" {
		quit += " (kept for the next start)"
	}
	v, err := a.choose("Save this location?", []string{"Save", "Go back to change something", quit}, []string{"save", "back", "quit"}, "save")
	if err != nil {
		return err
	}
	switch v {
	case "back":
		a.w.Back()
	case "quit":
		return errQuit
	case "save":
		if err := a.w.Save(a.opts.ConfigPath, a.opts.Save); err != nil {
			a.wrapped("", "Not saved: "+a.w.DisplayError(err))
			return nil
		}
		if err := keepJournals(a.opts.ConfigPath, a.w); err != nil {
			a.wrapped("", "Saved, but "+a.w.DisplayError(err))
		}
		a.res.Saved = true
		a.res.Location = a.w.Draft().Name
	}
	return nil
}

func (a *accessible) done() error {
	a.heading()
	name := a.res.Location
	a.println("Saved to " + a.opts.ConfigPath + ".")
	a.println("What to do next:")
	a.println("  " + shellWord("stowage test "+name) + "   runs the connection test again")
	a.println("  " + shellWord("stowage export "+name) + " DIR   exports the recordings in DIR")
	a.println("")
	now, err := a.yesNo("Start an export to "+name+" now?", false)
	if err != nil {
		return err
	}
	if now {
		return a.askSources(name)
	}
	if a.opts.Served != nil {
		return nil
	}
	err = a.exportConfig(name)
	if errors.Is(err, ErrInputEnded) {
		// The last question is optional: no answer is no.
		return nil
	}
	return err
}

// exportConfig offers the Done step's "Export config file": a path
// (default ./stowage-NAME.yaml) and redacted or complete, redacted
// preselected in screen-share mode (issue 10 §1).
func (a *accessible) exportConfig(name string) error {
	yes, err := a.yesNo("Export the config file of "+name+" (to hand it on or keep a copy)?", false)
	if err != nil || !yes {
		return err
	}
	def := "complete"
	if a.opts.ScreenShare {
		def = "redacted"
		a.println("Screen-share mode: Redacted is preselected, so no secret or identifier is written by accident.")
	}
	v, err := a.choose("Which content?", []string{
		"Redacted: secrets and identifiers masked; for a support ticket, cannot be imported",
		"Complete: everything, secrets included; can be imported with stowage config import FILE",
	}, []string{"redacted", "complete"}, def)
	if err != nil {
		return err
	}
	for {
		path := defaultExportPath(name)
		in := huh.NewInput().Title("File (mode 0600; a name ending in .json writes JSON, any other YAML) [" + path + "]:").Value(&path)
		if err := a.ask("File", in, false); err != nil {
			return err
		}
		path = strings.TrimSpace(path)
		if path == "" {
			path = defaultExportPath(name)
		}
		abs, _ := filepath.Abs(path)
		if st, err := os.Stat(filepath.Dir(abs)); err != nil || !st.IsDir() {
			a.wrapped("", fmt.Sprintf("File: the folder %s does not exist; pick an existing folder, e.g. %s", filepath.Dir(abs), defaultExportPath(name)))
			continue
		}
		if _, err := os.Stat(abs); err == nil {
			replace, err := a.yesNo(abs+" exists. Replace it?", false)
			if err != nil {
				return err
			}
			if !replace {
				continue
			}
		}
		e, err := a.w.File().ExportFile(abs, []string{name}, v == "redacted")
		if err != nil {
			a.wrapped("", "Not written: "+a.w.DisplayError(err))
			return nil
		}
		// One line: a path cut at a "/" could not be copied.
		a.println(exportedText(configExportedMsg{path: abs, name: name, redacted: v == "redacted", secrets: e.HasSecrets(), platform: hasPlatform(e)}))
		return nil
	}
}

// askSources asks which folders to export to the location name, until
// every one given is an existing folder, and hands them to the caller.
func (a *accessible) askSources(name string) error {
	var v string
	title := "Folders of recordings to export to " + name + " (several separated by commas, e.g. " + sourcesExample + ")"
	if others := otherLocations(a.w.File(), name); len(others) > 0 {
		title += ", or a saved location to export from (" + strings.Join(others, ", ") + ", optionally :PREFIX)"
	}
	in := huh.NewInput().Title(title + ":").
		Value(&v).Validate(func(s string) error {
		_, _, err := exportSource(s, a.w.File(), name)
		return err
	})
	if err := a.ask("Folders of recordings to export to "+name, in, false); err != nil {
		return err
	}
	srcs, from, err := exportSource(v, a.w.File(), name)
	if err != nil {
		return err
	}
	a.res.Location, a.res.ExportNow, a.res.Sources, a.res.From = name, true, srcs, from
	return nil
}

func (a *accessible) confirmDelete() error {
	a.heading()
	name := a.w.DeleteTarget()
	files := journalFiles(a.opts.ConfigPath, a.w, name)
	v := "no"
	if len(files) == 0 {
		yes, err := a.yesNo("Delete location "+name+"?", false)
		if err != nil {
			return err
		}
		if yes {
			v = "keep"
		}
	} else {
		a.wrapped("", journalNote(files))
		var err error
		v, err = a.choose("Delete location "+name+"?", []string{"Delete it, keep its journal", "Delete it and its journal", "No, keep the location"}, []string{"keep", "all", "no"}, "no")
		if err != nil {
			return err
		}
	}
	if v == "no" {
		a.w.Back()
		return nil
	}
	d, err := deleteLocation(a.opts, a.w, v == "all")
	if d.Location == "" {
		a.wrapped("", "Error: "+a.w.DisplayError(err))
		a.w.Back()
		return nil
	}
	a.res.Saved = true
	switch {
	case err != nil:
		a.wrapped("", a.w.DisplayError(err))
	case len(d.Files) == 0:
		a.println("Deleted.")
	case d.Journal == export.DeleteJournal:
		a.println("Deleted, with its journal.")
	default:
		a.wrapped("", "Deleted; its journal stays in "+d.Dir()+".")
	}
	return nil
}

func (a *accessible) confirmRotate() error {
	a.heading()
	cur, pending := a.w.Rotation()
	a.println("External ID in force: " + mask(cur, a.opts.ScreenShare))
	labels := []string{"Generate a new external ID", "Keep the current external ID"}
	values := []string{"rotate", "keep"}
	if pending != "" {
		a.println("New external ID (pending): " + mask(pending, a.opts.ScreenShare))
		labels = append(labels, "The trust policy now uses the new external ID: finish the rotation", "Cancel the rotation")
		values = append(values, "confirm", "cancel")
	}
	v, err := a.choose("What do you want to do?", labels, values, "keep")
	if err != nil {
		return err
	}
	switch v {
	case "rotate":
		id, err := a.w.ConfirmRotate()
		if err != nil {
			a.println("Error: " + a.w.DisplayError(err))
			return nil
		}
		a.wrapped("", "New external ID: "+mask(id, a.opts.ScreenShare)+". Put it in the trust policy, then save.")
	case "confirm":
		if err := a.w.ConfirmTrustUpdated(); err != nil {
			a.println("Error: " + a.w.DisplayError(err))
		}
	case "cancel":
		a.w.CancelRotation()
	default:
		a.w.Back()
	}
	return nil
}

func (a *accessible) confirmDiscard() error {
	a.heading()
	labels := []string{"Keep editing", "Discard the changes"}
	values := []string{"back", "discard"}
	if a.opts.DraftPath != "" {
		labels = append(labels, "Quit and keep them for the next start")
		values = append(values, "keep")
	}
	v, err := a.choose("Discard your changes?", labels, values, "back")
	if err != nil {
		return err
	}
	switch v {
	case "discard":
		a.w.ConfirmDiscard()
	case "keep":
		return errQuit
	default:
		a.w.Back()
	}
	return nil
}

// resumeDraft offers the location an earlier run left unsaved.
func (a *accessible) resumeDraft() error {
	a.heading()
	v, err := a.choose("Resume the unsaved location?", []string{"Resume it", "Discard it"}, []string{"resume", "discard"}, "resume")
	if err != nil {
		return err
	}
	if v == "discard" {
		return a.w.DiscardDraft()
	}
	return a.w.ResumeDraft()
}

// confirmDiscardDraft asks before the unsaved location is thrown away; the
// heading says what is lost.
func (a *accessible) confirmDiscardDraft() error {
	a.heading()
	yes, err := a.yesNo("Discard the unsaved location?", false)
	if err != nil {
		return err
	}
	if !yes {
		a.w.Back()
		return nil
	}
	if err := a.w.ConfirmDiscardDraft(); err != nil {
		return err
	}
	a.println("Discarded.")
	return nil
}
