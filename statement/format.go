package statement

import (
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/slatehq/slate/sla"
)

// FormatMoney writes an amount with its currency's minor units, thousands
// separated, and its ISO code: "1,234.56 EUR", "1,235 JPY", "12.345 KWD",
// "-12.00 EUR". Integer arithmetic only: no amount is ever a float.
func FormatMoney(m Money) string {
	return formatMinor(big.NewInt(m.Minor), m.Currency)
}

// formatMinor is FormatMoney for a sum, which may not fit an int64.
func formatMinor(minor *big.Int, currency string) string {
	places := sla.MinorUnits(currency)
	digits := new(big.Int).Abs(minor).String()
	if len(digits) <= places {
		digits = strings.Repeat("0", places-len(digits)+1) + digits
	}
	whole, frac := digits[:len(digits)-places], digits[len(digits)-places:]
	var b strings.Builder
	if minor.Sign() < 0 {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if places > 0 {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	b.WriteByte(' ')
	b.WriteString(currency)
	return b.String()
}

// formatDate is a date as customers read it: "1 October 2026".
func formatDate(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2 January 2006")
}

// formatTime is an instant in the tenant's zone: "3 October 2026, 14:05 CEST".
func formatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2 January 2006, 15:04 MST")
}

// formatSpan is [start, end) in the tenant's zone, shortened when both ends
// fall on one day with one zone abbreviation: "3 October 2026, 14:05–15:35
// CEST". A zero end is an interval still open at the end of the period.
func formatSpan(start, end time.Time, loc *time.Location) string {
	if end.IsZero() {
		return "from " + formatTime(start, loc) + ", still open at the end of the period"
	}
	s, e := start.In(loc), end.In(loc)
	if s.Format("2006-01-02 MST") == e.Format("2006-01-02 MST") {
		return s.Format("2 January 2006, 15:04") + "–" + e.Format("15:04 MST")
	}
	return formatTime(start, loc) + " – " + formatTime(end, loc)
}

// lastDay is the last calendar day of [start, end) in loc.
func lastDay(end time.Time, loc *time.Location) time.Time {
	return end.In(loc).Add(-time.Nanosecond)
}

// PeriodText is the period's dates in the tenant's zone: "1 October 2026 to
// 31 October 2026 (Europe/Berlin)".
func PeriodText(p Period, loc *time.Location) string {
	return formatDate(p.Start, loc) + " to " + formatDate(lastDay(p.End, loc), loc) + " (" + loc.String() + ")"
}

// periodDays counts the calendar days of [start, end) in loc.
func periodDays(p Period, loc *time.Location) int {
	s, e := p.Start.In(loc), p.End.In(loc)
	n := 0
	for d := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, loc); d.Before(e); d = d.AddDate(0, 0, 1) {
		n++
	}
	return n
}

// periodWord is "monthly" or "quarterly", from the period's name.
func periodWord(name string) string {
	if strings.Contains(name, "Q") {
		return "quarterly"
	}
	return "monthly"
}

// plural writes a decimal count with its noun: "1 minute", "12.5 minutes".
func plural(n, noun string) string {
	if n == "1" {
		return n + " " + noun
	}
	return n + " " + noun + "s"
}

// CreditText states a credit the way its contract does, at the given
// uptime:
//
//	percent:      "10% of the monthly fee of 1,000.00 EUR"
//	days:         "3 days of service (3/31 of the monthly fee of 1,000.00 EUR)"
//	proportional: "0.4032% of the monthly fee of 1,000.00 EUR: (100% − 99.7984%) × 2"
//
// with ", capped by the contract" when the cap applied.
func CreditText(c Credit, uptime string, p Period, loc *time.Location) string {
	fee := " of the " + periodWord(p.Name) + " fee of " + FormatMoney(c.Fee)
	var s string
	switch c.Unit {
	case UnitDays:
		s = plural(c.Days, "day") + " of service (" + c.Days + "/" + strconv.Itoa(periodDays(p, loc)) + fee + ")"
	case UnitProportional:
		mult := ""
		if c.Multiplier != "" && c.Multiplier != "1" {
			mult = " × " + c.Multiplier
		}
		s = c.Percent + "%" + fee + ": (100% − " + uptime + "%)" + mult
	default:
		s = c.Percent + "%" + fee
	}
	if c.Capped {
		s += ", capped by the contract"
	}
	return s
}

// UptimeText is the uptime against the target: "99.7984% (target 99.9%,
// missed)".
func UptimeText(uptime, target string, met bool) string {
	word := "missed"
	if met {
		word = "met"
	}
	return uptime + "% (target " + target + "%, " + word + ")"
}

// DowntimeText is the breach minutes, or "not measured in minutes" for a
// contract measured in requests.
func DowntimeText(minutes string) string {
	if minutes == "" {
		return "not measured in minutes"
	}
	return plural(minutes, "minute")
}
