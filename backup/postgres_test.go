package backup_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/backup"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/pgstore"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func openPG(t *testing.T) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), pgtest.NewDatabase(t), pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestTakePostgresWhileWriting takes PostgreSQL backups while writers keep
// ingesting: each is good only after its restore was checked, and holds
// exactly the rows of the snapshot it was counted from.
func TestTakePostgresWhileWriting(t *testing.T) {
	ctx := context.Background()
	s := openPG(t)
	seedInto(t, s, "")
	cfg := backup.Config{Dir: t.TempDir(), Keep: 2, Resolve: resolve}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := sla.Result{CheckID: fmt.Sprintf("load-%d", w), Location: "a", At: time.Unix(1_800_000_000, 0).Add(time.Duration(i) * time.Second), OK: true}
				if err := s.WriteResults(ctx, []sla.Result{r}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var taken []backup.Backup
	for n := range 3 {
		b, err := backup.TakePostgres(ctx, s, cfg, backup.Hourly, at(n), backup.PostgresOptions{})
		if err != nil {
			close(stop)
			wg.Wait()
			t.Fatal(err)
		}
		if !b.Good || !strings.HasSuffix(b.Path, ".pgdump") || b.Counts.Credits != 1 {
			t.Errorf("backup %d: got %+v, want a good .pgdump holding the credit", n, b)
		}
		taken = append(taken, b)
	}
	close(stop)
	wg.Wait()
	if taken[2].Counts.Results <= taken[0].Counts.Results {
		t.Errorf("the writers' results are not in the later backup: %d then %d", taken[0].Counts.Results, taken[2].Counts.Results)
	}
	list, err := backup.List(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := goodOf(list, backup.Hourly); len(got) != 2 || !got[0].Time.Equal(at(2)) {
		t.Errorf("after rotation: got%s, want the newest two", times(got))
	}
	last := taken[2]
	rep, err := backup.VerifyPostgres(ctx, last.Path, &last.Counts, backup.VerifyOptions{Resolve: resolve}, s.ConnString(), backup.PostgresOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("verify again: %v\n%s", err, rep)
	}
	var ran []string
	for _, st := range rep.Steps {
		ran = append(ran, st.Name+"="+st.Outcome)
	}
	if got, want := strings.Join(ran, " "), "checksum=ok restore=ok audit=ok counts=ok credits=ok"; got != want {
		t.Errorf("got steps %s, want %s", got, want)
	}
}

// TestVerifyPostgresFindsProblems makes each step of VerifyPostgres fail
// on its own kind of bad backup.
func TestVerifyPostgresFindsProblems(t *testing.T) {
	ctx := context.Background()
	honest := openPG(t)
	seedInto(t, honest, "")
	forged := openPG(t)
	seedInto(t, forged, strings.Repeat("ab", 32))
	dir := t.TempDir()
	hb, err := backup.TakePostgres(ctx, honest, backup.Config{Dir: dir}, backup.Daily, at(0), backup.PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fb, err := backup.TakePostgres(ctx, forged, backup.Config{Dir: dir}, backup.Weekly, at(0), backup.PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backup.TakePostgres(ctx, forged, backup.Config{Dir: t.TempDir(), Resolve: resolve}, backup.Daily, at(1), backup.PostgresOptions{}); err == nil ||
		!strings.Contains(err.Error(), "evidence hash") {
		t.Errorf("a backup of a ledger that disagrees with its evidence: got %v, want it refused", err)
	}
	flipped := t.TempDir() + "/slate-20261127T052200Z.pgdump"
	data, err := os.ReadFile(hb.Path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	os.WriteFile(flipped, data, 0o600)
	sum, _ := os.ReadFile(hb.Path + ".sha256")
	os.WriteFile(flipped+".sha256", sum, 0o600)
	more := hb.Counts
	more.Results++
	tests := []struct {
		name, file string
		expect     *db.Counts
		resolve    backup.Resolver
		want       string
	}{
		{"honest", hb.Path, &hb.Counts, resolve, ""},
		{"a flipped byte", flipped, &hb.Counts, resolve, "checksum"},
		{"wrong counts", hb.Path, &more, resolve, "counts"},
		{"forged ledger", fb.Path, &fb.Counts, resolve, "credits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := backup.VerifyPostgres(ctx, tc.file, tc.expect, backup.VerifyOptions{Resolve: tc.resolve}, honest.ConnString(), backup.PostgresOptions{})
			if tc.want == "" {
				if err != nil || !rep.OK() {
					t.Fatalf("got %v\n%s", err, rep)
				}
				return
			}
			if last := rep.Steps[len(rep.Steps)-1]; err == nil || last.Name != tc.want || last.Outcome != backup.StepFailed {
				t.Errorf("got %v, want step %s to fail:\n%s", err, tc.want, rep)
			}
		})
	}
}

// TestPostgresBackupLeavesSessionsOut: a PostgreSQL backup holds the
// sessions table but none of its rows — a restore must not sign anyone
// back in, as SQLite backups promise — while the rest of the store, the
// tokens among it, is there.
func TestPostgresBackupLeavesSessionsOut(t *testing.T) {
	ctx := context.Background()
	s := openPG(t)
	seedInto(t, s, "")
	if _, _, err := s.CreateToken(ctx, store.NewToken{Name: "token-marker-7731", Role: store.RoleViewer, Tenant: "acme"}, "test"); err != nil {
		t.Fatal(err)
	}
	cookie, _, err := s.CreateSession(ctx, store.NewSession{Subject: "subject-marker-4410", Email: "erin@example.com",
		Name: "Erin", Role: "admin", Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	sum := store.HashToken(cookie)
	b, err := backup.TakePostgres(ctx, s, backup.Config{Dir: t.TempDir(), Keep: 1, Resolve: resolve}, backup.Hourly, at(0), backup.PostgresOptions{})
	if err != nil || !b.Good {
		t.Fatalf("backup: %+v, %v", b, err)
	}
	// The pg_restore the backup was checked with: one of another major
	// may not read the file that pg_dump wrote.
	restore, err := backup.PgTool("", "pg_restore")
	if err != nil {
		t.Fatalf("no pg_restore, though the backup was restored and checked with it: %v", err)
	}
	out, err := exec.Command(restore, "--file=-", b.Path).Output() // the dump as SQL
	if err != nil {
		t.Fatal(err)
	}
	sql := string(out)
	for _, want := range []string{"CREATE TABLE public.sessions", "token-marker-7731"} {
		if !strings.Contains(sql, want) {
			t.Errorf("the backup lacks %q", want)
		}
	}
	// The audit log names the session and its person (session.created);
	// the row, with the hash its cookie is checked against, stays out.
	for _, leaked := range []string{"COPY public.sessions", hex.EncodeToString(sum[:])} {
		if strings.Contains(sql, leaked) {
			t.Errorf("the backup holds %q: sessions' rows are in it", leaked)
		}
	}
}
