package wire

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testRules() Rules {
	return Rules{Location: "us-east", Checks: map[string]bool{"web": true}, Now: testNow, MaxAhead: 2 * time.Second, MaxAge: 14 * 24 * time.Hour}
}

func TestDecodeBatchStoresUnderTheTokensLocation(t *testing.T) {
	at := testNow.Add(-time.Minute)
	raw := `{"results":[{"check":"web","at_ms":` + itoa(at.UnixMilli()) + `,"ok":false,"latency_us":1500,"class":"status","detail":"503"}]}`
	got, err := DecodeBatch([]byte(raw), testRules())
	if err != nil {
		t.Fatal(err)
	}
	want := sla.Result{CheckID: "web", Location: "us-east", At: at, OK: false, Latency: 1500 * time.Microsecond, Class: sla.ClassStatus, Detail: "503"}
	if len(got) != 1 || got[0] != want {
		t.Errorf("DecodeBatch = %+v, want [%+v]", got, want)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestDecodeBatchRefusesBadInput(t *testing.T) {
	ok := itoa(testNow.Add(-time.Second).UnixMilli())
	tests := []struct {
		name, body, field, msg string
	}{
		{"not json", `{`, "", ""},
		{"no results", `{}`, "results", "required"},
		{"unknown field", `{"results":[],"location":"eu-west"}`, "location", ""},
		{"location in a result", `{"results":[{"check":"web","at_ms":` + ok + `,"ok":true,"location":"eu-west"}]}`, "results[0].location", ""},
		{"key in another case", `{"Results":[]}`, "Results", ""},
		{"key twice", `{"results":[],"results":[]}`, "results", ""},
		{"no check", `{"results":[{"at_ms":` + ok + `,"ok":true}]}`, "results[0].check", "required"},
		{"another location's check", `{"results":[{"check":"db","at_ms":` + ok + `,"ok":true}]}`, "results[0].check", `"db" is not a check of location us-east`},
		{"no time", `{"results":[{"check":"web","ok":true}]}`, "results[0].at_ms", "must be a Unix time"},
		{"from the future", `{"results":[{"check":"web","at_ms":` + itoa(testNow.Add(30*time.Second).UnixMilli()) + `,"ok":true}]}`, "results[0].at_ms", "30s ahead of the server's clock"},
		{"too old", `{"results":[{"check":"web","at_ms":` + itoa(testNow.Add(-15*24*time.Hour).UnixMilli()) + `,"ok":true}]}`, "results[0].at_ms", "older than"},
		{"negative latency", `{"results":[{"check":"web","at_ms":` + ok + `,"ok":true,"latency_us":-1}]}`, "results[0].latency_us", "must not be negative"},
		{"unknown class", `{"results":[{"check":"web","at_ms":` + ok + `,"ok":false,"class":"gremlins"}]}`, "results[0].class", `"gremlins" is not a failure class`},
		{"failure without a class", `{"results":[{"check":"web","at_ms":` + ok + `,"ok":false}]}`, "results[0].class", "required when ok is false"},
		{"success with a class", `{"results":[{"check":"web","at_ms":` + ok + `,"ok":true,"class":"dns"}]}`, "results[0].class", "must be empty"},
		{"second result bad", `{"results":[{"check":"web","at_ms":` + ok + `,"ok":true},{"check":"web","at_ms":"x","ok":true}]}`, "results.at_ms", "must be a number"},
		{"detail too long", `{"results":[{"check":"web","at_ms":` + ok + `,"ok":false,"class":"dns","detail":"` + strings.Repeat("x", MaxDetail+1) + `"}]}`, "results[0].detail", "at most 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeBatch([]byte(tt.body), testRules())
			var we *Error
			if !errors.As(err, &we) {
				t.Fatalf("DecodeBatch = %v, %v; want an *Error", got, err)
			}
			if we.Field != tt.field || !strings.Contains(we.Msg, tt.msg) {
				t.Errorf("error = field %q, %q; want field %q, message containing %q", we.Field, we.Msg, tt.field, tt.msg)
			}
			if got != nil {
				t.Errorf("a refused batch returned results: %+v", got)
			}
		})
	}
}

func TestParseOffsetNamesTheHeader(t *testing.T) {
	tests := []struct{ name, offset, rt, want string }{
		{"missing offset", "", "10", HeaderOffset},
		{"offset not a number", "soon", "10", HeaderOffset},
		{"offset over a day", "86400001", "10", HeaderOffset},
		{"missing round trip", "0", "", HeaderRoundTrip},
		{"negative round trip", "0", "-1", HeaderRoundTrip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := ParseOffset(tt.offset, tt.rt); err == nil || !strings.Contains(err.Error(), "header "+tt.want) {
				t.Errorf("ParseOffset(%q, %q) = %v; want an error naming header %s", tt.offset, tt.rt, err, tt.want)
			}
		})
	}
	o, rt, err := ParseOffset("-30000", "12")
	if err != nil || o != -30*time.Second || rt != 12*time.Millisecond {
		t.Errorf("ParseOffset(-30000, 12) = %s, %s, %v", o, rt, err)
	}
}

func TestOffsetAssumesTheAnswerWasMadeHalfway(t *testing.T) {
	sent := testNow
	recv := sent.Add(100 * time.Millisecond)
	// The server, 30s behind, answered at its 11:59:30.050.
	o, rt := Offset(sent, recv, testNow.Add(-30*time.Second+50*time.Millisecond).UnixMilli())
	if o != 30*time.Second || rt != 100*time.Millisecond {
		t.Errorf("Offset = %s, %s; want 30s, 100ms", o, rt)
	}
}

// FuzzDecodeBatch: whatever the body, DecodeBatch either refuses it with
// an *Error or returns results that all belong to the token's location,
// to a check of it, and within the time bounds.
func FuzzDecodeBatch(f *testing.F) {
	ok := itoa(testNow.Add(-time.Second).UnixMilli())
	f.Add(`{"results":[{"check":"web","at_ms":` + ok + `,"ok":true,"latency_us":5}]}`)
	f.Add(`{"results":[{"check":"web","at_ms":` + ok + `,"ok":false,"class":"dns","detail":"nx"}]}`)
	f.Add(`{"results":[]}`)
	f.Add(`{"results":[{"check":"web","at_ms":1e3}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		rules := testRules()
		rs, err := DecodeBatch([]byte(body), rules)
		if err != nil {
			var we *Error
			if !errors.As(err, &we) || we.Msg == "" {
				t.Fatalf("refusal %v is not an *Error with a message", err)
			}
			return
		}
		for _, r := range rs {
			if r.Location != "us-east" || !rules.Checks[r.CheckID] || r.At.After(testNow.Add(rules.MaxAhead)) || r.At.Before(testNow.Add(-rules.MaxAge)) {
				t.Fatalf("accepted result %+v breaks the rules", r)
			}
		}
	})
}
