package backup

// PgTool is pgTool, for the external tests: they read a backup with the
// same client programs that took it, so a pg_restore older than the
// pg_dump that wrote the file never reads it.
var PgTool = pgTool
