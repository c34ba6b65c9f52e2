package db

import "sync"

// lookups caches, for the read path, the ids of check names and the names of
// location ids. Both tables only ever grow and an id never changes its name,
// so a cached pair is never stale; a miss falls through to a query.
type lookups struct {
	mu     sync.RWMutex
	checks map[string]int64
	locs   map[int64]string
}

func (l *lookups) check(name string) (int64, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	id, ok := l.checks[name]
	return id, ok
}

func (l *lookups) setCheck(name string, id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.checks == nil {
		l.checks = map[string]int64{}
	}
	l.checks[name] = id
}

func (l *lookups) location(id int64) (string, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	name, ok := l.locs[id]
	return name, ok
}

func (l *lookups) setLocation(id int64, name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.locs == nil {
		l.locs = map[int64]string{}
	}
	l.locs[id] = name
}
