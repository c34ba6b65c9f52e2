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
