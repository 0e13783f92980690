package main

// Shared helpers for the @decai/crypto vectors, verifiers and benchmarks. Everything here calls
// the upstream modules the chain links (cosmos-sdk secp256k1, ring-go v0.2.0 on go-dleq's decred
// backend, poktroll's rings package); nothing re-implements their arithmetic.

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/rand"
	"slices"

	"cosmossdk.io/depinject"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	"github.com/cosmos/cosmos-sdk/types/bech32"
	dleqtypes "github.com/pokt-network/go-dleq/types"
	"github.com/pokt-network/poktroll/pkg/client"
	"github.com/pokt-network/poktroll/pkg/crypto/rings"
	"github.com/pokt-network/poktroll/pkg/polylog"
	"github.com/pokt-network/poktroll/pkg/polylog/polyzero"
	apptypes "github.com/pokt-network/poktroll/x/application/types"
	sharedtypes "github.com/pokt-network/poktroll/x/shared/types"
	ring "github.com/pokt-network/ring-go"
	"golang.org/x/crypto/sha3"
)

// cryptoCurve is the curve poktroll hands to ring-go: go-dleq secp256k1, decred backend (the
// harness is built with CGO_ENABLED=0, like poktroll releases).
var cryptoCurve = ring.Secp256k1()

// cryptoOrder is the secp256k1 group order n.
var cryptoOrder, _ = new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)

// cryptoRandPrivKey draws a valid secp256k1 private key from r.
func cryptoRandPrivKey(r *rand.Rand) *secp256k1.PrivKey {
	for {
		b := randBytes(r, 32)
		k := new(big.Int).SetBytes(b)
		if k.Sign() > 0 && k.Cmp(cryptoOrder) < 0 {
			return &secp256k1.PrivKey{Key: b}
		}
	}
}

// cryptoAddress is the cosmos account address of a public key in pokt bech32.
func cryptoAddress(pub cryptotypes.PubKey) string {
	addr, err := bech32.ConvertAndEncode("pokt", pub.Address())
	if err != nil {
		panic(err)
	}
	return addr
}

func cryptoScalar(priv []byte) dleqtypes.Scalar {
	s, err := cryptoCurve.DecodeToScalar(priv)
	if err != nil {
		panic(err)
	}
	return s
}

func cryptoPoint(pub []byte) (dleqtypes.Point, error) { return cryptoCurve.DecodeToPoint(pub) }

// cryptoRing builds a ring-go ring from compressed public keys, as poktroll does.
func cryptoRing(pubs [][]byte) (*ring.Ring, error) {
	points := make([]dleqtypes.Point, len(pubs))
	for i, p := range pubs {
		pt, err := cryptoPoint(p)
		if err != nil {
			return nil, fmt.Errorf("ring member %d: %w", i, err)
		}
		points[i] = pt
	}
	return ring.NewFixedKeyRingFromPublicKeys(cryptoCurve, points)
}

// cryptoRingSign signs m with ring-go's plain Sign (what shannon-sdk calls) and serializes.
func cryptoRingSign(m [32]byte, pubs [][]byte, priv []byte) ([]byte, error) {
	r, err := cryptoRing(pubs)
	if err != nil {
		return nil, err
	}
	sig, err := r.Sign(m, cryptoScalar(priv))
	if err != nil {
		return nil, err
	}
	return sig.Serialize()
}

// cryptoRingVerify deserializes and verifies as poktroll does, turning a ring-go panic (ring size
// 0, a too-short header) into an error instead of a crash.
func cryptoRingVerify(m [32]byte, sigBz []byte) (deserialized bool, verified bool, panicked bool) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	sig := new(ring.RingSig)
	if err := sig.Deserialize(cryptoCurve, sigBz); err != nil {
		return false, false, false
	}
	return true, sig.Verify(m), false
}

// cryptoHashToCurveCache memoizes cryptoHashToCurve by private key.
var cryptoHashToCurveCache = map[string][]byte{}

// cryptoHashToCurve returns ring-go's H_p(P) for P = x·G. ring-go does not export its
// hash-to-curve, but it publishes the key image I = x·H_p(P) in every signature, so
// H_p(P) = x⁻¹·I, all computed by the reference itself.
func cryptoHashToCurve(priv []byte) ([]byte, error) {
	if h, ok := cryptoHashToCurveCache[string(priv)]; ok {
		return h, nil
	}
	x := cryptoScalar(priv)
	pub := cryptoCurve.ScalarBaseMul(x).Encode()
	// Any second member will do; use the generator's public key 1·G.
	other := cryptoCurve.ScalarBaseMul(cryptoCurve.ScalarFromInt(1)).Encode()
	if string(other) == string(pub) {
		other = cryptoCurve.ScalarBaseMul(cryptoCurve.ScalarFromInt(2)).Encode()
	}
	sig, err := cryptoRingSign([32]byte{}, [][]byte{pub, other}, priv)
	if err != nil {
		return nil, err
	}
	image, err := cryptoPoint(sig[36:69])
	if err != nil {
		return nil, err
	}
	h := image.ScalarMul(x.Inverse()).Encode()
	cryptoHashToCurveCache[string(priv)] = h
	return h, nil
}

