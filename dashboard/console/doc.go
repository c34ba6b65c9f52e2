// Package console is the staff console at /console/: account managers'
// month-end queue and credit pages, on-call's incidents, update templates,
// post-mortems and maintenance windows (with, before one is announced,
// each affected contract's notice and exclusion by the engine's own rule),
// and admins' tokens, sessions, audit log and locations (each location's
// health, which the monitor hands in as Console.Locations), as
// server-rendered pages that work without JavaScript.
//
// People sign in with OpenID Connect (go-oidc verifies the provider's ID
// token: signature, issuer, audience, expiry; the console checks the state
// and the nonce, and uses PKCE) and get a server-side session: the browser
// holds the session's text in an HttpOnly, SameSite=Lax cookie (Secure
// behind https), the store its hash. A session ends when it is not used for
// the idle time, at its absolute expiry, at sign-out, or when an admin
// revokes it. Every form posts to the console itself and is refused when
// the browser says it came from another site (http.CrossOriginProtection).
// Each change names the person as the audit log's actor ("oidc:" and the
// e-mail address, or the subject).
//
// The console is mounted on the dashboard's server (Server.HandleConsole)
// and reaches the store through the Store interface declared here.
//
// Allowed imports: the standard library, access, catalog, credit,
// slacase, sla, store, go-oidc and oauth2.
package console
