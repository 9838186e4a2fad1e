package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/wizard"
)

// principalDetectedMsg is the answer of "detect the platform principal".
type principalDetectedMsg struct {
	step wizard.Step
	arn  string
	err  error
}

// canDetectPrincipal reports whether ctrl+d can ask who Stowage's own AWS
// credentials are: not in a served session, where they are the server's.
func (c *common) canDetectPrincipal() bool {
	return c.opts.DetectPrincipal != nil && !c.served()
}

// startPrincipalDetect asks sts:GetCallerIdentity, through
// Options.DetectPrincipal, in a command (issue 10 §2).
func (fs *formScreen) startPrincipalDetect() tea.Cmd {
	if !fs.canDetectPrincipal() {
		return nil
	}
	fs.setStatus("Asking sts:GetCallerIdentity who Stowage's AWS credentials are …", false)
	detect, platform, step, ctx := fs.opts.DetectPrincipal, fs.w.Platform(), fs.step, fs.ctx
	endpoint := ""
	if d := fs.w.Draft(); d.S3 != nil {
		endpoint = d.S3.Endpoint
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		arn, err := detect(ctx, platform, endpoint)
		return principalDetectedMsg{step: step, arn: arn, err: err}
	}
}

// principalDetected puts the detected principal in its field, or says why
// there is none.
func (fs *formScreen) principalDetected(msg principalDetectedMsg) tea.Cmd {
	if msg.err != nil {
		fs.setStatus("Could not detect the platform principal: "+fs.w.DisplayError(msg.err)+"; enter its ARN, or set it with "+wizard.PrincipalCommand, true)
		return nil
	}
	f, err := fs.w.Field("principal_arns")
	if err != nil {
		return nil
	}
	if err := fs.w.Set(f.ID, msg.arn); err != nil {
		fs.fail(err)
		return nil
	}
	if in := fs.inputs[f.ID]; in != nil {
		in.SetValue(msg.arn)
		in.CursorEnd()
	}
	fs.setStatus("Detected the platform principal "+fs.w.DisplayText(msg.arn)+" (sts:GetCallerIdentity); it is saved with this location.", false)
	return nil
}
