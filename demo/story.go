package demo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/sla"
)

// The story: what happened before the demo starts. It is a pure function
// of the configuration and the generation time, so a reused store's story
// is rebuilt exactly, and tests derive what they expect from it.

// demoSpan is a stretch of minutes [Start, End) in which a check was down
// or degraded. Every other minute of the history is up.
type demoSpan struct {
	Check      string
	State      sla.State // sla.StateDown or sla.StateDegraded
	Start, End time.Time
}

// demoIncident is an incident of the story as slate would have recorded
// it: the detector's entries and people's updates, statuses filled in.
type demoIncident struct {
	Service    string
	Severity   incident.Severity
	Tenants    []string
	Started    time.Time // the first failing minute
	Ended      time.Time // the first minute of the recovery
	Timeline   []incident.Entry
	Postmortem *demoPostmortem // nil for none
}

// Status is where the incident ends up.
func (i demoIncident) Status() incident.Status { return i.Timeline[len(i.Timeline)-1].Status }

// demoPostmortem is a post-mortem written, saved and published at At. Its
// markdown is incident.Template's, with these sections filled in.
type demoPostmortem struct {
	At                                          time.Time
	Author                                      string
	Summary, RootCause, Resolution, ActionItems string
}

// demoMaintenance is a window announced at Announced by Actor.
type demoMaintenance struct {
	Services              []string
	Title                 string
	Start, End, Announced time.Time
	Actor                 string
}

// demoStory is everything the demo writes into a new store.
type demoStory struct {
	Now         time.Time // the history ends here (exclusive), on a minute
	Start       time.Time // the history begins here, a UTC midnight
	Spans       []demoSpan
	Incidents   []demoIncident // by start
	Maintenance []demoMaintenance
	// Approver names, by contract ID, the account manager who approves
	// that contract's closed periods; the others' stay computed, or are
	// issued at close when the contract says auto_issue.
	Approver map[string]string
}

// demoPhase is one stretch of an outage in one state.
type demoPhase struct {
	State      sla.State
	Start, End time.Time
}

// outage records a service's failing phases (contiguous, in time order) as
// spans of its checks and as the incident slate opens on them, with the
// detector's entries and people's notes.
func (s *demoStory) outage(cfg *config.Config, service string, sev incident.Severity, phases []demoPhase, notes ...incident.Entry) *demoIncident {
	var checks []string
	for _, c := range cfg.Checks {
		if c.Service == service {
			checks = append(checks, c.ID)
		}
	}
	var failing []string
	for _, c := range checks {
		failing = append(failing, c+"@"+cfg.Collector.Location)
	}
	inc := demoIncident{Service: service, Severity: sev, Started: phases[0].Start, Ended: phases[len(phases)-1].End}
	inc.Tenants = cfg.IncidentTenants(service, []string{""}) // the shared checks fail
	for i, p := range phases {
		for _, c := range checks {
			s.Spans = append(s.Spans, demoSpan{Check: c, State: p.State, Start: p.Start, End: p.End})
		}
		// The detector's words, as it writes them.
		e := incident.Entry{At: p.Start, Kind: incident.KindDegraded, Body: service + " is down again"}
		switch {
		case i == 0:
			what := " is down"
			if p.State == sla.StateDegraded {
				what = " is degraded"
			}
			e = incident.Entry{At: p.Start, Kind: incident.KindDetected, Body: service + what + ": failing from " + strings.Join(failing, ", ")}
		case p.State == sla.StateDegraded:
			e.Body = service + " is degraded: partly working"
		}
		inc.Timeline = append(inc.Timeline, e)
	}
	inc.Timeline = append(inc.Timeline, incident.Entry{At: inc.Ended, Kind: incident.KindRecovered,
		Body: service + " recovered; recovery held " + incident.DefaultHold.String()})
	inc.Timeline = append(inc.Timeline, notes...)
	slices.SortStableFunc(inc.Timeline, func(a, b incident.Entry) int { return a.At.Compare(b.At) })
	status := incident.Investigating
	for i := range inc.Timeline {
		e := &inc.Timeline[i]
		switch e.Kind {
		case incident.KindUpdate:
			status = e.Status
		case incident.KindRecovered:
			status = incident.Resolved
		}
		e.Status = status
	}
	s.Incidents = append(s.Incidents, inc)
	return &s.Incidents[len(s.Incidents)-1]
}

