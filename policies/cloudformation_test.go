package policies

import (
	"encoding/json"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/intrinsics"
	"github.com/stowage-dev/stowage/config"
)

// policyActions gathers the Allow actions of a parsed policy document.
func policyActions(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return actionSet(parseDoc(t, string(b)))
}

func TestCloudFormationParses(t *testing.T) {
	off := func(loc config.Location) Hardening {
		h := HardeningOf(loc)
		h.Versioning, h.AccessLogs = false, AccessLogsOff
		return h
	}
	existingLogs := func(loc config.Location) Hardening {
		h := HardeningOf(loc)
		h.AccessLogs, h.AccessLogBucket, h.NoncurrentVersionExpiryDays = AccessLogsExisting, "acme-central-logs", 90
		return h
	}
	tests := []struct {
		name       string
		loc        config.Location
		p          config.Platform
		h          func(config.Location) Hardening
		algorithm  string
		ownership  string
		expiryDays int // 0: the resolved lifecycle rule has no expiry
	}{
		{"minimal", roleLoc(), testPlatform, HardeningOf, "aws:kms", "BucketOwnerEnforced", 0},
		{"expiry 30 days", roleLoc(withExpiry), testPlatform, HardeningOf, "aws:kms", "BucketOwnerEnforced", 30},
		{"sse-s3", roleLoc(withSSES3), testPlatform, HardeningOf, "AES256", "BucketOwnerEnforced", 0},
		{"sse-kms and ACL", roleLoc(withKMS, withACL, withPrefix), testPlatform, HardeningOf, "aws:kms", "BucketOwnerPreferred", 0},
		{"everything", roleLoc(withPrefix, withReadBack, withDelete, withACL, withKMS, withExpiry, withPending), config.Platform{PrincipalARNs: []string{testPrincipal, testPrincipal2}}, HardeningOf, "aws:kms", "BucketOwnerPreferred", 30},
		{"versioning and logs off", roleLoc(withExpiry), testPlatform, off, "aws:kms", "BucketOwnerEnforced", 30},
		{"existing log bucket, sse-s3", roleLoc(withSSES3), testPlatform, existingLogs, "AES256", "BucketOwnerEnforced", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.h(tt.loc)
			out, err := CloudFormationWith(tt.loc, tt.p, h)
			if err != nil {
				t.Fatal(err)
			}
			tmpl, err := goformation.ParseJSON([]byte(out))
			if err != nil {
				t.Fatalf("goformation: %v", err)
			}
			wantTypes := map[string]string{
				"Bucket":            "AWS::S3::Bucket",
				"BucketPolicy":      "AWS::S3::BucketPolicy",
				"PermissionsPolicy": "AWS::IAM::ManagedPolicy",
				"Role":              "AWS::IAM::Role",
			}
			if h.AccessLogs == AccessLogsCreate {
				wantTypes["AccessLogBucket"] = "AWS::S3::Bucket"
				wantTypes["AccessLogBucketPolicy"] = "AWS::S3::BucketPolicy"
			}
			if h.KMSKey == KMSKeyCreate {
				wantTypes["KmsKey"] = "AWS::KMS::Key"
				wantTypes["KmsKeyAlias"] = "AWS::KMS::Alias"
			}
			for name, typ := range wantTypes {
				r, ok := tmpl.Resources[name]
				if !ok {
					t.Fatalf("resource %s missing", name)
				}
				if got := r.AWSCloudFormationType(); got != typ {
					t.Errorf("%s type = %s, want %s", name, got, typ)
				}
			}
			if len(tmpl.Resources) != len(wantTypes) {
				t.Errorf("%d resources, want %d", len(tmpl.Resources), len(wantTypes))
			}

			bucket, err := tmpl.GetS3BucketWithName("Bucket")
			if err != nil {
				t.Fatal(err)
			}
			pab := bucket.PublicAccessBlockConfiguration
			if pab == nil || !*pab.BlockPublicAcls || !*pab.BlockPublicPolicy || !*pab.IgnorePublicAcls || !*pab.RestrictPublicBuckets {
				t.Errorf("public access block = %+v, want all four true", pab)
			}
			enc := bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault
			if enc.SSEAlgorithm != tt.algorithm {
				t.Errorf("SSEAlgorithm = %s, want %s", enc.SSEAlgorithm, tt.algorithm)
			}
			if h.KMSKey == KMSKeyExisting && (enc.KMSMasterKeyID == nil || *enc.KMSMasterKeyID != testKMSKey) {
				t.Errorf("KMSMasterKeyID = %v", enc.KMSMasterKeyID)
			}
			if got := bucket.OwnershipControls.Rules[0].ObjectOwnership; got == nil || *got != tt.ownership {
				t.Errorf("ObjectOwnership = %v, want %s", got, tt.ownership)
			}
			wantStatus := map[bool]string{true: "Enabled", false: "Suspended"}[h.Versioning]
			if v := bucket.VersioningConfiguration; v == nil || v.Status != wantStatus {
				t.Errorf("VersioningConfiguration = %+v, want %s", v, wantStatus)
			}
			switch h.AccessLogs {
			case AccessLogsOff:
				if bucket.LoggingConfiguration != nil {
					t.Errorf("LoggingConfiguration = %+v, want none", bucket.LoggingConfiguration)
				}
			case AccessLogsExisting:
				if l := bucket.LoggingConfiguration; l == nil || l.DestinationBucketName == nil || *l.DestinationBucketName != h.AccessLogBucket {
					t.Errorf("LoggingConfiguration = %+v, want the existing bucket %s", l, h.AccessLogBucket)
				}
			case AccessLogsCreate:
				if bucket.LoggingConfiguration == nil {
					t.Errorf("no LoggingConfiguration")
				}
				logs, err := tmpl.GetS3BucketWithName("AccessLogBucket")
				if err != nil {
					t.Fatal(err)
				}
				if *logs.BucketName != h.AccessLogBucket {
					t.Errorf("log bucket name = %s, want %s", *logs.BucketName, h.AccessLogBucket)
				}
				if a := logs.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm; a != "AES256" {
					t.Errorf("log bucket encryption = %s, want AES256 (log delivery cannot use SSE-KMS)", a)
				}
				if pab := logs.PublicAccessBlockConfiguration; pab == nil || !*pab.BlockPublicAcls || !*pab.RestrictPublicBuckets {
					t.Errorf("log bucket public access block = %+v", pab)
				}
				r := logs.LifecycleConfiguration.Rules
				if len(r) != 1 || r[0].ExpirationInDays == nil || *r[0].ExpirationInDays != DefaultAccessLogExpiryDays {
					t.Errorf("log bucket lifecycle = %+v, want expiry after %d days", r, DefaultAccessLogExpiryDays)
				}
				lp, err := tmpl.GetS3BucketPolicyWithName("AccessLogBucketPolicy")
				if err != nil {
					t.Fatal(err)
				}
				doc, _ := json.Marshal(lp.PolicyDocument)
				if !strings.Contains(string(doc), `"logging.s3.amazonaws.com"`) || !strings.Contains(string(doc), `"aws:SourceAccount"`) {
					t.Errorf("log bucket policy = %s", doc)
				}
			}
			if h.KMSKey == KMSKeyCreate {
				key, err := tmpl.GetKMSKeyWithName("KmsKey")
				if err != nil {
					t.Fatal(err)
				}
				if key.EnableKeyRotation == nil || !*key.EnableKeyRotation {
					t.Errorf("key rotation is not on")
				}
				kp, _ := json.Marshal(key.KeyPolicy)
				for _, want := range []string{`"kms:GenerateDataKey"`, `"kms:ViaService"`, `:root"`} {
					if !strings.Contains(string(kp), want) {
						t.Errorf("key policy lacks %s: %s", want, kp)
					}
				}
				// goformation resolves Fn::GetAtt to null, so the role and
				// key references are read from the template itself.
				var raw struct {
					Resources map[string]struct {
						Properties struct {
							KeyPolicy struct {
								Statement []struct{ Principal struct{ AWS any } }
							}
							Roles          []any
							PolicyDocument struct {
								Statement []struct {
									Sid      string
									Resource any
								}
							}
						}
					}
				}
				if err := json.Unmarshal([]byte(out), &raw); err != nil {
					t.Fatal(err)
				}
				st := raw.Resources["KmsKey"].Properties.KeyPolicy.Statement
				if len(st) != 2 || !jsonEqual(st[1].Principal.AWS, map[string]any{"Fn::GetAtt": []any{"Role", "Arn"}}) {
					t.Errorf("key policy statements = %+v, want the second to name the role", st)
				}
				var kmsRes any
				for _, st := range raw.Resources["PermissionsPolicy"].Properties.PolicyDocument.Statement {
					if st.Sid == SidKMS {
						kmsRes = st.Resource
					}
				}
				if !jsonEqual(kmsRes, []any{map[string]any{"Fn::GetAtt": []any{"KmsKey", "Arn"}}}) {
					t.Errorf("permissions policy KMS resource = %v, want the created key", kmsRes)
				}
			}
			// With EvaluateConditions goformation resolves HasExpiry.
			// CloudFormation hands a referenced parameter to Fn::Equals as
			// a string but converts it for an integer property; goformation
			// does neither, so the override gives the value the type its
			// one use needs.
			var days any = float64(tt.expiryDays)
			if tt.expiryDays == 0 {
				days = "0"
			}
			evaluated, err := goformation.ParseJSONWithOptions([]byte(out), &intrinsics.ProcessorOptions{
				EvaluateConditions: true,
				ParameterOverrides: map[string]any{"ExpiryDays": days},
			})
			if err != nil {
				t.Fatalf("goformation with conditions: %v", err)
			}
			eb, err := evaluated.GetS3BucketWithName("Bucket")
			if err != nil {
				t.Fatal(err)
			}
			if eb.LifecycleConfiguration == nil {
				t.Fatalf("no lifecycle configuration after evaluating HasExpiry")
			}
			rules := eb.LifecycleConfiguration.Rules
			if len(rules) != 1 || rules[0].AbortIncompleteMultipartUpload == nil || rules[0].AbortIncompleteMultipartUpload.DaysAfterInitiation != AbortIncompleteUploadDays {
				t.Fatalf("lifecycle rules = %+v, want one that aborts incomplete uploads after %d days", rules, AbortIncompleteUploadDays)
			}
			gotExpiry := 0
			if rules[0].ExpirationInDays != nil {
				gotExpiry = *rules[0].ExpirationInDays
			}
			if gotExpiry != tt.expiryDays {
				t.Errorf("ExpirationInDays = %d, want %d", gotExpiry, tt.expiryDays)
			}
			if nc := rules[0].NoncurrentVersionExpiration; nc == nil || nc.NoncurrentDays != h.NoncurrentVersionExpiryDays {
				t.Errorf("NoncurrentVersionExpiration = %+v, want %d days", nc, h.NoncurrentVersionExpiryDays)
			}

			policy, err := tmpl.GetIAMManagedPolicyWithName("PermissionsPolicy")
			if err != nil {
				t.Fatal(err)
			}
			perm, err := Permissions(tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			want := actionSet(parseDoc(t, perm))
			if h.KMSKey == KMSKeyCreate {
				want = append(want, "kms:Decrypt", "kms:GenerateDataKey")
				sort.Strings(want)
			}
			if got := policyActions(t, policy.PolicyDocument); !slices.Equal(got, want) {
				t.Errorf("managed policy actions = %v, want %v", got, want)
			}
			if len(policy.Roles) != 1 {
				t.Errorf("managed policy Roles = %v, want the role", policy.Roles)
			}

			role, err := tmpl.GetIAMRoleWithName("Role")
			if err != nil {
				t.Fatal(err)
			}
			trust, _ := json.Marshal(role.AssumeRolePolicyDocument)
			if !strings.Contains(string(trust), `"sts:AssumeRole"`) || !strings.Contains(string(trust), `"sts:ExternalId"`) {
				t.Errorf("trust policy = %s", trust)
			}

			ext, ok := tmpl.Parameters["ExternalId"]
			if !ok || ext.NoEcho == nil || !*ext.NoEcho {
				t.Errorf("ExternalId parameter = %+v, want NoEcho", ext)
			}
			var params []string
			for name := range tmpl.Parameters {
				params = append(params, name)
			}
			sort.Strings(params)
			wantParams := []string{"BucketName", "ExpiryDays", "ExternalId", "NoncurrentVersionExpiryDays", "PendingExternalId", "TrustedPrincipal", "Versioning"}
			switch h.AccessLogs {
			case AccessLogsCreate:
				wantParams = append(wantParams, "AccessLogBucketName", "AccessLogExpiryDays")
			case AccessLogsExisting:
				wantParams = append(wantParams, "AccessLogBucketName")
			}
			sort.Strings(wantParams)
			if !slices.Equal(params, wantParams) {
				t.Errorf("parameters = %v, want %v", params, wantParams)
			}
			if tmpl.Parameters["ExpiryDays"].Type != "Number" {
				t.Errorf("ExpiryDays type = %s", tmpl.Parameters["ExpiryDays"].Type)
			}
			if _, ok := tmpl.Conditions["HasExpiry"]; !ok {
				t.Errorf("condition HasExpiry missing")
			}
			wantOutputs := []string{"RoleArn", "BucketName"}
			if h.KMSKey == KMSKeyCreate {
				wantOutputs = append(wantOutputs, "KmsKeyArn")
			}
			if h.AccessLogs == AccessLogsCreate {
				wantOutputs = append(wantOutputs, "AccessLogBucketName")
			}
			for _, o := range wantOutputs {
				if _, ok := tmpl.Outputs[o]; !ok {
					t.Errorf("output %s missing", o)
				}
			}
			if len(tmpl.Outputs) != len(wantOutputs) {
				t.Errorf("%d outputs, want %v", len(tmpl.Outputs), wantOutputs)
			}
			// The template never carries the external ID itself.
			if strings.Contains(out, testExternalID) {
				t.Errorf("template holds the external ID")
			}
		})
	}
}

