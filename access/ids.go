package access

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"strconv"
)

// Readers see incidents and maintenance windows by a public ID, never by
// the store's sequence: the sequence's gaps would count the incidents a
// reader may not see (another tenant's, a private service's). A public ID
// is derived from the store's own ID with a key the store keeps, so it
// is stable for as long as the key is (the key is never rotated), the
// same on every replica, and neither reveals nor predicts another.

// publicIDs is the alphabet of public IDs: lowercase letters and digits,
// as Statuspage's own IDs.
var publicIDs = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// PublicID is the ID readers see for what name names ("incident/42",
// "maintenance/stored-7"): the first 60 bits of its HMAC-SHA256 under key,
// as 12 characters.
func PublicID(key []byte, name string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("slate public id\x00" + name))
	return publicIDs.EncodeToString(m.Sum(nil))[:12]
}

// IncidentPublicID is the public ID of incident id.
func IncidentPublicID(key []byte, id int64) string {
	return PublicID(key, "incident/"+strconv.FormatInt(id, 10))
}

// MaintenancePublicID is the public ID of the maintenance window with
// the catalogue ID id; it starts with "m", which no incident's need
// share, so that both kinds live under /incidents/ as Statuspage has it.
func MaintenancePublicID(key []byte, id string) string {
	return "m" + PublicID(key, "maintenance/"+id)[1:]
}
