package policies

import (
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stowage-dev/stowage/config"
)

const (
	testPrincipal  = "arn:aws:iam::235487987553:role/stowage-exporter"
	testPrincipal2 = "arn:aws:iam::235487987553:role/stowage-exporter-dr"
	testExternalID = "stw-7f3a9c2e41b84d0e"
	testKMSKey     = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

var testPlatform = config.Platform{PrincipalARNs: []string{testPrincipal}}

// roleLoc is a minimal role-mode location; mods adjust it per case.
func roleLoc(mods ...func(*config.S3)) config.Location {
	s := &config.S3{
		Bucket:     "acme-call-recordings",
		Region:     "eu-west-1",
		Auth:       config.AuthRole,
		RoleARN:    "arn:aws:iam::111122223333:role/stowage-export",
		ExternalID: testExternalID,
	}
	for _, m := range mods {
		m(s)
	}
	return config.Location{Name: "Acme recordings", Type: config.TypeS3, S3: s}
}

func keysLoc(mods ...func(*config.S3)) config.Location {
	loc := roleLoc(func(s *config.S3) {
		s.Auth = config.AuthKeys
		s.RoleARN = ""
		s.ExternalID = ""
		s.AccessKeyID = "AKIAIOSFODNN7EXAMPLE"
		s.SecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
		s.UserARN = "arn:aws:iam::111122223333:user/stowage-export"
	})
	for _, m := range mods {
		m(loc.S3)
	}
	return loc
}

func withPrefix(s *config.S3)   { s.Prefix = "recordings/" }
func withReadBack(s *config.S3) { s.ReadBack = true }
func withDelete(s *config.S3)   { s.Delete = true }
func withACL(s *config.S3)      { s.BucketOwnerFullControl = true }
func withSSES3(s *config.S3)    { s.Encryption = config.EncryptionSSES3 }
func withKMS(s *config.S3) {
	s.Encryption = config.EncryptionSSEKMS
	s.KMSKeyARN = testKMSKey
}
func withExpiry(s *config.S3) { s.ExpiryDays = 30 }

// withOddPrefix uses every character the generated languages treat
// specially: JSON quotes and backslashes, shell $ and backquotes, HCL and
// Fn::Sub ${ and %{, and a quote for the shell's single quotes.
func withOddPrefix(s *config.S3) { s.Prefix = `we"ird\ ${x} %{y} $(id) ` + "`id`" + ` it's/` }
func withPending(s *config.S3)   { s.PendingExternalID = "stw-new0c1d2e3f4a5b6c" }

type goldenCase struct {
	name string
	loc  config.Location
	p    config.Platform
}

func goldenCases() []goldenCase {
	several := config.Platform{PrincipalARNs: []string{testPrincipal, testPrincipal2}, SessionDuration: 4 * time.Hour}
	azure := func(mods ...func(*config.Azure)) config.Location {
		az := &config.Azure{
			Container:        "call-recordings",
			ConnectionString: "DefaultEndpointsProtocol=https;AccountName=acmerecordings;AccountKey=c2VjcmV0LWtleS1ub3QtdG8tYmUtcHJpbnRlZA==;EndpointSuffix=core.windows.net",
		}
		for _, m := range mods {
			m(az)
		}
		return config.Location{Name: "Acme Azure", Type: config.TypeAzure, Azure: az}
	}
	return []goldenCase{
		{"role-minimal", roleLoc(), testPlatform},
		{"role-prefix", roleLoc(withPrefix), testPlatform},
		{"role-readback", roleLoc(withReadBack), testPlatform},
		{"role-delete", roleLoc(withDelete), testPlatform},
		{"role-acl", roleLoc(withACL), testPlatform},
		{"role-sse-s3", roleLoc(withSSES3), testPlatform},
		{"role-sse-kms", roleLoc(withKMS), testPlatform},
		{"role-expiry", roleLoc(withExpiry), testPlatform},
		{"role-everything", roleLoc(withPrefix, withReadBack, withDelete, withACL, withKMS, withExpiry), testPlatform},
		{"role-pending-external-id", roleLoc(withPending), testPlatform},
		{"role-several-principals", roleLoc(), several},
		{"role-us-east-1", roleLoc(func(s *config.S3) { s.Region = "us-east-1" }), testPlatform},
		{"role-aws-cn", roleLoc(func(s *config.S3) {
			s.Region = "cn-north-1"
			s.RoleARN = "arn:aws-cn:iam::111122223333:role/stowage-export"
			s.Encryption = config.EncryptionSSEKMS
			s.KMSKeyARN = "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		}), config.Platform{PrincipalARNs: []string{"arn:aws-cn:iam::235487987553:root"}}},
		{"role-aws-us-gov", roleLoc(withPrefix, func(s *config.S3) {
			s.Region = "us-gov-west-1"
			s.RoleARN = "arn:aws-us-gov:iam::111122223333:role/exports/stowage-export"
		}), config.Platform{PrincipalARNs: []string{"arn:aws-us-gov:iam::235487987553:root"}}},
		{"role-odd-prefix", roleLoc(withOddPrefix, withExpiry), testPlatform},
		{"keys-odd-prefix", keysLoc(withOddPrefix), config.Platform{}},
		{"keys-minimal", keysLoc(), config.Platform{}},
		{"keys-prefix-readback-delete", keysLoc(withPrefix, withReadBack, withDelete, withExpiry), config.Platform{}},
		{"keys-acl", keysLoc(withACL), config.Platform{}},
		{"keys-sse-kms", keysLoc(withKMS), config.Platform{}},
		{"default-auth", roleLoc(func(s *config.S3) { s.Auth = config.AuthDefault }), config.Platform{}},
		{"s3-compatible", keysLoc(func(s *config.S3) { s.Endpoint = "https://minio.internal:9000"; s.Region = "us-east-1" }), config.Platform{}},
		{"azure-minimal", azure(), config.Platform{}},
		{"azure-readback", azure(func(a *config.Azure) { a.ReadBack = true }), config.Platform{}},
		{"azure-readback-delete-prefix", azure(func(a *config.Azure) {
			a.ReadBack, a.Delete, a.Prefix, a.SASExpiryDays = true, true, "calls/", 90
		}), config.Platform{}},
		{"azure-sas-connection-string", azure(func(a *config.Azure) {
			a.ConnectionString = "BlobEndpoint=https://acmerecordings.blob.core.chinacloudapi.cn/;SharedAccessSignature=sv=2022-11-02&ss=b&srt=co&sp=cwl&se=2026-01-01T00:00:00Z&sig=c2lnbmF0dXJl"
			a.SASExpiryDays = 3
		}), config.Platform{}},
		{"azure-no-connection-string", azure(func(a *config.Azure) { a.ConnectionString = "" }), config.Platform{}},
	}
}

// TestGolden renders every kind that applies to each location and compares
// it with testdata/TestGolden/<case>/<kind>.golden (go test -update rewrites).
func TestGolden(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			kinds := Kinds(c.loc)
			if len(kinds) == 0 {
				t.Fatalf("Kinds(%s) is empty", c.name)
			}
			for _, k := range kinds {
				t.Run(string(k), func(t *testing.T) {
					out, err := Render(k, c.loc, c.p)
					if err != nil {
						t.Fatalf("Render(%s): %v", k, err)
					}
					checkDocument(t, k, out)
					golden.RequireEqual(t, out)
				})
			}
		})
	}
}

// checkDocument holds for every document: newline at the end, valid JSON
// for JSON kinds, same bytes on a second render, no secret.
func checkDocument(t *testing.T, k Kind, out string) {
	t.Helper()
	if !strings.HasSuffix(out, "\n") || strings.HasSuffix(out, "\n\n") {
		t.Errorf("%s does not end in exactly one newline", k)
	}
	switch k {
	case KindPermissions, KindTrust, KindBucket, KindKMS, KindCloudFormation:
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Errorf("%s is not valid JSON: %v", k, err)
		}
		if strings.Contains(out, "\t") {
			t.Errorf("%s is indented with tabs", k)
		}
	}
	for _, secret := range []string{"wJalrXUtnFEMI", "c2VjcmV0LWtleS1ub3QtdG8tYmUtcHJpbnRlZA", "sig=", "c2lnbmF0dXJl", "AccountKey"} {
		if strings.Contains(out, secret) {
			t.Errorf("%s contains secret material %q", k, secret)
		}
	}
}

