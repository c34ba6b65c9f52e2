package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/slatehq/slate/internal/ynode"
)

// Provider is who runs slate for its customers: the details and branding
// that statements, e-mail and the status pages show.
type Provider struct {
	Name       string   // legal or trading name; required for statements
	Code       string   // prefixes statement numbers: 2 to 16 of A-Z and 0-9
	Address    []string // postal address, one line each
	Email      string   // contact address
	Phone      string
	Website    string // https URL
	SupportURL string // where customers ask about a statement; https URL
	// Logo is a PNG or JPEG file, relative to the configuration file;
	// Load reads it into LogoData.
	Logo     string
	LogoData []byte
	LogoType string // "png" or "jpeg"
	// PageName titles the status pages ("Nordlicht Status"); default
	// Name plus " Status", or "Status".
	PageName string
	Links    []Link // shown in the pages' header
}

// Link is a named link on the status pages.
type Link struct {
	Title, URL string
}

// Billing is how issued credits reach customers.
type Billing struct {
	// Apply is how a credit is applied: invoice (default), credit-note or
	// refund.
	Apply string
	// ApplyDay is the day of the month after a credit is issued on which
	// it is applied (the invoice date); default 1.
	ApplyDay int
	// Receivers are the webhook receivers (alerting.receivers) that get a
	// credit.issued event for every credit issued.
	Receivers []string
}

// Email is the SMTP delivery of subscriptions, maintenance notices and
// statements. Empty Host turns e-mail off.
type Email struct {
	From     string // sender address, "Nordlicht Status <status@nordlicht.example>"
	Host     string
	Port     int    // default by security: 587, 465 or 25
	Security string // starttls (default), tls or none
	Username string
	Password string
	// PerSecond caps messages a second; 0 for no cap. Connections is
	// how many are open at once; default 4.
	PerSecond   int
	Connections int
	// UnsubscribeMailto is an address for mailto: unsubscribes in
	// List-Unsubscribe; "" for none.
	UnsubscribeMailto string
	// SubscribeLimit is the confirmation e-mails one address, and one
	// client, may cause per hour; default 5 and 20.
	PerAddressHour, PerClientHour int
}

// Enabled reports whether slate sends e-mail.
func (e Email) Enabled() bool { return e.Host != "" }

// DisplayPageName is the status pages' title.
func (p Provider) DisplayPageName() string {
	switch {
	case p.PageName != "":
		return p.PageName
	case p.Name != "":
		return p.Name + " Status"
	}
	return "Status"
}

func (d *configDecoder) provider(n ynode.Node, p *Provider) error {
	f, err := d.fields(n, "name", "code", "address", "email", "phone", "website", "support_url", "logo", "page_name", "links")
	if err != nil {
		return err
	}
	for _, x := range []struct {
		key string
		dst *string
	}{{"name", &p.Name}, {"code", &p.Code}, {"email", &p.Email}, {"phone", &p.Phone}, {"website", &p.Website},
		{"support_url", &p.SupportURL}, {"logo", &p.Logo}, {"page_name", &p.PageName}} {
		if err := d.str(f, x.key, x.dst); err != nil {
			return err
		}
	}
	if err := d.strs(f, "address", &p.Address); err != nil {
		return err
	}
	return d.list(f, "links", func(n ynode.Node) error {
		g, err := d.fields(n, "title", "url")
		if err != nil {
			return err
		}
		var l Link
		if err := d.str(g, "title", &l.Title); err != nil {
			return err
		}
		if err := d.str(g, "url", &l.URL); err != nil {
			return err
		}
		p.Links = append(p.Links, l)
		return nil
	})
}

func (d *configDecoder) billing(n ynode.Node, b *Billing) error {
	f, err := d.fields(n, "apply", "apply_day", "receivers")
	if err != nil {
		return err
	}
	if err := d.strs(f, "receivers", &b.Receivers); err != nil {
		return err
	}
	if err := d.str(f, "apply", &b.Apply); err != nil {
		return err
	}
	return d.integer(f, "apply_day", &b.ApplyDay)
}

func (d *configDecoder) email(n ynode.Node, e *Email) error {
	f, err := d.fields(n, "from", "host", "port", "security", "username", "password", "per_second", "connections",
		"unsubscribe_mailto", "per_address_hour", "per_client_hour")
	if err != nil {
		return err
	}
	for _, x := range []struct {
		key string
		dst *string
	}{{"from", &e.From}, {"host", &e.Host}, {"security", &e.Security}, {"username", &e.Username},
		{"password", &e.Password}, {"unsubscribe_mailto", &e.UnsubscribeMailto}} {
		if err := d.str(f, x.key, x.dst); err != nil {
			return err
		}
	}
	for _, x := range []struct {
		key string
		dst *int
	}{{"port", &e.Port}, {"per_second", &e.PerSecond}, {"connections", &e.Connections},
		{"per_address_hour", &e.PerAddressHour}, {"per_client_hour", &e.PerClientHour}} {
		if err := d.integer(f, x.key, x.dst); err != nil {
			return err
		}
	}
	return nil
}

var providerCode = regexp.MustCompile(`^[A-Z0-9]{2,16}$`)

