package wizard

import (
	"errors"
	"strings"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

// pathPrincipals is the platform's principal ARNs, asked on the Access step
// of a role location while the platform has none (issue 10 §2).
const pathPrincipals = "platform.principal_arns"

// PrincipalCommand is how the platform principal is set outside the
// wizard; every message about a missing principal names it.
const PrincipalCommand = "stowage platform --principal-arn ARN (or --detect-principal)"

// principalSetting is config.PlatformSettings' principal ARNs as a field of
// a role location's Access step. Its value is not the location's: Draft
// leaves it out (Get and Set touch nothing) and Save puts it into the
// file's platform settings, with the location.
var principalSetting = func() *config.Setting[config.Location] {
	ps, ok := config.PlatformSetting(pathPrincipals)
	if !ok {
		panic("wizard: config.PlatformSettings has no " + pathPrincipals)
	}
	role := func(l *config.Location) bool { return l.S3 != nil && l.S3.Auth == config.AuthRole }
	return &config.Setting[config.Location]{
		Path: ps.Path, ID: ps.ID, Section: config.TypeS3, Step: string(StepAccess), Kind: config.KindText,
		Label: "Platform principal ARN", Word: ps.Word,
		Help: "The AWS identity Stowage itself runs as, which every trust policy names; it is set once for all locations. " +
			"Enter its ARN (a second one after a comma), or press ctrl+d to detect it from Stowage's AWS credentials (sts:GetCallerIdentity). " +
			"Outside the wizard: " + PrincipalCommand + ".",
		Example: ps.Example, Sensitivity: ps.Sensitivity, Offline: true,
		// Not required: a location saved without it works once the
		// platform has one; until then the field warns (principalWarning).
		When: role,
		Get:  func(*config.Location) string { return "" },
		Set:  func(*config.Location, string) {},
		Rule: func(_ *config.Location, v string) error { return checkPrincipals(v) },
	}
}()

// splitPrincipals reads one or two ARNs separated by commas, spaces or
// line breaks.
func splitPrincipals(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r' })
}

// checkPrincipals applies the platform setting's rule to each ARN.
func checkPrincipals(v string) error {
	var errs []error
	for _, a := range splitPrincipals(v) {
		if err := validate.PrincipalARN(a); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	if n := len(splitPrincipals(v)); n > 2 {
		return &validate.Error{Field: "principal ARN", Rule: "takes a primary and at most one secondary principal; remove the others",
			Example: "arn:aws:iam::111122223333:root, arn:aws:iam::444455556666:role/stowage-exporter"}
	}
	return errors.Join(errs...)
}

// needsPrincipal reports whether the Access step asks for the platform
// principal: the platform has none (a first run). Once saved it is the
// platform's, and changed with `stowage platform`.
func (w *Wizard) needsPrincipal() bool { return !w.FixedPlatform && len(w.platform.PrincipalARNs) == 0 }

// effectivePlatform is the platform the documents are generated for: the
// saved one, with the principal typed on the Access step while it has none.
func (w *Wizard) effectivePlatform() config.Platform {
	p := w.platform
	if w.needsPrincipal() && w.typ() == config.TypeS3 && config.AuthMode(w.get(pathAuth)) == config.AuthRole {
		if v := w.get(pathPrincipals); v != "" && checkPrincipals(v) == nil {
			p.PrincipalARNs = splitPrincipals(v)
		}
	}
	return p
}

// principalWarning is the Access step's warning while no platform
// principal is set or typed.
const principalWarning = "without it the trust policy, CloudFormation, Terraform and AWS CLI documents cannot be generated; " +
	"enter it here, or set it later with " + PrincipalCommand
