package main

// Verifiers for what @decai/relay-mining produces (test/conformance/produce.ts): trie roots,
// closest proofs in gob, verdicts on fuzzed proofs, and relay-mining math.

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/pokt-network/poktroll/pkg/crypto/protocol"
	"github.com/pokt-network/smt"
)

func init() {
	registerVerifier("smst_roots", verifySmstRoots)
	registerVerifier("smst_proofs", verifySmstProofs)
	registerVerifier("smst_fuzz", verifySmstFuzz)
	registerVerifier("smst_mining", verifySmstMining)
}

// smstTrieRef describes a trie by its operations, with the root after each one, or by the
// seeded rule.
type smstTrieRef struct {
	Ops       []smstOp    `json:"ops,omitempty"`
	StepRoots []Hex       `json:"stepRoots,omitempty"`
	Seeded    *seededTrie `json:"seeded,omitempty"`
}

func (ref smstTrieRef) build() (*smt.SMST, error) {
	if ref.Seeded != nil {
		return buildSeeded(*ref.Seeded)
	}
	if len(ref.StepRoots) != len(ref.Ops) {
		return nil, fmt.Errorf("%d step roots for %d ops", len(ref.StepRoots), len(ref.Ops))
	}
	t := newSmst()
	for i, op := range ref.Ops {
		if err := applySmstOps(t, []smstOp{op}); err != nil {
			return nil, fmt.Errorf("op %d: %w", i, err)
		}
		if !bytes.Equal(t.Root(), ref.StepRoots[i]) {
			return nil, fmt.Errorf("root after op %d is %x, Go computes %x", i, []byte(ref.StepRoots[i]), []byte(t.Root()))
		}
	}
	return t, nil
}

func (ref smstTrieRef) hasDeletes() bool {
	if ref.Seeded != nil {
		return ref.Seeded.Phases >= 3
	}
	for _, op := range ref.Ops {
		if op.Op == "delete" {
			return true
		}
	}
	return false
}

// trieCache builds each described trie once per verifier run.
type trieCache map[string]*smt.SMST

func (c trieCache) get(ref smstTrieRef) (*smt.SMST, error) {
	key, _ := json.Marshal(ref)
	id := string(key)
	if t, ok := c[id]; ok {
		return t, nil
	}
	t, err := ref.build()
	if err != nil {
		return nil, err
	}
	c[id] = t
	return t, nil
}

type smstRootCase struct {
	Name string `json:"name"`
	smstTrieRef
	Root  Hex    `json:"root"`
	Sum   string `json:"sum"`
	Count string `json:"count"`
}

func verifySmstRoots(raw json.RawMessage) (int, error) {
	cases, err := decodeCases[smstRootCase](raw)
	if err != nil {
		return 0, err
	}
	for _, c := range cases {
		t, err := c.build()
		if err != nil {
			return 0, fmt.Errorf("%s: %w", c.Name, err)
		}
		if !bytes.Equal(t.Root(), c.Root) {
			return 0, fmt.Errorf("%s: root %x, Go computes %x", c.Name, []byte(c.Root), []byte(t.Root()))
		}
		if strconv.FormatUint(t.MustSum(), 10) != c.Sum || strconv.FormatUint(t.MustCount(), 10) != c.Count {
			return 0, fmt.Errorf("%s: sum/count %s/%s, Go reads %d/%d", c.Name, c.Sum, c.Count, t.MustSum(), t.MustCount())
		}
	}
	return len(cases), nil
}

type smstProofCase struct {
	Name   string      `json:"name"`
	Trie   smstTrieRef `json:"trie"`
	Root   Hex         `json:"root"`
	Proofs []struct {
		Path Hex `json:"path"`
		Gob  Hex `json:"gob"`
	} `json:"proofs"`
}

