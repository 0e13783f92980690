package main

// Vectors and verifiers for @decai/chain:
//   - chain-events: ABCI events exactly as the SDK's EmitTypedEvent writes them (type = proto full
//     name, attributes = top-level JSON fields) for every pocket.* event, with the gogo bytes the
//     TypeScript decoder must reproduce, and realistic EventClaimSettled reward breakdowns;
//   - chain-errors: for every error poktroll and the SDK register (the registry itself is
//     known-errors, errors_registry.go), the ABCI (codespace, code, log) triples the chain really
//     returns for them when they surface
//     in CheckTx, in message execution (poktroll wraps them in gRPC status errors, so they reach
//     clients as codespace "undefined", code 1) and in simulation (which reports everything as
//     sdk/6 "unknown request");
//   - chain-txs (verifier): signed SIGN_MODE_DIRECT transactions built by TypeScript, decoded
//     with the SDK's own tx decoder and verified against the signer's public key.

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"
	"cosmossdk.io/x/tx/signing"
	"github.com/cosmos/cosmos-sdk/codec"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/bech32"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	signingtypes "github.com/cosmos/cosmos-sdk/types/tx/signing"
	authtx "github.com/cosmos/cosmos-sdk/x/auth/tx"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	gogoproto "github.com/cosmos/gogoproto/proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	apptypes "github.com/pokt-network/poktroll/x/application/types"
	gatewaytypes "github.com/pokt-network/poktroll/x/gateway/types"
	prooftypes "github.com/pokt-network/poktroll/x/proof/types"
	servicetypes "github.com/pokt-network/poktroll/x/service/types"
	sessiontypes "github.com/pokt-network/poktroll/x/session/types"
	sharedtypes "github.com/pokt-network/poktroll/x/shared/types"
	suppliertypes "github.com/pokt-network/poktroll/x/supplier/types"
	tokenomicstypes "github.com/pokt-network/poktroll/x/tokenomics/types"
)

func init() {
	registerGenerator("chain-events", generator{
		file:          "packages/chain/test/vectors/events.json",
		deterministic: true,
		run:           generateChainEvents,
	})
	registerGenerator("chain-errors", generator{
		file:          "packages/chain/test/vectors/errors.json",
		deterministic: true,
		run:           generateChainErrors,
	})
	registerVerifier("chain-txs", verifyChainTxs)
}

// ---------------------------------------------------------------------------------------------
// Events

type chainEventAttribute struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type chainEventCase struct {
	Type       string                `json:"type"`
	Attributes []chainEventAttribute `json:"attributes"`
	// Bytes is the gogo encoding of the event message the attributes describe.
	Bytes Hex `json:"bytes"`
}

// chainRewardCase is an EventClaimSettled built the way settlement builds it, with the amounts
// per recipient that a reader of the event must find.
type chainRewardCase struct {
	Event                chainEventCase        `json:"event"`
	ClaimedUpokt         string                `json:"claimedUpokt"`
	SettledUpokt         string                `json:"settledUpokt"`
	MintedUpokt          string                `json:"mintedUpokt"`
	Rewards              []chainRewardExpected `json:"rewards"`
	TotalsByRecipient    map[string]string     `json:"totalsByRecipient"`
	RewardDistributionGo map[string]string     `json:"rewardDistribution"`
}

type chainRewardExpected struct {
	Recipient string `json:"recipient"`
	OpReason  string `json:"opReason"`
	Amount    string `json:"amount"`
}

type chainEventsVectors struct {
	Events  []chainEventCase  `json:"events"`
	Rewards []chainRewardCase `json:"rewards"`
}

// pocketEventNames lists every pocket.* message whose name starts with "Event", sorted.
func pocketEventNames() []string {
	var names []string
	for _, name := range pocketMessageNames() {
		short := name[strings.LastIndex(name, ".")+1:]
		if strings.HasPrefix(short, "Event") {
			names = append(names, name)
		}
	}
	return names
}

