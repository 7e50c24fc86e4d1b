package busapi

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
)

// The contract XML is also the table the handlers check calls against, so
// what is published and what is enforced cannot drift apart.
//
// godbus converts a call's arguments to fit the Go signature of a handler
// whenever reflect can convert them: `ForgetProfile u 97` would arrive as
// the profile "a", and a y seed as a one-letter string. So every exported
// handler takes the raw dbus.Message and one placeholder dbus.Variant per
// D-Bus argument (godbus wraps a value of any type into a Variant, so every
// call with the right number of arguments reaches the handler; `any` would
// make godbus panic), and decode checks the message's signature against the
// contract before a single argument is used. A call with the wrong number
// of arguments never reaches a handler: godbus answers it with its own
// InvalidArgs.

// arg is one argument of a method in the contract.
type arg struct{ name, typ string }

// contractMethods maps a member name to its in-arguments, for the methods of
// Interface and of org.freedesktop.DBus.Properties (their names do not clash).
var contractMethods = parseContract(IntrospectXML, "<node>"+propertiesIntrospection+"</node>")

// contractProps maps a property of Interface to its type and access.
var contractProps = parseProps(IntrospectXML)

type propSpec struct{ typ, access string }

func parseNode(doc string) introspect.Node {
	var node introspect.Node
	if err := xml.Unmarshal([]byte(doc), &node); err != nil {
		panic("busapi: introspection XML does not parse: " + err.Error()) // embedded at build time
	}
	return node
}

func parseContract(docs ...string) map[string][]arg {
	out := map[string][]arg{}
	for _, doc := range docs {
		for _, ifc := range parseNode(doc).Interfaces {
			for _, m := range ifc.Methods {
				in := []arg{}
				for _, a := range m.Args {
					if a.Direction == "in" {
						in = append(in, arg{a.Name, a.Type})
					}
				}
				out[m.Name] = in
			}
		}
	}
	return out
}

func parseProps(doc string) map[string]propSpec {
	out := map[string]propSpec{}
	for _, ifc := range parseNode(doc).Interfaces {
		for _, p := range ifc.Properties {
			out[p.Name] = propSpec{p.Type, p.Access}
		}
	}
	return out
}

// decode checks the call's signature against the contract and stores its
// arguments into dst (one pointer per argument, of the Go type of the
// D-Bus type). Nothing is converted: a mismatch is InvalidArgs naming the
// first argument that differs and the type it must have.
func decode(msg dbus.Message, dst ...any) *dbus.Error {
	member, _ := msg.Headers[dbus.FieldMember].Value().(string)
	want, ok := contractMethods[member]
	if !ok || len(want) != len(dst) {
		// A handler out of step with the XML: caught by TestEveryMethodChecksItsSignature.
		return dbus.NewError(nameInternal, []any{"internal error"})
	}
	got := splitSignature(messageSignature(msg))
	for i, a := range want {
		if i >= len(got) || got[i] != a.typ {
			return invalidArgs("%s: argument %d (%s) must be %s, got %s", member, i+1, a.name, typeName(a.typ), gotType(got, i))
		}
	}
	if len(got) != len(want) {
		return invalidArgs("%s takes %d arguments (%s), got %d", member, len(want), signatureOf(want), len(got))
	}
	if err := dbus.Store(msg.Body, dst...); err != nil {
		return invalidArgs("%s: %v", member, err)
	}
	return nil
}

func messageSignature(msg dbus.Message) string {
	if v, ok := msg.Headers[dbus.FieldSignature]; ok {
		if s, ok := v.Value().(dbus.Signature); ok {
			return s.String()
		}
	}
	return dbus.SignatureOf(msg.Body...).String()
}

func signatureOf(args []arg) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.typ + " " + a.name
	}
	return strings.Join(parts, ", ")
}

func gotType(got []string, i int) string {
	if i >= len(got) {
		return "nothing"
	}
	return typeName(got[i])
}

// splitSignature cuts a valid signature into its complete types.
func splitSignature(sig string) []string {
	var out []string
	for len(sig) > 0 {
		n := completeTypeLen(sig)
		out = append(out, sig[:n])
		sig = sig[n:]
	}
	return out
}

// completeTypeLen is the length of the complete type at the start of sig
// (at least 1, so a malformed signature cannot loop).
func completeTypeLen(sig string) int {
	switch sig[0] {
	case 'a':
		if len(sig) == 1 {
			return 1
		}
		return 1 + completeTypeLen(sig[1:])
	case '(', '{':
		depth := 0
		for i := 0; i < len(sig); i++ {
			switch sig[i] {
			case '(', '{':
				depth++
			case ')', '}':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(sig)
	}
	return 1
}

var basicTypeNames = map[string]string{
	"y": "byte", "b": "boolean", "n": "int16", "q": "uint16", "i": "int32", "u": "uint32",
	"x": "int64", "t": "uint64", "d": "double", "h": "unix fd", "s": "string",
	"o": "object path", "g": "signature", "v": "variant",
	"as": "array of strings", "a{sv}": "dictionary of variants", "aa{sv}": "array of dictionaries",
}

// typeName says a D-Bus type the way error messages do: "u (uint32)".
func typeName(sig string) string {
	if n, ok := basicTypeNames[sig]; ok {
		return sig + " (" + n + ")"
	}
	return fmt.Sprintf("%.32s", sig)
}