// verifySmstProofs: each TypeScript gob proof is exactly Go's encoding of the proof it carries,
// verifies against the trie's root with VerifyClosestProof, and is the proof Go's ProveClosest
// makes for the path (byte for byte where Go's trie has had no deletes).
func verifySmstProofs(raw json.RawMessage) (int, error) {
	cases, err := decodeCases[smstProofCase](raw)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cases {
		t, err := c.Trie.build()
		if err != nil {
			return 0, fmt.Errorf("%s: %w", c.Name, err)
		}
		if !bytes.Equal(t.Root(), c.Root) {
			return 0, fmt.Errorf("%s: root %x, Go computes %x", c.Name, []byte(c.Root), []byte(t.Root()))
		}
		for i, pc := range c.Proofs {
			if err := checkTsProof(t, c.Trie.hasDeletes(), c.Root, pc.Path, pc.Gob); err != nil {
				return 0, fmt.Errorf("%s/%d: %w", c.Name, i, err)
			}
			n++
		}
	}
	return n, nil
}

func checkTsProof(t *smt.SMST, deletes bool, root, path, gob []byte) error {
	v, p := judgeGob(gob, root)
	if !v.Valid {
		return fmt.Errorf("Go does not accept the proof (%+v)", v)
	}
	if !isCanonicalGob(gob) {
		return fmt.Errorf("the gob bytes are not what Go's encoder writes for this proof")
	}
	if !bytes.Equal(p.Path, path) {
		return fmt.Errorf("proof path %x, want %x", p.Path, path)
	}
	want, panicked, err := proveClosestSafely(t, path)
	if err != nil {
		return err
	}
	if panicked {
		return nil // smt cannot prove this path; the proof verified above
	}
	if !sameClosestProof(p, want) {
		return fmt.Errorf("the proof differs from Go's ProveClosest")
	}
	if deletes {
		return nil // Go's SiblingData may describe the same sibling differently
	}
	cw, err := smt.CompactClosestProof(want, t.Spec())
	if err != nil {
		return err
	}
	bz, err := cw.Marshal()
	if err != nil {
		return err
	}
	if !bytes.Equal(bz, gob) {
		return fmt.Errorf("gob differs from Go's for the same path")
	}
	return nil
}

type smstFuzzCase struct {
	Name string      `json:"name"`
	Trie smstTrieRef `json:"trie"`
	Root Hex         `json:"root"`
	Gob  Hex         `json:"gob"`
	// TypeScript's verdicts: decodeClosestProof + decompactClosestProof succeeded; then
	// verifyClosestProof, default and strict.
	Decoded bool `json:"decoded"`
	Valid   bool `json:"valid"`
	Closest bool `json:"closest"`
	// Digest binds the case: sha256(gob ‖ root ‖ decoded ‖ valid ‖ closest), booleans as bytes.
	Digest Hex `json:"digest"`
}

// verifySmstFuzz compares TypeScript's verdicts on fuzzed proofs with the chain's code:
// same acceptance wherever TypeScript decodes, and TypeScript rejects a stream Go accepts
// only when no gob encoder would write that stream.
func verifySmstFuzz(raw json.RawMessage) (int, error) {
	cases, err := decodeCases[smstFuzzCase](raw)
	if err != nil {
		return 0, err
	}
	tries := trieCache{}
	for _, c := range cases {
		flags := []byte{b2i(c.Decoded), b2i(c.Valid), b2i(c.Closest)}
		d := sha256.Sum256(append(append(append([]byte{}, c.Gob...), c.Root...), flags...))
		if !bytes.Equal(d[:], c.Digest) {
			return 0, fmt.Errorf("%s: digest mismatch", c.Name)
		}
		t, err := tries.get(c.Trie)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", c.Name, err)
		}
		if !bytes.Equal(t.Root(), c.Root) {
			return 0, fmt.Errorf("%s: root is not the trie's", c.Name)
		}
		v, p := judgeGob(c.Gob, c.Root)
		closest := false
		if v.Valid {
			want, panicked, err := proveClosestSafely(t, p.Path)
			closest = err == nil && !panicked && sameClosestProof(p, want)
		}
		switch {
		case c.Decoded && !v.Decompacted:
			return 0, fmt.Errorf("%s: TypeScript decodes a proof Go rejects (%+v)", c.Name, v)
		case c.Decoded && c.Valid != v.Valid:
			return 0, fmt.Errorf("%s: TypeScript says valid=%v, Go says %v", c.Name, c.Valid, v.Valid)
		case c.Decoded && c.Closest != closest:
			return 0, fmt.Errorf("%s: TypeScript strict says %v, Go's ProveClosest says %v", c.Name, c.Closest, closest)
		case !c.Decoded && (c.Valid || c.Closest):
			return 0, fmt.Errorf("%s: verdict without a decoded proof", c.Name)
		case !c.Decoded && v.Valid && isCanonicalGob(c.Gob):
			return 0, fmt.Errorf("%s: TypeScript rejects a canonical gob proof that Go accepts", c.Name)
		}
	}
	return len(cases), nil
}

