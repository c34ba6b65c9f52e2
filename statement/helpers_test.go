package statement

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"path/filepath"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func at(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, loc)
}

func eur(minor int64) Money { return Money{Minor: minor, Currency: "EUR"} }

// sample is a statement with every kind of line: a percent, a days and a
// proportional contract with credits, a contract that met its target (a
// zero row), an adjustment of the previous period, incidents (one across
// the change from summer time), exclusions with internal notes, and names
// outside ASCII.
func sample(t testing.TB) Statement {
	loc := berlin(t)
	oct := Period{Name: "2026-10", Start: at(loc, 2026, 10, 1, 0, 0), End: at(loc, 2026, 11, 1, 0, 0)}
	sep := Period{Name: "2026-09", Start: at(loc, 2026, 9, 1, 0, 0), End: at(loc, 2026, 10, 1, 0, 0)}
	return Statement{
		Provider: Provider{
			Name:       "Nordlicht Cloud AG",
			Code:       "NORDLICHT",
			Address:    []string{"Hafenstraße 12", "20457 Hamburg", "Germany"},
			Email:      "billing@nordlicht.example",
			Phone:      "+49 40 1234567",
			Website:    "https://nordlicht.example",
			SupportURL: "https://nordlicht.example/support",
			LogoURL:    "/static/logo.png",
		},
		Tenant:   Tenant{ID: "mueller", Name: "Müller GmbH", BillingRef: "K-10023", Location: loc},
		Period:   oct,
		Revision: 1,
		Issued:   at(loc, 2026, 11, 2, 9, 0),
		Contracts: []Contract{
			{
				Name: "Messenger Business SLA", Services: []string{"Messenger", "Messenger sign-in"},
				Target: "99.9", Uptime: "99.7984", DowntimeMinutes: "90", Coverage: "99.9812",
				CoverageByLocation: []LocationCoverage{{Location: "Frankfurt", Coverage: "100"}, {Location: "Amsterdam", Coverage: "99.9812"},
					{Location: "Virginia", Coverage: "97.5"}},
				Credit: Credit{Unit: UnitPercent, Percent: "10", Fee: eur(100000)},
				Amount: eur(10000),
				Incidents: []Incident{{
					Title: "Sign-in failures for some users", Service: "Messenger sign-in",
					Start: at(loc, 2026, 10, 3, 14, 5), End: at(loc, 2026, 10, 3, 15, 35), DowntimeMinutes: "90",
					URL: "https://status.nordlicht.example/incidents/41",
				}},
				Exclusions: []Exclusion{{
					Kind: ExclusionMaintenance, Start: at(loc, 2026, 10, 10, 2, 0), End: at(loc, 2026, 10, 10, 4, 0),
					Reason: "Announced database upgrade", InternalNote: "ticket OPS-2231, announced 9 days ahead",
				}},
			},
			{
				Name: "Mail Premium", Services: []string{"Hosted mail"},
				Target: "99.95", Uptime: "98.3871", DowntimeMinutes: "720", Coverage: "100",
				Credit: Credit{Unit: UnitDays, Days: "3", Percent: "9.6774", Fee: eur(31000)},
				Amount: eur(3000),
				Incidents: []Incident{{
					Title: "Mail delivery delayed", Service: "Hosted mail",
					Start: at(loc, 2026, 10, 25, 1, 30), End: at(loc, 2026, 10, 25, 1, 30).Add(12 * time.Hour), DowntimeMinutes: "720",
				}},
				InternalNote: "customer escalated twice",
			},
			{
				Name: "Phone Sync", Services: []string{"Contacts sync"},
				Target: "99.5", Uptime: "99.2", DowntimeMinutes: "357.12",
				Credit: Credit{Unit: UnitProportional, Percent: "1.6", Multiplier: "2", Fee: eur(50000)},
				Amount: eur(800), Pending: true,
				Incidents: []Incident{{
					Title: "Contacts not syncing", Service: "Contacts sync", Start: at(loc, 2026, 10, 31, 20, 0),
				}},
				Exclusions: []Exclusion{{
					Kind: ExclusionAgreed, Start: at(loc, 2026, 10, 12, 9, 0), End: at(loc, 2026, 10, 12, 11, 0),
					Reason: "Outage caused by the customer's firewall change",
				}},
			},
			{
				Name: "Status API", Target: "99.9", Uptime: "100", DowntimeMinutes: "0", TargetMet: true,
				Credit: Credit{Unit: UnitPercent, Percent: "0", Fee: eur(20000)}, Amount: eur(0),
			},
		},
		Adjustments: []Adjustment{{
			Contract: "Messenger Business SLA", Period: sep, Adjusts: "NORDLICHT-MUELLER-2026-09",
			Reason: "Late evidence from the Virginia location; credit raised by 25 €",
			Uptime: "99.6", DowntimeMinutes: "172.8",
			Credit: Credit{Unit: UnitPercent, Percent: "25", Fee: eur(100000)},
			Amount: eur(2500), Recorded: at(loc, 2026, 10, 20, 11, 0),
			InternalNote: "agent spool replayed after disk repair",
		}},
		Method: Method{
			Locations: []string{"Frankfurt", "Amsterdam", "Virginia"}, Interval: time.Minute,
			Confirmation: 2, Quorum: 2,
		},
		Application: Application{How: ApplyInvoice, Date: at(loc, 2026, 12, 1, 0, 0), Reference: "INV-2026-12-0042"},
	}
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got, *update)
}

// tinyPNG is a 4x2 PNG, made with the standard library.
func tinyPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for x := 0; x < 4; x++ {
		img.Set(x, 0, color.RGBA{R: 200, A: 255})
		img.Set(x, 1, color.RGBA{B: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
