package credit

import (
	"math/big"

	"github.com/slatehq/slate/sla"
)

// LocationCoverage is how much of a period one location's evidence covers
// for a contract: of the period's minutes so far (the same minutes as the
// contract's coverage), those in which the location reported at least one
// run of every one of the contract's checks that run there. A location
// that reports nothing drives it to zero while the others stay whole, so
// a contract flagged for low coverage shows where the evidence is thin.
type LocationCoverage struct {
	Location string // the location's ID
	Minutes  int    // minutes of the period so far
	Reported int    // of those, minutes in which it reported every check it runs
}

// Percent is Reported / Minutes × 100, exactly; 100 for no minutes.
func (l LocationCoverage) Percent() *big.Rat {
	if l.Minutes == 0 {
		return big.NewRat(100, 1)
	}
	return big.NewRat(int64(l.Reported)*100, int64(l.Minutes))
}

// locationReports gathers, per location, which minutes it reported for
// each check that runs there: as state runs, up where it reported and
// unknown where it was silent, so that combining a location's checks
// (sla.CombineRuns) leaves a minute known only when it reported them all.
type locationReports struct {
	order []string
	runs  map[string][][]sla.StateRun
}

// add records one check's runs at location l.
func (r *locationReports) add(l string, runs []sla.MinuteRun) {
	if r.runs == nil {
		r.runs = map[string][][]sla.StateRun{}
	}
	if _, ok := r.runs[l]; !ok {
		r.order = append(r.order, l)
	}
	reported := make([]sla.StateRun, 0, len(runs))
	for _, m := range runs {
		s := sla.StateUnknown
		if m.Minute.Runs() > 0 {
			s = sla.StateUp
		}
		if k := len(reported); k > 0 && reported[k-1].State == s {
			reported[k-1].Count += m.Count
			continue
		}
		reported = append(reported, sla.StateRun{Count: m.Count, State: s})
	}
	r.runs[l] = append(r.runs[l], reported)
}

// coverage is each location's coverage of n minutes, in the order the
// locations were first added.
func (r *locationReports) coverage(n int) []LocationCoverage {
	out := make([]LocationCoverage, 0, len(r.order))
	for _, l := range r.order {
		c := LocationCoverage{Location: l, Minutes: n}
		for _, s := range sla.CombineRuns(r.runs[l], n) {
			if s.State != sla.StateUnknown {
				c.Reported += s.Count
			}
		}
		out = append(out, c)
	}
	return out
}
