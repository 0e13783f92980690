package main

import (
	"math"
	"math/rand"
	"strconv"
	"strings"

	sharedtypes "github.com/pokt-network/poktroll/x/shared/types"
)

// Session grid vectors: every window height poktroll derives from the shared params, for
// heights chosen at and around session boundaries, grid anchors and int64 extremes.

func init() {
	registerGenerator("session-grid", generator{
		file:          "packages/session/test/vectors/session-grid.json",
		deterministic: true,
		run:           genSessionGrid,
	})
}

// sessParams is the JSON form of the shared params the session package reads (uint64 as
// decimal strings, so JavaScript never rounds them).
type sessParams struct {
	NumBlocksPerSession            string `json:"numBlocksPerSession"`
	GracePeriodEndOffsetBlocks     string `json:"gracePeriodEndOffsetBlocks"`
	ClaimWindowOpenOffsetBlocks    string `json:"claimWindowOpenOffsetBlocks"`
	ClaimWindowCloseOffsetBlocks   string `json:"claimWindowCloseOffsetBlocks"`
	ProofWindowOpenOffsetBlocks    string `json:"proofWindowOpenOffsetBlocks"`
	ProofWindowCloseOffsetBlocks   string `json:"proofWindowCloseOffsetBlocks"`
	ComputeUnitsToTokensMultiplier string `json:"computeUnitsToTokensMultiplier"`
	ComputeUnitCostGranularity     string `json:"computeUnitCostGranularity"`
	SessionGridAnchorHeight        string `json:"sessionGridAnchorHeight"`
	SessionNumberAtAnchor          string `json:"sessionNumberAtAnchor"`
}

func sessParamsJSON(p *sharedtypes.Params) sessParams {
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	return sessParams{
		NumBlocksPerSession:            u(p.NumBlocksPerSession),
		GracePeriodEndOffsetBlocks:     u(p.GracePeriodEndOffsetBlocks),
		ClaimWindowOpenOffsetBlocks:    u(p.ClaimWindowOpenOffsetBlocks),
		ClaimWindowCloseOffsetBlocks:   u(p.ClaimWindowCloseOffsetBlocks),
		ProofWindowOpenOffsetBlocks:    u(p.ProofWindowOpenOffsetBlocks),
		ProofWindowCloseOffsetBlocks:   u(p.ProofWindowCloseOffsetBlocks),
		ComputeUnitsToTokensMultiplier: u(p.ComputeUnitsToTokensMultiplier),
		ComputeUnitCostGranularity:     u(p.ComputeUnitCostGranularity),
		SessionGridAnchorHeight:        u(p.SessionGridAnchorHeight),
		SessionNumberAtAnchor:          u(p.SessionNumberAtAnchor),
	}
}

func i64s(v int64) string { return strconv.FormatInt(v, 10) }

// sessRandParams draws shared params: mostly realistic ones, some mainnet-sized, and a few
// with arbitrary uint64 values that exercise Go's int64 wrap-around.
func sessRandParams(r *rand.Rand) sharedtypes.Params {
	p := sharedtypes.Params{}
	switch mode := r.Intn(10); {
	case mode < 7:
		p.NumBlocksPerSession = uint64(1 + r.Intn(30))
		p.GracePeriodEndOffsetBlocks = uint64(r.Intn(16))
		p.ClaimWindowOpenOffsetBlocks = uint64(r.Intn(25))
		p.ClaimWindowCloseOffsetBlocks = uint64(r.Intn(25))
		p.ProofWindowOpenOffsetBlocks = uint64(r.Intn(25))
		p.ProofWindowCloseOffsetBlocks = uint64(r.Intn(25))
		if r.Intn(5) >= 2 {
			p.SessionGridAnchorHeight = uint64(1 + r.Intn(2000))
		}
		if r.Intn(5) != 0 {
			p.SessionNumberAtAnchor = uint64(1 + r.Intn(500))
		}
	case mode < 9:
		p.NumBlocksPerSession = uint64(1 + r.Intn(200))
		p.GracePeriodEndOffsetBlocks = uint64(r.Intn(100))
		p.ClaimWindowOpenOffsetBlocks = uint64(r.Intn(100))
		p.ClaimWindowCloseOffsetBlocks = uint64(r.Intn(100))
		p.ProofWindowOpenOffsetBlocks = uint64(r.Intn(100))
		p.ProofWindowCloseOffsetBlocks = uint64(r.Intn(100))
		if r.Intn(2) == 0 {
			p.SessionGridAnchorHeight = uint64(1 + r.Int63n(1_000_000_000))
			p.SessionNumberAtAnchor = uint64(r.Int63n(10_000_000))
		}
	default:
		wild := func() uint64 {
			switch r.Intn(4) {
			case 0:
				return r.Uint64()
			case 1:
				return uint64(math.MaxInt64) - uint64(r.Intn(3))
			case 2:
				return uint64(1)<<63 + uint64(r.Intn(3))
			default:
				return uint64(r.Intn(50))
			}
		}
		for p.NumBlocksPerSession = wild(); int64(p.NumBlocksPerSession) == 0; p.NumBlocksPerSession = wild() {
		}
		p.GracePeriodEndOffsetBlocks = wild()
		p.ClaimWindowOpenOffsetBlocks = wild()
		p.ClaimWindowCloseOffsetBlocks = wild()
		p.ProofWindowOpenOffsetBlocks = wild()
		p.ProofWindowCloseOffsetBlocks = wild()
		p.SessionGridAnchorHeight = wild()
		p.SessionNumberAtAnchor = wild()
	}
	p.ComputeUnitsToTokensMultiplier = uint64(1 + r.Intn(50_000_000))
	p.ComputeUnitCostGranularity = []uint64{1, 1000, 1_000_000}[r.Intn(3)]
	return p
}

