package main

// Vectors and verifiers for @decai/devnet:
//   - devnet-events (verifier): typed events the devnet emits, decoded from their gogo bytes and
//     re-encoded with the SDK's own TypedEventToEvent; attributes must match exactly;
//   - devnet-headers (verifier): block headers the devnet builds, hashed with CometBFT's
//     Header.Hash(); the block ID the devnet serves must be that hash;
//   - devnet-tlm: poktroll's default token logic modules run on random settlements, params and
//     revenue shares, with every queued operation, the batched proposer shares and the
//     application's stake afterwards;
//   - devnet-signed-txs: SIGN_MODE_DIRECT transactions signed with cosmos secp256k1 keys, some
//     valid and some signed over the wrong chain, account number or bytes, for the devnet's
//     signature check.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strconv"

	"cosmossdk.io/log"
	sdkmath "cosmossdk.io/math"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	sdk "github.com/cosmos/cosmos-sdk/types"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	signingtypes "github.com/cosmos/cosmos-sdk/types/tx/signing"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	gogoproto "github.com/cosmos/gogoproto/proto"

	apptypes "github.com/pokt-network/poktroll/x/application/types"
	prooftypes "github.com/pokt-network/poktroll/x/proof/types"
	servicetypes "github.com/pokt-network/poktroll/x/service/types"
	sessiontypes "github.com/pokt-network/poktroll/x/session/types"
	sharedtypes "github.com/pokt-network/poktroll/x/shared/types"
	tlm "github.com/pokt-network/poktroll/x/tokenomics/token_logic_module"
	tokenomicstypes "github.com/pokt-network/poktroll/x/tokenomics/types"
)

func init() {
	registerVerifier("devnet-events", verifyDevnetEvents)
	registerVerifier("devnet-headers", verifyDevnetHeaders)
	registerGenerator("devnet-tlm", generator{
		file:          "packages/devnet/test/vectors/devnet-tlm.json",
		deterministic: true,
		run:           genDevnetTLM,
	})
	registerGenerator("devnet-signed-txs", generator{
		file:          "packages/devnet/test/vectors/devnet-signed-txs.json",
		deterministic: true,
		run:           genDevnetSignedTxs,
	})
}

// ---------------------------------------------------------------------------------------------
// Typed events

type devnetEventAttribute struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type devnetEventCase struct {
	Type       string                 `json:"type"`
	Bytes      Hex                    `json:"bytes"`
	Attributes []devnetEventAttribute `json:"attributes"`
}

func verifyDevnetEvents(raw json.RawMessage) (int, error) {
	cases, err := decodeCases[devnetEventCase](raw)
	if err != nil {
		return 0, err
	}
	for i, c := range cases {
		t := gogoproto.MessageType(c.Type)
		if t == nil {
			return i, fmt.Errorf("case %d: unknown event type %s", i, c.Type)
		}
		msg, ok := reflect.New(t.Elem()).Interface().(gogoproto.Message)
		if !ok {
			return i, fmt.Errorf("case %d: %s is not a proto message", i, c.Type)
		}
		if err := gogoproto.Unmarshal(c.Bytes, msg); err != nil {
			return i, fmt.Errorf("case %d (%s): %w", i, c.Type, err)
		}
		ev, err := sdk.TypedEventToEvent(msg)
		if err != nil {
			return i, fmt.Errorf("case %d (%s): %w", i, c.Type, err)
		}
		if ev.Type != c.Type || len(ev.Attributes) != len(c.Attributes) {
			return i, fmt.Errorf("case %d (%s): %d attributes from Go, %d from TypeScript", i, c.Type, len(ev.Attributes), len(c.Attributes))
		}
		for j, a := range ev.Attributes {
			if a.Key != c.Attributes[j].Key || a.Value != c.Attributes[j].Value {
				return i, fmt.Errorf("case %d (%s) attribute %d: Go %s=%s, TypeScript %s=%s",
					i, c.Type, j, a.Key, a.Value, c.Attributes[j].Key, c.Attributes[j].Value)
			}
		}
	}
	return len(cases), nil
}

