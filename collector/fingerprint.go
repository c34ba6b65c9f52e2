package collector

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"slices"
)

// fingerprint identifies the value of a check: two checks have the same
// fingerprint exactly when they are equal (reflect.DeepEqual), bar a hash
// collision. The scheduler keeps it instead of the check itself
// (600 bytes, mostly the settings of kinds the check is not), to tell at a
// reload which checks changed.
// Half of the SHA-256 digest: 128 bits make an unnoticed change as
// unlikely as ever matters.
type fingerprint [16]byte

func fingerprintOf(c Check) fingerprint {
	var f fingerprinter
	return f.sum(c)
}

// fingerprinter reuses its buffer from one check to the next, so that a
// reload of 100,000 checks leaves no garbage behind for each.
type fingerprinter struct{ buf []byte }

func (f *fingerprinter) sum(c Check) fingerprint {
	f.buf = appendValue(f.buf[:0], reflect.ValueOf(c))
	sum := sha256.Sum256(f.buf)
	return fingerprint(sum[:16])
}

// appendValue appends v in a form that no other value of its type has:
// lengths before contents, map entries in sorted order. It covers the
// kinds a Check is made of and panics on others, so that a field of a new
// kind cannot be left out unnoticed (TestFingerprintSeesEveryField).
func appendValue(b []byte, v reflect.Value) []byte {
	switch v.Kind() {
	case reflect.String:
		b = binary.AppendVarint(b, int64(v.Len()))
		return append(b, v.String()...)
	case reflect.Bool:
		if v.Bool() {
			return append(b, 1)
		}
		return append(b, 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return binary.AppendVarint(b, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return binary.AppendUvarint(b, v.Uint())
	case reflect.Float32, reflect.Float64:
		return binary.AppendUvarint(b, math.Float64bits(v.Float()))
	case reflect.Slice:
		// nil and empty differ under reflect.DeepEqual, so here too.
		if v.IsNil() {
			return binary.AppendVarint(b, -1)
		}
		b = binary.AppendVarint(b, int64(v.Len()))
		for i := range v.Len() {
			b = appendValue(b, v.Index(i))
		}
		return b
	case reflect.Map:
		if v.IsNil() {
			return binary.AppendVarint(b, -1)
		}
		entries := make([][]byte, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			entries = append(entries, appendValue(appendValue(nil, it.Key()), it.Value()))
		}
		slices.SortFunc(entries, bytes.Compare)
		b = binary.AppendVarint(b, int64(len(entries)))
		for _, e := range entries {
			b = binary.AppendVarint(b, int64(len(e)))
			b = append(b, e...)
		}
		return b
	case reflect.Struct:
		for i := range v.NumField() {
			b = appendValue(b, v.Field(i))
		}
		return b
	default:
		panic(fmt.Sprintf("fingerprint: %s of kind %s", v.Type(), v.Kind()))
	}
}
