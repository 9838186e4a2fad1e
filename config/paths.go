package config

import (
	"os"
	"path/filepath"

	"github.com/stowage-dev/stowage/validate"
)

// EnvConfig names the environment variable that overrides the default path of
// the locations file.
const EnvConfig = "STOWAGE_CONFIG"

// DefaultPath is $XDG_CONFIG_HOME/stowage/config.yaml, or
// ~/.config/stowage/config.yaml when XDG_CONFIG_HOME is unset. A relative
// XDG_CONFIG_HOME is ignored, as the XDG base directory spec requires. When
// the home directory is unknown the path is relative to the working
// directory, so the file still lands somewhere the user can see.
func DefaultPath() string {
	if dir := os.Getenv("XDG_CONFIG_HOME"); dir != "" && filepath.IsAbs(dir) {
		return filepath.Join(dir, "stowage", "config.yaml")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".config", "stowage", "config.yaml")
	}
	return filepath.Join(home, ".config", "stowage", "config.yaml")
}

// ResolvePath picks the locations file: the --config flag value when set,
// then $STOWAGE_CONFIG, then DefaultPath. A leading "~/" is expanded in the
// first two because shells leave it alone inside quotes and in env files.
func ResolvePath(flagValue string) string {
	if flagValue != "" {
		return expandHome(flagValue)
	}
	if env := os.Getenv(EnvConfig); env != "" {
		return expandHome(env)
	}
	return DefaultPath()
}

// expandHome falls back to the path as given when the home directory is
// unknown; opening it then fails with a message naming the path.
func expandHome(p string) string {
	if expanded, err := validate.ExpandHome(p); err == nil {
		return expanded
	}
	return p
}
