package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/store"
)

// testClaimAlertsNeverShared has two senders on two handles, each with
// several goroutines, claim a full outbox in small batches: every alert is
// claimed, and by one claim only.
func testClaimAlertsNeverShared(t *testing.T, s suite) {
	ctx := context.Background()
	open := s.fresh(t)
	handles := []store.Store{open(t, Options{Now: FixedNow}), open(t, Options{Now: FixedNow})}
	const n = 120
	as := make([]store.Alert, n)
	for i := range as {
		as[i] = AlertFor(fmt.Sprintf("incident/%d", i), "pager")
	}
	if err := handles[0].Enqueue(ctx, as); err != nil {
		t.Fatal(err)
	}
	now := FixedNow().Add(time.Second)
	var mu sync.Mutex
	claims := map[int64][]string{}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			d := handles[g%2]
			for {
				got, err := d.ClaimAlerts(ctx, now, 7, fmt.Sprintf("sender-%d", g), time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, a := range got {
					claims[a.ID] = append(claims[a.ID], a.Claim)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(claims) != n {
		t.Errorf("got %d alerts claimed, want %d", len(claims), n)
	}
	for id, tokens := range claims {
		if len(tokens) != 1 {
			t.Errorf("alert %d claimed %d times: %v", id, len(tokens), tokens)
		}
	}
}

func testClaimLapsesAndAttemptEndsIt(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	if err := d.Enqueue(ctx, []store.Alert{AlertFor("incident/1", "pager")}); err != nil {
		t.Fatal(err)
	}
	now := FixedNow()
	const hold = time.Minute
	first, err := d.ClaimAlerts(ctx, now, 10, "a", hold)
	if err != nil || len(first) != 1 {
		t.Fatalf("got %+v, %v; want the alert", first, err)
	}
	if first[0].Claim == "" || !first[0].ClaimedUntil.Equal(now.Add(hold)) {
		t.Errorf("got claim %q until %v, want a token until %v", first[0].Claim, first[0].ClaimedUntil, now.Add(hold))
	}
	if got, err := d.ClaimAlerts(ctx, now.Add(hold-time.Millisecond), 10, "b", hold); err != nil || len(got) != 0 {
		t.Errorf("while claimed: got %+v, %v; want nothing", got, err)
	}
	second, err := d.ClaimAlerts(ctx, now.Add(hold), 10, "b", hold)
	if err != nil || len(second) != 1 || second[0].Claim == first[0].Claim {
		t.Fatalf("after the claim lapsed: got %+v, %v; want the alert under a new claim", second, err)
	}
	retry := now.Add(10 * time.Minute)
	if err := d.RecordAttempt(ctx, second[0].ID, now.Add(hold), store.AttemptOutcome{Outcome: store.OutcomeRetry, NextAt: retry, Error: "503"}); err != nil {
		t.Fatal(err)
	}
	a, err := d.Alert(ctx, second[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Claim != "" || !a.ClaimedUntil.IsZero() {
		t.Errorf("after the attempt: got claim %q until %v, want none", a.Claim, a.ClaimedUntil)
	}
	if got, _ := d.ClaimAlerts(ctx, retry.Add(-time.Millisecond), 10, "c", hold); len(got) != 0 {
		t.Errorf("before it is due again: got %+v, want nothing", got)
	}
	if got, _ := d.ClaimAlerts(ctx, retry, 10, "c", hold); len(got) != 1 {
		t.Errorf("when due again: got %+v, want the alert", got)
	}
	if _, err := d.ClaimAlerts(ctx, now, 10, "", hold); err == nil {
		t.Error("empty claimant: got nil, want an error")
	}
}

// testReleaseEndsOnlyItsOwnClaim: a released alert can be claimed at once
// by another sender; a release under another token, or of an alert
// claimed anew since, changes nothing.
func testReleaseEndsOnlyItsOwnClaim(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	if err := d.Enqueue(ctx, []store.Alert{AlertFor("incident/1", "pager"), AlertFor("incident/2", "pager")}); err != nil {
		t.Fatal(err)
	}
	now := FixedNow()
	const hold = time.Minute
	first, err := d.ClaimAlerts(ctx, now, 10, "a", hold)
	if err != nil || len(first) != 2 {
		t.Fatalf("got %+v, %v; want both alerts", first, err)
	}
	if err := d.ReleaseAlerts(ctx, "someone-else/00", []int64{first[0].ID, first[1].ID}); err != nil {
		t.Fatal(err)
	}
	if got, err := d.ClaimAlerts(ctx, now, 10, "b", hold); err != nil || len(got) != 0 {
		t.Errorf("after a release under another token: got %+v, %v; want nothing", got, err)
	}
	if err := d.ReleaseAlerts(ctx, first[0].Claim, []int64{first[0].ID}); err != nil {
		t.Fatal(err)
	}
	second, err := d.ClaimAlerts(ctx, now, 10, "b", hold)
	if err != nil || len(second) != 1 || second[0].ID != first[0].ID {
		t.Fatalf("after the release: got %+v, %v; want the released alert only", second, err)
	}
	// The first claim's token no longer holds the alert: its late release
	// leaves the second claim be.
	if err := d.ReleaseAlerts(ctx, first[0].Claim, []int64{first[0].ID}); err != nil {
		t.Fatal(err)
	}
	a, err := d.Alert(ctx, first[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Claim != second[0].Claim {
		t.Errorf("a stale release changed the claim: got %q, want %q", a.Claim, second[0].Claim)
	}
	if err := d.ReleaseAlerts(ctx, "a/00", nil); err != nil {
		t.Errorf("releasing nothing: %v", err)
	}
}

// testCountsCountEveryTable checks Counts against what the test stored.
func testCountsCountEveryTable(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	Write(t, d, Result("api", "a", At(0, 0), true), Result("api", "b", At(0, 0), false), Result("web", "a", At(1, 0), true))
	entries := len(LedgerHistory(t, d))
	if _, err := d.AddExclusion(ctx, store.Exclusion{Contract: "c", Start: At(0, 0), End: At(5, 0), Reason: "customer"}, "am"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.CreateToken(ctx, store.NewToken{Name: "ci", Role: store.RoleAdmin}, "admin"); err != nil {
		t.Fatal(err)
	}
	got, err := d.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Counts{Results: 3, HistoryDays: 2, Credits: 3, Audit: int64(entries) + 2, Exclusions: 1, Tokens: 1}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// testReleaseManyAtOnce: one release hands back every alert it names
// that its token holds, however many (more than a statement's worth of
// parameters in SQLite), and leaves the one it does not name claimed.
func testReleaseManyAtOnce(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	const n = 1201
	as := make([]store.Alert, n)
	for i := range as {
		as[i] = AlertFor(fmt.Sprintf("incident/%d", i+1), "pager")
	}
	if err := d.Enqueue(ctx, as); err != nil {
		t.Fatal(err)
	}
	now := FixedNow()
	const hold = time.Minute
	claimed, err := d.ClaimAlerts(ctx, now, 0, "a", hold)
	if err != nil || len(claimed) != n {
		t.Fatalf("claim: %d alerts, %v; want %d", len(claimed), err, n)
	}
	kept := claimed[n-1]
	var ids []int64
	for _, a := range claimed[:n-1] {
		ids = append(ids, a.ID)
	}
	if err := d.ReleaseAlerts(ctx, kept.Claim, ids); err != nil {
		t.Fatal(err)
	}
	again, err := d.ClaimAlerts(ctx, now, 0, "b", hold)
	if err != nil || len(again) != n-1 {
		t.Fatalf("after the release: %d alerts, %v; want the %d released", len(again), err, n-1)
	}
	if slices.ContainsFunc(again, func(a store.Alert) bool { return a.ID == kept.ID }) {
		t.Errorf("alert %d, not named in the release, was claimed again", kept.ID)
	}
	if a, err := d.Alert(ctx, kept.ID); err != nil || a.Claim != kept.Claim {
		t.Errorf("the alert not released: %+v, %v; want it still claimed by %q", a, err, kept.Claim)
	}
}
