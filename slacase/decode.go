package slacase

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/slatehq/slate/internal/ynode"
	"github.com/slatehq/slate/sla"
)

// File is a decoded case document. A document is either a bare case (title,
// policy, period, fee, facts) or a worked example that wraps one:
// {"id", "source", "case", "expected"}.
type File struct {
	ID       string
	Source   string
	Case     sla.Case
	Expected *ynode.Node // the worked answer, when the document carries one
	prefix   string      // "case" for a wrapped case, "" for a bare one
}

// Decode reads a case document. The error is a *ynode.Error naming the field
// path, and the line and column where they are known.
func Decode(data []byte) (File, error) {
	root, err := ynode.Parse(data)
	if err != nil {
		return File{}, err
	}
	d := &decoder{at: ynode.Index{}}
	var f File
	fields, err := root.Map("id", "source", "case", "expected", "title", "policy", "period", "fee", "facts")
	if err != nil {
		return File{}, err
	}
	caseNode := root
	if fields.Has("case") {
		for _, k := range []string{"title", "policy", "period", "fee", "facts"} {
			if fields.Has(k) {
				n, _ := fields.Get(k)
				return File{}, n.Errorf("belongs inside \"case\" in a document that has one")
			}
		}
		if f.ID, err = optString(fields, "id"); err != nil {
			return File{}, err
		}
		if f.Source, err = optString(fields, "source"); err != nil {
			return File{}, err
		}
		if e, ok := fields.Get("expected"); ok {
			f.Expected = &e
		}
		cn, _ := fields.Get("case")
		cn.Path = "case"
		if fields, err = cn.Map("title", "policy", "period", "fee", "facts"); err != nil {
			return File{}, err
		}
		f.prefix = "case"
		caseNode = cn
	} else {
		for _, k := range []string{"id", "source", "expected"} {
			if fields.Has(k) {
				n, _ := fields.Get(k)
				return File{}, n.Errorf("only goes beside \"case\" in a worked example")
			}
		}
	}
	if f.Case, err = d.caseFields(caseNode, fields); err != nil {
		return File{}, err
	}
	if err := f.Case.Validate(); err != nil {
		return File{}, d.locate(sla.WithPrefix(f.prefix, err))
	}
	return f, nil
}

// decoder remembers where each decoded value was, so that the engine's own
// validation errors, which know only field paths, can be given a line.
type decoder struct {
	at ynode.Index
}

func (d *decoder) seen(n ynode.Node) ynode.Node { return d.at.Add(n) }

// locate turns an *sla.FieldError into a *ynode.Error at the value it names.
func (d *decoder) locate(err error) error {
	var fe *sla.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	return d.at.Locate(fe.Field, fe.Msg)
}

func (d *decoder) caseFields(root ynode.Node, f ynode.Fields) (sla.Case, error) {
	var c sla.Case
	var err error
	if c.Title, err = optString(f, "title"); err != nil {
		return c, err
	}
	pn, ok := f.Get("policy")
	if !ok {
		return c, root.Missing("policy", "")
	}
	if c.Policy, err = d.policy(d.seen(pn)); err != nil {
		return c, err
	}
	per, ok := f.Get("period")
	if !ok {
		return c, root.Missing("period", "")
	}
	if c.Period, err = d.period(d.seen(per)); err != nil {
		return c, err
	}
	fee, ok := f.Get("fee")
	if !ok {
		return c, root.Missing("fee", "")
	}
	if c.Fee, err = d.money(d.seen(fee)); err != nil {
		return c, err
	}
	if facts, ok := f.Get("facts"); ok {
		if c.Facts, err = d.facts(d.seen(facts)); err != nil {
			return c, err
		}
	}
	return c, nil
}

func optString(f ynode.Fields, key string) (string, error) {
	n, ok := f.Get(key)
	if !ok {
		return "", nil
	}
	return n.String()
}

// DecodePolicy reads an SLA policy (the "policy" of a case, or of a contract
// in the configuration) and validates it. Errors are *ynode.Error values whose
// paths start at n.Path.
func DecodePolicy(n ynode.Node) (sla.Policy, error) {
	d := &decoder{at: ynode.Index{}}
	p, err := d.policy(d.seen(n))
	if err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, d.locate(sla.WithPrefix(n.Path, err))
	}
	return p, nil
}

