package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/store"
)

// testMaintenanceHistoryStands: windows announced at run time are listed
// by start; withdrawing one at the store's now cancels it while planned,
// ends it now while in progress (what passed stays), and is refused once
// it has ended or was cancelled; every change is audited.
func testMaintenanceHistoryStands(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t) // now is FixedNow, At(60, 0)
	add := func(title string, from, to int) store.Maintenance {
		m, err := d.AddMaintenance(ctx, store.Maintenance{Services: []string{"mail"}, Title: title, Start: At(from, 0), End: At(to, 0)}, "alice")
		if err != nil {
			t.Fatalf("add %s: %v", title, err)
		}
		if m.ID == 0 || !m.Announced.Equal(FixedNow()) || m.Actor != "alice" {
			t.Errorf("added %+v: want an ID, announced at the store's now, by alice", m)
		}
		return m
	}
	past, running, planned := add("past", 0, 30), add("running", 30, 90), add("planned", 90, 120)

	if _, err := d.CancelMaintenance(ctx, past.ID, "bob"); !errors.Is(err, store.ErrMaintenanceState) {
		t.Errorf("cancel a window that ended: %v, want ErrMaintenanceState", err)
	}
	m, err := d.CancelMaintenance(ctx, running.ID, "bob")
	if err != nil || m.Cancelled || !m.Start.Equal(running.Start) || !m.End.Equal(FixedNow()) {
		t.Errorf("cancel a window in progress: %+v, %v; want it ended now, not cancelled", m, err)
	}
	m, err = d.CancelMaintenance(ctx, planned.ID, "bob")
	if err != nil || !m.Cancelled || m.CancelledBy != "bob" || !m.CancelledAt.Equal(FixedNow()) || !m.End.Equal(planned.End) {
		t.Errorf("cancel a planned window: %+v, %v; want it cancelled by bob", m, err)
	}
	if _, err := d.CancelMaintenance(ctx, planned.ID, "bob"); !errors.Is(err, store.ErrMaintenanceState) {
		t.Errorf("cancel twice: %v, want ErrMaintenanceState", err)
	}
	if _, err := d.CancelMaintenance(ctx, 999, "bob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("cancel an unknown window: %v, want ErrNotFound", err)
	}

	list, err := d.ListMaintenance(ctx)
	if err != nil || len(list) != 3 {
		t.Fatalf("list: %+v, %v", list, err)
	}
	if l := list[0]; l.Cancelled || !l.Start.Equal(past.Start) || !l.End.Equal(past.End) {
		t.Errorf("the past window changed: %+v, was %+v", list[0], past)
	}
	if l := list[1]; l.Cancelled || !l.End.Equal(FixedNow()) {
		t.Errorf("listed window in progress: %+v, want it ended now", l)
	}
	if l := list[2]; !l.Cancelled || l.CancelledBy != "bob" {
		t.Errorf("listed planned window: %+v, want it cancelled", l)
	}
	for _, tc := range []struct {
		id      int64
		actions []string
	}{
		{past.ID, []string{"maintenance.announced"}},
		{running.ID, []string{"maintenance.announced", store.MaintenanceEnded}},
		{planned.ID, []string{"maintenance.announced", store.MaintenanceCancelled}},
	} {
		es, err := d.AuditOf(ctx, store.MaintenanceSubject(tc.id))
		var got []string
		for _, e := range es {
			got = append(got, e.Action)
		}
		if err != nil || len(got) != len(tc.actions) || (len(got) == 2 && got[1] != tc.actions[1]) {
			t.Errorf("audit of maintenance %d: %v, %v; want %v", tc.id, got, err, tc.actions)
		}
	}
	if _, err := d.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}

// testMaintenanceRefusesBadWindows: no service, no title, an empty window
// or times the SLA engine cannot compute with are refused, and nothing
// is stored.
func testMaintenanceRefusesBadWindows(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	year := func(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC) }
	for _, bad := range []store.Maintenance{
		{Title: "x", Start: At(0, 0), End: At(1, 0)},
		{Services: []string{"mail"}, Title: " ", Start: At(0, 0), End: At(1, 0)},
		{Services: []string{"mail"}, Title: "x", Start: At(1, 0), End: At(1, 0)},
		{Services: []string{"mail"}, Title: "x", Start: year(1), End: At(1, 0)},
		{Services: []string{"mail"}, Title: "x", Start: At(1, 0), End: year(9999)},
	} {
		if _, err := d.AddMaintenance(ctx, bad, "alice"); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	if list, err := d.ListMaintenance(ctx); err != nil || len(list) != 0 {
		t.Errorf("stored: %+v, %v", list, err)
	}
}

