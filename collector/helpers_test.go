package collector

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

// memStore is a Store fake that keeps every result in memory.
type memStore struct {
	mu    sync.Mutex
	rs    []sla.Result
	calls int
	fail  int // the next fail calls return an error
}

func (m *memStore) WriteResults(_ context.Context, rs []sla.Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.fail > 0 {
		m.fail--
		return errStoreDown
	}
	m.rs = append(m.rs, rs...)
	return nil
}

var errStoreDown = errors.New("store down")

func (m *memStore) results() []sla.Result {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]sla.Result(nil), m.rs...)
}

// testCert is a self-signed ECDSA certificate for 127.0.0.1 and localhost,
// its own root.
type testCert struct {
	cert   tls.Certificate
	x509   *x509.Certificate
	pem    []byte
	caFile string
}

func newTestCert(t testing.TB, notAfter time.Time) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "slate test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, p, 0o600); err != nil {
		t.Fatal(err)
	}
	return testCert{
		cert:   tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		x509:   leaf,
		pem:    p,
		caFile: file,
	}
}

// listen returns a listener on a free 127.0.0.1 port, closed at cleanup.
func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// serve accepts connections on ln and runs handle on each in its own
// goroutine until the test ends. Connections are closed at cleanup.
func serve(t testing.TB, ln net.Listener, handle func(net.Conn)) {
	t.Helper()
	var mu sync.Mutex
	var conns []net.Conn
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
}

// closedAddr is a 127.0.0.1 address nobody listens on.
func closedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func mustProbe(t testing.TB, c Check, env Env) Probe {
	t.Helper()
	if c.Interval == 0 {
		c.Interval = 10 * time.Second
	}
	if c.ID == "" {
		c.ID = "test"
	}
	p, err := NewProbe(c, env)
	if err != nil {
		t.Fatalf("NewProbe: %v", err)
	}
	return p
}

// checkOutcome compares the verdict of o with the wanted class and a
// substring of the detail.
func checkOutcome(t testing.TB, o Outcome, wantOK bool, wantClass sla.FailureClass, wantDetail string) {
	t.Helper()
	if o.OK != wantOK || o.Class != wantClass {
		t.Errorf("got ok=%v class=%q (%s), want ok=%v class=%q", o.OK, o.Class, o.Detail, wantOK, wantClass)
	}
	if wantOK && o.Detail != "" {
		t.Errorf("got detail %q on success, want none", o.Detail)
	}
	if !strings.Contains(o.Detail, wantDetail) {
		t.Errorf("got detail %q, want it to contain %q", o.Detail, wantDetail)
	}
}
