package main

import (
	"strings"
	"testing"
)

func TestAgentRefusesBadFlags(t *testing.T) {
	spool := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string // in stderr; the exit status is exitUsage
	}{
		{"no server", []string{"--token", "t", "--spool", spool}, "--server: give the base URL"},
		{"plain http elsewhere", []string{"--server", "http://slate.example.com", "--token", "t", "--spool", spool}, "plain HTTP only to a loopback address"},
		{"no token", []string{"--server", "https://slate.example.com", "--spool", spool}, "--token: give the agent token"},
		{"no spool", []string{"--server", "https://slate.example.com", "--token", "t"}, "--spool: give the spool directory"},
		{"bad spool bound", []string{"--server", "https://slate.example.com", "--token", "t", "--spool", spool, "--spool-max", "lots"}, "--spool-max: must be a positive size"},
		{"missing CA file", []string{"--server", "https://slate.example.com", "--token", "t", "--spool", spool, "--ca-file", spool + "/nope.pem"}, "--ca-file:"},
		{"stray argument", []string{"--server", "https://slate.example.com", "--token", "t", "--spool", spool, "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SLATE_AGENT_TOKEN", "")
			code, _, errs := runSlate(t, "", append([]string{"agent"}, tt.args...)...)
			if code != exitUsage || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errs, exitUsage, tt.want)
			}
		})
	}
}