// absent marks a query parameter the link must not have.
const absent = "\x00absent"

func TestQuickCreateURL(t *testing.T) {
	const tmplURL = "https://stowage-templates.s3.amazonaws.com/stowage-role.json?v=2"
	p := config.Platform{PrincipalARNs: []string{testPrincipal, testPrincipal2}, TemplateURL: tmplURL}
	tests := []struct {
		name   string
		loc    config.Location
		host   string
		params map[string]string
	}{
		{"aws", roleLoc(withExpiry), "console.aws.amazon.com", map[string]string{
			"templateURL": tmplURL, "stackName": "stowage-acme-recordings", "param_ExternalId": testExternalID,
			"param_BucketName": "acme-call-recordings", "param_TrustedPrincipal": testPrincipal + "," + testPrincipal2,
			"param_ExpiryDays": "30",
			"param_Versioning": "Enabled", "param_NoncurrentVersionExpiryDays": "30",
			"param_AccessLogBucketName": "acme-call-recordings-logs", "param_AccessLogExpiryDays": "365",
		}},
		{"hardening chosen", roleLoc(func(s *config.S3) {
			off := false
			s.Versioning = &off
			s.AccessLogs, s.AccessLogBucket = config.AccessLogsExisting, "acme-audit-logs"
		}), "console.aws.amazon.com", map[string]string{
			"param_Versioning": "Suspended", "param_AccessLogBucketName": "acme-audit-logs", "param_AccessLogExpiryDays": absent,
		}},
		{"access logs off", roleLoc(func(s *config.S3) { s.AccessLogs = config.AccessLogsOff }), "console.aws.amazon.com", map[string]string{
			"param_Versioning": "Enabled", "param_AccessLogBucketName": absent, "param_AccessLogExpiryDays": absent,
		}},
		{"pending", roleLoc(withPending), "console.aws.amazon.com", map[string]string{
			"param_ExternalId": testExternalID, "param_PendingExternalId": "stw-new0c1d2e3f4a5b6c",
		}},
		{"aws-cn", roleLoc(func(s *config.S3) { s.Region = "cn-northwest-1" }), "console.amazonaws.cn", nil},
		{"aws-us-gov", roleLoc(func(s *config.S3) { s.Region = "us-gov-east-1" }), "console.amazonaws-us-gov.com", nil},
		{"odd name", func() config.Location { l := roleLoc(); l.Name = "  Ünïcode & spaces!! "; return l }(), "console.aws.amazon.com",
			map[string]string{"stackName": "stowage-n-code-spaces"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := QuickCreateURL(tt.loc, p)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			if u.Host != tt.host || u.Path != "/cloudformation/home" || u.Query().Get("region") != tt.loc.S3.Region {
				t.Errorf("URL = %s", got)
			}
			path, query, ok := strings.Cut(u.EscapedFragment(), "?")
			if !ok || path != "/stacks/quickcreate" {
				t.Fatalf("fragment = %q", u.Fragment)
			}
			if strings.ContainsAny(query, " :/,") {
				t.Errorf("fragment query is not fully encoded: %s", query)
			}
			q, err := url.ParseQuery(query)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.params {
				if v == absent {
					if q.Has(k) {
						t.Errorf("%s = %q, want none", k, q.Get(k))
					}
				} else if q.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, q.Get(k), v)
				}
			}
			// Every parameter the link fills is one the template, as
			// generated for this location, declares: the console ignores
			// the others.
			tmpl, err := CloudFormation(tt.loc, p)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct{ Parameters map[string]any }
			if err := json.Unmarshal([]byte(tmpl), &doc); err != nil {
				t.Fatal(err)
			}
			for k := range q {
				if name, ok := strings.CutPrefix(k, "param_"); ok && doc.Parameters[name] == nil {
					t.Errorf("%s: the template has no parameter %s", k, name)
				}
			}
		})
	}
	if got, err := QuickCreateURL(roleLoc(), testPlatform); got != "" || err != nil {
		t.Errorf("without TemplateURL: %q, %v; want empty", got, err)
	}
}
