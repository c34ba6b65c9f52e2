package dashboard

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/badge"
)

// Badges: /badge/{service}/status.svg and /badge/{service}/uptime.svg
// (?window=30d, 1d to 90d), shields-style SVG for READMEs and intranet
// pages. Only the public snapshot's services have badges: a private
// service answers exactly as an unknown one does, so a badge URL tells
// nobody that a private service exists. Each badge is drawn once per
// snapshot and served with a strong ETag, so image proxies and browsers
// mostly get 304.

// badgeMaxAge is how long caches may keep a badge without asking again:
// the snapshot changes at most about once a minute.
const badgeMaxAge = "public, max-age=60"

// defaultBadgeWindow is the uptime badge's window without ?window=.
const defaultBadgeWindow = 30

var badgeWindowRE = regexp.MustCompile(`^([1-9][0-9]?)d$`)

// badgeSet is the badges drawn for one snapshot, by service, kind and
// window.
type badgeSet struct {
	snap  *Snapshot
	mu    sync.Mutex
	drawn map[string]*drawnBadge
}

type drawnBadge struct {
	svg  []byte
	etag string
}

// badgeCache holds the badge set of the snapshot last served.
type badgeCache struct {
	current atomic.Pointer[badgeSet]
}

// setFor returns the badge set of snap, starting a new one when the
// snapshot changed.
func (b *badgeCache) setFor(snap *Snapshot) *badgeSet {
	for {
		cur := b.current.Load()
		if cur != nil && cur.snap == snap {
			return cur
		}
		next := &badgeSet{snap: snap, drawn: map[string]*drawnBadge{}}
		if b.current.CompareAndSwap(cur, next) {
			return next
		}
	}
}

func (s *Server) mountBadges() {
	h := func(c *gin.Context) { s.serveBadge(c) }
	s.engine.GET("/badge/:service/:file", h)
	s.engine.HEAD("/badge/:service/:file", h)
}

// errNoBadge is the one answer for an unknown service, a private one and
// a group: the same status and body for all three.
const errNoBadge = "no such public service\n"

func (s *Server) serveBadge(c *gin.Context) {
	kind, window := c.Param("file"), 0
	switch kind {
	case "status.svg":
	case "uptime.svg":
		window = defaultBadgeWindow
		if w := c.Query("window"); w != "" {
			m := badgeWindowRE.FindStringSubmatch(w)
			n := 0
			if m != nil {
				n, _ = strconv.Atoi(m[1])
			}
			if n < 1 || n > 90 {
				c.String(http.StatusBadRequest, "window: must be 1d to 90d (got %q)\n", w)
				return
			}
			window = n
		}
	default:
		c.String(http.StatusNotFound, errNoBadge)
		return
	}
	snap := s.Snapshot()
	if snap == nil {
		c.Header("Retry-After", "10")
		c.String(http.StatusServiceUnavailable, "status not ready\n")
		return
	}
	set := s.badges.setFor(snap)
	b, ok, err := set.badge(c.Param("service"), kind, window)
	switch {
	case err != nil:
		_ = c.Error(err)
		c.Status(http.StatusInternalServerError)
		return
	case !ok:
		c.String(http.StatusNotFound, errNoBadge)
		return
	}
	h := c.Writer.Header()
	h["Cache-Control"] = []string{badgeMaxAge}
	h["Etag"] = []string{b.etag}
	if match := c.Request.Header.Get("If-None-Match"); match != "" && etagMatch(match, b.etag) {
		c.Status(http.StatusNotModified)
		return
	}
	h["Content-Type"] = []string{"image/svg+xml"}
	h["Content-Length"] = []string{strconv.Itoa(len(b.svg))}
	c.Status(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		c.Writer.WriteHeaderNow()
		return
	}
	_, _ = c.Writer.Write(b.svg)
}

// badge returns the badge of service, drawing it on first use; ok is
// false when the snapshot has no such public service.
func (set *badgeSet) badge(service, kind string, window int) (*drawnBadge, bool, error) {
	var comp *Component
	for i := range set.snap.Components {
		if c := &set.snap.Components[i]; !c.Group && c.ID == service {
			comp = c
		}
	}
	if comp == nil {
		return nil, false, nil
	}
	key := fmt.Sprintf("%s\x00%s\x00%d", service, kind, window)
	set.mu.Lock()
	defer set.mu.Unlock()
	if b := set.drawn[key]; b != nil {
		return b, true, nil
	}
	svg, err := drawBadge(*comp, set.snap.Bars[service], kind, window)
	if err != nil {
		return nil, false, fmt.Errorf("badge %s %s: %w", service, kind, err)
	}
	h := fnv.New64a()
	h.Write(svg)
	b := &drawnBadge{svg: svg, etag: fmt.Sprintf(`"%016x"`, h.Sum64())}
	set.drawn[key] = b
	return b, true, nil
}

// badgeNoData is the colour of a badge without figures (the badge
// package's grey).
const badgeNoData = "#555555"

func drawBadge(c Component, days []DayBar, kind string, window int) ([]byte, error) {
	if kind == "status.svg" {
		if c.NoData {
			return badge.Render("status", "no data", badgeNoData)
		}
		return badge.StatusBadge("status", badgeStatus(c.Status))
	}
	label := fmt.Sprintf("uptime %dd", window)
	if len(days) > window {
		days = days[len(days)-window:]
	}
	u := windowUptime(days)
	if !u.Known {
		return badge.Render(label, "no data", badgeNoData)
	}
	return badge.UptimeBadge(label, u.Percent, "")
}

// badgeStatus is a component status as the badge package names it.
func badgeStatus(status string) badge.Status {
	switch status {
	case DegradedPerformance:
		return badge.Degraded
	case PartialOutage:
		return badge.PartialOutage
	case MajorOutage:
		return badge.MajorOutage
	case UnderMaintenance:
		return badge.Maintenance
	}
	return badge.Operational
}
