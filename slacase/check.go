package slacase

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/slatehq/slate/internal/ynode"
	"github.com/slatehq/slate/sla"
)

// Check compares a report with the worked answer the document carries: every
// field of "expected" must equal the report's, numbers compared as exact
// decimals ("10" equals "10.00"), nulls as nulls. It returns one line per
// difference, sorted by field, and nothing when the answers agree or there is
// no worked answer.
func (f File) Check(r sla.Report) ([]string, error) {
	if f.Expected == nil {
		return nil, nil
	}
	got, err := flatten(r)
	if err != nil {
		return nil, err
	}
	var diffs []string
	if err := compare(*f.Expected, "", got, &diffs); err != nil {
		return nil, err
	}
	sort.Strings(diffs)
	return diffs, nil
}

// flatten gives the report's fields as the JSON output has them, with nested
// fields as "period.start".
func flatten(r sla.Report) (map[string]any, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode report: %w", err)
	}
	out := map[string]any{}
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			for k2, v2 := range sub {
				out[k+"."+k2] = v2
			}
			continue
		}
		out[k] = v
	}
	return out, nil
}

func compare(exp ynode.Node, prefix string, got map[string]any, diffs *[]string) error {
	keys := make([]string, 0, len(got))
	for k := range got {
		if prefix == "" || len(k) > len(prefix) && k[:len(prefix)] == prefix {
			keys = append(keys, k[len(prefix):])
		}
	}
	keys = append(keys, "period")
	fields, err := exp.Map(keys...)
	if err != nil {
		return err
	}
	for _, k := range fields.Keys {
		key := prefix + k
		want, ok := fields.Get(k)
		g := got[key]
		if k == "period" && prefix == "" {
			if ok {
				if err := compare(want, "period.", got, diffs); err != nil {
					return err
				}
			}
			continue
		}
		if !ok { // null expected
			if g != nil {
				*diffs = append(*diffs, fmt.Sprintf("%s: got %v, want null", key, g))
			}
			continue
		}
		switch gv := g.(type) {
		case bool:
			wb, err := want.Bool()
			if err != nil {
				return err
			}
			if wb != gv {
				*diffs = append(*diffs, fmt.Sprintf("%s: got %v, want %v", key, gv, wb))
			}
		case string:
			ws, err := want.Scalar()
			if err != nil {
				return err
			}
			if !sameValue(gv, ws) {
				*diffs = append(*diffs, fmt.Sprintf("%s: got %q, want %q", key, gv, ws))
			}
		case nil:
			ws, _ := want.Scalar()
			*diffs = append(*diffs, fmt.Sprintf("%s: got null, want %q", key, ws))
		}
	}
	return nil
}

// sameValue compares two output strings: as exact decimals when both are
// decimals, as fractions when both are, else as text.
func sameValue(a, b string) bool {
	if a == b {
		return true
	}
	x, errA := sla.ParseShare(a)
	y, errB := sla.ParseShare(b)
	return errA == nil && errB == nil && x.Cmp(y) == 0
}
