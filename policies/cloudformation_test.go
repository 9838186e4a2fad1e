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
	tests := []struct {
		name       string
		loc        config.Location
		p          config.Platform
		algorithm  string
		ownership  string
		expiryDays int // 0: the resolved lifecycle rule has no expiry
	}{
		{"minimal", roleLoc(), testPlatform, "AES256", "BucketOwnerEnforced", 0},
		{"expiry 30 days", roleLoc(withExpiry), testPlatform, "AES256", "BucketOwnerEnforced", 30},
		{"sse-kms and ACL", roleLoc(withKMS, withACL, withPrefix), testPlatform, "aws:kms", "BucketOwnerPreferred", 0},
		{"everything", roleLoc(withPrefix, withReadBack, withDelete, withACL, withKMS, withExpiry, withPending), config.Platform{PrincipalARNs: []string{testPrincipal, testPrincipal2}}, "aws:kms", "BucketOwnerPreferred", 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := CloudFormation(tt.loc, tt.p)
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
			if tt.algorithm == "aws:kms" && (enc.KMSMasterKeyID == nil || *enc.KMSMasterKeyID != testKMSKey) {
				t.Errorf("KMSMasterKeyID = %v", enc.KMSMasterKeyID)
			}
			if got := bucket.OwnershipControls.Rules[0].ObjectOwnership; got == nil || *got != tt.ownership {
				t.Errorf("ObjectOwnership = %v, want %s", got, tt.ownership)
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
			if len(rules) != 1 || rules[0].AbortIncompleteMultipartUpload == nil {
				t.Fatalf("lifecycle rules = %+v", rules)
			}
			gotExpiry := 0
			if rules[0].ExpirationInDays != nil {
				gotExpiry = *rules[0].ExpirationInDays
			}
			if gotExpiry != tt.expiryDays {
				t.Errorf("ExpirationInDays = %d, want %d", gotExpiry, tt.expiryDays)
			}

			policy, err := tmpl.GetIAMManagedPolicyWithName("PermissionsPolicy")
			if err != nil {
				t.Fatal(err)
			}
			perm, err := Permissions(tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := policyActions(t, policy.PolicyDocument), actionSet(parseDoc(t, perm)); !slices.Equal(got, want) {
				t.Errorf("managed policy actions = %v, Permissions() = %v", got, want)
			}

			role, err := tmpl.GetIAMRoleWithName("Role")
			if err != nil {
				t.Fatal(err)
			}
			trust, _ := json.Marshal(role.AssumeRolePolicyDocument)
			if !strings.Contains(string(trust), `"sts:AssumeRole"`) || !strings.Contains(string(trust), `"sts:ExternalId"`) {
				t.Errorf("trust policy = %s", trust)
			}
			if len(role.ManagedPolicyArns) != 1 {
				t.Errorf("ManagedPolicyArns = %v", role.ManagedPolicyArns)
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
			if want := []string{"BucketName", "ExpiryDays", "ExternalId", "PendingExternalId", "TrustedPrincipal"}; !slices.Equal(params, want) {
				t.Errorf("parameters = %v, want %v", params, want)
			}
			if tmpl.Parameters["ExpiryDays"].Type != "Number" {
				t.Errorf("ExpiryDays type = %s", tmpl.Parameters["ExpiryDays"].Type)
			}
			if _, ok := tmpl.Conditions["HasExpiry"]; !ok {
				t.Errorf("condition HasExpiry missing")
			}
			for _, o := range []string{"RoleArn", "BucketName"} {
				if _, ok := tmpl.Outputs[o]; !ok {
					t.Errorf("output %s missing", o)
				}
			}
			// The template never carries the external ID itself.
			if strings.Contains(out, testExternalID) {
				t.Errorf("template holds the external ID")
			}
		})
	}
}

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
				if q.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, q.Get(k), v)
				}
			}
		})
	}
	if got, err := QuickCreateURL(roleLoc(), testPlatform); got != "" || err != nil {
		t.Errorf("without TemplateURL: %q, %v; want empty", got, err)
	}
}
