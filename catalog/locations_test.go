package catalog_test

import (
	"slices"
	"testing"

	"github.com/slatehq/slate/catalog"
)

// locationFixture: three provider locations and one inside acme's network,
// where only acme's own check runs.
func locationFixture() *catalog.Catalog {
	c := fixture()
	c.Locations = []catalog.Location{
		{ID: "eu-west", Name: "Frankfurt"}, {ID: "us-east", Name: "Virginia"}, {ID: "ap-south", Name: "Mumbai"},
		{ID: "acme-dc", Name: "Acme basement rack"},
	}
	for i := range c.Checks {
		switch c.Checks[i].ID {
		case "web-shared":
			c.Checks[i].Locations = []string{"eu-west", "us-east", "ap-south"}
		case "web-acme":
			c.Checks[i].Locations = []string{"acme-dc", "eu-west"}
		case "web-globex":
			c.Checks[i].Locations = []string{"us-east"}
		case "api":
			c.Checks[i].Locations = []string{"undeclared"} // a catalogue built by hand
		}
	}
	return c
}

func TestCheckLocations(t *testing.T) {
	c := locationFixture()
	cases := []struct {
		name  string
		check string
		want  []string
	}{
		{"its own list", "web-globex", []string{"us-east"}},
		{"none named: every declared location", "mail", []string{"eu-west", "us-east", "ap-south", "acme-dc"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			i := slices.IndexFunc(c.Checks, func(ch catalog.Check) bool { return ch.ID == tc.check })
			if got := c.CheckLocations(c.Checks[i]); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("none named and none declared: the evidence decides", func(t *testing.T) {
		if got := fixture().CheckLocations(catalog.Check{ID: "x"}); got != nil {
			t.Errorf("got %v, want nil", got)
		}
	})
}

func TestLocationChecks(t *testing.T) {
	c := locationFixture()
	cases := []struct {
		location string
		want     []string
	}{
		// db-acme and mail name no locations: they run everywhere.
		{"eu-west", []string{"web-shared", "web-acme", "db-acme", "mail"}},
		{"us-east", []string{"web-shared", "web-globex", "db-acme", "mail"}},
		{"acme-dc", []string{"web-acme", "db-acme", "mail"}},
		{"nowhere", nil},
	}
	for _, tc := range cases {
		t.Run(tc.location, func(t *testing.T) {
			if got := checkIDs(c.LocationChecks(tc.location)); !slices.Equal(got, append([]string{}, tc.want...)) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestContractLocations: the locations a contract's statement and its
// tenant's page name — never one that only another tenant's check uses.
func TestContractLocations(t *testing.T) {
	c := locationFixture()
	cases := []struct {
		contract string
		want     []string
	}{
		// web-shared, web-acme and db-acme (everywhere): acme's own rack included.
		{"acme-gold", []string{"eu-west", "us-east", "ap-south", "acme-dc"}},
		// web-shared, web-globex and mail (everywhere): the declared ones, acme's rack too,
		// because mail names none and so runs there.
		{"globex-mail", []string{"eu-west", "us-east", "ap-south", "acme-dc"}},
		// api names a location nobody declared: shown by its ID.
		{"initech-api", []string{"undeclared"}},
	}
	for _, tc := range cases {
		t.Run(tc.contract, func(t *testing.T) {
			k, _ := c.Contract(tc.contract)
			got := c.ContractLocations(k)
			if ids := ids(got, func(l catalog.Location) string { return l.ID }); !slices.Equal(ids, tc.want) {
				t.Errorf("got %v, want %v", ids, tc.want)
			}
		})
	}
	// Without mail running everywhere, globex never sees acme's rack.
	c.Checks[slices.IndexFunc(c.Checks, func(ch catalog.Check) bool { return ch.ID == "mail" })].Locations = []string{"eu-west"}
	k, _ := c.Contract("globex-mail")
	for _, l := range c.ContractLocations(k) {
		if l.ID == "acme-dc" {
			t.Errorf("globex's contract names acme's own location %+v", l)
		}
	}
}
