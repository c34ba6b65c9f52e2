package store

import (
	"fmt"
	"strings"

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
