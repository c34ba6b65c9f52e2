package store_test

import (
	"strings"
	"testing"

	"github.com/slatehq/slate/store"
)

func TestValidRole(t *testing.T) {
	tests := []struct {
		name string
		role string
		want bool
	}{
		{"admin", store.RoleAdmin, true},
		{"account manager", store.RoleAccountManager, true},
		{"oncall", store.RoleOncall, true},
		{"viewer", store.RoleViewer, true},
		{"empty", "", false},
		{"capitalised", "Admin", false},
		{"space for underscore", "account manager", false},
		{"signed-link principal", "link", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := store.ValidRole(tt.role); got != tt.want {
				t.Errorf("ValidRole(%q) = %v, want %v", tt.role, got, tt.want)
			}
		})
	}
}

func TestTokenPrefix(t *testing.T) {
	const secret = "abcdefghijklmnopqrstuvwxyz234567"
	tests := []struct {
		name string
		text string
		want string // "" when refused
	}{
		{"valid", "slt_0a1b2c3d_" + secret, "slt_0a1b2c3d"},
		{"upper-case hex", "slt_0A1B2C3D_" + secret, ""},
		{"non-hex prefix", "slt_0a1b2c3g_" + secret, ""},
		{"other tag", "sla_0a1b2c3d_" + secret, ""},
		{"no separator", "slt_0a1b2c3d-" + secret, ""},
		{"short secret", "slt_0a1b2c3d_" + secret[1:], ""},
		{"long secret", "slt_0a1b2c3d_" + secret + "a", ""},
		{"upper-case secret", "slt_0a1b2c3d_" + strings.ToUpper(secret), ""},
		{"digit outside base32", "slt_0a1b2c3d_" + secret[:31] + "8", ""},
		{"trailing newline", "slt_0a1b2c3d_" + secret[:31] + "\n", ""},
		{"prefix only", "slt_0a1b2c3d", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := store.TokenPrefix(tt.text)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("TokenPrefix(%q) = %q, %v; want %q, %v", tt.text, got, ok, tt.want, tt.want != "")
			}
		})
	}
}
