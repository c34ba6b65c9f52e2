package incident

import (
	"slices"
	"strings"
	"time"

	"github.com/slatehq/slate/sla"
)

// One incident per service holds what every check of the service showed:
// the shared checks and each tenant's own endpoint. Readers see it through
// View, which keeps of it what the checks they may read showed, so that a
// tenant never reads another tenant's check or times, and the public reads
// only what the shared checks showed.

// View is inc as a reader sees it who may read the checks sees accepts
// (sees(tenant) for a check measuring tenant, "" for a shared check), and
// whether that reader sees any of it. inc's entries must record their
// causes (Caused); the caller decides, by the tenants affected, who sees
// an incident that records none.
//
// For an incident detection opened, the reader's part begins at the first
// entry whose causes it may read, and ends where those causes stop
// failing: the view starts and ends there (a "recovered" entry marks the
// end), and opens again, "down again", if they fail later. Automatic
// entries are written again from the causes the reader may read alone:
// "failing: ..." when the failing checks it sees change, "degraded" when
// their state does. People's entries are kept while the reader's part goes
// on, and once the whole incident has ended; entries of unrecorded cause
// are left out.
//
// An incident people opened is the reader's from its start to its end, as
// people said; only the automatic entries are filtered as above.
//
// The severity stays the incident's: a share of every tenant of the
// service, an aggregate that names none.
func View(inc Incident, sees func(tenant string) bool) (Incident, bool) {
	w := viewer{inc: inc, sees: sees, people: OpenedByPeople(inc)}
	if w.people {
		w.open, w.started, w.status = true, inc.Started, inc.Timeline[0].Status
	}
	for _, e := range inc.Timeline {
		w.entry(e)
	}
	if w.started.IsZero() {
		return Incident{}, false
	}
	v := inc
	v.Started, v.Timeline, v.Failing = w.started, w.out, nil
	switch {
	case w.people:
		// People's status and end stand.
	case w.open:
		v.Status, v.Ended, v.Failing = w.status, time.Time{}, w.prev
	default:
		v.Status, v.Ended = w.status, w.ended
	}
	return v, true
}

// viewer walks an incident's timeline for View.
type viewer struct {
	inc    Incident
	sees   func(tenant string) bool
	people bool // opened by people: the reader's from start to end

	open      bool      // the reader's part goes on
	started   time.Time // when the reader's part began; zero until then
	ended     time.Time // when it last ended
	status    Status    // the status the reader last read
	prev      []string  // the failing checks the reader saw at the last automatic entry
	prevState sla.State
	out       []Entry
}

func (w *viewer) add(e Entry) {
	e.Status = w.status
	w.out = append(w.out, e)
}

func (w *viewer) entry(e Entry) {
	switch {
	case e.Kind == KindSeverity:
		// A change of severity is staff's triage, not news for readers:
		// they read the incident's severity as it stands, never an
		// update that it changed.
	case e.Author != "":
		w.person(e)
	case e.Kind == KindRecovered:
		if w.open {
			w.status = Resolved
			w.add(e)
			w.open, w.ended = false, e.At
		}
	case e.Cause == nil:
		// An automatic entry of unrecorded cause: which checks it speaks
		// of is unknown, so no reader but staff reads it.
	default:
		w.caused(e)
	}
}

// person handles a person's entry: read while the reader's part goes on,
// and after the whole incident ended (a resolution, a post-mortem).
func (w *viewer) person(e Entry) {
	after := !w.inc.Ended.IsZero() && !e.At.Before(w.inc.Ended)
	if w.started.IsZero() || !(w.open || after) {
		return
	}
	if e.Kind == KindUpdate {
		w.status = e.Status
	}
	w.add(e)
	if w.open && !w.people && !e.Status.open() {
		w.open, w.ended = false, w.inc.Ended // a person resolved the incident
	}
}

// caused handles an automatic entry by the causes the reader may read.
func (w *viewer) caused(e Entry) {
	var seen []Cause
	for _, c := range e.Cause {
		if w.sees(c.Tenant) {
			seen = append(seen, c)
		}
	}
	service := w.inc.Service
	if len(seen) == 0 {
		if w.open && !w.people {
			w.status = Resolved
			w.add(Entry{At: e.At, Kind: KindRecovered, Body: service + " recovered"})
			w.open, w.ended = false, e.At
		}
		w.prev = nil
		return
	}
	names, state := failingNames(seen), causeState(seen)
	switch {
	case !w.open:
		body := describe(service, state, names)
		if !w.started.IsZero() {
			body = describeAgain(service, state, names)
		} else {
			w.started = e.At
		}
		w.status = Investigating
		w.add(Entry{At: e.At, Kind: KindDetected, Body: body})
		w.open, w.ended = true, time.Time{}
	case w.prev == nil:
		w.add(Entry{At: e.At, Kind: KindDetected, Body: describe(service, state, names)})
	default:
		if state != w.prevState {
			body := service + " is down again"
			if state == sla.StateDegraded {
				body = service + " is degraded: partly working"
			}
			w.add(Entry{At: e.At, Kind: KindDegraded, Body: body})
		}
		if !slices.Equal(names, w.prev) {
			w.add(Entry{At: e.At, Kind: KindLocations, Body: "failing: " + strings.Join(names, ", ")})
		}
	}
	w.prev, w.prevState = names, state
}

// describeAgain is describe for a reader's part that fails again.
func describeAgain(service string, s sla.State, failing []string) string {
	what := service + " is down again"
	if s == sla.StateDegraded {
		what = service + " is degraded again"
	}
	return what + ": failing from " + strings.Join(failing, ", ")
}
