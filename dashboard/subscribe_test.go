package dashboard

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/slatehq/slate/subscription"
)

var formComponents = []SubscribeComponent{{ID: "chat", Name: "Chat"}, {ID: "mail", Name: "Mail"}}

func TestParseSubscribeForm(t *testing.T) {
	for _, tc := range []struct {
		name, form, addr, comps, err string
	}{
		{"one component", "address=Ana%40Example.ORG&component=mail", "Ana@example.org", "[mail]", ""},
		{"every component is all", "address=a%40b.example&component=mail&component=chat", "a@b.example", "[]", ""},
		{"none is all", "address=a%40b.example", "a@b.example", "[]", ""},
		{"twice once", "address=a%40b.example&component=mail&component=mail", "a@b.example", "[mail]", ""},
		{"no address", "component=mail", "", "", "address: enter one e-mail address"},
		{"two addresses", "address=a%40b.example&address=c%40d.example", "", "", "address: enter one e-mail address"},
		{"display name", "address=Ana+%3Ca%40b.example%3E", "", "", "address: not an e-mail address"},
		{"unknown component", "address=a%40b.example&component=acme-ledger", "", "", `component: "acme-ledger" is not a component of this page`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, _ := url.ParseQuery(tc.form)
			addr, comps, err := ParseSubscribeForm(v, true, formComponents)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("got %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil || addr != tc.addr || "["+strings.Join(comps, " ")+"]" != tc.comps {
				t.Errorf("got %q %v %v, want %q %s", addr, comps, err, tc.addr, tc.comps)
			}
		})
	}
}

// FuzzParseSubscribeForm: whatever the form, the parser returns an error
// or a normalised address with components of the page, sorted, once each.
func FuzzParseSubscribeForm(f *testing.F) {
	for _, s := range []string{"address=a%40b.example&component=mail", "address=%0D%0A@x", "component=chat&component=chat", "address=a@b&component=%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		addr, comps, err := ParseSubscribeForm(v, true, formComponents)
		if err != nil {
			return
		}
		if n, nerr := subscription.NormalizeAddress(addr); nerr != nil || n != addr || strings.ContainsAny(addr, "\r\n") {
			t.Fatalf("address %q accepted but not normalised", addr)
		}
		if !slices.IsSorted(comps) || len(slices.Compact(slices.Clone(comps))) != len(comps) {
			t.Fatalf("components %v not sorted once each", comps)
		}
		for _, c := range comps {
			if c != "chat" && c != "mail" {
				t.Fatalf("component %q accepted", c)
			}
		}
	})
}
