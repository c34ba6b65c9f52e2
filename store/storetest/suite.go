package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// Options are the settings a test needs of the store it opens; a backend's
// Opener maps them onto its own options. The zero value means the
// backend's defaults (the real clock, 14 days of raw results).
type Options struct {
	// Now is the store's clock (migration stamps, audit times, whether a
	// late result is within raw retention). nil means time.Now.
	Now func() time.Time
	// RawRetention is how long raw results are kept. 0 means the default.
	RawRetention time.Duration
}

// Opener opens one database as a store with o. Every call opens the same
// database, so a test can close the store and open it again to see what
// survived. The store is closed when the test ends (closing twice is
// harmless); a failure to open fails the test.
type Opener func(t *testing.T, o Options) store.Store

// Factory makes a new, empty database for one test and returns its Opener.
type Factory func(t *testing.T) Opener

// suite is what each test of the suite gets: the backend's Factory.
type suite struct{ f Factory }

// open opens a fresh store whose clock is FixedNow.
func (s suite) open(t *testing.T) store.Store { return s.f(t)(t, Options{Now: FixedNow}) }

// openWith opens a fresh store with o.
func (s suite) openWith(t *testing.T, o Options) store.Store { return s.f(t)(t, o) }

// fresh makes a fresh database, to be opened (and reopened) by the test.
func (s suite) fresh(t *testing.T) Opener { return s.f(t) }

// Run runs the store test suite against the backend f makes: every test of
// the contract, each as a subtest on a database of its own.
func Run(t *testing.T, f Factory) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each test has a database of its own
			tc.fn(t, suite{f})
		})
	}
}

// At returns a fixed UTC instant, 10:00 on a Friday plus min minutes and
// sec seconds, that the tests build their results around.
func At(min, sec int) time.Time {
	return time.Date(2026, 11, 27, 10, min, sec, 0, time.UTC)
}

// FixedNow is a clock near At(0, 0), so raw retention covers every result
// the tests write.
func FixedNow() time.Time { return At(60, 0) }

// Result is one probe run of check at loc; a failed run carries a class
// and a detail.
func Result(check, loc string, at time.Time, ok bool) sla.Result {
	r := sla.Result{CheckID: check, Location: loc, At: at, OK: ok, Latency: 1500 * time.Microsecond}
	if !ok {
		r.Class = sla.ClassTimeout
		r.Detail = "no answer within 5s"
	}
	return r
}

// Write stores rs, failing the test on error.
func Write(t testing.TB, d store.Evidence, rs ...sla.Result) {
	t.Helper()
	if err := d.WriteResults(context.Background(), rs); err != nil {
		t.Fatalf("write results: %v", err)
	}
}

// Fold computes the expected minute history of rs the slow way: sort by
// time, then add each run to its minute and location.
func Fold(rs []sla.Result) map[string]map[int64]sla.LocationMinute {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b sla.Result) int { return a.At.Compare(b.At) })
	out := map[string]map[int64]sla.LocationMinute{}
	for _, r := range rs {
		if out[r.Location] == nil {
			out[r.Location] = map[int64]sla.LocationMinute{}
		}
		minute := r.At.Truncate(time.Minute).UnixMilli()
		m := out[r.Location][minute]
		m.Add(r.OK)
		out[r.Location][minute] = m
	}
	return out
}

// DiffHistory lists the differences between h and the folded runs want.
func DiffHistory(h store.History, want map[string]map[int64]sla.LocationMinute) string {
	var b strings.Builder
	seen := map[string]bool{}
	for j, loc := range h.Locations {
		seen[loc] = true
		for i, row := range h.Minutes {
			minute := h.Start.Add(time.Duration(i) * time.Minute).UnixMilli()
			if got, w := row[j], want[loc][minute]; got != w {
				fmt.Fprintf(&b, "%s %s: got %+v, want %+v\n", time.UnixMilli(minute).UTC().Format("15:04"), loc, got, w)
			}
		}
	}
	for loc := range want {
		if !seen[loc] {
			b.WriteString("location " + loc + " missing\n")
		}
	}
	return b.String()
}