func TestDeterministic(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range Kinds(c.loc) {
				a, errA := Render(k, c.loc, c.p)
				b, errB := Render(k, c.loc, c.p)
				if errA != nil || errB != nil || a != b {
					t.Errorf("%s: two renders differ (errors %v, %v)", k, errA, errB)
				}
			}
		})
	}
}

type doc struct {
	Version   string
	Statement []struct {
		Sid       string
		Effect    string
		Principal any
		Action    any
		Resource  any
		Condition map[string]map[string]any
	}
}

func parseDoc(t *testing.T, s string) doc {
	t.Helper()
	var d doc
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("parse: %v\n%s", err, s)
	}
	return d
}

func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, len(v))
		for i, e := range v {
			out[i], _ = e.(string)
		}
		return out
	}
	return nil
}

// actionSet gathers every action of a document's Allow statements.
func actionSet(d doc) []string {
	var out []string
	for _, st := range d.Statement {
		if st.Effect != "Allow" {
			continue
		}
		for _, a := range strs(st.Action) {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestMinimalPermissionsMatchReference000(t *testing.T) {
	for _, loc := range []config.Location{roleLoc(), keysLoc(), roleLoc(withSSES3)} {
		out, err := Permissions(loc)
		if err != nil {
			t.Fatal(err)
		}
		d := parseDoc(t, out)
		if d.Version != "2012-10-17" {
			t.Errorf("Version = %q", d.Version)
		}
		want := []string{"s3:GetBucketLocation", "s3:ListBucket", "s3:PutObject"}
		if got := actionSet(d); !slices.Equal(got, want) {
			t.Errorf("actions = %v, want exactly %v", got, want)
		}
		if d.Statement[0].Sid != "Bucket" || strs(d.Statement[0].Resource)[0] != "arn:aws:s3:::acme-call-recordings" {
			t.Errorf("first statement = %+v, want Sid Bucket on the bucket", d.Statement[0])
		}
		if d.Statement[1].Sid != "BucketContents" || strs(d.Statement[1].Resource)[0] != "arn:aws:s3:::acme-call-recordings/*" {
			t.Errorf("second statement = %+v, want Sid BucketContents on bucket/*", d.Statement[1])
		}
	}
}

func TestPermissionsOptions(t *testing.T) {
	tests := []struct {
		name    string
		loc     config.Location
		actions []string
		check   func(t *testing.T, d doc)
	}{
		{"read back adds GetObject", roleLoc(withReadBack), []string{"s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:PutObject"}, nil},
		{"delete adds DeleteObject", roleLoc(withDelete), []string{"s3:DeleteObject", "s3:GetBucketLocation", "s3:ListBucket", "s3:PutObject"}, nil},
		{"sse-kms adds KMS", roleLoc(withKMS), []string{"kms:Decrypt", "kms:GenerateDataKey", "s3:GetBucketLocation", "s3:ListBucket", "s3:PutObject"},
			func(t *testing.T, d doc) {
				last := d.Statement[len(d.Statement)-1]
				if last.Sid != "KMS" || strs(last.Resource)[0] != testKMSKey {
					t.Errorf("KMS statement = %+v", last)
				}
			}},
		{"prefix conditions ListBucket only", roleLoc(withPrefix), []string{"s3:GetBucketLocation", "s3:ListBucket", "s3:PutObject"},
			func(t *testing.T, d doc) {
				for _, st := range d.Statement {
					acts := strs(st.Action)
					switch {
					case slices.Contains(acts, "s3:GetBucketLocation"):
						if st.Condition != nil || slices.Contains(acts, "s3:ListBucket") {
							t.Errorf("GetBucketLocation must stay unconditioned and apart from ListBucket: %+v", st)
						}
					case slices.Contains(acts, "s3:ListBucket"):
						got := strs(st.Condition["StringLike"]["s3:prefix"])
						if !slices.Equal(got, []string{"recordings/", "recordings/*"}) {
							t.Errorf("ListBucket s3:prefix = %v", got)
						}
					case slices.Contains(acts, "s3:PutObject"):
						if r := strs(st.Resource)[0]; r != "arn:aws:s3:::acme-call-recordings/recordings/*" {
							t.Errorf("PutObject resource = %q", r)
						}
					}
				}
			}},
		{"ACL puts PutObject only in the conditioned statement", roleLoc(withACL, withReadBack), []string{"s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:PutObjectAcl"},
			func(t *testing.T, d doc) {
				n := 0
				for _, st := range d.Statement {
					if slices.Contains(strs(st.Action), "s3:PutObject") {
						n++
						if got := st.Condition["StringEquals"]["s3:x-amz-acl"]; got != "bucket-owner-full-control" {
							t.Errorf("PutObject condition = %v", st.Condition)
						}
						if !slices.Contains(strs(st.Action), "s3:PutObjectAcl") {
							t.Errorf("PutObjectAcl missing beside PutObject")
						}
					}
				}
				if n != 1 {
					t.Errorf("PutObject in %d statements, want 1", n)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Permissions(tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			d := parseDoc(t, out)
			if got := actionSet(d); !slices.Equal(got, tt.actions) {
				t.Errorf("actions = %v, want %v", got, tt.actions)
			}
			if tt.check != nil {
				tt.check(t, d)
			}
		})
	}
}

func TestPartitions(t *testing.T) {
	tests := []struct{ region, want string }{
		{"eu-west-1", "arn:aws:s3:::"},
		{"cn-northwest-1", "arn:aws-cn:s3:::"},
		{"us-gov-east-1", "arn:aws-us-gov:s3:::"},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			loc := roleLoc(func(s *config.S3) { s.Region = tt.region })
			out, err := Permissions(loc)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range parseDoc(t, out).Statement {
				for _, r := range strs(st.Resource) {
					if !strings.HasPrefix(r, tt.want) {
						t.Errorf("resource %q lacks %q", r, tt.want)
					}
				}
			}
			if got := ResourceFor(loc, "s3:PutObject"); !strings.HasPrefix(got, tt.want) {
				t.Errorf("ResourceFor = %q", got)
			}
		})
	}
}

func TestTrust(t *testing.T) {
	tests := []struct {
		name       string
		loc        config.Location
		p          config.Platform
		principals any
		ids        any
	}{
		{"one principal, one ID", roleLoc(), testPlatform, testPrincipal, testExternalID},
		{"several principals", roleLoc(), config.Platform{PrincipalARNs: []string{testPrincipal, "", testPrincipal2, testPrincipal}},
			[]any{testPrincipal, testPrincipal2}, testExternalID},
		{"pending rotation keeps the old ID", roleLoc(withPending), testPlatform, testPrincipal,
			[]any{testExternalID, "stw-new0c1d2e3f4a5b6c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Trust(tt.loc, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			d := parseDoc(t, out)
			if len(d.Statement) != 1 {
				t.Fatalf("%d statements", len(d.Statement))
			}
			st := d.Statement[0]
			if st.Action != "sts:AssumeRole" || st.Effect != "Allow" {
				t.Errorf("statement = %+v", st)
			}
			if got := st.Principal.(map[string]any)["AWS"]; !jsonEqual(got, tt.principals) {
				t.Errorf("principal = %v, want %v", got, tt.principals)
			}
			if got := st.Condition["StringEquals"]["sts:ExternalId"]; !jsonEqual(got, tt.ids) {
				t.Errorf("external IDs = %v, want %v", got, tt.ids)
			}
		})
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestBucketPolicy(t *testing.T) {
	out, err := Bucket(keysLoc(withPrefix, withKMS))
	if err != nil {
		t.Fatal(err)
	}
	d := parseDoc(t, out)
	last := d.Statement[len(d.Statement)-1]
	if last.Sid != "DenyInsecureTransport" || last.Effect != "Deny" || last.Principal != "*" || last.Action != "s3:*" ||
		last.Condition["Bool"]["aws:SecureTransport"] != "false" {
		t.Errorf("deny statement = %+v", last)
	}
	if r := strs(last.Resource); !slices.Equal(r, []string{"arn:aws:s3:::acme-call-recordings", "arn:aws:s3:::acme-call-recordings/*"}) {
		t.Errorf("deny resources = %v", r)
	}
	perm, _ := Permissions(keysLoc(withPrefix))
	want := actionSet(parseDoc(t, perm))
	if got := actionSet(d); !slices.Equal(got, want) {
		t.Errorf("bucket policy allows %v, permissions policy %v", got, want)
	}
	for _, st := range d.Statement[:len(d.Statement)-1] {
		if p, _ := st.Principal.(map[string]any); p["AWS"] != "arn:aws:iam::111122223333:user/stowage-export" {
			t.Errorf("principal = %v", st.Principal)
		}
		for _, a := range strs(st.Action) {
			if strings.HasPrefix(a, "kms:") {
				t.Errorf("bucket policy holds KMS action %s", a)
			}
		}
	}
}

func TestKMS(t *testing.T) {
	tests := []struct {
		name, principal, via string
		loc                  config.Location
	}{
		{"role", "arn:aws:iam::111122223333:role/stowage-export", "s3.eu-west-1.amazonaws.com", roleLoc(withKMS)},
		{"keys", "arn:aws:iam::111122223333:user/stowage-export", "s3.eu-west-1.amazonaws.com", keysLoc(withKMS)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := KMS(tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			var st struct {
				Principal map[string]any
				Action    []string
				Condition map[string]map[string]string
			}
			if err := json.Unmarshal([]byte(out), &st); err != nil {
				t.Fatal(err)
			}
			if st.Principal["AWS"] != tt.principal || !slices.Equal(st.Action, []string{"kms:GenerateDataKey", "kms:Decrypt"}) ||
				st.Condition["StringEquals"]["kms:ViaService"] != tt.via {
				t.Errorf("statement = %+v", st)
			}
		})
	}
}

func TestStatementFor(t *testing.T) {
	tests := []struct {
		name   string
		loc    config.Location
		action string
		sid    string
	}{
		{"list, no prefix", roleLoc(), "s3:ListBucket", "Bucket"},
		{"location", roleLoc(withPrefix), "s3:GetBucketLocation", "Bucket"},
		{"list, prefix", roleLoc(withPrefix), "s3:ListBucket", "ListPrefix"},
		{"put", roleLoc(withPrefix), "s3:PutObject", "BucketContents"},
		{"put, any case", roleLoc(), "S3:putobject", "BucketContents"},
		{"put with ACL", roleLoc(withACL), "s3:PutObject", "PutWithBucketOwnerFullControl"},
		{"get", roleLoc(withReadBack), "s3:GetObject", "BucketContents"},
		{"delete", keysLoc(withDelete), "s3:DeleteObject", "BucketContents"},
		{"kms", roleLoc(withKMS), "kms:GenerateDataKey", "KMS"},
		{"kms decrypt", roleLoc(withKMS, withPrefix), "kms:Decrypt", "KMS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := StatementFor(tt.loc, tt.action)
			if err != nil {
				t.Fatal(err)
			}
			var v struct{ Sid string }
			if err := json.Unmarshal([]byte(st), &v); err != nil || v.Sid != tt.sid {
				t.Fatalf("statement Sid = %q (%v), want %q:\n%s", v.Sid, err, tt.sid, st)
			}
			if !strings.HasPrefix(st, "{\n  \"Sid\"") || !strings.HasSuffix(st, "}\n") {
				t.Errorf("not 2-space indented JSON:\n%s", st)
			}
			perm, err := Permissions(tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(dedent(perm), strings.TrimSuffix(dedent(st), "\n")) {
				t.Errorf("statement does not appear verbatim in the permissions policy:\n%s\n---\n%s", st, perm)
			}
		})
	}
}

// dedent strips the indentation of every line.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, " ")
	}
	return strings.Join(lines, "\n")
}

func TestStatementForNotGranted(t *testing.T) {
	tests := []struct {
		loc    config.Location
		action string
		names  string
	}{
		{roleLoc(), "s3:GetObject", "s3.read_back"},
		{roleLoc(), "s3:DeleteObject", "s3.delete"},
		{roleLoc(), "s3:PutObjectAcl", "s3.bucket_owner_full_control"},
		{roleLoc(), "kms:Decrypt", "s3.encryption"},
		{roleLoc(), "s3:DeleteBucket", "never needs"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			_, err := StatementFor(tt.loc, tt.action)
			if !errors.Is(err, ErrNotApplicable) || !strings.Contains(err.Error(), tt.names) {
				t.Errorf("err = %v, want ErrNotApplicable naming %q", err, tt.names)
			}
		})
	}
}

func TestResourceFor(t *testing.T) {
	tests := []struct {
		loc    config.Location
		action string
		want   string
	}{
		{roleLoc(withPrefix), "s3:PutObject", "arn:aws:s3:::acme-call-recordings/recordings/*"},
		{roleLoc(), "s3:PutObject", "arn:aws:s3:::acme-call-recordings/*"},
		{roleLoc(withPrefix), "s3:ListBucket", "arn:aws:s3:::acme-call-recordings"},
		{roleLoc(), "s3:GetBucketLocation", "arn:aws:s3:::acme-call-recordings"},
		{roleLoc(), "s3:GetObject", "arn:aws:s3:::acme-call-recordings/*"},
		{roleLoc(withKMS), "kms:GenerateDataKey", testKMSKey},
		{roleLoc(func(s *config.S3) { s.Region = "cn-north-1" }), "s3:ListBucket", "arn:aws-cn:s3:::acme-call-recordings"},
		{config.Location{Type: config.TypeLocal, Local: &config.Local{Path: "/tmp"}}, "s3:PutObject", ""},
		{roleLoc(), "sts:AssumeRole", ""},
	}
	for _, tt := range tests {
		t.Run(tt.action+"→"+tt.want, func(t *testing.T) {
			if got := ResourceFor(tt.loc, tt.action); got != tt.want {
				t.Errorf("ResourceFor = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestKinds(t *testing.T) {
	tests := []struct {
		name string
		loc  config.Location
		want []Kind
	}{
		{"role", roleLoc(), []Kind{KindPermissions, KindTrust, KindCloudFormation, KindTerraform, KindAWSCLI}},
		{"role sse-kms", roleLoc(withKMS), []Kind{KindPermissions, KindTrust, KindKMS, KindCloudFormation, KindTerraform, KindAWSCLI}},
		{"keys", keysLoc(), []Kind{KindPermissions, KindBucket, KindTerraform, KindAWSCLI}},
		{"keys sse-kms", keysLoc(withKMS), []Kind{KindPermissions, KindBucket, KindKMS, KindTerraform, KindAWSCLI}},
		{"AWS regional endpoint", keysLoc(func(s *config.S3) { s.Endpoint = "https://s3.us-west-1.amazonaws.com" }), []Kind{KindPermissions, KindBucket, KindTerraform, KindAWSCLI}},
		{"S3-compatible", keysLoc(func(s *config.S3) { s.Endpoint = "http://127.0.0.1:9000" }), []Kind{KindPermissions}},
		{"S3-compatible role", roleLoc(func(s *config.S3) { s.Endpoint = "https://127.0.0.1:9000" }), []Kind{KindPermissions, KindTrust}},
		{"default credentials", roleLoc(func(s *config.S3) { s.Auth = config.AuthDefault }), []Kind{KindPermissions}},
		{"azure", config.Location{Type: config.TypeAzure, Azure: &config.Azure{Container: "c"}}, []Kind{KindAzureSAS}},
		{"local", config.Location{Type: config.TypeLocal, Local: &config.Local{Path: "/srv/exports"}}, nil},
		{"s3 without settings", config.Location{Type: config.TypeS3}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Kinds(tt.loc); !slices.Equal(got, tt.want) {
				t.Errorf("Kinds = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTitlesAndPlaces(t *testing.T) {
	for _, k := range AllKinds {
		t.Run(string(k), func(t *testing.T) {
			if Title(k) == "" || Title(k) == string(k) {
				t.Errorf("Title(%s) = %q", k, Title(k))
			}
			w := WhereItGoes(k)
			if w == "" || strings.Count(w, "\n") > 1 {
				t.Errorf("WhereItGoes(%s) = %q, want one or two lines", k, w)
			}
		})
	}
	if !strings.Contains(WhereItGoes(KindTrust), "Trust relationships") || !strings.Contains(WhereItGoes(KindTrust), "external ID") {
		t.Errorf("trust WhereItGoes = %q", WhereItGoes(KindTrust))
	}
	if _, err := Render("nope", roleLoc(), testPlatform); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("Render(nope) err = %v", err)
	}
}

func TestMissingFields(t *testing.T) {
	noBucket := roleLoc(func(s *config.S3) { s.Bucket = "" })
	noRegion := roleLoc(func(s *config.S3) { s.Region = "" })
	noKey := roleLoc(func(s *config.S3) { s.Encryption = config.EncryptionSSEKMS })
	noID := roleLoc(func(s *config.S3) { s.ExternalID = "" })
	tests := []struct {
		name  string
		run   func() (string, error)
		field string
	}{
		{"permissions bucket", func() (string, error) { return Permissions(noBucket) }, "s3.bucket"},
		{"permissions kms key", func() (string, error) { return Permissions(noKey) }, "s3.kms_key_arn"},
		{"statement bucket", func() (string, error) { return StatementFor(noBucket, "s3:PutObject") }, "s3.bucket"},
		{"trust principal", func() (string, error) { return Trust(roleLoc(), config.Platform{}) }, "platform.principal_arns"},
		{"trust blank principal", func() (string, error) { return Trust(roleLoc(), config.Platform{PrincipalARNs: []string{" "}}) }, "platform.principal_arns"},
		{"trust external ID", func() (string, error) { return Trust(noID, testPlatform) }, "s3.external_id"},
		{"bucket user", func() (string, error) { return Bucket(keysLoc(func(s *config.S3) { s.UserARN = "" })) }, "s3.user_arn"},
		{"kms role", func() (string, error) { return KMS(roleLoc(withKMS, func(s *config.S3) { s.RoleARN = "" })) }, "s3.role_arn"},
		{"kms user", func() (string, error) { return KMS(keysLoc(withKMS, func(s *config.S3) { s.UserARN = "" })) }, "s3.user_arn"},
		{"kms region", func() (string, error) { return KMS(roleLoc(withKMS, func(s *config.S3) { s.Region = "" })) }, "s3.region"},
		{"cloudformation principal", func() (string, error) { return CloudFormation(roleLoc(), config.Platform{}) }, "platform.principal_arns"},
		{"cloudformation bucket", func() (string, error) { return CloudFormation(noBucket, testPlatform) }, "s3.bucket"},
		{"quick-create region", func() (string, error) {
			return QuickCreateURL(noRegion, config.Platform{PrincipalARNs: []string{testPrincipal}, TemplateURL: "https://x/t.json"})
		}, "s3.region"},
		{"quick-create external ID", func() (string, error) {
			return QuickCreateURL(noID, config.Platform{PrincipalARNs: []string{testPrincipal}, TemplateURL: "https://x/t.json"})
		}, "s3.external_id"},
		{"terraform principal", func() (string, error) { return Terraform(roleLoc(), config.Platform{}) }, "platform.principal_arns"},
		{"terraform region", func() (string, error) { return Terraform(noRegion, testPlatform) }, "s3.region"},
		{"aws-cli external ID", func() (string, error) { return AWSCLI(noID, testPlatform) }, "s3.external_id"},
		{"aws-cli region", func() (string, error) { return AWSCLI(keysLoc(func(s *config.S3) { s.Region = "" }), testPlatform) }, "s3.region"},
		{"azure container", func() (string, error) {
			return AzureSAS(config.Location{Type: config.TypeAzure, Azure: &config.Azure{}})
		}, "azure.container"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.run()
			if !errors.Is(err, ErrMissing) {
				t.Fatalf("err = %v (output %d bytes), want ErrMissing", err, len(out))
			}
			var me *MissingError
			if !errors.As(err, &me) || me.Field != tt.field || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("err = %v, want it to name %s", err, tt.field)
			}
			if !strings.Contains(err.Error(), "e.g.") && !strings.Contains(err.Error(), "regenerate") {
				t.Errorf("err = %v, want an example or next step", err)
			}
		})
	}
}

func TestNotApplicable(t *testing.T) {
	azure := config.Location{Name: "az", Type: config.TypeAzure, Azure: &config.Azure{Container: "c"}}
	local := config.Location{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: "/srv"}}
	tests := []struct {
		name string
		run  func() (string, error)
	}{
		{"permissions for azure", func() (string, error) { return Permissions(azure) }},
		{"trust for local", func() (string, error) { return Trust(local, testPlatform) }},
		{"azure for s3", func() (string, error) { return AzureSAS(roleLoc()) }},
		{"kms without sse-kms", func() (string, error) { return KMS(roleLoc()) }},
		{"cloudformation in keys mode", func() (string, error) { return CloudFormation(keysLoc(), testPlatform) }},
		{"terraform for default credentials", func() (string, error) {
			return Terraform(roleLoc(func(s *config.S3) { s.Auth = config.AuthDefault }), testPlatform)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.run(); !errors.Is(err, ErrNotApplicable) {
				t.Errorf("err = %v, want ErrNotApplicable", err)
			}
		})
	}
}

func TestInvalidNumbers(t *testing.T) {
	neg := roleLoc(func(s *config.S3) { s.ExpiryDays = -1 })
	for _, k := range []Kind{KindCloudFormation, KindTerraform, KindAWSCLI} {
		if _, err := Render(k, neg, testPlatform); err == nil || !strings.Contains(err.Error(), "s3.expiry_days") {
			t.Errorf("%s with expiry -1: err = %v", k, err)
		}
	}
	az := config.Location{Type: config.TypeAzure, Azure: &config.Azure{Container: "c", SASExpiryDays: -5}}
	if _, err := AzureSAS(az); err == nil || !strings.Contains(err.Error(), "azure.sas_expiry_days") {
		t.Errorf("negative SAS expiry: err = %v", err)
	}
}
