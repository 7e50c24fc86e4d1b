package catalogcmd

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/mattn/go-isatty"
)

// progress shows a long build's stage on one terminal line (rewritten in
// place, cleared at the end). It says nothing when stderr is not a
// terminal, so pipes, logs and CI output stay clean.
type progress struct {
	w     io.Writer // nil: silent
	start time.Time
}

func newProgress(stderr io.Writer) *progress {
	p := &progress{start: time.Now()}
	if f, ok := stderr.(interface{ Fd() uintptr }); ok && isatty.IsTerminal(f.Fd()) {
		p.w = stderr
	}
	return p
}

// update implements catalog.BuildOptions.Progress.
func (p *progress) update(stage string, done, total int, file string) {
	if p.w == nil {
		return
	}
	elapsed := time.Since(p.start).Round(time.Second)
	switch stage {
	case "read":
		fmt.Fprintf(p.w, "\r\x1b[Kcatalog build: reading %d/%d %s (%s)", done+1, total, filepath.Base(file), elapsed)
	default:
		fmt.Fprintf(p.w, "\r\x1b[Kcatalog build: %s, %d files read (%s)", stageText(stage), done, elapsed)
	}
}

func stageText(stage string) string {
	if stage == "learn" {
		return "learning the genre space and placing the tracks"
	}
	return stage
}

// done clears the progress line.
func (p *progress) done() {
	if p.w != nil {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
