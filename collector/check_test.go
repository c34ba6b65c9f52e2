package collector

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCheckValidate(t *testing.T) {
	valid := map[Kind]Check{
		KindHTTP: {ID: "web", Kind: KindHTTP, Target: "https://example.test/health", Interval: 10 * time.Second},
		KindTCP:  {ID: "smtp", Kind: KindTCP, Target: "mail.example.test:25", Interval: 10 * time.Second},
		KindDNS:  {ID: "dns", Kind: KindDNS, Target: "example.test", Interval: 10 * time.Second, DNS: DNSSettings{Server: "127.0.0.1:53"}},
		KindTLS:  {ID: "cert", Kind: KindTLS, Target: "example.test:443", Interval: time.Hour},
		KindPush: {ID: "cron", Kind: KindPush, Interval: time.Hour, Push: PushSettings{Token: testToken}},
	}
	for k, c := range valid {
		t.Run("valid "+string(k), func(t *testing.T) {
			if err := c.Validate(); err != nil {
				t.Errorf("got %v, want no error", err)
			}
		})
	}

	tests := []struct {
		name      string
		base      Kind
		mutate    func(*Check)
		wantField string
		wantMsg   string
	}{
		{"no id", KindHTTP, func(c *Check) { c.ID = "" }, "id", "must not be empty"},
		{"interval too short", KindHTTP, func(c *Check) { c.Interval = time.Millisecond }, "interval", "must be >= 100ms (got 1ms)"},
		{"timeout over interval", KindHTTP, func(c *Check) { c.Timeout = time.Minute }, "timeout", "must be <= interval"},
		{"empty location", KindHTTP, func(c *Check) { c.Locations = []string{"eu", ""} }, "locations[1]", "must not be empty"},
		{"unknown kind", KindHTTP, func(c *Check) { c.Kind = "icmp" }, "kind", `unknown kind "icmp"`},
		{"http scheme", KindHTTP, func(c *Check) { c.Target = "ftp://example.test/" }, "target", "scheme must be http or https"},
		{"http no host", KindHTTP, func(c *Check) { c.Target = "http:///x" }, "target", "no host"},
		{"http method", KindHTTP, func(c *Check) { c.HTTP.Method = "GE T" }, "http.method", "invalid method"},
		{"http header", KindHTTP, func(c *Check) { c.HTTP.Headers = map[string]string{"X Bad": "1"} }, "http.headers", "invalid header name"},
		{"http status", KindHTTP, func(c *Check) { c.HTTP.Status = []StatusRange{{200, 299}, {399, 300}} }, "http.status[1]", "invalid range 399-300"},
		{"http regexp", KindHTTP, func(c *Check) { c.HTTP.BodyRegexp = []string{"ok", "("} }, "http.body_regexp[1]", "missing closing )"},
		{"http negative bound", KindHTTP, func(c *Check) { c.HTTP.MaxBodyBytes = -1 }, "http.max_body_bytes", "must not be negative"},
		{"http pointless CA", KindHTTP, func(c *Check) { c.HTTP.TLSOptions = TLSOptions{InsecureSkipVerify: true, CAFile: "ca.pem"} }, "http.tls.ca_file", "pointless"},
		{"tcp target", KindTCP, func(c *Check) { c.Target = "mail.example.test" }, "target", "must be host:port"},
		{"tcp expect too long", KindTCP, func(c *Check) { c.TCP.Expect = strings.Repeat("x", 5000) }, "tcp.expect", "longer than max_read"},
		{"dns server", KindDNS, func(c *Check) { c.DNS.Server = "127.0.0.1" }, "dns.server", "must be host:port"},
		{"dns type", KindDNS, func(c *Check) { c.DNS.Type = "SRV" }, "dns.type", `unknown record type "SRV"`},
		{"dns match", KindDNS, func(c *Check) { c.DNS.Match = "some" }, "dns.match", "unknown mode"},
		{"dns equals nothing", KindDNS, func(c *Check) { c.DNS.Match = MatchEquals }, "dns.expect", "must not be empty"},
		{"tls days", KindTLS, func(c *Check) { c.TLS.MinDaysLeft = -1 }, "tls.min_days_left", "must not be negative"},
		{"push token short", KindPush, func(c *Check) { c.Push.Token = "short" }, "push.token", "at least 16"},
		{"push token slash", KindPush, func(c *Check) { c.Push.Token = "0123456789/abcdef" }, "push.token", "must not contain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := valid[tc.base]
			tc.mutate(&c)
			err := c.Validate()
			if err == nil {
				t.Fatalf("got no error, want %s: %s", tc.wantField, tc.wantMsg)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %T %v, want a *FieldError", err, err)
			}
			if fe.Field != tc.wantField || !strings.Contains(fe.Msg, tc.wantMsg) {
				t.Errorf("got %q, want field %q with message containing %q", err, tc.wantField, tc.wantMsg)
			}
		})
	}
}

func TestCheckValidateJoinsErrors(t *testing.T) {
	err := Check{Kind: KindHTTP, Target: "ftp://x"}.Validate()
	for _, want := range []string{"id: ", "interval: ", "target: "} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to mention %q", err, want)
		}
	}
}

func TestEffectiveTimeout(t *testing.T) {
	tests := []struct {
		name string
		c    Check
		want time.Duration
	}{
		{"set", Check{Interval: time.Minute, Timeout: 3 * time.Second}, 3 * time.Second},
		{"default", Check{Interval: time.Minute}, DefaultTimeout},
		{"capped at interval", Check{Interval: 2 * time.Second}, 2 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.EffectiveTimeout(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
