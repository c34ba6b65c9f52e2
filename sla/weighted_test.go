package sla

import (
	"math/big"
	"math/rand/v2"
	"testing"
	"time"
)

// TestWeightedSweepsAgree checks the integer sweep against the big.Rat one
// on random outages: they are two implementations of one definition.
func TestWeightedSweepsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	per := Month(2024, time.June, time.UTC)
	allowed := []span{toSpan(per.Interval())}
	shares := []*big.Rat{nil, big.NewRat(1, 4), big.NewRat(2, 3), big.NewRat(1, 7), big.NewRat(0, 1), big.NewRat(1, 1)}
	for trial := range 200 {
		var os []Outage
		for range r.IntN(30) + 1 {
			s := per.Start.Add(time.Duration(r.Int64N(int64(per.Duration()))))
			os = append(os, Outage{
				Interval: Interval{s, s.Add(time.Duration(r.Int64N(int64(3 * time.Hour))))},
				Affected: shares[r.IntN(len(shares))],
			})
		}
		minOutage := int64(r.IntN(3)) * int64(10*time.Minute)
		fast := weightedDowntime(os, allowed, minOutage)
		slow := weightedDowntimeRat(os, allowed, minOutage)
		if fast.Cmp(slow) != 0 {
			t.Fatalf("trial %d: integer sweep %s, rational sweep %s", trial, fast.RatString(), slow.RatString())
		}
	}
	// Denominators without a small common multiple take the rational path.
	huge := []Outage{{Interval: Interval{per.Start, per.Start.Add(time.Hour)}, Affected: big.NewRat(1, 1<<40)}}
	if _, ok := commonDenominator(huge); ok {
		t.Fatal("a 2^40 denominator should not take the integer path")
	}
	want := new(big.Rat).SetFrac64(int64(time.Hour), 1<<40)
	if got := weightedDowntime(huge, allowed, 0); got.Cmp(want) != 0 {
		t.Fatalf("rational path: got %s, want %s", got.RatString(), want.RatString())
	}
}
