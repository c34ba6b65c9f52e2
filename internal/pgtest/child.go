package pgtest

import (
	"bufio"
	"os"
	"os/exec"
	"sync"
	"testing"
)

// Child is the test binary re-executed to run one test function as a
// separate process, so that a crash test can kill it with SIGKILL. The
// child inherits the server (EnvURL) and gets env on top.
type Child struct {
	cmd   *exec.Cmd
	Lines chan string // its standard output, line by line; closed at its end
	wg    sync.WaitGroup
}

// StartChild runs the test named test (a whole name, matched exactly) in a
// new process of this test binary.
func StartChild(t testing.TB, test string, env ...string) *Child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &Child{cmd: cmd, Lines: make(chan string, 1024)}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer close(c.Lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.Lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { c.Kill() })
	return c
}

// Kill kills the child with SIGKILL and waits for it and its output.
func (c *Child) Kill() {
	c.cmd.Process.Kill() //nolint:errcheck // it may have exited already
	c.wg.Wait()
	c.cmd.Wait() //nolint:errcheck // killed: the error says so
}
