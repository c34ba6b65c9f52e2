package db

import "github.com/slatehq/slate/store"

// AuditHash exposes the chain hash to the external tests, which forge
// entries with it.
func AuditHash(prevHash string, id, atMS int64, actor, action, subject, detail string) string {
	return store.AuditHash(prevHash, id, atMS, actor, action, subject, detail)
}
