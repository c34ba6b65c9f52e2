package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slatehq/slate/incident"
)

// Incident is a stored incident: the state machine's value, the ID the
// store gave it and the tenants it affects. Times are UTC with millisecond
// precision once read back.
type Incident struct {
	ID int64 // 0 until first saved
	incident.Incident
	Tenants []string // affected tenants; stored sorted, without duplicates

	// Revision counts the saves that changed the incident: 1 after the
	// first. SaveIncident sets it; a save that changes an incident must
	// carry the revision it was read with (see ErrIncidentConflict).
	Revision int64

	// PublishedPostmortem is the post-mortem version readers see; 0 before
	// one is published. Set by PublishPostmortem; SaveIncident ignores it.
	PublishedPostmortem int
	CreatedAt           time.Time // first save; set by the store
	UpdatedAt           time.Time // latest change; set by the store
}

// IncidentFilter selects incidents. A zero field matches any value.
type IncidentFilter struct {
	Service string // incidents that affect this service, as theirs or among the others
	Tenant  string // incidents that affect this tenant
	Open    *bool  // true: open incidents only; false: resolved (or post-mortem) only
	// Since keeps incidents that were open at or after it: still open, or
	// ended after Since (an incident occupies [Started, Ended)).
	Since time.Time
	Limit int // at most this many; 0 or less means no limit
}

// PostmortemState is where a post-mortem version is: a draft, or
// published (readers saw it, whatever was published after it).
type PostmortemState string

// Post-mortem version states.
const (
	PostmortemDraft     PostmortemState = "draft"
	PostmortemPublished PostmortemState = "published"
)

// PostmortemVersion is one saved version of an incident's post-mortem.
type PostmortemVersion struct {
	IncidentID  int64
	Version     int // 1, 2, ... per incident
	Markdown    string
	State       PostmortemState
	Author      string
	CreatedAt   time.Time // UTC, millisecond precision
	PublishedAt time.Time // first publication; zero while a draft
	PublishedBy string    // "" while a draft
}

// Postmortem is what an incident's post-mortem page needs.
type Postmortem struct {
	// Published is the version readers see; nil before one is published.
	Published *PostmortemVersion
	// Draft is the latest version when it is a draft newer than Published:
	// work not yet published. nil when there is none.
	Draft *PostmortemVersion
}

// IncidentSubject is the audit subject of incident id.
func IncidentSubject(id int64) string { return fmt.Sprintf("incident/%d", id) }

// ClosedRank orders statuses as an incident may only move forward:
// open, resolved, post-mortem.
func ClosedRank(s incident.Status) int {
	switch s {
	case incident.Resolved:
		return 1
	case incident.Postmortem:
		return 2
	}
	return 0
}

// CheckIncident refuses an incident no store may save.
func CheckIncident(inc *Incident, actor string) error {
	switch {
	case strings.TrimSpace(inc.Service) == "":
		return errors.New("empty service")
	case len(inc.Title) > incident.MaxTitle || !utf8.ValidString(inc.Title):
		return fmt.Errorf("title is not valid text of at most %d bytes", incident.MaxTitle)
	case inc.Started.IsZero():
		return errors.New("zero start")
	case !inc.Ended.IsZero() && inc.Ended.Before(inc.Started):
		return fmt.Errorf("end %s is before start %s", inc.Ended.UTC().Format(time.RFC3339), inc.Started.UTC().Format(time.RFC3339))
	case strings.TrimSpace(actor) == "":
		return errors.New("empty actor")
	}
	switch inc.Status {
	case incident.Investigating, incident.Identified, incident.Monitoring, incident.Resolved, incident.Postmortem:
	default:
		return fmt.Errorf("status %q is not one of investigating, identified, monitoring, resolved, postmortem", inc.Status)
	}
	switch inc.Severity {
	case incident.Minor, incident.Major, incident.Critical:
	default:
		return fmt.Errorf("severity %q is not one of minor, major, critical", inc.Severity)
	}
	for i, e := range inc.Timeline {
		if e.At.IsZero() || e.Kind == "" {
			return fmt.Errorf("timeline entry %d: zero time or empty kind", i)
		}
	}
	for _, t := range inc.Tenants {
		if strings.TrimSpace(t) == "" {
			return errors.New("empty tenant")
		}
	}
	for _, s := range inc.Also {
		if strings.TrimSpace(s) == "" || s == inc.Service {
			return fmt.Errorf("other service %q is empty or the incident's own", s)
		}
	}
	return nil
}

// SortedTenants is tenants sorted and without duplicates, as stored.
func SortedTenants(tenants []string) []string {
	out := slices.Clone(tenants)
	slices.Sort(out)
	return slices.Compact(out)
}

// NonNil is s, or an empty slice for nil (so it encodes as []).
func NonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// IncidentChanged reports whether the stored row old differs from inc in
// what SaveIncident stores in the incident row itself; failing is inc's
// failing list as JSON and oldFailing the stored one.
func IncidentChanged(old, inc *Incident, oldFailing, failing string) bool {
	return old.Title != inc.Title || old.Status != inc.Status || old.Severity != inc.Severity ||
		old.SeverityOverride != inc.SeverityOverride || old.Started.UnixMilli() != inc.Started.UnixMilli() ||
		old.Ended.IsZero() != inc.Ended.IsZero() || old.Ended.UnixMilli() != inc.Ended.UnixMilli() ||
		oldFailing != failing
}

