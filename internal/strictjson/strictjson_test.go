package strictjson

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

type inner struct {
	Name string `json:"name"`
	Skip string `json:"-"`
}

type Embedded struct {
	Region string `json:"region"`
}

type body struct {
	Embedded
	Title    string            `json:"title"`
	Count    *int              `json:"count"`
	Tags     []string          `json:"tags"`
	Items    []inner           `json:"items"`
	Owner    *inner            `json:"owner"`
	Labels   map[string]string `json:"labels"`
	At       time.Time         `json:"at"`
	Raw      json.RawMessage   `json:"raw"`
	Extra    any               `json:"extra"`
	Untagged string
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		field string // "" with msg "" for success
		msg   string
	}{
		{"every kind of field", `{"region":"eu","title":"x","count":2,"tags":["a"],"items":[{"name":"n"}],"owner":{"name":"o"},
			"labels":{"k":"v"},"at":"2026-11-27T10:00:00Z","raw":{"Any":1},"extra":[1,"two"],"Untagged":"u"}`, "", ""},
		{"map keys differing in case are distinct", `{"labels":{"Key":"a","key":"b"}}`, "", ""},
		{"a real replacement character", `{"title":"a` + "\uFFFD" + `b \ufffd \uFFFD"}`, "", ""},
		{"a surrogate pair", `{"title":"\ud83d\ude00"}`, "", ""},
		{"null fields", `{"owner":null,"count":null,"tags":null}`, "", ""},

		{"key in another case", `{"Title":"x"}`, "Title", `did you mean "title"?`},
		{"nested key in another case", `{"owner":{"NAME":"x"}}`, "owner.NAME", `did you mean "name"?`},
		{"embedded key in another case", `{"Region":"eu"}`, "Region", `did you mean "region"?`},
		{"untagged field in another case", `{"untagged":"u"}`, "untagged", `did you mean "Untagged"?`},
		{"key given twice", `{"title":"a","title":"b"}`, "title", "given twice"},
		{"key given twice in an array element", `{"items":[{"name":"a"},{"name":"b","name":"c"}]}`, "items[1].name", "given twice"},
		{"key given twice in a map", `{"labels":{"k":"a","k":"b"}}`, "labels.k", "given twice"},
		{"key given twice in a free value", `{"extra":{"a":1,"a":2}}`, "extra.a", "given twice"},
		{"key given twice in a raw message", `{"raw":{"a":1,"a":2}}`, "raw.a", "given twice"},
		{"invalid UTF-8 in a value", "{\"title\":\"caf\xe9\"}", "title", "not valid UTF-8"},
		{"invalid UTF-8 in a nested value", "{\"items\":[{\"name\":\"\xc3\x28\"}]}", "items[0].name", "not valid UTF-8"},
		{"invalid UTF-8 in a key", "{\"owner\":{\"n\xffme\":\"x\"}}", "owner", "not valid UTF-8"},
		{"invalid UTF-8 in a map value", "{\"labels\":{\"k\":\"\xed\xa0\x80\"}}", "labels.k", "not valid UTF-8"},
		{"lone surrogate escape", `{"title":"\ud800"}`, "title", "not valid UTF-8"},
		{"reversed surrogate escapes", `{"title":"\ude00\ud83d"}`, "title", "not valid UTF-8"},
		{"unknown field", `{"colour":1}`, "colour", "unknown field"},
		{"nested unknown field", `{"owner":{"age":1}}`, "owner.age", "unknown field"},
		{"ignored field", `{"owner":{"Skip":"x"}}`, "owner.Skip", "unknown field"},
		{"wrong type", `{"title":5}`, "title", "must be a string, not a JSON number"},
		{"not an object", `[1]`, "", "must be an object, not a JSON array"},
		{"empty", " \n", "", "empty"},
		{"malformed", `{"title":`, "", "ends too early"},
		{"syntax", `{"title" 1}`, "", "malformed JSON at byte"},
		{"trailing data", `{} {}`, "", "after the JSON value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v body
			err := Decode([]byte(tc.in), &v)
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("got %v, want it decoded", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%+v), want an *Error", err, v)
			}
			if e.Field != tc.field || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("got field %q %q, want field %q saying %q", e.Field, e.Msg, tc.field, tc.msg)
			}
		})
	}
}

func TestDecodeNeedsAPointer(t *testing.T) {
	var v body
	for _, target := range []any{v, (*body)(nil), nil} {
		if err := Decode([]byte(`{}`), target); err == nil {
			t.Errorf("Decode into %T accepted", target)
		}
	}
}

// FuzzDecode checks, for any input, that Decode either refuses it with an
// *Error that says something, or decodes exactly what encoding/json
// decodes from it, from valid UTF-8 without a repeated key: it refuses
// more than encoding/json, never reads anything differently.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"title":"x","items":[{"name":"a"}],"labels":{"a":"b"}}`, `{"Title":"x"}`, `{"title":"a","title":"b"}`,
		"{\"title\":\"\xff\"}", `{"title":"\ud800"}`, `{"title":"\ufffd"}`, `{"extra":{"a":{"b":[1,{"c":2}]}}}`,
		`[]`, `{`, `null`, `{"count":1e400}`, `{"raw":{"A":1,"a":2}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got body
		err := Decode(data, &got)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Msg == "" {
				t.Fatalf("Decode(%q): %v, want an *Error with a message", data, err)
			}
			return
		}
		if !utf8.Valid(data) {
			t.Fatalf("Decode(%q) took invalid UTF-8", data)
		}
		var want body
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("Decode(%q) took what encoding/json refuses: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode(%q) = %+v, encoding/json reads %+v", data, got, want)
		}
	})
}
