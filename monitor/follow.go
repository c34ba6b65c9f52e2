package monitor

import (
	"context"
	"time"

	"github.com/slatehq/slate/pgstore"
)

// PageListener is a store that tells when what the status pages show
// changed, on any replica (pgstore.Store.ListenPages): see followPages.
type PageListener interface {
	ListenPages(ctx context.Context, o pgstore.ListenOptions, changed func(), failed func(error))
}

// kickFollow asks followPages for a rebuild; a rebuild already asked for
// will read whatever this one would.
func (a *Monitor) kickFollow() {
	select {
	case a.followKick <- struct{}{}:
	default:
	}
}

// followPages rebuilds this replica's pages (followStatus) when asked —
// by the store, each time a change to what they show committed wherever it
// was made, and by the "status follow" poll, every lease renewal — until
// ctx is done. It is followStatus's only caller, so two judgements of the
// present minute never race to note their states. Requests that arrive
// during a rebuild fold into one more, and after each rebuild it waits as
// long as the rebuild took: a single change shows at once, and a stream of
// them (a close recording credits, an import) takes at most half of a CPU,
// however large the catalogue makes a rebuild. The poll is what follows
// when the notifications cannot (a pooler in transaction mode, the
// database unreachable), and what moves the service states, which the
// evidence sets without a notification.
func (a *Monitor) followPages(ctx context.Context, l PageListener) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-a.followKick:
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
	l.ListenPages(ctx, pgstore.ListenOptions{}, a.kickFollow, func(err error) {
		a.log.Warn("not listening for page changes; the pages follow by poll until it is back", "err", err)
	})
	<-done
}
