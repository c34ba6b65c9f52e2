package monitor

import (
	"context"
	"time"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/dashboard"
)

// LinkKeyName is the store secret that signs tenant links.
const LinkKeyName = "tenant-links"

// SecretStore keeps named secrets.
type SecretStore interface {
	Secret(ctx context.Context, name string) ([]byte, error)
}

// TenantLink is a signed link to tenant's page that works until exp
// (truncated to the second), and that exp.
func TenantLink(ctx context.Context, store SecretStore, cfg *config.Config, tenant string, exp time.Time) (string, time.Time, error) {
	key, err := store.Secret(ctx, LinkKeyName)
	if err != nil {
		return "", time.Time{}, err
	}
	exp = exp.Truncate(time.Second)
	return cfg.PublicBase() + "/status/" + tenant + "?" + dashboard.SignTenantLink(key, tenant, exp), exp, nil
}
