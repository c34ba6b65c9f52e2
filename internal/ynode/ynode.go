// Package ynode decodes YAML (and JSON, which it reads as YAML) strictly, by
// walking the document's node tree instead of unmarshalling into structs. The
// walk knows where it is, so every refusal names the field path
// ("facts.downtime[3].end") and the line and column, unknown and duplicate keys
// are errors, and numbers are taken as the literal text that was written —
// never through a float.
package ynode

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is a refusal of one value: where it is and what is wrong with it.
type Error struct {
	Path         string // field path, "" for the document itself
	Line, Column int    // 1-based position in the input; 0 when unknown
	Msg          string
}

// Error gives "path: message", the form the command line prints.
func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Position gives "line:column", or "" when unknown.
func (e *Error) Position() string {
	if e.Line == 0 {
		return ""
	}
	return fmt.Sprintf("%d:%d", e.Line, e.Column)
}

// Node is a value in the document together with its field path.
type Node struct {
	n    *yaml.Node
	Path string
}

// maxNodes bounds the values visited through aliases, so that an alias bomb
// is refused instead of expanded.
const maxNodes = 1_000_000

// Parse reads one YAML or JSON document. An empty document is an error.
func Parse(data []byte) (Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Node{}, syntaxError(err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
		return Node{}, &Error{Line: 1, Column: 1, Msg: "the document is empty"}
	}
	if count(doc.Content[0], 0) > maxNodes {
		return Node{}, &Error{Line: 1, Column: 1, Msg: fmt.Sprintf("the document expands to more than %d values", maxNodes)}
	}
	return Node{n: doc.Content[0]}, nil
}

// count is the number of values n expands to, stopping early past maxNodes.
func count(n *yaml.Node, acc int) int {
	acc++
	if acc > maxNodes {
		return acc
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return count(n.Alias, acc)
	}
	for _, c := range n.Content {
		if acc = count(c, acc); acc > maxNodes {
			return acc
		}
	}
	return acc
}

// syntaxError turns the YAML library's message ("yaml: line 3: did not find
// expected key") into an Error with the line.
func syntaxError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{Msg: "syntax: " + msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, tail, ok := strings.Cut(rest, ":"); ok {
			if l, err := strconv.Atoi(num); err == nil {
				e.Line, e.Column = l, 1
				e.Msg = "syntax: " + strings.TrimSpace(tail)
			}
		}
	}
	return e
}

// Errorf is an Error located at n.
func (n Node) Errorf(format string, args ...any) error {
	e := &Error{Path: n.Path, Msg: fmt.Sprintf(format, args...)}
	if n.n != nil {
		e.Line, e.Column = n.n.Line, n.n.Column
	}
	return e
}

// Line is the node's 1-based line.
func (n Node) Line() int { return n.n.Line }

// Column is the node's 1-based column.
func (n Node) Column() int { return n.n.Column }

func (n Node) resolved() *yaml.Node {
	y := n.n
	for y.Kind == yaml.AliasNode && y.Alias != nil {
		y = y.Alias
	}
	return y
}

// IsNull reports whether the value is null (or ~, or empty).
func (n Node) IsNull() bool {
	y := n.resolved()
	return y.Kind == yaml.ScalarNode && y.Tag == "!!null"
}

// IsMapping reports whether the value is a mapping, for values that may be
// written either as a plain name or as a mapping of settings.
func (n Node) IsMapping() bool { return n.resolved().Kind == yaml.MappingNode }

func (n Node) child(y *yaml.Node, path string) Node { return Node{n: y, Path: path} }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Fields is a mapping's values by key, with the order of the keys as written.
type Fields struct {
	Keys   []string
	values map[string]Node
}

// Get is the value of key and whether it was given (a null counts as not
// given).
func (f Fields) Get(key string) (Node, bool) {
	v, ok := f.values[key]
	if !ok || v.IsNull() {
		return Node{}, false
	}
	return v, true
}

// Has reports whether key was given with a non-null value.
func (f Fields) Has(key string) bool { _, ok := f.Get(key); return ok }

// Map reads a mapping whose keys must be among allowed. An unknown key is an
// error that suggests the nearest allowed one, and a key given twice is an
// error, since silently taking one of them would be a guess.
func (n Node) Map(allowed ...string) (Fields, error) { return n.mapping(allowed, false) }

// AnyMap reads a mapping whose keys are data (HTTP headers, labels) rather
// than field names: any key is accepted, but still only once.
func (n Node) AnyMap() (Fields, error) { return n.mapping(nil, true) }

func (n Node) mapping(allowed []string, anyKey bool) (Fields, error) {
	f, errs := n.mapEach(allowed, anyKey)
	if len(errs) > 0 {
		return Fields{}, errs[0]
	}
	return f, nil
}

// MapEach is Map that goes on past bad keys: it returns the fields whose
// keys are allowed and given once, and an error for each key that is not
// (unknown, given twice, not a plain name), so that a caller can report
// every problem of a document and still read the rest. A value that is not
// a mapping is one error and no fields.
func (n Node) MapEach(allowed ...string) (Fields, []error) { return n.mapEach(allowed, false) }

