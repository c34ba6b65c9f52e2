package browsertest

import (
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestNewRendersAPageAndScreenshot(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>t</title><p id="p">rendered by the browser</p><div style="height:2000px"></div>`))
	}))
	defer srv.Close()
	ctx := New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#p")))
	if err != nil {
		t.Fatal(err)
	}
	if text != "rendered by the browser" {
		t.Errorf("text: got %q", text)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if width != WindowWidth {
		t.Errorf("window width: got %d, want %d", width, WindowWidth)
	}
	path := filepath.Join(t.TempDir(), "shot.png")
	if err := Screenshot(ctx, path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	// Full page: taller than the window, because the page is.
	if b := img.Bounds(); b.Dy() <= WindowHeight {
		t.Errorf("screenshot height %d, want more than the window's %d", b.Dy(), WindowHeight)
	}
}

// recorder stands in for a test to see whether New skips or fails it.
// Skip and Fatal stop the caller as the real ones do, by unwinding.
type recorder struct {
	testing.TB
	skipped, failed string
}

type stopped struct{}

func (r *recorder) Helper() {}
func (r *recorder) Skip(args ...any) {
	r.skipped = fmt.Sprint(args...)
	panic(stopped{})
}
func (r *recorder) Fatal(args ...any) {
	r.failed = fmt.Sprint(args...)
	panic(stopped{})
}

func TestNewWithoutChromium(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, tc := range []struct {
		name, ci   string
		wantFailed bool
	}{
		{"skips outside CI", "", false},
		{"skips when CI is not true", "false", false},
		{"fails under CI=true", "true", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := &recorder{TB: t}
			func() {
				defer func() {
					if v := recover(); v != nil {
						if _, ok := v.(stopped); !ok {
							panic(v)
						}
					}
				}()
				New(r)
			}()
			got, other := r.skipped, r.failed
			if tc.wantFailed {
				got, other = r.failed, r.skipped
			}
			if got != missing || other != "" {
				t.Errorf("skipped %q, failed %q", r.skipped, r.failed)
			}
			if !strings.Contains(missing, "Debian package chromium") {
				t.Errorf("message %q does not name the Debian package", missing)
			}
		})
	}
}

// TestProblemsReportsViolations checks that Problems sees what it is for:
// a page whose inline style and script its policy refuses, and a console
// error; and nothing on a clean page.
func TestProblemsReportsViolations(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/clean" {
			_, _ = w.Write([]byte(`<!doctype html><title>clean</title><p>nothing to see`))
			return
		}
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		_, _ = w.Write([]byte(`<!doctype html><title>t</title><style>p{color:red}</style><p>styled</p><script>console.error("boom")</script>`))
	}))
	defer srv.Close()
	ctx := New(t)
	problems := Problems(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/refused"), chromedp.WaitVisible(chromedp.CSS("p"))); err != nil {
		t.Fatal(err)
	}
	// Issues arrive a moment after the load.
	var got []Problem
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		got = append(got, problems()...)
		if csp := countSource(got, "csp"); csp >= 2 {
			break
		}
	}
	if n := countSource(got, "csp"); n < 2 {
		t.Errorf("refused style and script: %d CSP problems in %v, want 2", n, got)
	}
	if n := countSource(got, "console"); n != 0 {
		t.Errorf("the refused script ran: %v", got)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/clean"), chromedp.WaitVisible(chromedp.CSS("p"))); err != nil {
		t.Fatal(err)
	}
	if got := problems(); len(got) != 0 {
		t.Errorf("clean page: %v, want no problems", got)
	}
}

func countSource(ps []Problem, source string) int {
	n := 0
	for _, p := range ps {
		if p.Source == source {
			n++
		}
	}
	return n
}
