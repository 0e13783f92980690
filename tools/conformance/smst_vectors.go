package main

// Vectors for @decai/relay-mining's sparse Merkle sum trie: roots after scripted operations,
// closest proofs with their compact form and gob bytes, and the verdicts the chain's code
// reaches on well-formed, mutated and malformed proofs.

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand"
	"strconv"

	"github.com/pokt-network/smt"
)

type smstTrieVec struct {
	Name string   `json:"name"`
	Note string   `json:"note,omitempty"`
	Ops  []smstOp `json:"ops"`
	// Root, Sum and Count after all ops.
	Root    Hex          `json:"root"`
	Sum     string       `json:"sum"`
	Count   string       `json:"count"`
	Gets    []smstGetVec `json:"gets"`
	Closest []closestVec `json:"closest"`
}

type smstGetVec struct {
	Key    Hex    `json:"key"`
	Found  bool   `json:"found"`
	Value  Hex    `json:"value,omitempty"`
	Weight string `json:"weight,omitempty"`
}

type smstSeededVec struct {
	Name  string     `json:"name"`
	Trie  seededTrie `json:"trie"` // Phases is the last phase; roots are given after each
	Roots []Hex      `json:"roots"`
	// Closest proofs on the trie after the last phase.
	Closest []closestVec `json:"closest"`
}

// smstVerifyVec is a (possibly mutated or malformed) gob proof and the chain's verdict on it.
type smstVerifyVec struct {
	Name string `json:"name"`
	Note string `json:"note,omitempty"`
	// Trie names the smstTrieVec or smstSeededVec whose final root the proof is checked against
	// (Root is that root, or a mutation of it).
	Trie string `json:"trie"`
	Gob  Hex    `json:"gob"`
	Root Hex    `json:"root"`
	goVerdict
	// Canonical: Gob is exactly what Go's encoder writes for the value it decodes to.
	Canonical bool `json:"canonical"`
	// Closest: Valid, and the proof is the one ProveClosest returns for its path (SiblingData
	// aside): what a verifier that enforces the "closest" property accepts.
	Closest bool `json:"closest"`
}

type smstVectors struct {
	Tries  []smstTrieVec   `json:"tries"`
	Seeded []smstSeededVec `json:"seeded"`
	Verify []smstVerifyVec `json:"verify"`
}

func init() {
	registerGenerator("smst", generator{
		file:          "packages/relay-mining/test/vectors/smst.json",
		deterministic: true,
		run:           genSmst,
	})
}

