package catalogcmd

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProgressSilentWhenPiped(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf)
	p.update("read", 0, 2, "a.csv")
	p.update("learn", 2, 2, "")
	p.done()
	assert.Empty(t, buf.String())

	// A file is not a terminal either.
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	require.NoError(t, err)
	defer f.Close()
	p = newProgress(f)
	p.update("read", 0, 2, "a.csv")
	st, err := f.Stat()
	require.NoError(t, err)
	assert.Zero(t, st.Size())
}

func TestProgressOnATerminal(t *testing.T) {
	// A pseudo-terminal master is a terminal; what is written to it is
	// not read back here, only that progress chose to write.
	tty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer tty.Close()
	p := newProgress(tty)
	assert.NotNil(t, p.w, "progress writes to a terminal")
}
