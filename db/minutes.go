package db

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/slatehq/slate/internal/minutes"
)

// Units of the minute history, shared with every backend.
const (
	msPerMinute   = minutes.MsPerMinute
	msPerDay      = minutes.MsPerDay
	minutesPerDay = minutes.PerDay
)

// dayOf splits an instant in UTC Unix milliseconds into its UTC day and the
// minute of that day (0..1439).
func dayOf(atMs int64) (day int64, minute int) { return minutes.DayOf(atMs) }

// dayRecord is one check's minute history for one UTC day: one row of the
// minutes table, decoded.
type dayRecord struct {
	locs  []*locDay
	dirty bool   // changed since it was last written
	plain []byte // its plain encoding once written: what the writer's cache keeps
}

// locDay is what one location saw of one check during one day.
//
// It is held in one of two forms. runs is the run-length code of the day —
// a few dozen bytes for most days. min is the expanded form (7,200 bytes),
// made only while a transaction changes the day and released when the
// transaction ends.
type locDay struct {
	loc  int64 // locations.id
	last int64 // start of the latest run applied, UTC Unix ms; a later run can be added in order

	// min is the expanded day, nil while compacted.
	min *minuteArray
	// runs is the run-length code of the day; nil when min changed since
	// it was encoded (or for a location with no runs encoded yet). A
	// transaction usually changes one location of a day, so the others are
	// not encoded again.
	runs []byte
}

// minuteArray is one location's day, minute by minute.
type minuteArray = minutes.Day

// arrayPool recycles expanded days between transactions; it belongs to one
// goroutine. Its size is bounded so that a burst does not pin memory.
type arrayPool struct{ free []*minuteArray }

// A transaction expands one day at a time (see dayFlusher), so a few
// arrays suffice.
const maxPooledArrays = 16

func (p *arrayPool) get() *minuteArray {
	if n := len(p.free); n > 0 {
		a := p.free[n-1]
		p.free = p.free[:n-1]
		return a
	}
	return new(minuteArray)
}

func (p *arrayPool) put(a *minuteArray) {
	if len(p.free) < maxPooledArrays {
		p.free = append(p.free, a)
	}
}

// minutes returns l's expanded day, expanding the run-length code on first
// use.
func (l *locDay) minutes(p *arrayPool) *minuteArray {
	if l.min != nil {
		return l.min
	}
	a := p.get()
	minutes.Expand(l.runs, a)
	l.min = a
	return a
}

// release returns the expanded day, if any, to the pool.
func (l *locDay) release(p *arrayPool) {
	if l.min != nil {
		p.put(l.min)
		l.min = nil
	}
}

// location returns the record of location loc, adding an empty one.
func (r *dayRecord) location(loc int64) *locDay {
	for _, l := range r.locs {
		if l.loc == loc {
			return l
		}
	}
	l := &locDay{loc: loc, last: -1 << 63} // no runs yet: minutes expands an empty day
	r.locs = append(r.locs, l)
	return l
}

// Encoded day format. The first byte names the format:
//
//	1: plain
//	2: plain, compressed with DEFLATE (compress/flate)
//
// plain is
//
//	uvarint  number of locations
//	per location: uvarint location id, uvarint latest run start in ms since the start of the day
//	per location, in the same order: its run-length code (package internal/minutes)
//
// A location that passes every run of a day at a fixed rate is one run of
// 1,440 minutes: about ten bytes. Only days with many changes, where DEFLATE
// finds the repeated records that the run-length code cannot, are
// compressed further.
const (
	formatPlain   = 1
	formatDeflate = 2

	// deflateAbove is the plain size from which DEFLATE is tried: below it
	// the gain is a few bytes and not worth the CPU in the write path.
	deflateAbove = 512
)