func toChainEvent(msg gogoproto.Message, extra []chainEventAttribute) (chainEventCase, error) {
	ev, err := sdk.TypedEventToEvent(msg)
	if err != nil {
		return chainEventCase{}, err
	}
	bz, err := gogoproto.Marshal(msg)
	if err != nil {
		return chainEventCase{}, err
	}
	c := chainEventCase{Type: ev.Type, Bytes: bz}
	for _, a := range ev.Attributes {
		c.Attributes = append(c.Attributes, chainEventAttribute{Key: a.Key, Value: a.Value})
	}
	c.Attributes = append(c.Attributes, extra...)
	return c, nil
}

func generateChainEvents(r *rand.Rand) (any, error) {
	out := chainEventsVectors{}
	for _, name := range pocketEventNames() {
		for i := 0; i < 4; i++ {
			msg, err := newGogo(name)
			if err != nil {
				return nil, err
			}
			if i > 0 {
				fillRandom(reflect.ValueOf(msg).Elem(), r, 0)
			}
			// The SDK appends plain-text attributes of its own: msg_index to events of a
			// transaction's messages, mode to those of FinalizeBlock. Decoders must skip them.
			var extra []chainEventAttribute
			switch i {
			case 2:
				extra = []chainEventAttribute{{Key: "msg_index", Value: strconv.Itoa(r.Intn(4))}}
			case 3:
				extra = []chainEventAttribute{{Key: "mode", Value: "EndBlock"}}
			}
			c, err := toChainEvent(msg, extra)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out.Events = append(out.Events, c)
		}
	}
	for i := 0; i < 8; i++ {
		c, err := chainRewardVector(r, i)
		if err != nil {
			return nil, err
		}
		out.Rewards = append(out.Rewards, c)
	}
	return out, nil
}

func chainRandAddress(r *rand.Rand) string {
	addr, err := bech32.ConvertAndEncode("pokt", randBytes(r, 20))
	if err != nil {
		panic(err)
	}
	return addr
}

