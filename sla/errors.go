package sla

import "errors"

// FieldError is a refusal of bad input: Field is the path of the offending
// value in the SLA-case layout ("facts.downtime[3]", "policy.tiers[1].uptime")
// and Msg says what is wrong with it.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// fieldErr is shorthand for a *FieldError.
func fieldErr(field, msg string) error { return &FieldError{Field: field, Msg: msg} }

// WithPrefix returns err with prefix prepended to its field path when err is
// a *FieldError ("policy" + "tiers[1]" gives "policy.tiers[1]"), and err
// unchanged otherwise. Decoders of larger documents use it to place the
// engine's errors in their own layout.
func WithPrefix(prefix string, err error) error {
	var fe *FieldError
	if prefix == "" || !errors.As(err, &fe) {
		return err
	}
	field := prefix
	if fe.Field != "" {
		if fe.Field[0] == '[' {
			field += fe.Field
		} else {
			field += "." + fe.Field
		}
	}
	return &FieldError{Field: field, Msg: fe.Msg}
}
