package main

// Relay-mining math of @decai/relay-mining, computed with poktroll's own functions: relay hash,
// the difficulty check, proof path, difficulty probability and multiplier, sum-root readers and
// a claim's value in uPOKT.

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"math/rand"
	"strconv"

	"github.com/pokt-network/poktroll/pkg/crypto/protocol"
	prooftypes "github.com/pokt-network/poktroll/x/proof/types"
	servicetypes "github.com/pokt-network/poktroll/x/service/types"
	sessiontypes "github.com/pokt-network/poktroll/x/session/types"
	sharedtypes "github.com/pokt-network/poktroll/x/shared/types"
	"github.com/pokt-network/smt"
)

type miningRelayVec struct {
	Relay   Hex  `json:"relay"`
	Hash    Hex  `json:"hash"`
	Target  Hex  `json:"target"`
	Minable bool `json:"minable"`
}

type miningTargetVec struct {
	Target Hex `json:"target"`
	// Probability = target / (2^256 - 1) and multiplier = its inverse, reduced; the multiplier
	// of a zero target is a division by zero ("" here).
	ProbabilityNum string `json:"probabilityNum"`
	ProbabilityDen string `json:"probabilityDen"`
	MultiplierNum  string `json:"multiplierNum"`
	MultiplierDen  string `json:"multiplierDen"`
}

type miningPathVec struct {
	BlockHash Hex    `json:"blockHash"`
	SessionID string `json:"sessionId"`
	Path      Hex    `json:"path"`
}

type miningRootVec struct {
	Root  Hex    `json:"root"`
	Valid bool   `json:"valid"`
	Sum   string `json:"sum,omitempty"`
	Count string `json:"count,omitempty"`
}

type miningClaimVec struct {
	ComputeUnits                   string `json:"computeUnits"`
	Target                         Hex    `json:"target"`
	ComputeUnitsToTokensMultiplier string `json:"computeUnitsToTokensMultiplier"`
	ComputeUnitCostGranularity     string `json:"computeUnitCostGranularity"`
	// Upokt is "" when Go returns an error or panics.
	Upokt string `json:"upokt"`
}

type miningVectors struct {
	Relays  []miningRelayVec  `json:"relays"`
	Targets []miningTargetVec `json:"targets"`
	Paths   []miningPathVec   `json:"paths"`
	Roots   []miningRootVec   `json:"roots"`
	Claims  []miningClaimVec  `json:"claims"`
}

func init() {
	registerGenerator("smst_mining", generator{
		file:          "packages/relay-mining/test/vectors/relay-mining.json",
		deterministic: true,
		run:           genMining,
	})
}

