package backup

import (
	"testing"
	"time"
)

func TestDue(t *testing.T) {
	// Wednesday 2026-03-11 14:20 UTC.
	now := time.Date(2026, 3, 11, 14, 20, 0, 0, time.UTC)
	good := func(level string, at time.Time) Backup { return Backup{Level: level, Time: at, Good: true} }
	cases := []struct {
		name  string
		bs    []Backup
		level string
		want  bool
	}{
		{"no backup at all", nil, Hourly, true},
		{"a good one this hour", []Backup{good(Hourly, now.Add(-19*time.Minute))}, Hourly, false},
		{"the last one was last hour", []Backup{good(Hourly, now.Add(-21*time.Minute))}, Hourly, true},
		{"this hour's was not good", []Backup{{Level: Hourly, Time: now.Add(-time.Minute)}}, Hourly, true},
		{"another level's does not count", []Backup{good(Daily, now.Add(-time.Minute))}, Hourly, true},
		{"a good one today", []Backup{good(Daily, time.Date(2026, 3, 11, 0, 0, 5, 0, time.UTC))}, Daily, false},
		{"yesterday's", []Backup{good(Daily, time.Date(2026, 3, 10, 23, 59, 0, 0, time.UTC))}, Daily, true},
		{"one since Monday", []Backup{good(Weekly, time.Date(2026, 3, 9, 0, 1, 0, 0, time.UTC))}, Weekly, false},
		{"last Sunday's", []Backup{good(Weekly, time.Date(2026, 3, 8, 23, 0, 0, 0, time.UTC))}, Weekly, true},
		{"an unknown level is never due", nil, "monthly", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Due(tc.bs, tc.level, now); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	// Sunday night belongs to the week that began on Monday.
	sunday := time.Date(2026, 3, 15, 23, 0, 0, 0, time.UTC)
	if got, want := PeriodStart(Weekly, sunday), time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("week of %v starts %v, want %v", sunday, got, want)
	}
}