// cryptoTextbookScalar is sha3-512(t) mod n as 32 big-endian bytes: what a correct reduction (and
// go-dleq's ethereum backend) would produce.
func cryptoTextbookScalar(t []byte) []byte {
	h := sha3.Sum512(t)
	v := new(big.Int).Mod(new(big.Int).SetBytes(h[:]), cryptoOrder)
	out := make([]byte, 32)
	v.FillBytes(out)
	return out
}

// cryptoChain walks a serialized ring signature's challenge chain with go-dleq's arithmetic and
// reference HashToScalar, returning c_0..c_{n-1} (c_0 as decoded), whether the chain closes, and
// the steps i whose challenge c_{i+1} differs from the textbook reduction (the decred left-align
// quirk). hp maps each member's compressed key to H_p of it.
func cryptoChain(m [32]byte, sigBz []byte, hp func(pub []byte) ([]byte, error)) (challenges [][]byte, closes bool, quirkSteps []int, err error) {
	if len(sigBz) < 69 {
		return nil, false, nil, errors.New("signature too short")
	}
	n := int(binary.BigEndian.Uint32(sigBz[:4]))
	if n == 0 || len(sigBz) < 69+65*n {
		return nil, false, nil, errors.New("bad ring size")
	}
	c, err := cryptoCurve.DecodeToScalar(sigBz[4:36])
	if err != nil {
		return nil, false, nil, err
	}
	image, err := cryptoPoint(sigBz[36:69])
	if err != nil {
		return nil, false, nil, err
	}
	c0 := c
	quirkSteps = []int{}
	for i := 0; i < n; i++ {
		off := 69 + 65*i
		s, err := cryptoCurve.DecodeToScalar(sigBz[off : off+32])
		if err != nil {
			return nil, false, nil, err
		}
		pubBz := sigBz[off+32 : off+65]
		pub, err := cryptoPoint(pubBz)
		if err != nil {
			return nil, false, nil, err
		}
		hBz, err := hp(pubBz)
		if err != nil {
			return nil, false, nil, err
		}
		h, err := cryptoPoint(hBz)
		if err != nil {
			return nil, false, nil, err
		}
		challenges = append(challenges, c.Encode())
		l := cryptoCurve.ScalarMul(c, pub).Add(cryptoCurve.ScalarBaseMul(s))
		rr := cryptoCurve.ScalarMul(c, image).Add(cryptoCurve.ScalarMul(s, h))
		t := append(append(append([]byte{}, m[:]...), l.Encode()...), rr.Encode()...)
		next, err := cryptoCurve.HashToScalar(t)
		if err != nil {
			return nil, false, nil, err
		}
		if hex.EncodeToString(next.Encode()) != hex.EncodeToString(cryptoTextbookScalar(t)) {
			quirkSteps = append(quirkSteps, i)
		}
		c = next
	}
	return challenges, c.Eq(c0), quirkSteps, nil
}

// --- poktroll ring construction, run through the real ring client with in-memory queriers ---

type cryptoAppQuerier struct {
	client.ApplicationQueryClient
	apps map[string]apptypes.Application
}

func (q cryptoAppQuerier) GetApplication(_ context.Context, addr string) (apptypes.Application, error) {
	app, ok := q.apps[addr]
	if !ok {
		return apptypes.Application{}, fmt.Errorf("no application %s", addr)
	}
	return app, nil
}

type cryptoAccountQuerier struct {
	client.AccountQueryClient
	pubs map[string][]byte
}

func (q cryptoAccountQuerier) GetPubKeyFromAddress(_ context.Context, addr string) (cryptotypes.PubKey, error) {
	pub, ok := q.pubs[addr]
	if !ok {
		return nil, fmt.Errorf("no public key for %s", addr)
	}
	return &secp256k1.PubKey{Key: pub}, nil
}

type cryptoSharedQuerier struct {
	client.SharedQueryClient
	params sharedtypes.Params
}