func genMining(r *rand.Rand) (any, error) {
	var out miningVectors
	targets := [][]byte{
		protocol.BaseRelayDifficultyHashBz,
		targetWithLeadingZeroBits(1), targetWithLeadingZeroBits(2), targetWithLeadingZeroBits(8),
		targetWithLeadingZeroBits(13), targetWithLeadingZeroBits(255), make([]byte, 32),
		{0x00, 0x00, 0xff}, {0xff},
	}
	for i := 0; i < 6; i++ {
		t := randBytes(r, 32)
		t[0] >>= uint(r.Intn(8))
		targets = append(targets, t)
	}
	for i := 0; i < 24; i++ {
		relay := randBytes(r, r.Intn(300))
		hash := protocol.GetRelayHashFromBytes(relay)
		target := targets[i%len(targets)]
		if i%5 == 4 {
			target = append([]byte{}, hash[:]...) // equal is not minable
		}
		out.Relays = append(out.Relays, miningRelayVec{Relay: relay, Hash: hash[:], Target: target, Minable: protocol.IsRelayVolumeApplicable(hash[:], target)})
	}
	for _, t := range targets {
		v := miningTargetVec{Target: t}
		p := protocol.GetRelayDifficultyProbability(t)
		v.ProbabilityNum, v.ProbabilityDen = p.Num().String(), p.Denom().String()
		if m, ok := safeMultiplier(t); ok {
			v.MultiplierNum, v.MultiplierDen = m.Num().String(), m.Denom().String()
		}
		out.Targets = append(out.Targets, v)
	}
	for i := 0; i < 6; i++ {
		block := randBytes(r, 32)
		id := fmt.Sprintf("%x", randBytes(r, 32))
		if i == 0 {
			block, id = nil, ""
		}
		out.Paths = append(out.Paths, miningPathVec{BlockHash: block, SessionID: id, Path: protocol.GetPathForProof(block, id)})
	}
	for _, n := range []int{48, 48, 48, 16, 17, 20, 47, 49, 80, 0} {
		root := randBytes(r, n)
		v := miningRootVec{Root: root}
		sum, errS := smt.MerkleSumRoot(root).Sum()
		count, errC := smt.MerkleSumRoot(root).Count()
		if errS == nil && errC == nil {
			v.Valid, v.Sum, v.Count = true, strconv.FormatUint(sum, 10), strconv.FormatUint(count, 10)
		}
		out.Roots = append(out.Roots, v)
	}
	type params struct{ cu, cuttm, gran uint64 }
	cases := []params{
		{1000, 42, 1}, {123456, 1_000_000, 1_000_000}, {7, 3, 1_000_000}, {1 << 63, 1 << 40, 3}, {0, 5, 1},
		{1000, 42, 0}, {1000, 1<<63 + 1, 1}, {1000, 1<<63 + 1, 1<<63 + 7}, {1<<64 - 1, 1<<63 - 1, 1},
	}
	for i := 0; i < 8; i++ {
		cases = append(cases, params{r.Uint64() >> uint(r.Intn(64)), uint64(r.Int63n(1e9)), uint64(1 + r.Int63n(1e7))})
	}
	for i, c := range cases {
		target := targets[i%len(targets)]
		v := miningClaimVec{
			ComputeUnits: strconv.FormatUint(c.cu, 10), Target: target,
			ComputeUnitsToTokensMultiplier: strconv.FormatUint(c.cuttm, 10), ComputeUnitCostGranularity: strconv.FormatUint(c.gran, 10),
		}
		if u, ok := claimedUpokt(c.cu, target, c.cuttm, c.gran); ok {
			v.Upokt = u
		}
		out.Claims = append(out.Claims, v)
	}
	return out, nil
}

// targetWithLeadingZeroBits is 2^(256-bits) - 1 as 32 bytes.
func targetWithLeadingZeroBits(bits int) []byte {
	v := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(256-bits)), big.NewInt(1))
	return v.FillBytes(make([]byte, 32))
}

func safeMultiplier(target []byte) (m *big.Rat, ok bool) {
	defer func() {
		if recover() != nil {
			m, ok = nil, false
		}
	}()
	return protocol.GetRelayDifficultyMultiplier(target), true
}

// claimedUpokt runs poktroll's Claim.GetClaimeduPOKT on a claim whose root carries `sum`.
func claimedUpokt(sum uint64, target []byte, cuttm, granularity uint64) (u string, ok bool) {
	defer func() {
		if recover() != nil {
			u, ok = "", false
		}
	}()
	root := make([]byte, 48)
	binary.BigEndian.PutUint64(root[32:40], sum)
	binary.BigEndian.PutUint64(root[40:48], 1)
	claim := prooftypes.Claim{SessionHeader: &sessiontypes.SessionHeader{ServiceId: "svc"}, RootHash: root}
	params := sharedtypes.DefaultParams()
	params.ComputeUnitsToTokensMultiplier = cuttm
	params.ComputeUnitCostGranularity = granularity
	coin, err := claim.GetClaimeduPOKT(params, servicetypes.RelayMiningDifficulty{ServiceId: "svc", TargetHash: target})
	if err != nil {
		return "", false
	}
	return coin.Amount.String(), true
}
