package music

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestEchoCutsLongInput(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"short", "anna", `"anna"`},
		{"exactly the limit", strings.Repeat("k", EchoLimit), `"` + strings.Repeat("k", EchoLimit) + `"`},
		{"long", strings.Repeat("k", 5000), `"` + strings.Repeat("k", EchoLimit) + `…"`},
		{"cut inside a rune", strings.Repeat("k", EchoLimit-1) + "é and more", `"` + strings.Repeat("k", EchoLimit-1) + `…"`},
		{"control characters are quoted", "a\x00b", `"a\x00b"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Echo(tc.in)
			assert.Equal(t, tc.want, got)
			assert.True(t, utf8.ValidString(got))
		})
	}
}
