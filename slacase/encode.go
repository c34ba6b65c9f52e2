package slacase

import (
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/slatehq/slate/sla"
)

// Encode writes c as a worked example, {"case": ..., "expected": ...}, in
// the format Decode reads: `slate calc --check` on the result evaluates
// the case and compares its answer with expected. Numbers are written
// exactly (a decimal, or a fraction for a share that does not terminate);
// a number that needs a fraction where only decimals are read is refused.
func Encode(c sla.Case, expected sla.Report) ([]byte, error) {
	cs, err := encodeCase(c)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(map[string]any{"case": cs, "expected": expected}, "", "  ")
}

func encodeCase(c sla.Case) (map[string]any, error) {
	pol, err := encodePolicy(c.Policy)
	if err != nil {
		return nil, err
	}
	fee, err := decimal("fee.amount", c.Fee.Amount)
	if err != nil {
		return nil, err
	}
	loc := c.Period.Location
	if loc == nil {
		loc = time.UTC
	}
	out := map[string]any{
		"policy": pol,
		"period": map[string]string{"start": instantText(c.Period.Start), "end": instantText(c.Period.End), "timezone": loc.String()},
		"fee":    map[string]string{"amount": fee, "currency": c.Fee.Currency},
		"facts":  encodeFacts(c.Facts),
	}
	if c.Title != "" {
		out["title"] = c.Title
	}
	return out, nil
}

func encodePolicy(p sla.Policy) (map[string]any, error) {
	out := map[string]any{}
	for _, r := range []struct {
		key string
		v   *big.Rat
	}{{"target", p.Target}, {"error_rate_above", p.ErrorRateAbove}, {"multiplier", p.Multiplier}, {"cap", p.Cap}} {
		if r.v == nil {
			continue
		}
		s, err := decimal("policy."+r.key, r.v)
		if err != nil {
			return nil, err
		}
		out[r.key] = s
	}
	for _, e := range []struct{ key, v string }{{"measure", string(p.Measure)}, {"bad_slice", string(p.BadSlice)},
		{"slice_value", string(p.SliceValue)}, {"maintenance", string(p.Maintenance)}, {"excluded_time", string(p.ExcludedTime)},
		{"credit_unit", string(p.CreditUnit)}} {
		if e.v != "" {
			out[e.key] = e.v
		}
	}
	if p.Slice != 0 {
		out["slice"] = p.Slice.String()
	}
	if p.MinOutage != 0 {
		out["min_outage"] = p.MinOutage.String()
	}
	tiers := make([]map[string]string, 0, len(p.Tiers))
	for i, t := range p.Tiers {
		cr, err := decimal(fmt.Sprintf("policy.tiers[%d].credit", i), t.Credit)
		if err != nil {
			return nil, err
		}
		tiers = append(tiers, map[string]string{"uptime": t.Uptime.String(), "credit": cr})
	}
	if len(tiers) > 0 {
		out["tiers"] = tiers
	}
	return out, nil
}

func encodeFacts(f sla.Facts) map[string]any {
	out := map[string]any{}
	if len(f.Downtime) > 0 {
		ds := make([]map[string]string, len(f.Downtime))
		for i, o := range f.Downtime {
			ds[i] = interval(o.Interval)
			if o.Affected != nil {
				ds[i]["affected"] = o.Affected.RatString()
			}
		}
		out["downtime"] = ds
	}
	if len(f.Samples) > 0 {
		ss := make([]map[string]any, len(f.Samples))
		for i, s := range f.Samples {
			ss[i] = map[string]any{"start": instantText(s.Start), "end": instantText(s.End), "total": s.Total, "errors": s.Errors}
		}
		out["samples"] = ss
	}
	if len(f.Maintenance) > 0 {
		out["maintenance"] = intervals(f.Maintenance)
	}
	if len(f.Exclusions) > 0 {
		es := make([]map[string]string, len(f.Exclusions))
		for i, e := range f.Exclusions {
			es[i] = interval(e.Interval)
			if e.Reason != "" {
				es[i]["reason"] = e.Reason
			}
		}
		out["exclusions"] = es
	}
	if len(f.Active) > 0 {
		out["active"] = intervals(f.Active)
	}
	if f.Requests != nil {
		out["requests"] = map[string]int64{"total": f.Requests.Total, "failed": f.Requests.Failed}
	}
	return out
}

func intervals(ivs []sla.Interval) []map[string]string {
	out := make([]map[string]string, len(ivs))
	for i, iv := range ivs {
		out[i] = interval(iv)
	}
	return out
}

func interval(iv sla.Interval) map[string]string {
	return map[string]string{"start": instantText(iv.Start), "end": instantText(iv.End)}
}

func instantText(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// decimal writes r exactly as a decimal, or refuses it (field names it)
// when its expansion does not terminate.
func decimal(field string, r *big.Rat) (string, error) {
	s := sla.FormatExact(r, 0)
	if back, err := sla.ParseDecimal(s); err != nil || back.Cmp(r) != 0 {
		return "", fmt.Errorf("%s: %s has no exact decimal form", field, r.RatString())
	}
	return s, nil
}