// IncidentDetail is the audit detail of a save of inc that added added
// timeline entries; from is the status before ("" for a first save).
func IncidentDetail(inc *Incident, from incident.Status, tenants []string, added int) map[string]any {
	var ended int64
	if !inc.Ended.IsZero() {
		ended = inc.Ended.UnixMilli()
	}
	d := map[string]any{
		"service": inc.Service, "also": NonNil(SortedTenants(inc.Also)), "title": inc.Title, "status": inc.Status, "severity": inc.Severity,
		"severity_override": inc.SeverityOverride, "started_ms": inc.Started.UnixMilli(), "ended_ms": ended,
		"tenants": tenants, "entries_added": added,
	}
	if from != "" {
		d["from"] = from
	}
	return d
}

// CheckPostmortem refuses a post-mortem version no store may save.
func CheckPostmortem(markdown, author string) error {
	switch {
	case strings.TrimSpace(markdown) == "":
		return fmt.Errorf("empty markdown")
	case len(markdown) > incident.MaxPostmortemBytes:
		return fmt.Errorf("%d bytes, more than the %d allowed", len(markdown), incident.MaxPostmortemBytes)
	case !utf8.ValidString(markdown):
		return fmt.Errorf("markdown is not valid UTF-8")
	case strings.TrimSpace(author) == "":
		return fmt.Errorf("empty author")
	}
	return nil
}

// OpenStatuses is the SQL condition of an open incident, on a column named
// status.
const OpenStatuses = "status IN ('investigating', 'identified', 'monitoring')"

// IncidentConditions are the SQL conditions of f over the incidents table,
// for a backend to join with AND; arg adds a value and returns its
// placeholder ("?" or "$3").
func IncidentConditions(f IncidentFilter, arg func(v any) string) []string {
	var where []string
	if f.Service != "" {
		where = append(where, "(service = "+arg(f.Service)+" OR id IN (SELECT incident_id FROM incident_services WHERE service = "+arg(f.Service)+"))")
	}
	if f.Tenant != "" {
		where = append(where, "id IN (SELECT incident_id FROM incident_tenants WHERE tenant = "+arg(f.Tenant)+")")
	}
	if f.Open != nil {
		if *f.Open {
			where = append(where, OpenStatuses)
		} else {
			where = append(where, "NOT "+OpenStatuses)
		}
	}
	if !f.Since.IsZero() {
		where = append(where, "(ended_ms IS NULL OR ended_ms > "+arg(f.Since.UnixMilli())+")")
	}
	return where
}

// PostmortemSavedDetail is the audit detail of a new post-mortem version:
// its number and the SHA-256 and length of its markdown, not the text.
func PostmortemSavedDetail(version int, markdown string) map[string]any {
	sum := sha256.Sum256([]byte(markdown))
	return map[string]any{"version": version, "sha256": hex.EncodeToString(sum[:]), "bytes": len(markdown)}
}

// causeRecord is an entry's cause as stored: one JSON object per failing
// check, keys as named here.
type causeRecord struct {
	Check     string   `json:"check"`
	Tenant    string   `json:"tenant,omitempty"`
	Degraded  bool     `json:"degraded,omitempty"`
	Locations []string `json:"locations,omitempty"`
}

// CauseJSON is the stored form of an entry's causes: nil (SQL NULL) for
// an entry that records none (incident.Entry.Cause nil), else a JSON array
// of {"check", "tenant", "degraded", "locations"}.
func CauseJSON(causes []incident.Cause) (*string, error) {
	if causes == nil {
		return nil, nil
	}
	recs := make([]causeRecord, len(causes))
	for i, c := range causes {
		recs[i] = causeRecord{Check: c.Check, Tenant: c.Tenant, Degraded: c.Degraded, Locations: c.Locations}
	}
	b, err := json.Marshal(recs)
	if err != nil {
		return nil, fmt.Errorf("encode cause: %w", err)
	}
	js := string(b)
	return &js, nil
}

// ParseCause reads CauseJSON's form back.
func ParseCause(js *string) ([]incident.Cause, error) {
	if js == nil {
		return nil, nil
	}
	var recs []causeRecord
	if err := json.Unmarshal([]byte(*js), &recs); err != nil {
		return nil, fmt.Errorf("decode cause: %w", err)
	}
	out := make([]incident.Cause, len(recs))
	for i, r := range recs {
		out[i] = incident.Cause{Check: r.Check, Tenant: r.Tenant, Degraded: r.Degraded, Locations: r.Locations}
	}
	return out, nil
}

// CheckPublishPostmortem refuses to publish a post-mortem of inc while inc
// is open (investigating, identified or monitoring): what went wrong is
// told once it is over. Every store asks it in the publishing transaction.
func CheckPublishPostmortem(inc *Incident) error {
	if inc.Open() {
		return fmt.Errorf("%w: incident %d is %s; a post-mortem is published once the incident is resolved", ErrNotResolved, inc.ID, inc.Status)
	}
	return nil
}
