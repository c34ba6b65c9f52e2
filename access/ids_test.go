package access_test

import (
	"regexp"
	"testing"

	"github.com/slatehq/slate/access"
)

func TestPublicIDs(t *testing.T) {
	key, other := []byte("0123456789abcdef0123456789abcdef"), []byte("fedcba9876543210fedcba9876543210")
	form := regexp.MustCompile(`^[a-z2-7]{12}$`)
	seen := map[string]int64{}
	for id := int64(1); id <= 10000; id++ {
		p := access.IncidentPublicID(key, id)
		if !form.MatchString(p) {
			t.Fatalf("incident %d: public ID %q is not 12 lowercase letters and digits", id, p)
		}
		if prev, dup := seen[p]; dup {
			t.Fatalf("incidents %d and %d share the public ID %q", prev, id, p)
		}
		seen[p] = id
	}
	for _, tc := range []struct {
		name string
		same bool
		a, b string
	}{
		{"stable", true, access.IncidentPublicID(key, 42), access.IncidentPublicID(key, 42)},
		{"another key, another ID", false, access.IncidentPublicID(key, 42), access.IncidentPublicID(other, 42)},
		{"a window is not the incident of the same number", false, access.MaintenancePublicID(key, "42"), access.IncidentPublicID(key, 42)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if (tc.a == tc.b) != tc.same {
				t.Errorf("%q and %q: equal %v, want %v", tc.a, tc.b, tc.a == tc.b, tc.same)
			}
		})
	}
	if m := access.MaintenancePublicID(key, "stored-3"); len(m) != 12 || m[0] != 'm' {
		t.Errorf("maintenance public ID %q: want 12 characters starting with m", m)
	}
}
