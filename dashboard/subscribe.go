package dashboard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/slatehq/slate/store"
	"github.com/slatehq/slate/subscription"
)

// E-mail subscriptions: /subscribe on the public page and
// /status/{tenant}/subscribe on a tenant's (with the tenant's credential),
// then /subscribe/confirm, /subscribe/unsubscribe and /subscribe/manage,
// which take the signed token of a link e-mailed to the address
// (package subscription) and no other credential.
//
// Nothing here tells a visitor whether an address is subscribed: a
// subscribe request is answered alike for every well-formed address (over
// the address's hourly limit it is answered alike and nothing is sent),
// and confirming or unsubscribing is answered alike whether or not a
// subscription existed. Only the holder of a link e-mailed to an address
// sees that address's choice (the manage page). Confirmation and
// unsubscribe pages ask for a button press (POST), so a mail scanner that
// follows links confirms or ends nothing; the List-Unsubscribe one-click
// POST (RFC 8058) ends the subscription at once.

// Subscriptions is what the subscription pages need. Set
// Server.Subscriptions to serve them; nil answers 404.
type Subscriptions struct {
	// BaseURL is where readers reach slate (server.public_url), for the
	// links in e-mail; no trailing slash.
	BaseURL string
	// Keys sign and verify the links' tokens, newest first.
	Keys func(ctx context.Context) ([]subscription.Key, error)
	// Components are the components a page's visitors may choose: page ""
	// the public page's, else tenant page's own.
	Components func(ctx context.Context, page string) ([]SubscribeComponent, error)
	// RequestConfirmation queues the message asking r.Address to confirm.
	RequestConfirmation func(ctx context.Context, r ConfirmationRequest) error
	// Store keeps the confirmed subscriptions.
	Store store.Subscriptions
	// PerAddressHour is how many confirmation messages one address may
	// be sent an hour, PerClientHour how many subscribe requests one
	// client address may make; 0 means 5 and 20.
	PerAddressHour, PerClientHour int
	// ConfirmTTL is how long a confirmation link works; 0 means 48h.
	ConfirmTTL time.Duration

	addresses, clients limiter
}

// SubscribeComponent is one component a subscriber may choose.
type SubscribeComponent struct {
	ID, Name string
}

// ConfirmationRequest is a subscribe request whose confirmation message is
// owed.
type ConfirmationRequest struct {
	Address     string
	Page        string   // "" for the public page, else the tenant
	Components  []string // names of the chosen components; empty for all
	URL         string   // the confirmation link
	Unsubscribe string   // the "this was not me" link
	Expires     time.Time
}

// Scope is the token scope of page: "public", or "tenant:" and its ID.
func Scope(page string) string {
	if page == "" {
		return "public"
	}
	return "tenant:" + page
}

// pageOf is Scope's inverse.
func pageOf(scope string) (string, bool) {
	if scope == "public" {
		return "", true
	}
	t, ok := strings.CutPrefix(scope, "tenant:")
	return t, ok && t != ""
}

// UnsubscribeURL and ManageURL are the links of a message to a
// subscriber: base is Subscriptions.BaseURL, token an Unsubscribe token.
func UnsubscribeURL(base, token string) string {
	return base + "/subscribe/unsubscribe?token=" + url.QueryEscape(token)
}

// ManageURL is the subscription's preferences page; see UnsubscribeURL.
func ManageURL(base, token string) string {
	return base + "/subscribe/manage?token=" + url.QueryEscape(token)
}

// subscribeView is the model of the subscription pages.
type subscribeView struct {
	Heading    string
	Message    string   // what happened, in a sentence
	Problem    string   // a bad form's error
	Action     string   // the form's target; "" for no form
	Button     string   // its button
	Address    bool     // the form asks for an address
	Components []choice // its component choices; nil for none
	Token      string   // carried by the form
	Links      []link
}

type choice struct {
	ID, Name string
	Checked  bool
}

type link struct{ Text, URL string }

// maxSubscribeForm bounds a subscription form's body.
const maxSubscribeForm = 16 << 10