// ---------------------------------------------------------------------------------------------
// Block headers

type devnetHeaderCase struct {
	// Header is a tendermint.types.Header in protobuf.
	Header Hex `json:"header"`
	Hash   Hex `json:"hash"`
}

func verifyDevnetHeaders(raw json.RawMessage) (int, error) {
	cases, err := decodeCases[devnetHeaderCase](raw)
	if err != nil {
		return 0, err
	}
	for i, c := range cases {
		var pb cmtproto.Header
		if err := pb.Unmarshal(c.Header); err != nil {
			return i, fmt.Errorf("case %d: %w", i, err)
		}
		h, err := cmttypes.HeaderFromProto(&pb)
		if err != nil {
			return i, fmt.Errorf("case %d: %w", i, err)
		}
		if got := h.Hash(); !bytes.Equal(got, c.Hash) {
			return i, fmt.Errorf("case %d (height %d): CometBFT hash %X, devnet hash %X", i, h.Height, got, []byte(c.Hash))
		}
	}
	return len(cases), nil
}

// ---------------------------------------------------------------------------------------------
// Token logic modules

type devnetShares struct {
	Dao         float64 `json:"dao"`
	Proposer    float64 `json:"proposer"`
	Supplier    float64 `json:"supplier"`
	SourceOwner float64 `json:"sourceOwner"`
	Application float64 `json:"application"`
}

type devnetRevShare struct {
	Address    string `json:"address"`
	Percentage uint64 `json:"percentage"`
}

type devnetOp struct {
	Reason int32  `json:"reason"`
	From   string `json:"from"`
	To     string `json:"to"`
	Amount string `json:"amount"`
}

type devnetTLMCase struct {
	Settlement              string           `json:"settlement"`
	AppStake                string           `json:"appStake"`
	MintRatio               float64          `json:"mintRatio"`
	GlobalInflationPerClaim float64          `json:"globalInflationPerClaim"`
	MintEqualsBurn          devnetShares     `json:"mintEqualsBurn"`
	MintAllocation          devnetShares     `json:"mintAllocation"`
	DaoRewardAddress        string           `json:"daoRewardAddress"`
	ServiceId               string           `json:"serviceId"`
	ServiceOwner            string           `json:"serviceOwner"`
	AppAddress              string           `json:"appAddress"`
	SupplierOwner           string           `json:"supplierOwner"`
	SupplierOperator        string           `json:"supplierOperator"`
	RevShare                []devnetRevShare `json:"revShare"`
	SessionId               string           `json:"sessionId"`
	SessionEndHeight        string           `json:"sessionEndHeight"`
	// Outcome.
	Error            string     `json:"error"`
	Mints            []devnetOp `json:"mints"`
	Burns            []devnetOp `json:"burns"`
	ModToMod         []devnetOp `json:"modToMod"`
	ModToAcct        []devnetOp `json:"modToAcct"`
	ValidatorRewards []devnetOp `json:"validatorRewards"`
	AppStakeAfter    string     `json:"appStakeAfter"`
	Events           []string   `json:"events"`
}

func devnetRandShares(r *rand.Rand) devnetShares {
	switch r.Intn(4) {
	case 0:
		return devnetShares{Dao: 0.1, Proposer: 0.05, Supplier: 0.7, SourceOwner: 0.15}
	case 1:
		return devnetShares{Dao: 0.045, Proposer: 0.14, Supplier: 0.79, SourceOwner: 0.025}
	default:
		// Random thousandths summing to one.
		parts := make([]int, 5)
		left := 1000
		for i := 0; i < 4; i++ {
			parts[i] = r.Intn(left + 1)
			left -= parts[i]
		}
		parts[4] = left
		f := func(n int) float64 { v, _ := strconv.ParseFloat(fmt.Sprintf("0.%03d", n), 64); return v }
		if parts[0] == 1000 {
			return devnetShares{Dao: 1}
		}
		return devnetShares{Dao: f(parts[0]), Proposer: f(parts[1]), Supplier: f(parts[2]), SourceOwner: f(parts[3]), Application: f(parts[4])}
	}
}

