package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Subscriber is one confirmed e-mail subscription: an address, the page it
// subscribed on and the components it chose. The address is personal data:
// it is kept here and nowhere else, and never logged.
type Subscriber struct {
	ID      int64  // assigned when stored
	Address string // normalised (subscription.NormalizeAddress)
	// Page is "" for the public status page, else the ID of the tenant
	// whose page it subscribed on.
	Page string
	// Components are the IDs of the services chosen; empty for every one.
	Components []string
	// ConfirmedAt is when the address last confirmed, UTC, millisecond
	// precision.
	ConfirmedAt time.Time
}

// Wants reports whether the subscription covers service.
func (s Subscriber) Wants(service string) bool {
	return len(s.Components) == 0 || slices.Contains(s.Components, service)
}

// Subscriptions holds the confirmed e-mail subscriptions. A subscription is
// stored only once its address confirmed it; nothing here tells a visitor
// whether an address is subscribed.
type Subscriptions interface {
	// Subscribe stores s, replacing the components and confirmation time
	// of an existing subscription of the same address and page.
	Subscribe(ctx context.Context, s Subscriber) error
	// Unsubscribe removes address's subscription on page; none is not an
	// error, so the answer is the same either way.
	Unsubscribe(ctx context.Context, address, page string) error
	// Subscribers lists page's subscriptions that cover service (every one
	// when service is ""), by ID.
	Subscribers(ctx context.Context, page, service string) ([]Subscriber, error)
	// Subscriber returns subscription id, or ErrNotFound when there is
	// none (any more): the e-mail sender looks each recipient up when it
	// sends, so an address that unsubscribed meanwhile gets nothing.
	Subscriber(ctx context.Context, id int64) (Subscriber, error)
}

// CheckSubscriber refuses what no store keeps.
func CheckSubscriber(s Subscriber) error {
	switch {
	case strings.TrimSpace(s.Address) == "" || !strings.Contains(s.Address, "@"):
		return errors.New("subscriber: address: is not an e-mail address")
	case s.ConfirmedAt.IsZero():
		return errors.New("subscriber: confirmed at: is required")
	}
	for i, c := range s.Components {
		if strings.TrimSpace(c) == "" {
			return fmt.Errorf("subscriber: components[%d]: is empty", i)
		}
	}
	return nil
}

// FilterSubscribers keeps the subscriptions that cover service ("" keeps
// all).
func FilterSubscribers(ss []Subscriber, service string) []Subscriber {
	if service == "" {
		return ss
	}
	out := ss[:0:0]
	for _, s := range ss {
		if s.Wants(service) {
			out = append(out, s)
		}
	}
	return out
}
