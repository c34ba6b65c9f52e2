package dashboard

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// slowClients is how many slow connections TestSlowClientsAreCut opens:
// 1,000, or fewer when the process may not open twice that many files
// (both ends of each connection live in this process).
func slowClients(t *testing.T) int {
	n := 1000
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < uint64(2*n+200) {
		n = int(lim.Cur-200) / 2
		t.Logf("open-file limit %d: %d slow clients", lim.Cur, n)
	}
	return n
}

// TestSlowClientsAreCut holds a thousand connections to a serving slate
// on 127.0.0.1, each sending a request to the sign-in form and then its
// body one byte a second, and others that never finish their headers,
// and checks that the server cuts every one within its read timeout while
// it goes on answering others.
func TestSlowClientsAreCut(t *testing.T) {
	t.Parallel()
	s := NewServer(prometheus.NewRegistry())
	s.Auth = testTokens
	s.SetTenants([]*TenantView{tenantFixture()})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	addr := l.Addr().String()

	n := slowClients(t)
	// The longest the server may hold a slow client: a read timeout of
	// 10 seconds, with room for a busy machine.
	const limit = 20 * time.Second
	start := time.Now()
	held := make([]time.Duration, n)
	var wg sync.WaitGroup
	for i := range n {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		wg.Go(func() {
			defer conn.Close()
			held[i] = holdSlowly(conn, i%10 == 0, start.Add(limit+5*time.Second))
		})
	}
	// Others are still answered meanwhile.
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/healthz")
	if err != nil {
		t.Errorf("while %d slow clients wait: %v", n, err)
	} else {
		resp.Body.Close()
	}
	wg.Wait()
	longest, cut := time.Duration(0), 0
	for _, d := range held {
		longest = max(longest, d)
		if d < limit {
			cut++
		}
	}
	t.Logf("%d slow clients, %d cut within %s, longest held %s", n, cut, limit, longest.Round(time.Millisecond))
	if cut != n {
		t.Errorf("%d of %d slow clients still held after %s", n-cut, n, limit)
	}
}

// holdSlowly sends a request on conn as slowly as a client keeping a
// server busy would: its headers and then one body byte a second, or,
// when headersOnly, one header byte a second. It returns how long the
// server let it go on, which is until deadline if never cut.
func holdSlowly(conn net.Conn, headersOnly bool, deadline time.Time) time.Duration {
	start := time.Now()
	head := "POST /status/acme/login HTTP/1.1\r\nHost: slate\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
	if headersOnly {
		head = "GET / HTTP/1.1\r\nHost: slate\r\n"
	} else if _, err := io.WriteString(conn, head); err != nil {
		return time.Since(start)
	}
	// The server's answer, or its closing the connection, ends the hold.
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn.SetReadDeadline(deadline)
		_, _ = bufio.NewReader(conn).ReadByte()
	}()
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return time.Since(start)
		case <-time.After(time.Second):
		}
		if _, err := io.WriteString(conn, "X"); err != nil {
			return time.Since(start)
		}
	}
	<-done
	return time.Since(start)
}
