// Package apidoc owns the rendering of the D-Bus contract XML
// (internal/busapi/org.continuo.Recommender1.xml) into the Markdown API
// reference docs/api.md. The XML is the one source: its header comment
// carries the overview, the versioning policy, the track-dictionary keys
// and the error names as plain-text tables; DocString and
// org.continuo.Errors annotations carry each member's documentation.
//
// It does not import busapi, so busapi's own tests can check the rendered
// tables against the Go code that produces keys and errors.
package apidoc

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

const (
	docAnnotation    = "org.freedesktop.DBus.DocString"
	errorsAnnotation = "org.continuo.Errors"
	emitsAnnotation  = "org.freedesktop.DBus.Property.EmitsChangedSignal"
)

// Doc is the parsed contract: what docs/api.md shows.
type Doc struct {
	Interface  string
	Intro      string    // the header's first paragraph
	Versioning Paragraph // the paragraph that starts with "Versioning:"
	Keys       Paragraph // "Track dictionaries ...": rows of key, type, meaning
	Errors     Paragraph // "Errors: ...": rows of name, meaning
	Notes      []Paragraph
	Methods    []Member
	Signals    []Member
	Properties []Property
}

// Paragraph is one blank-line separated block of the header comment: text,
// then "- " bullets, then rows (lines indented two more than the text,
// columns separated by two or more spaces).
type Paragraph struct {
	Text    string
	Bullets []string
	Rows    [][]string
}

// Member is a method or a signal.
type Member struct {
	Name   string
	Doc    string
	Args   []Arg
	Errors []string
}

// Arg is one argument; Direction is "" for a signal's.
type Arg struct{ Name, Type, Direction string }

// Property is one property of the interface.
type Property struct {
	Name, Type, Access, Emits, Doc string
}

type xmlAnnotation struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type xmlMember struct {
	Name        string          `xml:"name,attr"`
	Args        []Arg           `xml:"arg"`
	Annotations []xmlAnnotation `xml:"annotation"`
}

type xmlProperty struct {
	Name        string          `xml:"name,attr"`
	Type        string          `xml:"type,attr"`
	Access      string          `xml:"access,attr"`
	Annotations []xmlAnnotation `xml:"annotation"`
}

type xmlNode struct {
	Interfaces []struct {
		Name       string        `xml:"name,attr"`
		Methods    []xmlMember   `xml:"method"`
		Signals    []xmlMember   `xml:"signal"`
		Properties []xmlProperty `xml:"property"`
	} `xml:"interface"`
}

// UnmarshalXML for Arg reads the attributes of <arg>.
func (a *Arg) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	for _, at := range start.Attr {
		switch at.Name.Local {
		case "name":
			a.Name = at.Value
		case "type":
			a.Type = at.Value
		case "direction":
			a.Direction = at.Value
		}
	}
	return d.Skip()
}

// Parse reads the contract: the first comment is the header, the node the
// interface. Every member must be documented and every error it names must
// be in the header's error table, so the reference cannot have holes.
func Parse(contract string) (*Doc, error) {
	header, err := headerComment(contract)
	if err != nil {
		return nil, err
	}
	var node xmlNode
	if err := xml.Unmarshal([]byte(contract), &node); err != nil {
		return nil, fmt.Errorf("contract XML: %w", err)
	}
	if len(node.Interfaces) != 1 {
		return nil, fmt.Errorf("contract XML: want 1 interface, found %d", len(node.Interfaces))
	}
	ifc := node.Interfaces[0]
	doc := &Doc{Interface: ifc.Name}
	if err := doc.readHeader(header); err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, row := range doc.Errors.Rows {
		known[row[0]] = true
	}
	for kind, list := range map[string][]xmlMember{"method": ifc.Methods, "signal": ifc.Signals} {
		for _, m := range list {
			mem, err := member(kind, m, known)
			if err != nil {
				return nil, err
			}
			if kind == "method" {
				doc.Methods = append(doc.Methods, mem)
			} else {
				doc.Signals = append(doc.Signals, mem)
			}
		}
	}
	for _, p := range ifc.Properties {
		prop := Property{Name: p.Name, Type: p.Type, Access: p.Access,
			Doc: annotation(p.Annotations, docAnnotation), Emits: annotation(p.Annotations, emitsAnnotation)}
		if prop.Doc == "" {
			return nil, fmt.Errorf("contract XML: property %s has no %s annotation", p.Name, docAnnotation)
		}
		doc.Properties = append(doc.Properties, prop)
	}
	return doc, nil
}

