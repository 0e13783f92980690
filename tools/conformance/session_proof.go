package main

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand"
	"strconv"

	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/pokt-network/poktroll/pkg/crypto/protocol"
	prooftypes "github.com/pokt-network/poktroll/x/proof/types"
	servicetypes "github.com/pokt-network/poktroll/x/service/types"
	sessiontypes "github.com/pokt-network/poktroll/x/session/types"
	sharedtypes "github.com/pokt-network/poktroll/x/shared/types"
)

// Proof requirement vectors: the claimed uPOKT (Claim.GetClaimeduPOKT), the sample value
// (Claim.GetProofRequirementSampleValue) and the decision, composed exactly as
// x/proof's ProofRequirementForClaim composes them.

func init() {
	registerGenerator("proof-requirement", generator{
		file:          "packages/session/test/vectors/proof-requirement.json",
		deterministic: true,
		run:           genProofRequirement,
	})
}

type proofReqCase struct {
	RootHash                       Hex    `json:"rootHash"`
	TargetHash                     Hex    `json:"targetHash"`
	ComputeUnitsToTokensMultiplier string `json:"computeUnitsToTokensMultiplier"`
	ComputeUnitCostGranularity     string `json:"computeUnitCostGranularity"`
	// ClaimedUpokt is empty when the chain rejects the amount: Error is then "negative"
	// (ErrProofInvalidClaimedAmount) or "overflow" (math.Int panics above 256 bits).
	ClaimedUpokt              string `json:"claimedUpokt"`
	Error                     string `json:"error,omitempty"`
	ProofRequirementThreshold string `json:"proofRequirementThreshold"`
	ProofRequestProbability   string `json:"proofRequestProbability"`
	Claim                     Hex    `json:"claim"`
	ClaimHash                 Hex    `json:"claimHash"`
	SeedBlockHash             Hex    `json:"seedBlockHash"`
	SampleValue               string `json:"sampleValue"`
	Requirement               string `json:"requirement"`
}

func sessRandTarget(r *rand.Rand) []byte {
	switch r.Intn(5) {
	case 0, 1:
		return protocol.BaseRelayDifficultyHashBz
	case 2:
		t := randBytes(r, 32)
		zeros := r.Intn(31)
		for i := 0; i < zeros; i++ {
			t[i] = 0
		}
		if t[31] == 0 {
			t[31] = 1
		}
		return t
	case 3:
		t := make([]byte, 32)
		t[r.Intn(32)] = byte(1 + r.Intn(255))
		return t
	default:
		return randBytes(r, 32)
	}
}

func sessRandSum(r *rand.Rand) uint64 {
	switch r.Intn(6) {
	case 0:
		return 0
	case 1:
		return uint64(r.Intn(1000))
	case 2:
		return r.Uint64()
	case 3:
		return math.MaxUint64 - uint64(r.Intn(3))
	default:
		return uint64(r.Int63n(1 << 40))
	}
}

