package console_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/store"
)

// TestTokensPage: an admin creates a token and sees its text once (the
// list afterwards shows its prefix only), revokes it, and the audit page
// says the chain verifies and names the admin.
func TestTokensPage(t *testing.T) {
	f := newFixture(t)
	root, _, _ := f.signIn(t, "root@example.com", "sre-leads")
	code, body := post(t, root, f.srv.URL+"/console/tokens", url.Values{"name": {"billing export"}, "role": {"account_manager"}})
	secret := regexp.MustCompile(`slt_[0-9a-f]{8}_[a-z2-7]{32}`).FindString(body)
	if code != http.StatusOK || secret == "" || !strings.Contains(body, "shown this once") {
		t.Fatalf("create: %d, no secret shown", code)
	}
	if tok, err := f.db.TokenByHash(context.Background(), store.HashToken(secret)); err != nil || tok.CreatedBy != "oidc:root@example.com" {
		t.Fatalf("the shown secret is not the stored token's: %+v %v", tok, err)
	}
	if _, body := get(t, root, f.srv.URL+"/console/tokens"); strings.Contains(body, secret) || !strings.Contains(body, secret[:12]) || !strings.Contains(body, "never") {
		t.Errorf("the list shows the secret again, or not the prefix and its last use")
	}
	if code, body := post(t, root, f.srv.URL+"/console/tokens", url.Values{"name": {"x"}, "role": {"viewer"}}); code != http.StatusBadRequest || !strings.Contains(body, "tenant") {
		t.Errorf("viewer without tenant: %d", code)
	}
	if code, body := post(t, root, f.srv.URL+"/console/tokens/"+secret[:12]+"/revoke", nil); code != http.StatusOK || !strings.Contains(body, "revoked") {
		t.Errorf("revoke: %d", code)
	}
	code, body = get(t, root, f.srv.URL+"/console/audit")
	if code != http.StatusOK || !strings.Contains(body, "The hash chain verifies") || !strings.Contains(body, "token.revoked") || !strings.Contains(body, "oidc:root@example.com") {
		t.Errorf("audit page: %d", code)
	}
}

