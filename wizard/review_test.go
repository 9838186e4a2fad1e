package wizard

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
)

// everythingShown collects every string the wizard hands a screen: review
// lines, the display value of every field of every step, entries, intros,
// documents as displayed, warnings and the errors of bad input.
func everythingShown(w *Wizard, errs ...error) string {
	var b strings.Builder
	for _, l := range w.Review() {
		fmt.Fprintln(&b, l.Label, l.Value)
	}
	for _, s := range append(w.Flow(), StepStart, StepConfirmDelete, StepConfirmRotate, StepConfirmDiscard, StepDone) {
		fmt.Fprintln(&b, StepTitle(s))
		for _, f := range w.Fields(s) {
			fmt.Fprintln(&b, f.Label, f.Help, w.DisplayValue(f), f.Warnings)
			if f.Err != nil {
				fmt.Fprintln(&b, w.DisplayError(f.Err))
			}
		}
	}
	fmt.Fprintln(&b, w.Intro())
	for _, e := range w.Entries() {
		fmt.Fprintln(&b, e.Name, e.Type, e.Where)
	}
	for _, d := range w.Documents() {
		fmt.Fprintln(&b, d.Title, d.WhereItGoes, d.Display, d.Err)
	}
	fmt.Fprintln(&b, w.Warnings())
	for _, err := range errs {
		fmt.Fprintln(&b, w.DisplayError(err))
	}
	return b.String()
}

// TestSecretsNeverShown fills in secrets (valid and invalid) and checks
// that no part of them reaches anything a screen shows, while the draft
// and the saved file still hold them.
func TestSecretsNeverShown(t *testing.T) {
	badSecret := "wJalrXUtnFEMI/K7MDENG bPxRfiCYEXAMPLEKEY" // a space: invalid
	badConn := "AccountName=devstoreaccount1;AccountKey=" + azuriteKey + ";Bogus"
	tests := []struct {
		name    string
		values  map[string]string
		bad     kv
		secrets []string
	}{
		{"s3 keys", map[string]string{"name": "acme", "type": ChoiceS3Keys, "bucket": "acme-call-recordings", "region": "eu-west-1",
			"access_key_id": keyID, "secret_access_key": secretKey}, kv{"secret_access_key", badSecret}, []string{secretKey, badSecret, "bPxRfiCY"}},
		{"s3 keys custom endpoint", map[string]string{"name": "lab", "type": ChoiceS3Keys, "endpoint": "http://127.0.0.1:9000", "bucket": "rec", "region": "us-east-1",
			"access_key_id": "minioadmin", "secret_access_key": minioSecret}, kv{"secret_access_key", "short"}, []string{minioSecret}},
		{"azure", map[string]string{"name": "az", "type": ChoiceAzure, "container": "calls", "connection_string": connString},
			kv{"connection_string", badConn}, []string{azuriteKey, azuriteKey[:16], azuriteKey[len(azuriteKey)-16:]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, share := range []bool{false, true} {
				w, err := FromFlags(&config.File{Version: config.CurrentVersion}, testPlatform, tt.values, fixedNow)
				if err != nil {
					t.Fatal(err)
				}
				w.ScreenShare = share
				path := tempConfig(t)
				if err := w.Save(path, config.Save); err != nil {
					t.Fatal(err)
				}
				if err := w.Edit(tt.values["name"]); err != nil {
					t.Fatal(err)
				}
				shown := everythingShown(w)
				if !strings.Contains(shown, config.RedactedSecret) {
					t.Errorf("screen share %v: no secret shown as %q", share, config.RedactedSecret)
				}
				setErr := w.Set(tt.bad[0], tt.bad[1])
				if setErr == nil {
					t.Fatalf("bad %s accepted", tt.bad[0])
				}
				nextErr := w.Goto(StepReview)
				shown += everythingShown(w, setErr, nextErr, w.Save(path, config.Save))
				for _, s := range tt.secrets {
					if strings.Contains(shown, s) {
						t.Errorf("screen share %v: secret %q… is shown:\n%s", share, s[:6], shown)
					}
				}
				if got, err := w.Field(tt.bad[0]); err != nil || got.Value != tt.bad[1] || got.Err == nil {
					t.Errorf("bad %s not kept as typed with its error (%v)", tt.bad[0], err)
				}
			}
		})
	}
}

