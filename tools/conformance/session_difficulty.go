package main

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"math/rand"
	"strconv"

	"cosmossdk.io/log"
	"cosmossdk.io/store"
	"cosmossdk.io/store/metrics"
	storetypes "cosmossdk.io/store/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	"github.com/pokt-network/poktroll/pkg/crypto/protocol"
	servicekeeper "github.com/pokt-network/poktroll/x/service/keeper"
	servicetypes "github.com/pokt-network/poktroll/x/service/types"
	sharedtypes "github.com/pokt-network/poktroll/x/shared/types"
)

// Relay-mining difficulty vectors: the pure helpers of pkg/crypto/protocol, and whole
// settlement histories run through the real x/service keeper (UpdateRelayMiningDifficulty,
// GetRelayMiningDifficultyAtHeight), which computes the EMA with big.Float.

func init() {
	registerGenerator("relay-difficulty", generator{
		file:          "packages/session/test/vectors/relay-difficulty.json",
		deterministic: true,
		run:           genRelayDifficulty,
	})
}

type difficultyTargetCase struct {
	Target            Hex    `json:"target"`
	MultiplierNum     string `json:"multiplierNum"`
	MultiplierDen     string `json:"multiplierDen"`
	ProbabilityNum    string `json:"probabilityNum"`
	ProbabilityDen    string `json:"probabilityDen"`
	RelayHash         Hex    `json:"relayHash"`
	VolumeApplicable  bool   `json:"volumeApplicable"`
	MultiplierFloat32 string `json:"multiplierFloat32"`
}

type difficultyComputeCase struct {
	Prev            Hex    `json:"prev"`
	TargetNumRelays string `json:"targetNumRelays"`
	NewRelaysEma    string `json:"newRelaysEma"`
	Result          Hex    `json:"result"`
}

// difficultyStep is one settling block: relays per service, and what the chain stored.
type difficultyStep struct {
	Height    string             `json:"height"`
	NumRelays map[string]string  `json:"numRelays"`
	Updated   []difficultyRecord `json:"updated"`
	Lookups   []difficultyLookup `json:"lookups"`
}

type difficultyRecord struct {
	ServiceId    string `json:"serviceId"`
	BlockHeight  string `json:"blockHeight"`
	NumRelaysEma string `json:"numRelaysEma"`
	TargetHash   Hex    `json:"targetHash"`
}

type difficultyLookup struct {
	ServiceId  string           `json:"serviceId"`
	Height     string           `json:"height"`
	Difficulty difficultyRecord `json:"difficulty"`
}

type difficultyHistory struct {
	NumBlocksPerSession string           `json:"numBlocksPerSession"`
	TargetNumRelays     string           `json:"targetNumRelays"`
	Steps               []difficultyStep `json:"steps"`
}

type difficultyVectors struct {
	Targets   []difficultyTargetCase  `json:"targets"`
	Compute   []difficultyComputeCase `json:"compute"`
	Histories []difficultyHistory     `json:"histories"`
}

func sessRandRelays(r *rand.Rand) uint64 {
	switch r.Intn(7) {
	case 0:
		return uint64(1 + r.Intn(10))
	case 1:
		return math.MaxUint64 - uint64(r.Intn(1000))
	case 2:
		return r.Uint64() | 1
	case 3:
		return uint64(1+r.Intn(1<<20)) << uint(r.Intn(44))
	default:
		return uint64(1 + r.Int63n(10_000_000))
	}
}

func genRelayDifficulty(r *rand.Rand) (any, error) {
	var out difficultyVectors
	for len(out.Targets) < 1000 {
		target := sessRandTarget(r)
		if r.Intn(10) == 0 {
			target = target[:1+r.Intn(32)] // the helpers accept any length
		}
		if new(big.Int).SetBytes(target).Sign() == 0 {
			continue // the multiplier of a zero target is a division by zero
		}
		multiplier := protocol.GetRelayDifficultyMultiplier(target)
		probability := protocol.GetRelayDifficultyProbability(target)
		relayHash := randBytes(r, 32)
		if r.Intn(4) == 0 {
			relayHash = append([]byte{}, target...)
			if r.Intn(2) == 0 && len(relayHash) > 0 {
				relayHash[len(relayHash)-1]--
			}
		}
		out.Targets = append(out.Targets, difficultyTargetCase{
			Target:           target,
			MultiplierNum:    multiplier.Num().String(),
			MultiplierDen:    multiplier.Denom().String(),
			ProbabilityNum:   probability.Num().String(),
			ProbabilityDen:   probability.Denom().String(),
			RelayHash:        relayHash,
			VolumeApplicable: protocol.IsRelayVolumeApplicable(relayHash, target),
		})
	}
	for i := 0; i < 1000; i++ {
		prev := protocol.BaseRelayDifficultyHashBz
		if r.Intn(4) == 0 {
			prev = sessRandTarget(r)
		}
		target := []uint64{100_000, 10_000, uint64(1 + r.Intn(1_000_000)), r.Uint64()}[r.Intn(4)]
		ema := sessRandRelays(r)
		if r.Intn(10) == 0 {
			ema = target
		}
		if int64(ema) == 0 {
			continue // big.NewRat panics on a zero denominator
		}
		out.Compute = append(out.Compute, difficultyComputeCase{
			Prev: prev, TargetNumRelays: strconv.FormatUint(target, 10), NewRelaysEma: strconv.FormatUint(ema, 10),
			Result: protocol.ComputeNewDifficultyTargetHash(prev, target, ema),
		})
	}
	for i := 0; i < 40; i++ {
		h, err := genDifficultyHistory(r)
		if err != nil {
			return nil, err
		}
		out.Histories = append(out.Histories, h)
	}
	return out, nil
}

