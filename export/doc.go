// Package export runs Stowage's bulk exports: it uploads local files
// (call and screen recordings) to any providers.Provider, fast and
// resumably.
//
// A walker streams the sources into one queue while up to
// Options.Concurrency requests run; the largest queued file goes first, so
// a huge file is not left as the tail. Files above
// Options.MultipartThreshold are sent in parts when the provider
// implements providers.Multipart, and their parts share the same workers.
// Every acknowledged file and part is committed to a bbolt journal before
// it is reported, so after a crash or kill a rerun skips finished files,
// resumes half-done multipart uploads and re-sends only what was in flight
// (to the same key, so the store ends up with each file once).
//
// Progress is reported as typed events (Options.Events) and as Stats
// snapshots (Controller.Stats); StatusPrinter and JSONPrinter render them
// for --no-tui and --json. Each run writes a CSV and a JSON Lines manifest
// with one row per file.
package export
