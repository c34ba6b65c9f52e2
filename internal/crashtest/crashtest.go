// Package crashtest is the one kill -9 harness of slate's crash tests: it
// re-executes the test binary as a child running one test, lets it work,
// kills it with SIGKILL at a random moment, and has the parent check what
// the child left behind, again and again.
//
// Kill moments come from a seed that is logged; a failure is replayed by
// running the test again with SLATE_CRASH_SEED set to it. The child runs
// as an ordinary test that calls Child first: run directly, it skips.
package crashtest

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Environment of the child: which test is the child, and the seed of a
// replay.
const (
	childEnv = "SLATE_CRASH_CHILD"
	seedEnv  = "SLATE_CRASH_SEED"
)

// Config is one crash test.
type Config struct {
	// Child is the name of the test the child runs ("TestCrashChild").
	Child string
	// Kills is how many children are killed.
	Kills int
	// Each child is killed after a random wait in [MinWait, MaxWait),
	// counted from its first line of output when AfterFirstLine (a child
	// that prints nothing in 20s fails the test), else from its start.
	MinWait, MaxWait time.Duration
	AfterFirstLine   bool
	// Env is the environment (KEY=value) of the kill'th child beside the
	// harness's own; nil for none.
	Env func(kill int) []string
	// Line receives every line the kill'th child printed, in order,
	// those it printed before it died included.
	Line func(kill int, line string)
	// Check runs after each kill, once the child is gone.
	Check func(kill int)
}

// Run runs the crash test c: c.Kills children, each killed with SIGKILL.
// A child that ends by itself fails the test.
func Run(t *testing.T, c Config) {
	t.Helper()
	if testing.Short() {
		t.Skip("re-executes the test binary; skipped with -short")
	}
	seed := Seed(t)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	for k := range c.Kills {
		wait := c.MinWait
		if c.MaxWait > c.MinWait {
			wait += time.Duration(rng.Int64N(int64(c.MaxWait - c.MinWait)))
		}
		runOne(t, c, k, wait)
		if c.Check != nil {
			c.Check(k)
		}
	}
}

// Seed is the seed of this run: SLATE_CRASH_SEED when set (a replay),
// else a new one. It is logged, and logged again if the test fails.
func Seed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(seedEnv); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", seedEnv, s, err)
		}
		seed = v
	}
	t.Logf("crash seed %d (replay: %s=%d go test -run '^%s$')", seed, seedEnv, seed, t.Name())
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("failed with crash seed %d: replay with %s=%d go test -run '^%s$'", seed, seedEnv, seed, t.Name())
		}
	})
	return seed
}

// runOne starts the kill'th child, kills it after wait and feeds c.Line
// everything it printed.
func runOne(t *testing.T, c Config, k int, wait time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+c.Child+"$")
	cmd.Env = append(os.Environ(), childEnv+"="+c.Child)
	if c.Env != nil {
		cmd.Env = append(cmd.Env, c.Env(k)...)
	}
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var tail []string // the last lines, to say why a child ended
	line := func(l string) {
		if tail = append(tail, l); len(tail) > 20 {
			tail = tail[1:]
		}
		if c.Line != nil {
			c.Line(k, l)
		}
	}
	ended := func() {
		cmd.Wait()
		t.Fatalf("kill %d: the child ended by itself: %s\n%s", k, stderr.String(), strings.Join(tail, "\n"))
	}
	if c.AfterFirstLine {
		select {
		case l, ok := <-lines:
			if !ok {
				ended()
			}
			line(l)
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("kill %d: the child printed nothing in 20s: %s", k, stderr.String())
		}
	}
	deadline := time.After(wait)
running:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				ended()
			}
			line(l)
		case <-deadline:
			break running
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for l := range lines { // what it printed before it died
		line(l)
	}
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("kill %d: the child ended by itself (%v): %s\n%s", k, cmd.ProcessState, stderr.String(), strings.Join(tail, "\n"))
	}
}

// Child skips t unless it runs as the child of a crash test; a child's
// test calls it first.
func Child(t *testing.T) {
	t.Helper()
	if os.Getenv(childEnv) != t.Name() {
		t.Skip("the child of a crash test; it runs only under crashtest.Run")
	}
}
