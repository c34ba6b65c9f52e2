package minutes

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

func TestRunsRoundTripAndLength(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		fill func(*Day)
	}{
		{"empty day", func(*Day) {}},
		{"steady day", func(d *Day) {
			for i := range d {
				d[i] = sla.LocationMinute{OK: 6}
			}
		}},
		{"every minute differs", func(d *Day) {
			for i := range d {
				d[i] = sla.LocationMinute{OK: uint8(i % 7), Fail: uint8(i % 3)}
			}
		}},
		{"random outages", func(d *Day) {
			for i := range d {
				if r.IntN(50) == 0 {
					d[i] = sla.LocationMinute{Fail: 1, Lead: 1, Trail: 1, MaxRun: 1}
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var in, out Day
			tc.fill(&in)
			code := AppendRuns(nil, &in)
			n, err := RunsLen(append(code, 9, 9)) // trailing bytes are the next location's
			if err != nil || n != len(code) {
				t.Fatalf("RunsLen: got %d, %v; want %d", n, err, len(code))
			}
			Expand(code, &out)
			if in != out {
				t.Error("expanded day differs from the encoded one")
			}
			for cut := range len(code) {
				if _, err := RunsLen(code[:cut]); err == nil {
					t.Fatalf("RunsLen accepted the code cut to %d of %d bytes", cut, len(code))
				}
			}
		})
	}
}

func TestSpanRunsCoverTheRange(t *testing.T) {
	day := int64(20419)
	start := time.UnixMilli(day * MsPerDay).UTC()
	var d Day
	for i := 600; i < 660; i++ {
		d[i] = sla.LocationMinute{Fail: 1}
	}
	days := []LocDay{{Day: day, Location: "b", Runs: AppendRuns(nil, &d)}, {Day: day + 1, Location: "a", Runs: AppendRuns(nil, &d)}}
	sp, err := NewSpan("test", start.Add(599*time.Minute), start.Add(26*time.Hour+30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	h, rh := sp.History(days), sp.Runs(days)
	if len(h.Locations) != 2 || h.Locations[0] != "a" || rh.Minutes != sp.Count || len(h.Minutes) != sp.Count {
		t.Fatalf("got locations %v, %d minutes; want a, b and %d", h.Locations, rh.Minutes, sp.Count)
	}
	for j, runs := range rh.Runs {
		n := 0
		for _, run := range runs {
			for k := range run.Count {
				if h.Minutes[n+k][j] != run.Minute {
					t.Fatalf("location %s minute %d: runs say %+v, history %+v", h.Locations[j], n+k, run.Minute, h.Minutes[n+k][j])
				}
			}
			n += run.Count
		}
		if n != sp.Count {
			t.Errorf("location %s: runs cover %d minutes, want %d", h.Locations[j], n, sp.Count)
		}
	}
	if got := h.Minutes[1][1]; got.Fail != 1 { // minute 600 of day, location b
		t.Errorf("got %+v at 10:00 for b, want a failure", got)
	}
}

func TestNewSpanRefuses(t *testing.T) {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		from, to time.Time
	}{
		{"empty", at, at},
		{"backwards", at, at.Add(-time.Minute)},
		{"over 400 days", at, at.Add(401 * 24 * time.Hour)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewSpan("x", tc.from, tc.to); err == nil {
				t.Error("got nil, want an error")
			}
		})
	}
}
