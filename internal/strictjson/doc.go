// Package strictjson decodes JSON request bodies the one way their
// sender can have meant them. On top of encoding/json with unknown fields
// refused and nothing allowed after the value, it refuses what
// encoding/json takes silently:
//
//   - a key that differs only in case from a field of the struct it fills
//     (encoding/json matches keys case-insensitively, so {"End": ...}
//     fills End, and so would {"END": ...});
//   - a key given twice in one object (encoding/json keeps the last, so a
//     reader checking the first sees another value than the one stored);
//   - strings, keys or values, that are not valid UTF-8, or escape a lone
//     UTF-16 surrogate (encoding/json replaces them with U+FFFD).
//
// Every refusal is an *Error naming the field at fault as a JSON path,
// "services[0]" or "policy.target", and saying what is wrong.
//
// Allowed imports: the standard library only.
package strictjson
