// Package wizard holds end-to-end tests of the setup wizard as users meet
// it: the built stowage binary in a real terminal (tmux at 80×24), driven
// by keystrokes against a real MinIO, and its line-by-line form on a pipe.
// It has no code of its own; the tests are in its _test.go files.
package wizard
