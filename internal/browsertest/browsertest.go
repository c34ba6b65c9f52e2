package browsertest

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Timeout bounds all browser work of one test: a page that never renders
// fails the test instead of hanging the package.
const Timeout = 30 * time.Second

// WindowWidth and WindowHeight are the browser window's size in CSS
// pixels, fixed so that layouts and screenshots do not depend on the
// machine.
const (
	WindowWidth  = 1280
	WindowHeight = 900
)

// missing is the message of a test that cannot find the browser; it names
// the Debian package that provides it.
const missing = "headless Chromium not found: install the Debian package chromium"

// FindChromium returns the path of the first Chromium binary on PATH, or
// "" when there is none.
func FindChromium() string {
	// Debian's name, Ubuntu's older one, Google's build.
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless Chromium for t and returns a chromedp context of
// one tab in it, which expires after Timeout. The browser is stopped and
// its profile removed when t ends. Without Chromium, New skips t, or fails
// it when the environment variable CI is "true".
func New(t testing.TB) context.Context {
	t.Helper()
	return NewTimeout(t, Timeout)
}

// NewTimeout is New with a bound of its own on the test's browser work,
// for a test that does more than a page or two (an accessibility engine
// over a large page takes seconds on a busy machine).
func NewTimeout(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	path := FindChromium()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(missing)
		}
		t.Skip(missing)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		// Containers run tests as root, where Chromium's sandbox cannot
		// start, and often without a GPU or a large /dev/shm.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(WindowWidth, WindowHeight),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	// Cleanups run last in, first out: the tab closes, then the browser.
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancelTab)
	// The first Do starts the browser and binds it to ctx, so it must not
	// carry the timeout; the context handed out does.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel)
	return tctx
}

// MaxScreenshotHeight is the tallest screenshot taken, in device pixels:
// a page longer than that (a phone's 90 days of bars) is shown by its top,
// which is what a reader of the documentation looks at, and stays a
// picture of a few hundred kilobytes. The tests check the whole page, not
// the picture.
const MaxScreenshotHeight = 4000

// Screenshot writes a PNG of the page of ctx's tab, beyond the window and
// down to MaxScreenshotHeight, to path.
func Screenshot(ctx context.Context, path string) error {
	type size struct{ Width, Height, Ratio float64 }
	sz, err := chromedp.Run(ctx, chromedp.Evaluate[size](
		`({Width: document.documentElement.scrollWidth, Height: document.documentElement.scrollHeight, Ratio: window.devicePixelRatio})`))
	if err != nil {
		return fmt.Errorf("screenshot %s: measure the page: %w", path, err)
	}
	beyond, fromSurface := true, true
	shot, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format: page.CaptureScreenshotFormatPng, CaptureBeyondViewport: &beyond, FromSurface: &fromSurface,
		Clip: &page.Viewport{Width: sz.Width, Height: min(sz.Height, math.Floor(MaxScreenshotHeight/max(sz.Ratio, 1))), Scale: 1},
	})
	if err != nil {
		return fmt.Errorf("screenshot %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, shot.Data, 0o644)
}
