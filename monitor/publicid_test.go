package monitor

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/slatehq/slate/access"
)

// TestPublicIDsAreNotTheSequence: the incident IDs readers see (public and
// tenant pages, the Statuspage API, the feeds) are not the store's
// sequence, whose gaps would count the incidents a reader may not see;
// the sequence's numbers open no incident page.
func TestPublicIDsAreNotTheSequence(t *testing.T) {
	f := newCrossFixture(t)
	admin := f.token(t, access.Admin, "")
	for _, prefix := range []string{"", "/status/acme", "/status/bravo"} {
		code, body := f.get(t, admin, prefix+"/api/v2/incidents.json")
		if code != http.StatusOK {
			t.Fatalf("GET %s/api/v2/incidents.json: %d", prefix, code)
		}
		var doc struct {
			Incidents []struct{ ID, Shortlink string }
		}
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Incidents) == 0 {
			t.Fatalf("%s: no incidents", prefix)
		}
		for _, inc := range doc.Incidents {
			if _, err := strconv.ParseInt(inc.ID, 10, 64); err == nil {
				t.Errorf("%s: incident id %q is the store's sequence", prefix, inc.ID)
			}
			if !strings.HasSuffix(inc.Shortlink, "/"+inc.ID) {
				t.Errorf("%s: shortlink %q does not end in the id %q", prefix, inc.Shortlink, inc.ID)
			}
		}
		_, feed := f.get(t, admin, prefix+"/feed.atom")
		if m := regexp.MustCompile(`/incidents/\d+<`).FindString(feed); m != "" {
			t.Errorf("%s/feed.atom names an incident by its sequence number: %s", prefix, m)
		}
		for id := 1; id <= 4; id++ {
			if code, _ := f.get(t, admin, fmt.Sprintf("%s/incidents/%d", prefix, id)); code != http.StatusNotFound {
				t.Errorf("GET %s/incidents/%d: %d, want 404", prefix, id, code)
			}
		}
	}
}