// note is a person's update for outage.
func note(at time.Time, status incident.Status, author, body string) incident.Entry {
	return incident.Entry{At: at, Kind: incident.KindUpdate, Status: status, Author: author, Body: body}
}

// buildDemoStory writes the story for a store generated at now: three
// outages modelled on real ones (a messenger's week without sign-in;
// hosted mail's bad fortnight with two outages; a phone sync outage that
// lost people's contacts, restored from backups), maintenance, and who
// approves which credits.
func buildDemoStory(cfg *config.Config, now time.Time) demoStory {
	now = now.UTC().Truncate(time.Minute)
	d0 := now.Truncate(24 * time.Hour) // today, UTC midnight
	day := storyDays(d0)
	s := demoStory{Now: now, Start: d0.AddDate(0, 0, -(monitor.BarDays - 1)), Approver: map[string]string{}}
	// The history reaches back to the start of every contract's last
	// closed period, so that each closes on full evidence.
	for _, sc := range credit.Schedules(&cfg.Catalog) {
		if st := sc.LastClosed(now).Start.UTC().Truncate(24 * time.Hour); st.Before(s.Start) {
			s.Start = st
		}
	}
	s.messengerOutage(cfg, day)
	s.mailFortnight(cfg, now, d0)
	s.syncOutage(cfg, day)

	// Maintenance announced for the day after tomorrow.
	s.Maintenance = append(s.Maintenance, demoMaintenance{Services: []string{"mail-imap", "mail-webmail"}, Title: "Mailbox storage upgrade",
		Start: day(-2, 1, 0), End: day(-2, 3, 0), Announced: day(3, 10, 0), Actor: mailLead})

	slices.SortStableFunc(s.Incidents, func(a, b demoIncident) int { return a.Started.Compare(b.Started) })
	for _, c := range cfg.Contracts {
		if c.ID == "brightwater-messenger" {
			s.Approver[c.ID] = manager
		}
	}
	return s
}

// The people of the story.
const (
	oncall   = "Dana Okafor (on-call)"
	mail     = "Tomás Reyes (mail team)"
	mailLead = "Ines Bauer (head of mail)"
	syncer   = "Lena Marsh (sync team)"
	manager  = "Sam Whitfield (account manager)"
)

// Shorthands of the story: statuses and failing states.
const (
	I, D, M, R = incident.Investigating, incident.Identified, incident.Monitoring, incident.Resolved
	down, slow = sla.StateDown, sla.StateDegraded
)

