package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/store"
)

// testDetectionRoundTrip saves detection progress, replaces part of it and
// reads it back after a reopen: each service keeps its latest progress, at
// millisecond precision in UTC.
func testDetectionRoundTrip(t *testing.T, s suite) {
	ctx := context.Background()
	open := s.fresh(t)
	d := open(t, Options{Now: FixedNow})
	if ps, err := d.Detection(ctx); err != nil || len(ps) != 0 {
		t.Fatalf("empty store: got %+v, %v; want none", ps, err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	first := []incident.Progress{
		{Service: "web", Judged: At(5, 0)},
		{Service: "mail", Judged: At(7, 0).In(berlin), UpSince: At(5, 0), UpMinutes: 3},
	}
	if err := d.SaveDetection(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := d.SaveDetection(ctx, []incident.Progress{{Service: "web", Judged: At(9, 0), UpSince: At(8, 0), UpMinutes: 2}}); err != nil {
		t.Fatal(err)
	}
	if err := d.SaveDetection(ctx, nil); err != nil {
		t.Fatalf("saving nothing: %v", err)
	}
	d.Close()
	d = open(t, Options{Now: FixedNow})
	got, err := d.Detection(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []incident.Progress{
		{Service: "mail", Judged: At(7, 0), UpSince: At(5, 0), UpMinutes: 3},
		{Service: "web", Judged: At(9, 0), UpSince: At(8, 0), UpMinutes: 2},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Service != w.Service || !g.Judged.Equal(w.Judged) || g.Judged.Location() != time.UTC ||
			!g.UpSince.Equal(w.UpSince) || g.UpMinutes != w.UpMinutes {
			t.Errorf("progress %d: got %+v, want %+v in UTC", i, g, w)
		}
	}
}

// testDetectionRefuses: progress without a service, or with a recovery
// count that makes no sense, is refused, and a refused batch saves
// nothing.
func testDetectionRefuses(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	for _, tc := range []struct {
		name string
		p    incident.Progress
	}{
		{"no service", incident.Progress{Judged: At(1, 0)}},
		{"negative count", incident.Progress{Service: "web", UpMinutes: -1}},
		{"count without a first minute", incident.Progress{Service: "web", UpMinutes: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := d.SaveDetection(ctx, []incident.Progress{{Service: "ok", Judged: At(1, 0)}, tc.p})
			if err == nil {
				t.Fatal("got nil, want an error")
			}
			if store.CheckProgress(tc.p) == nil {
				t.Errorf("store.CheckProgress accepts %+v", tc.p)
			}
		})
	}
	if ps, err := d.Detection(ctx); err != nil || len(ps) != 0 {
		t.Errorf("after refusals: got %+v, %v; want nothing saved", ps, err)
	}
}
