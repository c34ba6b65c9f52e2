package main

import (
	"strings"
	"testing"
)

func TestCheckCommand(t *testing.T) {
	code, out, _ := runSlate(t, "", "check", "../../examples/slate.yaml")
	if code != exitOK || !strings.Contains(out, "ok: 2 tenants, 3 services, 5 checks, 2 contracts") {
		t.Errorf("valid config: exit %d, output %q", code, out)
	}
	code, out, errs := runSlate(t, "", "check", "../../config/testdata/bad-contract-refs.yml")
	if code != exitUsage || out != "" || strings.Count(errs, "\n") < 4 {
		t.Errorf("bad config: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// TestCheckReportsEveryDecodingProblem: a file with problems in several
// sections and items gets every one reported, not only the first.
func TestCheckReportsEveryDecodingProblem(t *testing.T) {
	code, out, errs := runSlate(t, "", "check", "../../config/testdata/bad-decoding-many.yml")
	if code != exitUsage || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{"backup.kepp", "tenants[0].name", "services[1].public", "checks[0].interval", "checks[1].intervl",
		"checks[2].confirmation.failures", "contracts[0].autoissue", "detection.recovery_hold"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %s:\n%s", want, errs)
		}
	}
}
