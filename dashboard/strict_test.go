package dashboard

import (
	"errors"
	"strings"
	"testing"
)

// TestDecodeStrictRefusesAmbiguousBodies checks the bodies encoding/json
// would read in a way the client may not have meant: a key that differs
// only in case from a field (encoding/json matches it anyway), a key
// given twice (the last one wins there), and text that is not UTF-8
// (silently replaced there). Each is refused with the field named.
func TestDecodeStrictRefusesAmbiguousBodies(t *testing.T) {
	tests := []struct {
		name, body, field, says string
	}{
		{"key in another case", `{"Name":"x"}`, "Name", `"name"`},
		{"key in upper case", `{"name":"x","COUNT":1}`, "COUNT", `"count"`},
		{"duplicate key", `{"name":"a","name":"b"}`, "name", "twice"},
		{"duplicate key in another case", `{"name":"a","nAme":"b"}`, "nAme", `"name"`},
		{"invalid UTF-8 in a value", "{\"name\":\"caf\xe9\"}", "name", "UTF-8"},
		{"invalid UTF-8 in an array", "{\"tags\":[\"ok\",\"\xff\"]}", "tags[1]", "UTF-8"},
		{"invalid UTF-8 in a key", "{\"n\xffme\":\"x\"}", "", "UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v echoBody
			err := decodeStrict([]byte(tc.body), &v)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("decoded into %+v, want a refusal", v)
			}
			if ae.Status != 400 || ae.Field != tc.field || !strings.Contains(ae.Message, tc.says) {
				t.Errorf("got %d field %q %q, want 400 on field %q saying %q", ae.Status, ae.Field, ae.Message, tc.field, tc.says)
			}
		})
	}
}
