package monitor

import (
	"context"
	"sync"
	"time"

	"github.com/slatehq/slate/sla"
)

// arrivalStore is the monitor's store as writers of results (the
// collector, a harness feeding results) use it: once results are
// committed, detection hears which checks they were for.
type arrivalStore struct {
	Store
	arrived *arrivals
}

// WriteResults stores rs and, once they are committed, notes their checks
// for detection.
func (s arrivalStore) WriteResults(ctx context.Context, rs []sla.Result) error {
	if err := s.Store.WriteResults(ctx, rs); err != nil {
		return err
	}
	s.arrived.note(rs)
	return nil
}

// arrivals are the checks with results committed since detection last
// looked; safe for concurrent use.
type arrivals struct {
	mu     sync.Mutex
	checks map[string]bool
	wake   chan struct{} // holds one token while checks is not empty
}

func newArrivals() *arrivals {
	return &arrivals{checks: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// note records the checks of rs and wakes detection.
func (r *arrivals) note(rs []sla.Result) {
	if len(rs) == 0 {
		return
	}
	r.mu.Lock()
	for _, res := range rs {
		r.checks[res.CheckID] = true
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// take returns the checks noted since the last take and forgets them.
func (r *arrivals) take() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.checks
	r.checks = map[string]bool{}
	return out
}

// DefaultDetectEvery is how often detection looks for minutes that became
// final without new evidence, when Options.DetectEvery is zero.
const DefaultDetectEvery = time.Second

// detectLoop is detection on arrival: it judges the services of the checks
// whose results were just committed, and, every few moments, every
// service with a minute that became final since it was last judged
// (minutes become final as time passes, with or without evidence). It
// runs until ctx ends.
func (a *Monitor) detectLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		var pick func(service string, checks map[string]bool, final time.Time) bool
		select {
		case <-ctx.Done():
			return
		case <-a.arrived.wake:
			arrived := a.arrived.take()
			pick = func(_ string, checks map[string]bool, _ time.Time) bool {
				for id := range checks {
					if arrived[id] {
						return true
					}
				}
				return false
			}
		case <-t.C:
			pick = func(service string, _ map[string]bool, final time.Time) bool {
				return final.After(a.detector.Progress(service).Judged)
			}
		}
		lctx, done, ok := a.asLeader(ctx)
		if !ok {
			continue // the leader detects; a new one resumes from the store
		}
		if err := a.detect(lctx, a.now(), pick); err != nil && lctx.Err() == nil {
			a.log.Error("detection", "err", err)
		}
		done()
	}
}
