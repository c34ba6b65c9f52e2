package db

// AuditHash exposes the chain hash to the external tests, which forge
// entries with it.
var AuditHash = auditHash
