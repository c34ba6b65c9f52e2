// Package alert delivers notifications — pages, chat messages, webhooks —
// from the durable outbox in package db, at least once, with a stable dedup
// key so that receivers see each one once.
//
// The flow: a state change (an incident opened, updated or resolved, a
// burn-rate rule firing with no incident to account for it: Accountable)
// becomes an Event — a trigger, an update that never pages anew, or a
// resolve, titled in words by a Describer; Router picks the receivers it
// goes to (Route, and Plan for repeats of an unresolved trigger); Alerts
// turns the event
// into outbox rows, which the caller enqueues with db.UpdateWithAlerts in
// the transaction of the change itself. Sender then takes due rows from the
// outbox, has each row's Receiver build the HTTP request, posts it and
// records the attempt: delivered on 2xx; retried with exponential backoff
// and full jitter, or after Retry-After on 429 and 503, on network errors,
// timeouts, 3xx (redirects are not followed), 408, 429 and 5xx; given up on
// any other 4xx and when the alert is older than MaxAge. Retry state lives in the outbox, so it survives restarts.
// The outbox hands out one alert per dedup key and receiver at a time, the
// oldest first, so a receiver gets an incident's notifications in order;
// the sender passes again as soon as one is delivered.
//
// # Imports
//
// alert imports the standard library, package db (the outbox rows) and
// github.com/prometheus/client_golang. It may import packages sla,
// incident and access (Describer's IncidentEvent, Notifications and
// PeopleAlerts are the one translation of an incident into a
// notification, by its public ID and, for the public's receivers, the
// public's view); it does not import dashboard.
//
// # Main types
//
//   - Event: a notification, receiver-neutral, stored as JSON in the
//     outbox.
//   - Receiver: builds the HTTP request for one event. Webhook (signed
//     JSON, see VerifySignature), Slack (incoming webhook), PagerDuty
//     (Events API v2) and Statuspage (subscriber webhook envelope).
//   - Router and Route: which receivers get which events, how often an
//     unresolved trigger is repeated, whether resolutions are sent.
//   - Sender: the delivery loop (Run), one pass of it (DeliverDue), its
//     clock, random source, timeouts, backoff and metrics.
package alert