func (d *decoder) policy(n ynode.Node) (sla.Policy, error) {
	var p sla.Policy
	f, err := n.Map("target", "measure", "slice", "bad_slice", "error_rate_above", "slice_value",
		"min_outage", "maintenance", "excluded_time", "credit_unit", "tiers", "multiplier", "cap")
	if err != nil {
		return p, err
	}
	tn, ok := f.Get("target")
	if !ok {
		return p, n.Missing("target", "a percentage such as \"99.9\"")
	}
	if p.Target, err = Decimal(d.seen(tn)); err != nil {
		return p, err
	}
	enums := []struct {
		key string
		dst *string
	}{
		{"measure", (*string)(&p.Measure)},
		{"bad_slice", (*string)(&p.BadSlice)},
		{"slice_value", (*string)(&p.SliceValue)},
		{"maintenance", (*string)(&p.Maintenance)},
		{"excluded_time", (*string)(&p.ExcludedTime)},
		{"credit_unit", (*string)(&p.CreditUnit)},
	}
	for _, e := range enums {
		if v, ok := f.Get(e.key); ok {
			if *e.dst, err = d.seen(v).String(); err != nil {
				return p, err
			}
		}
	}
	for _, r := range []struct {
		key string
		dst **big.Rat
	}{{"error_rate_above", &p.ErrorRateAbove}, {"multiplier", &p.Multiplier}, {"cap", &p.Cap}} {
		if v, ok := f.Get(r.key); ok {
			if *r.dst, err = Decimal(d.seen(v)); err != nil {
				return p, err
			}
		}
	}
	if v, ok := f.Get("slice"); ok {
		if p.Slice, err = duration(d.seen(v)); err != nil {
			return p, err
		}
		if p.Slice <= 0 {
			return p, v.Errorf("must be a positive duration such as \"5m\" (got %s)", p.Slice)
		}
	}
	if v, ok := f.Get("min_outage"); ok {
		if p.MinOutage, err = duration(d.seen(v)); err != nil {
			return p, err
		}
	}
	if v, ok := f.Get("tiers"); ok {
		items, err := d.seen(v).Seq()
		if err != nil {
			return p, err
		}
		for _, it := range items {
			t, err := d.tier(d.seen(it))
			if err != nil {
				return p, err
			}
			p.Tiers = append(p.Tiers, t)
		}
	}
	return p, nil
}

func (d *decoder) tier(n ynode.Node) (sla.Tier, error) {
	var t sla.Tier
	f, err := n.Map("uptime", "credit")
	if err != nil {
		return t, err
	}
	un, ok := f.Get("uptime")
	if !ok {
		return t, n.Missing("uptime", "an interval such as \"[99, 99.9)\"")
	}
	s, err := d.seen(un).String()
	if err != nil {
		return t, err
	}
	if t.Uptime, err = sla.ParseRange(s); err != nil {
		return t, un.Errorf("%v", err)
	}
	cn, ok := f.Get("credit")
	if !ok {
		return t, n.Missing("credit", "")
	}
	t.Credit, err = Decimal(d.seen(cn))
	return t, err
}

func (d *decoder) period(n ynode.Node) (sla.Period, error) {
	var p sla.Period
	f, err := n.Map("month", "quarter", "start", "end", "timezone")
	if err != nil {
		return p, err
	}
	loc := time.UTC
	if tz, ok := f.Get("timezone"); ok {
		if loc, err = Location(d.seen(tz)); err != nil {
			return p, err
		}
	}
	kinds := 0
	for _, k := range []string{"month", "quarter", "start"} {
		if f.Has(k) {
			kinds++
		}
	}
	if kinds != 1 || f.Has("end") != f.Has("start") {
		return p, n.Errorf("give exactly one of month (\"2024-03\"), quarter (\"2020-Q3\"), or start and end")
	}
	switch {
	case f.Has("month"):
		v, _ := f.Get("month")
		s, err := d.seen(v).String()
		if err != nil {
			return p, err
		}
		t, err := time.Parse("2006-01", s)
		if err != nil || len(s) != 7 {
			return p, v.Errorf("%q is not a month like \"2024-03\"", s)
		}
		return sla.Month(t.Year(), t.Month(), loc), nil
	case f.Has("quarter"):
		v, _ := f.Get("quarter")
		s, err := d.seen(v).String()
		if err != nil {
			return p, err
		}
		var y, q int
		if _, err := fmt.Sscanf(s, "%4d-Q%1d", &y, &q); err != nil || len(s) != 7 || q < 1 || q > 4 {
			return p, v.Errorf("%q is not a quarter like \"2020-Q3\"", s)
		}
		return sla.Quarter(y, q, loc), nil
	}
	sn, _ := f.Get("start")
	en, _ := f.Get("end")
	if p.Start, err = instant(d.seen(sn)); err != nil {
		return p, err
	}
	if p.End, err = instant(d.seen(en)); err != nil {
		return p, err
	}
	p.Location = loc
	return p, nil
}

