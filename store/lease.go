package store

import (
	"fmt"
	"strings"
	"time"
)

// Lease is a holder's claim on a named role (the leader of the singleton
// jobs), kept in the database and timed by the database's clock.
//
// Expires is the end of the lease by the database's clock: no other holder
// can take it before then. Deadline is the end by the holder's own
// monotonic clock, taken before the request that acquired or renewed it
// was sent, plus the TTL: the database stamped its Expires after that
// moment, so Deadline comes first whatever the two clocks read. A holder
// that cannot renew stops acting at Deadline, before another can take the
// lease, without asking anyone.
type Lease struct {
	Name   string
	Holder string
	// Epoch counts the times the lease changed hands (or was taken again
	// after it lapsed): 1 for the first holder. Renewals keep it. Work
	// stamped with an epoch can be refused once a higher one exists.
	Epoch    int64
	Expires  time.Time     // by the database's clock, UTC
	TTL      time.Duration // the length asked for
	Deadline time.Time     // by the holder's monotonic clock (time.Now with its monotonic reading)
}

// Held reports whether, at now (a reading of the same monotonic clock as
// Deadline: time.Now()), the holder may still act on the lease.
func (l Lease) Held(now time.Time) bool { return now.Before(l.Deadline) }

// MinLeaseTTL bounds the TTL from below: shorter leases would expire
// between a renewal and the next on a busy machine.
const MinLeaseTTL = 100 * time.Millisecond

// CheckLease refuses a lease request no store may grant.
func CheckLease(name, holder string, ttl time.Duration) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("lease: empty name")
	case strings.TrimSpace(holder) == "":
		return fmt.Errorf("lease %s: empty holder", name)
	case ttl < MinLeaseTTL:
		return fmt.Errorf("lease %s: ttl %v: must be at least %v", name, ttl, MinLeaseTTL)
	}
	return nil
}

// NextLeaseEpoch decides an acquisition of lease name by holder, given the
// stored holder and epoch (empty and 0 when there is no row) and how many
// milliseconds the stored lease still runs by the database's clock (0 or
// less: expired or released). It returns the epoch to store: the same for
// the holder's own live lease, one more when the lease is taken anew, and
// ErrLeaseHeld while another holder's lease runs.
func NextLeaseEpoch(name, holder, curHolder string, curEpoch, remainingMS int64) (int64, error) {
	switch {
	case curEpoch == 0:
		return 1, nil
	case remainingMS <= 0:
		return curEpoch + 1, nil
	case curHolder == holder:
		return curEpoch, nil
	}
	return 0, fmt.Errorf("%w: lease %s is %s's for %v more", ErrLeaseHeld, name, curHolder, time.Duration(remainingMS)*time.Millisecond)
}