func genSmst(r *rand.Rand) (any, error) {
	var out smstVectors
	tries := map[string]*smt.SMST{}
	addTrie := func(name, note string, ops []smstOp, paths [][]byte) error {
		t := newSmst()
		if err := applySmstOps(t, ops); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		tries[name] = t
		v := smstTrieVec{Name: name, Note: note, Ops: ops, Root: Hex(t.Root())}
		v.Sum = strconv.FormatUint(t.MustSum(), 10)
		v.Count = strconv.FormatUint(t.MustCount(), 10)
		for i, op := range ops {
			if i < 12 || op.Op == "delete" && i%4 == 0 {
				v.Gets = append(v.Gets, getVec(t, op.Key))
			}
		}
		v.Gets = append(v.Gets, getVec(t, randBytes(r, 32)))
		for _, p := range paths {
			c, err := renderClosest(t, p)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			v.Closest = append(v.Closest, c)
		}
		out.Tries = append(out.Tries, v)
		return nil
	}
	leafPath := func(key []byte, flip ...int) []byte {
		p := sha256.Sum256(key)
		for _, b := range flip {
			p[b/8] ^= 1 << (7 - uint(b%8))
		}
		return p[:]
	}
	randomPaths := func(n int) [][]byte {
		var ps [][]byte
		for i := 0; i < n; i++ {
			ps = append(ps, randBytes(r, 32))
		}
		return ps
	}

	// 0, 1, 2 leaves.
	if err := addTrie("empty", "", nil, [][]byte{make([]byte, 32), randBytes(r, 32)}); err != nil {
		return nil, err
	}
	one := []smstOp{upd([]byte("foo"), []byte("oof"), 3)}
	if err := addTrie("one-leaf", "", one, append(randomPaths(2), leafPath([]byte("foo")))); err != nil {
		return nil, err
	}
	two := []smstOp{upd([]byte("foo"), []byte("oof"), 3), upd([]byte("bar"), []byte("rab"), 6)}
	if err := addTrie("two-leaves", "", two, append(randomPaths(3), leafPath([]byte("bar")))); err != nil {
		return nil, err
	}
	replaced := append(append([]smstOp{}, two...), upd([]byte("foo"), []byte("new value"), 17), upd([]byte("bar"), nil, 1))
	if err := addTrie("two-leaves-replaced", "updating a key replaces its leaf; an empty value is allowed", replaced, randomPaths(3)); err != nil {
		return nil, err
	}

	// smt's TestSMST_ProveClosest scenario.
	var upstream []smstOp
	for i, kv := range [][2]string{{"foo", "oof"}, {"bar", "rab"}, {"baz", "zab"}, {"bin", "nib"}, {"fiz", "zif"},
		{"fob", "bof"}, {"testKey", "testValue"}, {"testKey2", "testValue2"}, {"testKey3", "testValue3"}, {"testKey4", "testValue4"}} {
		upstream = append(upstream, upd([]byte(kv[0]), []byte(kv[1]), uint64(3*(i+1))))
	}
	if err := addTrie("upstream-prove-closest", "smt TestSMST_ProveClosest: testKey2 with bits 3,6 and 3,7 flipped", upstream,
		[][]byte{leafPath([]byte("testKey2"), 3, 6), leafPath([]byte("testKey2"), 3, 7), leafPath([]byte("testKey")), randBytes(r, 32), randBytes(r, 32)}); err != nil {
		return nil, err
	}

	// Ten random leaves, some replaced, some deleted (and one delete of a missing key).
	var ten []smstOp
	var tenKeys [][]byte
	for i := 0; i < 10; i++ {
		k := randBytes(r, 1+r.Intn(40))
		tenKeys = append(tenKeys, k)
		ten = append(ten, upd(k, randBytes(r, r.Intn(64)), uint64(r.Intn(100))))
	}
	ten = append(ten, upd(tenKeys[2], randBytes(r, 20), 99), upd(tenKeys[5], randBytes(r, 5), 1))
	ten = append(ten, del(tenKeys[7], true), del(tenKeys[3], true), del(randBytes(r, 32), false), del(tenKeys[7], false))
	if err := addTrie("ten-leaves", "with replacements and deletes", ten, append(randomPaths(6), leafPath(tenKeys[0]), leafPath(tenKeys[2], 0, 1))); err != nil {
		return nil, err
	}

	// Weights whose sums wrap around 2^64, as Go's uint64 arithmetic does.
	wrap := []smstOp{
		upd([]byte("a"), []byte("1"), 1<<64-1), upd([]byte("b"), []byte("2"), 1<<63), upd([]byte("c"), []byte("3"), 1<<63+5),
		upd([]byte("d"), []byte("4"), 0),
	}
	if err := addTrie("wrapping-sums", "sum wraps modulo 2^64", wrap, randomPaths(3)); err != nil {
		return nil, err
	}

	// A leaf with an empty value and weight 0 is stored as 16 bytes whose sum is 0: its own
	// closest proof then reads as a non-membership proof and does not verify.
	zero := []smstOp{upd([]byte("zero"), nil, 0), upd([]byte("one"), []byte("1"), 1), upd([]byte("empty"), nil, 5)}
	if err := addTrie("empty-value-weight-zero", "Go cannot prove the (\"zero\", \"\", 0) leaf", zero,
		[][]byte{leafPath([]byte("zero")), leafPath([]byte("empty")), leafPath([]byte("one"))}); err != nil {
		return nil, err
	}

	// Everything deleted again: back to the empty root.
	gone := []smstOp{upd([]byte("x"), []byte("1"), 1), upd([]byte("y"), []byte("2"), 2), upd([]byte("z"), []byte("3"), 3),
		del([]byte("y"), true), del([]byte("x"), true), del([]byte("z"), true)}
	if err := addTrie("all-deleted", "", gone, randomPaths(1)); err != nil {
		return nil, err
	}

	// Two leaves whose paths share a long prefix: a long chain of empty siblings above them.
	a, b := longPrefixPair(24)
	if err := addTrie("long-common-prefix", "paths share at least 24 leading bits", []smstOp{upd(a, []byte("a"), 1), upd(b, []byte("b"), 2), upd([]byte("c"), []byte("c"), 3)},
		[][]byte{leafPath(a), leafPath(a, 30), leafPath(b, 2, 5), randBytes(r, 32)}); err != nil {
		return nil, err
	}

	// smt bug: after this delete an extension sits above an inner node with an empty child, and
	// ProveClosest panics for paths that lead into the empty side ("depth != extNode.pathStart").
	x, y, z := keyWithPathPrefix(0, 0), keyWithPathPrefix(0, 1, 0), keyWithPathPrefix(0, 1, 1)
	if err := addTrie("prove-closest-panics", "Go panics in ProveClosest for paths starting 00", []smstOp{upd(x, []byte("x"), 1), upd(y, []byte("y"), 2), upd(z, []byte("z"), 3), del(x, true)},
		[][]byte{make([]byte, 32), leafPath(y), leafPath(z, 1)}); err != nil {
		return nil, err
	}

	// 120 random operations.
	var mixed []smstOp
	var live [][]byte
	for i := 0; i < 120; i++ {
		switch n := r.Intn(10); {
		case n < 6 || len(live) == 0:
			k := randBytes(r, 32)
			live = append(live, k)
			mixed = append(mixed, upd(k, randBytes(r, r.Intn(40)), uint64(r.Intn(1000))))
		case n < 8:
			mixed = append(mixed, upd(live[r.Intn(len(live))], randBytes(r, r.Intn(40)), uint64(r.Intn(1000))))
		default:
			j := r.Intn(len(live))
			mixed = append(mixed, del(live[j], true))
			live = append(live[:j], live[j+1:]...)
		}
	}
	if err := addTrie("mixed-120", "random updates, replacements and deletes", mixed, append(randomPaths(8), leafPath(live[0]), leafPath(live[1], 7))); err != nil {
		return nil, err
	}

	// Seeded large tries: only the rule and the roots are committed.
	for _, s := range []seededTrie{{Seed: []byte("decai-smst-10k"), N: 10000, Phases: 3}, {Seed: []byte("decai-smst-2k"), N: 2000, Phases: 3}} {
		name := fmt.Sprintf("seeded-%d", s.N)
		v := smstSeededVec{Name: name, Trie: s}
		var t *smt.SMST
		for phase := 1; phase <= s.Phases; phase++ {
			var err error
			t, err = buildSeeded(seededTrie{Seed: s.Seed, N: s.N, Phases: phase})
			if err != nil {
				return nil, err
			}
			v.Roots = append(v.Roots, Hex(t.Root()))
		}
		tries[name] = t
		for _, p := range append(randomPaths(4), sha256Sum(seededKey(s.Seed, 0)), sha256Sum(seededKey(s.Seed, 3))) {
			c, err := renderClosest(t, p)
			if err != nil {
				return nil, err
			}
			v.Closest = append(v.Closest, c)
		}
		out.Seeded = append(out.Seeded, v)
	}

	vs, err := genSmstVerify(r, tries)
	if err != nil {
		return nil, err
	}
	out.Verify = vs
	return out, nil
}

