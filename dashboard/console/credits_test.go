package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/slacase"
	"github.com/slatehq/slate/store"
)

// TestBulkApproveAndIssue: an account manager filters the month's
// computed credits, asks to approve them and sees the exact total before
// anything changes; confirms; then issues them, and a second confirmation
// of the same issue (a double submit) issues nothing again. The ledger
// shows each issued once, by the person.
func TestBulkApproveAndIssue(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.record(t, "acme", "acme-gold", "2026-09", "EUR", 12345)
	b := f.record(t, "bravo", "bravo-silver", "2026-09", "USD", 1717)
	c := f.record(t, "acme", "acme-gold", "2026-08", "EUR", 99)
	am, _, _ := f.signIn(t, "ada@example.com", "billing")

	code, body := get(t, am, f.srv.URL+"/console/credits?period=2026-09&state=computed")
	if code != http.StatusOK || !strings.Contains(body, "2 entries, totalling") || !strings.Contains(body, "EUR 123.45") || strings.Contains(body, "EUR 0.99") {
		t.Fatalf("queue: %d %s", code, body)
	}
	ids := itoa(a.ID) + "," + itoa(b.ID)
	code, body = post(t, am, f.srv.URL+"/console/credits/bulk", url.Values{"action": {"approve"}, "scope": {"shown"}, "ids": {ids}})
	if code != http.StatusOK || !strings.Contains(body, "approve</strong> 2 credits totalling") || !strings.Contains(body, "EUR 123.45") || !strings.Contains(body, "USD 17.17") {
		t.Fatalf("confirmation: %d %s", code, body)
	}
	if got, _ := f.db.Credit(ctx, a.ID); got.State != store.CreditComputed {
		t.Fatalf("the confirmation page changed credit %d to %s", a.ID, got.State)
	}
	confirm := func(action string) (int, string) {
		return post(t, am, f.srv.URL+"/console/credits/bulk", url.Values{"action": {action}, "ids": {ids}, "confirm": {"yes"}})
	}
	if code, body := confirm("approve"); code != http.StatusOK || !strings.Contains(body, "2 credits approved") {
		t.Fatalf("approve: %d %s", code, body)
	}
	if code, body := confirm("issue"); code != http.StatusOK || !strings.Contains(body, "2 credits issued") {
		t.Fatalf("issue: %d %s", code, body)
	}
	if code, body := confirm("issue"); code != http.StatusOK || !strings.Contains(body, "0 credits issued") {
		t.Fatalf("issue again: %d %s", code, body)
	}
	for _, id := range []int64{a.ID, b.ID} {
		trail, _ := f.db.AuditOf(ctx, store.CreditSubject(id))
		issued := 0
		for _, e := range trail {
			if e.Action == "credit.issued" {
				issued++
				if e.Actor != "oidc:ada@example.com" {
					t.Errorf("credit %d issued by %s, want oidc:ada@example.com", id, e.Actor)
				}
			}
		}
		if issued != 1 {
			t.Errorf("credit %d issued %d times", id, issued)
		}
	}
	if got, _ := f.db.Credit(ctx, c.ID); got.State != store.CreditComputed {
		t.Errorf("credit %d outside the filter is %s", c.ID, got.State)
	}
}

// TestCreditActionsNeedTheRole: on-call may read the queue but neither
// approve, issue nor void; nothing changes.
func TestCreditActionsNeedTheRole(t *testing.T) {
	f := newFixture(t)
	a := f.record(t, "acme", "acme-gold", "2026-09", "EUR", 12345)
	oc, _, _ := f.signIn(t, "otto@example.com", "sre")
	if code, _ := get(t, oc, f.srv.URL+"/console/credits"); code != http.StatusOK {
		t.Errorf("on-call reads the queue: %d", code)
	}
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/console/credits/bulk", url.Values{"action": {"approve"}, "ids": {itoa(a.ID)}, "confirm": {"yes"}}},
		{"/console/credits/" + itoa(a.ID) + "/approve", nil},
		{"/console/credits/" + itoa(a.ID) + "/void", url.Values{"reason": {"no"}}},
		{"/console/tokens", url.Values{"name": {"x"}, "role": {"admin"}}},
	} {
		if code, body := post(t, oc, f.srv.URL+tc.path, tc.form); code != http.StatusForbidden || !strings.Contains(body, "may not do this") {
			t.Errorf("on-call POST %s: %d, want 403", tc.path, code)
		}
	}
	if code, _ := get(t, oc, f.srv.URL+"/console/audit"); code != http.StatusForbidden {
		t.Errorf("on-call reads the audit log: %d, want 403", code)
	}
	if got, _ := f.db.Credit(context.Background(), a.ID); got.State != store.CreditComputed {
		t.Errorf("credit is %s, want computed", got.State)
	}
}

// TestQueueRefusesUnknownFilters: a typo in a filter is a 400 naming the
// filter, never an empty queue.
func TestQueueRefusesUnknownFilters(t *testing.T) {
	f := newFixture(t)
	f.record(t, "acme", "acme-gold", "2026-09", "EUR", 12345)
	am, _, _ := f.signIn(t, "ada@example.com", "billing")
	for q, says := range map[string]string{
		"state=owed": "The filter state is not valid", "tenant=nobody": "The filter tenant is not valid",
		"period=2026-13": "The filter period is not valid", "flagged=maybe": "The filter flagged is not valid",
	} {
		if code, body := get(t, am, f.srv.URL+"/console/credits?"+q); code != http.StatusBadRequest || !strings.Contains(body, says) {
			t.Errorf("%s: %d, want 400 saying %q", q, code, says)
		}
	}
}

