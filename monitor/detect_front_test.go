package monitor

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/store"
)

// locationStatesCounter is a real store that counts its LocationStates
// reads.
type locationStatesCounter struct {
	*db.DB
	reads atomic.Int64
}

func (c *locationStatesCounter) LocationStates(ctx context.Context) ([]store.LocationState, error) {
	c.reads.Add(1)
	return c.DB.LocationStates(ctx)
}

// TestDetectReadsAgentsOnlyWhenUsed: a detection pass reads the agent
// locations' watermarks when a service's checks run at an agent
// location, once whatever the number of such services, and not at all
// when every check runs at the collector's location alone.
func TestDetectReadsAgentsOnlyWhenUsed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		checks string
		want   int64
	}{
		{"checks at the collector's location alone", `
  - {id: a, service: web, kind: http, target: "http://127.0.0.1:1/a", interval: 30s, locations: [eu-west]}
  - {id: b, service: api, kind: http, target: "http://127.0.0.1:1/b", interval: 30s, locations: [eu-west]}`, 0},
		{"checks at an agent location too", `
  - {id: a, service: web, kind: http, target: "http://127.0.0.1:1/a", interval: 30s}
  - {id: b, service: api, kind: http, target: "http://127.0.0.1:1/b", interval: 30s}`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loadConfig(t, "backup: {dir: \"off\"}\ncollector: {location: eu-west}\nlocations: [eu-west, us-east]\nservices: [{id: web}, {id: api}]\nchecks:"+tc.checks+"\n")
			reg := newRegistry()
			st, err := db.Open(cfg.Storage.Path, db.Options{Registerer: reg})
			if err != nil {
				t.Fatal(err)
			}
			counted := &locationStatesCounter{DB: st}
			m, err := New(cfg, counted, reg, Options{})
			if err != nil {
				st.Close()
				t.Fatal(err)
			}
			t.Cleanup(func() { m.Stop(context.Background()) })
			counted.reads.Store(0)
			if err := m.Detect(context.Background(), time.Now()); err != nil {
				t.Fatal(err)
			}
			if n := counted.reads.Load(); n != tc.want {
				t.Errorf("LocationStates read %d times by one pass, want %d", n, tc.want)
			}
		})
	}
}
