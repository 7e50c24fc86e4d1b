package busapi

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/busapi/apidoc"
	"github.com/continuo/continuo/internal/drive"
)

// CI runs this: a change of the contract XML without `make api-doc` fails.
func TestAPIDocIsCurrent(t *testing.T) {
	want, err := apidoc.Render(IntrospectXML, ContractSource, RegenerateAPIDoc)
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join("..", "..", APIDocPath))
	require.NoError(t, err, "%s is missing: run `%s`", APIDocPath, RegenerateAPIDoc)
	if string(got) != string(want)+"\n" {
		t.Fatalf("%s is stale (it differs from what %s renders): run `%s` and commit the result", APIDocPath, ContractSource, RegenerateAPIDoc)
	}
}

// The tables of the reference are written by hand in the XML header: they
// must say what the code does.
func TestAPIDocTablesMatchTheCode(t *testing.T) {
	doc, err := apidoc.Parse(IntrospectXML)
	require.NoError(t, err)

	documented := map[string]bool{}
	for _, row := range doc.Errors.Rows {
		documented[row[0]] = true
	}
	for kind, name := range errorNames {
		assert.True(t, documented[name], "error %s (kind %v) is missing from the XML header's error table", name, kind)
	}
	assert.True(t, documented[nameInvalidArgs], "InvalidArgs is in the error table")
	assert.Len(t, documented, len(errorNames)+1, "the error table lists exactly the names busapi sends (plus InvalidArgs)")

	full := drive.TrackView{ID: "x", Title: "t", URI: "file:///x", Valence: 0.5, Energy: 0.5, Match: "track", Confidence: 1}
	sent := map[string]bool{}
	for key := range requestDict(full) {
		sent[key] = true
	}
	for key := range trackDict(full) {
		sent[key] = true
	}
	for key := range searchDict(full, searchReading{name: "title"}) {
		sent[key] = true
	}
	keys := map[string]bool{}
	for _, row := range doc.Keys.Rows {
		keys[row[0]] = true
	}
	assert.Equal(t, slices.Sorted(maps.Keys(sent)), slices.Sorted(maps.Keys(keys)), "the XML header's track-dictionary table lists exactly the keys trackDict, requestDict and searchDict send")
}
