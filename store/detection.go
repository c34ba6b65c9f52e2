package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/slatehq/slate/incident"
)

// CheckProgress refuses detection progress no store may save: it must name
// its service, and a recovery count has a first minute and is not
// negative.
func CheckProgress(p incident.Progress) error {
	switch {
	case strings.TrimSpace(p.Service) == "":
		return fmt.Errorf("detection progress: empty service")
	case p.UpMinutes < 0:
		return fmt.Errorf("detection progress of %s: %d up minutes", p.Service, p.UpMinutes)
	case p.UpMinutes > 0 && p.UpSince.IsZero():
		return fmt.Errorf("detection progress of %s: %d up minutes without a first one", p.Service, p.UpMinutes)
	}
	return nil
}

// CheckProgresses is CheckProgress of each of ps: a store refuses the whole
// batch for one bad entry.
func CheckProgresses(ps []incident.Progress) error {
	for _, p := range ps {
		if err := CheckProgress(p); err != nil {
			return err
		}
	}
	return nil
}

// UnixMilliOrZero is t in Unix milliseconds, 0 for the zero time: how the
// stores keep an instant that may be absent.
func UnixMilliOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// TimeOrZero is UnixMilliOrZero's inverse, in UTC: the zero time for 0.
func TimeOrZero(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
