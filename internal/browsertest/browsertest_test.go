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
