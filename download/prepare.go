package download

import (
	"context"
	"fmt"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/validate"
)

// Prepare readies a download of opts from the location loc of the
// locations file f, as `stowage download` runs it: opts.DeleteAfter needs
// the delete permission the location was set up with (its generated
// policy grants s3:DeleteObject, or its SAS "d", only then), the location's
// lifecycle expiry feeds the expiry outlook, and the location is opened.
// warning, when not empty, says the location was saved without read-back,
// so the download will most likely be denied.
func Prepare(ctx context.Context, f *config.File, loc config.Location, opts Options) (p providers.Provider, _ Options, warning string, err error) {
	opts.Location, opts.LocationID = loc.Name, loc.ID
	if opts.DeleteAfter && !deleteAllowed(loc) {
		return nil, opts, "", &validate.Error{Field: "--delete-after", Rule: fmt.Sprintf("location %q was set up without the delete permission; set `delete: true` on it "+
			"(run `stowage setup` and turn on \"Allow delete\", or edit the locations file), apply the updated policy "+
			"(`stowage policy %s`), then run the download again", loc.Name, loc.Name)}
	}
	if loc.S3 != nil {
		opts.ExpiryDays = loc.S3.ExpiryDays
	}
	conc := opts.Concurrency
	if conc == 0 {
		conc = DefaultConcurrency
	}
	p, err = providers.Open(ctx, loc, providers.Options{Platform: f.Platform, Concurrency: conc})
	if err != nil {
		return nil, opts, "", err
	}
	return p, opts, readBackWarning(loc), nil
}

func deleteAllowed(loc config.Location) bool {
	switch {
	case loc.S3 != nil:
		return loc.S3.Delete
	case loc.Azure != nil:
		return loc.Azure.Delete
	}
	return true
}

// readBackWarning notes a location saved without read permission.
func readBackWarning(loc config.Location) string {
	switch {
	case loc.S3 != nil && !loc.S3.ReadBack:
		return fmt.Sprintf("location %q was set up without read-back (`read_back: true`), so its policy may not grant s3:GetObject; downloads will fail with access denied until it does", loc.Name)
	case loc.Azure != nil && !loc.Azure.ReadBack:
		return fmt.Sprintf("location %q was set up without read-back (`read_back: true`); its SAS may lack read (r) permission", loc.Name)
	}
	return ""
}