// storyDays gives the instant h:m UTC, ago days before d0.
func storyDays(d0 time.Time) func(ago, h, m int) time.Time {
	return func(ago, h, m int) time.Time {
		return d0.AddDate(0, 0, -ago).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
}

// date writes a day as the story's notes do: "2 January".
func date(t time.Time) string { return t.Format("2 January") }

// messengerOutage: 52 to 47 days ago a schema migration leaves the
// account database rebuilding its indexes; sign-in and the contact lists
// that read through it fail for most of a week, and a fix makes it worse
// for an afternoon.
func (s *demoStory) messengerOutage(cfg *config.Config, day func(ago, h, m int) time.Time) {
	s.outage(cfg, "messenger-login", incident.Critical, []demoPhase{
		{down, day(52, 8, 40), day(50, 11, 15)},
		{slow, day(50, 11, 15), day(48, 9, 30)},
		{down, day(48, 9, 30), day(48, 15, 50)},
		{slow, day(48, 15, 50), day(47, 16, 20)},
	},
		note(day(52, 9, 5), I, oncall, `Sign-in to Messenger fails for most people with "service unavailable". Messages already on your devices are safe. We are investigating.`),
		note(day(52, 12, 30), D, oncall, "The account database is rebuilding its indexes after this morning's schema migration, and sign-in requests time out behind the rebuild. We are slowing the rebuild so that sign-in gets through."),
		note(day(51, 10, 0), D, oncall, "Sign-in still fails for most people. Rolling the migration back would lose the accounts created since, so we are finishing the rebuild on added hardware. Next update by 18:00 UTC."),
		note(day(50, 12, 0), M, oncall, "About two thirds of sign-ins succeed again. Contact lists still load slowly or empty; see that incident."),
		note(day(48, 9, 55), D, oncall, "A fix deployed at 09:25 UTC made the account database refuse new connections. It is rolled back, and sign-in is recovering to where it was this morning."),
		note(day(47, 10, 0), M, oncall, "The rebuild has finished and sign-in succeeds for almost everyone. We are watching error rates before we call this resolved."),
		note(day(47, 17, 30), R, oncall, "Sign-in has worked normally since 16:20 UTC on "+date(day(47, 0, 0))+". We are sorry: for five days many of you could not reach your messages. Credits for the month follow from these minutes."),
	)
	s.outage(cfg, "messenger-contacts", incident.Critical, []demoPhase{
		{down, day(52, 8, 52), day(49, 6, 10)},
		{slow, day(49, 6, 10), day(47, 14, 5)},
	},
		note(day(52, 9, 20), I, oncall, "Contact lists do not load after sign-in, or load empty. Your contacts are not lost: the list store cannot be reached while the account database rebuilds."),
		note(day(51, 10, 5), D, oncall, "The contact-list store reads every list through the account database, which is rebuilding its indexes (see the sign-in incident). Lists come back as the rebuild advances."),
		note(day(49, 7, 0), M, oncall, "Lists load again for most people, slowly at peak times."),
		note(day(47, 15, 0), R, oncall, "Contact lists load normally again."),
	)

}

// mailFortnight: a fortnight of slow webmail while mailboxes move off a
// slow storage cluster, an SMTP outage in it, and the cluster that took the
// load failing for nine and a half hours, with a published post-mortem.
func (s *demoStory) mailFortnight(cfg *config.Config, now, d0 time.Time) {
	end := d0.AddDate(0, 0, -20)
	for _, sc := range credit.Schedules(&cfg.Catalog) {
		if k, _ := cfg.Contract(sc.Contract.ID); !slices.ContainsFunc(k.Services, func(s string) bool { return strings.HasPrefix(s, "mail-") }) {
			continue
		}
		if open := sc.LastClosed(now).End.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1); open.Before(end) {
			end = open
		}
	}
	f0 := end.AddDate(0, 0, -14)
	fd := func(n, h, m int) time.Time {
		return f0.AddDate(0, 0, n).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	// Webmail stays slow (up, partly working) through IMAP's outage: its
	// pages load but open no mailbox, so those minutes are down on IMAP's
	// checks only, and IMAP's incident accounts for them.
	s.outage(cfg, "mail-webmail", incident.Major, []demoPhase{
		{slow, fd(0, 8, 15), fd(13, 17, 45)},
	},
		note(fd(0, 9, 0), I, mail, "Webmail is slow and some pages fail to load. IMAP and SMTP are not affected. We are investigating."),
		note(fd(0, 13, 30), D, mail, "One of the two mailbox storage clusters answers slowly since a disk firmware update. Webmail requests that reach it time out; we are moving its mailboxes to the other cluster."),
		note(fd(3, 10, 0), D, mail, "Moving the mailboxes takes longer than planned: a third are done. Webmail stays slow for some requests until the move is finished."),
		note(fd(9, 6, 40), D, mail, "Webmail loads but cannot open mailboxes while IMAP is down: the storage cluster that took over failed. Updates continue on the IMAP incident."),
		note(fd(9, 16, 0), D, mail, "Webmail opens mailboxes again and is back to the slow but working state it was in before this morning's IMAP outage."),
		note(fd(12, 11, 0), M, mail, "Every mailbox is on the healthy cluster. We are watching webmail's response times."),
		note(fd(13, 18, 30), R, mail, "Webmail has answered normally since 17:45 UTC. Credits for this fortnight's outages are issued automatically when the month closes."),
	)
	s.outage(cfg, "mail-smtp", incident.Critical, []demoPhase{{down, fd(4, 14, 5), fd(4, 17, 50)}},
		note(fd(4, 14, 20), I, mail, "Sending mail fails: SMTP submission refuses connections. Incoming mail is not affected."),
		note(fd(4, 15, 0), D, mail, "A certificate renewal left the submission servers without their TLS key, and they restart in a loop. We are restoring the key."),
		note(fd(4, 17, 30), M, mail, "SMTP accepts connections again. Messages that could not be sent may need sending again from your outbox."),
		note(fd(4, 18, 15), R, mail, "Outgoing mail has worked since 17:50 UTC."),
	)
	pmAt := fd(13, 10, 0)
	imap := s.outage(cfg, "mail-imap", incident.Critical, []demoPhase{{down, fd(9, 6, 10), fd(9, 15, 40)}},
		note(fd(9, 6, 25), I, mail, "IMAP refuses connections and webmail cannot load mailboxes. Mail sent to you is queued, not lost."),
		note(fd(9, 7, 50), D, mail, "The storage cluster that took the mailboxes moved off the slow one lost its quorum after a network partition, and it does not restart on its own."),
		note(fd(9, 11, 20), D, mail, "We are restarting the cluster from its last consistent state. Mailboxes will be back within hours, not days; queued mail is delivered afterwards."),
		note(fd(9, 15, 10), M, mail, "IMAP accepts connections again; queued mail is being delivered."),
		note(fd(9, 16, 30), R, mail, "IMAP has worked since 15:40 UTC and every queued message is delivered. A full post-mortem follows, and credits for this outage are issued without anyone having to ask."),
		note(pmAt, incident.Postmortem, mailLead, "The post-mortem is published below."),
	)
	imap.Postmortem = &demoPostmortem{At: pmAt, Author: mailLead,
		Summary: fmt.Sprintf("On %s IMAP was unavailable for 9 hours 30 minutes, from 06:10 to 15:40 UTC, and webmail could not open mailboxes, in a fortnight in which webmail was already slow. "+
			"Mail sent to our customers was queued and delivered once service returned: no message was lost.", date(fd(9, 0, 0))),
		RootCause: fmt.Sprintf("Mailboxes live on two storage clusters. A disk firmware update on %s made one of them slow, and we began moving its mailboxes to the other. "+
			"The move doubled the load on the second cluster. At 06:10 UTC a network partition between its nodes left no majority, and the cluster stopped serving rather than risk diverging copies. "+
			"It did not rejoin on its own, because the migration held locks on both sides.", date(f0)),
		Resolution: "We stopped the migration, released its locks and restarted the cluster from its last consistent state, taken at 06:09 UTC. " +
			"IMAP returned at 15:40 UTC, webmail opened mailboxes again, and the queue of incoming mail was delivered by 16:30 UTC.",
		ActionItems: "- Move mailboxes in small batches, with a load limit on the receiving cluster.\n" +
			"- Run the network partition drill on every storage cluster each quarter; this one had never been tested.\n" +
			"- Credits: every customer with a mail contract receives its credit, shown on its own status page, with the month's close, without asking for it.",
	}

}

// syncOutage: 13 to 8 days ago a storage migration leaves a replication
// job pointing at the old volume; three days later the sync database fails
// over to a stale copy, phones sync against it, and some address books are
// overwritten. They are restored from the nightly backups over two days.
func (s *demoStory) syncOutage(cfg *config.Config, day func(ago, h, m int) time.Time) {
	s.Maintenance = append(s.Maintenance, demoMaintenance{Services: []string{"sync-api", "sync-restore"}, Title: "Sync database storage migration",
		Start: day(13, 2, 0), End: day(13, 4, 0), Announced: day(20, 9, 0), Actor: syncer})
	s.outage(cfg, "sync-api", incident.Critical, []demoPhase{{down, day(10, 5, 20), day(10, 11, 45)}},
		note(day(10, 5, 40), I, syncer, "Phones cannot sync contacts and calendars. Changes made on a phone stay on it and sync later."),
		note(day(10, 7, 15), D, syncer, "After a storage fault the sync database failed over to a replica that was not up to date: the replication job moved in the storage migration of "+date(day(13, 0, 0))+" still copied from the old volume. We stopped sync to keep stale data off phones."),
		note(day(10, 11, 30), M, syncer, "Sync is back on a repaired database. Some address books were overwritten with older copies before sync stopped; see the backup restore incident."),
		note(day(10, 12, 15), R, syncer, "Sync has worked since 11:45 UTC."),
	)
	s.outage(cfg, "sync-restore", incident.Major, []demoPhase{
		{down, day(10, 11, 45), day(10, 12, 30)},
		{slow, day(10, 12, 30), day(8, 18, 0)},
	},
		note(day(10, 12, 0), I, syncer, "Some people find contacts missing or out of date after this morning's sync outage. Please do not delete and re-add contacts by hand: it makes restoring them harder."),
		note(day(10, 14, 0), D, syncer, "For about 4% of accounts a phone synced against the stale database and replaced its address book with an older copy. The nightly backups taken at 02:00 UTC are intact, and we are restoring the affected accounts from them, one by one. Restores requested in the app are queued behind ours and slow meanwhile."),
		note(day(9, 9, 0), M, syncer, "Address books are restored for 70% of the affected accounts. Restored contacts appear on a phone at its next sync."),
		note(day(8, 18, 30), R, syncer, "Every affected account is restored from the 02:00 UTC backup. Contacts added or changed between 02:00 and 05:20 UTC on "+date(day(10, 0, 0))+" were not in that backup; those accounts have a note in the app listing what was restored. Restores in the app are fast again."),
	)

}

// history is check c's minute history in the story, from Start to the end
// of Now's UTC day, the same at each of locations: up minutes, the spans'
// down and degraded ones, and no data after Now. A degraded minute is one
// failed run among passing ones, so it needs at least three runs a minute.
func (s demoStory) history(c collector.Check, locations []string) (sla.RunHistory, error) {
	known := int(s.Now.Sub(s.Start) / time.Minute)
	total := int(s.Now.Truncate(24*time.Hour).AddDate(0, 0, 1).Sub(s.Start) / time.Minute)
	states := make([]sla.State, known)
	for i := range states {
		states[i] = sla.StateUp
	}
	for _, sp := range s.Spans {
		if sp.Check != c.ID {
			continue
		}
		lo := max(0, int(sp.Start.Sub(s.Start)/time.Minute))
		hi := min(known, int(sp.End.Sub(s.Start)/time.Minute))
		for m := lo; m < hi; m++ {
			states[m] = sp.State
		}
	}
	r := uint8(min(255, max(1, int(time.Minute/c.Interval))))
	minute := func(st sla.State) (sla.LocationMinute, error) {
		switch st {
		case sla.StateDown:
			return sla.LocationMinute{Fail: r, Lead: r, Trail: r, MaxRun: r}, nil
		case sla.StateDegraded:
			if r < 3 {
				return sla.LocationMinute{}, fmt.Errorf("check %s runs %d times a minute: too few for a degraded minute", c.ID, r)
			}
			return sla.LocationMinute{OK: r - 1, Fail: 1, MaxRun: 1}, nil // the failure between two passing runs
		}
		return sla.LocationMinute{OK: r}, nil
	}
	var runs []sla.MinuteRun
	for m := 0; m < known; {
		k := m
		for k < known && states[k] == states[m] {
			k++
		}
		lm, err := minute(states[m])
		if err != nil {
			return sla.RunHistory{}, err
		}
		runs = append(runs, sla.MinuteRun{Count: k - m, Minute: lm})
		m = k
	}
	if total > known {
		runs = append(runs, sla.MinuteRun{Count: total - known})
	}
	h := sla.RunHistory{Start: s.Start, Minutes: total, Locations: slices.Sorted(slices.Values(locations))}
	for range h.Locations {
		h.Runs = append(h.Runs, runs)
	}
	return h, nil
}

// seedClock is the store's clock while the story is written: each event
// is stamped with the time it happened in the story.
type seedClock struct{ ns atomic.Int64 }

func (c *seedClock) Now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *seedClock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// seedEvent is one write of the story, at its time.
type seedEvent struct {
	at   time.Time
	what string
	do   func(context.Context) error
}

// seedDemo writes story into a new store at cfg.Storage.Path: the minute
// history of every check, then, in time order and stamped with their
// times, the incidents' saves, the maintenance announcements, the
// post-mortem, each closed period's close and the approvals.
func seedDemo(ctx context.Context, cfg *config.Config, story demoStory) (err error) {
	var clock seedClock
	clock.Set(story.Start)
	store, err := db.Open(cfg.Storage.Path, db.Options{Now: clock.Now})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := store.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err := importHistories(ctx, store, cfg, story); err != nil {
		return err
	}
	var events []seedEvent
	add := func(at time.Time, what string, do func(context.Context) error) {
		events = append(events, seedEvent{at, what, do})
	}
	for _, m := range story.Maintenance {
		add(m.Announced, "announce "+m.Title, func(ctx context.Context) error {
			_, err := store.AddMaintenance(ctx, db.Maintenance{Services: m.Services, Title: m.Title, Start: m.Start, End: m.End}, m.Actor)
			return err
		})
	}
	for i := range story.Incidents {
		si := &story.Incidents[i]
		rec := &db.Incident{Incident: incident.Incident{Service: si.Service, Severity: si.Severity, Started: si.Started}, Tenants: si.Tenants}
		if pm := si.Postmortem; pm != nil {
			// Before the timeline's entry of the same time that announces it.
			add(pm.At, "post-mortem of "+si.Service, func(ctx context.Context) error {
				tmpl, err := monitor.PostmortemTemplate(ctx, store, &cfg.Catalog, *rec, pm.At)
				if err != nil {
					return err
				}
				md := demoPostmortemMarkdown(tmpl, *pm)
				v, err := store.SavePostmortem(ctx, rec.ID, md, pm.Author)
				if err != nil {
					return err
				}
				return store.PublishPostmortem(ctx, rec.ID, v, pm.Author)
			})
		}
		var last time.Time
		for k, e := range si.Timeline {
			at := e.At
			if e.Kind == incident.KindRecovered {
				at = at.Add(incident.DefaultHold) // the detector sees the recovery once it held
			}
			at = later(at, last)
			last = at
			actor := cmp.Or(e.Author, "slate/detector")
			add(at, "incident of "+si.Service, func(ctx context.Context) error {
				rec.Timeline = slices.Clone(si.Timeline[:k+1])
				rec.Status = e.Status
				if e.Status == incident.Resolved || e.Status == incident.Postmortem {
					rec.Ended = si.Ended
				}
				_, err := store.SaveIncident(ctx, rec, actor)
				return err
			})
		}
	}
	for i, sc := range credit.Schedules(&cfg.Catalog) {
		for p := sc.PeriodAt(story.Start); ; p = sc.PeriodAt(p.End) {
			if p.Start.Before(story.Start) {
				continue // the history does not cover it
			}
			closeAt := p.End.Add(sc.Grace)
			if closeAt.After(story.Now) {
				break
			}
			add(closeAt, "close "+sc.Contract.ID+" "+p.String(), func(ctx context.Context) error {
				withMaint, err := monitor.WithStoredMaintenance(ctx, &cfg.Catalog, store)
				if err != nil {
					return err
				}
				_, err = credit.CloseDue(ctx, store, monitor.Ledger{Store: store, Actor: "slate/close"}, []credit.Schedule{credit.Schedules(withMaint)[i]}, closeAt)
				return err
			})
			approver := story.Approver[sc.Contract.ID]
			if approver == "" {
				continue
			}
			approveAt := closeAt.Add(50 * time.Hour)
			if approveAt.After(story.Now) {
				approveAt = story.Now
			}
			add(approveAt, "approve "+sc.Contract.ID+" "+p.String(), func(ctx context.Context) error {
				cs, err := store.Credits(ctx, db.CreditFilter{Contract: sc.Contract.ID, Period: p.String(), State: db.CreditComputed})
				if err != nil {
					return err
				}
				for _, c := range cs {
					if _, err := store.ApproveCredit(ctx, c.ID, approver); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}
	slices.SortStableFunc(events, func(a, b seedEvent) int { return a.at.Compare(b.at) })
	for _, ev := range events {
		clock.Set(ev.at)
		if err := ev.do(ctx); err != nil {
			return fmt.Errorf("%s at %s: %w", ev.what, ev.at.Format(time.RFC3339), err)
		}
	}
	return nil
}

// importHistories writes the story's minute history of every check, at
// each location the check runs at (every declared one when it names none).
func importHistories(ctx context.Context, store *db.DB, cfg *config.Config, story demoStory) error {
	for _, c := range cfg.Probes {
		locs := c.Locations
		if len(locs) == 0 {
			locs = cfg.Catalog.LocationIDs()
		}
		h, err := story.history(c, locs)
		if err != nil {
			return err
		}
		if err := store.ImportHistory(ctx, c.ID, h); err != nil {
			return err
		}
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// demoPostmortemMarkdown is md, slate's template, with its empty sections
// filled in from pm.
func demoPostmortemMarkdown(md string, pm demoPostmortem) string {
	for _, s := range []struct{ heading, text string }{
		{"## Summary\n", pm.Summary}, {"## Root cause\n", pm.RootCause},
		{"## Resolution\n", pm.Resolution}, {"## Action items\n", pm.ActionItems},
	} {
		md = strings.Replace(md, s.heading, s.heading+"\n"+s.text+"\n", 1)
	}
	return md
}
