package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/internal/ynode"
	"github.com/slatehq/slate/sla"
)

// Locations are declared because a minute is judged against the locations
// that should have reported in it: a check that lists a location nobody
// probes from would see its quorum never reached and every outage called
// "degraded", or every minute unknown. So every location a check names
// must be declared, and the server's own collector is one of them (or
// turned off).

// validateLocations checks the declared locations and the collector's
// place among them, filling display names. A configuration that declares
// none has one: the collector's, as before locations were declared. It
// returns the declared IDs.
func validateLocations(cfg *Config, at ynode.Index, add adder) map[string]bool {
	declared := map[string]bool{}
	explicit := len(cfg.Locations) > 0
	for i := range cfg.Locations {
		l := &cfg.Locations[i]
		path := fmt.Sprintf("locations[%d]", i)
		switch msg := idProblem(l.ID, declared); {
		case msg != "":
			add(path+".id", "%s", msg)
		case l.ID == LocationOff:
			add(path+".id", "%q is reserved: collector.location: off turns this server's probing off", LocationOff)
		}
		declared[l.ID] = true
		if l.Name == "" {
			l.Name = l.ID
		}
	}
	loc := cfg.Collector.Location
	switch {
	case loc == "":
		add("collector.location", "must not be empty (the ID of this server's location, or off)")
	case loc == LocationOff && !explicit:
		add("collector.location", "is off, so only agents can probe, and they report from declared locations: declare them under locations")
	case loc == LocationOff:
	case !explicit:
		cfg.Locations = []catalog.Location{{ID: loc, Name: loc}}
		declared[loc] = true
	case !declared[loc]:
		if _, given := at["collector.location"]; given {
			add("collector.location", "%q is not a declared location%s; declare it under locations, or set collector.location: off when this server probes nothing",
				loc, suggestLocation(loc, cfg.Catalog.LocationIDs()))
		} else {
			add("locations", "this server's location %q (collector.location's default) is not among them; declare it, or set collector.location to one of them, or to off when this server probes nothing", loc)
		}
	}
	return declared
}

// validateCheckLocations checks each check's locations against the
// declared ones and fills them in: a check that names none runs from every
// declared location, except a push check, which only this server receives.
// Then the check's quorum and minimum of reporting locations must be
// reachable with the locations it has.
func validateCheckLocations(cfg *Config, declared map[string]bool, add adder) {
	ids := cfg.Catalog.LocationIDs()
	for i := range cfg.Checks {
		c, probe := &cfg.Checks[i], &cfg.Probes[i]
		path := fmt.Sprintf("checks[%d]", i)
		seen := map[string]bool{}
		for j, l := range c.Locations {
			lp := fmt.Sprintf("%s.locations[%d]", path, j)
			switch {
			case l == "": // the probe's own validation names it
			case seen[l]:
				add(lp, "%q is listed twice", l)
			case !declared[l]:
				add(lp, "unknown location %q%s; declare it under locations (declared: %s)", l, suggestLocation(l, ids), strings.Join(ids, ", "))
			}
			seen[l] = true
		}
		if probe.Kind == collector.KindPush {
			pushLocations(cfg, c, path, add)
		}
		if len(c.Locations) == 0 {
			c.Locations = cfg.Catalog.CheckLocations(*c)
		}
		probe.Locations = slices.Clone(c.Locations)
		if err := c.Confirmation.Validate(len(c.Locations)); err != nil {
			var fe *sla.FieldError
			if errors.As(err, &fe) {
				add(path+".confirmation."+fe.Field, "%s", fe.Msg)
			}
		}
	}
}

// pushLocations settles a push check's location: heartbeats come to this
// server, so the check runs at the collector's location and nowhere else
// (anywhere else it would stay silent and leave its minutes unknown).
func pushLocations(cfg *Config, c *catalog.Check, path string, add adder) {
	loc := cfg.Collector.Location
	switch {
	case !cfg.Collector.Probes():
		add(path+".kind", "a push check is received by this server, which probes nothing with collector.location: off")
	case len(c.Locations) == 0:
		c.Locations = []string{loc}
	case len(c.Locations) != 1 || c.Locations[0] != loc:
		add(path+".locations", "a push check is received by this server, so it runs at the collector's location %q only", loc)
	}
}

// suggestLocation is ` (did you mean "x"?)` for the declared location
// nearest to id, or "".
func suggestLocation(id string, declared []string) string {
	if s := ynode.Nearest(id, declared); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}
