package busapi

import (
	"slices"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// standardNames are the errors the API may answer besides its own table.
var standardNames = []string{nameInvalidArgs, nameUnknownInterface, nameUnknownProperty, namePropertyReadOnly}

// FuzzHandlers sends raw messages with arbitrary signatures and values to
// every method of the contract and of Properties, through a real bus: each
// call gets a reply or an error from the table (InvalidArgs whenever the
// signature is not the contract's), and the daemon keeps answering.
//
// Inputs: which member, the body's signature, and the body in GVariant text
// form (parsed with dbus.ParseVariant as a tuple of that signature).
func FuzzHandlers(f *testing.F) {
	e := startServer(f, serverConfig{})
	members := make([]string, 0, len(contractMethods))
	for m := range contractMethods {
		members = append(members, m)
	}
	slices.Sort(members)
	index := func(m string) uint8 { return uint8(slices.Index(members, m)) }
	f.Add(index("ForgetProfile"), "u", "(97,)")
	f.Add(index("Recommend"), "yua{sv}", `(65, 3, {})`)
	f.Add(index("Recommend"), "sua{sv}", `("", 3, {"mood": <"calm">, "explore": <0.5>})`)
	f.Add(index("Resolve"), "su", `("scene swan lake", 5)`)
	f.Add(index("Resolve"), "us", `(1, "x")`)
	f.Add(index("HistoryPage"), "sux", `("", 10, 0)`)
	f.Add(index("Feedbacks"), "sux", `("default", 10, -1)`)
	f.Add(index("Set"), "ssv", `("org.continuo.Recommender1", "QueueDepth", <"five">)`)
	f.Add(index("Set"), "ssv", `("org.continuo.Recommender1", "Mood", <"calm">)`)
	f.Add(index("Get"), "ss", `("", "Queue")`)
	f.Add(index("GetAll"), "s", `("org.x")`)
	f.Add(index("Feedback"), "ss", `("x", "love")`)
	f.Add(index("Explain"), "as", `(["a"],)`)
	f.Fuzz(func(t *testing.T, which uint8, sig, text string) {
		member := members[int(which)%len(members)]
		if _, err := dbus.ParseSignature(sig); err != nil || sig == "" {
			return
		}
		tuple, err := dbus.ParseVariant(text, dbus.ParseSignatureMust("("+sig+")"))
		if err != nil {
			return
		}
		body, ok := tuple.Value().([]any)
		if !ok {
			return
		}
		c := e.call(ifaceOf(member), member, body...)
		if c.Err == nil {
			return
		}
		name, msg := errorOf(c)
		_, known := KindOfName(name)
		assert.True(t, known || slices.Contains(standardNames, name), "%s(%s): error %s %q", member, sig, name, msg)
		if dbus.SignatureOf(body...).String() != signatureTypes(contractMethods[member]) {
			assert.Equal(t, nameInvalidArgs, name, "%s(%s): a wrong signature is InvalidArgs", member, sig)
		}
		require.NoError(t, e.call(propsIface, "GetAll", Interface).Err, "the daemon still answers")
	})
}

func signatureTypes(args []arg) string {
	s := ""
	for _, a := range args {
		s += a.typ
	}
	return s
}
