package sla

import "math/big"

// FormatMinor writes an amount in minor units as a decimal in its
// currency: 9677 USD is "96.77", 3333 JPY is "3333".
func FormatMinor(minor int64, currency string) string {
	places := MinorUnits(currency)
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	return FormatFixed(new(big.Rat).SetFrac(big.NewInt(minor), scale), places)
}
