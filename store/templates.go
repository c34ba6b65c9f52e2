package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slatehq/slate/incident"
)

// UpdateTemplate is a stored start of an incident update: on-call pick
// one by name, and the update form is filled with its status and text,
// which they may change before posting.
type UpdateTemplate struct {
	ID        int64 // 0 until first saved
	Name      string
	Status    incident.Status // investigating, identified, monitoring or resolved
	Body      string          // customer-facing text
	CreatedAt time.Time       // set by the store; UTC, millisecond precision
	UpdatedAt time.Time       // set by the store
}

// Update templates' limits: a name fits a list, a body an update.
const (
	MaxTemplateName = 100
	MaxTemplateBody = 4000
)

// UpdateTemplates holds update templates. Every change appends its audit
// entry (subject TemplateSubject) in the same transaction.
type UpdateTemplates interface {
	// UpdateTemplates are every template, by name.
	UpdateTemplates(ctx context.Context) ([]UpdateTemplate, error)
	// UpdateTemplate is template id, or ErrNotFound.
	UpdateTemplate(ctx context.Context, id int64) (UpdateTemplate, error)
	// SaveUpdateTemplate inserts t (ID 0) or replaces template t.ID
	// (ErrNotFound when there is none); a name another template has is
	// ErrTemplateName. It sets t's ID and times.
	SaveUpdateTemplate(ctx context.Context, t *UpdateTemplate, actor string) error
	// DeleteUpdateTemplate removes template id (ErrNotFound when there is
	// none).
	DeleteUpdateTemplate(ctx context.Context, id int64, actor string) error
}

// TemplateSubject is the audit subject of update template id.
func TemplateSubject(id int64) string { return fmt.Sprintf("template/%d", id) }

// TemplateField is a template's field that CheckUpdateTemplate refused,
// and why.
type TemplateField struct{ Field, Problem string }

func (e *TemplateField) Error() string { return e.Field + ": " + e.Problem }

// CheckUpdateTemplate refuses a template no store may save, naming the
// field (a *TemplateField).
func CheckUpdateTemplate(t UpdateTemplate) error {
	switch {
	case strings.TrimSpace(t.Name) == "":
		return &TemplateField{"name", "is required"}
	case len(t.Name) > MaxTemplateName || !utf8.ValidString(t.Name):
		return &TemplateField{"name", fmt.Sprintf("must be valid text of at most %d bytes", MaxTemplateName)}
	case strings.TrimSpace(t.Body) == "":
		return &TemplateField{"body", "is required: the text customers will read"}
	case len(t.Body) > MaxTemplateBody || !utf8.ValidString(t.Body):
		return &TemplateField{"body", fmt.Sprintf("must be valid text of at most %d bytes", MaxTemplateBody)}
	}
	switch t.Status {
	case incident.Investigating, incident.Identified, incident.Monitoring, incident.Resolved:
		return nil
	}
	return &TemplateField{"status", fmt.Sprintf("must be investigating, identified, monitoring or resolved (got %q)", t.Status)}
}

// TemplateDetail is the audit detail of a saved template.
func TemplateDetail(t UpdateTemplate) map[string]any {
	return map[string]any{"name": t.Name, "status": t.Status, "bytes": len(t.Body)}
}
