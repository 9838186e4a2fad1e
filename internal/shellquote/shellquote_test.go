package shellquote

import "testing"

func TestJoin(t *testing.T) {
	got := Join([]string{"stowage", "export", "acme", "/data/my calls", "it's", "", "--include", "*.wav"})
	want := `stowage export acme '/data/my calls' 'it'\''s' '' --include '*.wav'`
	if got != want {
		t.Fatalf("Join = %s, want %s", got, want)
	}
}
