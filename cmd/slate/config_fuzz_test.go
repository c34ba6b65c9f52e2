package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseConfig: any input gives a configuration or a *ConfigError whose
// every line names the file, never a panic.
// Run: go test -fuzz FuzzParseConfig ./cmd/slate/
func FuzzParseConfig(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/bad-*.yml")
	seeds = append(seeds, "../../examples/slate.yaml")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig("fuzz.yml", bytes.NewReader(data))
		if err != nil {
			var ce *ConfigError
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
