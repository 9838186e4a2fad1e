package validate

import (
	"strings"
)

// RegionInfo is one AWS region as the wizard lists it.
type RegionInfo struct {
	// Code is what the SDK and config take, e.g. "eu-west-1".
	Code string
	// Name is the console's name, e.g. "Europe (Ireland)".
	Name string
	// Partition is "aws", "aws-cn" or "aws-us-gov".
	Partition string
}

const exampleRegion = "us-east-1"

// regions follows the AWS SDK's partitions.json (aws, aws-cn and aws-us-gov
// partitions), grouped the way the console lists them. The isolated and
// sovereign partitions are left out: Stowage cannot reach them.
var regions = []RegionInfo{
	{"us-east-1", "US East (N. Virginia)", "aws"},
	{"us-east-2", "US East (Ohio)", "aws"},
	{"us-west-1", "US West (N. California)", "aws"},
	{"us-west-2", "US West (Oregon)", "aws"},
	{"af-south-1", "Africa (Cape Town)", "aws"},
	{"ap-east-1", "Asia Pacific (Hong Kong)", "aws"},
	{"ap-east-2", "Asia Pacific (Taipei)", "aws"},
	{"ap-south-1", "Asia Pacific (Mumbai)", "aws"},
	{"ap-south-2", "Asia Pacific (Hyderabad)", "aws"},
	{"ap-northeast-1", "Asia Pacific (Tokyo)", "aws"},
	{"ap-northeast-2", "Asia Pacific (Seoul)", "aws"},
	{"ap-northeast-3", "Asia Pacific (Osaka)", "aws"},
	{"ap-southeast-1", "Asia Pacific (Singapore)", "aws"},
	{"ap-southeast-2", "Asia Pacific (Sydney)", "aws"},
	{"ap-southeast-3", "Asia Pacific (Jakarta)", "aws"},
	{"ap-southeast-4", "Asia Pacific (Melbourne)", "aws"},
	{"ap-southeast-5", "Asia Pacific (Malaysia)", "aws"},
	{"ap-southeast-6", "Asia Pacific (New Zealand)", "aws"},
	{"ap-southeast-7", "Asia Pacific (Thailand)", "aws"},
	{"ca-central-1", "Canada (Central)", "aws"},
	{"ca-west-1", "Canada West (Calgary)", "aws"},
	{"eu-central-1", "Europe (Frankfurt)", "aws"},
	{"eu-central-2", "Europe (Zurich)", "aws"},
	{"eu-west-1", "Europe (Ireland)", "aws"},
	{"eu-west-2", "Europe (London)", "aws"},
	{"eu-west-3", "Europe (Paris)", "aws"},
	{"eu-south-1", "Europe (Milan)", "aws"},
	{"eu-south-2", "Europe (Spain)", "aws"},
	{"eu-north-1", "Europe (Stockholm)", "aws"},
	{"il-central-1", "Israel (Tel Aviv)", "aws"},
	{"me-south-1", "Middle East (Bahrain)", "aws"},
	{"me-central-1", "Middle East (UAE)", "aws"},
	{"me-west-1", "Middle East (Saudi Arabia)", "aws"},
	{"mx-central-1", "Mexico (Central)", "aws"},
	{"sa-east-1", "South America (São Paulo)", "aws"},
	{"sa-west-1", "South America (Chile)", "aws"},
	{"cn-north-1", "China (Beijing)", "aws-cn"},
	{"cn-northwest-1", "China (Ningxia)", "aws-cn"},
	{"us-gov-east-1", "AWS GovCloud (US-East)", "aws-us-gov"},
	{"us-gov-west-1", "AWS GovCloud (US-West)", "aws-us-gov"},
}

// Regions returns the known AWS regions in the order the wizard lists them.
// The slice is a copy; callers may reorder it.
func Regions() []RegionInfo {
	return append([]RegionInfo(nil), regions...)
}

// RegionName returns the console name of a known region code, or "".
func RegionName(code string) string {
	for _, r := range regions {
		if r.Code == code {
			return r.Name
		}
	}
	return ""
}

// Partition returns the AWS partition a region belongs to: "aws-cn" for
// China, "aws-us-gov" for GovCloud and "aws" for everything else, including
// custom S3-compatible region names.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

// Region checks an S3 region. Against AWS it must be a known region of the
// aws, aws-cn or aws-us-gov partition; with a custom endpoint any
// region-shaped name is accepted, because S3-compatible stores pick their
// own ("auto" for R2, "garage", "fr-par", "us-east-1" for MinIO).
func Region(region string, customEndpoint bool) error {
	const field = "region"
	switch {
	case region == "":
		if customEndpoint {
			return newErr(field, exampleRegion, "is required; S3-compatible stores sign requests with a region too (MinIO uses us-east-1 unless configured otherwise)")
		}
		return newErr(field, exampleRegion, "is required")
	case surroundingSpace(region):
		return newErr(field, closestRegion(strings.TrimSpace(region)), "must not start or end with spaces")
	}
	if customEndpoint {
		if n := runeCount(region); n > 64 {
			return newErr(field, exampleRegion, "must be at most 64 characters long (got %d)", n)
		}
		if r, pos := firstBad(region, func(r rune) bool { return isAlnum(r) || r == '-' || r == '_' || r == '.' }); pos > 0 {
			return newErr(field, exampleRegion, "has %s at position %d; use only letters, digits, \"-\", \"_\" and \".\"", quoteRune(r), pos)
		}
		if !isAlnum(rune(region[0])) {
			return newErr(field, exampleRegion, "must start with a letter or digit")
		}
		return nil
	}
	if RegionName(region) != "" {
		return nil
	}
	if RegionName(strings.ToLower(region)) != "" {
		return newErr(field, strings.ToLower(region), "region codes are lowercase")
	}
	return newErr(field, closestRegion(region),
		"%q is not a known AWS region; pick one from the list (for an S3-compatible store, set its endpoint first)", region)
}

// closestRegion is the known region code with the smallest edit distance to
// s, so a typo such as "eu-wset-1" gets "eu-west-1" as its example.
func closestRegion(s string) string {
	s = strings.ToLower(s)
	// Input is capped so a pasted essay cannot make the search slow.
	if len(s) > 128 {
		s = s[:128]
	}
	best, bestDist := exampleRegion, -1
	for _, r := range regions {
		d := EditDistance(s, r.Code)
		if bestDist < 0 || d < bestDist {
			best, bestDist = r.Code, d
		}
	}
	return best
}

// EditDistance is the Levenshtein distance between a and b in bytes (the
// names it compares, region codes and config keys, are ASCII). It costs
// len(a)·len(b); callers taking free text cap it first.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