// chainRewardVector settles one synthetic claim's transfers the way the token logic modules
// queue them (supplier shareholders, source owner, DAO, application, validators, reimbursement).
func chainRewardVector(r *rand.Rand, i int) (chainRewardCase, error) {
	app := chainRandAddress(r)
	owner := chainRandAddress(r)
	dao := chainRandAddress(r)
	supplierOwner := chainRandAddress(r)
	operator := chainRandAddress(r)
	holders := []string{supplierOwner, chainRandAddress(r), chainRandAddress(r)}

	claimed := sdkmath.NewInt(1 + r.Int63n(1e12))
	settled := claimed
	if i%3 == 1 { // overserviced: the application could not cover the whole claim
		settled = claimed.QuoRaw(2)
	}
	mintRatio := []float64{1, 0.975, 0.5, 0.123456789}[i%4]
	result := tokenomicstypes.ClaimSettlementResult{
		Claim: prooftypes.Claim{
			SupplierOperatorAddress: operator,
			SessionHeader: &sessiontypes.SessionHeader{
				ApplicationAddress:      app,
				ServiceId:               "svc-" + randWord(r),
				SessionId:               fmt.Sprintf("%x", randBytes(r, 32)),
				SessionStartBlockHeight: 1 + r.Int63n(1000),
				SessionEndBlockHeight:   1001 + r.Int63n(1000),
			},
			RootHash:              randBytes(r, 48),
			ProofValidationStatus: prooftypes.ClaimProofStatus(r.Intn(2)),
		},
	}
	coin := func() sdk.Coin { return sdk.NewCoin("upokt", sdkmath.NewInt(1+r.Int63n(1e9))) }
	add := func(reason tokenomicstypes.SettlementOpReason, to string) {
		result.AppendModToAcctTransfer(tokenomicstypes.ModToAcctTransfer{
			OpReason: reason, SenderModule: "tokenomics", RecipientAddress: to, Coin: coin(),
		})
	}
	for _, h := range holders[:1+r.Intn(len(holders))] {
		add(tokenomicstypes.SettlementOpReason_TLM_RELAY_BURN_EQUALS_MINT_SUPPLIER_SHAREHOLDER_REWARD_DISTRIBUTION, h)
	}
	add(tokenomicstypes.SettlementOpReason_TLM_RELAY_BURN_EQUALS_MINT_SOURCE_OWNER_REWARD_DISTRIBUTION, owner)
	add(tokenomicstypes.SettlementOpReason_TLM_RELAY_BURN_EQUALS_MINT_DAO_REWARD_DISTRIBUTION, dao)
	if i%2 == 0 {
		add(tokenomicstypes.SettlementOpReason_TLM_RELAY_BURN_EQUALS_MINT_APPLICATION_REWARD_DISTRIBUTION, app)
		add(tokenomicstypes.SettlementOpReason_TLM_GLOBAL_MINT_SUPPLIER_SHAREHOLDER_REWARD_DISTRIBUTION, supplierOwner)
		add(tokenomicstypes.SettlementOpReason_TLM_GLOBAL_MINT_SOURCE_OWNER_REWARD_DISTRIBUTION, owner)
		add(tokenomicstypes.SettlementOpReason_TLM_GLOBAL_MINT_DAO_REWARD_DISTRIBUTION, dao)
		add(tokenomicstypes.SettlementOpReason_TLM_GLOBAL_MINT_REIMBURSEMENT_REQUEST_ESCROW_DAO_TRANSFER, dao)
		add(tokenomicstypes.SettlementOpReason_TLM_RELAY_BURN_EQUALS_MINT_VALIDATOR_REWARD_DISTRIBUTION, chainRandAddress(r))
		add(tokenomicstypes.SettlementOpReason_TLM_RELAY_BURN_EQUALS_MINT_DELEGATOR_REWARD_DISTRIBUTION, chainRandAddress(r))
	}
	claimedCoin := sdk.NewCoin("upokt", claimed)
	settledCoin := sdk.NewCoin("upokt", settled)
	ev := tokenomicstypes.NewEventClaimSettled(
		uint64(1+r.Intn(1000)), uint64(1+r.Intn(100000)), uint64(1+r.Intn(1000000)), uint64(1+r.Intn(1000)),
		prooftypes.ProofRequirementReason(r.Intn(3)), &claimedCoin, &result, &settledCoin, mintRatio, supplierOwner,
	)
	c, err := toChainEvent(ev, []chainEventAttribute{{Key: "mode", Value: "EndBlock"}})
	if err != nil {
		return chainRewardCase{}, err
	}
	out := chainRewardCase{
		Event:                c,
		ClaimedUpokt:         claimed.String(),
		SettledUpokt:         settled.String(),
		MintedUpokt:          strings.TrimSuffix(ev.MintedUpokt, "upokt"),
		TotalsByRecipient:    map[string]string{},
		RewardDistributionGo: ev.RewardDistribution,
	}
	totals := map[string]sdkmath.Int{}
	for _, t := range result.ModToAcctTransfers {
		out.Rewards = append(out.Rewards, chainRewardExpected{
			Recipient: t.RecipientAddress, OpReason: t.OpReason.String(), Amount: t.Coin.Amount.String(),
		})
		prev, ok := totals[t.RecipientAddress]
		if !ok {
			prev = sdkmath.ZeroInt()
		}
		totals[t.RecipientAddress] = prev.Add(t.Coin.Amount)
	}
	for k, v := range totals {
		out.TotalsByRecipient[k] = v.String()
	}
	return out, nil
}

// ---------------------------------------------------------------------------------------------
// Errors

