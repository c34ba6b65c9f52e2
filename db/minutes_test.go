package db

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

func TestDayOf(t *testing.T) {
	tests := []struct {
		name       string
		at         time.Time
		wantDay    int64
		wantMinute int
	}{
		{"epoch", time.Unix(0, 0), 0, 0},
		{"last ms of first day", time.UnixMilli(msPerDay - 1), 0, 1439},
		{"second day", time.UnixMilli(msPerDay), 1, 0},
		{"before epoch", time.UnixMilli(-1), -1, 1439},
		{"utc midnight", time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), 20784, 0},
		{"zone is irrelevant", time.Date(2026, 11, 27, 1, 30, 0, 0, time.FixedZone("CET", 3600)), 20784, 30},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			day, minute := dayOf(tc.at.UnixMilli())
			if day != tc.wantDay || minute != tc.wantMinute {
				t.Errorf("got day %d minute %d, want day %d minute %d", day, minute, tc.wantDay, tc.wantMinute)
			}
		})
	}
}

// sampleDay builds a day with the shapes the codec must handle.
func sampleDay(day int64, shape string) *dayRecord {
	r := &dayRecord{}
	switch shape {
	case "empty":
	case "steady":
		for loc := int64(1); loc <= 3; loc++ {
			l := r.location(loc)
			l.minutes(new(arrayPool)) // expanded, empty
			for i := range l.min {
				l.min[i] = sla.LocationMinute{OK: 2}
			}
			l.last = day*msPerDay + msPerDay - 1
		}
	case "outage":
		l := r.location(7)
		l.minutes(new(arrayPool)) // expanded, empty
		for i := range l.min {
			l.min[i] = sla.LocationMinute{OK: 1}
		}
		for i := 600; i < 640; i++ {
			l.min[i] = sla.LocationMinute{Fail: 1, Lead: 1, Trail: 1, MaxRun: 1}
		}
		l.last = day*msPerDay + 12345
	case "random":
		// Five locations, two runs a minute, half of them failing at
		// random all day: a worst case that still has to fit in 4 KiB.
		rng := rand.New(rand.NewPCG(1, 2))
		for loc := int64(1); loc <= 5; loc++ {
			l := r.location(loc)
			l.minutes(new(arrayPool)) // expanded, empty
			for i := range l.min {
				l.min[i].Add(rng.IntN(2) == 0)
				l.min[i].Add(rng.IntN(2) == 0)
			}
			l.last = day*msPerDay + msPerDay - 1
		}
	case "noisy":
		// Every minute differs from the one before: run-length coding
		// gains nothing, DEFLATE must.
		for loc := int64(1); loc <= 5; loc++ {
			l := r.location(loc * 1000)
			l.minutes(new(arrayPool)) // expanded, empty
			for i := range l.min {
				f := uint8((i * int(loc)) % 4)
				l.min[i] = sla.LocationMinute{OK: 6 - f, Fail: f, Lead: f / 2, Trail: f - f/2, MaxRun: f - f/2}
			}
			l.last = day * msPerDay
		}
	}
	return r
}

func TestDayCodecRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		shape   string
		maxSize int // bytes
	}{
		{"empty day", "empty", 2},
		{"three steady locations", "steady", 40},
		{"one outage", "outage", 30},
		{"noisy five locations", "noisy", 4096},
		{"five locations failing half their runs at random", "random", 4096},
	}
	var c dayCodec
	const day = 20784
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := sampleDay(day, tc.shape)
			data, err := c.encode(in, day)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if len(data) > tc.maxSize {
				t.Errorf("got %d bytes, want at most %d", len(data), tc.maxSize)
			}
			out, err := decodeDay(append([]byte(nil), data...), day)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(out.locs) != len(in.locs) {
				t.Fatalf("got %d locations, want %d", len(out.locs), len(in.locs))
			}
			for i := range in.locs {
				o, w := out.locs[i], in.locs[i]
				var pool arrayPool
				if o.loc != w.loc || o.last != w.last || *o.minutes(&pool) != *w.minutes(&pool) {
					t.Errorf("location %d: decoded record differs from encoded one", in.locs[i].loc)
				}
			}
		})
	}
}

func TestDecodeDayRejectsCorruptData(t *testing.T) {
	var c dayCodec
	good, err := c.encode(sampleDay(1, "outage"), 1)
	if err != nil {
		t.Fatal(err)
	}
	good = append([]byte(nil), good...)
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"unknown format", append([]byte{9}, good[1:]...)},
		{"truncated", good[:len(good)-1]},
		{"trailing byte", append(append([]byte(nil), good...), 0)},
		{"bad deflate", []byte{formatDeflate, 1, 2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeDay(tc.data, 1)
			if !errors.Is(err, errBadDay) {
				t.Errorf("got %v, want errBadDay", err)
			}
		})
	}
}
