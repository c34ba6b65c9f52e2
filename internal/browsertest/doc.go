// Package browsertest starts a headless Chromium for tests that drive the
// status pages through a real browser, with chromedp. Tests that call New
// skip when no Chromium is installed, and fail instead when CI=true, so a
// CI machine without the browser cannot pass them silently.
package browsertest
