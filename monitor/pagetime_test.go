package monitor

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/config"
)

// Time to page: how the end-to-end test probes, and how many outages it
// measures (SLATE_PAGE_OUTAGES raises it for a larger sample).
const (
	pageInterval = 5 * time.Second
	pageFailures = 2
	pageOutages  = 12
)

// pageBound is the promise: the first notification within the
// confirmation time (interval × failures) plus 5 s.
const pageBound = pageInterval*pageFailures + 5*time.Second

// firstSeen records the first moment something happened, by name.
type firstSeen struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (f *firstSeen) see(name string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.at == nil {
		f.at = map[string]time.Time{}
	}
	if _, ok := f.at[name]; !ok {
		f.at[name] = at
	}
}

func (f *firstSeen) get(name string) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.at[name]
	return t, ok
}

// TestTimeToPage runs slate as on-call would: one HTTP check per service
// every 5 s with failures: 2, a webhook and a PagerDuty-style receiver on
// 127.0.0.1, and the Statuspage API polled every 100 ms. Twelve targets
// fail for good, each at a random moment spread over a minute (so at
// every second of the minute). For each outage the first notification
// reaches both receivers within interval × failures + 5 s of the target
// failing, and the status API shows the service as a major outage within
// the same + 5 s. The distributions are logged.
func TestTimeToPage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 80 seconds; skipped with -short")
	}
	t.Parallel()
	n := pageOutages
	if v, err := strconv.Atoi(os.Getenv("SLATE_PAGE_OUTAGES")); err == nil && v > n {
		n = v
	}
	webhook, pager := &firstSeen{}, &firstSeen{}
	receiver := func(seen *firstSeen, service func([]byte) string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			at := time.Now()
			body, _ := io.ReadAll(r.Body)
			seen.see(service(body), at)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	hook := receiver(webhook, func(b []byte) string {
		var e alert.Event
		json.Unmarshal(b, &e)
		return e.Service + " " + e.Kind
	})
	pd := receiver(pager, func(b []byte) string {
		var e struct {
			Action  string `json:"event_action"`
			Payload struct {
				Component string `json:"component"`
			} `json:"payload"`
		}
		json.Unmarshal(b, &e)
		return e.Payload.Component + " " + e.Action
	})
	down := make([]atomic.Bool, n)
	var yaml strings.Builder
	fmt.Fprintf(&yaml, "alerting:\n  receivers:\n    - {name: hook, kind: webhook, url: %q, secret: %q}\n    - {name: pd, kind: pagerduty, url: %q, routing_key: R0UT1NG}\n  routes: [{receiver: hook}, {receiver: pd}]\n",
		hook.URL, hookSecret, pd.URL)
	fmt.Fprintf(&yaml, "services:\n")
	for i := range n {
		fmt.Fprintf(&yaml, "  - {id: svc%02d}\n", i)
	}
	fmt.Fprintf(&yaml, "checks:\n")
	for i := range n {
		target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if down[i].Load() {
				http.Error(w, "down", http.StatusServiceUnavailable)
			}
		}))
		t.Cleanup(target.Close)
		fmt.Fprintf(&yaml, "  - {id: chk%02d, service: svc%02d, kind: http, target: %q, interval: %s, confirmation: {failures: %d}}\n",
			i, i, target.URL, pageInterval, pageFailures)
	}
	cfg := pageConfig(t, yaml.String())
	a := testApp(t, cfg, Options{})
	base := startTestApp(t, a)

	status := &firstSeen{}
	stop := make(chan struct{})
	polled := make(chan struct{})
	go func() { defer close(polled); pollStatus(base, status, stop) }()
	defer func() { close(stop); <-polled }()

	// Every check has reported up before the first outage; outages start
	// at random moments over the next minute.
	warm := time.Now().Add(pageInterval + time.Second)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	failed := make([]time.Time, n)
	var wg sync.WaitGroup
	for i := range n {
		at := warm.Add(time.Duration(rng.Int64N(int64(time.Minute))))
		wg.Go(func() {
			time.Sleep(time.Until(at))
			failed[i] = time.Now()
			down[i].Store(true)
		})
	}
	wg.Wait()
	deadline := time.Now().Add(pageBound + 5*time.Second)
	for time.Now().Before(deadline) {
		if allSeen(n, webhook, "%s trigger") && allSeen(n, pager, "%s trigger") && allSeen(n, status, "%s") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var page, pdPage, shown []time.Duration
	for i := range n {
		svc := fmt.Sprintf("svc%02d", i)
		for _, m := range []struct {
			what  string
			seen  *firstSeen
			key   string
			bound time.Duration
			into  *[]time.Duration
		}{
			{"webhook trigger", webhook, svc + " trigger", pageBound, &page},
			{"pagerduty trigger", pager, svc + " trigger", pageBound, &pdPage},
			{"status API major outage", status, svc, pageBound + 5*time.Second, &shown},
		} {
			at, ok := m.seen.get(m.key)
			if !ok {
				t.Errorf("%s failed at %s (second %d): no %s", svc, failed[i].Format("15:04:05.000"), failed[i].Second(), m.what)
				continue
			}
			d := at.Sub(failed[i])
			*m.into = append(*m.into, d)
			if d > m.bound {
				t.Errorf("%s failed at second %d: %s after %v, want within %v", svc, failed[i].Second(), m.what, d.Round(time.Millisecond), m.bound)
			}
		}
	}
	t.Logf("time to page over %d outages (interval %v, failures %d, bound %v): webhook %s; pagerduty %s; status API %s",
		n, pageInterval, pageFailures, pageBound, distribution(page), distribution(pdPage), distribution(shown))
	for i := range n {
		t.Logf("outage %02d failed at second %02d: webhook after %v", i, failed[i].Second(), durationOf(webhook, fmt.Sprintf("svc%02d trigger", i), failed[i]))
	}
}

// pageConfig is a configuration with its store in a temporary directory,
// listening on a free loopback port, and extra.
func pageConfig(t *testing.T, extra string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "slate.yaml")
	body := fmt.Sprintf("storage: {path: %q}\nserver: {listen: \"127.0.0.1:0\"}\n%s", filepath.Join(dir, "slate.db"), extra)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// pollStatus reads the Statuspage API's components every 100 ms until stop
// and records when each first shows as a major outage.
func pollStatus(base string, seen *firstSeen, stop <-chan struct{}) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		resp, err := http.Get(base + "/api/v2/components.json")
		if err != nil {
			continue
		}
		var body struct {
			Components []struct{ Name, Status string }
		}
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		at := time.Now()
		for _, c := range body.Components {
			if c.Status == "major_outage" {
				seen.see(c.Name, at)
			}
		}
	}
}

// allSeen reports whether seen has every service's key (format takes the
// service).
func allSeen(n int, seen *firstSeen, format string) bool {
	for i := range n {
		if _, ok := seen.get(fmt.Sprintf(format, fmt.Sprintf("svc%02d", i))); !ok {
			return false
		}
	}
	return true
}

func durationOf(seen *firstSeen, key string, from time.Time) string {
	at, ok := seen.get(key)
	if !ok {
		return "never"
	}
	return at.Sub(from).Round(time.Millisecond).String()
}

// distribution is min, median, p90 and max of ds, in seconds.
func distribution(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s)-1)+0.5))] }
	return fmt.Sprintf("min %.2fs median %.2fs p90 %.2fs max %.2fs", s[0].Seconds(), q(0.5).Seconds(), q(0.9).Seconds(), s[len(s)-1].Seconds())
}