func (q cryptoSharedQuerier) GetParams(context.Context) (*sharedtypes.Params, error) {
	return &q.params, nil
}

// cryptoRingCase is the input of poktroll's ring rule for one application.
type cryptoRingCase struct {
	AppAddress                string              `json:"appAddress"`
	DelegateeGatewayAddresses []string            `json:"delegateeGatewayAddresses"`
	PendingUndelegations      map[string][]string `json:"pendingUndelegations"` // height (decimal) -> gateways
	SessionEndHeight          uint64              `json:"sessionEndHeight"`
	PublicKeys                map[string]Hex      `json:"publicKeys"` // address -> compressed key
}

// cryptoRingSessionParams gives sessions of 4 blocks on the genesis grid, so every multiple of 4
// is a session end height.
func cryptoRingSessionParams() sharedtypes.Params {
	p := sharedtypes.DefaultParams()
	p.NumBlocksPerSession = 4
	p.SessionGridAnchorHeight = 0
	p.SessionNumberAtAnchor = 0
	return p
}

// cryptoRingOrder is poktroll's address rule as written in pkg/crypto/rings/client.go
// (getRingPubKeysForAddress): app + gateways at the session end height, the placeholder when
// there are none, then a plain string sort. cryptoCheckRingOrder confirms it against the real
// ring client for every case.
func cryptoRingOrder(c cryptoRingCase) ([]string, error) {
	app, err := cryptoRingApp(c)
	if err != nil {
		return nil, err
	}
	gateways := rings.GetRingAddressesAtSessionEndHeight(&app, c.SessionEndHeight)
	addrs := append([]string{c.AppAddress}, gateways...)
	if len(gateways) == 0 {
		addrs = append(addrs, rings.PlaceholderRingAddress)
	}
	slices.Sort(addrs)
	return addrs, nil
}

func cryptoRingApp(c cryptoRingCase) (apptypes.Application, error) {
	app := apptypes.Application{
		Address:                   c.AppAddress,
		DelegateeGatewayAddresses: append([]string{}, c.DelegateeGatewayAddresses...),
		PendingUndelegations:      map[uint64]apptypes.UndelegatingGatewayList{},
	}
	for h, gws := range c.PendingUndelegations {
		var height uint64
		if _, err := fmt.Sscan(h, &height); err != nil {
			return app, fmt.Errorf("bad pending undelegation height %q", h)
		}
		app.PendingUndelegations[height] = apptypes.UndelegatingGatewayList{GatewayAddresses: gws}
	}
	return app, nil
}

// cryptoCheckRingOrder builds the ring with poktroll's ring client (GetRingForAddressAtHeight,
// the code the relayminer and the chain run) and checks that it equals, member by member and in
// order, the ring made from the given addresses.
func cryptoCheckRingOrder(c cryptoRingCase, addrs []string) error {
	app, err := cryptoRingApp(c)
	if err != nil {
		return err
	}
	params := cryptoRingSessionParams()
	if got := sharedtypes.GetSessionEndHeight(&params, int64(c.SessionEndHeight)); uint64(got) != c.SessionEndHeight {
		return fmt.Errorf("%d is not a session end height with 4-block sessions", c.SessionEndHeight)
	}
	pubs := map[string][]byte{}
	for a, p := range c.PublicKeys {
		pubs[a] = p
	}
	logger := polyzero.NewLogger(polyzero.WithOutput(io.Discard))
	deps := depinject.Supply(
		polylog.Logger(logger),
		client.AccountQueryClient(cryptoAccountQuerier{pubs: pubs}),
		client.ApplicationQueryClient(cryptoAppQuerier{apps: map[string]apptypes.Application{c.AppAddress: app}}),
		client.SharedQueryClient(cryptoSharedQuerier{params: params}),
	)
	rc, err := rings.NewRingClient(deps)
	if err != nil {
		return err
	}
	want, err := rc.GetRingForAddressAtHeight(context.Background(), c.AppAddress, int64(c.SessionEndHeight))
	if err != nil {
		return err
	}
	claimed := make([][]byte, len(addrs))
	for i, a := range addrs {
		if a == rings.PlaceholderRingAddress {
			claimed[i] = rings.PlaceholderRingPubKey.Bytes()
			continue
		}
		p, ok := pubs[a]
		if !ok {
			return fmt.Errorf("no public key for ring address %s", a)
		}
		claimed[i] = p
	}
	got, err := cryptoRing(claimed)
	if err != nil {
		return err
	}
	if !want.Equals(got) {
		return fmt.Errorf("ring order %v differs from poktroll's ring client", addrs)
	}
	return nil
}
