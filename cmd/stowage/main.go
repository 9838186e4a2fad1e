// Command stowage connects a customer's own cloud storage as an export
// destination for call and screen recordings, tests it, saves it and runs
// resumable bulk exports.
package main

import (
	"os"

	"github.com/stowage-dev/stowage/cmd/cli"
)

// startProfile is replaced in a build with -tags stowagepprof (the
// benchmark's -profile); release builds profile nothing.
var startProfile = func() (stop func()) { return func() {} }

func main() {
	stop := startProfile()
	code := cli.Main(os.Args[1:])
	stop()
	os.Exit(code)
}
