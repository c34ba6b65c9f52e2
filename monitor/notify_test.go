package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/internal/testkit"
)

// TestPeopleNotificationsAreOrderedUpdates: a person opens an incident
// through the admin API, updates it with a severity, and resolves it. The
// receiver gets a trigger, an update (not a second trigger) and a resolve,
// in that order although it refused the trigger once; each is titled with
// the service's name, links the incident's page under server.public_url,
// and names the token's name as the author, as the timeline does.
func TestPeopleNotificationsAreOrderedUpdates(t *testing.T) {
	var mu sync.Mutex
	var got []alert.Event
	calls := 0
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable) // the trigger, once
			return
		}
		var e alert.Event
		json.Unmarshal(body, &e)
		got = append(got, e)
	}))
	defer hook.Close()
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer target.Close()
	cfg, _ := testkit.Config(t, target.URL, fmt.Sprintf(`alerting:
  receivers: [{name: hook, kind: webhook, url: %q, secret: %q}]
  routes: [{receiver: hook}]
`, hook.URL, hookSecret), "web")
	cfg.Server.PublicURL = "https://status.example.com"
	cfg.Services[0].Name = "Customer portal"
	a := testApp(t, cfg, Options{})
	ctx := context.Background()
	tok, _, err := a.db.CreateToken(ctx, db.NewToken{Name: "Alice Example", Role: access.Oncall}, "test")
	if err != nil {
		t.Fatal(err)
	}
	f := &isolationFixture{app: a, base: startTestApp(t, a)}
	a.sender.BaseDelay = 100 * time.Millisecond
	code, inc := f.api(t, tok, "POST", "/api/admin/incidents", `{"service":"web","severity":"major","body":"Logins fail for some users."}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, inc)
	}
	id := int64(inc["id"].(float64))
	if code, body := f.api(t, tok, "POST", fmt.Sprintf("/api/admin/incidents/%d/updates", id), `{"status":"identified","body":"A bad deploy.","severity":"critical"}`); code != http.StatusOK {
		t.Fatalf("update: %d %v", code, body)
	}
	if code, body := f.api(t, tok, "POST", fmt.Sprintf("/api/admin/incidents/%d/resolve", id), `{"body":"Rolled back."}`); code != http.StatusOK {
		t.Fatalf("resolve: %d %v", code, body)
	}
	testkit.Eventually(t, "three notifications", 10*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 3 })
	mu.Lock()
	defer mu.Unlock()
	wantKinds := []string{alert.KindTrigger, alert.KindUpdate, alert.KindResolve}
	for i, e := range got {
		if e.Kind != wantKinds[i] || e.DedupKey != incidentKey(t, a, id) {
			t.Fatalf("notification %d: %s of %s; want the kinds %v in order: %+v", i, e.Kind, e.DedupKey, wantKinds, got)
		}
		if !strings.HasPrefix(e.Title, "Customer portal") || e.URL != "https://status.example.com/incidents/"+strings.TrimPrefix(incidentKey(t, a, id), "incident/") {
			t.Errorf("notification %d titled %q, linking %q", i, e.Title, e.URL)
		}
		if !strings.HasPrefix(e.Body, "Alice Example: ") {
			t.Errorf("notification %d body %q, want the author's name first", i, e.Body)
		}
	}
	if got[1].Severity != alert.SeverityCritical || !strings.Contains(got[1].Title, "identified") {
		t.Errorf("update: %+v", got[1])
	}
	stored, err := a.db.Incident(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range stored.Timeline {
		if e.Kind != incident.KindNote && e.Author != "Alice Example" {
			t.Errorf("timeline entry %s by %q, want the token's name", e.Kind, e.Author)
		}
	}
}
