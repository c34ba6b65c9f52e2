// Package statement is the credit statement a customer receives: one model
// (Statement) per tenant and period, checked by Validate, and three
// renderers that draw from it — WriteMarkdown, HTMLRenderer (a page for the
// status site that links its stylesheet, or a standalone download with the
// stylesheet inline) and WritePDF (A4, DejaVu Sans embedded from
// internal/fonts, text extractable).
//
// The model holds what a customer files and nothing internal unless asked:
// the provider's details and branding, a statement number derived from
// stored facts (Statement.Number: PROVIDER-TENANT-PERIOD, "-R2" from the
// second revision), the tenant's name and billing reference, the period's
// dates in the tenant's IANA zone, and per contract its display name, uptime
// against target, downtime, coverage (overall and by monitoring location),
// the credit as the contract states it (a percentage of the fee, days of
// service or proportional) and the amount in exact minor units; the
// incidents behind it with their public titles; the exclusions that
// applied with their public reasons; adjustments of credits stated
// earlier, each naming the statement it adjusts; the method paragraph; and
// how and when the credit is applied. Contracts and adjustments with a
// zero amount, and internal notes, are left out unless Options ask for
// them.
//
// Every renderer prints the same words (CreditText, UptimeText,
// DowntimeText, PeriodText, FormatMoney, Statement.ApplicationText,
// Statement.MethodText), so the formats cannot disagree on a figure. Money
// is int64 minor units formatted with integer arithmetic and the currency's
// ISO 4217 minor units (sla.MinorUnits); percentages and minutes are the
// ledger's decimal strings, shown as given. PDF coordinates are the only
// floats, and they measure paper, not money.
//
// docs/statements.md describes the model, the numbering scheme and the
// method paragraph for operators.
//
// Allowed imports: the standard library, sla (minor units),
// internal/fonts and codeberg.org/go-pdf/fpdf. The package reads no store,
// configuration or clock: the caller builds the Statement.
package statement
