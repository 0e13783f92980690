package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"strings"

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
	"github.com/cosmos/cosmos-sdk/types/bech32"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	apptypes "github.com/pokt-network/poktroll/x/application/types"
	sessionkeeper "github.com/pokt-network/poktroll/x/session/keeper"
	sessiontypes "github.com/pokt-network/poktroll/x/session/types"
	sharedtypes "github.com/pokt-network/poktroll/x/shared/types"
	suppliertypes "github.com/pokt-network/poktroll/x/supplier/types"
)

// Session ID and supplier selection vectors. Supplier selection runs the real x/session
// keeper (HydrateSession) over an in-memory store, with the supplier keeper's service
// config iterator reproduced from the upstream store keys, so candidate order, weights,
// ties and the "fewer candidates than M" rule all come from the chain's own code.

func init() {
	registerGenerator("session-id", generator{
		file:          "packages/session/test/vectors/session-id.json",
		deterministic: true,
		run:           genSessionID,
	})
	registerGenerator("session-suppliers", generator{
		file:          "packages/session/test/vectors/session-suppliers.json",
		deterministic: true,
		run:           genSessionSuppliers,
	})
}

func sessRandAddress(r *rand.Rand) string {
	n := 20
	if r.Intn(8) == 0 {
		n = 32
	}
	addr, err := bech32.ConvertAndEncode("pokt", randBytes(r, n))
	if err != nil {
		panic(err)
	}
	return addr
}

const sessServiceIdAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

func sessRandServiceId(r *rand.Rand) string {
	b := make([]byte, 1+r.Intn(42))
	for i := range b {
		b[i] = sessServiceIdAlphabet[r.Intn(len(sessServiceIdAlphabet))]
	}
	return string(b)
}

// sessGridParams is the part of the shared params that places a height on the grid.
type sessGridParams struct {
	NumBlocksPerSession     string `json:"numBlocksPerSession"`
	SessionGridAnchorHeight string `json:"sessionGridAnchorHeight"`
	SessionNumberAtAnchor   string `json:"sessionNumberAtAnchor"`
}

func sessGridParamsJSON(p *sharedtypes.Params) sessGridParams {
	return sessGridParams{
		NumBlocksPerSession:     strconv.FormatUint(p.NumBlocksPerSession, 10),
		SessionGridAnchorHeight: strconv.FormatUint(p.SessionGridAnchorHeight, 10),
		SessionNumberAtAnchor:   strconv.FormatUint(p.SessionNumberAtAnchor, 10),
	}
}

type sessIDCase struct {
	Params     sessGridParams `json:"params"`
	BlockHash  Hex            `json:"blockHash"`
	ServiceId  string         `json:"serviceId"`
	AppAddress string         `json:"appAddress"`
	Height     string         `json:"height"`
	SessionId  string         `json:"sessionId"`
}

func genSessionID(r *rand.Rand) (any, error) {
	cases := make([]sessIDCase, 0, 2000)
	for len(cases) < 2000 {
		p := sessRandParams(r)
		h := sessRandHeight(r, &p)
		blockHash := randBytes(r, 32)
		switch r.Intn(10) {
		case 0:
			blockHash = []byte{}
		case 1:
			blockHash = randBytes(r, r.Intn(64))
		}
		serviceId := sessRandServiceId(r)
		if r.Intn(20) == 0 {
			serviceId = "svc.with/any bytes ü" // GetSessionId itself does not validate
		}
		app := sessRandAddress(r)
		id, _ := sessionkeeper.GetSessionId(&p, app, serviceId, blockHash, h)
		cases = append(cases, sessIDCase{
			Params: sessGridParamsJSON(&p), BlockHash: blockHash, ServiceId: serviceId, AppAddress: app,
			Height: i64s(h), SessionId: id,
		})
	}
	return cases, nil
}

// --- a session keeper over an in-memory store ---

type sessAppKeeper struct{ app apptypes.Application }

func (k sessAppKeeper) GetApplication(_ context.Context, addr string) (apptypes.Application, bool) {
	if addr != k.app.Address {
		return apptypes.Application{}, false
	}
	return k.app, true
}

type sessSupplierKeeper struct {
	updates []*sharedtypes.ServiceConfigUpdate
}

type sessSliceIterator struct {
	records []*sharedtypes.ServiceConfigUpdate
	i       int
}

func (it *sessSliceIterator) Next()       { it.i++ }
func (it *sessSliceIterator) Valid() bool { return it.i < len(it.records) }
func (it *sessSliceIterator) Key() []byte {
	return suppliertypes.ServiceConfigUpdateKey(*it.records[it.i])
}
func (it *sessSliceIterator) Close() {}
func (it *sessSliceIterator) Value() (*sharedtypes.ServiceConfigUpdate, error) {
	return it.records[it.i], nil
}

