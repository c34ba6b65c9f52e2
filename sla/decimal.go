package sla

import (
	"fmt"
	"math/big"
	"strings"
)

// maxDecimalLen bounds the text of one number, so hostile input cannot make
// the engine work on numbers with millions of digits.
const maxDecimalLen = 64

// ParseDecimal reads an exact decimal such as "99.9", "100", "0.0625" or
// "-2.5". Exponents, hex and other float syntax are refused: a contract's
// numbers are written as decimals, and reading them through a float would lose
// exactness.
func ParseDecimal(s string) (*big.Rat, error) {
	if s == "" {
		return nil, fmt.Errorf("empty number")
	}
	if len(s) > maxDecimalLen {
		return nil, fmt.Errorf("number %q is longer than %d characters", s[:16]+"…", maxDecimalLen)
	}
	body := s
	if body[0] == '-' || body[0] == '+' {
		body = body[1:]
	}
	intPart, frac, hasDot := strings.Cut(body, ".")
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) || hasDot && frac == "" {
		return nil, fmt.Errorf("%q is not a decimal number like \"99.95\"", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("%q is not a decimal number like \"99.95\"", s)
	}
	return r, nil
}

// ParseShare reads a share of a whole: a decimal ("0.25") or a fraction of two
// integers ("1/4"). Range checks are the caller's.
func ParseShare(s string) (*big.Rat, error) {
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		return ParseDecimal(s)
	}
	num, den = strings.TrimSpace(num), strings.TrimSpace(den)
	if num == "" || den == "" || !allDigits(num) || !allDigits(den) || len(s) > maxDecimalLen {
		return nil, fmt.Errorf("%q is not a decimal or a fraction like \"1/4\"", s)
	}
	n, _ := new(big.Int).SetString(num, 10)
	d, _ := new(big.Int).SetString(den, 10)
	if d.Sign() == 0 {
		return nil, fmt.Errorf("%q divides by zero", s)
	}
	return new(big.Rat).SetFrac(n, d), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// RoundHalfUp rounds r to places decimal places, halves away from zero, and
// returns the result scaled by 10^places as an integer: RoundHalfUp(0.625, 2)
// is 63.
func RoundHalfUp(r *big.Rat, places int) *big.Int {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	num := new(big.Int).Mul(r.Num(), scale)
	den := r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	// |m|*2 >= den rounds away from zero.
	m.Abs(m).Lsh(m, 1)
	if m.Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// FormatFixed formats r rounded half-up to exactly places decimals:
// FormatFixed(99.9, 4) is "99.9000".
func FormatFixed(r *big.Rat, places int) string {
	return scaledString(RoundHalfUp(r, places), places)
}

// FormatTrim formats r rounded half-up to at most places decimals, without
// trailing zeros: FormatTrim(10, 4) is "10", FormatTrim(3/31*100, 4) is
// "9.6774".
func FormatTrim(r *big.Rat, places int) string {
	return trimZeros(FormatFixed(r, places))
}

// FormatExact formats r exactly when its decimal expansion terminates within
// maxTerminating places, and otherwise rounded half-up to places decimals;
// trailing zeros are dropped. It is the format of minute figures: "60",
// "44.616667", "0.5".
func FormatExact(r *big.Rat, places int) string {
	if n, ok := terminatingPlaces(r.Denom()); ok && n <= maxTerminating {
		return trimZeros(scaledString(RoundHalfUp(r, n), n))
	}
	return FormatTrim(r, places)
}

// maxTerminating bounds the digits printed for a terminating decimal.
const maxTerminating = 30

// terminatingPlaces reports whether 1/d has a finite decimal expansion and
// how many places it needs: d must be 2^a * 5^b, and then max(a, b) places.
func terminatingPlaces(d *big.Int) (int, bool) {
	x := new(big.Int).Set(d)
	five := big.NewInt(5)
	m := new(big.Int)
	a, b := 0, 0
	for x.Bit(0) == 0 && x.Sign() != 0 {
		x.Rsh(x, 1)
		a++
	}
	for {
		q, r := new(big.Int).QuoRem(x, five, m)
		if r.Sign() != 0 {
			break
		}
		x = q
		b++
	}
	if x.Cmp(big.NewInt(1)) != 0 {
		return 0, false
	}
	return max(a, b), true
}

func scaledString(v *big.Int, places int) string {
	neg := v.Sign() < 0
	digits := new(big.Int).Abs(v).String()
	if places > 0 {
		if len(digits) <= places {
			digits = strings.Repeat("0", places-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-places] + "." + digits[len(digits)-places:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// FractionString gives r as a reduced fraction "p/q", or "p" when r is whole.
func FractionString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	return r.Num().String() + "/" + r.Denom().String()
}
