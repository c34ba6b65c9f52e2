package monitor

import (
	"context"
	"errors"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/credit"
)

// A contract whose figures cannot be computed (its evidence unreadable, a
// row its case refuses) stops that contract alone: the jobs that compute
// every contract go on past it (credit.ContractError), and here each
// failing contract is logged and raises an alert of its own, resolved
// once its figures compute again.

// contractAlerts raises an alert keyed prefix + contract ID for every
// contract of cat that err names as failing (credit.FailedContracts), and
// resolves the alerts of the others. job names the job in the log and in
// the alert's title.
func (a *Monitor) contractAlerts(ctx context.Context, cat *catalog.Catalog, job, prefix string, err error, now time.Time) error {
	failing := credit.FailedContracts(err)
	var errs []error
	for _, k := range cat.Contracts {
		ferr := failing[k.ID]
		if ferr != nil {
			a.log.Error("contract failing", "job", job, "contract", k.ID, "tenant", k.Tenant, "err", ferr)
		}
		if aerr := a.selfAlert(ctx, prefix+k.ID, job+" failing for contract "+k.ID, ferr, now); aerr != nil && ferr == nil {
			errs = append(errs, aerr)
		}
	}
	return errors.Join(errs...)
}