func member(kind string, m xmlMember, knownErrors map[string]bool) (Member, error) {
	mem := Member{Name: m.Name, Args: m.Args, Doc: annotation(m.Annotations, docAnnotation),
		Errors: strings.Fields(annotation(m.Annotations, errorsAnnotation))}
	if mem.Doc == "" {
		return mem, fmt.Errorf("contract XML: %s %s has no %s annotation", kind, m.Name, docAnnotation)
	}
	if kind == "method" && len(mem.Errors) == 0 {
		return mem, fmt.Errorf("contract XML: method %s has no %s annotation", m.Name, errorsAnnotation)
	}
	for _, e := range mem.Errors {
		if !knownErrors[e] {
			return mem, fmt.Errorf("contract XML: method %s names error %s, which the header's error table does not list", m.Name, e)
		}
	}
	return mem, nil
}

func annotation(list []xmlAnnotation, name string) string {
	for _, a := range list {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

// headerComment is the text of the first comment before the root element.
func headerComment(contract string) (string, error) {
	dec := xml.NewDecoder(strings.NewReader(contract))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return "", fmt.Errorf("contract XML: no root element")
		}
		if err != nil {
			return "", fmt.Errorf("contract XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.Comment:
			return string(t), nil
		case xml.StartElement:
			return "", fmt.Errorf("contract XML: no header comment before <%s>", t.Name.Local)
		}
	}
}

var columnSep = regexp.MustCompile(`\s{2,}`)

// readHeader splits the header into paragraphs and files the ones the
// reference shows in sections of their own.
func (d *Doc) readHeader(header string) error {
	var paras []Paragraph
	for _, block := range regexp.MustCompile(`\n\s*\n`).Split(strings.Trim(header, "\n"), -1) {
		paras = append(paras, paragraph(block))
	}
	if len(paras) == 0 || paras[0].Text == "" {
		return fmt.Errorf("contract XML: the header comment has no introduction")
	}
	d.Intro = paras[0].Text
	for _, p := range paras[1:] {
		switch {
		case strings.HasPrefix(p.Text, "Versioning:"):
			d.Versioning = p
		case strings.HasPrefix(p.Text, "Track dictionaries"):
			d.Keys = p
		case strings.HasPrefix(p.Text, "Errors:"):
			d.Errors = p
		default:
			d.Notes = append(d.Notes, p)
		}
	}
	for name, want := range map[string]struct {
		p    Paragraph
		cols int
	}{"Track dictionaries": {d.Keys, 3}, "Errors:": {d.Errors, 2}} {
		if len(want.p.Rows) == 0 {
			return fmt.Errorf("contract XML: the header has no %q paragraph with a table", name)
		}
		for _, row := range want.p.Rows {
			if len(row) != want.cols {
				return fmt.Errorf("contract XML: %q row %q: want %d columns separated by two or more spaces", name, strings.Join(row, " | "), want.cols)
			}
		}
	}
	if d.Versioning.Text == "" {
		return fmt.Errorf("contract XML: the header has no \"Versioning:\" paragraph")
	}
	return nil
}

// paragraph reads one block: lines at the block's base indent are text,
// "- " starts a bullet (continued by deeper lines), and lines two or more
// deeper that follow text are table rows.
func paragraph(block string) Paragraph {
	lines := strings.Split(block, "\n")
	base := -1
	for _, l := range lines {
		if strings.TrimSpace(l) != "" && (base < 0 || indent(l) < base) {
			base = indent(l)
		}
	}
	var p Paragraph
	var text []string
	inBullet := false
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case t == "":
		case strings.HasPrefix(t, "- ") && indent(l) == base:
			p.Bullets = append(p.Bullets, strings.TrimPrefix(t, "- "))
			inBullet = true
		case inBullet && indent(l) > base:
			p.Bullets[len(p.Bullets)-1] += " " + t
		case indent(l) > base:
			p.Rows = append(p.Rows, columnSep.Split(t, -1))
		default:
			text = append(text, t)
			inBullet = false
		}
	}
	p.Text = strings.Join(text, " ")
	return p
}

func indent(l string) int { return len(l) - len(strings.TrimLeft(l, " \t")) }

