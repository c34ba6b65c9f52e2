package monitor

import (
	"context"
	"time"
)

// front is how far the evidence of each live agent location is in, as
// detection reads it from the store (which every replica's ingest writes).
type front struct {
	// through holds the watermark of each location an agent holds a
	// lease on: the latest measurement time stored from it. An agent
	// ships its results oldest first, one batch at a time, so every run
	// that ended before that time is stored.
	through map[string]time.Time
	// settle bounds the wait for a lagging location (detection.settle).
	settle time.Duration
	// unknown is set when the store could not say: detection then waits
	// the whole settle.
	unknown bool
}

// final is the latest minute final at now for a service of timing t. A
// live agent location's evidence for a minute is in once its watermark
// has passed the minute's end by the timing's settle less writeSlack (the
// run started last in the minute, and those that confirm or break a
// streak ending in it, have ended and, shipped in order, are stored); a
// minute is final once every live location's evidence is in, or once
// settle has passed beyond the collector's own timing. A location without
// a live agent is not waited for: its silence is the silence alert's.
func (f front) final(now time.Time, t timing) time.Time {
	own := lastFinal(now, t)
	if len(t.agents) == 0 {
		return own
	}
	bound := lastFinal(now.Add(-f.settle), t)
	if f.unknown {
		return bound
	}
	final := own
	for _, l := range t.agents {
		if w, live := f.through[l]; live {
			if lf := lastFinal(w.Add(writeSlack), t); lf.Before(final) {
				final = lf
			}
		}
	}
	if final.Before(bound) {
		return bound
	}
	return final
}

// readFront reads the live agent locations' watermarks at now. A failure
// is logged and makes detection wait the whole settle.
func (a *Monitor) readFront(ctx context.Context, now time.Time) front {
	f := front{settle: a.cfg.Load().Detection.Settle, through: map[string]time.Time{}}
	states, err := a.store.LocationStates(ctx)
	if err != nil {
		a.log.Error("detection: location watermarks", "err", err)
		f.unknown = true
		return f
	}
	for _, s := range states {
		if s.Live(now) {
			f.through[s.Location] = s.CompleteThrough
		}
	}
	return f
}
