// Package sla is slate's domain model and its SLA engine: periods, intervals,
// policies, the facts observed in a period, and the arithmetic that turns them
// into uptime, downtime and service credits.
//
// The package is pure. It imports only the standard library, does no I/O,
// reads no clock and keeps no package-level state: every input is an argument.
// The same engine answers "what do we owe for this month?" from monitoring
// evidence and "what would we owe if…?" from a hand-written case.
//
// # Conventions
//
// Intervals are half-open: [Start, End) holds Start and not End. Instants are
// handled as Unix nanoseconds internally, so a period or fact may lie anywhere
// between the years 1678 and 2262.
//
// Numbers that decide money are exact. Percentages, shares, thresholds, fees
// and credits are *big.Rat values; durations are integer nanoseconds, and
// weighted durations are rationals of nanoseconds. Nothing is rounded until a
// value is formatted for output, and then half away from zero (half-up for the
// non-negative figures the engine produces).
//
// # Minute judgement
//
// Monitoring evidence reaches the engine as minutes: per check, per location,
// per minute, the passing and failing runs (LocationMinute). MinuteStates
// judges each minute of a check up, degraded, down or unknown from its
// locations, with the check's Confirmation: Failures (the streak that
// confirms a failure at one location), Quorum (locations down for the minute
// to be down; default a majority) and MinReporting (locations that must
// report for the minute to be judged; default the quorum). A silent location
// never decides a minute: where its vote could have made the minute down, or
// too few locations reported, the minute is unknown. Unknown minutes are
// never downtime and never covered: they lower Coverage and leave burn-rate
// windows (Window), and the caller flags a period whose coverage is too low.
// docs/sla-case.md ("Minute judgement") states the rule with worked
// examples, and a test holds the engine to that table.
//
// # Main types
//
//   - Case: a Policy, a Period, a fee and the Facts; Evaluate turns it into an
//     Outcome, whose Report method gives the output of the SLA-case format.
//   - Policy: target, measure, tiers, caps: what a contract promises.
//   - Period: a calendar month or quarter in a time zone, or explicit bounds.
//   - Set: a normalised union of half-open intervals (downtime, exclusions).
//   - Result and LocationMinute: probe runs and the per-minute evidence
//     that monitoring records.
package sla