// TestCreditPageAndCase: the credit page shows the period in the
// tenant's zone, the timeline, the audit trail with the person, and a
// void needs a reason; the SLA case download decodes and its answer passes
// its own check (slate calc --check).
func TestCreditPageAndCase(t *testing.T) {
	f := newFixture(t)
	a := f.record(t, "acme", "acme-gold", "2026-09", "EUR", 12345)
	am, _, _ := f.signIn(t, "ada@example.com", "billing")
	if code, body := post(t, am, f.srv.URL+"/console/credits/"+itoa(a.ID)+"/approve", nil); code != http.StatusOK || !strings.Contains(body, "approved") {
		t.Fatalf("approve: %d %s", code, body)
	}
	code, body := get(t, am, f.srv.URL+"/console/credits/"+itoa(a.ID))
	for _, want := range []string{"2026-09-01 00:00 CEST", "Europe/Berlin", `<svg class="timeline-chart"`, "oidc:ada@example.com", "credit.approved",
		"EUR 123.45", "Download the SLA case", "No incident (unattributed)"} {
		if !strings.Contains(body, want) {
			t.Errorf("credit page (%d) lacks %q", code, want)
		}
	}
	if code, body := post(t, am, f.srv.URL+"/console/credits/"+itoa(a.ID)+"/void", url.Values{"reason": {"  "}}); code != http.StatusBadRequest || !strings.Contains(body, "reason is required") {
		t.Errorf("void without a reason: %d", code)
	}
	code, body = get(t, am, f.srv.URL+"/console/credits/"+itoa(a.ID)+"/case.json")
	if code != http.StatusOK {
		t.Fatalf("case: %d %s", code, body)
	}
	file, err := slacase.Decode([]byte(body))
	if err != nil {
		t.Fatalf("the case does not decode: %v", err)
	}
	out, err := sla.Evaluate(file.Case)
	if err != nil {
		t.Fatal(err)
	}
	if diffs, err := file.Check(out.Report()); err != nil || len(diffs) > 0 {
		t.Errorf("calc --check of the download: %v %v", diffs, err)
	}
	if !file.Case.Period.Start.Equal(a.PeriodStart) || !file.Case.Period.End.Equal(a.PeriodEnd) {
		t.Errorf("case period [%v, %v), want the credit's", file.Case.Period.Start, file.Case.Period.End)
	}
}

// TestQueuePages: 230 entries in two currencies page 100 at a time,
// newest first; every page states the count and totals of all the
// entries through the filter, not of its own rows; links lead on and
// back; a page past the end is empty and a page number too large to
// offset is refused, naming the page.
func TestQueuePages(t *testing.T) {
	f := newFixture(t)
	var ids []int64
	var eur, usd int64
	for i := range 230 {
		tenant, contract, cur := "acme", "acme-gold", "EUR"
		if i%3 == 0 {
			tenant, contract, cur = "bravo", "bravo-silver", "USD"
		}
		minor := int64(100 + i)
		period := fmt.Sprintf("%d-%02d", 2000+i/12, 1+i%12)
		ids = append(ids, f.record(t, tenant, contract, period, cur, minor).ID)
		if cur == "EUR" {
			eur += minor
		} else {
			usd += minor
		}
	}
	slices.Reverse(ids)
	am, _, _ := f.signIn(t, "ada@example.com", "billing")
	totals := fmt.Sprintf("230 entries, totalling <span class=\"total\">EUR %s</span>, <span class=\"total\">USD %s</span>",
		sla.FormatMinor(eur, "EUR"), sla.FormatMinor(usd, "USD"))
	row := regexp.MustCompile(`<a href="/console/credits/(\d+)">`)
	for _, tc := range []struct {
		page       string
		from, to   int
		prev, next bool
	}{
		{"", 0, 100, false, true},
		{"2", 100, 200, true, true},
		{"3", 200, 230, true, false},
		{"4", 230, 230, false, false},
	} {
		t.Run("page "+tc.page, func(t *testing.T) {
			code, body := get(t, am, f.srv.URL+"/console/credits?page="+tc.page)
			if code != http.StatusOK || !strings.Contains(body, totals) {
				t.Fatalf("%d, lacks %q", code, totals)
			}
			var got []string
			for _, m := range row.FindAllStringSubmatch(body, -1) {
				got = append(got, m[1])
			}
			var want []string
			for _, id := range ids[tc.from:tc.to] {
				want = append(want, itoa(id))
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("rows %v, want %v", got, want)
			}
			if hasPrev := strings.Contains(body, ">Newer</a>"); hasPrev != tc.prev {
				t.Errorf("link to newer: %v, want %v", hasPrev, tc.prev)
			}
			if hasNext := strings.Contains(body, ">Older</a>"); hasNext != tc.next {
				t.Errorf("link to older: %v, want %v", hasNext, tc.next)
			}
		})
	}
	if code, body := get(t, am, f.srv.URL+"/console/credits?page=99999999999"); code != http.StatusBadRequest || !strings.Contains(body, "The page 99999999999 is past") {
		t.Errorf("huge page: %d", code)
	}
}
