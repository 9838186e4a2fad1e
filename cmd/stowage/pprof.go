//go:build stowagepprof

package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// With -tags stowagepprof, STOWAGE_CPUPROFILE and STOWAGE_MEMPROFILE name
// files for a CPU profile of the whole run and an allocation profile at its
// end (bench -profile builds the binary this way).
func init() {
	startProfile = func() func() {
		var cpu *os.File
		if p := os.Getenv("STOWAGE_CPUPROFILE"); p != "" {
			f, err := os.Create(p)
			if err == nil {
				err = pprof.StartCPUProfile(f)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "stowage: cpu profile:", err)
			} else {
				cpu = f
			}
		}
		return func() {
			if cpu != nil {
				pprof.StopCPUProfile()
				cpu.Close()
			}
			if p := os.Getenv("STOWAGE_MEMPROFILE"); p != "" {
				if f, err := os.Create(p); err == nil {
					_ = pprof.Lookup("allocs").WriteTo(f, 0)
					f.Close()
				}
			}
		}
	}
}
