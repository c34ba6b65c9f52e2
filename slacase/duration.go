package slacase

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads the one duration syntax of slate's files, SLA cases
// and configurations alike: Go durations ("90s", "1h30m") or whole days
// ("14d"), since retention, grace and notice are naturally written in days.
func ParseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*366 {
			return 0, durationError(s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, durationError(s)
	}
	return v, nil
}

func durationError(s string) error {
	return fmt.Errorf("%q is not a duration like \"30s\", \"1h30m\" or \"14d\"", s)
}
