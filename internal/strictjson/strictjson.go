package strictjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is a refused body.
type Error struct {
	// Field is the JSON path of the field at fault ("services[0]",
	// "policy.target"); "" when the body as a whole is at fault (not
	// JSON, not the kind of value wanted, data after it).
	Field string
	// Msg says what is wrong, for people.
	Msg string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// Decode decodes data, one JSON value, into v, which must be a non-nil
// pointer. It refuses, with an *Error, what the package documentation
// lists, and everything encoding/json refuses: malformed JSON, unknown
// fields, values of the wrong type, and anything after the value.
func Decode(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return &Error{Msg: "the body is empty; send a JSON object"}
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("strictjson: decode into %T, want a non-nil pointer", v)
	}
	if err := check(data, rv.Type().Elem()); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fromJSON(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{Msg: "unexpected data after the JSON value"}
	}
	return nil
}

// check walks data's tokens alongside the type they will fill and refuses
// case-folded and repeated keys and strings that are not UTF-8. Syntax
// errors are left to the decoder that runs after it, which reports them
// the same way.
func check(data []byte, t reflect.Type) error {
	w := walker{dec: json.NewDecoder(bytes.NewReader(data)), data: data}
	w.dec.UseNumber()
	err := w.value(t)
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	return nil // a syntax error: the decoder says it
}

type walker struct {
	dec   *json.Decoder
	data  []byte
	depth int      // objects and arrays open
	path  []string // the path to the value being read, as segments: "items", "[1]", ".name"
}

// at is the JSON path being read, joined only when an error needs it (a
// path built at every level would cost its depth squared).
func (w *walker) at() string { return strings.Join(w.path, "") }

// enter appends a segment to the path: a key (dotted unless first) or an
// index.
func (w *walker) enter(key string, index int) {
	switch {
	case index >= 0:
		w.path = append(w.path, "["+strconv.Itoa(index)+"]")
	case len(w.path) == 0:
		w.path = append(w.path, key)
	default:
		w.path = append(w.path, "."+key)
	}
}

func (w *walker) leave() { w.path = w.path[:len(w.path)-1] }

// maxDepth is where the walk stops looking deeper, as encoding/json
// refuses such nesting itself.
const maxDepth = 10000

// token reads the next token and refuses a string whose bytes are not
// UTF-8, at the current path.
func (w *walker) token() (json.Token, error) {
	start := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err != nil {
		return nil, err
	}
	if s, ok := tok.(string); ok && !validString(w.data[start:w.dec.InputOffset()], s) {
		return nil, &Error{Field: w.at(), Msg: "is not valid UTF-8 text"}
	}
	return tok, nil
}

// validString reports whether the decoded string s came from raw (its
// quoted form, with what separates it from the token before) without a
// replacement: raw is valid UTF-8, and every U+FFFD in s is in raw too,
// as itself or escaped, rather than standing for an invalid byte or a
// lone surrogate escape.
func validString(raw []byte, s string) bool {
	if !utf8.Valid(raw) {
		return false
	}
	n := strings.Count(s, "\uFFFD")
	if n == 0 {
		return true
	}
	return n <= bytes.Count(raw, []byte("\uFFFD"))+bytes.Count(bytes.ToLower(raw), []byte(`\ufffd`))
}

// value checks the value at the current path, which fills a t (nil:
// anything).
func (w *walker) value(t reflect.Type) error {
	tok, err := w.token()
	if err != nil {
		return err
	}
	t = target(t)
	if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
		if w.depth++; w.depth > maxDepth {
			return errors.New("too deep") // the decoder refuses it
		}
		defer func() { w.depth-- }()
	}
	switch tok {
	case json.Delim('{'):
		return w.object(t)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; w.dec.More(); i++ {
			w.enter("", i)
			if err := w.value(elem); err != nil {
				return err
			}
			w.leave()
		}
		_, err := w.dec.Token() // ]
		return err
	}
	return nil
}

// object checks an object's keys and values; its '{' is read.
func (w *walker) object(t reflect.Type) error {
	var fields map[string]reflect.Type // a struct's fields by JSON name; nil when t is not a struct
	var elem reflect.Type              // a map's values
	switch {
	case t == nil:
	case t.Kind() == reflect.Struct:
		fields = map[string]reflect.Type{}
		structFields(t, fields)
	case t.Kind() == reflect.Map:
		elem = t.Elem()
	}
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		w.enter(key, -1)
		if seen[key] {
			return &Error{Field: w.at(), Msg: "is given twice; give each field once"}
		}
		seen[key] = true
		vt := elem
		if fields != nil {
			ft, ok := fields[key]
			if !ok {
				if name := foldMatch(fields, key); name != "" {
					return &Error{Field: w.at(), Msg: fmt.Sprintf("unknown field; did you mean %q? (field names are case-sensitive)", name)}
				}
				return &Error{Field: w.at(), Msg: "unknown field"}
			}
			vt = ft
		}
		if err := w.value(vt); err != nil {
			return err
		}
		w.leave()
	}
	_, err := w.dec.Token() // }
	return err
}

// foldMatch is the field whose name equals key but for case, or "".
func foldMatch(fields map[string]reflect.Type, key string) string {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return name
		}
	}
	return ""
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// target is the type whose fields the walk knows: t without pointers, or
// nil for a type that decodes itself (its keys are its own business) or
// an interface (anything goes).
func target(t reflect.Type) reflect.Type {
	for t != nil {
		if t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler) ||
			t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
			return nil
		}
		switch t.Kind() {
		case reflect.Pointer:
			t = t.Elem()
		case reflect.Interface:
			return nil
		default:
			return t
		}
	}
	return nil
}

// structFields adds t's fields to out by the names encoding/json gives
// them: the tag's name, else the Go name; untagged embedded structs lend
// theirs.
func structFields(t reflect.Type, out map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				structFields(ft, out)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, ok := out[name]; !ok {
			out[name] = f.Type
		}
	}
}

// fromJSON turns encoding/json's errors into Errors naming the field.
func fromJSON(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &Error{Msg: fmt.Sprintf("malformed JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))}
	case errors.As(err, &typ):
		if typ.Field == "" {
			return &Error{Msg: fmt.Sprintf("the body must be %s, not a JSON %s", kind(typ.Type.Kind()), typ.Value)}
		}
		return &Error{Field: typ.Field, Msg: fmt.Sprintf("must be %s, not a JSON %s", kind(typ.Type.Kind()), typ.Value)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Msg: "the JSON ends too early"}
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, `json: unknown field "`); ok {
		return &Error{Field: strings.TrimSuffix(name, `"`), Msg: "unknown field"}
	}
	return &Error{Msg: strings.TrimPrefix(msg, "json: ")}
}

// kind names a Go kind the way a JSON client thinks of it.
func kind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a number"
}
