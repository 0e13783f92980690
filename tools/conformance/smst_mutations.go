package main

// Verdicts of the chain's code (gob Unmarshal, DecompactClosestProof, VerifyClosestProof with
// poktroll's spec) on valid, mutated and malformed closest proofs. They pin down what the
// chain accepts, including what it accepts without the proof being the closest one.

import (
	"bytes"
	"fmt"
	"math/rand"

	"github.com/pokt-network/smt"
)

func genSmstVerify(r *rand.Rand, tries map[string]*smt.SMST) ([]smstVerifyVec, error) {
	var out []smstVerifyVec
	add := func(name, note, trie string, bz, root []byte) {
		v := smstVerifyVec{Name: name, Note: note, Trie: trie, Gob: bz, Root: root}
		var p *smt.SparseMerkleClosestProof
		v.goVerdict, p = judgeGob(bz, root)
		v.Canonical = isCanonicalGob(bz)
		if v.Valid {
			want, panicked, err := proveClosestSafely(tries[trie], p.Path)
			v.Closest = err == nil && !panicked && sameClosestProof(p, want)
		}
		out = append(out, v)
	}
	marshal := func(c *smt.SparseCompactMerkleClosestProof) []byte {
		bz, err := c.Marshal()
		if err != nil {
			panic(err)
		}
		return bz
	}
	// base returns a fresh compact closest proof (deep enough to mutate freely).
	base := func(trie string, path []byte) (*smt.SparseCompactMerkleClosestProof, *smt.SparseMerkleClosestProof, error) {
		t := tries[trie]
		p, panicked, err := proveClosestSafely(t, path)
		if err != nil || panicked {
			return nil, nil, fmt.Errorf("%s: no proof (panicked=%v): %v", trie, panicked, err)
		}
		c, err := smt.CompactClosestProof(p, t.Spec())
		if err != nil {
			return nil, nil, err
		}
		// Round-trip through gob for an independent copy.
		cc := &smt.SparseCompactMerkleClosestProof{}
		if err := cc.Unmarshal(marshal(c)); err != nil {
			return nil, nil, err
		}
		return cc, p, nil
	}
	deepPath := func(trie string, minDepth int) []byte {
		for {
			path := randBytes(r, 32)
			p, panicked, err := proveClosestSafely(tries[trie], path)
			if err == nil && !panicked && p.Depth >= minDepth && p.ClosestProof.SiblingData != nil {
				return path
			}
		}
	}

	// Well-formed proofs.
	for _, trie := range []string{"upstream-prove-closest", "mixed-120", "seeded-2000", "one-leaf", "empty", "wrapping-sums"} {
		for i := 0; i < 2; i++ {
			c, _, err := base(trie, randBytes(r, 32))
			if err != nil {
				return nil, err
			}
			add(fmt.Sprintf("valid/%s/%d", trie, i), "", trie, marshal(c), tries[trie].Root())
		}
	}

	trie := "mixed-120"
	root := tries[trie].Root()
	path := deepPath(trie, 6)
	fresh := func() *smt.SparseCompactMerkleClosestProof {
		c, _, err := base(trie, path)
		if err != nil {
			panic(err)
		}
		return c
	}
	_, full, err := base(trie, path)
	if err != nil {
		return nil, err
	}
	depth := full.Depth

	// Roots that do not match.
	badRoot := append([]byte{}, root...)
	badRoot[3] ^= 0x40
	add("root/hash-byte-flipped", "", trie, marshal(fresh()), badRoot)
	add("root/other-trie", "", trie, marshal(fresh()), tries["mixed-120"].Root())
	add("root/sum-changed", "", trie, marshal(fresh()), append(append([]byte{}, root[:39]...), root[39]^1, root[40], root[41], root[42], root[43], root[44], root[45], root[46], root[47]))
	add("root/short", "", trie, marshal(fresh()), root[:47])
	emptyProof, _, err := base("empty", randBytes(r, 32))
	if err != nil {
		return nil, err
	}
	add("empty-proof/nonempty-root", "the empty trie's proof against a non-empty root", trie, marshal(emptyProof), root)

	// What the chain accepts without the proof being the closest one.
	c := fresh()
	c.Depth, c.FlippedBits = []byte{0}, nil
	add("quirk/depth-zero", "Depth 0 and no flipped bits: the prefix check is empty, any leaf of the trie verifies", trie, marshal(c), root)
	{
		// A proof for a path P that proves some other leaf: the leaf of an unrelated path.
		other, _, err := base(trie, deepPath(trie, 6))
		if err != nil {
			return nil, err
		}
		other.Path, other.Depth, other.FlippedBits = path, []byte{0}, nil
		add("quirk/depth-zero-other-leaf", "Depth 0 proof for path P proving a leaf far from P", trie, marshal(other), root)
	}
	c = fresh()
	c.FlippedBits = append(c.FlippedBits, intToBytesGo(depth))
	add("quirk/flipped-bit-at-depth", "a flipped bit equal to Depth passes (b <= Depth) and flips nothing checked", trie, marshal(c), root)
	c = fresh()
	c.Depth = intToBytesGo(depth + 1)
	add("quirk/depth-plus-one", "Depth is not tied to the number of side nodes", trie, marshal(c), root)
	c = fresh()
	c.Depth = intToBytesGo(depth - 1)
	add("quirk/depth-minus-one", "", trie, marshal(c), root)
	c = fresh()
	c.ClosestPath = append(append([]byte{}, c.ClosestPath...), 0xaa)
	add("quirk/closest-path-33-bytes", "only the first 32 bytes of ClosestPath are used", trie, marshal(c), root)
	c = fresh()
	c.ClosestProof.NonMembershipLeafData = randBytes(r, 40)
	add("quirk/membership-with-leaf-data", "NonMembershipLeafData is ignored by a membership proof", trie, marshal(c), root)
	c = fresh()
	c.ClosestProof.SiblingData = nil
	add("sibling-data/absent", "SiblingData is optional", trie, marshal(c), root)
	c = fresh()
	c.ClosestProof.SideNodes[0] = append(append([]byte{}, c.ClosestProof.SideNodes[0]...), 0x01)
	c.ClosestProof.SiblingData = nil
	add("quirk/side-node-49-bytes", "without SiblingData side nodes are cut to 48 bytes, not checked", trie, marshal(c), root)
	c = fresh()
	c.ClosestProof.SideNodes[0] = append(append([]byte{}, c.ClosestProof.SideNodes[0]...), 0x01)
	add("side-node-49-bytes-with-sibling-data", "with SiblingData every side node must be 48 bytes", trie, marshal(c), root)
	{
		// Non-membership of an unrelated path, dressed up as a closest proof: an empty value with
		// sum 0 switches VerifySumProof to a non-membership proof using NonMembershipLeafData.
		_, leaf, err := base(trie, deepPath(trie, 6))
		if err != nil {
			return nil, err
		}
		lp, _ := smt.CompactClosestProof(leaf, tries[trie].Spec())
		nm := append([]byte{0}, leaf.ClosestPath...)
		nm = append(nm, leaf.ClosestValueHash...)
		cp := append([]byte{}, leaf.ClosestPath...)
		cp[31] ^= 1
		lp.ClosestPath = cp
		lp.Path = path
		lp.Depth, lp.FlippedBits = []byte{0}, nil
		lp.ClosestValueHash = make([]byte, 16)
		lp.ClosestProof.NonMembershipLeafData = nm
		lp.ClosestProof.SiblingData = nil
		add("quirk/non-membership", "ClosestValueHash of 16 zero bytes: verifies as a non-membership proof via NonMembershipLeafData", trie, marshal(lp), root)
	}

	// Proofs that must fail.
	c = fresh()
	c.ClosestProof.SideNodes[len(c.ClosestProof.SideNodes)-1][5] ^= 1
	add("side-node-byte-flipped", "", trie, marshal(c), root)
	c = fresh()
	c.ClosestProof.SiblingData[len(c.ClosestProof.SiblingData)-20] ^= 1
	add("sibling-data-corrupted", "", trie, marshal(c), root)
	c = fresh()
	c.ClosestValueHash[len(c.ClosestValueHash)-1] ^= 2
	add("value/count-changed", "", trie, marshal(c), root)
	c = fresh()
	c.ClosestValueHash[0] ^= 0x80
	add("value/relay-byte-changed", "", trie, marshal(c), root)
	c = fresh()
	c.ClosestValueHash = c.ClosestValueHash[:10]
	add("value/shorter-than-16", "Go panics on the negative slice index", trie, marshal(c), root)
	c = fresh()
	c.ClosestPath[0] ^= 0x80
	add("closest-path/first-bit", "", trie, marshal(c), root)
	c = fresh()
	c.ClosestPath = c.ClosestPath[:1]
	add("closest-path/one-byte", "Go panics", trie, marshal(c), root)
	c = fresh()
	c.Path = c.Path[:31]
	add("path/31-bytes", "", trie, marshal(c), root)
	c = fresh()
	c.Path[0] ^= 0x80
	add("path/first-bit", "the path no longer leads to the closest leaf", trie, marshal(c), root)
	c = fresh()
	c.Depth = []byte{1, 0, 0}
	add("depth/three-bytes", "", trie, marshal(c), root)
	c = fresh()
	c.Depth = []byte{1, 1}
	add("depth/257", "", trie, marshal(c), root)
	c = fresh()
	c.FlippedBits = [][]byte{{0, 0, 1}}
	add("flipped-bits/three-bytes", "", trie, marshal(c), root)
	c = fresh()
	c.Depth, c.FlippedBits = []byte{1, 0}, [][]byte{{1, 0}}
	add("flipped-bits/256", "flipping bit 256 of a 32-byte path: Go panics", trie, marshal(c), root)
	c = fresh()
	c.ClosestProof.NonMembershipLeafData = randBytes(r, 10)
	add("leaf-data/too-short", "", trie, marshal(c), root)
	c = fresh()
	c.ClosestProof = nil
	add("closest-proof/nil", "Go dereferences the nil pointer", trie, marshal(c), root)
	c = fresh()
	c.ClosestProof.NumSideNodes = 257
	add("compact/257-side-nodes", "", trie, marshal(c), root)
	c = fresh()
	c.ClosestProof.NumSideNodes++
	add("compact/num-side-nodes-off-by-one", "", trie, marshal(c), root)
	c = fresh()
	c.ClosestProof.BitMask = append(c.ClosestProof.BitMask, 0)
	add("compact/bit-mask-too-long", "", trie, marshal(c), root)
	{
		// Mask bits past NumSideNodes count as placeholders, so the side nodes run out: with 9
		// side nodes and mask bits 9..15 set, 2 side nodes pass the count check but 9 are read.
		c = fresh()
		c.ClosestProof.NumSideNodes = 9
		c.ClosestProof.BitMask = []byte{0x00, 0x7f}
		c.ClosestProof.SideNodes = [][]byte{root, root}
		add("compact/mask-bits-past-the-end", "Go indexes past the side nodes and panics", trie, marshal(c), root)
	}

	// Raw gob damage.
	good := marshal(fresh())
	add("gob/trailing-byte", "Go's decoder ignores bytes after the value", trie, append(append([]byte{}, good...), 0), root)
	add("gob/empty", "", trie, []byte{}, root)
	for _, n := range []int{1, 2, 50, 140, len(good) / 2, len(good) - 1} {
		add(fmt.Sprintf("gob/truncated-%d", n), "", trie, good[:n], root)
	}
	renamed := bytes.Replace(good, []byte("SiblingData"), []byte("SiblingDatx"), 1)
	add("gob/unknown-field", "Go skips fields it does not know: SiblingData is dropped", trie, renamed, root)
	renamed = bytes.Replace(good, []byte("Depth"), []byte("Deptx"), 1)
	add("gob/unknown-field-depth", "Depth dropped, so 0: the depth-zero quirk again", trie, renamed, root)
	renamed = bytes.Replace(good, []byte("SparseCompactMerkleProof"), []byte("SomethingElseEntirely123"), 1)
	add("gob/type-name-changed", "Go ignores type names", trie, renamed, root)
	for i := 0; i < 24; i++ {
		bz := append([]byte{}, good...)
		pos := r.Intn(len(bz))
		bz[pos] ^= 1 << uint(r.Intn(8))
		add(fmt.Sprintf("gob/bit-flip-%d", pos), "", trie, bz, root)
	}
	return out, nil
}

func intToBytesGo(i int) []byte {
	if i == 0 {
		return []byte{0}
	}
	var out []byte
	for ; i > 0; i >>= 8 {
		out = append([]byte{byte(i)}, out...)
	}
	return out
}

func popcount(b []byte) int {
	n := 0
	for _, x := range b {
		for ; x != 0; x &= x - 1 {
			n++
		}
	}
	return n
}
