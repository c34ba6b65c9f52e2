package monitor

import (
	"context"
	"fmt"

	"github.com/slatehq/slate/catalog"
)

// WithStoredMaintenance is cat with the windows announced at run time
// (slate maintenance, the admin API) added to its maintenance, cancelled
// ones left out. cat itself is not changed.
func WithStoredMaintenance(ctx context.Context, cat *catalog.Catalog, store MaintenanceStore) (*catalog.Catalog, error) {
	ms, err := store.ListMaintenance(ctx)
	if err != nil {
		return cat, err
	}
	var stored []catalog.Maintenance
	for _, m := range ms {
		if !m.Cancelled {
			var us []catalog.MaintenanceUpdate
			for _, u := range m.Updates {
				us = append(us, catalog.MaintenanceUpdate{Status: u.Status, Body: u.Body, At: u.At})
			}
			stored = append(stored, catalog.Maintenance{ID: fmt.Sprintf("stored-%d", m.ID), Services: m.Services,
				Title: m.Title, Description: m.Description, Start: m.Start, End: m.End, Announced: m.Announced, Updates: us})
		}
	}
	return cat.WithMaintenance(stored), nil
}
