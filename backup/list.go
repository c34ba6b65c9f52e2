package backup

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/slatehq/slate/db"
)

// The levels of backup, each in its own subdirectory and rotated on its
// own.
const (
	Hourly = "hourly"
	Daily  = "daily"
	Weekly = "weekly"
)

// levels lists the levels in the order List reports them.
func levels() []string { return []string{Hourly, Daily, Weekly} }

func checkLevel(level string) error {
	for _, l := range levels() {
		if level == l {
			return nil
		}
	}
	return fmt.Errorf("level %q: want one of %s", level, strings.Join(levels(), ", "))
}

// stampLayout is the UTC timestamp in a backup's name.
const stampLayout = "20060102T150405Z"

// Extensions of a backup's main file: a SQLite database, or a PostgreSQL
// archive from pg_dump (custom format).
const (
	extSQLite   = ".db"
	extPostgres = ".pgdump"
)

// fileName is the name of the SQLite backup taken at t.
func fileName(t time.Time) string { return nameOf(t, extSQLite) }

// nameOf is the name of the backup taken at t with extension ext.
func nameOf(t time.Time, ext string) string { return "slate-" + t.UTC().Format(stampLayout) + ext }

// The kinds of file that belong to a backup.
const (
	kindDB      = ""        // the database
	kindSum     = ".sha256" // its checksum
	kindGood    = ".good"   // the record of its verification
	kindPartial = ".partial"
	kindTemp    = ".tmp" // a temporary file of any of the above
)

// parseName splits a file name in a level directory into the backup it
// belongs to (its database's name and time) and its kind. ok is false for
// a file that is not part of a backup.
func parseName(name string) (base string, at time.Time, kind string, ok bool) {
	if strings.HasPrefix(name, ".") {
		i := strings.Index(name, ".tmp-")
		if i < 0 {
			return "", time.Time{}, "", false
		}
		base, at, _, ok = parseName(name[1:i])
		return base, at, kindTemp, ok
	}
	const prefix = "slate-"
	if !strings.HasPrefix(name, prefix) {
		return "", time.Time{}, "", false
	}
	ext := extSQLite
	i := strings.Index(name, ext)
	if j := strings.Index(name, extPostgres); j >= 0 {
		ext, i = extPostgres, j
	}
	if i < 0 {
		return "", time.Time{}, "", false
	}
	base, kind = name[:i+len(ext)], name[i+len(ext):]
	switch kind {
	case kindDB, kindSum, kindGood, kindPartial:
	default:
		return "", time.Time{}, "", false
	}
	at, err := time.Parse(stampLayout, strings.TrimPrefix(base[:i], prefix))
	if err != nil || nameOf(at, ext) != base {
		return "", time.Time{}, "", false
	}
	return base, at, kind, true
}

// Checksum states of a backup, as List reports them without reading the
// database file.
const (
	SumMissing  = "missing"  // no .sha256 file, or an unreadable one
	SumRecorded = "recorded" // a .sha256 file, and no verification record to compare it with
	SumVerified = "verified" // the .sha256 file agrees with the verification record
	SumConflict = "conflict" // the .sha256 file and the verification record disagree
)

// Backup is one backup as it is on disk.
type Backup struct {
	Path  string    // the database file (or the .partial file when there is no database)
	Level string    // Hourly, Daily or Weekly
	Time  time.Time // when it was taken, UTC, to the second, from its name
	Size  int64     // bytes of the database file; 0 when there is none

	Partial  bool   // the snapshot never completed: only a .partial file
	SHA256   string // hex checksum from the .sha256 file; "" when missing
	Checksum string // SumMissing, SumRecorded, SumVerified or SumConflict

	// Good is true only when the backup was restored and checked: its
	// database file is there, with the size, and its .sha256 file with the
	// checksum, recorded in its .good file. List does not read the
	// database to say so; Verify does.
	Good       bool
	VerifiedAt time.Time // from the .good record; zero when not good
	Counts     db.Counts // rows counted in the snapshot; zero when not good
}

