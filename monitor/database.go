package monitor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/slatehq/slate/backup"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
)

// CheckDatabase refuses to start on a database that fails quick_check, and
// names the last good backup to restore from.
func CheckDatabase(ctx context.Context, cfg *config.Config) error {
	if cfg.Storage.Postgres() {
		return nil // PostgreSQL checks its own pages; backups are restored and checked
	}
	if _, err := os.Stat(cfg.Storage.Path); errors.Is(err, os.ErrNotExist) {
		return nil // a new database
	}
	err := db.QuickCheck(ctx, cfg.Storage.Path)
	if err == nil {
		return nil
	}
	msg := fmt.Sprintf("%s fails quick_check: %v; slate will not run on a damaged database.", cfg.Storage.Path, err)
	if bs, lerr := backup.List(cfg.Backup.Dir); lerr == nil {
		var last *backup.Backup
		for i := range bs {
			if bs[i].Good && (last == nil || bs[i].Time.After(last.Time)) {
				last = &bs[i]
			}
		}
		if last != nil {
			return fmt.Errorf("%s The last good backup is %s (taken %s): slate restore %s --to NEW_PATH",
				msg, last.Path, last.Time.Format(time.RFC3339), last.Path)
		}
	}
	return fmt.Errorf("%s No good backup was found in %s.", msg, cfg.Backup.Dir)
}
