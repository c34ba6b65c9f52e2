package pgstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/pgstore"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
	"github.com/slatehq/slate/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// pgFactory gives each test a database of its own on the test cluster.
func pgFactory(t *testing.T) storetest.Opener {
	url := pgtest.NewDatabase(t)
	return func(t *testing.T, o storetest.Options) store.Store {
		t.Helper()
		s, err := pgstore.Open(context.Background(), url, pgstore.Options{Now: o.Now, RawRetention: o.RawRetention, MaxConns: 8})
		if err != nil {
			t.Fatalf("open postgres store: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

// TestStore holds PostgreSQL to the store contract's suite.
func TestStore(t *testing.T) {
	storetest.Run(t, pgFactory)
}

// TestMetricsCountNewResultsOnly: a retried batch is acknowledged again but
// counted once, and the store's metrics carry the same names as SQLite's.
func TestMetricsCountNewResultsOnly(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, err := pgstore.Open(context.Background(), pgtest.NewDatabase(t), pgstore.Options{Now: storetest.FixedNow, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	batch := []sla.Result{storetest.Result("api", "a", storetest.At(0, 0), true), storetest.Result("api", "b", storetest.At(0, 0), false)}
	storetest.Write(t, s, batch...)
	storetest.Write(t, s, batch...)
	if got := counterValue(t, reg, "slate_store_results_written_total"); got != 2 {
		t.Errorf("got %v results written, want 2", got)
	}
	if _, err := pgstore.Open(context.Background(), pgtest.NewDatabase(t), pgstore.Options{Registerer: reg}); err == nil {
		t.Error("a second store registered the same metrics: got nil, want an error")
	}
}

// counterValue reads a registered counter by name.
func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}