// sessRandHeight picks a query height near the interesting places of the grid.
func sessRandHeight(r *rand.Rand, p *sharedtypes.Params) int64 {
	n := int64(p.NumBlocksPerSession)
	anchor := int64(p.SessionGridAnchorHeight)
	near := func(base int64) int64 { return base + int64(r.Intn(5)) - 2 }
	switch r.Intn(9) {
	case 0:
		return int64(r.Intn(5)) - 2 // 0, 1 and negatives
	case 1:
		return near(anchor)
	case 2:
		return near(anchor + n*int64(r.Intn(20)))
	case 3:
		return near(1 + n*int64(r.Intn(50)))
	case 4:
		return near(anchor - n*int64(r.Intn(5)))
	case 5:
		return r.Int63()
	case 6:
		return math.MaxInt64 - int64(r.Intn(3))
	case 7:
		return math.MinInt64 + int64(r.Intn(3))
	default:
		return 1 + r.Int63n(100_000)
	}
}

// sessGridColumns names the fields of each row; rows are space-separated so the file stays
// small (one line per case).
const sessGridColumns = "height currentHeight start end number graceEnd graceElapsed claimOpen claimClose " +
	"proofOpen proofClose earliestClaim earliestProof nextStart isStart isEnd settlement"

type sessGridGroup struct {
	Params          sessParams `json:"params"`
	EndToProofClose string     `json:"endToProofClose"`
	NumPending      string     `json:"numPending"`
	Rows            []string   `json:"rows"`
}

type sessGridVectors struct {
	Columns string          `json:"columns"`
	Groups  []sessGridGroup `json:"groups"`
}

func genSessionGrid(r *rand.Rand) (any, error) {
	out := sessGridVectors{Columns: sessGridColumns}
	for len(out.Groups) < 500 {
		p := sessRandParams(r)
		g := sessGridGroup{
			Params:          sessParamsJSON(&p),
			EndToProofClose: i64s(sharedtypes.GetSessionEndToProofWindowCloseBlocks(&p)),
			NumPending:      i64s(sharedtypes.GetNumPendingSessions(&p)),
		}
		for len(g.Rows) < 8 {
			h := sessRandHeight(r, &p)
			cur := h + int64(r.Intn(int(p.GracePeriodEndOffsetBlocks%64)+int(p.NumBlocksPerSession%64)+3)) - 1
			addr := "pokt1" + strconv.Itoa(r.Intn(1000))
			row := []string{
				i64s(h),
				i64s(cur),
				i64s(sharedtypes.GetSessionStartHeight(&p, h)),
				i64s(sharedtypes.GetSessionEndHeight(&p, h)),
				i64s(sharedtypes.GetSessionNumber(&p, h)),
				i64s(sharedtypes.GetSessionGracePeriodEndHeight(&p, h)),
				strconv.FormatBool(sharedtypes.IsGracePeriodElapsed(&p, h, cur)),
				i64s(sharedtypes.GetClaimWindowOpenHeight(&p, h)),
				i64s(sharedtypes.GetClaimWindowCloseHeight(&p, h)),
				i64s(sharedtypes.GetProofWindowOpenHeight(&p, h)),
				i64s(sharedtypes.GetProofWindowCloseHeight(&p, h)),
				i64s(sharedtypes.GetEarliestSupplierClaimCommitHeight(&p, h, randBytes(r, 32), addr)),
				i64s(sharedtypes.GetEarliestSupplierProofCommitHeight(&p, h, randBytes(r, 32), addr)),
				i64s(sharedtypes.GetNextSessionStartHeight(&p, h)),
				strconv.FormatBool(sharedtypes.IsSessionStartHeight(&p, h)),
				strconv.FormatBool(sharedtypes.IsSessionEndHeight(&p, h)),
				i64s(sharedtypes.GetSettlementSessionEndHeight(&p, h)),
			}
			g.Rows = append(g.Rows, strings.Join(row, " "))
		}
		out.Groups = append(out.Groups, g)
	}
	return out, nil
}
