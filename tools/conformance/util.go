package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand"
	"os/exec"
	"time"
)

// Hex is a byte string that travels as lowercase hex in JSON.
type Hex []byte

func (h Hex) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }

func (h *Hex) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	if err != nil {
		return fmt.Errorf("bad hex: %w", err)
	}
	*h = v
	return nil
}

// randBytes draws n bytes from r (vectors must be reproducible, so never crypto/rand here).
func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	_, _ = r.Read(b)
	return b
}

// decodeCases unmarshals a verifier's cases into a typed slice.
func decodeCases[T any](raw json.RawMessage) ([]T, error) {
	var cases []T
	if err := json.Unmarshal(raw, &cases); err != nil {
		return nil, err
	}
	return cases, nil
}

// timeOp runs op repeatedly for about minDuration (after a short warm-up) and reports its cost.
func timeOp(name string, minDuration time.Duration, op func(i int)) benchResult {
	for i := 0; i < 10; i++ {
		op(i)
	}
	n := 0
	start := time.Now()
	for time.Since(start) < minDuration {
		for j := 0; j < 16; j++ {
			op(n)
			n++
		}
	}
	elapsed := time.Since(start)
	ns := float64(elapsed.Nanoseconds()) / float64(n)
	return benchResult{Name: name, Ops: n, NsPerOp: ns, OpsPerSec: 1e9 / ns}
}

// moduleDir returns where the Go module cache holds module@version (downloading it if needed),
// for vectors taken from upstream test data.
func moduleDir(moduleAtVersion string) (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", moduleAtVersion).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", moduleAtVersion, err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil {
		return "", err
	}
	if info.Error != "" {
		return "", fmt.Errorf("go mod download %s: %s", moduleAtVersion, info.Error)
	}
	return info.Dir, nil
}
