package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// The headers of a signed request. To verify one, a receiver recomputes
// HMAC-SHA256 with the shared secret over the timestamp header, a dot and
// the raw body, compares it in constant time with the hex after "sha256="
// in the signature header, and rejects timestamps (Unix seconds) more than
// a few minutes from its own clock so that a captured request cannot be
// replayed. In a shell:
//
//	printf '%s.%s' "$timestamp" "$body" | openssl dgst -sha256 -hmac "$secret"
const (
	TimestampHeader = "X-Chiso-Timestamp"
	SignatureHeader = "X-Chiso-Signature"
)

// Sign returns the signature header's value for body sent at timestamp:
// "sha256=" and the hex HMAC-SHA256 of timestamp + "." + body.
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether signature is the one Sign gives for body at
// timestamp, comparing in constant time. It does not judge the timestamp's
// age: the caller rejects stale ones.
func Verify(secret []byte, timestamp string, body []byte, signature string) bool {
	got, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return false
	}
	mac, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	want, _ := hex.DecodeString(strings.TrimPrefix(Sign(secret, timestamp, body), "sha256="))
	return hmac.Equal(mac, want)
}
