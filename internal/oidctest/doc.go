// Package oidctest is a small OpenID Connect provider for tests: it serves
// discovery, a JSON Web Key Set, an authorization endpoint that signs in
// the user the test chose, and a token endpoint that exchanges codes
// (client secret and PKCE checked) for ID tokens signed with RS256 by a
// key made at start. Tests can bend the next ID token (another audience,
// an expiry in the past, another nonce) to see a client refuse it.
//
// It listens on 127.0.0.1 only and stops when the test ends.
//
// Allowed imports: the standard library.
package oidctest
