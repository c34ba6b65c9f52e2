package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Kind is what a message is about.
type Kind string

// Kinds of message.
const (
	KindIncidentUpdate       Kind = "incident-update"
	KindMaintenanceScheduled Kind = "maintenance-scheduled"
	KindMaintenanceReminder  Kind = "maintenance-reminder"
	KindMaintenanceStarted   Kind = "maintenance-started"
	KindMaintenanceCompleted Kind = "maintenance-completed"
	KindConfirmation         Kind = "subscription-confirmation"
	KindStatement            Kind = "statement"
)

// Envelope is what every message needs besides its content: who sends it
// to whom, the key that identifies it across retries, and how to stop
// receiving such messages.
type Envelope struct {
	From mail.Address // the sender; Address required, Name optional
	To   string       // one recipient address; required
	// ReplyTo is where replies go ("" for none: replies go to From).
	ReplyTo string

	// DedupKey identifies the message for its whole life: the outbox row's
	// dedup key ("incident/41/update/3/anna@example.com"). The Message-ID
	// is derived from it, so a retried message carries the same ID and
	// receivers recognise it. Required.
	DedupKey string

	// ThreadKey, when set, groups messages into one conversation (all
	// updates of one incident): they carry References and In-Reply-To
	// naming the same derived ID.
	ThreadKey string

	// Domain is the right-hand side of derived Message-IDs: the host of
	// the status site ("status.nordlicht.example"). Required.
	Domain string

	// Date is the message's date, from the caller's clock. Required.
	Date time.Time

	Unsubscribe Unsubscribe
}

// Unsubscribe is how a recipient stops these messages: a one-click https
// URL (RFC 8058: a POST with List-Unsubscribe=One-Click ends the
// subscription) and, optionally, a mailto address.
type Unsubscribe struct {
	URL    string // https; required
	Mailto string // an address; "" for none
}

// Message is a composed message, ready to send and to store: it renders
// to the same bytes every time, apart from the MIME boundaries.
type Message struct {
	Kind      Kind
	MessageID string // with angle brackets: "<3f2a…@status.nordlicht.example>"
	From      string
	To        string
	Subject   string
	msg       *gomail.Msg
}

// WriteTo writes the message in RFC 5322 form.
func (m *Message) WriteTo(w io.Writer) (int64, error) { return m.msg.WriteTo(w) }

// Bytes is the message in RFC 5322 form.
func (m *Message) Bytes() []byte {
	var b bytes.Buffer
	m.msg.WriteTo(&b)
	return b.Bytes()
}

var domainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

// MessageID is the Message-ID derived from a dedup key and a domain: a
// hash, so the key (which may name an address) does not show.
func MessageID(dedupKey, domain string) string {
	return "<" + derivedID("message", dedupKey) + "@" + domain + ">"
}

func derivedID(kind, key string) string {
	sum := sha256.Sum256([]byte("slate " + kind + "\x00" + key))
	return hex.EncodeToString(sum[:16])
}

// check validates the envelope; errors name the field.
func (e Envelope) check() error {
	switch {
	case e.From.Address == "":
		return fmt.Errorf("envelope.from: is required")
	case e.To == "":
		return fmt.Errorf("envelope.to: is required")
	case strings.TrimSpace(e.DedupKey) == "":
		return fmt.Errorf("envelope.dedup_key: is required (retries must carry the same Message-ID)")
	case !domainRE.MatchString(e.Domain):
		return fmt.Errorf("envelope.domain: %q is not a lower-case host name", e.Domain)
	case e.Date.IsZero():
		return fmt.Errorf("envelope.date: is required")
	}
	for _, a := range []struct{ field, addr string }{{"envelope.from.address", e.From.Address}, {"envelope.to", e.To}, {"envelope.reply_to", e.ReplyTo}, {"envelope.unsubscribe.mailto", e.Unsubscribe.Mailto}} {
		if a.addr == "" {
			continue
		}
		if p, err := mail.ParseAddress(a.addr); err != nil || p.Name != "" || p.Address != a.addr {
			return fmt.Errorf("%s: %q is not a plain e-mail address", a.field, a.addr)
		}
	}
	if strings.ContainsAny(e.From.Name, "\r\n") {
		return fmt.Errorf("envelope.from.name: contains a line break")
	}
	if !SecureLink(e.Unsubscribe.URL) || strings.ContainsAny(e.Unsubscribe.URL, "<>, \r\n") {
		return fmt.Errorf("envelope.unsubscribe.url: %q is not an https URL (one-click unsubscribe needs one)", e.Unsubscribe.URL)
	}
	return nil
}

