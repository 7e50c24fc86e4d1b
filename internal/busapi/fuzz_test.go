package busapi

import (
	"slices"
	"strings"
	"testing"
	"unicode"

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
	f.Add(index("ResolveSearch"), "sa{sv}u", `("", {"focus": <"artist">, "artist": <"Metallica">}, 3)`)
	f.Add(index("ResolveSearch"), "sa{sv}u", `("x", {"year": <3000>, "title": <7>}, 0)`)
	f.Add(index("HistoryPage"), "sux", `("", 10, 0)`)
	f.Add(index("Feedbacks"), "sux", `("default", 10, -1)`)
	f.Add(index("Set"), "ssv", `("org.continuo.Recommender1", "QueueDepth", <"five">)`)
	f.Add(index("Set"), "ssv", `("org.continuo.Recommender1", "Mood", <"calm">)`)
	f.Add(index("Get"), "ss", `("", "Queue")`)
	f.Add(index("GetAll"), "s", `("org.x")`)
	f.Add(index("Feedback"), "ss", `("x", "love")`)
	f.Add(index("Explain"), "as", `(["a"],)`)
	f.Add(index("SetContext"), "a{sv}", `({"Vehicle.Speed": <120.0>, "Continuo.Traffic": <"jam">},)`)
	f.Add(index("SetContext"), "a{sv}", `({"Vehicle.Speed": <"fast">},)`)
	f.Add(index("SetContext"), "a{ss}", `({"Continuo.Road": "city"},)`)
	f.Fuzz(func(t *testing.T, which uint8, sig, text string) {
		member := members[int(which)%len(members)]
		if _, err := dbus.ParseSignature(sig); err != nil || sig == "" {
			return
		}
		body, ok := parseBody(sig, text)
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

// parseBody builds a message body from GVariant text. godbus's text parser
// is only this test's input generator, and it has two bugs (v5.2.4) whose
// inputs are skipped, not blamed on the API: it panics on sig "b", text
// "{}0" (reflect.MakeMap of a bool, variant_parser.go:619), and it loops
// forever on a Unicode number that is not an ASCII digit, such as "⑯"
// (variant_lexer.go:137 hands it to varLexNumber, which consumes nothing).
func parseBody(sig, text string) (body []any, ok bool) {
	if strings.IndexFunc(text, func(r rune) bool { return r > '9' && unicode.IsNumber(r) }) >= 0 {
		return nil, false
	}
	defer func() {
		if recover() != nil {
			body, ok = nil, false
		}
	}()
	tuple, err := dbus.ParseVariant(text, dbus.ParseSignatureMust("("+sig+")"))
	if err != nil {
		return nil, false
	}
	body, ok = tuple.Value().([]any)
	return body, ok
}

func signatureTypes(args []arg) string {
	s := ""
	for _, a := range args {
		s += a.typ
	}
	return s
}
