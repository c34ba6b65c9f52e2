package email

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/slatehq/slate/statement"
)

// Composer builds messages. Make one with NewComposer and reuse it: the
// HTML layout is parsed once, and a Composer is safe for concurrent use.
type Composer struct {
	html *template.Template
}

// NewComposer parses the HTML layout.
func NewComposer() *Composer {
	return &Composer{html: template.Must(template.New("mail").Parse(htmlLayout))}
}

// IncidentUpdate is one customer-facing update of an incident.
type IncidentUpdate struct {
	Provider string         // the provider's name, for the subject ("Nordlicht Cloud"); required
	Title    string         // the incident's public title; required
	Status   string         // investigating, identified, monitoring, resolved or postmortem; required
	Body     string         // the update's customer-facing text; required
	Services []string       // display names of the affected services
	At       time.Time      // when the update was posted; required
	Location *time.Location // the reader's zone (the tenant's, or UTC); required
	URL      string         // the incident's page; required
	Why      string         // why the recipient gets it ("You subscribed to Mail and Messenger on status.nordlicht.example."); required
	Manage   string         // where the recipient changes its choice of components; "" for none
}

// NewIncidentUpdate composes an incident update. Use the incident as
// Envelope.ThreadKey so that its updates form one conversation.
func (c *Composer) NewIncidentUpdate(e Envelope, u IncidentUpdate) (*Message, error) {
	if err := required("incident_update", "provider", u.Provider, "title", u.Title, "status", u.Status, "body", u.Body, "url", u.URL, "why", u.Why); err != nil {
		return nil, err
	}
	if u.At.IsZero() || u.Location == nil {
		return nil, fmt.Errorf("incident_update.at: a time and its location are required")
	}
	status := statusWord(u.Status)
	body := content{
		Heading: u.Title,
		Facts:   []fact{{"Status", status}, {"Posted", when(u.At, u.Location)}},
		Body:    []string{u.Body},
		Action:  &link{"Follow the incident", u.URL},
		Why:     u.Why,
	}
	if len(u.Services) > 0 {
		body.Facts = append(body.Facts, fact{"Affects", strings.Join(u.Services, ", ")})
	}
	body.Links = manageLink(u.Manage)
	return c.build(KindIncidentUpdate, e, "["+u.Provider+"] "+status+": "+u.Title, body, nil)
}

// MaintenanceStage is which notice of a maintenance window a message is.
type MaintenanceStage string

// Maintenance notices.
const (
	MaintenanceScheduled MaintenanceStage = "scheduled"
	MaintenanceReminder  MaintenanceStage = "reminder"
	MaintenanceStarted   MaintenanceStage = "started"
	MaintenanceCompleted MaintenanceStage = "completed"
)

// Maintenance is an announced maintenance window.
type Maintenance struct {
	Provider   string         // required
	Title      string         // public title; required
	Body       string         // what will happen and what customers notice; may be ""
	Services   []string       // display names of the affected services
	Start, End time.Time      // [Start, End); required
	Location   *time.Location // the reader's zone; required
	URL        string         // the maintenance's page; required
	Why        string         // required
	Manage     string         // where the recipient changes its choice of components; "" for none
}

// NewMaintenance composes one notice of a maintenance window.
func (c *Composer) NewMaintenance(e Envelope, stage MaintenanceStage, m Maintenance) (*Message, error) {
	if err := required("maintenance", "provider", m.Provider, "title", m.Title, "url", m.URL, "why", m.Why); err != nil {
		return nil, err
	}
	if m.Start.IsZero() || !m.End.After(m.Start) || m.Location == nil {
		return nil, fmt.Errorf("maintenance.start: start before end and a location are required")
	}
	window := when(m.Start, m.Location) + " to " + when(m.End, m.Location)
	var kind Kind
	var subject, intro string
	switch stage {
	case MaintenanceScheduled:
		kind, subject, intro = KindMaintenanceScheduled, "Maintenance scheduled", "Maintenance is scheduled for "+window+"."
	case MaintenanceReminder:
		kind, subject, intro = KindMaintenanceReminder, "Maintenance reminder", "Reminder: maintenance starts "+when(m.Start, m.Location)+" and is planned to end "+when(m.End, m.Location)+"."
	case MaintenanceStarted:
		kind, subject, intro = KindMaintenanceStarted, "Maintenance started", "Maintenance has started; it is planned to end "+when(m.End, m.Location)+"."
	case MaintenanceCompleted:
		kind, subject, intro = KindMaintenanceCompleted, "Maintenance completed", "The maintenance scheduled for "+window+" is complete."
	default:
		return nil, fmt.Errorf("maintenance stage: %q is not one of scheduled, reminder, started, completed", stage)
	}
	body := content{
		Heading: m.Title,
		Intro:   intro,
		Facts:   []fact{{"Window", window}},
		Action:  &link{"Details", m.URL},
		Why:     m.Why,
	}
	if len(m.Services) > 0 {
		body.Facts = append(body.Facts, fact{"Affects", strings.Join(m.Services, ", ")})
	}
	if m.Body != "" {
		body.Body = []string{m.Body}
	}
	body.Links = manageLink(m.Manage)
	return c.build(kind, e, "["+m.Provider+"] "+subject+": "+m.Title, body, nil)
}

