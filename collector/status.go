package collector

import (
	"fmt"
	"strconv"
	"strings"
)

// StatusRange is an inclusive range of HTTP status codes; a single code has
// Min == Max.
type StatusRange struct {
	Min, Max int
}

// What an HTTP probe accepts when no ranges are configured, in the form
// ParseStatusRanges reads.
const (
	defaultStatusMin, defaultStatusMax = 200, 399
	defaultStatusText                  = "200-399"
)

// ParseStatusRanges reads a comma-separated list of codes and inclusive
// ranges, such as "200-299,301". Spaces around items are ignored. Every code
// must be in 100-599 and every range ascending.
func ParseStatusRanges(s string) ([]StatusRange, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty status list")
	}
	var out []StatusRange
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		lo, hi, isRange := strings.Cut(item, "-")
		min, err := parseStatusCode(strings.TrimSpace(lo))
		if err != nil {
			return nil, fmt.Errorf("status %q: %w", item, err)
		}
		max := min
		if isRange {
			if max, err = parseStatusCode(strings.TrimSpace(hi)); err != nil {
				return nil, fmt.Errorf("status %q: %w", item, err)
			}
			if max < min {
				return nil, fmt.Errorf("status %q: range is descending", item)
			}
		}
		out = append(out, StatusRange{Min: min, Max: max})
	}
	return out, nil
}

func parseStatusCode(s string) (int, error) {
	if len(s) != 3 {
		return 0, fmt.Errorf("want a three-digit code")
	}
	n, err := strconv.Atoi(s)
	if err != nil || s[0] == '+' || s[0] == '-' {
		return 0, fmt.Errorf("want a three-digit code")
	}
	if n < 100 || n > 599 {
		return 0, fmt.Errorf("code %d outside 100-599", n)
	}
	return n, nil
}

// statusAccepted reports whether code lies in one of rs.
func statusAccepted(rs []StatusRange, code int) bool {
	for _, r := range rs {
		if code >= r.Min && code <= r.Max {
			return true
		}
	}
	return false
}

// formatStatusRanges writes rs in the form ParseStatusRanges reads.
func formatStatusRanges(rs []StatusRange) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(r.Min))
		if r.Max != r.Min {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(r.Max))
		}
	}
	return b.String()
}