func devnetRandRevShare(r *rand.Rand, owner string) []devnetRevShare {
	n := 1 + r.Intn(3)
	out := []devnetRevShare{{Address: owner}}
	for i := 1; i < n; i++ {
		out = append(out, devnetRevShare{Address: chainRandAddress(r)})
	}
	left := uint64(100)
	for i := range out {
		if i == len(out)-1 {
			out[i].Percentage = left
			break
		}
		out[i].Percentage = 1 + uint64(r.Intn(int(left)-len(out)+i+1))
		left -= out[i].Percentage
	}
	switch r.Intn(12) {
	case 0: // percentages that do not add up: paid to the owner instead
		out[0].Percentage += 5
	case 1: // a duplicate holder
		out = append(out, devnetRevShare{Address: out[0].Address})
	}
	return out
}

func genDevnetTLM(r *rand.Rand) (any, error) {
	cases := make([]devnetTLMCase, 0, 200)
	for i := 0; i < 200; i++ {
		c := devnetTLMCase{
			MintRatio:               []float64{1, 1, 0.975, 0.5, 0.123456789, 1e-7}[r.Intn(6)],
			GlobalInflationPerClaim: []float64{0.1, 0, 1e-6, 0.25, 0.1}[r.Intn(5)],
			MintEqualsBurn:          devnetRandShares(r),
			MintAllocation:          devnetRandShares(r),
			DaoRewardAddress:        chainRandAddress(r),
			ServiceId:               "svc-" + randWord(r),
			ServiceOwner:            chainRandAddress(r),
			AppAddress:              chainRandAddress(r),
			SupplierOwner:           chainRandAddress(r),
			SupplierOperator:        chainRandAddress(r),
			SessionId:               fmt.Sprintf("%x", randBytes(r, 32)),
			SessionEndHeight:        strconv.FormatInt(1+r.Int63n(10000), 10),
		}
		c.RevShare = devnetRandRevShare(r, c.SupplierOwner)
		var settlement int64
		switch r.Intn(5) {
		case 0:
			settlement = 1 + r.Int63n(20)
		case 1:
			settlement = 1 + r.Int63n(1e15)
		default:
			settlement = 1 + r.Int63n(1e8)
		}
		stake := settlement*2 + r.Int63n(1e9)
		if r.Intn(10) == 0 {
			stake = settlement + r.Int63n(settlement/10+1) // may not cover the inflation
		}
		c.Settlement = strconv.FormatInt(settlement, 10)
		c.AppStake = strconv.FormatInt(stake, 10)
		if err := runDevnetTLMCase(&c); err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	return cases, nil
}

func runDevnetTLMCase(c *devnetTLMCase) error {
	settlement, _ := sdkmath.NewIntFromString(c.Settlement)
	stake, _ := sdkmath.NewIntFromString(c.AppStake)
	endHeight, _ := strconv.ParseInt(c.SessionEndHeight, 10, 64)
	appStake := sdk.NewCoin("upokt", stake)
	revShares := make([]*sharedtypes.ServiceRevenueShare, 0, len(c.RevShare))
	for _, rs := range c.RevShare {
		revShares = append(revShares, &sharedtypes.ServiceRevenueShare{Address: rs.Address, RevSharePercentage: rs.Percentage})
	}
	header := &sessiontypes.SessionHeader{
		ApplicationAddress:      c.AppAddress,
		ServiceId:               c.ServiceId,
		SessionId:               c.SessionId,
		SessionStartBlockHeight: 1,
		SessionEndBlockHeight:   endHeight,
	}
	result := &tokenomicstypes.ClaimSettlementResult{
		Claim: prooftypes.Claim{SupplierOperatorAddress: c.SupplierOperator, SessionHeader: header},
	}
	app := &apptypes.Application{Address: c.AppAddress, Stake: &appStake}
	accumulator := map[tokenomicstypes.SettlementOpReason]sdkmath.Int{}
	shares := func(s devnetShares) (tokenomicstypes.MintEqualsBurnClaimDistribution, tokenomicstypes.MintAllocationPercentages) {
		return tokenomicstypes.MintEqualsBurnClaimDistribution{Dao: s.Dao, Proposer: s.Proposer, Supplier: s.Supplier, SourceOwner: s.SourceOwner, Application: s.Application},
			tokenomicstypes.MintAllocationPercentages{Dao: s.Dao, Proposer: s.Proposer, Supplier: s.Supplier, SourceOwner: s.SourceOwner, Application: s.Application}
	}
	meb, _ := shares(c.MintEqualsBurn)
	_, alloc := shares(c.MintAllocation)
	tlmCtx := tlm.TLMContext{
		TokenomicsParams: tokenomicstypes.Params{
			DaoRewardAddress:                c.DaoRewardAddress,
			MintAllocationPercentages:       alloc,
			GlobalInflationPerClaim:         c.GlobalInflationPerClaim,
			MintEqualsBurnClaimDistribution: meb,
			MintRatio:                       c.MintRatio,
		},
		SettlementCoin: sdk.NewCoin("upokt", settlement),
		SessionHeader:  header,
		Result:         result,
		Service:        &sharedtypes.Service{Id: c.ServiceId, OwnerAddress: c.ServiceOwner},
		Application:    app,
		Supplier: &sharedtypes.Supplier{
			OwnerAddress:    c.SupplierOwner,
			OperatorAddress: c.SupplierOperator,
			Services:        []*sharedtypes.SupplierServiceConfig{{ServiceId: c.ServiceId, RevShare: revShares}},
		},
		RelayMiningDifficulty:      &servicetypes.RelayMiningDifficulty{ServiceId: c.ServiceId},
		ValidatorRewardAccumulator: accumulator,
	}
	ctx := sdk.NewContext(nil, cmtproto.Header{}, false, log.NewNopLogger())
	var goCtx context.Context = ctx
	for _, m := range tlm.NewDefaultTokenLogicModules() {
		if err := m.Process(goCtx, log.NewNopLogger(), tlmCtx); err != nil {
			c.Error = fmt.Sprintf("TLM %q: %s", m.GetId().String(), err.Error())
			break
		}
	}
	op := func(reason tokenomicstypes.SettlementOpReason, from, to string, coin sdk.Coin) devnetOp {
		return devnetOp{Reason: int32(reason), From: from, To: to, Amount: coin.Amount.String()}
	}
	c.Mints, c.Burns, c.ModToMod, c.ModToAcct = []devnetOp{}, []devnetOp{}, []devnetOp{}, []devnetOp{}
	for _, m := range result.Mints {
		c.Mints = append(c.Mints, op(m.OpReason, "", m.DestinationModule, m.Coin))
	}
	for _, b := range result.Burns {
		c.Burns = append(c.Burns, op(b.OpReason, "", b.DestinationModule, b.Coin))
	}
	for _, t := range result.ModToModTransfers {
		c.ModToMod = append(c.ModToMod, op(t.OpReason, t.SenderModule, t.RecipientModule, t.Coin))
	}
	for _, t := range result.ModToAcctTransfers {
		c.ModToAcct = append(c.ModToAcct, op(t.OpReason, t.SenderModule, t.RecipientAddress, t.Coin))
	}
	reasons := make([]int, 0, len(accumulator))
	for reason := range accumulator {
		reasons = append(reasons, int(reason))
	}
	sort.Ints(reasons)
	c.ValidatorRewards = []devnetOp{}
	for _, reason := range reasons {
		c.ValidatorRewards = append(c.ValidatorRewards, devnetOp{Reason: int32(reason), Amount: accumulator[tokenomicstypes.SettlementOpReason(reason)].String()})
	}
	c.AppStakeAfter = app.Stake.Amount.String()
	c.Events = []string{}
	for _, e := range ctx.EventManager().Events() {
		c.Events = append(c.Events, e.Type)
	}
	return nil
}

// ---------------------------------------------------------------------------------------------
// Signed transactions

type devnetSignedTxCase struct {
	Tx            Hex    `json:"tx"`
	ChainId       string `json:"chainId"`
	AccountNumber string `json:"accountNumber"`
	Sequence      string `json:"sequence"`
	PubKey        Hex    `json:"pubKey"`
	Address       string `json:"address"`
	Valid         bool   `json:"valid"`
	Why           string `json:"why"`
}

func genDevnetSignedTxs(r *rand.Rand) (any, error) {
	cases := make([]devnetSignedTxCase, 0, 40)
	for i := 0; i < 40; i++ {
		priv := secp256k1.GenPrivKeyFromSecret(randBytes(r, 32))
		pub := priv.PubKey().(*secp256k1.PubKey)
		addr, err := sdk.Bech32ifyAddressBytes("pokt", pub.Address())
		if err != nil {
			return nil, err
		}
		chainId := []string{"pocket", "pocket-beta", "decai-devnet"}[r.Intn(3)]
		accountNumber := uint64(r.Intn(1000))
		sequence := uint64(r.Intn(50))
		msg := &banktypes.MsgSend{
			FromAddress: addr,
			ToAddress:   chainRandAddress(r),
			Amount:      sdk.NewCoins(sdk.NewInt64Coin("upokt", 1+r.Int63n(1e9))),
		}
		msgAny, err := codectypes.NewAnyWithValue(msg)
		if err != nil {
			return nil, err
		}
		pubAny, err := codectypes.NewAnyWithValue(pub)
		if err != nil {
			return nil, err
		}
		body := &txtypes.TxBody{Messages: []*codectypes.Any{msgAny}, Memo: randWord(r)}
		authInfo := &txtypes.AuthInfo{
			SignerInfos: []*txtypes.SignerInfo{{
				PublicKey: pubAny,
				ModeInfo:  &txtypes.ModeInfo{Sum: &txtypes.ModeInfo_Single_{Single: &txtypes.ModeInfo_Single{Mode: signingtypes.SignMode_SIGN_MODE_DIRECT}}},
				Sequence:  sequence,
			}},
			Fee: &txtypes.Fee{Amount: sdk.NewCoins(sdk.NewInt64Coin("upokt", r.Int63n(1000))), GasLimit: uint64(100000 + r.Intn(1000000))},
		}
		bodyBz, err := body.Marshal()
		if err != nil {
			return nil, err
		}
		authBz, err := authInfo.Marshal()
		if err != nil {
			return nil, err
		}
		signChain, signAccount, why := chainId, accountNumber, ""
		switch i % 5 {
		case 1:
			signChain, why = chainId+"-other", "signed for another chain"
		case 2:
			signAccount, why = accountNumber+1, "signed with another account number"
		}
		doc := &txtypes.SignDoc{BodyBytes: bodyBz, AuthInfoBytes: authBz, ChainId: signChain, AccountNumber: signAccount}
		docBz, err := doc.Marshal()
		if err != nil {
			return nil, err
		}
		sig, err := priv.Sign(docBz)
		if err != nil {
			return nil, err
		}
		if i%5 == 3 {
			sig[5] ^= 0x40
			why = "signature altered"
		}
		raw := &txtypes.TxRaw{BodyBytes: bodyBz, AuthInfoBytes: authBz, Signatures: [][]byte{sig}}
		rawBz, err := raw.Marshal()
		if err != nil {
			return nil, err
		}
		valid := why == ""
		// The verdict is Go's own: cosmos secp256k1 over the SignDoc the chain would rebuild.
		chainDoc, _ := (&txtypes.SignDoc{BodyBytes: bodyBz, AuthInfoBytes: authBz, ChainId: chainId, AccountNumber: accountNumber}).Marshal()
		if pub.VerifySignature(chainDoc, sig) != valid {
			return nil, fmt.Errorf("case %d: Go verdict disagrees with the construction", i)
		}
		cases = append(cases, devnetSignedTxCase{
			Tx:            rawBz,
			ChainId:       chainId,
			AccountNumber: strconv.FormatUint(accountNumber, 10),
			Sequence:      strconv.FormatUint(sequence, 10),
			PubKey:        pub.Bytes(),
			Address:       addr,
			Valid:         valid,
			Why:           why,
		})
	}
	return cases, nil
}