// Confirmation asks an address to confirm a subscription (double opt-in).
type Confirmation struct {
	Provider   string         // required
	Page       string         // what is subscribed to, in words ("the Nordlicht Cloud status page"); required
	Components []string       // the chosen components; empty: all
	ConfirmURL string         // the signed confirmation link; https, required
	Expires    time.Time      // when the link stops working; required
	Location   *time.Location // the reader's zone; required
}

// NewConfirmation composes the confirmation request. Its Envelope's
// Unsubscribe link should say "this was not me" (nothing is subscribed
// until the link is followed).
func (c *Composer) NewConfirmation(e Envelope, k Confirmation) (*Message, error) {
	if err := required("confirmation", "provider", k.Provider, "page", k.Page, "confirm_url", k.ConfirmURL); err != nil {
		return nil, err
	}
	if !SecureLink(k.ConfirmURL) {
		return nil, fmt.Errorf("confirmation.confirm_url: %q is not an https URL", k.ConfirmURL)
	}
	if k.Expires.IsZero() || k.Location == nil {
		return nil, fmt.Errorf("confirmation.expires: an expiry and a location are required")
	}
	what := "all components"
	if len(k.Components) > 0 {
		what = strings.Join(k.Components, ", ")
	}
	body := content{
		Heading: "Confirm your subscription",
		Intro:   "Someone, probably you, asked to receive updates from " + k.Page + " at this address.",
		Facts:   []fact{{"Components", what}, {"Link valid until", when(k.Expires, k.Location)}},
		Body:    []string{"Nothing is sent until you confirm. If you did not ask for this, ignore this message."},
		Action:  &link{"Confirm the subscription", k.ConfirmURL},
		Why:     "You get this message because this address was entered on " + k.Page + ".",
	}
	return c.build(KindConfirmation, e, "["+k.Provider+"] Confirm your subscription", body, nil)
}

// NewStatement composes the monthly statement for a tenant's billing
// contact: a summary in the body and the statement as a PDF attachment
// named after its number. pageURL, when set, links the statement's page on
// the tenant's status site. why says why the contact gets it.
func (c *Composer) NewStatement(e Envelope, s statement.Statement, pageURL, why string) (*Message, error) {
	if strings.TrimSpace(why) == "" {
		return nil, fmt.Errorf("statement: why is required")
	}
	var pdf bytes.Buffer
	if err := statement.WritePDF(&pdf, s); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	loc := s.Tenant.Location
	number := s.Number()
	body := content{
		Heading: "Credit statement " + number,
		Intro:   "Your credit statement for " + statement.PeriodText(s.Period, loc) + " is attached.",
		Facts:   []fact{{"Customer", s.Tenant.Name}, {"Statement number", number}, {"Total credit", s.TotalText()}},
		Body:    []string{s.ApplicationText()},
		Why:     why,
	}
	if s.Tenant.BillingRef != "" {
		body.Facts = append(body.Facts[:1], append([]fact{{"Billing reference", s.Tenant.BillingRef}}, body.Facts[1:]...)...)
	}
	if pageURL != "" {
		body.Action = &link{"View the statement online", pageURL}
	}
	if s.Provider.SupportURL != "" {
		body.Links = append(body.Links, link{"Questions about this statement", s.Provider.SupportURL})
	}
	subject := "[" + s.Provider.Name + "] Credit statement " + number
	return c.build(KindStatement, e, subject, body, []attachment{{name: number + ".pdf", contentType: gomail.ContentType("application/pdf"), data: pdf.Bytes()}})
}

// manageLink is the link to a subscription's preferences, if any.
func manageLink(url string) []link {
	if url == "" {
		return nil
	}
	return []link{{"Choose which components you hear about", url}}
}

// required names every empty field under prefix; fields are name, value
// pairs.
func required(prefix string, fields ...string) error {
	var missing []string
	for i := 0; i+1 < len(fields); i += 2 {
		if strings.TrimSpace(fields[i+1]) == "" {
			missing = append(missing, prefix+"."+fields[i])
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%s: is required", strings.Join(missing, ", "))
}

func statusWord(s string) string {
	switch s {
	case "investigating":
		return "Investigating"
	case "identified":
		return "Identified"
	case "monitoring":
		return "Monitoring"
	case "resolved":
		return "Resolved"
	case "postmortem":
		return "Post-mortem published"
	}
	return s
}

// when is an instant in the reader's zone: "3 October 2026, 14:05 CEST".
func when(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2 January 2006, 15:04 MST")
}
