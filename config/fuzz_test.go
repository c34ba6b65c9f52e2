package config_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/slatehq/slate/config"
)

// FuzzParse: any input gives a configuration or a *config.Error whose
// every line names the file, never a panic.
// Run: go test -fuzz FuzzParse ./config/
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/bad-*.yml")
	seeds = append(seeds, "../examples/slate.yaml")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse("fuzz.yml", bytes.NewReader(data))
		if err != nil {
			var ce *config.Error
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("error %T without problems: %v", err, err)
			}
			for _, line := range bytes.Split([]byte(err.Error()), []byte("\n")) {
				if !bytes.HasPrefix(line, []byte("fuzz.yml")) {
					t.Fatalf("error line %q does not name the file", line)
				}
			}
			return
		}
		if cfg.Storage.Path == "" || cfg.Collector.Location == "" {
			t.Fatalf("accepted configuration lacks defaults: %+v", cfg)
		}
	})
}
