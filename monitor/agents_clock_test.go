package monitor

import (
	"context"
	"database/sql"
	"net/http"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/agent/wire"
	"github.com/slatehq/slate/db"
)

// TestAgentClockAlertSurvivesFailedEnqueue: while the outbox refuses
// writes, a clock refusal is still a 422 but the store does not remember
// the refusal, so the next refusal (outbox back) raises the alert; a good
// batch whose resolve cannot be enqueued is stored, and the next good
// batch sends the resolve.
func TestAgentClockAlertSurvivesFailedEnqueue(t *testing.T) {
	cfg := loadConfig(t, agentsConfig)
	a := testApp(t, cfg, Options{})
	ctx := context.Background()
	east, _, err := a.db.CreateToken(ctx, db.NewToken{Name: "east", Role: access.Agent, Location: "us-east"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	base := startTestApp(t, a)
	raw, err := sql.Open("sqlite3", cfg.Storage.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	outbox := func(up bool) {
		t.Helper()
		q := `CREATE TRIGGER outbox_down BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox down'); END`
		if up {
			q = `DROP TRIGGER outbox_down`
		}
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	alerts := func() []string {
		t.Helper()
		as, err := a.db.AlertsByKey(ctx, clockAlertKey("us-east"))
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, al := range as {
			kinds = append(kinds, al.Kind)
		}
		return kinds
	}
	at := time.Now().Add(-10 * time.Second).Truncate(time.Millisecond)
	post := func(offsetMS int64, want int) {
		t.Helper()
		at = at.Add(time.Millisecond)
		c := agentCall{token: east, agent: "east-1", offsetMS: offsetMS, method: http.MethodPost, path: wire.ResultsPath,
			body: batchOf(wire.Result{Check: "both", AtMS: at.UnixMilli(), OK: true})}
		if code, _, body := c.do(t, base); code != want {
			t.Fatalf("offset %d ms: %d %s; want %d", offsetMS, code, body, want)
		}
	}

	outbox(false)
	post(30000, http.StatusUnprocessableEntity)
	if got := alerts(); len(got) != 0 {
		t.Fatalf("clock alerts while the outbox is down: %v; want none", got)
	}
	outbox(true)
	post(30000, http.StatusUnprocessableEntity)
	if got := alerts(); len(got) != 1 || got[0] != "trigger" {
		t.Fatalf("clock alerts after the next refusal: %v; want [trigger]", got)
	}

	outbox(false)
	post(0, http.StatusOK)
	if got := alerts(); len(got) != 1 {
		t.Fatalf("clock alerts after a good batch while the outbox is down: %v; want [trigger]", got)
	}
	outbox(true)
	post(0, http.StatusOK)
	if got := alerts(); len(got) != 2 || got[1] != "resolve" {
		t.Fatalf("clock alerts after the next good batch: %v; want [trigger resolve]", got)
	}
	post(0, http.StatusOK)
	if got := alerts(); len(got) != 2 {
		t.Errorf("clock alerts after a further good batch: %v; want [trigger resolve] still", got)
	}
}