func genProofRequirement(r *rand.Rand) (any, error) {
	cases := make([]proofReqCase, 0, 1200)
	for len(cases) < 1200 {
		root := append(randBytes(r, 32), make([]byte, 16)...)
		binary.BigEndian.PutUint64(root[32:], sessRandSum(r))
		binary.BigEndian.PutUint64(root[40:], uint64(r.Int63n(1<<32)))
		serviceId := sessRandServiceId(r)
		start := 1 + r.Int63n(1_000_000)
		claim := prooftypes.Claim{
			SupplierOperatorAddress: sessRandAddress(r),
			SessionHeader: &sessiontypes.SessionHeader{
				ApplicationAddress:      sessRandAddress(r),
				ServiceId:               serviceId,
				SessionId:               hex.EncodeToString(randBytes(r, 32)),
				SessionStartBlockHeight: start,
				SessionEndBlockHeight:   start + int64(r.Intn(100)),
			},
			RootHash: root,
		}
		if r.Intn(20) == 0 {
			claim.SessionHeader = nil
		}
		if r.Intn(20) == 0 {
			claim.ProofValidationStatus = prooftypes.ClaimProofStatus(r.Intn(3))
		}
		shared := sharedtypes.Params{
			ComputeUnitsToTokensMultiplier: []uint64{42_000_000, 145_990, uint64(1 + r.Intn(100_000_000))}[r.Intn(3)],
			ComputeUnitCostGranularity:     []uint64{1, 1000, 1_000_000, uint64(1 + r.Intn(1_000_000))}[r.Intn(4)],
		}
		if r.Intn(25) == 0 {
			shared.ComputeUnitsToTokensMultiplier = r.Uint64() // int64 cast may turn it negative
		}
		difficulty := servicetypes.RelayMiningDifficulty{ServiceId: claim.GetSessionHeader().GetServiceId(), TargetHash: sessRandTarget(r)}

		c := proofReqCase{
			RootHash:                       root,
			TargetHash:                     difficulty.TargetHash,
			ComputeUnitsToTokensMultiplier: strconv.FormatUint(shared.ComputeUnitsToTokensMultiplier, 10),
			ComputeUnitCostGranularity:     strconv.FormatUint(shared.ComputeUnitCostGranularity, 10),
		}
		claimed, err, overflow := sessClaimedUpokt(&claim, shared, difficulty)
		if overflow {
			c.Error = "overflow"
			cases = append(cases, c)
			continue
		}
		if err != nil {
			if !prooftypes.ErrProofInvalidClaimedAmount.Is(err) {
				return nil, fmt.Errorf("claimed upokt: %w", err)
			}
			c.Error = "negative"
			cases = append(cases, c)
			continue
		}
		c.ClaimedUpokt = claimed.Amount.String()

		var threshold sdkmath.Int
		switch r.Intn(5) {
		case 0:
			threshold = claimed.Amount
		case 1:
			threshold = claimed.Amount.AddRaw(1)
		case 2:
			threshold = sdkmath.MaxInt(claimed.Amount.SubRaw(1), sdkmath.ZeroInt())
		case 3:
			threshold = sdkmath.NewInt(r.Int63n(1_000_000_000))
		default:
			threshold = sdkmath.NewIntFromUint64(r.Uint64())
		}
		c.ProofRequirementThreshold = threshold.String()

		seed := randBytes(r, 32)
		if r.Intn(15) == 0 {
			seed = []byte{}
		}
		c.SeedBlockHash = seed
		sample, err := claim.GetProofRequirementSampleValue(seed)
		if err != nil {
			return nil, err
		}
		claimBz, err := claim.Marshal()
		if err != nil {
			return nil, err
		}
		claimHash, err := claim.GetHash()
		if err != nil {
			return nil, err
		}
		c.Claim, c.ClaimHash = claimBz, claimHash
		c.SampleValue = strconv.FormatFloat(sample, 'g', -1, 64)

		var probability float64
		switch r.Intn(6) {
		case 0:
			probability = sample // equality must require a proof
		case 1:
			probability = math.Nextafter(sample, 0)
		case 2:
			probability = []float64{0, 1, 0.25, 0.01}[r.Intn(4)]
		default:
			probability = r.Float64()
		}
		c.ProofRequestProbability = strconv.FormatFloat(probability, 'g', -1, 64)

		// The decision, in ProofRequirementForClaim's order.
		switch {
		case claimed.Amount.GTE(threshold):
			c.Requirement = prooftypes.ProofRequirementReason_THRESHOLD.String()
		case sample <= probability:
			c.Requirement = prooftypes.ProofRequirementReason_PROBABILISTIC.String()
		default:
			c.Requirement = prooftypes.ProofRequirementReason_NOT_REQUIRED.String()
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// sessClaimedUpokt calls Claim.GetClaimeduPOKT and reports its math.Int overflow panic.
func sessClaimedUpokt(
	claim *prooftypes.Claim, shared sharedtypes.Params, difficulty servicetypes.RelayMiningDifficulty,
) (coin sdk.Coin, err error, overflow bool) {
	defer func() {
		if p := recover(); p != nil {
			overflow = true
		}
	}()
	coin, err = claim.GetClaimeduPOKT(shared, difficulty)
	return coin, err, false
}