// Render is docs/api.md for the contract.
func Render(contract, source, regenerate string) ([]byte, error) {
	d, err := Parse(contract)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# %s D-Bus API\n\n", d.Interface)
	w("<!-- Generated from %s by `%s`. Do not edit: edit the XML and regenerate. -->\n\n", source, regenerate)
	w("%s\n\n", d.Intro)
	w("Contents: [Versioning](#versioning) · [Methods](#methods) · [Properties](#properties) · [Signals](#signals) · [Errors](#errors) · [Track dictionaries](#track-dictionaries) · [Example clients](#example-clients) · [Rules](#rules)\n\n")
	w("## Versioning\n\n")
	writeParagraph(&b, d.Versioning, "Versioning:")
	d.writeMethods(&b)
	d.writeProperties(&b)
	d.writeSignals(&b)
	d.writeErrors(&b)
	w("## Track dictionaries\n\n")
	writeParagraph(&b, Paragraph{Text: d.Keys.Text}, "")
	w("| Key | Type | Meaning |\n|---|---|---|\n")
	for _, r := range d.Keys.Rows {
		w("| `%s` | `%s` | %s |\n", r[0], r[1], cell(r[2]))
	}
	w("\n## Example clients\n\n")
	w("[docs/examples/](examples/) holds clients that `make test` runs against a daemon on a private bus: ")
	w("Python with Debian's python3-dbus ([client.py](examples/client.py)) and C with sd-bus ([client.c](examples/client.c)).\n")
	w("\n## Rules\n\n")
	for _, p := range d.Notes {
		writeParagraph(&b, p, "")
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func writeParagraph(b *bytes.Buffer, p Paragraph, dropPrefix string) {
	if text := strings.TrimSpace(strings.TrimPrefix(p.Text, dropPrefix)); text != "" {
		fmt.Fprintf(b, "%s%s\n\n", strings.ToUpper(text[:1]), text[1:])
	}
	for _, bl := range p.Bullets {
		fmt.Fprintf(b, "- %s\n", bl)
	}
	if len(p.Bullets) > 0 {
		b.WriteString("\n")
	}
}

func (d *Doc) writeMethods(b *bytes.Buffer) {
	fmt.Fprintf(b, "## Methods\n\n| Method | Signature |\n|---|---|\n")
	for _, m := range d.Methods {
		fmt.Fprintf(b, "| [%s](#%s) | `%s` |\n", m.Name, strings.ToLower(m.Name), signature(m))
	}
	b.WriteString("\n")
	for _, m := range d.Methods {
		fmt.Fprintf(b, "### %s\n\n```\n%s\n```\n\n%s\n\n", m.Name, signature(m), m.Doc)
		writeArgs(b, m.Args, true)
		links := make([]string, len(m.Errors))
		for i, e := range m.Errors {
			links[i] = "`" + e + "`"
		}
		fmt.Fprintf(b, "Errors: %s.\n\n", strings.Join(links, ", "))
	}
}

// signature is the method in D-Bus notation: Name(type name, ...) -> (type name, ...).
func signature(m Member) string {
	var in, out []string
	for _, a := range m.Args {
		s := a.Type + " " + a.Name
		if a.Direction == "out" {
			out = append(out, s)
		} else {
			in = append(in, s)
		}
	}
	sig := m.Name + "(" + strings.Join(in, ", ") + ")"
	if len(out) > 0 {
		sig += " → (" + strings.Join(out, ", ") + ")"
	}
	return sig
}

func writeArgs(b *bytes.Buffer, args []Arg, withDirection bool) {
	if len(args) == 0 {
		return
	}
	if withDirection {
		b.WriteString("| Argument | Type | Direction |\n|---|---|---|\n")
	} else {
		b.WriteString("| Argument | Type |\n|---|---|\n")
	}
	for _, a := range args {
		if withDirection {
			dir := a.Direction
			if dir == "" {
				dir = "in" // the introspection format's default for methods
			}
			fmt.Fprintf(b, "| `%s` | `%s` | %s |\n", a.Name, a.Type, dir)
		} else {
			fmt.Fprintf(b, "| `%s` | `%s` |\n", a.Name, a.Type)
		}
	}
	b.WriteString("\n")
}

func (d *Doc) writeProperties(b *bytes.Buffer) {
	b.WriteString("## Properties\n\nRead with org.freedesktop.DBus.Properties.Get/GetAll; changes are announced by PropertiesChanged as the EmitsChangedSignal column says.\n\n")
	b.WriteString("| Property | Type | Access | EmitsChangedSignal | Meaning |\n|---|---|---|---|---|\n")
	for _, p := range d.Properties {
		emits := p.Emits
		if emits == "" {
			emits = "true" // the specification's default
		}
		fmt.Fprintf(b, "| `%s` | `%s` | %s | %s | %s |\n", p.Name, p.Type, p.Access, emits, cell(p.Doc))
	}
	b.WriteString("\n")
}

func (d *Doc) writeSignals(b *bytes.Buffer) {
	b.WriteString("## Signals\n\n")
	for _, s := range d.Signals {
		fmt.Fprintf(b, "### %s\n\n```\n%s\n```\n\n%s\n\n", s.Name, signature(s), s.Doc)
		writeArgs(b, s.Args, false)
	}
}

// writeErrors is the error table with, per name, the methods that list it.
func (d *Doc) writeErrors(b *bytes.Buffer) {
	b.WriteString("## Errors\n\n")
	writeParagraph(b, Paragraph{Text: d.Errors.Text}, "Errors:")
	users := map[string][]string{}
	for _, m := range d.Methods {
		for _, e := range m.Errors {
			users[e] = append(users[e], m.Name)
		}
	}
	b.WriteString("| Error | Meaning | Returned by |\n|---|---|---|\n")
	for _, r := range d.Errors.Rows {
		by := users[r[0]]
		sort.Strings(by)
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", r[0], cell(r[1]), strings.Join(by, ", "))
	}
	b.WriteString("\n")
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
