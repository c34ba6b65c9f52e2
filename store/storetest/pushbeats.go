package storetest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/store"
)

// testPushBeatLatestWins records heartbeats of two checks: the latest is
// read back (to the millisecond, with its status and message), an older
// one arriving late changes nothing, one at the same instant replaces it,
// checks do not see each other's, and all of it survives a reopen.
func testPushBeatLatestWins(t *testing.T, s suite) {
	ctx := context.Background()
	open := s.fresh(t)
	d := open(t, Options{Now: FixedNow})
	if _, ok, err := d.LatestPushBeat(ctx, "cron"); err != nil || ok {
		t.Fatalf("before any heartbeat: got ok=%v, %v; want none", ok, err)
	}
	t0 := At(0, 0)
	record := func(b store.PushBeat) {
		t.Helper()
		if err := d.RecordPushBeat(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	record(store.PushBeat{CheckID: "cron", At: t0.Add(1500 * time.Microsecond)})
	record(store.PushBeat{CheckID: "cron", At: t0.Add(10 * time.Second), Down: true, Msg: "disk full é"})
	record(store.PushBeat{CheckID: "cron", At: t0.Add(5 * time.Second)}) // late: older than the stored one
	record(store.PushBeat{CheckID: "backup", At: t0.Add(time.Second)})
	want := store.PushBeat{CheckID: "cron", At: t0.Add(10 * time.Second), Down: true, Msg: "disk full é"}
	if b, ok, err := d.LatestPushBeat(ctx, "cron"); err != nil || !ok || b != want {
		t.Fatalf("after a late heartbeat: got %+v, %v, %v; want %+v", b, ok, err, want)
	}
	record(store.PushBeat{CheckID: "cron", At: t0.Add(10 * time.Second)}) // same instant: the later call wins
	d.Close()
	d = open(t, Options{Now: FixedNow})
	want = store.PushBeat{CheckID: "cron", At: t0.Add(10 * time.Second)}
	if b, ok, err := d.LatestPushBeat(ctx, "cron"); err != nil || !ok || b != want {
		t.Errorf("after a reopen: got %+v, %v, %v; want %+v", b, ok, err, want)
	}
	want = store.PushBeat{CheckID: "backup", At: t0.Add(time.Second)}
	if b, ok, err := d.LatestPushBeat(ctx, "backup"); err != nil || !ok || b != want {
		t.Errorf("the other check: got %+v, %v, %v; want %+v", b, ok, err, want)
	}
}

// testPushBeatRacingNeverGoesBack has writers record heartbeats of one
// check at once, in shuffled order: the stored one is the latest of all.
func testPushBeatRacingNeverGoesBack(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	const writers, each = 4, 25
	t0 := At(0, 0)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				// Writer w records instants w, w+writers, ... but the
				// highest first, so every writer sends times that go back.
				at := t0.Add(time.Duration((each-1-i)*writers+w) * time.Millisecond)
				if err := d.RecordPushBeat(ctx, store.PushBeat{CheckID: "cron", At: at}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	want := t0.Add(time.Duration(writers*each-1) * time.Millisecond)
	if b, ok, err := d.LatestPushBeat(ctx, "cron"); err != nil || !ok || !b.At.Equal(want) {
		t.Errorf("got %+v, %v, %v; want at %s", b, ok, err, want)
	}
}

// testPushBeatRefusesBadInput refuses heartbeats no store may keep, naming
// the field, and stores nothing for them.
func testPushBeatRefusesBadInput(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	good := store.PushBeat{CheckID: "cron", At: At(0, 0), Msg: "ok"}
	if err := d.RecordPushBeat(ctx, good); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, want string
		b          store.PushBeat
	}{
		{"no check", "check_id", store.PushBeat{CheckID: " ", At: At(1, 0)}},
		{"no time", "at", store.PushBeat{CheckID: "cron"}},
		{"before 1970", "before 1970", store.PushBeat{CheckID: "cron", At: time.Unix(-5, 0)}},
		{"long message", "msg: 161 bytes", store.PushBeat{CheckID: "cron", At: At(1, 0), Msg: strings.Repeat("x", 161)}},
		{"message not UTF-8", "msg: not UTF-8", store.PushBeat{CheckID: "cron", At: At(1, 0), Msg: "\xff"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := d.RecordPushBeat(ctx, tc.b)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
	if b, ok, err := d.LatestPushBeat(ctx, "cron"); err != nil || !ok || b != good {
		t.Errorf("after the refusals: got %+v, %v, %v; want %+v", b, ok, err, good)
	}
}
