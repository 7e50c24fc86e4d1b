package apidoc

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// contract builds a small contract; header and method are spliced in so
// each case breaks one thing.
func contract(header, method string) string {
	return `<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<!--` + header + `-->
<node><interface name="org.example.Thing1">` + method + `
  <signal name="Changed"><annotation name="org.freedesktop.DBus.DocString" value="It changed."/><arg name="what" type="s"/></signal>
  <property name="Size" type="u" access="read"><annotation name="org.freedesktop.DBus.DocString" value="How big | how many."/></property>
</interface></node>`
}

const goodHeader = `
  org.example.Thing1: a thing.

  Versioning: semantic.
  - MINOR for additions,
    continued here.
  - PATCH for fixes.

  Track dictionaries carry:
    thing:id    s   the id
    thing:tags  as  tags

  Errors: names.
    org.example.Error.Gone   it is gone
    org.example.Error.Bad    bad value

  Privileged: nothing.
`

const goodMethod = `
  <method name="Get">
    <annotation name="org.freedesktop.DBus.DocString" value="Get a thing."/>
    <arg name="id" type="s" direction="in"/>
    <arg name="thing" type="a{sv}" direction="out"/>
    <annotation name="org.continuo.Errors" value="org.example.Error.Gone org.example.Error.Bad"/>
  </method>`

func TestRender(t *testing.T) {
	out, err := Render(contract(goodHeader, goodMethod), "thing.xml", "make doc")
	require.NoError(t, err)
	md := string(out)
	for _, want := range []string{
		"# org.example.Thing1 D-Bus API",
		"Generated from thing.xml by `make doc`",
		"Semantic.\n\n- MINOR for additions, continued here.\n- PATCH for fixes.\n",
		"| [Get](#get) | `Get(s id) → (a{sv} thing)` |",
		"| `id` | `s` | in |\n| `thing` | `a{sv}` | out |",
		"Errors: `org.example.Error.Gone`, `org.example.Error.Bad`.",
		"| `Size` | `u` | read | true | How big \\| how many. |",
		"Changed(s what)",
		"| `org.example.Error.Gone` | it is gone | Get |",
		"| `thing:tags` | `as` | tags |",
		"## Rules\n\nPrivileged: nothing.",
	} {
		assert.Contains(t, md, want)
	}
}

func TestParseRefusesHoles(t *testing.T) {
	cases := []struct {
		name, header, method, want string
	}{
		{"undocumented method", goodHeader, strings.Replace(goodMethod, "org.freedesktop.DBus.DocString", "x", 1), "method Get has no org.freedesktop.DBus.DocString"},
		{"no error list", goodHeader, strings.Replace(goodMethod, "org.continuo.Errors", "x", 1), "method Get has no org.continuo.Errors"},
		{"unknown error", goodHeader, strings.Replace(goodMethod, "Error.Bad", "Error.Worse", 1), "names error org.example.Error.Worse, which the header's error table does not list"},
		{"no versioning", strings.Replace(goodHeader, "Versioning:", "Version", 1), goodMethod, `no "Versioning:" paragraph`},
		{"key row with two columns", strings.Replace(goodHeader, "thing:id    s   the id", "thing:id s the id", 1), goodMethod, "want 3 columns"},
		{"no error table", strings.Replace(goodHeader, "Errors:", "Faults:", 1), goodMethod, `no "Errors:" paragraph`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(contract(tc.header, tc.method))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := Parse("<node/>")
	assert.ErrorContains(t, err, "no header comment")
	_, err = Parse("<!-- x --><node><interface name='a'/><interface name='b'/></node>")
	assert.ErrorContains(t, err, "want 1 interface, found 2")
}

func FuzzParse(f *testing.F) {
	f.Add(contract(goodHeader, goodMethod))
	f.Add("<!--\n  a\n\n  Errors:\n      x\n-->\n<node/>")
	f.Add("<!---->")
	f.Fuzz(func(t *testing.T, contract string) {
		if _, err := Render(contract, "x.xml", "make x"); err == nil {
			_, err := Parse(contract)
			require.NoError(t, err)
		}
	})
}
