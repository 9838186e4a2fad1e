package validate

import (
	"errors"
	"testing"
)

func TestRegion(t *testing.T) {
	for _, c := range []struct {
		tc
		custom  bool
		example string
	}{
		{tc{"us-east-1", "us-east-1", true, ""}, false, ""},
		{tc{"eu-west-1", "eu-west-1", true, ""}, false, ""},
		{tc{"china", "cn-northwest-1", true, ""}, false, ""},
		{tc{"govcloud", "us-gov-west-1", true, ""}, false, ""},
		{tc{"newest", "ap-southeast-7", true, ""}, false, ""},
		{tc{"mexico", "mx-central-1", true, ""}, false, ""},
		{tc{"empty", "", false, "required"}, false, "us-east-1"},
		{tc{"typo", "eu-wset-1", false, "not a known AWS region"}, false, "eu-west-1"},
		{tc{"missing digit", "us-west", false, "not a known AWS region"}, false, "us-west-1"},
		{tc{"uppercase", "EU-WEST-2", false, "lowercase"}, false, "eu-west-2"},
		{tc{"spaces", " eu-west-1", false, "spaces"}, false, "eu-west-1"},
		{tc{"r2 without endpoint", "auto", false, "not a known AWS region"}, false, ""},
		{tc{"r2 auto", "auto", true, ""}, true, ""},
		{tc{"garage", "garage", true, ""}, true, ""},
		{tc{"minio", "us-east-1", true, ""}, true, ""},
		{tc{"custom underscore", "zone_group.1", true, ""}, true, ""},
		{tc{"custom empty", "", false, "required"}, true, "us-east-1"},
		{tc{"custom space", "my region", false, "a space at position 3"}, true, "us-east-1"},
		{tc{"custom leading hyphen", "-x", false, "start with a letter or digit"}, true, "us-east-1"},
		{tc{"custom 65", string(make([]byte, 65)), false, "at most 64"}, true, "us-east-1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Region(c.in, c.custom)
			checkErr(t, err, c.tc, "region")
			var ve *Error
			if errors.As(err, &ve) {
				if c.example != "" && ve.Example != c.example {
					t.Errorf("example = %q, want %q", ve.Example, c.example)
				}
				if e := Region(ve.Example, false); e != nil {
					t.Errorf("example %q invalid: %v", ve.Example, e)
				}
			}
		})
	}
}

func TestRegionsList(t *testing.T) {
	list := Regions()
	seen := map[string]bool{}
	for _, r := range list {
		if seen[r.Code] {
			t.Errorf("duplicate region %s", r.Code)
		}
		seen[r.Code] = true
		if r.Name == "" {
			t.Errorf("%s has no name", r.Code)
		}
		if got := Partition(r.Code); got != r.Partition {
			t.Errorf("Partition(%s) = %s, list says %s", r.Code, got, r.Partition)
		}
		if err := Region(r.Code, false); err != nil {
			t.Errorf("listed region %s rejected: %v", r.Code, err)
		}
	}
	for _, want := range []string{
		"us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-east-2",
		"ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
		"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
		"ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
		"eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1", "il-central-1",
		"me-south-1", "me-central-1", "mx-central-1", "sa-east-1", "cn-north-1", "cn-northwest-1",
		"us-gov-east-1", "us-gov-west-1",
	} {
		if !seen[want] {
			t.Errorf("region %s missing", want)
		}
	}
	if RegionName("eu-west-1") != "Europe (Ireland)" {
		t.Errorf("RegionName(eu-west-1) = %q", RegionName("eu-west-1"))
	}
	list[0].Code = "changed"
	if Regions()[0].Code != "us-east-1" {
		t.Error("Regions returns the shared slice")
	}
}

func TestPartition(t *testing.T) {
	for in, want := range map[string]string{
		"us-east-1": "aws", "cn-north-1": "aws-cn", "cn-northwest-1": "aws-cn",
		"us-gov-east-1": "aws-us-gov", "auto": "aws", "": "aws",
	} {
		if got := Partition(in); got != want {
			t.Errorf("Partition(%q) = %q, want %q", in, got, want)
		}
	}
}
