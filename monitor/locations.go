package monitor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/sla"
)

// A declared location that stops reporting leaves the minutes of its
// checks unknown: coverage drops, and the contracts' periods are flagged
// in the end. The location-silence alert says so while it happens, and
// names the location, so someone restarts the agent before the evidence
// of a whole period is thin.

// silenceFactor is how many of its checks' intervals a location may go
// without reporting before it is called silent: one late run is not
// silence, three missed in a row are.
const silenceFactor = 3

// silenceLookback is how far back the job reads each check's minutes to
// find where it was last reported. A location whose checks nobody has
// reported for longer is not raised anew after a restart (the coverage
// alert and the heartbeat still speak for it); one already raised stays
// raised until it reports.
const silenceLookback = 24 * time.Hour

// locationReport is what the evidence says of one declared location at
// some time.
type locationReport struct {
	Location catalog.Location
	Checks   []string // the checks it runs
	// Window is silenceFactor times the shortest interval of its checks:
	// a location that runs at all reports its fastest check that often.
	Window time.Duration
	// Last is the end of the latest minute in which it reported any of
	// its checks within the lookback; zero if it reported none. A run in
	// that minute may have come as late as Last, so silence is counted
	// from there.
	Last time.Time
	// First is the end of the earliest minute in which any of its checks
	// was reported, from any location, within the lookback; zero if none
	// was.
	First time.Time
}

// Reporting reports whether the location reported within its window at
// now.
func (r locationReport) Reporting(now time.Time) bool {
	return !r.Last.IsZero() && now.Sub(r.Last) <= r.Window
}

// Expected reports whether the location should have reported within its
// window at now: one of its checks was being probed, from wherever,
// before the window began. A fresh start, before any check ran, expects
// nothing.
func (r locationReport) Expected(now time.Time) bool {
	return !r.First.IsZero() && now.Sub(r.First) > r.Window
}

// locationReports reads, for every declared location that runs checks,
// when the evidence last heard from it and when its checks were first
// heard of at all, within the lookback before now. intervals are the
// checks' probe intervals by ID; a check without one is left out.
func locationReports(ctx context.Context, h credit.History, cat *catalog.Catalog, intervals map[string]time.Duration, now time.Time) ([]locationReport, error) {
	end := now.Truncate(time.Minute).Add(time.Minute) // the current minute included
	reports := make([]locationReport, 0, len(cat.Locations))
	at := map[string]int{}
	for _, l := range cat.Locations {
		at[l.ID] = len(reports)
		reports = append(reports, locationReport{Location: l})
	}
	for _, ch := range cat.Checks {
		iv := intervals[ch.ID]
		if iv <= 0 {
			continue
		}
		var mine []*locationReport // the reports of the locations ch runs at
		for _, l := range cat.CheckLocations(ch) {
			if i, ok := at[l]; ok {
				r := &reports[i]
				r.Checks = append(r.Checks, ch.ID)
				if r.Window == 0 || silenceFactor*iv < r.Window {
					r.Window = silenceFactor * iv
				}
				mine = append(mine, r)
			}
		}
		rh, err := h.MinuteRuns(ctx, ch.ID, end.Add(-silenceLookback), end)
		if errors.Is(err, sla.ErrNoEvidence) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("location silence: %w", err)
		}
		for j, l := range rh.Locations {
			first, last, ok := reportedSpan(rh.Start, rh.Runs[j])
			if !ok {
				continue
			}
			for _, r := range mine {
				if r.First.IsZero() || first.Before(r.First) {
					r.First = first
				}
				if r.Location.ID == l && last.After(r.Last) {
					r.Last = last
				}
			}
		}
	}
	out := reports[:0]
	for _, r := range reports {
		if len(r.Checks) > 0 {
			out = append(out, r)
		}
	}
	return out, nil
}

// reportedSpan is the end of the first and of the last minute with runs in
// one location's run list starting at start; ok is false when it has
// none.
func reportedSpan(start time.Time, runs []sla.MinuteRun) (first, last time.Time, ok bool) {
	m := 0
	for _, r := range runs {
		if r.Minute.Runs() > 0 {
			if !ok {
				first, ok = start.Add(time.Duration(m+1)*time.Minute), true
			}
			last = start.Add(time.Duration(m+r.Count) * time.Minute)
		}
		m += r.Count
	}
	return first, last, ok
}

