package monitor

import (
	"testing"
	"time"
)

// TestFrontFinal: the latest final minute of a service whose check runs
// here and at us-east (settling 12 s after a minute: a 10 s timeout and
// writeSlack), judged at 10:10:30 with a settle of 2 min. By the
// collector's own evidence it is 10:09; a live agent that is caught up
// changes nothing, one whose watermark lags holds it back to the minute
// its evidence covers, but never beyond the settle (10:07); a location
// without a live agent is not waited for; with no word from the store the
// whole settle is waited.
func TestFrontFinal(t *testing.T) {
	day := func(h, m, s int) time.Time { return time.Date(2026, 11, 27, h, m, s, 0, time.UTC) }
	now := day(10, 10, 30)
	withAgent := timing{settle: 12 * time.Second, agents: []string{"us-east"}}
	tests := []struct {
		name    string
		t       timing
		through map[string]time.Time
		settle  time.Duration
		unknown bool
		want    time.Time
	}{
		{"no agent location", timing{settle: 12 * time.Second}, nil, 2 * time.Minute, false, day(10, 9, 0)},
		{"agent caught up", withAgent, map[string]time.Time{"us-east": day(10, 10, 29)}, 2 * time.Minute, false, day(10, 9, 0)},
		{"agent lagging a minute", withAgent, map[string]time.Time{"us-east": day(10, 9, 30)}, 2 * time.Minute, false, day(10, 8, 0)},
		{"agent's evidence just through 10:09", withAgent, map[string]time.Time{"us-east": day(10, 10, 10)}, 2 * time.Minute, false, day(10, 9, 0)},
		{"agent's evidence just short of 10:09", withAgent, map[string]time.Time{"us-east": day(10, 10, 9)}, 2 * time.Minute, false, day(10, 8, 0)},
		{"agent far behind: the settle bounds the wait", withAgent, map[string]time.Time{"us-east": day(10, 1, 0)}, 2 * time.Minute, false, day(10, 7, 0)},
		{"live agent that delivered nothing yet", withAgent, map[string]time.Time{"us-east": {}}, 2 * time.Minute, false, day(10, 7, 0)},
		{"agent not live: not waited for", withAgent, map[string]time.Time{"eu-west": day(10, 1, 0)}, 2 * time.Minute, false, day(10, 9, 0)},
		{"store unreadable: the whole settle", withAgent, nil, 2 * time.Minute, true, day(10, 7, 0)},
		{"settle 0: agents are not waited for", withAgent, map[string]time.Time{"us-east": day(10, 1, 0)}, 0, false, day(10, 9, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := front{through: tc.through, settle: tc.settle, unknown: tc.unknown}
			if got := f.final(now, tc.t); !got.Equal(tc.want) {
				t.Errorf("got %s, want %s", got.Format("15:04:05"), tc.want.Format("15:04:05"))
			}
		})
	}
}
