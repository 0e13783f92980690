package main

// Shared helpers for the sparse Merkle sum trie (smt v0.14.1, as poktroll configures it):
// trie construction, the seeded leaf rule both languages implement, proof rendering and the
// verdict the chain's code reaches on a gob proof.

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/pokt-network/poktroll/pkg/crypto/protocol"
	"github.com/pokt-network/smt"
	"github.com/pokt-network/smt/kvstore/simplemap"
)

// newSmst is the trie poktroll's relayer builds: simplemap, SHA-256, values unhashed.
func newSmst() *smt.SMST {
	return smt.NewSparseMerkleSumTrie(simplemap.NewSimpleMap(), protocol.NewTrieHasher(), protocol.SMTValueHasher())
}

// Gob type ids are global to a Go process and assigned on first use. Encoding one proof while
// the package initializes pins them (64, 65, 66 when nothing else used gob first), so the gob
// bytes this binary writes do not depend on which generators or verifiers ran before.
var _ = func() int {
	if _, err := (&smt.SparseCompactMerkleClosestProof{}).Marshal(); err != nil {
		panic(err)
	}
	return 0
}()

// smstOp is one scripted trie operation. Weights travel as decimal strings (uint64).
type smstOp struct {
	Op     string `json:"op"` // "update" or "delete"
	Key    Hex    `json:"key"`
	Value  Hex    `json:"value,omitempty"`
	Weight string `json:"weight,omitempty"`
	// Found is what Delete reported (false: ErrKeyNotFound).
	Found *bool `json:"found,omitempty"`
}

func applySmstOps(t *smt.SMST, ops []smstOp) error {
	for i, op := range ops {
		switch op.Op {
		case "update":
			w, err := strconv.ParseUint(op.Weight, 10, 64)
			if err != nil {
				return fmt.Errorf("op %d: weight: %w", i, err)
			}
			if err := t.Update(op.Key, op.Value, w); err != nil {
				return fmt.Errorf("op %d: %w", i, err)
			}
		case "delete":
			err := t.Delete(op.Key)
			found := err == nil
			if err != nil && err != smt.ErrKeyNotFound {
				return fmt.Errorf("op %d: %w", i, err)
			}
			if op.Found != nil && *op.Found != found {
				return fmt.Errorf("op %d: delete found=%v, want %v", i, found, *op.Found)
			}
		default:
			return fmt.Errorf("op %d: unknown op %q", i, op.Op)
		}
	}
	return nil
}

// seededTrie describes a large trie by a rule both languages implement, instead of its leaves:
//
//	key_i    = sha256(seed ‖ be32(i))                                  for i in [0, n)
//	value_i  = (sha256(key_i ‖ 01) ‖ sha256(key_i ‖ 02))[: i mod 64]
//	weight_i = 1 + (i × 7919 mod 1000)
//	phase 1: update every key_i
//	phase 2: for i ≡ 0 (mod 3): update key_i to sha256(key_i ‖ 03)[:16] with weight_i + 1
//	phase 3: for i ≡ 1 (mod 5): delete key_i
type seededTrie struct {
	Seed Hex `json:"seed"`
	N    int `json:"n"`
	// Phases run (1 to 3).
	Phases int `json:"phases"`
}

func seededKey(seed []byte, i int) []byte {
	var be [4]byte
	binary.BigEndian.PutUint32(be[:], uint32(i))
	h := sha256.Sum256(append(append([]byte{}, seed...), be[:]...))
	return h[:]
}

func tagged(key []byte, tag byte) []byte {
	h := sha256.Sum256(append(append([]byte{}, key...), tag))
	return h[:]
}

