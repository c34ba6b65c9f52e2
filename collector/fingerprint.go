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
	var b bytes.Buffer
	encodeValue(&b, reflect.ValueOf(c))
	sum := sha256.Sum256(b.Bytes())
	return fingerprint(sum[:16])
}

// encodeValue writes v in a form that no other value of its type has:
// lengths before contents, map entries in sorted order. It covers the
// kinds a Check is made of and panics on others, so that a field of a new
// kind cannot be left out unnoticed (TestFingerprintSeesEveryField).
func encodeValue(b *bytes.Buffer, v reflect.Value) {
	var tmp [binary.MaxVarintLen64]byte
	putInt := func(n int64) { b.Write(tmp[:binary.PutVarint(tmp[:], n)]) }
	switch v.Kind() {
	case reflect.String:
		putInt(int64(v.Len()))
		b.WriteString(v.String())
	case reflect.Bool:
		if v.Bool() {
			b.WriteByte(1)
		} else {
			b.WriteByte(0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		putInt(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		putInt(int64(v.Uint()))
	case reflect.Float32, reflect.Float64:
		putInt(int64(math.Float64bits(v.Float())))
	case reflect.Slice:
		// nil and empty differ under reflect.DeepEqual, so here too.
		if v.IsNil() {
			putInt(-1)
			return
		}
		putInt(int64(v.Len()))
		for i := range v.Len() {
			encodeValue(b, v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			putInt(-1)
			return
		}
		entries := make([][]byte, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			var e bytes.Buffer
			encodeValue(&e, it.Key())
			encodeValue(&e, it.Value())
			entries = append(entries, e.Bytes())
		}
		slices.SortFunc(entries, bytes.Compare)
		putInt(int64(len(entries)))
		for _, e := range entries {
			putInt(int64(len(e)))
			b.Write(e)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			encodeValue(b, v.Field(i))
		}
	default:
		panic(fmt.Sprintf("fingerprint: %s of kind %s", v.Type(), v.Kind()))
	}
}
