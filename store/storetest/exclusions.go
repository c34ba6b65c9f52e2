package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/store"
)

func testExclusionsAreAuditedAndCancelledNotDeleted(t *testing.T, s suite) {
	d := s.openWith(t, Options{})
	ctx := context.Background()
	t0 := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	e, err := d.AddExclusion(ctx, store.Exclusion{Contract: "acme-mail", Start: t0, End: t0.Add(2 * time.Hour), Reason: "customer's planned migration"}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddExclusion(ctx, store.Exclusion{Contract: "other", Start: t0, End: t0.Add(time.Hour), Reason: "storm"}, "bob"); err != nil {
		t.Fatal(err)
	}
	in, err := d.ExclusionsInForce(ctx, "acme-mail", t0.Add(time.Hour), t0.AddDate(0, 0, 1))
	if err != nil || len(in) != 1 || !in[0].Start.Equal(t0) || in[0].Reason != "customer's planned migration" {
		t.Fatalf("in force: %+v, %v", in, err)
	}
	if out, _ := d.ExclusionsInForce(ctx, "acme-mail", t0.Add(2*time.Hour), t0.Add(3*time.Hour)); len(out) != 0 {
		t.Errorf("an exclusion ending at the range's start overlaps it: %+v", out)
	}
	for _, bad := range []store.Exclusion{
		{Contract: "", Start: t0, End: t0.Add(time.Hour), Reason: "x"},
		{Contract: "c", Start: t0, End: t0, Reason: "x"},
		{Contract: "c", Start: t0, End: t0.Add(time.Hour), Reason: " "},
		// Times the SLA engine cannot compute with (it holds 1678 to 2262).
		{Contract: "c", Start: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), End: t0, Reason: "x"},
		{Contract: "c", Start: t0, End: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), Reason: "x"},
	} {
		if _, err := d.AddExclusion(ctx, bad, "alice"); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	c, err := d.CancelExclusion(ctx, e.ID, "carol", "entered against the wrong contract")
	if err != nil || !c.Cancelled || c.CancelledBy != "carol" {
		t.Fatalf("cancel: %+v, %v", c, err)
	}
	if _, err := d.CancelExclusion(ctx, e.ID, "carol", "again"); err == nil || !strings.Contains(err.Error(), "already cancelled") {
		t.Errorf("second cancel: %v", err)
	}
	if _, err := d.CancelExclusion(ctx, 999, "carol", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown exclusion: %v", err)
	}
	if in, _ := d.ExclusionsInForce(ctx, "acme-mail", t0, t0.AddDate(0, 0, 1)); len(in) != 0 {
		t.Errorf("a cancelled exclusion is still in force: %+v", in)
	}
	all, err := d.ListExclusions(ctx, "")
	if err != nil || len(all) != 2 || !all[0].Cancelled {
		t.Errorf("list keeps the cancelled one: %+v, %v", all, err)
	}
	entries, err := d.AuditOf(ctx, "exclusion/1")
	if err != nil || len(entries) != 2 || entries[0].Action != "exclusion.added" || entries[1].Action != "exclusion.cancelled" || entries[1].Actor != "carol" {
		t.Errorf("audit of exclusion 1: %+v, %v", entries, err)
	}
	if _, err := d.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}
