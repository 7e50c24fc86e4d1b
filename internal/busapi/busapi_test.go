package busapi

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

func TestIntrospectionIsTheShippedContract(t *testing.T) {
	var node introspect.Node
	require.NoError(t, xml.Unmarshal([]byte(IntrospectXML), &node))
	require.Len(t, node.Interfaces, 1)
	ifc := node.Interfaces[0]
	assert.Equal(t, Interface, ifc.Name)
	methods := map[string]string{}
	for _, m := range ifc.Methods {
		sig := ""
		for _, a := range m.Args {
			require.NotEmpty(t, a.Name, "%s: every argument is named", m.Name)
			sig += a.Direction + ":" + a.Type + " "
		}
		methods[m.Name] = sig
	}
	assert.Equal(t, map[string]string{
		"Resolve":       "in:s in:u out:aa{sv} ",
		"Recommend":     "in:s in:u in:a{sv} out:aa{sv} ",
		"Play":          "in:s out:a{sv} ",
		"PlaySearch":    "in:s in:a{sv} out:a{sv} ",
		"ResolveSearch": "in:s in:a{sv} in:u out:aa{sv} ",
		"Feedback":      "in:s in:s ",
		"Explain":       "in:s out:s ",
		"History":       "in:s in:u out:aa{sv} ",
		"HistoryPage":   "in:s in:u in:x out:aa{sv} ",
		"Feedbacks":     "in:s in:u in:x out:aa{sv} ",
		"ExportProfile": "in:s out:s ",
		"ForgetProfile": "in:s ",
		"SetContext":    "in:a{sv} ",
	}, methods)
	shipped, err := os.ReadFile(filepath.Join("..", "..", "configs", "org.continuo.Recommender1.xml"))
	require.NoError(t, err)
	assert.Equal(t, IntrospectXML, string(shipped), "configs/ ships the same contract")
}

func TestErrorNamesAreAppendOnly(t *testing.T) {
	// Wire contract: these names never change.
	want := map[music.Kind]string{
		music.KindInternal:     "org.continuo.Error.Internal",
		music.KindNotFound:     "org.continuo.Error.NotFound",
		music.KindInvalid:      "org.continuo.Error.InvalidArgument",
		music.KindNoPlayer:     "org.continuo.Error.NoPlayer",
		music.KindAccessDenied: "org.continuo.Error.AccessDenied",
		music.KindUnavailable:  "org.continuo.Error.Unavailable",
	}
	for k, n := range want {
		assert.Equal(t, n, errorNames[k])
	}
}

func TestAccess(t *testing.T) {
	groups := func(uid uint32) ([]string, error) {
		if uid == 1001 {
			return []string{"users", "continuo"}, nil
		}
		return []string{"users"}, nil
	}
	a := Access{UIDs: []uint32{1500}, Groups: []string{"continuo"}, lookupGroups: groups}
	for _, tc := range []struct {
		uid  uint32
		want bool
	}{{0, true}, {1500, true}, {1001, true}, {1002, false}, {65534, false}} {
		assert.Equal(t, tc.want, a.Allowed(tc.uid), "uid %d", tc.uid)
	}
}

func TestParseOptions(t *testing.T) {
	cases := []struct {
		name string
		in   map[string]dbus.Variant
		msg  string
	}{
		{"empty", map[string]dbus.Variant{}, ""},
		{"all", map[string]dbus.Variant{"mood": dbus.MakeVariant("lively"), "explicit": dbus.MakeVariant(true),
			"explore": dbus.MakeVariant(0.3), "exclude": dbus.MakeVariant([]string{"a", "b"}), "profile": dbus.MakeVariant("anna")}, ""},
		{"unknown", map[string]dbus.Variant{"speed": dbus.MakeVariant(1)}, `unknown option "speed"`},
		{"mood type", map[string]dbus.Variant{"mood": dbus.MakeVariant(int32(1))}, "mood must be a string"},
		{"explore NaN", map[string]dbus.Variant{"explore": dbus.MakeVariant(nan())}, "explore must be 0..1"},
		{"exclude type", map[string]dbus.Variant{"exclude": dbus.MakeVariant("a")}, "exclude must be an array"},
		{"exclude utf8", map[string]dbus.Variant{"exclude": dbus.MakeVariant([]string{"\xff"})}, "not valid UTF-8"},
		{"profile control", map[string]dbus.Variant{"profile": dbus.MakeVariant("a\x01")}, "control character"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseOptions(tc.in)
			if tc.msg == "" {
				assert.Nil(t, err)
				return
			}
			require.NotNil(t, err)
			assert.Equal(t, "org.continuo.Error.InvalidArgument", err.Name)
			assert.Contains(t, err.Body[0], tc.msg)
		})
	}
}

func nan() float64 { var z float64; return z / z }

// Each method documents the errors it can return; every one can answer
// InvalidArgs (signature) and the privileged ones AccessDenied.
func TestEveryMethodListsItsErrors(t *testing.T) {
	var node introspect.Node
	require.NoError(t, xml.Unmarshal([]byte(IntrospectXML), &node))
	privileged := []string{"History", "HistoryPage", "Feedbacks", "ExportProfile", "ForgetProfile", "Recommend"}
	for _, m := range node.Interfaces[0].Methods {
		var listed []string
		for _, a := range m.Annotations {
			if a.Name == "org.continuo.Errors" {
				listed = strings.Fields(a.Value)
			}
		}
		require.NotEmpty(t, listed, "%s has an org.continuo.Errors annotation", m.Name)
		assert.Contains(t, listed, nameInvalidArgs, m.Name)
		for _, name := range listed {
			_, known := KindOfName(name)
			assert.True(t, known || name == nameInvalidArgs, "%s: %s is a known error", m.Name, name)
		}
		if slices.Contains(privileged, m.Name) {
			assert.Contains(t, listed, errorNames[music.KindAccessDenied], m.Name)
		}
	}
}