func (n Node) mapEach(allowed []string, anyKey bool) (Fields, []error) {
	y := n.resolved()
	if y.Kind != yaml.MappingNode {
		return Fields{}, []error{n.Errorf("must be a mapping (got %s)", kindName(y))}
	}
	f := Fields{values: make(map[string]Node, len(y.Content)/2)}
	var errs []error
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			errs = append(errs, n.child(k, n.Path).Errorf("a key must be a plain name"))
			continue
		}
		key := k.Value
		kn := n.child(k, join(n.Path, key))
		if _, dup := f.values[key]; dup {
			errs = append(errs, kn.Errorf("is given twice"))
			continue
		}
		if !anyKey && !contains(allowed, key) {
			msg := fmt.Sprintf("unknown field %q", key)
			if s := nearest(key, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			errs = append(errs, kn.Errorf("%s", msg))
			continue
		}
		f.Keys = append(f.Keys, key)
		f.values[key] = n.child(v, join(n.Path, key))
	}
	return f, errs
}

// Seq reads a sequence; a null is an empty sequence.
func (n Node) Seq() ([]Node, error) {
	if n.IsNull() {
		return nil, nil
	}
	y := n.resolved()
	if y.Kind != yaml.SequenceNode {
		return nil, n.Errorf("must be a list (got %s)", kindName(y))
	}
	out := make([]Node, len(y.Content))
	for i, c := range y.Content {
		out[i] = n.child(c, fmt.Sprintf("%s[%d]", n.Path, i))
	}
	return out, nil
}

// Scalar is the literal text of a string or number, exactly as written:
// `99.90` and `"99.90"` both give "99.90". Booleans, nulls and collections are
// refused.
func (n Node) Scalar() (string, error) {
	y := n.resolved()
	if y.Kind != yaml.ScalarNode {
		return "", n.Errorf("must be a single value (got %s)", kindName(y))
	}
	switch y.Tag {
	case "!!str", "!!int", "!!float":
		return y.Value, nil
	}
	return "", n.Errorf("must be a string or a number (got %s %q)", kindName(y), y.Value)
}

// String is a string value. Numbers are accepted as their literal text, so a
// YAML author need not quote "2024" in a name.
func (n Node) String() (string, error) { return n.Scalar() }

// Int64 is a whole number written in decimal digits.
func (n Node) Int64() (int64, error) {
	s, err := n.Scalar()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return 0, n.Errorf("%s is out of range", s)
		}
		return 0, n.Errorf("%q is not a whole number", s)
	}
	return v, nil
}

// Bool is true or false.
func (n Node) Bool() (bool, error) {
	y := n.resolved()
	if y.Kind == yaml.ScalarNode && y.Tag == "!!bool" {
		switch strings.ToLower(y.Value) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, n.Errorf("must be true or false (got %q)", y.Value)
}

func kindName(y *yaml.Node) string {
	switch y.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch y.Tag {
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		}
		return "a string"
	}
	return "an alias"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Nearest is the candidate closest to s by edit distance when it is close
// enough to be a typo (at most a third of s's characters apart, and at
// least one), "" when none is. Validation uses it to suggest the name that
// was meant ("did you mean %q?"). Names such as "us-east" and "eu-west"
// are near each other but both real, so it is stricter than the
// suggestion for a misspelt key, which has few neighbours.
func Nearest(s string, candidates []string) string {
	best, bestD := "", max(1, len(s)/3)+1
	for _, c := range candidates {
		if d := distance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// nearest is the allowed key closest to key by edit distance, when close
// enough to be a typo.
func nearest(key string, allowed []string) string {
	best, bestD := "", len(key)/2+2
	for _, a := range allowed {
		if d := distance(key, a); d < bestD {
			best, bestD = a, d
		}
	}
	return best
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Missing is the error for a required key absent from the mapping n, located
// at the mapping. hint, when given, shows what a value looks like.
func (n Node) Missing(key, hint string) error {
	e := &Error{Path: join(n.Path, key), Msg: "is required"}
	if hint != "" {
		e.Msg += " (" + hint + ")"
	}
	if n.n != nil {
		e.Line, e.Column = n.n.Line, n.n.Column
	}
	return e
}

// Index remembers where decoded values were, so that a problem found after
// decoding — by validation that knows only a field path — can still be given
// a line and column.
type Index map[string]Node

// Add records n under its path and returns it.
func (ix Index) Add(n Node) Node {
	ix[n.Path] = n
	return n
}

// Locate is an Error for path, placed at the value recorded under path or,
// failing that, at its nearest recorded ancestor.
func (ix Index) Locate(path, msg string) *Error {
	for p := path; p != ""; p = parentPath(p) {
		if n, ok := ix[p]; ok && n.n != nil {
			return &Error{Path: path, Line: n.n.Line, Column: n.n.Column, Msg: msg}
		}
	}
	return &Error{Path: path, Msg: msg}
}

// parentPath drops the last element of a field path: "a.b[2]" gives "a.b",
// "a.b" gives "a".
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}