// dayCodec encodes and decodes day records, reusing its buffers and its
// DEFLATE state; it is owned by one goroutine.
type dayCodec struct {
	plain bytes.Buffer
	comp  bytes.Buffer
	fw    *flate.Writer
	tmp   [binary.MaxVarintLen64]byte
}

func (c *dayCodec) uvarint(v uint64) {
	n := binary.PutUvarint(c.tmp[:], v)
	c.plain.Write(c.tmp[:n])
}

// plainBytes is the plain form of the record last encoded, valid until the
// next call of encode.
func (c *dayCodec) plainBytes() []byte { return c.plain.Bytes() }

// encode returns the stored form of r, valid until the next call.
func (c *dayCodec) encode(r *dayRecord, day int64) ([]byte, error) {
	c.plain.Reset()
	c.plain.WriteByte(formatPlain)
	c.uvarint(uint64(len(r.locs)))
	for _, l := range r.locs {
		c.uvarint(uint64(l.loc))
		c.uvarint(uint64(l.last - day*msPerDay))
	}
	for _, l := range r.locs {
		if l.runs == nil {
			if l.min == nil {
				l.min = new(minuteArray) // a location without runs yet
			}
			l.runs = minutes.AppendRuns(nil, l.min)
		}
		c.plain.Write(l.runs)
	}
	if c.plain.Len() <= deflateAbove {
		return c.plain.Bytes(), nil
	}
	c.comp.Reset()
	c.comp.WriteByte(formatDeflate)
	if c.fw == nil {
		// The default level, not the best: on a day of random flapping
		// the best level is 15 times slower (about 50ms a day record, paid
		// on every commit that touches it) for 7% fewer bytes.
		fw, err := flate.NewWriter(&c.comp, flate.DefaultCompression)
		if err != nil {
			return nil, err
		}
		c.fw = fw
	} else {
		c.fw.Reset(&c.comp)
	}
	if _, err := c.fw.Write(c.plain.Bytes()[1:]); err != nil {
		return nil, err
	}
	if err := c.fw.Close(); err != nil {
		return nil, err
	}
	if c.comp.Len() < c.plain.Len() {
		return c.comp.Bytes(), nil
	}
	return c.plain.Bytes(), nil
}

var errBadDay = errors.New("bad encoded day")

// decodeDay parses a stored day of day number day.
func decodeDay(data []byte, day int64) (*dayRecord, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty", errBadDay)
	}
	body := data[1:]
	switch data[0] {
	case formatPlain:
	case formatDeflate:
		b, err := io.ReadAll(flate.NewReader(bytes.NewReader(body)))
		if err != nil {
			return nil, fmt.Errorf("%w: inflate: %v", errBadDay, err)
		}
		body = b
	default:
		return nil, fmt.Errorf("%w: format %d", errBadDay, data[0])
	}
	rd := bytes.NewReader(body)
	n, err := binary.ReadUvarint(rd)
	if err != nil || n > uint64(len(body)) {
		return nil, fmt.Errorf("%w: location count", errBadDay)
	}
	r := &dayRecord{locs: make([]*locDay, n)}
	for i := range r.locs {
		loc, err1 := binary.ReadUvarint(rd)
		last, err2 := binary.ReadUvarint(rd)
		if err1 != nil || err2 != nil || last >= msPerDay {
			return nil, fmt.Errorf("%w: location %d header", errBadDay, i)
		}
		r.locs[i] = &locDay{loc: int64(loc), last: day*msPerDay + int64(last)}
	}
	for _, l := range r.locs {
		from := len(body) - rd.Len()
		n, err := minutes.RunsLen(body[from:])
		if err != nil {
			return nil, fmt.Errorf("%w: location %d: %v", errBadDay, l.loc, err)
		}
		// Checked; kept in coded form until a transaction needs it.
		l.runs = bytes.Clone(body[from : from+n])
		rd.Seek(int64(n), io.SeekCurrent)
	}
	if rd.Len() != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errBadDay, rd.Len())
	}
	return r, nil
}
