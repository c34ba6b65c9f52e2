package agent

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/agent/wire"
	"github.com/slatehq/slate/sla"
)

func results(from time.Time, n int) []sla.Result {
	out := make([]sla.Result, n)
	for i := range out {
		out[i] = sla.Result{CheckID: "web", At: from.Add(time.Duration(i) * time.Second), OK: i%2 == 0, Class: map[bool]sla.FailureClass{true: "", false: sla.ClassStatus}[i%2 == 0]}
	}
	return out
}

// TestSpoolBoundDropsOldest: a spool bounded to about 100 results keeps
// the newest when 250 are written, counts the 150 or so it dropped, stores
// a result written twice once, and reopens with what it held.
func TestSpoolBoundDropsOldest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dropped := 0
	per := resultSize(results(time.Unix(0, 0), 1)[0])
	sp, err := OpenSpool(dir, 100*per, func(n int) { dropped += n })
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	all := results(t0, 250)
	for i := 0; i < len(all); i += 10 {
		if err := sp.WriteResults(ctx, all[i:i+10]); err != nil {
			t.Fatal(err)
		}
	}
	if err := sp.WriteResults(ctx, all[249:]); err != nil { // again: stored once
		t.Fatal(err)
	}
	n, oldest, err := sp.depth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n > 100 || n+dropped != 250 || sp.Bytes() > 100*per {
		t.Errorf("spool holds %d results (%d bytes), dropped %d; want at most 100 (%d bytes) and 250 in all", n, sp.Bytes(), dropped, 100*per)
	}
	if want := all[250-n].At; !oldest.Equal(want) {
		t.Errorf("oldest spooled result started %s, want %s: the oldest are dropped first", oldest, want)
	}
	rs, err := sp.oldest(ctx, 5)
	if err != nil || len(rs) != 5 || rs[0].Result != (sla.Result{CheckID: "web", At: all[250-n].At, OK: all[250-n].OK, Class: all[250-n].Class}) {
		t.Errorf("oldest(5) = %+v, %v", rs, err)
	}
	if err := sp.remove(ctx, rs); err != nil {
		t.Fatal(err)
	}
	held := sp.Bytes()
	sp.Close()
	sp, err = OpenSpool(dir, 100*per, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if m, _, _ := sp.depth(ctx); m != n-5 || sp.Bytes() != held {
		t.Errorf("reopened spool holds %d results, %d bytes; want %d, %d", m, sp.Bytes(), n-5, held)
	}
}

func TestCheckServers(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"https", "https://slate.example.com/", ""},
		{"loopback http", "http://127.0.0.1:8080,http://[::1]:8080", ""},
		{"plain http elsewhere", "http://slate.example.com", "--server[0]: \"http://slate.example.com\": plain HTTP only to a loopback address"},
		{"second bad", "https://a.example.com,ftp://b.example.com", "--server[1]: \"ftp://b.example.com\": scheme must be https"},
		{"empty entry", "https://a.example.com,", "--server[1]: empty"},
		{"credentials in the URL", "https://u:p@a.example.com", "is not a base URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckServers(tt.in)
			if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckServers(%q) = %v, want %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{"1GiB", 1 << 30, ""}, {"500MiB", 500 << 20, ""}, {"4096", 4096, ""}, {"2 GB", 2 << 30, ""},
		{"0", 0, "positive size"}, {"1PiB", 0, `unknown unit "PiB"`}, {"-1GiB", 0, "positive size"}, {"GiB", 0, "positive size"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSize(tt.in)
			if got != tt.want || (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseSize(%q) = %d, %v; want %d, %q", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}

// TestSpoolMovesTheFirstFormat opens a spool written in the first format
// (a row ID, the check's name in every row, a unique index) and finds its
// results in the compact table, in order, outcomes and details intact.
func TestSpoolMovesTheFirstFormat(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	old, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "spool.db"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if _, err := old.Exec(`CREATE TABLE results (id INTEGER PRIMARY KEY, check_id TEXT NOT NULL, at_ms INTEGER NOT NULL, ok INTEGER NOT NULL,
	latency_us INTEGER NOT NULL, class TEXT NOT NULL, detail TEXT NOT NULL, size INTEGER NOT NULL, UNIQUE (check_id, at_ms));
CREATE TABLE state (key TEXT PRIMARY KEY, value BLOB NOT NULL);
INSERT INTO results (check_id, at_ms, ok, latency_us, class, detail, size) VALUES
	('web', ?, 1, 1500, '', '', 60), ('db', ?, 0, 20, 'connect', 'refused', 60), ('web', ?, 0, 7, 'gremlins', '', 60);`,
		t0.UnixMilli(), t0.Add(time.Second).UnixMilli(), t0.Add(2*time.Second).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	old.Close()
	sp, err := OpenSpool(dir, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	rs, err := sp.oldest(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []sla.Result{
		{CheckID: "web", At: t0, OK: true, Latency: 1500 * time.Microsecond},
		{CheckID: "db", At: t0.Add(time.Second), Latency: 20 * time.Microsecond, Class: sla.ClassConnect, Detail: "refused"},
		{CheckID: "web", At: t0.Add(2 * time.Second), Latency: 7 * time.Microsecond, Class: "gremlins"},
	}
	if len(rs) != len(want) {
		t.Fatalf("%d results after the move, want %d: %+v", len(rs), len(want), rs)
	}
	for i := range want {
		if rs[i].Result != want[i] {
			t.Errorf("result %d: got %+v, want %+v", i, rs[i].Result, want[i])
		}
	}
	if want := int64(3*rowOverhead + len("refused")); sp.Bytes() != want {
		t.Errorf("spool size %d after the move, want %d", sp.Bytes(), want)
	}
}

// TestBatchBodyStaysWithinTheLimit: 5,000 failures with 1,000-byte
// details make a body over the protocol's 4 MiB; the batch shipped is the
// first half of them (or less), within the limit, and a batch of passes
// goes whole.
func TestBatchBodyStaysWithinTheLimit(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	long, short := make([]spooled, wire.MaxBatch), make([]spooled, wire.MaxBatch)
	for i := range long {
		at := t0.Add(time.Duration(i) * time.Second)
		long[i].Result = sla.Result{CheckID: "web", At: at, Class: sla.ClassStatus, Detail: strings.Repeat("x", 1000)}
		short[i].Result = sla.Result{CheckID: "web", At: at, OK: true}
	}
	rs, body, err := batchBody(long)
	if err != nil || len(body) > wire.MaxBodyBytes || len(rs) == 0 || len(rs) > wire.MaxBatch/2 || rs[0].At != t0 {
		t.Errorf("long details: %d results in %d bytes (%v), want the oldest, at most %d, within %d bytes", len(rs), len(body), err, wire.MaxBatch/2, wire.MaxBodyBytes)
	}
	var b wire.Batch
	if err := json.Unmarshal(body, &b); err != nil || len(b.Results) != len(rs) || b.Results[len(rs)-1] != wire.FromResult(rs[len(rs)-1].Result) {
		t.Errorf("long details: the body holds %d results (%v), want exactly the %d returned", len(b.Results), err, len(rs))
	}
	if rs, body, err := batchBody(short); err != nil || len(rs) != wire.MaxBatch {
		t.Errorf("passes: %d results in %d bytes (%v), want all %d", len(rs), len(body), err, wire.MaxBatch)
	}
	if rs, body, err := batchBody(nil); err != nil || len(rs) != 0 || string(body) != `{"results":[]}` {
		t.Errorf("no results: %d results, body %s (%v), want the empty batch", len(rs), body, err)
	}
}