// GetServiceConfigUpdatesIterator yields exactly what the store range
// [StringKey(serviceId), StringKey(serviceId) ‖ BE(height+1)) yields, in key order.
func (k sessSupplierKeeper) GetServiceConfigUpdatesIterator(
	_ context.Context, serviceId string, height int64,
) sharedtypes.RecordIterator[*sharedtypes.ServiceConfigUpdate] {
	start := suppliertypes.StringKey(serviceId)
	end := binary.BigEndian.AppendUint64(suppliertypes.StringKey(serviceId), uint64(height+1))
	var in []*sharedtypes.ServiceConfigUpdate
	for _, u := range k.updates {
		key := suppliertypes.ServiceConfigUpdateKey(*u)
		if bytes.Compare(key, start) >= 0 && bytes.Compare(key, end) < 0 {
			in = append(in, u)
		}
	}
	sort.SliceStable(in, func(a, b int) bool {
		return bytes.Compare(suppliertypes.ServiceConfigUpdateKey(*in[a]), suppliertypes.ServiceConfigUpdateKey(*in[b])) < 0
	})
	return &sessSliceIterator{records: in}
}

func (k sessSupplierKeeper) GetDehydratedSupplier(_ context.Context, op string) (sharedtypes.Supplier, bool) {
	for _, u := range k.updates {
		if u.OperatorAddress == op {
			return sharedtypes.Supplier{OperatorAddress: op, OwnerAddress: op}, true
		}
	}
	return sharedtypes.Supplier{}, false
}

type sessSharedKeeper struct{ params sharedtypes.Params }

func (k sessSharedKeeper) GetParams(context.Context) sharedtypes.Params { return k.params }
func (k sessSharedKeeper) GetParamsAtHeight(context.Context, int64) sharedtypes.Params {
	return k.params
}

type sessNoAccounts struct{}

func (sessNoAccounts) GetAccount(context.Context, sdk.AccAddress) sdk.AccountI { return nil }

type sessNoBank struct{}

func (sessNoBank) SpendableCoins(context.Context, sdk.AccAddress) sdk.Coins { return nil }

// sessNewKeeper builds an x/session keeper whose chain is at chainHeight, with the block
// hash blockHash stored for startHeight.
func sessNewKeeper(
	shared sharedtypes.Params, numSuppliers uint64, app apptypes.Application,
	updates []*sharedtypes.ServiceConfigUpdate, chainHeight, startHeight int64, blockHash []byte,
) (sessionkeeper.Keeper, context.Context, error) {
	storeKey := storetypes.NewKVStoreKey(sessiontypes.StoreKey)
	db := dbm.NewMemDB()
	ms := store.NewCommitMultiStore(db, log.NewNopLogger(), metrics.NewNoOpMetrics())
	ms.MountStoreWithDB(storeKey, storetypes.StoreTypeIAVL, db)
	if err := ms.LoadLatestVersion(); err != nil {
		return sessionkeeper.Keeper{}, nil, err
	}
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	authority := authtypes.NewModuleAddress(govtypes.ModuleName)
	k := sessionkeeper.NewKeeper(
		cdc, runtime.NewKVStoreService(storeKey), log.NewNopLogger(), authority.String(),
		sessNoAccounts{}, sessNoBank{}, sessAppKeeper{app}, sessSupplierKeeper{updates}, sessSharedKeeper{shared},
	)
	ctx := sdk.NewContext(ms, cmtproto.Header{}, false, log.NewNopLogger())
	if err := k.SetParams(ctx, sessiontypes.Params{NumSuppliersPerSession: numSuppliers}); err != nil {
		return sessionkeeper.Keeper{}, nil, err
	}
	if startHeight > 0 {
		k.StoreBlockHash(ctx.WithBlockHeight(startHeight).WithHeaderHash(blockHash))
	}
	return k, ctx.WithBlockHeight(chainHeight), nil
}

// sessCandidate is "operatorAddress activationHeight deactivationHeight".
type sessCandidate = string

type sessSuppliersCase struct {
	Params                 sessGridParams  `json:"params"`
	NumSuppliersPerSession string          `json:"numSuppliersPerSession"`
	Height                 string          `json:"height"`
	BlockHash              Hex             `json:"blockHash"`
	ServiceId              string          `json:"serviceId"`
	AppAddress             string          `json:"appAddress"`
	Candidates             []sessCandidate `json:"candidates"`
	SessionId              string          `json:"sessionId"`
	Start                  string          `json:"start"`
	End                    string          `json:"end"`
	Number                 string          `json:"number"`
	NumBlocksPerSession    string          `json:"numBlocksPerSession"`
	// Suppliers is the selected operator addresses in session order; nil when the chain
	// finds no candidate (ErrSessionSuppliersNotFound).
	Suppliers []string `json:"suppliers"`
}