// chainErrorCase is one error as a client receives it.
type chainErrorCase struct {
	Phase     string `json:"phase"` // check | deliver | simulate
	Codespace string `json:"codespace"`
	Code      uint32 `json:"code"`
	Log       string `json:"log"`
	// Hint is the codespace of the message that failed, for descriptions several modules share.
	Hint   string `json:"hint,omitempty"`
	Expect struct {
		Codespace string `json:"codespace"`
		Code      uint32 `json:"code"`
		Name      string `json:"name"`
	} `json:"expect"`
}

// chainErrorsVectors: the registry itself is @decai/protocol's (errors_registry.go); these are
// the ways the chain reports each of its errors.
type chainErrorsVectors struct {
	Cases []chainErrorCase `json:"cases"`
}

var chainStackFrame = regexp.MustCompile(`\[[^\[\]]*\.go:\d+\]`)

// The gRPC codes poktroll's message servers wrap their errors in.
var chainGRPCCodes = []codes.Code{codes.InvalidArgument, codes.FailedPrecondition, codes.NotFound, codes.Internal}

func generateChainErrors(r *rand.Rand) (any, error) {
	known, err := chainKnownErrors()
	if err != nil {
		return nil, err
	}
	byDesc := map[string][]knownError{}
	for _, k := range known {
		byDesc[k.Description] = append(byDesc[k.Description], k)
	}
	out := chainErrorsVectors{}
	for _, k := range known {
		registered := errorsmod.ABCIError(k.Codespace, k.Code, "x")
		var base *errorsmod.Error
		if !errors.As(registered, &base) {
			return nil, fmt.Errorf("%s: no registered error behind %v", k.Name, registered)
		}
		var inner error = base.Wrapf("%s (%d)", randWord(r), r.Intn(1000))
		if r.Intn(3) == 0 {
			inner = base // some call sites return the sentinel unwrapped
		}
		hint := ""
		if len(byDesc[k.Description]) > 1 {
			hint = k.Codespace
		}
		add := func(phase string, err error, queryStyle bool) {
			var cs string
			var code uint32
			var log string
			if queryStyle {
				res := sdkerrors.QueryResult(err, false)
				cs, code, log = res.Codespace, res.Code, res.Log
			} else {
				cs, code, log = errorsmod.ABCIInfo(err, false)
			}
			// `%v` of a wrapped error appends where it was wrapped, as a file path of the build
			// machine; keep the shape, not the path.
			log = chainStackFrame.ReplaceAllString(log, "[x/module/keeper/file.go:1]")
			c := chainErrorCase{Phase: phase, Codespace: cs, Code: code, Log: log, Hint: hint}
			c.Expect.Codespace, c.Expect.Code, c.Expect.Name = k.Codespace, k.Code, k.Name
			out.Cases = append(out.Cases, c)
		}
		if k.Codespace == sdkerrors.RootCodespace {
			// Ante handler errors: CheckTx returns them as they are.
			add("check", inner, false)
		} else {
			// Message servers: poktroll returns status.Error(code, err.Error()), and baseapp wraps
			// whatever a message returns with its index.
			grpcErr := status.Error(chainGRPCCodes[r.Intn(len(chainGRPCCodes))], inner.Error())
			add("deliver", errorsmod.Wrapf(grpcErr, "failed to execute message; message index: %d", r.Intn(3)), false)
			inner = errorsmod.Wrapf(grpcErr, "failed to execute message; message index: %d", 0)
		}
		// Simulation: x/auth/tx's Simulate returns status.Errorf(codes.Unknown, "%v with gas
		// used: '%d'", err, gasUsed), which baseapp turns into sdk/6 (gRPCErrorToSDKError).
		simErr := status.Errorf(codes.Unknown, "%v with gas used: '%d'", inner, r.Intn(1e6))
		add("simulate", errorsmod.Wrap(sdkerrors.ErrUnknownRequest, simErr.Error()), true)
	}
	return out, nil
}

// ---------------------------------------------------------------------------------------------
// Transactions

