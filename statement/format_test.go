package statement

import (
	"math"
	"testing"
	"time"
)

func TestFormatMoney(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Money
		want string
	}{
		{"cents", Money{9677, "EUR"}, "96.77 EUR"},
		{"thousands", Money{123456789, "EUR"}, "1,234,567.89 EUR"},
		{"below one", Money{5, "USD"}, "0.05 USD"},
		{"zero", Money{0, "EUR"}, "0.00 EUR"},
		{"yen have no minor unit", Money{1234567, "JPY"}, "1,234,567 JPY"},
		{"dinar have three", Money{12345, "KWD"}, "12.345 KWD"},
		{"dinar below one", Money{7, "KWD"}, "0.007 KWD"},
		{"negative", Money{-1200, "EUR"}, "-12.00 EUR"},
		{"negative thousands", Money{-100000, "EUR"}, "-1,000.00 EUR"},
		{"largest", Money{math.MaxInt64, "EUR"}, "92,233,720,368,547,758.07 EUR"},
		{"smallest", Money{math.MinInt64, "JPY"}, "-9,223,372,036,854,775,808 JPY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatMoney(tc.m); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCreditText(t *testing.T) {
	loc := berlin(t)
	oct := Period{Name: "2026-10", Start: at(loc, 2026, 10, 1, 0, 0), End: at(loc, 2026, 11, 1, 0, 0)}
	feb := Period{Name: "2028-02", Start: at(loc, 2028, 2, 1, 0, 0), End: at(loc, 2028, 3, 1, 0, 0)}
	q4 := Period{Name: "2026-Q4", Start: at(loc, 2026, 10, 1, 0, 0), End: at(loc, 2027, 1, 1, 0, 0)}
	for _, tc := range []struct {
		name   string
		c      Credit
		uptime string
		p      Period
		want   string
	}{
		{"percent", Credit{Unit: UnitPercent, Percent: "10", Fee: eur(100000)}, "99.5", oct,
			"10% of the monthly fee of 1,000.00 EUR"},
		{"percent, quarterly, capped", Credit{Unit: UnitPercent, Percent: "30", Capped: true, Fee: eur(300000)}, "90", q4,
			"30% of the quarterly fee of 3,000.00 EUR, capped by the contract"},
		{"days in a 31-day month", Credit{Unit: UnitDays, Days: "15", Percent: "48.3871", Fee: eur(31000)}, "97", oct,
			"15 days of service (15/31 of the monthly fee of 310.00 EUR)"},
		{"one day in a leap February", Credit{Unit: UnitDays, Days: "1", Fee: eur(29000)}, "99", feb,
			"1 day of service (1/29 of the monthly fee of 290.00 EUR)"},
		{"proportional", Credit{Unit: UnitProportional, Percent: "0.2016", Fee: eur(100000)}, "99.7984", oct,
			"0.2016% of the monthly fee of 1,000.00 EUR: (100% − 99.7984%)"},
		{"proportional with a multiplier", Credit{Unit: UnitProportional, Percent: "0.504", Multiplier: "2.5", Fee: Money{100000, "JPY"}}, "99.7984", oct,
			"0.504% of the monthly fee of 100,000 JPY: (100% − 99.7984%) × 2.5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CreditText(tc.c, tc.uptime, tc.p, loc); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestFormatSpan(t *testing.T) {
	loc := berlin(t)
	for _, tc := range []struct {
		name       string
		start, end time.Time
		want       string
	}{
		{"one day", at(loc, 2026, 10, 3, 14, 5), at(loc, 2026, 10, 3, 15, 35), "3 October 2026, 14:05–15:35 CEST"},
		{"across midnight", at(loc, 2026, 10, 3, 23, 50), at(loc, 2026, 10, 4, 0, 20), "3 October 2026, 23:50 CEST – 4 October 2026, 00:20 CEST"},
		{"across the end of summer time", at(loc, 2026, 10, 25, 1, 30), at(loc, 2026, 10, 25, 1, 30).Add(2 * time.Hour),
			"25 October 2026, 01:30 CEST – 25 October 2026, 02:30 CET"},
		{"given in UTC, shown in the tenant's zone", time.Date(2026, 10, 3, 12, 5, 0, 0, time.UTC), time.Date(2026, 10, 3, 13, 35, 0, 0, time.UTC),
			"3 October 2026, 14:05–15:35 CEST"},
		{"still open", at(loc, 2026, 10, 31, 20, 0), time.Time{}, "from 31 October 2026, 20:00 CET, still open at the end of the period"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := formatSpan(tc.start, tc.end, loc); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestPeriodText(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		loc  *time.Location
		want string
	}{
		{"month", ny, "1 March 2026 to 31 March 2026 (America/New_York)"},
		{"quarter", ny, "1 January 2026 to 31 March 2026 (America/New_York)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "2026-03"
			if tc.name == "quarter" {
				name = "2026-Q1"
			}
			start, end := periodBounds(name, tc.loc)
			if got := PeriodText(Period{Name: name, Start: start, End: end}, tc.loc); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNumber(t *testing.T) {
	for _, tc := range []struct {
		name     string
		period   string
		revision int
		want     string
	}{
		{"month", "2026-10", 0, "NORDLICHT-MUELLER-2026-10"},
		{"first revision has no suffix", "2026-10", 1, "NORDLICHT-MUELLER-2026-10"},
		{"second revision", "2026-10", 2, "NORDLICHT-MUELLER-2026-10-R2"},
		{"quarter", "2026-Q4", 3, "NORDLICHT-MUELLER-2026-Q4-R3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sample(t)
			s.Period.Name, s.Revision = tc.period, tc.revision
			if got := s.Number(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMethodText(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Method
		want string
	}{
		{"one location", Method{Locations: []string{"Frankfurt"}, Interval: 30 * time.Second},
			"Every minute of the period is judged from probes run every 30 seconds from 1 monitoring location (Frankfurt). A location counts the service as down when its probe fails; a minute is downtime when that location sees the service down. "},
		{"majority", Method{Locations: []string{"A", "B", "C"}, Interval: 5 * time.Minute, Confirmation: 3},
			"Every minute of the period is judged from probes run every 5 minutes from 3 monitoring locations (A, B, C). A location counts the service as down after 3 failed probes in a row; a minute is downtime only when a majority of the locations see the service down in it, so a fault at one location is not charged as downtime. "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Statement{Method: tc.m}
			got := s.MethodText()
			if len(got) < len(tc.want) || got[:len(tc.want)] != tc.want {
				t.Errorf("got  %q\nwant it to start %q", got, tc.want)
			}
		})
	}
}
