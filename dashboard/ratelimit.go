package dashboard

import (
	clist "container/list"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiterSize bounds each limiter's table. A key past it evicts the
// bucket used least recently; an evicted bucket starts full again, which
// errs on letting a request through, never on refusing one.
const limiterSize = 10000

// limiter is a table of token buckets by key (a token, a link, a client
// address, a push token), bounded to limiterSize buckets, least recently
// used out first, so that keys made up by a client cannot grow its memory.
// The zero value is ready to use.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*clist.Element // of *bucket, in order
	order   clist.List                // most recently used at the front
}

type bucket struct {
	key string
	lim *rate.Limiter
}

// bucket returns key's bucket, made with rate r and burst when it is new.
// The caller holds l.mu.
func (l *limiter) bucket(key string, r rate.Limit, burst int) *rate.Limiter {
	if e, ok := l.buckets[key]; ok {
		l.order.MoveToFront(e)
		return e.Value.(*bucket).lim
	}
	if l.buckets == nil {
		l.buckets = map[string]*clist.Element{}
	}
	for len(l.buckets) >= limiterSize {
		last := l.order.Back()
		delete(l.buckets, last.Value.(*bucket).key)
		l.order.Remove(last)
	}
	b := &bucket{key: key, lim: rate.NewLimiter(r, burst)}
	l.buckets[key] = l.order.PushFront(b)
	return b.lim
}

// allow takes one request from key's bucket; when it is empty it returns
// how long until the next request is allowed. A rate of 0 or less allows
// everything.
func (l *limiter) allow(key string, r rate.Limit, burst int, now time.Time) (bool, time.Duration) {
	if r <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, r, burst)
	res := b.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// wait is how long until key's bucket holds a whole token, without taking
// one: 0 when it does now, or when the key has no bucket.
func (l *limiter) wait(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.buckets[key]
	if !ok {
		return 0
	}
	lim := e.Value.(*bucket).lim
	tokens := lim.TokensAt(now)
	if tokens >= 1 || lim.Limit() <= 0 {
		return 0
	}
	return time.Duration(math.Ceil((1 - tokens) / float64(lim.Limit()) * float64(time.Second)))
}

// take spends one token of key's bucket, if it has one.
func (l *limiter) take(key string, r rate.Limit, burst int, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bucket(key, r, burst).AllowN(now, 1)
}

// retryAfter is the Retry-After value of a wait: whole seconds, at least 1.
func retryAfter(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}