// TestReviewLines checks what Review shows for a role location: every
// setting with the field to jump to, and the test line.
func TestReviewLines(t *testing.T) {
	w, err := FromFlags(nil, testPlatform, map[string]string{
		"name": "acme", "type": ChoiceS3Role, "bucket": "acme-call-recordings", "region": "eu-west-1",
		"encryption": "sse-kms", "kms_key_arn": kmsARN, "role_arn": roleARN,
	}, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]ReviewLine{}
	for _, l := range w.Review() {
		got[l.Label] = l
	}
	id, _ := w.Rotation()
	tests := []struct{ label, value, field string }{
		{"Name", "acme", "name"},
		{"Type", "Amazon S3 — IAM role (recommended)", "type"},
		{"Bucket", "acme-call-recordings", "bucket"},
		{"Region", "eu-west-1 — Europe (Ireland)", "region"},
		{"Prefix", "(root)", "prefix"},
		{"Endpoint", "Amazon S3", "endpoint"},
		{"Encryption", "SSE-KMS", "encryption"},
		{"KMS key ARN", kmsARN, "kms_key_arn"},
		{"Role ARN", roleARN, "role_arn"},
		{"External ID", id, "external_id"},
		{"Read back", "No", "read_back"},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			l, ok := got[tt.label]
			if !ok || l.Value != tt.value || l.Field != tt.field {
				t.Errorf("review line %q = %+v, want value %q field %q", tt.label, l, tt.value, tt.field)
			}
		})
	}
	if l := got["Connection test"]; !strings.HasPrefix(l.Value, "not run") {
		t.Errorf("test line = %q", l.Value)
	}
	for _, hidden := range []string{"Access key ID", "Secret access key", "Container", "CA bundle"} {
		if _, ok := got[hidden]; ok {
			t.Errorf("review of a role location shows %q", hidden)
		}
	}
}

