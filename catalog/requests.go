package catalog

import (
	"fmt"
	"strings"
	"time"

	"github.com/slatehq/slate/sla"
)

// FieldError is a request refused because of one field: Field names it as
// the request spells it ("services[1]", "title"), Msg says what is wrong.
// The admin API sends it as a 400 naming the field; the command line names
// the matching flag.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// CheckMaintenance checks a maintenance window someone announces: at
// least one service, each known, and a title. CheckWindow checks its
// times.
func (c *Catalog) CheckMaintenance(services []string, title string) error {
	if len(services) == 0 {
		return fieldErr("services", "name at least one service")
	}
	for i, s := range services {
		if !c.HasService(s) {
			return fieldErr(fmt.Sprintf("services[%d]", i), "unknown service %q", s)
		}
	}
	if strings.TrimSpace(title) == "" {
		return fieldErr("title", "is required")
	}
	return nil
}

// CheckExclusion checks a manual exclusion someone enters: a known
// contract and a reason. CheckWindow checks its times.
func (c *Catalog) CheckExclusion(contract, reason string) error {
	switch {
	case contract == "":
		return fieldErr("contract", "is required")
	case !c.HasContract(contract):
		return fieldErr("contract", "unknown contract %q", contract)
	case strings.TrimSpace(reason) == "":
		return fieldErr("reason", "is required: say why this time does not count")
	}
	return nil
}

// CheckWindow checks the times of a window someone enters: each within
// the years the SLA engine computes (sla.CheckInstant), and [start, end)
// not empty.
func CheckWindow(start, end time.Time) error {
	if err := sla.CheckInstant(start); err != nil {
		return fieldErr("start", "%v", err)
	}
	if err := sla.CheckInstant(end); err != nil {
		return fieldErr("end", "%v", err)
	}
	if !start.Before(end) {
		return fieldErr("end", "must be after start")
	}
	return nil
}

// CheckMaintenanceLength checks the length of a window someone announces:
// at most c.MaintenanceMax, unless override, an admin's explicit choice
// (the caller checks who may make it, and the store audits it).
func (c *Catalog) CheckMaintenanceLength(start, end time.Time, override bool) error {
	if c.MaintenanceMax > 0 && end.Sub(start) > c.MaintenanceMax && !override {
		return fieldErr("end", "a window may last at most %s (maintenance_max); this one lasts %s. An admin may override the maximum", c.MaintenanceMax, end.Sub(start))
	}
	return nil
}

// MaxMaintenanceText bounds a maintenance window's description and the
// text of an update on it, in bytes: words for a status page, not a
// document.
const MaxMaintenanceText = 4000

// CheckMaintenanceText refuses a description or an update's text (field)
// longer than MaxMaintenanceText.
func CheckMaintenanceText(field, s string) error {
	if len(s) > MaxMaintenanceText {
		return fieldErr(field, "is %d bytes; at most %d", len(s), MaxMaintenanceText)
	}
	return nil
}
