package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/store"
)

func testLeaseAcquireRenewRelease(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	const ttl = time.Minute
	a, err := d.AcquireLease(ctx, "leader", "replica-a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	if a.Epoch != 1 || a.Holder != "replica-a" || !a.Held(time.Now()) {
		t.Fatalf("got %+v, want epoch 1 held by replica-a", a)
	}
	if _, err := d.AcquireLease(ctx, "leader", "replica-b", ttl); !errors.Is(err, store.ErrLeaseHeld) {
		t.Fatalf("second holder: got %v, want ErrLeaseHeld", err)
	}
	again, err := d.AcquireLease(ctx, "leader", "replica-a", ttl)
	if err != nil || again.Epoch != 1 {
		t.Fatalf("holder acquiring again: got %+v, %v; want epoch 1", again, err)
	}
	renewed, err := d.RenewLease(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if renewed.Epoch != 1 || renewed.Expires.Before(a.Expires) || !renewed.Deadline.After(a.Deadline) {
		t.Errorf("renewal: got %+v after %+v, want the same epoch, later ends", renewed, a)
	}
	other, err := d.AcquireLease(ctx, "other-job", "replica-b", ttl)
	if err != nil || other.Epoch != 1 {
		t.Errorf("another name: got %+v, %v; want its own lease, epoch 1", other, err)
	}
	if err := d.ReleaseLease(ctx, renewed); err != nil {
		t.Fatal(err)
	}
	b, err := d.AcquireLease(ctx, "leader", "replica-b", ttl)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	if b.Epoch != 2 {
		t.Errorf("after release: got epoch %d, want 2", b.Epoch)
	}
	if _, err := d.RenewLease(ctx, renewed); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("renewing a released lease: got %v, want ErrLeaseLost", err)
	}
	if err := d.ReleaseLease(ctx, renewed); err != nil {
		t.Errorf("releasing a lost lease: got %v, want nil", err)
	}
	if _, err := d.AcquireLease(ctx, "leader", "replica-a", ttl); !errors.Is(err, store.ErrLeaseHeld) {
		t.Errorf("the old holder: got %v, want ErrLeaseHeld", err)
	}
}

// testLeaseLapsesAfterHoldersDeadline lets a lease lapse without renewal
// and tries to take it from a second handle all along: the first success
// comes after the first holder's own deadline, so a holder that stops
// acting at its deadline never overlaps the next.
func testLeaseLapsesAfterHoldersDeadline(t *testing.T, s suite) {
	ctx := context.Background()
	open := s.fresh(t)
	d1, d2 := open(t, Options{}), open(t, Options{})
	const ttl = 400 * time.Millisecond
	a, err := d1.AcquireLease(ctx, "leader", "replica-a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	var b store.Lease
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 20*ttl {
			t.Fatalf("the lease never lapsed: %+v", a)
		}
		b, err = d2.AcquireLease(ctx, "leader", "replica-b", ttl)
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrLeaseHeld) {
			t.Fatal(err)
		}
	}
	if got := time.Now(); a.Held(got) {
		t.Errorf("replica-b took the lease while replica-a still counted it held (deadline %v ahead)", a.Deadline.Sub(got))
	}
	if b.Epoch != a.Epoch+1 {
		t.Errorf("got epoch %d, want %d", b.Epoch, a.Epoch+1)
	}
	if _, err := d1.RenewLease(ctx, a); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("renewing a lapsed lease: got %v, want ErrLeaseLost", err)
	}
}

func testLeaseRacingAcquireOneWins(t *testing.T, s suite) {
	ctx := context.Background()
	open := s.fresh(t)
	handles := []store.Store{open(t, Options{}), open(t, Options{})}
	if won := raceOneWins(t, store.ErrLeaseHeld, func(i int) error {
		_, err := handles[i%2].AcquireLease(ctx, "leader", string(rune('a'+i)), time.Minute)
		return err
	}); won != 1 {
		t.Errorf("got %d holders, want 1", won)
	}
}

// raceOneWins runs call for a dozen callers at once and returns how many
// succeeded; every other must fail with lost.
func raceOneWins(t *testing.T, lost error, call func(i int) error) int {
	t.Helper()
	const callers = 12
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { errs[i] = call(i) })
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, lost):
			t.Errorf("caller %d: got %v, want nil or %v", i, err, lost)
		}
	}
	return won
}

func testLeaseRefusesBadInput(t *testing.T, s suite) {
	d := s.open(t)
	tests := []struct {
		name, lease, holder string
		ttl                 time.Duration
	}{
		{"empty name", "", "a", time.Minute},
		{"empty holder", "leader", " ", time.Minute},
		{"ttl too short", "leader", "a", time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := d.AcquireLease(context.Background(), tc.lease, tc.holder, tc.ttl); err == nil {
				t.Error("got nil, want an error")
			}
		})
	}
	if _, err := d.AcquireLease(context.Background(), "leader", "a", time.Minute); err != nil {
		t.Errorf("nothing was held after the refusals, yet: %v", err)
	}
}
