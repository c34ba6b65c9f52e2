package backup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSplitPassword: the password leaves every form of connection string
// and nothing else does.
func TestSplitPassword(t *testing.T) {
	for _, c := range []struct {
		name, conn, rest, password string
	}{
		{"url with password", "postgres://slate:s3cret@db.example:5432/slate?sslmode=require", "postgres://slate@db.example:5432/slate?sslmode=require", "s3cret"},
		{"url without password", "postgres://slate@db.example/slate", "postgres://slate@db.example/slate", ""},
		{"password parameter", "postgresql://slate@/slate?host=%2Ftmp&password=s3cret", "postgresql://slate@/slate?host=%2Ftmp", "s3cret"},
		{"key=value", "host=db.example user=slate password=s3cret dbname=slate", "host=db.example user=slate dbname=slate", "s3cret"},
		{"key=value quoted", "host=db user=slate password='s3cret'", "host=db user=slate", "s3cret"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rest, password := splitPassword(c.conn)
			if rest != c.rest || password != c.password {
				t.Errorf("got %q, %q; want %q, %q", rest, password, c.rest, c.password)
			}
		})
	}
}

// TestToolGetsPasswordInEnvironment: a client program run by runTool
// finds the password in PGPASSWORD and not among its arguments, which
// any user of the machine can read in the process list.
func TestToolGetsPasswordInEnvironment(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "seen")
	prog := filepath.Join(dir, "pg_dump")
	script := "#!/bin/sh\nprintf 'args=%s\\nenv=%s\\n' \"$*\" \"$PGPASSWORD\" > " + out + "\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := runTool(context.Background(), prog, "postgres://slate:s3cret-pw@db.example/slate", "--format=custom"); err != nil {
		t.Fatal(err)
	}
	seen, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	args, env, _ := strings.Cut(string(seen), "\n")
	if strings.Contains(args, "s3cret-pw") {
		t.Errorf("the password is on the command line: %s", args)
	}
	if !strings.Contains(args, "--dbname=postgres://slate@db.example/slate") {
		t.Errorf("the database is not on the command line: %s", args)
	}
	if strings.TrimSpace(env) != "env=s3cret-pw" {
		t.Errorf("PGPASSWORD: %s", env)
	}
}
