package collector_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/sla"
)

func ExampleNewProbe() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()

	c := collector.Check{
		ID: "api-health", Service: "API", Kind: collector.KindHTTP,
		Target: srv.URL + "/health", Interval: 30 * time.Second, Timeout: 5 * time.Second,
		HTTP: collector.HTTPSettings{Status: []collector.StatusRange{{Min: 200, Max: 299}}},
	}
	p, err := collector.NewProbe(c, collector.Env{})
	if err != nil {
		fmt.Println(err)
		return
	}
	o := p.Probe(context.Background())
	fmt.Println(o.OK, o.Class, o.Detail)
	// Output: false status status 503 not in [200-299]
}

// printStore is a Store that prints what it is given.
type printStore struct{}

func (printStore) WriteResults(_ context.Context, rs []sla.Result) error {
	for _, r := range rs {
		fmt.Println(r.CheckID, r.Location, r.OK)
	}
	return nil
}

func ExampleScheduler_RunOnce() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()

	s, err := collector.New(printStore{}, prometheus.NewRegistry())
	if err != nil {
		fmt.Println(err)
		return
	}
	s.Location = "eu-west"
	err = s.Reload([]collector.Check{{
		ID: "web", Service: "Website", Kind: collector.KindHTTP,
		Target: srv.URL, Interval: time.Minute, Timeout: 5 * time.Second,
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := s.RunOnce(context.Background(), "web"); err != nil {
		fmt.Println(err)
	}
	// Output: web eu-west true
}
