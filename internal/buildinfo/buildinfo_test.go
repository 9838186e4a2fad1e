package buildinfo

import (
	"runtime/debug"
	"testing"
)

func checkout(settings ...debug.BuildSetting) *debug.BuildInfo {
	return &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/stowage-dev/stowage", Version: "(devel)"}, Settings: settings}
}

func TestResolve(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	tests := []struct {
		name               string
		ldV, ldC, ldD      string
		bi                 *debug.BuildInfo
		ok                 bool
		version, commit    string
		date, kind, source string
		modified           bool
	}{
		{"checkout build", "", "", "", checkout(vcs...), true,
			"(devel)", "0123456789abcdef0123456789abcdef01234567", "2026-12-01T10:00:00Z", "committed", SourceBuildInfo, true},
		{"release stamp wins", "v1.2.3", "fedcba9876543210fedcba9876543210fedcba98", "2026-12-02T18:00:00Z", checkout(vcs[:2]...), true,
			"v1.2.3", "fedcba9876543210fedcba9876543210fedcba98", "2026-12-02T18:00:00Z", "built", SourceRelease, false},
		{"version only stamped", "v1.2.3", "", "", checkout(vcs[:2]...), true,
			"v1.2.3", "0123456789abcdef0123456789abcdef01234567", "2026-12-01T10:00:00Z", "committed", SourceRelease, false},
		{"go install of a tag", "", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}}, true,
			"v0.3.0", "", "", "", SourceBuildInfo, false},
		{"no build info", "", "", "", nil, false,
			"(unknown)", "", "", "", SourceUnknown, false},
		{"empty main version", "", "", "", &debug.BuildInfo{}, true,
			"(devel)", "", "", "", SourceBuildInfo, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := resolve(tt.ldV, tt.ldC, tt.ldD, tt.bi, tt.ok)
			if in.Version != tt.version || in.Commit != tt.commit || in.Date != tt.date || in.DateKind != tt.kind || in.Source != tt.source || in.Modified != tt.modified {
				t.Fatalf("resolve = %+v", in)
			}
			if in.GoVersion == "" || in.Platform == "" {
				t.Fatalf("go version or platform empty: %+v", in)
			}
		})
	}
}

func TestShortCommit(t *testing.T) {
	if got := (Info{Commit: "0123456789abcdef"}).ShortCommit(); got != "0123456789ab" {
		t.Fatalf("ShortCommit = %q", got)
	}
	if got := (Info{Commit: "abc"}).ShortCommit(); got != "abc" {
		t.Fatalf("ShortCommit = %q", got)
	}
}
