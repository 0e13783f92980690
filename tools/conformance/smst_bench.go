package main

// Go reference timings for the sparse Merkle sum trie with smt's simplemap store, the same
// workload as packages/relay-mining/bench/smst.bench.ts: 100,000 leaves, 32-byte keys (relay
// hashes), 256-byte values (relays), weight 10.

import (
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/pokt-network/smt"
)

const (
	smstBenchLeaves    = 100_000
	smstBenchValueSize = 256
)

func init() {
	registerBench("smst", benchSmst)
}

func smstBenchLeaf(i int) (key, value []byte) {
	var be [4]byte
	binary.BigEndian.PutUint32(be[:], uint32(i))
	k := sha256.Sum256(be[:])
	value = make([]byte, smstBenchValueSize)
	for j := range value {
		value[j] = k[j%32] ^ byte(j)
	}
	return k[:], value
}

func benchSmst() []benchResult {
	keys := make([][]byte, smstBenchLeaves)
	values := make([][]byte, smstBenchLeaves)
	for i := range keys {
		keys[i], values[i] = smstBenchLeaf(i)
	}
	// Best of three fills, each into a fresh trie.
	fill := func(withRoot bool) (time.Duration, *smt.SMST) {
		var best time.Duration
		var t *smt.SMST
		for run := 0; run < 3; run++ {
			t = newSmst()
			start := time.Now()
			for i := range keys {
				if err := t.Update(keys[i], values[i], 10); err != nil {
					panic(err)
				}
			}
			if withRoot {
				t.Root()
			}
			if d := time.Since(start); run == 0 || d < best {
				best = d
			}
		}
		return best, t
	}
	result := func(name string, d time.Duration, ops int) benchResult {
		ns := float64(d.Nanoseconds()) / float64(ops)
		return benchResult{Name: name, Ops: ops, NsPerOp: ns, OpsPerSec: 1e9 / ns}
	}
	updateOnly, _ := fill(false)
	updateRoot, t := fill(true)
	paths := make([][]byte, 4096)
	for i := range paths {
		h := sha256.Sum256(append([]byte("path"), byte(i), byte(i>>8)))
		paths[i] = h[:]
	}
	spec := t.Spec()
	prove := timeOp("smst/prove-closest-gob", time.Second, func(i int) {
		p, err := t.ProveClosest(paths[i%len(paths)])
		if err != nil {
			panic(err)
		}
		c, err := smt.CompactClosestProof(p, spec)
		if err != nil {
			panic(err)
		}
		if _, err := c.Marshal(); err != nil {
			panic(err)
		}
	})
	proofs := make([][]byte, len(paths))
	for i, path := range paths {
		p, _ := t.ProveClosest(path)
		c, _ := smt.CompactClosestProof(p, spec)
		proofs[i], _ = c.Marshal()
	}
	root := t.Root()
	verify := timeOp("smst/verify-gob", time.Second, func(i int) {
		c := &smt.SparseCompactMerkleClosestProof{}
		if err := c.Unmarshal(proofs[i%len(proofs)]); err != nil {
			panic(err)
		}
		p, err := smt.DecompactClosestProof(c, spec)
		if err != nil {
			panic(err)
		}
		if ok, err := smt.VerifyClosestProof(p, root, spec); !ok || err != nil {
			panic("proof does not verify")
		}
	})
	return []benchResult{
		result("smst/update", updateOnly, smstBenchLeaves),
		result("smst/update+root", updateRoot, smstBenchLeaves),
		prove,
		verify,
	}
}