// validateCustomers checks the provider, billing and e-mail settings and
// the tenants' billing contacts, filling defaults.
func validateCustomers(cfg *Config, add adder) {
	p := &cfg.Provider
	if p.Code != "" && !providerCode.MatchString(p.Code) {
		add("provider.code", "%q must be 2 to 16 capitals and digits", p.Code)
	}
	if p.Email != "" {
		if _, err := mail.ParseAddress(p.Email); err != nil {
			add("provider.email", "%q is not an e-mail address", p.Email)
		}
	}
	for _, u := range []struct{ key, v string }{{"website", p.Website}, {"support_url", p.SupportURL}} {
		if u.v != "" && !isHTTPS(u.v) {
			add("provider."+u.key, "%q is not an https URL", u.v)
		}
	}
	if p.Logo != "" {
		switch strings.ToLower(filepath.Ext(p.Logo)) {
		case ".png":
			p.LogoType = "png"
		case ".jpg", ".jpeg":
			p.LogoType = "jpeg"
		default:
			add("provider.logo", "%q must be a .png or .jpeg file", p.Logo)
		}
	}
	for i, l := range p.Links {
		if strings.TrimSpace(l.Title) == "" {
			add(fmt.Sprintf("provider.links[%d].title", i), "is required")
		}
		if !isHTTPS(l.URL) {
			add(fmt.Sprintf("provider.links[%d].url", i), "%q is not an https URL", l.URL)
		}
	}
	b := &cfg.Billing
	switch b.Apply {
	case "":
		b.Apply = "invoice"
	case "invoice", "credit-note", "refund":
	default:
		add("billing.apply", "%q is not one of invoice, credit-note, refund", b.Apply)
	}
	switch {
	case b.ApplyDay == 0:
		b.ApplyDay = 1
	case b.ApplyDay > 28:
		add("billing.apply_day", "must be 1 to 28, a day every month has (got %d)", b.ApplyDay)
	}
	for i, name := range b.Receivers {
		if !slices.ContainsFunc(cfg.Alerting.Receivers, func(r Receiver) bool { return r.Name == name && r.Kind == "webhook" }) {
			add(fmt.Sprintf("billing.receivers[%d]", i), "%q is not a webhook receiver of alerting.receivers", name)
		}
	}
	for i, t := range cfg.Tenants {
		for j, a := range t.BillingContacts {
			if _, err := mail.ParseAddress(a); err != nil {
				add(fmt.Sprintf("tenants[%d].billing_contacts[%d]", i, j), "%q is not an e-mail address", a)
			}
		}
	}
	validateEmail(cfg, add)
}

func validateEmail(cfg *Config, add adder) {
	e := &cfg.Email
	if !e.Enabled() {
		return
	}
	if _, err := mail.ParseAddress(e.From); err != nil {
		add("email.from", "%q is not an e-mail address (\"Name <status@example.com>\")", e.From)
	}
	switch e.Security {
	case "":
		e.Security = "starttls"
	case "starttls", "tls", "none":
	default:
		add("email.security", "%q is not one of starttls, tls, none", e.Security)
	}
	if e.Port > 65535 {
		add("email.port", "%d is not a port", e.Port)
	}
	if e.Connections == 0 {
		e.Connections = 4
	}
	if e.PerAddressHour == 0 {
		e.PerAddressHour = 5
	}
	if e.PerClientHour == 0 {
		e.PerClientHour = 20
	}
	if e.UnsubscribeMailto != "" {
		if _, err := mail.ParseAddress(e.UnsubscribeMailto); err != nil {
			add("email.unsubscribe_mailto", "%q is not an e-mail address", e.UnsubscribeMailto)
		}
	}
	switch u := cfg.Server.PublicURL; {
	case u == "":
		add("server.public_url", "is required when email is set: confirmation and unsubscribe links point there")
	case !isHTTPS(u) && !loopbackHTTP(u):
		add("server.public_url", "%q must be an https URL when email is set (one-click unsubscribe needs one; http only to a loopback address, for trying slate out)", u)
	}
	for i, t := range cfg.Tenants {
		if len(t.BillingContacts) > 0 && (cfg.Provider.Name == "" || cfg.Provider.Code == "") {
			add(fmt.Sprintf("tenants[%d].billing_contacts", i), "statements are e-mailed to them: provider.name and provider.code are required")
			break
		}
	}
}

// loopbackHTTP reports whether s is an http URL to a loopback address.
func loopbackHTTP(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "http" {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return u.Hostname() == "localhost" || ip != nil && ip.IsLoopback()
}

func isHTTPS(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

// readLogo reads the provider's logo, relative to the configuration file
// at path.
func readLogo(cfg *Config, path string) error {
	if cfg.Provider.Logo == "" {
		return nil
	}
	file := cfg.Provider.Logo
	if !filepath.IsAbs(file) {
		file = filepath.Join(filepath.Dir(path), file)
	}
	st, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("%s: provider.logo: %w", path, err)
	}
	if st.Size() > 512<<10 {
		return fmt.Errorf("%s: provider.logo: %s is larger than 512 KiB", path, file)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("%s: provider.logo: %w", path, err)
	}
	cfg.Provider.LogoData = b
	return nil
}

// ApplyDate is when a credit issued at issued is applied: ApplyDay of the
// month after, in loc.
func (b Billing) ApplyDate(issued time.Time, loc *time.Location) time.Time {
	t := issued.In(loc)
	day := b.ApplyDay
	if day == 0 {
		day = 1
	}
	return time.Date(t.Year(), t.Month()+1, day, 0, 0, 0, 0, loc)
}
