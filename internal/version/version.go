// Package version owns the one version number of Continuo's binaries and
// D-Bus API: a semantic version, plus the commit it was built from, which
// the Makefile sets with -ldflags "-X .../internal/version.Commit=...".
package version

// Version is the release, as semver (https://semver.org): the major number
// changes when the D-Bus API or the config file change incompatibly.
const Version = "0.2.0"

// Commit is the git commit of the build ("" for `go build` without the
// Makefile's -ldflags).
var Commit = ""

// String is what --version prints after the program name:
// "0.2.0 (commit 1a2b3c4)" or "0.2.0".
func String() string {
	if Commit == "" {
		return Version
	}
	return Version + " (commit " + Commit + ")"
}
