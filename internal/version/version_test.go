package version

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVersionIsSemver(t *testing.T) {
	// semver.org's core form; pre-release and build suffixes allowed.
	assert.Regexp(t, regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`), Version)
}

func TestString(t *testing.T) {
	old := Commit
	t.Cleanup(func() { Commit = old })
	Commit = ""
	assert.Equal(t, Version, String())
	Commit = "1a2b3c4"
	assert.Equal(t, Version+" (commit 1a2b3c4)", String())
}
