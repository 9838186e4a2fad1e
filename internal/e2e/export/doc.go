// Package exporte2e holds end-to-end robustness tests of exports against a
// real MinIO server over TLS: a fault-injecting proxy (throttling, dropped
// connections), kill -9 of the stowage binary mid-run, a source file that
// changes during its upload, and --delete-source with and without read-back.
//
// The package has no code of its own; everything is in its tests.
package exporte2e