// TestScreenShareMasks checks that account IDs in ARNs and the external ID
// are partly masked on screen with ScreenShare, while the values to copy
// (Field.Value, Document.Text) and the draft stay whole.
func TestScreenShareMasks(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"arn:aws:iam::123456789012:role/x", "arn:aws:iam::••••••••9012:role/x"},
		{"arn:aws-cn:kms:cn-north-1:123456789012:key/abc", "arn:aws-cn:kms:cn-north-1:••••••••9012:key/abc"},
		{`"AWS": ["arn:aws:iam::235487987553:root"]`, `"AWS": ["arn:aws:iam::••••••••7553:root"]`},
		{"arn:aws:s3:::acme-123456789012", "arn:aws:s3:::acme-123456789012"},
		{"no arn 123456789012", "no arn 123456789012"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := MaskAccountIDs(tt.in); got != tt.want {
				t.Errorf("MaskAccountIDs(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}

	w, err := FromFlags(nil, testPlatform, map[string]string{
		"name": "acme", "type": ChoiceS3Role, "bucket": "acme-call-recordings", "region": "eu-west-1", "role_arn": roleARN,
	}, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := w.Rotation()
	w.ScreenShare = true
	shown := everythingShown(w)
	for _, leak := range []string{"111122223333", "235487987553", id} {
		if strings.Contains(shown, leak) {
			t.Errorf("screen share shows %q", leak)
		}
	}
	if !strings.Contains(shown, "arn:aws:iam::••••••••3333:role/StowageExport") || !strings.Contains(shown, "••••••••"+id[len(id)-4:]) {
		t.Errorf("screen share does not show the masked role ARN and external ID:\n%s", shown)
	}
	if f := field(t, w, StepAccess, "external_id"); f.Value != id {
		t.Error("Field.Value masked; the copy action needs the real ID")
	}
	for _, d := range w.Documents() {
		if d.Err == nil && d.Kind == "trust" && !strings.Contains(d.Text, id) {
			t.Error("Document.Text masked; copying must give the real document")
		}
	}
	w.ScreenShare = false
	if !strings.Contains(everythingShown(w), roleARN) {
		t.Error("role ARN masked without screen share")
	}
}

// TestDocumentErrorsNameTheSetting checks that a document the platform
// cannot complete carries the error rather than failing the others.
func TestDocumentErrorsNameTheSetting(t *testing.T) {
	values := map[string]string{
		"name": "acme", "type": ChoiceS3Role, "bucket": "acme-call-recordings", "region": "eu-west-1", "role_arn": roleARN,
	}
	w, err := FromFlags(nil, config.Platform{}, values, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	// The Access step warns, naming the command (issue 10 §2).
	if f := field(t, w, StepAccess, "principal_arns"); !f.Visible || len(f.Warnings) == 0 || !strings.Contains(f.Warnings[0], "stowage platform --principal-arn") {
		t.Errorf("principal field: %+v", f)
	}
	var trustErr error
	for _, d := range w.Documents() {
		switch d.Kind {
		case "trust":
			trustErr = d.Err
		case "permissions":
			if d.Err != nil || d.Text == "" {
				t.Errorf("permissions policy without platform: %v", d.Err)
			}
		}
	}
	if trustErr == nil {
		t.Fatal("trust policy rendered with no principal to trust")
	}
	var target interface{ Error() string }
	if !errors.As(trustErr, &target) || !strings.Contains(trustErr.Error(), "stowage platform --principal-arn") {
		t.Errorf("trust policy error does not name the principal setting: %v", trustErr)
	}
}

// TestTypingValue: in screen-share mode an identifier's input echoes its
// masked form, typed or revisited; an unfinished one shows nothing of what
// its finished form hides; without screen-share the text as it is.
func TestTypingValue(t *testing.T) {
	w, err := FromFlags(nil, testPlatform, map[string]string{
		"name": "acme", "type": ChoiceS3Keys, "bucket": "acme-call-recordings", "region": "eu-west-1",
		"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	}, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	w.ScreenShare = true
	const key = "AKIAZ7Q3XK5R2M4PL6WB"
	for i := 1; i <= len(key); i++ {
		_ = w.Set("access_key_id", key[:i])
		f := field(t, w, StepAccess, "access_key_id")
		if got := w.TypingValue(f, key[:i], true); got != "••••••••" {
			t.Fatalf("typing %q echoes %q", key[:i], got)
		}
		if i < len(key) {
			if got := w.DisplayValue(f); got != "••••••••" {
				t.Fatalf("the unfinished %q is shown %q", key[:i], got)
			}
		}
	}
	f := field(t, w, StepAccess, "access_key_id")
	if got := w.TypingValue(f, key, false); got != "••••••••L6WB" {
		t.Errorf("focused again, the access key ID echoes %q", got)
	}
	_ = w.Set("user_arn", "arn:aws:iam::37051284")
	f = field(t, w, StepAccess, "user_arn")
	if got := w.TypingValue(f, f.Value, true); got != "arn:aws:iam::••••••••" {
		t.Errorf("a user ARN being typed echoes %q", got)
	}
	if got := w.TypingValue(f, "arn", true); got != "arn" {
		t.Errorf("the start of an ARN echoes %q", got)
	}
	w.ScreenShare = false
	f = field(t, w, StepAccess, "access_key_id")
	if f.MaskTyping || w.TypingValue(f, key, true) != key {
		t.Errorf("without screen-share the access key ID is masked: %+v", f)
	}
}
