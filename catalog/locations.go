package catalog

import "slices"

// Location is a place probes run from: the server's own collector or a
// remote agent. Its ID is stored with every result it reports.
type Location struct {
	ID     string
	Name   string // display name; default the ID
	Region string // where it is, free text ("Frankfurt, DE"); "" for none
}

// Location is the declared location with id.
func (c *Catalog) Location(id string) (Location, bool) {
	for _, l := range c.Locations {
		if l.ID == id {
			return l, true
		}
	}
	return Location{}, false
}

// LocationIDs are the declared locations' IDs, in configuration order.
func (c *Catalog) LocationIDs() []string {
	var out []string
	for _, l := range c.Locations {
		out = append(out, l.ID)
	}
	return out
}

// CheckLocations are the locations ch runs from: those it names, or every
// declared location when it names none. Their number is the L of the
// minute rule (sla.MinuteStates): a location among them that reports
// nothing in a minute is silent, not absent, so its silence can leave the
// minute unknown and never quietly lowers the quorum. Nil only for a check
// that names none in a catalogue that declares none (a catalogue built by
// hand); the evidence's own locations then stand in.
func (c *Catalog) CheckLocations(ch Check) []string {
	if len(ch.Locations) > 0 {
		return ch.Locations
	}
	return c.LocationIDs()
}

// LocationChecks are the checks that run at location id, in
// configuration order: those whose silence there is the location's.
func (c *Catalog) LocationChecks(id string) []Check {
	var out []Check
	for _, ch := range c.Checks {
		if slices.Contains(c.CheckLocations(ch), id) {
			out = append(out, ch)
		}
	}
	return out
}

// ContractLocations are the locations of the checks that count for k: the
// declared ones in configuration order, then any a check names that is not
// declared (a catalogue built by hand), named by their ID. A contract's
// statement shows coverage per location for these, and a tenant's page
// names these and no other: a location that only another tenant's own
// check runs at (an agent in that tenant's network) is that tenant's
// business.
func (c *Catalog) ContractLocations(k Contract) []Location {
	var ids []string
	for _, ch := range c.ContractChecks(k) {
		for _, l := range c.CheckLocations(ch) {
			if !slices.Contains(ids, l) {
				ids = append(ids, l)
			}
		}
	}
	var out []Location
	for _, l := range c.Locations {
		if slices.Contains(ids, l.ID) {
			out = append(out, l)
		}
	}
	for _, id := range ids {
		if _, ok := c.Location(id); !ok {
			out = append(out, Location{ID: id, Name: id})
		}
	}
	return out
}
