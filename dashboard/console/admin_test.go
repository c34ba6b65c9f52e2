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
