// Command testsummary reads `go test -json` on stdin, prints each package's
// result and the full output of every failed test, and ends with the plain
// closing line "N passed, N failed, N skipped". It exits 1 when any test or
// package failed, so CI cannot mistake a broken build for a green run.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	var passed, failed, skipped int
	output := map[string]*strings.Builder{} // package/test -> output lines
	var failedTests []string
	var failedPkgs []string
	skippedTests := map[string]string{}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	start := time.Now()
	for sc.Scan() {
		line := sc.Bytes()
		var ev event
		if err := json.Unmarshal(line, &ev); err != nil || ev.Action == "" {
			// Build errors and other non-JSON lines go straight through.
			fmt.Println(string(line))
			continue
		}
		id := ev.Package + " " + ev.Test
		switch ev.Action {
		case "output":
			b := output[id]
			if b == nil {
				b = &strings.Builder{}
				output[id] = b
			}
			b.WriteString(ev.Output)
		case "pass":
			if ev.Test != "" {
				passed++
			} else {
				fmt.Printf("ok    %s (%.1fs)\n", ev.Package, ev.Elapsed)
			}
			delete(output, id)
		case "skip":
			if ev.Test != "" {
				skipped++
				if b := output[id]; b != nil {
					skippedTests[id] = lastLine(b.String())
				}
			} else {
				fmt.Printf("--    %s (no tests)\n", ev.Package)
			}
			delete(output, id)
		case "fail":
			if ev.Test != "" {
				failed++
				failedTests = append(failedTests, id)
				fmt.Printf("--- FAIL %s (%.1fs)\n%s", id, ev.Elapsed, indent(output[id]))
			} else {
				failedPkgs = append(failedPkgs, ev.Package)
				fmt.Printf("FAIL  %s (%.1fs)\n", ev.Package, ev.Elapsed)
				if b := output[id]; b != nil {
					fmt.Print(indent(b))
				}
			}
			delete(output, id)
		}
	}
	if len(skippedTests) > 0 {
		fmt.Println("\nskipped tests:")
		keys := make([]string, 0, len(skippedTests))
		for k := range skippedTests {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Printf("  %s: %s\n", k, skippedTests[k])
		}
	}
	if len(failedTests)+len(failedPkgs) > 0 {
		fmt.Println("\nfailed:")
		for _, t := range failedTests {
			fmt.Println("  " + t)
		}
		for _, p := range failedPkgs {
			fmt.Println("  package " + p)
		}
	}
	fmt.Printf("\n(%s)\n", time.Since(start).Round(time.Second))
	fmt.Printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 || len(failedPkgs) > 0 {
		os.Exit(1)
	}
}

func indent(b *strings.Builder) string {
	if b == nil {
		return ""
	}
	var out strings.Builder
	for _, l := range strings.SplitAfter(b.String(), "\n") {
		if l != "" {
			out.WriteString("    " + l)
		}
	}
	return out.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
