package s3

import (
	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/policies"
)

// resourceFor is the ARN an IAM action applies to for loc, as the
// generated permissions policy writes it.
func resourceFor(loc config.Location, action string) string {
	return policies.ResourceFor(loc, action)
}

// statementFor is the permissions-policy statement granting action, quoted
// in hints; "" when the location's policy has none (the action is one
// Stowage only uses when a setting such as read_back is on).
func statementFor(loc config.Location, action string) string {
	st, err := policies.StatementFor(loc, action)
	if err != nil {
		return ""
	}
	return st
}
