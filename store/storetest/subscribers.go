package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/slatehq/slate/store"
)

// testSubscriptions: a confirmed subscription is stored once per address
// and page, replaced by a later confirmation, listed by the components it
// covers, and gone after Unsubscribe, which is no error for an address
// that never subscribed.
func testSubscriptions(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	at := FixedNow().Truncate(time.Millisecond)
	for _, sub := range []store.Subscriber{
		{Address: "ana@example.org", Page: "", Components: []string{"mail"}, ConfirmedAt: at},
		{Address: "ben@example.org", Page: "", ConfirmedAt: at},
		{Address: "ana@example.org", Page: "acme", Components: []string{"web"}, ConfirmedAt: at},
		{Address: "cem@example.org", Page: "", Components: []string{"web"}, ConfirmedAt: at},
		// Ana confirms again with another choice: replaced, not added.
		{Address: "ana@example.org", Page: "", Components: []string{"mail", "chat"}, ConfirmedAt: at.Add(time.Minute)},
	} {
		if err := d.Subscribe(ctx, sub); err != nil {
			t.Fatalf("subscribe %+v: %v", sub, err)
		}
	}
	list := func(page, service string) string {
		t.Helper()
		ss, err := d.Subscribers(ctx, page, service)
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, s := range ss {
			out += fmt.Sprintf("%s%v@%s;", s.Address, s.Components, s.ConfirmedAt.Format("15:04"))
		}
		return out
	}
	for _, tc := range []struct {
		name, page, service, want string
	}{
		{"public, every one", "", "", "ana@example.org[mail chat]@11:01;ben@example.org[]@11:00;cem@example.org[web]@11:00;"},
		{"public, mail", "", "mail", "ana@example.org[mail chat]@11:01;ben@example.org[]@11:00;"},
		{"public, web", "", "web", "ben@example.org[]@11:00;cem@example.org[web]@11:00;"},
		{"tenant page apart", "acme", "", "ana@example.org[web]@11:00;"},
		{"other tenant has none", "globex", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := list(tc.page, tc.service); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	if err := d.Unsubscribe(ctx, "ana@example.org", ""); err != nil {
		t.Fatal(err)
	}
	ss, err := d.Subscribers(ctx, "acme", "")
	if err != nil || len(ss) != 1 {
		t.Fatalf("subscribers of acme: %v, %v", ss, err)
	}
	one, err := d.Subscriber(ctx, ss[0].ID)
	if err != nil || one.Address != "ana@example.org" || one.Page != "acme" || fmt.Sprint(one.Components) != "[web]" {
		t.Errorf("subscriber %d: got %+v, %v; want ana's acme subscription", ss[0].ID, one, err)
	}
	if _, err := d.Subscriber(ctx, ss[0].ID+1000); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("subscriber that does not exist: got %v, want ErrNotFound", err)
	}
	if err := d.Unsubscribe(ctx, "nobody@example.org", ""); err != nil {
		t.Errorf("unsubscribing an address that never subscribed: %v", err)
	}
	if got, want := list("", "mail"), "ben@example.org[]@11:00;"; got != want {
		t.Errorf("after unsubscribe: got %s, want %s", got, want)
	}
	if got, want := list("acme", ""), "ana@example.org[web]@11:00;"; got != want {
		t.Errorf("unsubscribing from the public page touched the tenant page: got %s, want %s", got, want)
	}
	for _, bad := range []store.Subscriber{
		{Address: "", ConfirmedAt: at},
		{Address: "no-at-sign", ConfirmedAt: at},
		{Address: "dan@example.org"},
		{Address: "dan@example.org", Components: []string{""}, ConfirmedAt: at},
	} {
		if err := d.Subscribe(ctx, bad); err == nil {
			t.Errorf("subscribe %+v: accepted", bad)
		}
	}
	if got := list("", ""); got != "ben@example.org[]@11:00;cem@example.org[web]@11:00;" {
		t.Errorf("a refused subscription changed what is stored: %s", got)
	}
}
