package db_test

import (
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/slatehq/slate/db"
)

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
func TestWriteResultsRegistersMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	d := dbtestOpen(t, db.Options{Now: fixedNow, Registerer: reg})
	write(t, d, run("api", "a", at(0, 0), true), run("api", "a", at(0, 30), true))
	want := []string{
		"slate_store_batch_size",
		"slate_store_commit_seconds",
		"slate_store_results_written_total",
		"slate_store_write_errors_total",
	}
	for _, name := range want {
		t.Run(name, func(t *testing.T) {
			if n, err := testutil.GatherAndCount(reg, name); err != nil || n != 1 {
				t.Errorf("got %d series (err %v), want 1", n, err)
			}
		})
	}
	if _, err := db.Open(filepath.Join(t.TempDir(), "second.db"), db.Options{Registerer: reg}); err == nil {
		t.Errorf("got nil error registering the metrics twice, want a registration error")
	}
}
