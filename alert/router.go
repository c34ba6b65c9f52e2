package alert

import (
	"slices"
	"time"
)

// Route sends the events it matches to its receivers. Each match list is
// an allow-list; an empty list matches any value.
type Route struct {
	Services   []string // Event.Service values
	Tenants    []string // Event.Tenant values
	Severities []string // Event.Severity values ("" counts as error)
	Receivers  []string // receiver names from the configuration

	// Repeat is how often an unresolved trigger is sent again to this
	// route's receivers. 0 sends it once.
	Repeat time.Duration

	// SendResolved sends resolve events too; false sends triggers and
	// heartbeats only.
	SendResolved bool
}

// matches reports whether e falls under r, leaving the kind aside.
func (r Route) matches(e Event) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	return in(r.Services, e.Service) && in(r.Tenants, e.Tenant) && in(r.Severities, e.severity())
}

// Router holds the routes of the configuration. Every matching route
// applies, not only the first. Its methods are pure: they read only their
// arguments.
type Router struct {
	Routes []Route
}

// Route returns the receivers e goes to, each once, in the order the routes
// name them. A resolve goes only to routes with SendResolved.
func (r Router) Route(e Event) []string {
	var out []string
	for _, rt := range r.Routes {
		if !rt.matches(e) || (e.Kind == KindResolve && !rt.SendResolved) {
			continue
		}
		for _, name := range rt.Receivers {
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// Plan returns the receivers to notify of e at now, given when each
// receiver was last sent this event's dedup key (lastSent; absent means
// never). A trigger goes to a receiver that has not had it, and again once
// the shortest Repeat of the matching routes naming that receiver has
// passed since the last send. Every other kind goes to all of Route(e).
func (r Router) Plan(e Event, now time.Time, lastSent map[string]time.Time) []string {
	names := r.Route(e)
	if e.Kind != KindTrigger {
		return names
	}
	var out []string
	for _, name := range names {
		last, sent := lastSent[name]
		if !sent {
			out = append(out, name)
			continue
		}
		if repeat := r.repeat(e, name); repeat > 0 && now.Sub(last) >= repeat {
			out = append(out, name)
		}
	}
	return out
}

// repeat is the shortest positive Repeat of the routes that send e to
// name; 0 if none repeats.
func (r Router) repeat(e Event, name string) time.Duration {
	var shortest time.Duration
	for _, rt := range r.Routes {
		if rt.Repeat > 0 && rt.matches(e) && slices.Contains(rt.Receivers, name) && (shortest == 0 || rt.Repeat < shortest) {
			shortest = rt.Repeat
		}
	}
	return shortest
}