func upd(key, value []byte, weight uint64) smstOp {
	return smstOp{Op: "update", Key: key, Value: value, Weight: strconv.FormatUint(weight, 10)}
}

func del(key []byte, found bool) smstOp {
	return smstOp{Op: "delete", Key: key, Found: &found}
}

func getVec(t *smt.SMST, key []byte) smstGetVec {
	// SMST.Get cannot tell a missing key from an empty value of weight 0; the raw leaf value
	// (value ‖ weight ‖ count) can.
	raw, err := t.SMT.Get(key)
	if err != nil || len(raw) == 0 {
		return smstGetVec{Key: key}
	}
	v, w, _ := t.Get(key)
	return smstGetVec{Key: key, Found: true, Value: v, Weight: strconv.FormatUint(w, 10)}
}

func sha256Sum(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}

// keyWithPathPrefix returns the first key "k<i>" whose path starts with the given bits.
func keyWithPathPrefix(bits ...int) []byte {
	for i := 0; ; i++ {
		k := []byte("k" + strconv.Itoa(i))
		p := sha256.Sum256(k)
		ok := true
		for j, b := range bits {
			if int(p[j/8]>>(7-uint(j%8))&1) != b {
				ok = false
				break
			}
		}
		if ok {
			return k
		}
	}
}

// longPrefixPair returns two keys "p<i>" whose paths share at least `bits` leading bits.
func longPrefixPair(bits int) ([]byte, []byte) {
	seen := map[uint64][]byte{}
	for i := 0; ; i++ {
		k := []byte("p" + strconv.Itoa(i))
		p := sha256.Sum256(k)
		prefix := binary.BigEndian.Uint64(p[:8]) >> (64 - bits)
		if other, ok := seen[prefix]; ok {
			return other, k
		}
		seen[prefix] = k
	}
}