// tests is the suite, in the order it runs.
var tests = []struct {
	name string
	fn   func(*testing.T, suite)
}{
	{"LedgerAuditChainVerifies", testLedgerAuditChainVerifies},
	{"Subscriptions", testSubscriptions},
	{"AppendAuditRejects", testAppendAuditRejects},
	{"AuditEntriesPages", testAuditEntriesPages},
	{"VerifyAuditAfter", testVerifyAuditAfter},
	{"RecordClose", testRecordClose},
	{"RecordCloseStoresFigures", testRecordCloseStoresFigures},
	{"RecordCloseRejects", testRecordCloseRejects},
	{"CreditTransitions", testCreditTransitions},
	{"CreditTransitionsOfMissingEntry", testCreditTransitionsOfMissingEntry},
	{"CreditsFilter", testCreditsFilter},
	{"CreditsPage", testCreditsPage},
	{"IssueCreditRacingIssuesOnce", testIssueCreditRacingIssuesOnce},
	{"EnqueueAndDue", testEnqueueAndDue},
	{"EnqueueRejectsIncompleteAlerts", testEnqueueRejectsIncompleteAlerts},
	{"RecordAttempt", testRecordAttempt},
	{"OutboxSurvivesReopen", testOutboxSurvivesReopen},
	{"ReadsOfUnknownCheckAreNotFound", testReadsOfUnknownCheckAreNotFound},
	{"ResultsRangeIsHalfOpen", testResultsRangeIsHalfOpen},
	{"LatestResultsNewestFirst", testLatestResultsNewestFirst},
	{"MinuteHistoryShape", testMinuteHistoryShape},
	{"Prune", testPrune},
	{"TokenCreateListLookUpRevoke", testTokenCreateListLookUpRevoke},
	{"CreateTokenRefusesBadInput", testCreateTokenRefusesBadInput},
	{"EveryRoleIsStored", testEveryRoleIsStored},
	{"FeedTokenKeepsItsTenant", testFeedTokenKeepsItsTenant},
	{"AgentTokenKeepsItsLocation", testAgentTokenKeepsItsLocation},
	{"MaintenanceHistoryStands", testMaintenanceHistoryStands},
	{"MaintenanceRefusesBadWindows", testMaintenanceRefusesBadWindows},
	{"MaintenanceUpdatesFollowTheClock", testMaintenanceUpdatesFollowTheClock},
	{"MaintenanceListIsOneSnapshot", testMaintenanceListIsOneSnapshot},
	{"SessionsPruned", testSessionsPruned},
	{"CreatedTokensHaveTheDocumentedForm", testCreatedTokensHaveTheDocumentedForm},
	{"TouchTokens", testTouchTokens},
	{"SessionLifecycle", testSessionLifecycle},
	{"CreateSessionRefusesBadInput", testCreateSessionRefusesBadInput},
	{"SecretIsMadeOnceAndKept", testSecretIsMadeOnceAndKept},
	{"RotateSecret", testRotateSecret},
	{"WriteResultsRoundTrip", testWriteResultsRoundTrip},
	{"WriteResultsRetryStoresOnce", testWriteResultsRetryStoresOnce},
	{"WriteResultsRejectsInvalid", testWriteResultsRejectsInvalid},
	{"WriteResultsAfterClose", testWriteResultsAfterClose},
	{"CloseFlushesQueuedWrites", testCloseFlushesQueuedWrites},
	{"MinuteHistoryOutOfOrder", testMinuteHistoryOutOfOrder},
	{"MinuteHistoryLateBeyondRawRetention", testMinuteHistoryLateBeyondRawRetention},
	{"RecordClosesIsolatesRefusals", testRecordClosesIsolatesRefusals},
	{"RecordClosesMatchesOneByOne", testRecordClosesMatchesOneByOne},
	{"ExclusionsAreAuditedAndCancelledNotDeleted", testExclusionsAreAuditedAndCancelledNotDeleted},
	{"ImportHistory", testImportHistory},
	{"IncidentRoundTrip", testIncidentRoundTrip},
	{"SaveIncidentIdempotentConflictsAndAudit", testSaveIncidentIdempotentConflictsAndAudit},
	{"SaveIncidentRetriedFirstSave", testSaveIncidentRetriedFirstSave},
	{"SaveDetectorIncidents", testSaveDetectorIncidents},
	{"EntriesKeepTheirCauses", testEntriesKeepTheirCauses},
	{"IncidentTitleAndServices", testIncidentTitleAndServices},
	{"UpdateTemplates", testUpdateTemplates},
	{"SaveIncidentRefuses", testSaveIncidentRefuses},
	{"IncidentsFilter", testIncidentsFilter},
	{"PostmortemVersionsAndPublish", testPostmortemVersionsAndPublish},
	{"PostmortemRefuses", testPostmortemRefuses},
	{"IncidentsSurviveReopen", testIncidentsSurviveReopen},
	{"LeaseAcquireRenewRelease", testLeaseAcquireRenewRelease},
	{"LeaseLapsesAfterHoldersDeadline", testLeaseLapsesAfterHoldersDeadline},
	{"LeaseRacingAcquireOneWins", testLeaseRacingAcquireOneWins},
	{"LeaseRefusesBadInput", testLeaseRefusesBadInput},
	{"ClaimAlertsNeverShared", testClaimAlertsNeverShared},
	{"ClaimLapsesAndAttemptEndsIt", testClaimLapsesAndAttemptEndsIt},
	{"ReleaseEndsOnlyItsOwnClaim", testReleaseEndsOnlyItsOwnClaim},
	{"ReleaseManyAtOnce", testReleaseManyAtOnce},
	{"CountsCountEveryTable", testCountsCountEveryTable},
	{"PushBeatLatestWins", testPushBeatLatestWins},
	{"PushBeatRacingNeverGoesBack", testPushBeatRacingNeverGoesBack},
	{"PushBeatRefusesBadInput", testPushBeatRefusesBadInput},
	{"DetectionRoundTrip", testDetectionRoundTrip},
	{"DetectionRefuses", testDetectionRefuses},
	{"OutboxQueuesPerKeyAndReceiver", testOutboxQueuesPerKeyAndReceiver},
	{"AlertKeyWithPrefix", testAlertKeyWithPrefix},
	{"ClosedThrough", testClosedThrough},
	{"LocationLeaseAndHealth", testLocationLeaseAndHealth},
	{"LocationClaimsRacingOneWins", testLocationClaimsRacingOneWins},
	{"LocationsRefuseBadInput", testLocationsRefuseBadInput},
}
