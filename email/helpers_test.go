package email

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

var testDate = time.Date(2026, 10, 3, 12, 30, 0, 0, time.UTC)

func envelope(key string) Envelope {
	return Envelope{
		From:        mail.Address{Name: "Nordlicht Cloud status", Address: "status@nordlicht.example"},
		To:          "anna.mueller@example.com",
		DedupKey:    key,
		Domain:      "status.nordlicht.example",
		Date:        testDate,
		Unsubscribe: Unsubscribe{URL: "https://status.nordlicht.example/unsubscribe/TOKEN123", Mailto: "unsubscribe@nordlicht.example"},
	}
}

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// part is one leaf of a parsed MIME message, its body decoded.
type part struct {
	contentType string
	filename    string
	body        []byte
}

// parse reads a message the way a mail client would: headers with
// net/mail, the body tree with mime/multipart, transfer encodings undone.
func parse(t *testing.T, raw []byte) (*mail.Message, []part) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, raw)
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		t.Fatal(err)
	}
	return msg, walk(t, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", body)
}

func walk(t *testing.T, contentType, encoding, disposition string, body []byte) []part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("content type %q: %v", contentType, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		var out []part
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			b, err := io.ReadAll(p)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, walk(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), b)...)
		}
	}
	var decoded []byte
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		decoded, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	case "base64":
		decoded, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(body)))
	default:
		decoded = body
	}
	if err != nil {
		t.Fatalf("decode %s part: %v", encoding, err)
	}
	p := part{contentType: mt, body: decoded}
	if disposition != "" {
		if _, dp, err := mime.ParseMediaType(disposition); err == nil {
			p.filename = dp["filename"]
		}
	}
	return []part{p}
}

func partOf(parts []part, contentType string) *part {
	for i := range parts {
		if parts[i].contentType == contentType {
			return &parts[i]
		}
	}
	return nil
}

func decodeHeader(t *testing.T, s string) string {
	t.Helper()
	out, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		t.Fatalf("decode header %q: %v", s, err)
	}
	return out
}
