package db_test

import (
	"testing"
	"time"

	"github.com/slatehq/slate/db"
)

func TestOpenRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts db.Options
	}{
		{"history retention under 400 days", db.Options{HistoryRetention: 399 * 24 * time.Hour}},
		{"negative raw retention", db.Options{RawRetention: -time.Hour}},
		{"negative batch", db.Options{MaxBatch: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := db.Open(t.TempDir()+"/x.db", tc.opts)
			if err == nil {
				d.Close()
				t.Fatalf("got nil error, want an option error")
			}
		})
	}
}