// ParseSubscribeForm reads a subscription form: "address" (when
// withAddress) and any number of "component" values, each one of allowed's
// IDs. It returns the normalised address and the chosen IDs, sorted, once
// each; none chosen means all. Errors name the field.
func ParseSubscribeForm(form url.Values, withAddress bool, allowed []SubscribeComponent) (string, []string, error) {
	var addr string
	if withAddress {
		vs := form["address"]
		if len(vs) != 1 || strings.TrimSpace(vs[0]) == "" {
			return "", nil, errors.New("address: enter one e-mail address")
		}
		a, err := subscription.NormalizeAddress(vs[0])
		if err != nil || strings.ContainsAny(a, "\r\n") {
			return "", nil, errors.New("address: not an e-mail address (name@example.com)")
		}
		addr = a
	}
	var comps []string
	for _, id := range form["component"] {
		if !slices.ContainsFunc(allowed, func(c SubscribeComponent) bool { return c.ID == id }) {
			return "", nil, fmt.Errorf("component: %q is not a component of this page", truncateText(id, 40))
		}
		if !slices.Contains(comps, id) {
			comps = append(comps, id)
		}
	}
	slices.Sort(comps)
	if len(comps) == len(allowed) {
		comps = nil // all of them: new components are included too
	}
	return addr, comps, nil
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (s *Server) mountSubscriptions() {
	s.engine.GET("/subscribe", func(c *gin.Context) { s.subscribeForm(c, "") })
	s.engine.POST("/subscribe", s.crossOriginGuard(func(c *gin.Context) { s.subscribe(c, "") }))
	s.engine.GET("/subscribe/confirm", s.confirmPage)
	s.engine.POST("/subscribe/confirm", s.crossOriginGuard(s.confirm))
	s.engine.GET("/subscribe/unsubscribe", s.unsubscribePage)
	s.engine.POST("/subscribe/unsubscribe", s.unsubscribe) // one-click: posted by mail clients
	s.engine.GET("/subscribe/manage", s.managePage)
	s.engine.POST("/subscribe/manage", s.crossOriginGuard(s.manage))
	g := s.engine.Group("/status/:tenant", s.limitFailures(presentsCredential, unauthorized))
	tenantForm := func(c *gin.Context) {
		if st := s.tenantAccess(c, true); st != nil {
			s.subscribeForm(c, st.view.ID)
		}
	}
	g.GET("/subscribe", tenantForm)
	g.POST("/subscribe", s.crossOriginGuard(func(c *gin.Context) {
		if st := s.tenantAccess(c, true); st != nil {
			s.subscribe(c, st.view.ID)
		}
	}))
}

// crossOriginGuard refuses a form posted from another site.
func (s *Server) crossOriginGuard(h gin.HandlerFunc) gin.HandlerFunc {
	cop := http.NewCrossOriginProtection()
	return func(c *gin.Context) {
		if err := cop.Check(c.Request); err != nil {
			c.String(http.StatusForbidden, "cross-origin form submission refused\n")
			return
		}
		h(c)
	}
}

// subscriptionPage writes a subscription page.
func (s *Server) subscriptionPage(c *gin.Context, status int, page string, v subscribeView) {
	prefix := ""
	if page != "" {
		prefix = tenantPath(page)
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer") // the token is in the address
	c.HTML(status, "subscribe", view{Title: v.Heading, Page: Page{Name: "Status"}, Prefix: prefix, Subscribe: &v})
}

func (s *Server) subscriptionsOff(c *gin.Context) bool {
	if s.Subscriptions == nil {
		c.String(http.StatusNotFound, "e-mail subscriptions are not offered here\n")
		return true
	}
	return false
}

func (s *Server) failSubscription(c *gin.Context, err error) {
	if s.Log != nil {
		s.Log.Error("subscriptions", "path", c.FullPath(), "err", err)
	}
	c.Header("Cache-Control", "no-store")
	c.String(http.StatusServiceUnavailable, "subscriptions are unavailable just now; try again later\n")
}

func (s *Server) subscribeForm(c *gin.Context, page string) {
	if s.subscriptionsOff(c) {
		return
	}
	comps, err := s.Subscriptions.Components(c.Request.Context(), page)
	if err != nil {
		s.failSubscription(c, err)
		return
	}
	s.subscriptionPage(c, http.StatusOK, page, formView(page, comps, nil, ""))
}

func formView(page string, comps []SubscribeComponent, chosen []string, problem string) subscribeView {
	v := subscribeView{Heading: "Subscribe to updates by e-mail", Action: "/subscribe", Button: "Subscribe", Address: true, Problem: problem,
		Message: "Choose the components you want to hear about (none chosen: all of them). We send you a link to confirm; nothing is sent before you follow it."}
	if page != "" {
		v.Action = tenantPath(page) + "/subscribe"
	}
	v.Components = choices(comps, chosen)
	return v
}

func choices(comps []SubscribeComponent, chosen []string) []choice {
	out := make([]choice, 0, len(comps))
	for _, c := range comps {
		out = append(out, choice{ID: c.ID, Name: c.Name, Checked: slices.Contains(chosen, c.ID)})
	}
	return out
}

// subscribe takes a subscribe form: it queues a confirmation message and
// answers alike for every address.
func (s *Server) subscribe(c *gin.Context, page string) {
	if s.subscriptionsOff(c) {
		return
	}
	sub := s.Subscriptions
	ctx, now := c.Request.Context(), s.now()
	perClient, perAddress := cmpOr(sub.PerClientHour, 20), cmpOr(sub.PerAddressHour, 5)
	if ok, wait := sub.clients.allow(clientKey(c), rate.Every(time.Hour/time.Duration(perClient)), perClient, now); !ok {
		secs := strconv.Itoa(retryAfter(wait))
		c.Header("Retry-After", secs)
		c.Header("Cache-Control", "no-store")
		c.String(http.StatusTooManyRequests, "too many subscribe requests from this address; retry in %ss\n", secs)
		return
	}
	comps, err := sub.Components(ctx, page)
	if err != nil {
		s.failSubscription(c, err)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxSubscribeForm)
	if err := c.Request.ParseForm(); err != nil {
		s.subscriptionPage(c, http.StatusBadRequest, page, formView(page, comps, nil, "form: could not be read"))
		return
	}
	addr, chosen, err := ParseSubscribeForm(c.Request.PostForm, true, comps)
	if err != nil {
		s.subscriptionPage(c, http.StatusBadRequest, page, formView(page, comps, c.Request.PostForm["component"], err.Error()))
		return
	}
	done := subscribeView{Heading: "Check your inbox",
		Message: "If the address can receive e-mail, a message with a link to confirm the subscription is on its way. Nothing is sent before it is confirmed."}
	// Over the address's limit, answer as if sent: a different answer
	// would tell that someone asked for this address before.
	if ok, _ := sub.addresses.allow(addressKey(addr), rate.Every(time.Hour/time.Duration(perAddress)), perAddress, now); ok {
		if err := s.requestConfirmation(ctx, page, addr, chosen, comps, now); err != nil {
			s.failSubscription(c, err)
			return
		}
	}
	s.subscriptionPage(c, http.StatusOK, page, done)
}

func (s *Server) requestConfirmation(ctx context.Context, page, addr string, chosen []string, comps []SubscribeComponent, now time.Time) error {
	sub := s.Subscriptions
	keys, err := sub.Keys(ctx)
	if err != nil || len(keys) == 0 {
		return errors.Join(errors.New("subscription keys: none"), err)
	}
	ttl := sub.ConfirmTTL
	if ttl <= 0 {
		ttl = 48 * time.Hour
	}
	exp := now.Add(ttl).Truncate(time.Second)
	confirm, err := subscription.Sign(keys[0], subscription.Token{Purpose: subscription.Confirm, Address: addr, Scope: Scope(page),
		Components: chosen, Expires: exp})
	if err != nil {
		return err
	}
	unsub, err := subscription.Sign(keys[0], subscription.Token{Purpose: subscription.Unsubscribe, Address: addr, Scope: Scope(page)})
	if err != nil {
		return err
	}
	var names []string
	for _, c := range comps {
		if slices.Contains(chosen, c.ID) {
			names = append(names, c.Name)
		}
	}
	return sub.RequestConfirmation(ctx, ConfirmationRequest{Address: addr, Page: page, Components: names,
		URL: sub.BaseURL + "/subscribe/confirm?token=" + url.QueryEscape(confirm), Unsubscribe: UnsubscribeURL(sub.BaseURL, unsub), Expires: exp})
}

// addressKey is an address's rate-limit key: a hash, so that the limiter's
// memory holds no address.
func addressKey(addr string) string {
	sum := sha256.Sum256([]byte("subscribe\x00" + strings.ToLower(addr)))
	return hex.EncodeToString(sum[:16])
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// token verifies the request's token for want; on failure it writes the
// page every bad link gets and returns false.
func (s *Server) token(c *gin.Context, want subscription.Purpose) (subscription.Token, string, bool) {
	if s.subscriptionsOff(c) {
		return subscription.Token{}, "", false
	}
	raw := c.Query("token")
	if raw == "" {
		raw = c.PostForm("token")
	}
	keys, err := s.Subscriptions.Keys(c.Request.Context())
	if err != nil {
		s.failSubscription(c, err)
		return subscription.Token{}, "", false
	}
	t, err := subscription.Verify(keys, raw, want, s.now())
	page, ok := pageOf(t.Scope)
	if err != nil || !ok {
		// Every bad link is answered alike: forged, expired, for another
		// purpose.
		s.subscriptionPage(c, http.StatusBadRequest, "", subscribeView{Heading: "This link does not work",
			Message: "The link is not valid, or it has expired. Subscribe again from the status page to get a new one."})
		return subscription.Token{}, "", false
	}
	return t, page, true
}

func (s *Server) confirmPage(c *gin.Context) {
	t, page, ok := s.token(c, subscription.Confirm)
	if !ok {
		return
	}
	s.subscriptionPage(c, http.StatusOK, page, subscribeView{Heading: "Confirm your subscription", Action: "/subscribe/confirm",
		Button: "Confirm", Token: c.Query("token"), Message: "Press the button to start receiving updates" + componentsText(t.Components) + "."})
}

func componentsText(ids []string) string {
	if len(ids) == 0 {
		return " about every component"
	}
	return " about " + strconv.Itoa(len(ids)) + " chosen component(s)"
}

func (s *Server) confirm(c *gin.Context) {
	t, page, ok := s.token(c, subscription.Confirm)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	comps, err := s.Subscriptions.Components(ctx, page)
	if err != nil {
		s.failSubscription(c, err)
		return
	}
	// Components that went away since the link was sent are dropped; if
	// none chosen is left, the subscription would cover all: refuse.
	var keep []string
	for _, id := range t.Components {
		if slices.ContainsFunc(comps, func(x SubscribeComponent) bool { return x.ID == id }) {
			keep = append(keep, id)
		}
	}
	if len(t.Components) > 0 && len(keep) == 0 {
		s.subscriptionPage(c, http.StatusConflict, page, subscribeView{Heading: "Nothing to subscribe to",
			Message: "The components you chose are no longer offered. Subscribe again from the status page."})
		return
	}
	if err := s.Subscriptions.Store.Subscribe(ctx, store.Subscriber{Address: t.Address, Page: page, Components: keep,
		ConfirmedAt: s.now().UTC().Truncate(time.Millisecond)}); err != nil {
		s.failSubscription(c, err)
		return
	}
	s.doneWithLinks(c, page, t.Address, "You are subscribed", "You will receive updates by e-mail. Every message has a link to unsubscribe.")
}

// doneWithLinks answers a finished action with the subscription's
// manage and unsubscribe links.
func (s *Server) doneWithLinks(c *gin.Context, page, addr, heading, msg string) {
	v := subscribeView{Heading: heading, Message: msg}
	if keys, err := s.Subscriptions.Keys(c.Request.Context()); err == nil && len(keys) > 0 {
		if tok, err := subscription.Sign(keys[0], subscription.Token{Purpose: subscription.Unsubscribe, Address: addr, Scope: Scope(page)}); err == nil {
			base := s.Subscriptions.BaseURL
			v.Links = []link{{"Choose components", ManageURL(base, tok)}, {"Unsubscribe", UnsubscribeURL(base, tok)}}
		}
	}
	s.subscriptionPage(c, http.StatusOK, page, v)
}

func (s *Server) unsubscribePage(c *gin.Context) {
	_, page, ok := s.token(c, subscription.Unsubscribe)
	if !ok {
		return
	}
	s.subscriptionPage(c, http.StatusOK, page, subscribeView{Heading: "Unsubscribe", Action: "/subscribe/unsubscribe?token=" + url.QueryEscape(c.Query("token")),
		Button: "Unsubscribe", Message: "Press the button to stop receiving updates by e-mail from this page."})
}

// unsubscribe ends a subscription: the form's button, or a mail client's
// one-click POST (List-Unsubscribe=One-Click). It answers alike whether
// or not there was one.
func (s *Server) unsubscribe(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxSubscribeForm)
	t, page, ok := s.token(c, subscription.Unsubscribe)
	if !ok {
		return
	}
	if err := s.Subscriptions.Store.Unsubscribe(c.Request.Context(), t.Address, page); err != nil {
		s.failSubscription(c, err)
		return
	}
	s.subscriptionPage(c, http.StatusOK, page, subscribeView{Heading: "You are unsubscribed", Message: "You will receive no more updates from this page."})
}

// current is addr's subscription on page, if any.
func (s *Server) current(ctx context.Context, page, addr string) (store.Subscriber, bool, error) {
	ss, err := s.Subscriptions.Store.Subscribers(ctx, page, "")
	if err != nil {
		return store.Subscriber{}, false, err
	}
	for _, x := range ss {
		if x.Address == addr {
			return x, true, nil
		}
	}
	return store.Subscriber{}, false, nil
}

func (s *Server) managePage(c *gin.Context) { s.manageAnswer(c, false) }

func (s *Server) manage(c *gin.Context) { s.manageAnswer(c, true) }

// manageAnswer shows, and on a post changes, the components of the
// subscription a link names. Only the link's holder, to whom it was
// e-mailed, sees the address's choice.
func (s *Server) manageAnswer(c *gin.Context, post bool) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxSubscribeForm)
	t, page, ok := s.token(c, subscription.Unsubscribe)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	comps, err := s.Subscriptions.Components(ctx, page)
	if err != nil {
		s.failSubscription(c, err)
		return
	}
	cur, subscribed, err := s.current(ctx, page, t.Address)
	if err != nil {
		s.failSubscription(c, err)
		return
	}
	if !subscribed {
		s.subscriptionPage(c, http.StatusOK, page, subscribeView{Heading: "Not subscribed",
			Message: "This address receives no updates from this page. Subscribe again from the status page."})
		return
	}
	raw := c.Query("token")
	v := subscribeView{Heading: "Choose components", Action: "/subscribe/manage?token=" + url.QueryEscape(raw), Button: "Save",
		Message: "Updates about the components you tick are sent to you (none ticked: all of them)."}
	chosen := cur.Components
	if len(chosen) == 0 {
		for _, x := range comps {
			chosen = append(chosen, x.ID)
		}
	}
	if post {
		perr := c.Request.ParseForm()
		var picked []string
		if perr == nil {
			_, picked, perr = ParseSubscribeForm(c.Request.PostForm, false, comps)
		}
		if perr != nil {
			v.Problem = perr.Error()
			v.Components = choices(comps, chosen)
			s.subscriptionPage(c, http.StatusBadRequest, page, v)
			return
		}
		cur.Components = picked
		if err := s.Subscriptions.Store.Subscribe(ctx, cur); err != nil {
			s.failSubscription(c, err)
			return
		}
		chosen = picked
		if len(picked) == 0 {
			chosen = nil
			for _, x := range comps {
				chosen = append(chosen, x.ID)
			}
		}
		v.Message = "Saved. " + v.Message
	}
	v.Components = choices(comps, chosen)
	s.subscriptionPage(c, http.StatusOK, page, v)
}
