package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
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
