package netproxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestCutAndHeal forwards a request, fails one while cut (a request on a
// connection kept alive from before included) and forwards again once
// healed.
func TestCutAndHeal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	p, err := Start(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	client := &http.Client{Transport: &http.Transport{}}
	get := func() error {
		resp, err := client.Get("http://" + p.Addr() + "/")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && string(b) != "ok" {
			t.Fatalf("body %q through the proxy, want ok", b)
		}
		return err
	}
	if err := get(); err != nil {
		t.Fatalf("before the cut: %v", err)
	}
	p.Cut()
	for i := range 3 {
		if err := get(); err == nil {
			t.Fatalf("request %d while cut went through", i)
		}
	}
	p.Heal()
	if err := get(); err != nil {
		t.Fatalf("after healing: %v", err)
	}
}