type chainTxCoin struct {
	Denom  string `json:"denom"`
	Amount string `json:"amount"`
}

type chainTxCase struct {
	Name          string        `json:"name"`
	ChainID       string        `json:"chainId"`
	AccountNumber string        `json:"accountNumber"`
	Sequence      string        `json:"sequence"`
	Memo          string        `json:"memo"`
	GasLimit      string        `json:"gasLimit"`
	Fee           []chainTxCoin `json:"fee"`
	TypeURLs      []string      `json:"typeUrls"`
	PublicKey     Hex           `json:"publicKey"`
	TxRaw         Hex           `json:"txRaw"`
	// Hash is what CometBFT calls the transaction: SHA-256 of the raw bytes.
	Hash Hex `json:"hash"`
}

var chainTxCodec = func() codec.Codec {
	registry, err := codectypes.NewInterfaceRegistryWithOptions(codectypes.InterfaceRegistryOptions{
		ProtoFiles: gogoproto.HybridResolver,
		SigningOptions: signing.Options{
			AddressCodec:          addresscodec.NewBech32Codec("pokt"),
			ValidatorAddressCodec: addresscodec.NewBech32Codec("poktvaloper"),
		},
	})
	if err != nil {
		panic(err)
	}
	cryptoRegister(registry)
	banktypes.RegisterInterfaces(registry)
	apptypes.RegisterInterfaces(registry)
	gatewaytypes.RegisterInterfaces(registry)
	prooftypes.RegisterInterfaces(registry)
	servicetypes.RegisterInterfaces(registry)
	suppliertypes.RegisterInterfaces(registry)
	sessiontypes.RegisterInterfaces(registry)
	sharedtypes.RegisterInterfaces(registry)
	tokenomicstypes.RegisterInterfaces(registry)
	return codec.NewProtoCodec(registry)
}()

func cryptoRegister(registry codectypes.InterfaceRegistry) {
	registry.RegisterInterface("cosmos.crypto.PubKey", (*cryptotypes.PubKey)(nil))
	registry.RegisterImplementations((*cryptotypes.PubKey)(nil), &secp256k1.PubKey{})
}

func verifyChainTxs(raw json.RawMessage) (int, error) {
	cases, err := decodeCases[chainTxCase](raw)
	if err != nil {
		return 0, err
	}
	decode := authtx.DefaultTxDecoder(chainTxCodec)
	for _, c := range cases {
		if err := verifyChainTx(c, decode); err != nil {
			return 0, fmt.Errorf("%s: %w", c.Name, err)
		}
	}
	return len(cases), nil
}

