package policies

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stowage-dev/stowage/config"
)

// hardenings returns every versioning × access log × KMS key choice that
// fits loc (an existing key needs the location's key ARN).
func hardenings(loc config.Location) map[string]Hardening {
	out := map[string]Hardening{}
	for _, v := range []bool{true, false} {
		for _, logs := range []AccessLogs{AccessLogsCreate, AccessLogsExisting, AccessLogsOff} {
			for _, k := range []KMSKey{KMSKeyCreate, KMSKeyExisting, KMSKeyNone} {
				if k == KMSKeyExisting && loc.S3.KMSKeyARN == "" {
					continue
				}
				h := HardeningOf(loc)
				h.Versioning, h.AccessLogs, h.KMSKey = v, logs, k
				if logs == AccessLogsExisting {
					h.AccessLogBucket = "acme-central-access-logs"
				}
				out[fmt.Sprintf("versioning=%t,logs=%s,kms=%s", v, logs, k)] = h
			}
		}
	}
	return out
}

// TestTerraformParsesWithHCL parses every Terraform document (each golden
// location with every hardening choice) with HashiCorp's own HCL parser, so
// a syntax slip fails here without terraform or the scanner installed, and
// checks what a parser alone does not: every reference names something the
// file declares, no resource is declared twice, and every trivy ignore
// comment sits right above a resource.
func TestTerraformParsesWithHCL(t *testing.T) {
	n := 0
	for _, c := range goldenCases() {
		if !slices.Contains(Kinds(c.loc), KindTerraform) {
			continue
		}
		for name, h := range hardenings(c.loc) {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				out, err := TerraformWith(c.loc, c.p, h)
				if err != nil {
					t.Fatal(err)
				}
				checkHCL(t, out)
				n++
			})
		}
	}
	if n < 100 {
		t.Errorf("only %d Terraform documents parsed", n)
	}
}

func checkHCL(t *testing.T, src string) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "main.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("HCL does not parse: %s\n%s", diags.Error(), src)
	}
	body := f.Body.(*hclsyntax.Body)
	declared := map[string]bool{}
	for _, b := range body.Blocks {
		var addr string
		switch b.Type {
		case "resource":
			addr = strings.Join(b.Labels, ".")
		case "data":
			addr = "data." + strings.Join(b.Labels, ".")
		case "variable":
			addr = "var." + b.Labels[0]
		case "output":
			addr = "output." + b.Labels[0]
		case "terraform", "provider":
			continue
		default:
			t.Errorf("unexpected top-level block %q", b.Type)
			continue
		}
		if declared[addr] {
			t.Errorf("%s is declared twice", addr)
		}
		declared[addr] = true
	}
	// Dynamic blocks name an iterator after the block.
	iterators := map[string]bool{}
	hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		if b, ok := n.(*hclsyntax.Block); ok && b.Type == "dynamic" {
			iterators[b.Labels[0]] = true
		}
		return nil
	})
	var exprs []hclsyntax.Expression
	for _, b := range body.Blocks {
		hclsyntax.VisitAll(b.Body, func(n hclsyntax.Node) hcl.Diagnostics {
			// A variable's type is a type expression, not a reference.
			if a, ok := n.(*hclsyntax.Attribute); ok && !(b.Type == "variable" && a.Name == "type") {
				exprs = append(exprs, a.Expr)
			}
			return nil
		})
	}
	for _, e := range exprs {
		for _, tr := range e.Variables() {
			root := tr.RootName()
			var addr string
			switch {
			case iterators[root]:
				continue
			case root == "var":
				addr = "var." + attrName(tr, 1)
			case root == "data":
				addr = "data." + attrName(tr, 1) + "." + attrName(tr, 2)
			default:
				addr = root + "." + attrName(tr, 1)
			}
			if !declared[addr] {
				t.Errorf("line %d refers to %s, which the file does not declare", tr.SourceRange().Start.Line, addr)
			}
		}
	}
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "#trivy:ignore:") {
			next := i + 1
			for next < len(lines) && strings.HasPrefix(lines[next], "#trivy:ignore:") {
				next++
			}
			if next >= len(lines) || !strings.HasPrefix(lines[next], "resource ") {
				t.Errorf("line %d: trivy ignore comment is not right above a resource", i+1)
			}
			if fields := strings.Fields(l); len(fields) < 4 {
				t.Errorf("line %d: trivy ignore comment has no reason: %q", i+1, l)
			}
		}
	}
}

func attrName(tr hcl.Traversal, i int) string {
	if i < len(tr) {
		if a, ok := tr[i].(hcl.TraverseAttr); ok {
			return a.Name
		}
	}
	return "?"
}
