package cli

import (
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/clientsettings"
)

func TestClientSettingsCommand(t *testing.T) {
	cfg := writeConfig(t)
	tests := []struct {
		name    string
		args    []string
		code    int
		want    []string // in stdout, or stderr when code != 0
		notWant []string
	}{
		{"table masks the secret", []string{"client-settings", "globex"}, ExitOK,
			[]string{"Amazon S3 Storage", "s3.us-west-1.amazonaws.com", "AKIAIOSFODNN7EXAMPLE", clientsettings.Masked, "globex-recordings/"},
			[]string{fakeSecret}},
		{"rclone reveal", []string{"client-settings", "globex", "--format", "rclone", "--reveal"}, ExitOK,
			[]string{"[globex]", "type = s3", "provider = AWS", "secret_access_key = " + fakeSecret}, nil},
		{"aws profile for role mode", []string{"client-settings", "acme", "--format", "aws-profile"}, ExitOK,
			[]string{"[profile stowage-acme]", "role_arn = arn:aws:iam::444455556666:role/stowage-export",
				"external_id = abcdefghijklmnopqrstuvwxyz234567", "source_profile = default"}, nil},
		{"cyberduck never has the secret", []string{"client-settings", "globex", "--format", "cyberduck", "--reveal"}, ExitOK,
			[]string{"<key>Username</key>", "<string>/globex-recordings/</string>"}, []string{fakeSecret}},
		{"screen share shortens identifiers", []string{"--screen-share", "client-settings", "acme"}, ExitOK,
			[]string{"••••4567"}, []string{"abcdefghijklmnopqrstuvwxyz234567"}},
		{"reveal refused while screen sharing", []string{"--screen-share", "client-settings", "globex", "--reveal"}, ExitUsage,
			[]string{"--reveal cannot be used with --screen-share"}, []string{fakeSecret}},
		{"unknown format", []string{"client-settings", "globex", "--format", "winscp"}, ExitUsage,
			[]string{"--format", "unknown format \"winscp\"", "rclone"}, nil},
		{"bookmark needs keys", []string{"client-settings", "acme", "--format", "cyberduck"}, ExitUsage,
			[]string{"cyberduck cannot be used", "--format aws-profile"}, nil},
		{"local location", []string{"client-settings", "nas"}, ExitUsage, []string{"local folder"}, nil},
		{"unknown location", []string{"client-settings", "nope"}, ExitUsage, []string{"known locations"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, "", append([]string{"--config", cfg}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("code %d, want %d; stderr: %s", code, tt.code, errOut)
			}
			text := out
			if code != ExitOK {
				text = errOut
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out+errOut, w) {
					t.Errorf("output contains %q:\n%s%s", w, out, errOut)
				}
			}
		})
	}
}