func genSessionSuppliers(r *rand.Rand) (any, error) {
	cases := make([]sessSuppliersCase, 0, 400)
	for len(cases) < 400 {
		shared := sharedtypes.Params{
			NumBlocksPerSession:         uint64(1 + r.Intn(20)),
			GracePeriodEndOffsetBlocks:  1,
			ClaimWindowOpenOffsetBlocks: 1, ClaimWindowCloseOffsetBlocks: 4,
			ProofWindowCloseOffsetBlocks: 4,
		}
		if r.Intn(3) == 0 {
			shared.SessionGridAnchorHeight = uint64(1 + r.Intn(300))
			shared.SessionNumberAtAnchor = uint64(r.Intn(100))
		}
		h := int64(1 + r.Intn(400))
		m := uint64(1 + r.Intn(20))
		if r.Intn(30) == 0 {
			m = 0
		}
		serviceId := sessRandServiceId(r)
		app := sessRandAddress(r)
		blockHash := randBytes(r, 32)

		// Candidates: some active, some not yet active, some deactivated, and configs for
		// other services that must be ignored. A few share a weight-relevant prefix.
		var updates []*sharedtypes.ServiceConfigUpdate
		var candidates []sessCandidate
		count := r.Intn(45)
		if r.Intn(6) == 0 {
			count = int(m) + r.Intn(3) - 1
		}
		for i := 0; i < count; i++ {
			op := sessRandAddress(r)
			if r.Intn(10) == 0 && len(candidates) > 0 {
				// Same operator address length and prefix as another one, different tail.
				prev := strings.Fields(candidates[r.Intn(len(candidates))])[0]
				op = prev[:len(prev)-1] + string("qpzry9x8"[r.Intn(8)])
				if op == prev {
					continue
				}
			}
			act := int64(1 + r.Intn(int(h)+20))
			var deact int64
			if r.Intn(4) == 0 {
				deact = act + int64(r.Intn(40))
			}
			svc := serviceId
			if r.Intn(8) == 0 {
				svc = serviceId + "x"
			}
			updates = append(updates, &sharedtypes.ServiceConfigUpdate{
				OperatorAddress:    op,
				Service:            &sharedtypes.SupplierServiceConfig{ServiceId: svc},
				ActivationHeight:   act,
				DeactivationHeight: deact,
			})
			if svc == serviceId {
				candidates = append(candidates, op+" "+i64s(act)+" "+i64s(deact))
			}
		}
		if dup := sessDuplicateOperators(updates, serviceId); dup {
			continue
		}

		appRecord := apptypes.Application{
			Address:        app,
			ServiceConfigs: []*sharedtypes.ApplicationServiceConfig{{ServiceId: serviceId}},
		}
		start := sharedtypes.GetSessionStartHeight(&shared, h)
		k, ctx, err := sessNewKeeper(shared, m, appRecord, updates, h+100, start, blockHash)
		if err != nil {
			return nil, err
		}
		session, err := k.HydrateSession(ctx, sessionkeeper.NewSessionHydrator(app, serviceId, h))
		c := sessSuppliersCase{
			Params: sessGridParamsJSON(&shared), NumSuppliersPerSession: strconv.FormatUint(m, 10),
			Height: i64s(h), BlockHash: blockHash, ServiceId: serviceId, AppAddress: app,
			Candidates: candidates,
		}
		wantId, _ := sessionkeeper.GetSessionId(&shared, app, serviceId, blockHash, h)
		if err != nil {
			if !sessiontypes.ErrSessionSuppliersNotFound.Is(err) {
				return nil, fmt.Errorf("hydrate: %w", err)
			}
			c.SessionId = wantId
			c.Start = i64s(start)
			c.End = i64s(sharedtypes.GetSessionEndHeight(&shared, h))
			c.Number = i64s(sharedtypes.GetSessionNumber(&shared, h))
			c.NumBlocksPerSession = strconv.FormatUint(shared.NumBlocksPerSession, 10)
		} else {
			if session.SessionId != wantId {
				return nil, fmt.Errorf("session id %s != %s", session.SessionId, wantId)
			}
			c.SessionId = session.SessionId
			c.Start = i64s(session.Header.SessionStartBlockHeight)
			c.End = i64s(session.Header.SessionEndBlockHeight)
			c.Number = i64s(session.SessionNumber)
			c.NumBlocksPerSession = i64s(session.NumBlocksPerSession)
			c.Suppliers = []string{}
			for _, s := range session.Suppliers {
				c.Suppliers = append(c.Suppliers, s.OperatorAddress)
			}
		}
		if c.Candidates == nil {
			c.Candidates = []sessCandidate{}
		}
		// Hand the candidates over in a scrambled order: the TypeScript side must restore
		// the store order itself.
		r.Shuffle(len(c.Candidates), func(i, j int) { c.Candidates[i], c.Candidates[j] = c.Candidates[j], c.Candidates[i] })
		cases = append(cases, c)
	}
	return cases, nil
}

// sessDuplicateOperators reports whether one operator has two configs for serviceId; the
// chain keeps one config per (operator, service, activation height) and the weight map is
// keyed by operator, so vectors avoid the ambiguous case.
func sessDuplicateOperators(updates []*sharedtypes.ServiceConfigUpdate, serviceId string) bool {
	seen := map[string]bool{}
	for _, u := range updates {
		if u.Service.ServiceId != serviceId {
			continue
		}
		if seen[u.OperatorAddress] {
			return true
		}
		seen[u.OperatorAddress] = true
	}
	return false
}
