package monitor

import (
	"context"
	"time"
)

// PageListener is a store that tells when what the status pages show
// changed, on any replica (pgstore.Store.ListenPages): see followPages.
type PageListener interface {
	ListenPages(ctx context.Context, retry time.Duration, changed func(), failed func(error))
}

// followPages rebuilds this replica's pages (followStatus) each time the
// store says a change to what they show committed, wherever it was made,
// until ctx is done. Notifications that arrive during a rebuild fold into
// one more, and after each rebuild it waits as long as the rebuild took:
// a single change shows at once, and a stream of them (a close recording
// credits, an import) takes at most half of a CPU, however large the
// catalogue makes a rebuild. The poll ("status follow") stays: it is what
// follows when the notifications cannot (a pooler in transaction mode),
// and what moves the service states, which the evidence sets without a
// notification.
func (a *Monitor) followPages(ctx context.Context, l PageListener) {
	kick := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-kick:
			}
			began := time.Now()
			if err := a.followStatus(ctx, a.now()); err != nil && ctx.Err() == nil {
				a.log.Error("following page changes", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Since(began)):
			}
		}
	}()
	l.ListenPages(ctx, time.Second,
		func() {
			select {
			case kick <- struct{}{}:
			default: // a rebuild is already due; it will read this change too
			}
		},
		func(err error) {
			a.log.Warn("listening for page changes; the pages follow by poll until it is back", "err", err)
		})
	<-done
}
