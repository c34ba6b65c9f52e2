package backup

import "time"

// PeriodStart is the start of the period of level that holds now, in UTC:
// the hour for hourly backups, the day for daily ones, the ISO week (from
// Monday) for weekly ones. The zero time for an unknown level.
func PeriodStart(level string, now time.Time) time.Time {
	now = now.UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch level {
	case Hourly:
		return now.Truncate(time.Hour)
	case Daily:
		return day
	case Weekly:
		back := (int(day.Weekday()) + 6) % 7 // days since Monday
		return day.AddDate(0, 0, -back)
	}
	return time.Time{}
}

// Due reports whether a backup of level is due at now, given the backups
// List found: none of that level is good and was taken in the period of
// level that holds now. So a backup is taken once per period whenever
// slate runs in it, however often it restarts, and a failed one is tried
// again.
func Due(bs []Backup, level string, now time.Time) bool {
	start := PeriodStart(level, now)
	if start.IsZero() {
		return false
	}
	for _, b := range bs {
		if b.Level == level && b.Good && !b.Time.Before(start) {
			return false
		}
	}
	return true
}