func verifyChainTx(c chainTxCase, decode sdk.TxDecoder) error {
	// The SDK's decoder: strict about unknown fields and non-canonical Any packing.
	decoded, err := decode(c.TxRaw)
	if err != nil {
		return fmt.Errorf("the SDK cannot decode the transaction: %w", err)
	}
	var txRaw txtypes.TxRaw
	if err := txRaw.Unmarshal(c.TxRaw); err != nil {
		return err
	}
	if len(txRaw.Signatures) != 1 {
		return fmt.Errorf("%d signatures", len(txRaw.Signatures))
	}
	var body txtypes.TxBody
	if err := chainTxCodec.Unmarshal(txRaw.BodyBytes, &body); err != nil {
		return err
	}
	var authInfo txtypes.AuthInfo
	if err := chainTxCodec.Unmarshal(txRaw.AuthInfoBytes, &authInfo); err != nil {
		return err
	}
	if body.Memo != c.Memo {
		return fmt.Errorf("memo %q, want %q", body.Memo, c.Memo)
	}
	if len(body.Messages) != len(c.TypeURLs) {
		return fmt.Errorf("%d messages, want %d", len(body.Messages), len(c.TypeURLs))
	}
	for i, any := range body.Messages {
		if any.TypeUrl != c.TypeURLs[i] {
			return fmt.Errorf("message %d is %s, want %s", i, any.TypeUrl, c.TypeURLs[i])
		}
		// The value must be the canonical gogo encoding (what the chain hashes and re-signs).
		msg, ok := any.GetCachedValue().(gogoproto.Message)
		if !ok {
			return fmt.Errorf("message %d (%s) did not unpack", i, any.TypeUrl)
		}
		canonical, err := gogoproto.Marshal(msg)
		if err != nil {
			return err
		}
		if !bytes.Equal(canonical, any.Value) {
			return fmt.Errorf("message %d (%s) is not canonically encoded", i, any.TypeUrl)
		}
	}
	// The single signer: its mode, sequence and public key.
	if len(authInfo.SignerInfos) != 1 {
		return fmt.Errorf("%d signer infos", len(authInfo.SignerInfos))
	}
	si := authInfo.SignerInfos[0]
	single, ok := si.ModeInfo.GetSum().(*txtypes.ModeInfo_Single_)
	if !ok || single.Single.Mode != signingtypes.SignMode_SIGN_MODE_DIRECT {
		return fmt.Errorf("mode info %v is not single SIGN_MODE_DIRECT", si.ModeInfo)
	}
	if strconv.FormatUint(si.Sequence, 10) != c.Sequence {
		return fmt.Errorf("sequence %d, want %s", si.Sequence, c.Sequence)
	}
	pk, ok := si.PublicKey.GetCachedValue().(*secp256k1.PubKey)
	if !ok {
		return fmt.Errorf("public key is %s, not secp256k1", si.PublicKey.TypeUrl)
	}
	if !bytes.Equal(pk.Key, c.PublicKey) {
		return fmt.Errorf("public key %x, want %x", pk.Key, []byte(c.PublicKey))
	}
	// Fee.
	if authInfo.Fee == nil || strconv.FormatUint(authInfo.Fee.GasLimit, 10) != c.GasLimit {
		return fmt.Errorf("gas limit %v, want %s", authInfo.Fee, c.GasLimit)
	}
	if len(authInfo.Fee.Amount) != len(c.Fee) {
		return fmt.Errorf("fee %v, want %v", authInfo.Fee.Amount, c.Fee)
	}
	for i, coin := range authInfo.Fee.Amount {
		if coin.Denom != c.Fee[i].Denom || coin.Amount.String() != c.Fee[i].Amount {
			return fmt.Errorf("fee %v, want %v", authInfo.Fee.Amount, c.Fee)
		}
	}
	// Every message must be signed for by this key (cosmos.msg.v1.signer).
	signerAddr := pk.Address()
	for _, msg := range decoded.GetMsgs() {
		signers, _, err := chainTxCodec.GetMsgV1Signers(msg)
		if err != nil {
			return err
		}
		if len(signers) != 1 || !bytes.Equal(signers[0], signerAddr) {
			return fmt.Errorf("%T is signed for by %x, not by the key's address %x", msg, signers, signerAddr.Bytes())
		}
	}
	// The signature over the SIGN_MODE_DIRECT sign doc.
	accountNumber, err := strconv.ParseUint(c.AccountNumber, 10, 64)
	if err != nil {
		return err
	}
	signDoc := txtypes.SignDoc{BodyBytes: txRaw.BodyBytes, AuthInfoBytes: txRaw.AuthInfoBytes, ChainId: c.ChainID, AccountNumber: accountNumber}
	signBytes, err := signDoc.Marshal()
	if err != nil {
		return err
	}
	if !pk.VerifySignature(signBytes, txRaw.Signatures[0]) {
		return fmt.Errorf("signature does not verify")
	}
	if got := chainTxHash(c.TxRaw); !bytes.Equal(got, c.Hash) {
		return fmt.Errorf("hash %x, want %x", got, []byte(c.Hash))
	}
	return nil
}

func chainTxHash(txBytes []byte) []byte {
	h := sha256.Sum256(txBytes)
	return h[:]
}
