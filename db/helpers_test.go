package db_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/db/dbtest"
	"github.com/slatehq/slate/sla"
)

// at returns a fixed UTC instant, 10:00 on a Friday plus min minutes and sec
// seconds, that the tests build their results around.
func at(min, sec int) time.Time {
	return time.Date(2026, 11, 27, 10, min, sec, 0, time.UTC)
}

// fixedNow is a clock for Options.Now near at(0, 0), so raw retention
// covers every result the tests write.
func fixedNow() time.Time { return at(60, 0) }

func openDB(t *testing.T) *db.DB {
	t.Helper()
	return dbtest.OpenOptions(t, db.Options{Now: fixedNow})
}

func run(check, loc string, at time.Time, ok bool) sla.Result {
	r := sla.Result{CheckID: check, Location: loc, At: at, OK: ok, Latency: 1500 * time.Microsecond}
	if !ok {
		r.Class = sla.ClassTimeout
		r.Detail = "no answer within 5s"
	}
	return r
}

func write(t *testing.T, d *db.DB, rs ...sla.Result) {
	t.Helper()
	if err := d.WriteResults(context.Background(), rs); err != nil {
		t.Fatalf("write results: %v", err)
	}
}

// fold computes the expected minute history of rs the slow way: sort by
// time, then add each run to its minute and location.
func fold(rs []sla.Result) map[string]map[int64]sla.LocationMinute {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b sla.Result) int { return a.At.Compare(b.At) })
	out := map[string]map[int64]sla.LocationMinute{}
	for _, r := range rs {
		if out[r.Location] == nil {
			out[r.Location] = map[int64]sla.LocationMinute{}
		}
		minute := r.At.Truncate(time.Minute).UnixMilli()
		m := out[r.Location][minute]
		m.Add(r.OK)
		out[r.Location][minute] = m
	}
	return out
}

// diffHistory lists the differences between h and the folded runs want.
func diffHistory(h db.History, want map[string]map[int64]sla.LocationMinute) string {
	var b strings.Builder
	seen := map[string]bool{}
	for j, loc := range h.Locations {
		seen[loc] = true
		for i, row := range h.Minutes {
			minute := h.Start.Add(time.Duration(i) * time.Minute).UnixMilli()
			if got, w := row[j], want[loc][minute]; got != w {
				b.WriteString(time.UnixMilli(minute).UTC().Format("15:04 ") + loc + ": got " + fmtMinute(got) + ", want " + fmtMinute(w) + "\n")
			}
		}
	}
	for loc := range want {
		if !seen[loc] {
			b.WriteString("location " + loc + " missing\n")
		}
	}
	return b.String()
}

func fmtMinute(m sla.LocationMinute) string { return fmt.Sprintf("%+v", m) }

func dbtestOpen(t *testing.T, opts db.Options) *db.DB {
	t.Helper()
	return dbtest.OpenOptions(t, opts)
}
