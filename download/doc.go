// Package download fetches a location's objects into a local folder, fast
// and resumably: the reverse of an export.
//
// The listing streams into the downloads: every object the provider's
// Lister reports is queued at once while listing goes on, and up to
// Options.Concurrency requests run together. Objects of
// Options.RangeThreshold bytes or more are fetched as parallel ranged GETs
// (Options.RangeSize each) written with WriteAt into one partial file.
//
// Every file is written to "<dest>/<dir>/.<name>.stowage-partial" and
// renamed to its real name only once it is complete and verified: its size,
// and its checksum whenever the store gives one (CRC32C, CRC32, CRC64NVME,
// SHA-256, SHA-1 or MD5 in providers.Object.Checksum, computed locally and
// compared). A remote object that changed between the listing and the
// download (its ETag differs) is reported and the new version fetched.
//
// # Journal
//
// Progress is kept in a bbolt journal at "<dest>/.stowage-download.db"
// (JournalName), next to the files it describes: the journal belongs to the
// destination, so moving the folder moves its state, and two destinations
// never share one. Records are keyed by location name and object key, so
// one destination can receive several locations. After a crash or kill a
// rerun skips every object whose journal record matches (key, size and
// ETag) and whose local file is still there, and resumes a ranged download
// from the ranges already on disk after re-checking each of them against
// the CRC32C recorded when it was written. A second download into the same
// folder while one runs is refused (ErrJournalBusy).
//
// With Options.DeleteAfter the remote object is deleted only after the
// local copy is verified, renamed into place and recorded, and only when
// the store still holds the same version (same ETag).
package download