// goodRecord is the content of a .good file.
type goodRecord struct {
	VerifiedAt time.Time  `json:"verified_at"`
	SHA256     string     `json:"sha256"`
	Size       int64      `json:"size"` // bytes
	Counts     goodCounts `json:"counts"`
}

type goodCounts struct {
	Results     int64 `json:"results"`
	HistoryDays int64 `json:"history_days"`
	Credits     int64 `json:"credits"`
	Audit       int64 `json:"audit"`
	Exclusions  int64 `json:"exclusions"`
	Tokens      int64 `json:"tokens"`
}

func toGoodCounts(c db.Counts) goodCounts   { return goodCounts(c) }
func fromGoodCounts(c goodCounts) db.Counts { return db.Counts(c) }

// List reports every backup under dir, the Dir or SecondDir of a Config:
// for each level, newest first. A level directory that does not exist has
// no backups.
func List(dir string) ([]Backup, error) {
	var out []Backup
	for _, level := range levels() {
		bs, err := listLevel(filepath.Join(dir, level), level)
		if err != nil {
			return nil, err
		}
		out = append(out, bs...)
	}
	return out, nil
}

// listLevel reports the backups of one level directory, newest first.
func listLevel(dir, level string) ([]Backup, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list backups in %s: %w", dir, err)
	}
	type files struct {
		at    time.Time
		kinds map[string]bool
	}
	byBase := map[string]*files{}
	for _, e := range ents {
		base, at, kind, ok := parseName(e.Name())
		if !ok || kind == kindTemp || !e.Type().IsRegular() {
			continue
		}
		f := byBase[base]
		if f == nil {
			f = &files{at: at, kinds: map[string]bool{}}
			byBase[base] = f
		}
		f.kinds[kind] = true
	}
	var out []Backup
	for base, f := range byBase {
		if !f.kinds[kindDB] && !f.kinds[kindPartial] {
			continue // a checksum or a record without its database
		}
		path := filepath.Join(dir, base)
		b := Backup{Path: path, Level: level, Time: f.at, Checksum: SumMissing}
		if !f.kinds[kindDB] {
			b.Path, b.Partial = path+kindPartial, true
			out = append(out, b)
			continue
		}
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("list backups in %s: %w", dir, err)
		}
		b.Size = st.Size()
		if sum, err := readSum(path); err == nil {
			b.SHA256, b.Checksum = sum, SumRecorded
		}
		if rec, err := readGood(path); err == nil && b.SHA256 != "" {
			if rec.SHA256 != b.SHA256 {
				b.Checksum = SumConflict
			} else {
				b.Checksum = SumVerified
				if rec.Size == b.Size {
					b.Good, b.VerifiedAt, b.Counts = true, rec.VerifiedAt, fromGoodCounts(rec.Counts)
				}
			}
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out, nil
}

// readGood reads the verification record of the backup file.
func readGood(file string) (goodRecord, error) {
	var rec goodRecord
	b, err := os.ReadFile(file + kindGood)
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, fmt.Errorf("read %s%s: %w", file, kindGood, err)
	}
	if !isHexSum(rec.SHA256) {
		return rec, fmt.Errorf("read %s%s: bad checksum %q", file, kindGood, rec.SHA256)
	}
	return rec, nil
}

// RecordedCounts are the row counts the .good record of the backup file
// holds — those of the snapshot when it was taken — for Verify to compare
// the restored copy with. nil when the file has no readable record, or one
// that is not about this file (its checksum differs from the .sha256
// beside it).
func RecordedCounts(file string) *db.Counts {
	rec, err := readGood(file)
	if err != nil {
		return nil
	}
	if sum, err := readSum(file); err != nil || sum != rec.SHA256 {
		return nil
	}
	c := fromGoodCounts(rec.Counts)
	return &c
}