// testMaintenanceUpdatesFollowTheClock: a window keeps its description;
// people's updates are stored in order with their actor, each only in the
// state the window's clock is in; a completed update before the end ends
// the window then; refused updates store nothing; every update is audited
// with its poster as actor.
func testMaintenanceUpdatesFollowTheClock(t *testing.T, s suite) {
	ctx := context.Background()
	now := At(0, 0)
	d := s.openWith(t, Options{Now: func() time.Time { return now }})
	m, err := d.AddMaintenance(ctx, store.Maintenance{Services: []string{"mail"}, Title: "Mail upgrade",
		Description: "Mail moves to new disks; sending may pause for a minute.", Start: At(30, 0), End: At(90, 0)}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	post := func(status, body string) (store.Maintenance, error) {
		return d.PostMaintenanceUpdate(ctx, m.ID, status, body, "bob@example.com")
	}
	refused := []struct {
		name, status, body string
		at                 time.Time
		want               error // nil: any error naming a field
	}{
		{"unknown status", "verifying", "x", At(10, 0), nil},
		{"empty body", store.MaintenanceScheduled, "  ", At(10, 0), nil},
		{"in progress before the start", store.MaintenanceInProgress, "x", At(10, 0), store.ErrMaintenanceState},
		{"completed before the start", store.MaintenanceCompleted, "x", At(10, 0), store.ErrMaintenanceState},
		// It would end the window at its start, leaving nothing of it.
		{"completed at the start", store.MaintenanceCompleted, "x", At(30, 0), store.ErrMaintenanceState},
		{"scheduled once begun", store.MaintenanceScheduled, "x", At(31, 0), store.ErrMaintenanceState},
	}
	for _, tc := range refused {
		now = tc.at
		_, err := post(tc.status, tc.body)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %v, want a refusal (%v)", tc.name, err, tc.want)
		}
	}
	if _, err := d.PostMaintenanceUpdate(ctx, 999, store.MaintenanceScheduled, "x", "bob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update an unknown window: %v, want ErrNotFound", err)
	}
	steps := []struct {
		at             time.Time
		status, body   string
		wantEnd        time.Time
		wantNumUpdates int
	}{
		{At(20, 0), store.MaintenanceScheduled, "Starting on time.", At(90, 0), 1},
		{At(35, 0), store.MaintenanceInProgress, "Disks are being copied.", At(90, 0), 2},
		{At(50, 0), store.MaintenanceCompleted, "All done early.", At(50, 0), 3},
	}
	for _, st := range steps {
		now = st.at
		got, err := post(st.status, st.body)
		if err != nil || !got.End.Equal(st.wantEnd) || len(got.Updates) != st.wantNumUpdates {
			t.Fatalf("post %s at %s: %+v, %v; want end %s and %d updates", st.status, st.at, got, err, st.wantEnd, st.wantNumUpdates)
		}
	}
	now = At(55, 0)
	if _, err := post(store.MaintenanceInProgress, "again"); !errors.Is(err, store.ErrMaintenanceState) {
		t.Errorf("update after completed: %v, want ErrMaintenanceState", err)
	}
	list, err := d.ListMaintenance(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %+v, %v", list, err)
	}
	got := list[0]
	if got.Description != m.Description || !got.End.Equal(At(50, 0)) || len(got.Updates) != len(steps) {
		t.Fatalf("listed %+v; want the description, the end moved to the completed update, %d updates", got, len(steps))
	}
	for i, u := range got.Updates {
		if u.Status != steps[i].status || u.Body != steps[i].body || !u.At.Equal(steps[i].at) || u.Actor != "bob@example.com" || u.Maintenance != m.ID {
			t.Errorf("update %d: %+v, want %s %q at %s by bob", i, u, steps[i].status, steps[i].body, steps[i].at)
		}
	}
	es, err := d.AuditOf(ctx, store.MaintenanceSubject(m.ID))
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action+" by "+e.Actor)
	}
	want := []string{"maintenance.announced by alice", "maintenance.updated by bob@example.com", "maintenance.updated by bob@example.com", "maintenance.updated by bob@example.com"}
	if err != nil || !slices.Equal(actions, want) {
		t.Errorf("audit: %v, %v; want %v", actions, err, want)
	}
	if _, err := d.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
	// Cancelling answers with the window as it now stands, updates and all.
	now = At(60, 0)
	later, err := d.AddMaintenance(ctx, store.Maintenance{Services: []string{"mail"}, Title: "Mail second pass", Start: At(120, 0), End: At(150, 0)}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.PostMaintenanceUpdate(ctx, later.ID, store.MaintenanceScheduled, "On the calendar.", "bob"); err != nil {
		t.Fatal(err)
	}
	if c, err := d.CancelMaintenance(ctx, later.ID, "bob"); err != nil || !c.Cancelled || len(c.Updates) != 1 || c.Updates[0].Body != "On the calendar." {
		t.Errorf("cancel: %+v, %v; want the cancelled window with its one update", c, err)
	}
}

// testMaintenanceListIsOneSnapshot: windows are listed with their updates
// as of one moment, while updates are being posted: a window listed with
// a completed update has the end that update gave it, and one listed
// with that end has the update.
func testMaintenanceListIsOneSnapshot(t *testing.T, s suite) {
	ctx := context.Background()
	now := At(30, 0)
	d := s.openWith(t, Options{Now: func() time.Time { return now }})
	const windows = 40
	var ids []int64
	for i := range windows {
		m, err := d.AddMaintenance(ctx, store.Maintenance{Services: []string{"mail"}, Title: fmt.Sprintf("Mail pass %d", i),
			Start: At(10, 0), End: At(90, 0)}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for _, id := range ids {
			if _, err := d.PostMaintenanceUpdate(ctx, id, store.MaintenanceCompleted, "Done early.", "bob"); err != nil {
				t.Errorf("post on %d: %v", id, err)
				return
			}
		}
	}()
	check := func(list []store.Maintenance) {
		for _, m := range list {
			completed := slices.ContainsFunc(m.Updates, func(u store.MaintenanceUpdate) bool { return u.Status == store.MaintenanceCompleted })
			if ended := m.End.Equal(now); completed != ended {
				t.Errorf("window %d listed with end %s and updates %+v: the end and the updates disagree", m.ID, m.End, m.Updates)
			}
		}
	}
	for lists := 0; ; lists++ {
		select {
		case <-done:
			wg.Wait()
			list, err := d.ListMaintenance(ctx)
			if err != nil || len(list) != windows {
				t.Fatalf("list after the posts: %d windows, %v; want %d", len(list), err, windows)
			}
			check(list)
			t.Logf("%d lists while posting", lists)
			return
		default:
		}
		list, err := d.ListMaintenance(ctx)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		check(list)
		if t.Failed() {
			<-done
			wg.Wait()
			return
		}
	}
}
