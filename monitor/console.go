package monitor

import (
	"context"
	"strings"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/dashboard/console"
	"github.com/slatehq/slate/store"
)

// newConsole builds the staff console from the configuration's console
// section. Its settings apply at start: a reload does not change who may
// sign in.
func (a *Monitor) newConsole(cfg *config.Config) *console.Console {
	o := cfg.Console.OIDC
	s := console.Settings{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: o.RedirectURL,
		RoleClaim: o.RoleClaim, Scopes: o.Scopes,
		Roles: console.Roles{Admin: o.Roles.Admin, AccountManager: o.Roles.AccountManager, Oncall: o.Roles.Oncall},
		Idle:  cfg.Console.Session.Idle, Absolute: cfg.Console.Session.Absolute,
		Secure: strings.HasPrefix(cfg.Server.PublicURL, "https://")}
	c := console.New(s, a.store, func() *catalog.Catalog { return &a.cfg.Load().Catalog }, a.now, a.log)
	c.Refresh = a.refreshAfterWrite
	c.Locations = func(ctx context.Context) ([]store.LocationHealth, error) { return a.locationHealths(ctx, a.now()) }
	c.Notify = a.peopleAlerts
	return c
}
