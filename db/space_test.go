package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/slatehq/slate/db/dbtest"
	"github.com/slatehq/slate/sla"
)

func TestSpaceAttributesBytesToResultsAndHistory(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var rs []sla.Result
	for c := range 200 {
		for i := range 30 {
			rs = append(rs, sla.Result{CheckID: fmt.Sprintf("c%d", c), At: start.Add(time.Duration(i) * 10 * time.Second), OK: i%50 != 0, Latency: time.Millisecond})
		}
	}
	if err := d.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	before, err := d.Space(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if before.Rows.Results != 6000 || before.Rows.Days != 200 {
		t.Fatalf("rows: got %d results and %d check-days, want 6000 and 200", before.Rows.Results, before.Rows.Days)
	}
	if before.Results <= 0 || before.History <= 0 || before.HistoryData <= 0 || before.Total < before.Results+before.History {
		t.Fatalf("space %+v: each kind must take room, and the parts fit in the whole", before)
	}
	// Measuring changes nothing: the live database still has every row.
	got, err := d.LatestResults(ctx, "c3", 1000)
	if err != nil || len(got) != 30 {
		t.Fatalf("after measuring: %d results of c3, %v", len(got), err)
	}
	// More results take more room in the results share only.
	for i := range rs {
		rs[i].At = rs[i].At.Add(10 * time.Minute)
	}
	if err := d.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	after, err := d.Space(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Rows.Results != 12000 || after.Rows.Days != 200 || after.Results <= before.Results {
		t.Fatalf("after doubling results: %+v, before %+v", after, before)
	}
}
