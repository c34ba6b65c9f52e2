// Package subscription holds the pure parts of e-mail subscriptions: the
// signed tokens in double opt-in and one-click unsubscribe links.
//
// A token carries everything its handler needs — purpose, address, scope
// (the public page or one tenant), the chosen components and an expiry —
// under an HMAC-SHA256 with a key the caller passes in (Key; several keys
// for rotation, told apart by an ID byte inside the token). So:
//
//   - a subscribe request stores nothing: it sends a confirmation message
//     whose link (a Confirm token) holds the choice, and answers the same
//     whether or not the address is already subscribed;
//   - confirming and unsubscribing decide from the token alone (Verify
//     does no lookup), and the handler answers the same whether or not a
//     subscription existed, so no response tells a stranger whether an
//     address is subscribed;
//   - a confirmation link expires (Token.Expires is required for Confirm);
//     an unsubscribe link may live for ever, as links in old messages must
//     keep working (RFC 8058).
//
// Verify checks the MAC, in constant time, before it interprets any field,
// and bounds the length it reads. Its errors (ErrMalformed, ErrSignature,
// ErrPurpose, ErrExpired) are for logs; a handler should answer them alike.
//
// Allowed imports: the standard library only. No clock, store or global:
// the key and "now" are arguments.
package subscription
