package credit

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
)

func TestFailedContracts(t *testing.T) {
	a := &ContractError{Contract: "a", Err: errors.New("contract a: no evidence")}
	b := &ContractError{Contract: "b", Err: errors.New("contract b: bad row")}
	for _, tc := range []struct {
		name string
		err  error
		want []string
	}{
		{"nil", nil, nil},
		{"an error of no contract", errors.New("store closed"), nil},
		{"one", a, []string{"a"}},
		{"joined with others", errors.Join(errors.New("x"), a, b), []string{"a", "b"}},
		{"wrapped and joined twice", errors.Join(fmt.Errorf("close: %w", errors.Join(a)), b, a), []string{"a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := slices.Sorted(maps.Keys(FailedContracts(tc.err)))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