// Location loads an IANA time zone. "Local" is refused: a period must not
// depend on the machine that computes it.
func Location(n ynode.Node) (*time.Location, error) {
	name, err := n.String()
	if err != nil {
		return nil, err
	}
	if name == "" || name == "Local" || strings.ContainsAny(name, "\\") || strings.HasPrefix(name, "/") {
		return nil, n.Errorf("%q is not an IANA time zone such as \"Europe/Berlin\"", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, n.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

func (d *decoder) money(n ynode.Node) (sla.Money, error) {
	var m sla.Money
	f, err := n.Map("amount", "currency")
	if err != nil {
		return m, err
	}
	an, ok := f.Get("amount")
	if !ok {
		return m, n.Missing("amount", "a decimal such as \"1000.00\"")
	}
	if m.Amount, err = Decimal(d.seen(an)); err != nil {
		return m, err
	}
	cn, ok := f.Get("currency")
	if !ok {
		return m, n.Missing("currency", "an ISO 4217 code such as \"USD\"")
	}
	m.Currency, err = d.seen(cn).String()
	return m, err
}

func (d *decoder) facts(n ynode.Node) (sla.Facts, error) {
	var fs sla.Facts
	f, err := n.Map("downtime", "samples", "maintenance", "exclusions", "active", "requests")
	if err != nil {
		return fs, err
	}
	if err := d.each(f, "downtime", func(it ynode.Node) error {
		g, err := it.Map("start", "end", "affected")
		if err != nil {
			return err
		}
		o := sla.Outage{}
		if o.Interval, err = d.interval(it, g); err != nil {
			return err
		}
		if a, ok := g.Get("affected"); ok {
			s, err := d.seen(a).String()
			if err != nil {
				return err
			}
			if o.Affected, err = sla.ParseShare(s); err != nil {
				return a.Errorf("%v", err)
			}
		}
		fs.Downtime = append(fs.Downtime, o)
		return nil
	}); err != nil {
		return fs, err
	}
	if err := d.each(f, "samples", func(it ynode.Node) error {
		g, err := it.Map("start", "end", "total", "errors")
		if err != nil {
			return err
		}
		s := sla.SampleRun{}
		if s.Interval, err = d.interval(it, g); err != nil {
			return err
		}
		if s.Total, err = d.count(it, g, "total"); err != nil {
			return err
		}
		if s.Errors, err = d.count(it, g, "errors"); err != nil {
			return err
		}
		fs.Samples = append(fs.Samples, s)
		return nil
	}); err != nil {
		return fs, err
	}
	if err := d.each(f, "maintenance", func(it ynode.Node) error {
		g, err := it.Map("start", "end")
		if err != nil {
			return err
		}
		iv, err := d.interval(it, g)
		fs.Maintenance = append(fs.Maintenance, iv)
		return err
	}); err != nil {
		return fs, err
	}
	if err := d.each(f, "exclusions", func(it ynode.Node) error {
		g, err := it.Map("start", "end", "reason")
		if err != nil {
			return err
		}
		e := sla.Exclusion{}
		if e.Interval, err = d.interval(it, g); err != nil {
			return err
		}
		e.Reason, err = optString(g, "reason")
		fs.Exclusions = append(fs.Exclusions, e)
		return err
	}); err != nil {
		return fs, err
	}
	if err := d.each(f, "active", func(it ynode.Node) error {
		g, err := it.Map("start", "end")
		if err != nil {
			return err
		}
		iv, err := d.interval(it, g)
		fs.Active = append(fs.Active, iv)
		return err
	}); err != nil {
		return fs, err
	}
	if rn, ok := f.Get("requests"); ok {
		g, err := d.seen(rn).Map("total", "failed")
		if err != nil {
			return fs, err
		}
		r := &sla.Requests{}
		if r.Total, err = d.count(rn, g, "total"); err != nil {
			return fs, err
		}
		if r.Failed, err = d.count(rn, g, "failed"); err != nil {
			return fs, err
		}
		fs.Requests = r
	}
	return fs, nil
}

// each decodes every item of the list under key.
func (d *decoder) each(f ynode.Fields, key string, item func(ynode.Node) error) error {
	n, ok := f.Get(key)
	if !ok {
		return nil
	}
	items, err := d.seen(n).Seq()
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := item(d.seen(it)); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) interval(n ynode.Node, g ynode.Fields) (sla.Interval, error) {
	var iv sla.Interval
	sn, ok := g.Get("start")
	if !ok {
		return iv, n.Missing("start", "an RFC 3339 time")
	}
	en, ok := g.Get("end")
	if !ok {
		return iv, n.Missing("end", "an RFC 3339 time")
	}
	var err error
	if iv.Start, err = instant(d.seen(sn)); err != nil {
		return iv, err
	}
	iv.End, err = instant(d.seen(en))
	return iv, err
}

func (d *decoder) count(n ynode.Node, g ynode.Fields, key string) (int64, error) {
	v, ok := g.Get(key)
	if !ok {
		return 0, n.Missing(key, "a whole number")
	}
	return d.seen(v).Int64()
}

func instant(n ynode.Node) (time.Time, error) {
	s, err := n.String()
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, n.Errorf("%q is not an RFC 3339 time like \"2024-06-01T10:00:00Z\"", s)
	}
	return t, nil
}

// Decimal reads an exact decimal ("99.9", or the bare number 99.9 taken as
// written), refusing float syntax, with the error located at n.
func Decimal(n ynode.Node) (*big.Rat, error) {
	s, err := n.Scalar()
	if err != nil {
		return nil, err
	}
	r, err := sla.ParseDecimal(s)
	if err != nil {
		return nil, n.Errorf("%v", err)
	}
	return r, nil
}

func duration(n ynode.Node) (time.Duration, error) {
	s, err := n.String()
	if err != nil {
		return 0, err
	}
	v, err := ParseDuration(s)
	if err != nil {
		return 0, n.Errorf("%v", err)
	}
	return v, nil
}