// LocationSilence is the location-silence job: it raises an alert for
// each declared location that has reported none of its checks for longer
// than silenceFactor times the shortest of their intervals while they were
// being probed, and resolves it once the location reports again. Whether
// a location's alert fires is read from the outbox (the last alert
// enqueued under its key) at the first look and whenever this process
// becomes the leader again: a leader that took over, or a restarted one,
// resolves what another raised and does not raise again what fires
// already.
func (a *Monitor) LocationSilence(ctx context.Context, now time.Time) error {
	cfg := a.cfg.Load()
	intervals := checkIntervals(&cfg.Catalog)
	reports, err := locationReports(ctx, a.store, &cfg.Catalog, intervals, now)
	if err != nil {
		return err
	}
	var errs []error
	watched := map[string]bool{}
	for _, r := range reports {
		key := locationKey + r.Location.ID
		watched[key] = true
		a.burnMu.Lock()
		firing, err := a.pagedByKey(ctx, key)
		a.burnMu.Unlock()
		if err != nil {
			errs = append(errs, fmt.Errorf("location silence %s: %w", key, err))
			continue
		}
		switch {
		case r.Reporting(now):
			firing = false
		case r.Expected(now):
			firing = true
		} // otherwise nothing is known: what fires keeps firing
		if err := a.raiseLocation(ctx, key, r, firing, now); err != nil {
			errs = append(errs, err)
		}
	}
	// A location that a reload removed, or left without checks, while it
	// was silent: nothing is expected of it any more.
	a.burnMu.Lock()
	var gone []string
	for key, firing := range a.burning {
		if firing && strings.HasPrefix(key, locationKey) && !watched[key] {
			gone = append(gone, key)
		}
	}
	a.burnMu.Unlock()
	for _, key := range gone {
		r := locationReport{Location: catalog.Location{ID: strings.TrimPrefix(key, locationKey)}}
		if err := a.raiseLocation(ctx, key, r, false, now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// locationKey prefixes the dedup key of a location's silence alert.
const locationKey = "location/"

// raiseLocation enqueues a trigger or a resolve of the location's silence
// when firing differs from what was last sent.
func (a *Monitor) raiseLocation(ctx context.Context, key string, r locationReport, firing bool, now time.Time) error {
	a.burnMu.Lock()
	defer a.burnMu.Unlock()
	if firing == a.burning[key] {
		return nil
	}
	name := r.Location.ID
	if r.Location.Name != "" && r.Location.Name != r.Location.ID {
		name += " (" + r.Location.Name + ")"
	}
	e := alert.Event{DedupKey: key, Kind: alert.KindTrigger, Severity: alert.SeverityError, Time: now,
		Title: "slate: location " + name + " silent"}
	if firing {
		since := "has reported none of its checks in the last " + silenceLookback.String()
		if !r.Last.IsZero() {
			since = fmt.Sprintf("has reported none of its checks since %s (%s ago)", r.Last.UTC().Format(time.RFC3339), now.Sub(r.Last).Round(time.Second))
		}
		e.Body = fmt.Sprintf("%s %s, longer than %d runs of its most frequent check (%s). While it is silent, the minutes of its checks (%s) lack its evidence and may be unknown: coverage drops.",
			r.Location.ID, since, silenceFactor, r.Window, strings.Join(r.Checks, ", "))
	} else {
		e.Kind, e.Title = alert.KindResolve, "slate: location "+name+" reporting again"
		if len(r.Checks) == 0 {
			e.Title = "slate: location " + name + " no longer runs checks"
		}
	}
	as, err := alert.Alerts(e, Router(a.cfg.Load()).Route(e))
	if err == nil {
		err = a.store.Enqueue(ctx, as)
	}
	if err != nil {
		return fmt.Errorf("location %s: %w", r.Location.ID, err)
	}
	a.burning[key] = firing
	return nil
}

// checkIntervals are the checks' intervals by check ID. They come from the
// catalogue: the running configuration no longer holds the probe
// definitions.
func checkIntervals(cat *catalog.Catalog) map[string]time.Duration {
	intervals := make(map[string]time.Duration, len(cat.Checks))
	for _, c := range cat.Checks {
		intervals[c.ID] = c.Interval
	}
	return intervals
}