type sessNoBankService struct{}

func (sessNoBankService) SpendableCoins(context.Context, sdk.AccAddress) sdk.Coins { return nil }
func (sessNoBankService) SendCoinsFromAccountToModule(context.Context, sdk.AccAddress, string, sdk.Coins) error {
	return nil
}
func (sessNoBankService) SendCoinsFromModuleToAccount(context.Context, string, sdk.AccAddress, sdk.Coins) error {
	return nil
}

func difficultyRecordJSON(d servicetypes.RelayMiningDifficulty) difficultyRecord {
	return difficultyRecord{
		ServiceId: d.ServiceId, BlockHeight: i64s(d.BlockHeight),
		NumRelaysEma: strconv.FormatUint(d.NumRelaysEma, 10), TargetHash: d.TargetHash,
	}
}

func genDifficultyHistory(r *rand.Rand) (difficultyHistory, error) {
	shared := sharedtypes.Params{NumBlocksPerSession: uint64(1 + r.Intn(20))}
	targetNumRelays := []uint64{100_000, uint64(1 + r.Intn(1000)), uint64(1 + r.Int63n(1<<40))}[r.Intn(3)]

	storeKey := storetypes.NewKVStoreKey(servicetypes.StoreKey)
	db := dbm.NewMemDB()
	ms := store.NewCommitMultiStore(db, log.NewNopLogger(), metrics.NewNoOpMetrics())
	ms.MountStoreWithDB(storeKey, storetypes.StoreTypeIAVL, db)
	if err := ms.LoadLatestVersion(); err != nil {
		return difficultyHistory{}, err
	}
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	authority := authtypes.NewModuleAddress(govtypes.ModuleName)
	k := servicekeeper.NewKeeper(cdc, runtime.NewKVStoreService(storeKey), log.NewNopLogger(), authority.String(),
		sessNoBankService{}, sessSharedKeeper{shared})
	ctx := sdk.NewContext(ms, cmtproto.Header{}, false, log.NewNopLogger())
	if err := k.SetParams(ctx, servicetypes.Params{TargetNumRelays: targetNumRelays}); err != nil {
		return difficultyHistory{}, err
	}

	services := []string{"svc-a", "svc-b", "svc-c"}[:1+r.Intn(3)]
	hist := difficultyHistory{
		NumBlocksPerSession: strconv.FormatUint(shared.NumBlocksPerSession, 10),
		TargetNumRelays:     strconv.FormatUint(targetNumRelays, 10),
	}
	height := int64(1 + r.Intn(30))
	for step := 0; step < 4+r.Intn(12); step++ {
		height += int64(1 + r.Intn(25))
		relays := map[string]uint64{}
		relaysJSON := map[string]string{}
		for _, s := range services {
			if r.Intn(3) == 0 {
				continue
			}
			n := sessRandRelays(r)
			if r.Intn(4) == 0 {
				// Near the target, so the EMA crosses it and equals it now and then.
				n = targetNumRelays + uint64(r.Intn(5)) - 2
				if n == 0 {
					n = 1
				}
			}
			relays[s] = n
			relaysJSON[s] = strconv.FormatUint(n, 10)
		}
		sctx := ctx.WithBlockHeight(height)
		updated, err := k.UpdateRelayMiningDifficulty(sctx, relays)
		if err != nil {
			return difficultyHistory{}, fmt.Errorf("update: %w", err)
		}
		st := difficultyStep{Height: i64s(height), NumRelays: relaysJSON, Updated: []difficultyRecord{}}
		for _, s := range services {
			if d, ok := updated[s]; ok {
				st.Updated = append(st.Updated, difficultyRecordJSON(d))
			}
		}
		for _, s := range services {
			for _, q := range []int64{height + int64(r.Intn(40)), height - int64(r.Intn(60))} {
				d, _ := k.GetRelayMiningDifficultyAtHeight(sctx, s, q)
				st.Lookups = append(st.Lookups, difficultyLookup{ServiceId: s, Height: i64s(q), Difficulty: difficultyRecordJSON(d)})
			}
		}
		hist.Steps = append(hist.Steps, st)
	}
	return hist, nil
}