// TestAuditPageVerifiesNewEntries: the audit page says how far the chain
// verified; entries appended later move the mark; an entry edited after
// the mark is caught on the next view, naming it, and the mark stays
// where the chain last verified.
func TestAuditPageVerifiesNewEntries(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	root, _, _ := f.signIn(t, "root@example.com", "sre-leads")
	through := regexp.MustCompile(`verifies through entry (\d+): (\d+) entries`)
	view := func() (string, string) {
		t.Helper()
		code, body := get(t, root, f.srv.URL+"/console/audit")
		if code != http.StatusOK {
			t.Fatalf("audit page: %d", code)
		}
		m := through.FindStringSubmatch(body)
		if m == nil {
			return "", body
		}
		return m[1] + "/" + m[2], body
	}
	es, err := f.db.AuditEntries(ctx, 0, 1000)
	if err != nil || len(es) == 0 {
		t.Fatalf("entries after sign-in: %d %v", len(es), err)
	}
	// The page's own view reads the log after the sign-in's entries.
	if got, want := mustMark(t, view), markOf(f, t); got != want {
		t.Errorf("first view: verified %s, want %s", got, want)
	}
	for i := range 3 {
		if err := f.db.AppendAudit(ctx, "am", "test.step", "step/"+strconv.Itoa(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := mustMark(t, view), markOf(f, t); got != want {
		t.Errorf("after three more: verified %s, want %s", got, want)
	}
	before := markOf(f, t)
	if err := f.db.AppendAudit(ctx, "am", "test.step", "step/edited", map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	last, err := f.db.AuditEntries(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	edited := last[len(last)-1].ID
	raw, err := sql.Open("sqlite3", f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`DROP TRIGGER audit_no_update; UPDATE audit SET detail = '{"n":2}' WHERE id = ?`, edited); err != nil {
		t.Fatal(err)
	}
	_, body := view()
	if want := fmt.Sprintf("audit entry %d: hash does not match its contents", edited); !strings.Contains(body, "does NOT verify") || !strings.Contains(body, want) {
		t.Errorf("edited entry %d: the page does not say %q", edited, want)
	}
	m := regexp.MustCompile(`verified through entry (\d+): (\d+) entries`).FindStringSubmatch(body)
	if m == nil || m[1]+"/"+m[2] != before {
		t.Errorf("a broken chain shows the mark %v, want it kept at %s", m, before)
	}
}

// mustMark is the "through entry/entries" of view's page.
func mustMark(t *testing.T, view func() (string, string)) string {
	t.Helper()
	m, body := view()
	if m == "" {
		t.Fatalf("the audit page says no verified mark:\n%s", body)
	}
	return m
}

// markOf is the last entry's ID and the number of entries, as the page
// should show them once the whole log verified.
func markOf(f *fixture, t *testing.T) string {
	t.Helper()
	es, err := f.db.AuditEntries(context.Background(), 0, 100000)
	if err != nil || len(es) == 0 {
		t.Fatalf("entries: %d %v", len(es), err)
	}
	return fmt.Sprintf("%d/%d", es[len(es)-1].ID, len(es))
}

// TestLocationsPage: an admin sees each location's health as the store
// keeps it — this server's own location, an agent's live location with
// its agent, lag and clock, and one refused for its clock — and staff of
// other roles are refused the page.
func TestLocationsPage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := f.now()
	for _, c := range []store.LocationClaim{
		{Location: "us-east", Agent: "east-7f3a", At: now, TTL: 30 * time.Second, ClockOffset: 40 * time.Millisecond, RoundTrip: 3 * time.Millisecond},
		{Location: "ap-south", Agent: "south-1", At: now, TTL: 30 * time.Second, ClockOffset: 31 * time.Second},
	} {
		if _, err := f.db.ClaimLocation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.db.RecordLocationBatch(ctx, store.LocationBatch{Location: "us-east", Agent: "east-7f3a", At: now, Through: now.Add(-4 * time.Second), Results: 12}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.RecordLocationBatch(ctx, store.LocationBatch{Location: "ap-south", Agent: "south-1", At: now, ClockRefused: true}); err != nil {
		t.Fatal(err)
	}
	root, _, _ := f.signIn(t, "root@example.com", "sre-leads")
	code, body := get(t, root, f.srv.URL+"/console/locations")
	if code != http.StatusOK {
		t.Fatalf("locations page: %d", code)
	}
	rows := regexp.MustCompile(`(?s)<tr><td class="mono">.*?</tr>`).FindAllString(body, -1)
	if len(rows) != 3 {
		t.Fatalf("%d location rows, want local, then the agents' by name:\n%s", len(rows), body)
	}
	for i, want := range [][]string{
		{"local", "this server", "live"},
		{"ap-south", "south-1", "refused: the agent's clock is off", "31s"},
		{"us-east", "east-7f3a", "live, lease until", "<td>12</td>", "40ms (round trip 3ms)"},
	} {
		for _, w := range want {
			if !strings.Contains(rows[i], w) {
				t.Errorf("row %d lacks %q: %s", i, w, rows[i])
			}
		}
	}
	if !regexp.MustCompile(`<td>4\.\d s</td>`).MatchString(rows[2]) {
		t.Errorf("us-east's lag is not about 4 s: %s", rows[2])
	}
	for _, groups := range [][]string{{"billing"}, {"sre"}} {
		b, _, _ := f.signIn(t, groups[0]+"@example.com", groups...)
		if code, body := get(t, b, f.srv.URL+"/console/locations"); code != http.StatusForbidden || strings.Contains(body, "east-7f3a") {
			t.Errorf("%s reads the locations page: %d, want 403 and no agent named", groups[0], code)
		}
	}
}
