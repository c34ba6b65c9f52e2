package collector

import (
	"reflect"
	"testing"
	"time"
)

// fullCheck is a check with every field set, of every kind's settings.
func fullCheck() Check {
	tlsOpts := TLSOptions{InsecureSkipVerify: true, CAFile: "ca.pem", ServerName: "example.org"}
	return Check{
		ID: "web", Service: "svc", Tenant: "acme", Kind: KindHTTP, Target: "https://example.org/",
		Interval: time.Minute, Timeout: 5 * time.Second, Locations: []string{"eu", "us"},
		HTTP: HTTPSettings{Method: "POST", Headers: map[string]string{"X-A": "1", "X-B": "2"}, Body: "{}",
			Status: []StatusRange{{200, 299}}, BodyContains: []string{"a"}, BodyNotContains: []string{"b"},
			BodyRegexp: []string{"c+"}, BodyNotRegexp: []string{"d+"}, MaxLatency: time.Second, MaxBodyBytes: 100,
			NoRedirects: true, MaxRedirects: 3, TLSOptions: tlsOpts},
		TCP:  TCPSettings{TLS: true, Send: "PING", Expect: "PONG", MaxRead: 10, TLSOptions: tlsOpts},
		DNS:  DNSSettings{Server: "127.0.0.1:53", Type: "MX", Expect: []string{"mx"}, Match: MatchEquals, TCP: true},
		TLS:  TLSSettings{MinDaysLeft: 7, TLSOptions: tlsOpts},
		Push: PushSettings{Token: "0123456789abcdef", Grace: time.Second},
	}
}

// leaves lists the index paths of the fields of t that are not structs.
func leaves(t reflect.Type, prefix []int) [][]int {
	var out [][]int
	for i := range t.NumField() {
		path := append(append([]int(nil), prefix...), i)
		if f := t.Field(i); f.Type.Kind() == reflect.Struct {
			out = append(out, leaves(f.Type, path)...)
		} else {
			out = append(out, path)
		}
	}
	return out
}

// mutate changes the field v to another value of its type.
func mutate(t *testing.T, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Slice:
		v.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for it := v.MapRange(); it.Next(); {
			m.SetMapIndex(it.Key(), it.Value())
		}
		m.SetMapIndex(reflect.ValueOf("X-New"), reflect.ValueOf("v"))
		v.Set(m)
	default:
		t.Fatalf("no mutation for a field of kind %s", v.Kind())
	}
}

// TestFingerprintSeesEveryField changes each field of a check, one at a
// time, and wants a different fingerprint each time: a reload must see
// every change, including to fields added later.
func TestFingerprintSeesEveryField(t *testing.T) {
	base := fullCheck()
	sum := fingerprintOf(base)
	for _, path := range leaves(reflect.TypeOf(base), nil) {
		name := reflect.TypeOf(base).FieldByIndex(path).Name
		c := fullCheck()
		c.HTTP.Headers = map[string]string{"X-A": "1", "X-B": "2"} // its own map, not base's
		mutate(t, reflect.ValueOf(&c).Elem().FieldByIndex(path))
		if reflect.DeepEqual(c, base) {
			t.Fatalf("%s: mutation left the check equal", name)
		}
		if fingerprintOf(c) == sum {
			t.Errorf("%v (%s): changed check has the same fingerprint", path, name)
		}
	}
}

func TestFingerprintOfEqualChecks(t *testing.T) {
	a, b := fullCheck(), fullCheck()
	// The same headers, inserted in the other order.
	b.HTTP.Headers = map[string]string{}
	b.HTTP.Headers["X-B"] = "2"
	b.HTTP.Headers["X-A"] = "1"
	if fingerprintOf(a) != fingerprintOf(b) {
		t.Error("equal checks have different fingerprints")
	}
	tests := []struct {
		name string
		a, b func(*Check)
	}{
		{"nil and empty locations differ, as under reflect.DeepEqual",
			func(c *Check) { c.Locations = nil }, func(c *Check) { c.Locations = []string{} }},
		{"strings do not run into each other",
			func(c *Check) { c.Locations = []string{"eu", "us"} }, func(c *Check) { c.Locations = []string{"e", "uus"} }},
		{"a header's key and value do not run into each other",
			func(c *Check) { c.HTTP.Headers = map[string]string{"X-A": "1"} }, func(c *Check) { c.HTTP.Headers = map[string]string{"X-A1": ""} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := fullCheck(), fullCheck()
			tc.a(&a)
			tc.b(&b)
			if fingerprintOf(a) == fingerprintOf(b) {
				t.Error("got the same fingerprint, want different ones")
			}
		})
	}
}
