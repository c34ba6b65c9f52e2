package adminapi

import (
	"context"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
)

// API is the admin API: its handlers, registered on a dashboard.Server,
// read the running catalogue and call the store through Store.
type API struct {
	Store Store
	// Catalog is the running configuration's catalogue; it changes on
	// reload, so it is asked at every request.
	Catalog func() *catalog.Catalog
	// Notify gives the notifications of a person's change to an incident,
	// routed as the configuration says and named by its public ID, for
	// SaveIncidentWithAlerts; call it before the save.
	Notify func(ctx context.Context, inc *db.Incident, now time.Time) (func(id int64) ([]db.Alert, error), error)
	// Refresh rebuilds the status pages after a write, so that it shows at
	// once; nil for none. It logs its own failures.
	Refresh func(ctx context.Context)
	Now     func() time.Time
	// Statements builds credit statements for download; nil serves none.
	Statements dashboard.StatementFunc
	// PublicIDKey is the key of incidents' public IDs (access.PublicID):
	// viewers see and name incidents by them alone, never by the store's
	// sequence.
	PublicIDKey func(ctx context.Context) ([]byte, error)
	// Impact is what incident inc (as read by one tenant, or whole) meant
	// for the contracts of tenants on its service (all when tenants is
	// empty): credit.Impact on the running catalogue.
	Impact func(ctx context.Context, inc incident.Incident, tenants []string) ([]incident.TenantImpact, error)
}

// Store is what the admin API needs of the store; *db.DB has it. Every
// write appends its audit entry in the same transaction.
type Store interface {
	Incidents(ctx context.Context, f db.IncidentFilter) ([]db.Incident, error)
	Incident(ctx context.Context, id int64) (db.Incident, error)
	SaveIncidentWithAlerts(ctx context.Context, inc *db.Incident, actor string, alerts func(id int64) ([]db.Alert, error)) (int64, error)
	Postmortem(ctx context.Context, incidentID int64) (db.Postmortem, error)
	SavePostmortem(ctx context.Context, incidentID int64, markdown, author string) (int, error)
	PublishPostmortem(ctx context.Context, incidentID int64, version int, author string) error
	PostmortemVersions(ctx context.Context, incidentID int64) ([]db.PostmortemVersion, error)
	ListMaintenance(ctx context.Context) ([]db.Maintenance, error)
	AddMaintenance(ctx context.Context, m db.Maintenance, actor string) (db.Maintenance, error)
	CancelMaintenance(ctx context.Context, id int64, actor string) (db.Maintenance, error)
	Credits(ctx context.Context, f db.CreditFilter) ([]db.Credit, error)
	Credit(ctx context.Context, id int64) (db.Credit, error)
	AuditOf(ctx context.Context, subject string) ([]db.AuditEntry, error)
	credit.History
	ApproveCredit(ctx context.Context, id int64, actor string) (db.Credit, error)
	IssueCredit(ctx context.Context, id int64, actor string) (db.Credit, error)
	VoidCredit(ctx context.Context, id int64, actor, reason string) (db.Credit, error)
	ListExclusions(ctx context.Context, contract string) ([]db.Exclusion, error)
	AddExclusion(ctx context.Context, e db.Exclusion, actor string) (db.Exclusion, error)
	CancelExclusion(ctx context.Context, id int64, actor, reason string) (db.Exclusion, error)
}
