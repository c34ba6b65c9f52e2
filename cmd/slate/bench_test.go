package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestBenchRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench"},
		{"bench", "disks"},
		{"bench", "probes", "--checks", "0"},
		{"bench", "probes", "--checks", "10,x"},
		{"bench", "probes", "--checks", "10,10"},
		{"bench", "probes", "--checks", "10,2000000"},
		{"bench", "probes", "--interval", "1ms"},
		{"bench", "probes", "--interval", "10s", "--duration", "15s"},
	} {
		if code, _, _ := runSlate(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestBenchStatusRefusesBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no services", []string{"--services", "0"}},
		{"more groups than services", []string{"--services", "5", "--groups", "6"}},
		{"fewer checks than services", []string{"--services", "10", "--checks", "9"}},
		{"no history", []string{"--days", "0"}},
		{"no connections", []string{"--connections", "0"}},
		{"interval too short", []string{"--interval", "1ms"}},
		{"phase too short", []string{"--duration", "500ms"}},
		{"stray argument", []string{"now"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runSlate(t, "", append([]string{"bench", "status"}, tc.args...)...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (%s)", code, exitUsage, errs)
			}
		})
	}
}

func TestBenchCloseRefusesBadFlags(t *testing.T) {
	if code, _, _ := runSlate(t, "", "bench", "close", "--series", "0"); code != exitUsage {
		t.Errorf("--series 0: exit %d, want %d", code, exitUsage)
	}
}

func TestParseSizes(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []int
	}{
		{"one", "1000", []int{1000}},
		{"several in the given order", "50000, 10000,100000", []int{50000, 10000, 100000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSizes(tc.in)
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestBenchAgentsRefusesBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		args       []string
	}{
		{"no checks", "--checks must be between 1 and 1000000", []string{"--checks", "0"}},
		{"interval too short", "--interval must be at least", []string{"--interval", "1ms"}},
		{"live window too short", "--live must be at least 1s", []string{"--live", "500ms"}},
		{"partition too short", "--partition must be at least 1s", []string{"--partition", "0s"}},
		{"stray argument", `unexpected argument "now"`, []string{"now"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runSlate(t, "", append([]string{"bench", "agents"}, tc.args...)...)
			if code != exitUsage || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, %q; want %d and %q", code, errs, exitUsage, tc.want)
			}
		})
	}
}
