// Command stowage connects a customer's own cloud storage as an export
// destination for call and screen recordings, tests it, saves it and runs
// resumable bulk exports.
package main

import (
	"os"

	"github.com/stowage-dev/stowage/cmd/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
