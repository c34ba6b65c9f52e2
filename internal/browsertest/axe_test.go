package browsertest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAxeFindsViolations: axe-core, injected into a page with an image
// without text and light grey text on white in dark mode only, reports
// the image in both schemes and the contrast only where the dark
// stylesheet applies — so the checks the console and pages run can fail.
func TestAxeFindsViolations(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><title>t</title>
<style>@media (prefers-color-scheme: dark) { p { color: #eee; background: #fff; } }</style>
<main><h1>Page</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><p>Faint in dark mode.</p></main></html>`))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		scheme string
		want   []string
	}{
		{"light", []string{"image-alt"}},
		{"dark", []string{"color-contrast", "image-alt"}},
	} {
		t.Run(tc.scheme, func(t *testing.T) {
			ctx := New(t)
			ColorScheme(t, ctx, tc.scheme)
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
				t.Fatal(err)
			}
			vs, err := Axe(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vs {
				if v.Impact == "serious" || v.Impact == "critical" {
					got = append(got, v.ID)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("serious or critical: %v, want %v", got, tc.want)
			}
		})
	}
}