// SecureLink reports whether s may be a message's confirmation or
// unsubscribe link: an https URL (RFC 8058), or an http URL to a loopback
// address, which never leaves the machine, for trying slate out locally.
func SecureLink(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		ip := net.ParseIP(u.Hostname())
		return u.Hostname() == "localhost" || ip != nil && ip.IsLoopback()
	}
	return false
}

// build makes the go-mail message: headers from the envelope, then a text
// and an HTML part, then attachments.
func (c *Composer) build(kind Kind, e Envelope, subject string, body content, attachments []attachment) (*Message, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	if strings.ContainsAny(subject, "\r\n") {
		return nil, fmt.Errorf("subject: contains a line break")
	}
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	m.FromMailAddress(&e.From)
	if err := m.To(e.To); err != nil {
		return nil, fmt.Errorf("envelope.to: %w", err)
	}
	if e.ReplyTo != "" {
		if err := m.ReplyTo(e.ReplyTo); err != nil {
			return nil, fmt.Errorf("envelope.reply_to: %w", err)
		}
	}
	m.Subject(subject)
	m.SetDateWithValue(e.Date)
	id := MessageID(e.DedupKey, e.Domain)
	m.SetMessageIDWithValue(strings.Trim(id, "<>"))
	if e.ThreadKey != "" {
		thread := "<" + derivedID("thread", e.ThreadKey) + "@" + e.Domain + ">"
		m.SetGenHeaderPreformatted(gomail.HeaderReferences, thread)
		m.SetGenHeaderPreformatted(gomail.HeaderInReplyTo, thread)
	}
	var extra []string
	if e.Unsubscribe.Mailto != "" {
		extra = append(extra, "mailto:"+e.Unsubscribe.Mailto+"?subject=unsubscribe")
	}
	if strings.HasPrefix(e.Unsubscribe.URL, "https://") {
		if err := m.SetListUnsubscribeOneClick(e.Unsubscribe.URL, extra...); err != nil {
			return nil, fmt.Errorf("envelope.unsubscribe.url: %w", err)
		}
	} else {
		// A loopback http URL (SecureLink), which go-mail refuses: the
		// same headers, written out.
		list := "<" + e.Unsubscribe.URL + ">"
		for _, x := range extra {
			list += ", <" + x + ">"
		}
		m.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, list)
		m.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	// Automatic mail: no vacation replies, no auto-responders (RFC 3834).
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetBulk()
	m.SetGenHeader("X-Slate-Kind", string(kind))

	text, html, err := body.render(c.html, e.Unsubscribe.URL)
	if err != nil {
		return nil, err
	}
	m.SetBodyString(gomail.TypeTextPlain, text)
	m.AddAlternativeString(gomail.TypeTextHTML, html)
	for _, a := range attachments {
		if err := m.AttachReader(a.name, bytes.NewReader(a.data), gomail.WithFileContentType(a.contentType)); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.name, err)
		}
	}
	return &Message{Kind: kind, MessageID: id, From: e.From.Address, To: e.To, Subject: subject, msg: m}, nil
}

type attachment struct {
	name        string
	contentType gomail.ContentType
	data        []byte
}
