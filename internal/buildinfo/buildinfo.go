// Package buildinfo says which build of Stowage is running: the version,
// commit and build date a release stamps in with -ldflags -X, or else what the
// Go toolchain recorded from the checkout (vcs.revision, vcs.time,
// vcs.modified).
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Set by scripts/release.sh:
//
//	-X github.com/stowage-dev/stowage/internal/buildinfo.version=v1.2.3
//	-X github.com/stowage-dev/stowage/internal/buildinfo.commit=<full sha>
//	-X github.com/stowage-dev/stowage/internal/buildinfo.date=<RFC 3339 UTC>
var (
	version string
	commit  string
	date    string
)

// Source values of Info.Source.
const (
	SourceRelease   = "release"    // stamped by scripts/release.sh
	SourceBuildInfo = "build info" // read from the Go toolchain's build info
	SourceUnknown   = "unknown"    // no build info (a binary built without module support)
)

// Info describes one build.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	// Date is the build date of a release, or the commit time of a checkout
	// build (DateKind says which).
	Date      string `json:"date,omitempty"`
	DateKind  string `json:"date_kind,omitempty"` // "built" or "committed"
	Modified  bool   `json:"modified"`            // built from a checkout with uncommitted changes
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
	Source    string `json:"source"`
}

// Get returns the running binary's Info.
func Get() Info {
	bi, ok := debug.ReadBuildInfo()
	return resolve(version, commit, date, bi, ok)
}

// resolve prefers the release stamp; a partial stamp (only the version) is
// completed from the build info where it can be.
func resolve(ldVersion, ldCommit, ldDate string, bi *debug.BuildInfo, ok bool) Info {
	in := Info{GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH, Source: SourceUnknown, Version: "(unknown)"}
	var rev, when string
	if ok && bi != nil {
		in.Source = SourceBuildInfo
		in.Version = bi.Main.Version
		if in.Version == "" {
			in.Version = "(devel)"
		}
		if bi.GoVersion != "" {
			in.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				in.Modified = s.Value == "true"
			}
		}
		in.Commit = rev
		if when != "" {
			in.Date, in.DateKind = when, "committed"
		}
	}
	if ldVersion != "" {
		in.Source = SourceRelease
		in.Version = ldVersion
		if ldCommit != "" {
			in.Commit = ldCommit
		}
		if ldDate != "" {
			in.Date, in.DateKind = ldDate, "built"
		}
	}
	return in
}

// ShortCommit is the first 12 characters of the commit, as git prints it.
func (in Info) ShortCommit() string {
	if len(in.Commit) > 12 {
		return in.Commit[:12]
	}
	return in.Commit
}