func buildSeeded(s seededTrie) (*smt.SMST, error) {
	t := newSmst()
	for i := 0; i < s.N; i++ {
		k := seededKey(s.Seed, i)
		v := append(tagged(k, 1), tagged(k, 2)...)[:i%64]
		if err := t.Update(k, v, uint64(1+(i*7919)%1000)); err != nil {
			return nil, err
		}
	}
	if s.Phases >= 2 {
		for i := 0; i < s.N; i += 3 {
			k := seededKey(s.Seed, i)
			if err := t.Update(k, tagged(k, 3)[:16], uint64(2+(i*7919)%1000)); err != nil {
				return nil, err
			}
		}
	}
	if s.Phases >= 3 {
		for i := 1; i < s.N; i += 5 {
			if err := t.Delete(seededKey(s.Seed, i)); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

// closestVec is a closest proof in both its forms, with its gob bytes.
type closestVec struct {
	Path Hex `json:"path"`
	// GoPanics: smt's ProveClosest panicked for this path (the remaining fields are empty).
	GoPanics bool `json:"goPanics,omitempty"`
	// Unprovable: Go's own proof does not verify (a leaf with an empty value and weight 0
	// looks like a non-membership proof to VerifySumProof).
	Unprovable       bool  `json:"unprovable,omitempty"`
	FlippedBits      []int `json:"flippedBits"`
	Depth            int   `json:"depth"`
	ClosestPath      Hex   `json:"closestPath"`
	ClosestValueHash Hex   `json:"closestValueHash"`
	SideNodes        []Hex `json:"sideNodes"`
	SiblingData      Hex   `json:"siblingData"`
	// The compact form's mask; its side nodes are in Gob.
	BitMask      Hex `json:"bitMask"`
	NumSideNodes int `json:"numSideNodes"`
	Gob          Hex `json:"gob"`
}

func proveClosestSafely(t *smt.SMST, path []byte) (p *smt.SparseMerkleClosestProof, panicked bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, panicked, err = nil, true, nil
		}
	}()
	p, err = t.ProveClosest(path)
	return p, false, err
}

func renderClosest(t *smt.SMST, path []byte) (closestVec, error) {
	v := closestVec{Path: path}
	p, panicked, err := proveClosestSafely(t, path)
	if err != nil {
		return v, err
	}
	if panicked {
		v.GoPanics = true
		return v, nil
	}
	c, err := smt.CompactClosestProof(p, t.Spec())
	if err != nil {
		return v, err
	}
	bz, err := c.Marshal()
	if err != nil {
		return v, err
	}
	if ok, err := smt.VerifyClosestProof(p, t.Root(), t.Spec()); !ok || err != nil {
		v.Unprovable = true
	}
	v.FlippedBits = p.FlippedBits
	v.Depth = p.Depth
	v.ClosestPath = p.ClosestPath
	v.ClosestValueHash = p.ClosestValueHash
	v.SideNodes = hexes(p.ClosestProof.SideNodes)
	v.SiblingData = p.ClosestProof.SiblingData
	v.BitMask = c.ClosestProof.BitMask
	v.NumSideNodes = c.ClosestProof.NumSideNodes
	v.Gob = bz
	return v, nil
}

func hexes(bs [][]byte) []Hex {
	out := make([]Hex, len(bs))
	for i, b := range bs {
		out[i] = b
	}
	return out
}

// goVerdict is how far the chain's code gets with a gob proof against a claimed root.
type goVerdict struct {
	Decoded     bool `json:"decoded"`     // gob Unmarshal succeeded
	Decompacted bool `json:"decompacted"` // DecompactClosestProof succeeded
	Valid       bool `json:"valid"`       // VerifyClosestProof returned true without error
	Panicked    bool `json:"panicked"`    // a panic anywhere on the way
}

func judgeGob(bz, root []byte) (v goVerdict, proof *smt.SparseMerkleClosestProof) {
	defer func() {
		if r := recover(); r != nil {
			v.Panicked, v.Valid = true, false
		}
	}()
	spec := protocol.NewSMTSpec()
	c := &smt.SparseCompactMerkleClosestProof{}
	if err := c.Unmarshal(bz); err != nil {
		return v, nil
	}
	v.Decoded = true
	p, err := smt.DecompactClosestProof(c, spec)
	if err != nil {
		return v, nil
	}
	v.Decompacted = true
	ok, err := smt.VerifyClosestProof(p, root, spec)
	v.Valid = ok && err == nil
	return v, p
}

// isCanonicalGob: the bytes are exactly what Go's encoder writes for the value they decode to.
func isCanonicalGob(bz []byte) bool {
	c := &smt.SparseCompactMerkleClosestProof{}
	if err := c.Unmarshal(bz); err != nil {
		return false
	}
	again, err := c.Marshal()
	return err == nil && bytes.Equal(again, bz)
}

// sameClosestProof compares two closest proofs field by field. SiblingData is left out: it is
// optional, and after deletions Go may describe the same sibling with another encoding.
func sameClosestProof(a, b *smt.SparseMerkleClosestProof) bool {
	if a == nil || b == nil || a.ClosestProof == nil || b.ClosestProof == nil {
		return false
	}
	if !bytes.Equal(a.Path, b.Path) || a.Depth != b.Depth || !bytes.Equal(a.ClosestPath, b.ClosestPath) ||
		!bytes.Equal(a.ClosestValueHash, b.ClosestValueHash) || (a.ClosestValueHash == nil) != (b.ClosestValueHash == nil) ||
		len(a.FlippedBits) != len(b.FlippedBits) || len(a.ClosestProof.SideNodes) != len(b.ClosestProof.SideNodes) ||
		a.ClosestProof.NonMembershipLeafData != nil || b.ClosestProof.NonMembershipLeafData != nil {
		return false
	}
	for i := range a.FlippedBits {
		if a.FlippedBits[i] != b.FlippedBits[i] {
			return false
		}
	}
	for i := range a.ClosestProof.SideNodes {
		if !bytes.Equal(a.ClosestProof.SideNodes[i], b.ClosestProof.SideNodes[i]) {
			return false
		}
	}
	return true
}
