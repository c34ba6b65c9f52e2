package alert_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/slatehq/slate/alert"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// TestPayloadGolden compares each receiver's request body, indented, with
// testdata/<name>.golden.
func TestPayloadGolden(t *testing.T) {
	trigger := event("incident/k3q7x2m9pa4z")
	resolve := trigger
	resolve.Kind, resolve.Status, resolve.Body = alert.KindResolve, "resolved", "Mail works again."
	upd := trigger
	upd.Kind, upd.Status, upd.Title = alert.KindUpdate, "identified", "Hosted mail: update from Alice Example — identified"
	upd.Body = "Alice Example: A storage node lost its disks; failing over."
	closedNote := upd
	closedNote.Status, closedNote.Title = "postmortem", "Hosted mail: update from Alice Example — postmortem"
	hostile := event("incident/43")
	hostile.Title = `<script>alert("x")</script> & more`
	hostile.Severity = ""
	hostile.Body = "Login fails for <@here> & *everyone*"
	hostile.URL = ""
	pd := alert.PagerDuty{RoutingKey: "R0UT1NG", URL: "http://127.0.0.1:1/v2/enqueue"}
	sp := alert.Statuspage{URL: "http://127.0.0.1:1/sub", PageID: "slate", Unsubscribe: "https://status.example.com/unsubscribe/abc", Documentation: "https://status.example.com/docs/webhooks"}
	for _, tc := range []struct {
		name string
		rcv  alert.Receiver
		e    alert.Event
	}{
		{"pagerduty-trigger", pd, trigger},
		{"pagerduty-resolve", pd, resolve},
		{"pagerduty-default-severity", pd, hostile},
		{"pagerduty-update", pd, upd},
		{"pagerduty-update-closed", pd, closedNote},
		{"slack-update", alert.Slack{URL: "http://127.0.0.1:1/hook"}, upd},
		{"webhook-update", alert.Webhook{URL: "http://127.0.0.1:1/hook"}, upd},
		{"statuspage-update-closed", sp, closedNote},
		{"slack-trigger", alert.Slack{URL: "http://127.0.0.1:1/hook"}, trigger},
		{"slack-resolve", alert.Slack{URL: "http://127.0.0.1:1/hook"}, resolve},
		{"slack-escaped", alert.Slack{URL: "http://127.0.0.1:1/hook"}, hostile},
		{"webhook-trigger", alert.Webhook{URL: "http://127.0.0.1:1/hook"}, trigger},
		{"statuspage-trigger", sp, trigger},
		{"statuspage-resolve", sp, resolve},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := tc.rcv.NewRequest(context.Background(), tc.e, t0())
			if err != nil {
				t.Fatal(err)
			}
			if req.Method != "POST" || req.Header.Get("Content-Type") != "application/json" {
				t.Errorf("got %s with Content-Type %q, want a JSON POST", req.Method, req.Header.Get("Content-Type"))
			}
			body, err := io.ReadAll(req.Body)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := json.Indent(&got, body, "", "  "); err != nil {
				t.Fatalf("body is not JSON: %v\n%s", err, body)
			}
			got.WriteByte('\n')
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("%s: got\n%s\nwant\n%s", path, got.Bytes(), want)
			}
		})
	}
}

// TestAlertsRoundTrip checks that an event survives the outbox's JSON.
func TestAlertsRoundTrip(t *testing.T) {
	e := event("incident/k3q7x2m9pa4z")
	as, err := alert.Alerts(e, []string{"pager", "slack"})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 || as[0].Receiver != "pager" || as[1].Receiver != "slack" || as[0].DedupKey != "incident/k3q7x2m9pa4z" || as[0].Kind != "trigger" {
		t.Fatalf("got %+v", as)
	}
	var back alert.Event
	if err := json.Unmarshal(as[0].Payload, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, e) {
		t.Errorf("got %+v, want %+v", back, e)
	}
	for _, bad := range []alert.Event{
		{Kind: "trigger", Title: "t", Time: t0()},
		{DedupKey: "k", Title: "t", Time: t0()},
		{DedupKey: "k", Kind: "trigger", Time: t0()},
		{DedupKey: "k", Kind: "trigger", Title: "t"},
		{DedupKey: "k", Kind: "trigger", Title: "t", Time: t0(), Severity: "sev1"},
	} {
		if _, err := alert.Alerts(bad, []string{"x"}); err == nil {
			t.Errorf("%+v: got nil, want an error", bad)
		}
	}
}