func b2i(b bool) byte {
	if b {
		return 1
	}
	return 0
}

type smstMiningCase struct {
	Type string `json:"type"` // relay, path, claim
	// relay
	Relay   Hex  `json:"relay,omitempty"`
	Hash    Hex  `json:"hash,omitempty"`
	Minable bool `json:"minable,omitempty"`
	// relay, claim
	Target        Hex    `json:"target,omitempty"`
	MultiplierNum string `json:"multiplierNum,omitempty"`
	MultiplierDen string `json:"multiplierDen,omitempty"`
	// path
	BlockHash Hex    `json:"blockHash,omitempty"`
	SessionID string `json:"sessionId,omitempty"`
	Path      Hex    `json:"path,omitempty"`
	// claim
	ComputeUnits                   string `json:"computeUnits,omitempty"`
	ComputeUnitsToTokensMultiplier string `json:"computeUnitsToTokensMultiplier,omitempty"`
	ComputeUnitCostGranularity     string `json:"computeUnitCostGranularity,omitempty"`
	Upokt                          string `json:"upokt,omitempty"`
}

func verifySmstMining(raw json.RawMessage) (int, error) {
	cases, err := decodeCases[smstMiningCase](raw)
	if err != nil {
		return 0, err
	}
	for i, c := range cases {
		fail := func(format string, args ...any) (int, error) {
			return 0, fmt.Errorf("case %d (%s): %s", i, c.Type, fmt.Sprintf(format, args...))
		}
		checkMultiplier := func() bool {
			m, ok := safeMultiplier(c.Target)
			if !ok {
				return c.MultiplierNum == "" && c.MultiplierDen == ""
			}
			return m.Num().String() == c.MultiplierNum && m.Denom().String() == c.MultiplierDen
		}
		switch c.Type {
		case "relay":
			h := protocol.GetRelayHashFromBytes(c.Relay)
			if !bytes.Equal(h[:], c.Hash) {
				return fail("relay hash %x, Go computes %x", []byte(c.Hash), h)
			}
			if protocol.IsRelayVolumeApplicable(h[:], c.Target) != c.Minable {
				return fail("minable %v disagrees with Go", c.Minable)
			}
			if !checkMultiplier() {
				return fail("difficulty multiplier %s/%s disagrees with Go", c.MultiplierNum, c.MultiplierDen)
			}
		case "path":
			if p := protocol.GetPathForProof(c.BlockHash, c.SessionID); !bytes.Equal(p, c.Path) {
				return fail("proof path %x, Go computes %x", []byte(c.Path), p)
			}
		case "claim":
			cu, err1 := strconv.ParseUint(c.ComputeUnits, 10, 64)
			m, err2 := strconv.ParseUint(c.ComputeUnitsToTokensMultiplier, 10, 64)
			g, err3 := strconv.ParseUint(c.ComputeUnitCostGranularity, 10, 64)
			if err1 != nil || err2 != nil || err3 != nil {
				return fail("bad number")
			}
			u, ok := claimedUpokt(cu, c.Target, m, g)
			if !ok {
				u = ""
			}
			if u != c.Upokt {
				return fail("claimed uPOKT %q, Go computes %q", c.Upokt, u)
			}
			if !checkMultiplier() {
				return fail("difficulty multiplier %s/%s disagrees with Go", c.MultiplierNum, c.MultiplierDen)
			}
		default:
			return fail("unknown case type")
		}
	}
	return len(cases), nil
}
