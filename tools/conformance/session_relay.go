package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/textproto"
	"strconv"

	"cosmossdk.io/depinject"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/bech32"
	"github.com/pokt-network/poktroll/pkg/client"
	"github.com/pokt-network/poktroll/pkg/crypto"
	"github.com/pokt-network/poktroll/pkg/crypto/rings"
	"github.com/pokt-network/poktroll/pkg/polylog"
	"github.com/pokt-network/poktroll/pkg/polylog/polyzero"
	apptypes "github.com/pokt-network/poktroll/x/application/types"
	servicetypes "github.com/pokt-network/poktroll/x/service/types"
	sessionkeeper "github.com/pokt-network/poktroll/x/session/keeper"
	sessiontypes "github.com/pokt-network/poktroll/x/session/types"
	sharedtypes "github.com/pokt-network/poktroll/x/shared/types"
	ring "github.com/pokt-network/ring-go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Relay protocol, both directions. The generator builds relays the way poktroll's gateway
// and relay miner code paths do (shannon-sdk HTTP payloads, ring-go signatures over
// GetSignableBytesHash, cosmos secp256k1 response signatures) for TypeScript to verify; the
// verifiers check TypeScript-built requests with poktroll's own ring client
// (VerifyRelayRequestSignature), responses with RelayResponse.VerifySupplierOperatorSignature,
// and streamed responses frame by frame (docs/streaming.md in packages/session).

func init() {
	registerGenerator("relay-protocol", generator{
		file:          "packages/session/test/vectors/relay-protocol.json",
		deterministic: false,
		run:           genRelayProtocol,
		check:         checkRelayProtocol,
	})
	registerVerifier("session-http-requests", verifySessionHTTPRequests)
	registerVerifier("session-relay-requests", verifySessionRelayRequests)
	registerVerifier("session-relay-responses", verifySessionRelayResponses)
	registerVerifier("session-relay-streams", verifySessionRelayStreams)
}

// --- shared pieces ---

// sessRingInfo is what poktroll's ring client needs to rebuild an application's ring.
type sessRingInfo struct {
	AppAddress                string         `json:"appAddress"`
	DelegateeGatewayAddresses []string       `json:"delegateeGatewayAddresses"`
	PublicKeys                map[string]Hex `json:"publicKeys"`
	// NumBlocksPerSession defaults to 10; it only matters for pending undelegations.
	NumBlocksPerSession string `json:"numBlocksPerSession,omitempty"`
}

type sessAppQuerier struct {
	client.ApplicationQueryClient
	app apptypes.Application
}

func (q sessAppQuerier) GetApplication(_ context.Context, addr string) (apptypes.Application, error) {
	if addr != q.app.Address {
		return apptypes.Application{}, fmt.Errorf("no application %s", addr)
	}
	return q.app, nil
}

type sessAccountQuerier struct {
	client.AccountQueryClient
	pubs map[string]Hex
}

func (q sessAccountQuerier) GetPubKeyFromAddress(_ context.Context, addr string) (cryptotypes.PubKey, error) {
	pub, ok := q.pubs[addr]
	if !ok {
		return nil, fmt.Errorf("no public key for %s", addr)
	}
	return &secp256k1.PubKey{Key: pub}, nil
}

type sessSharedQuerier struct {
	client.SharedQueryClient
	params sharedtypes.Params
}

func (q sessSharedQuerier) GetParams(context.Context) (*sharedtypes.Params, error) {
	return &q.params, nil
}

// sessRingClient is poktroll's ring client over in-memory chain state.
func sessRingClient(info sessRingInfo) (crypto.RingClient, error) {
	n := uint64(10)
	if info.NumBlocksPerSession != "" {
		var err error
		if n, err = strconv.ParseUint(info.NumBlocksPerSession, 10, 64); err != nil {
			return nil, err
		}
	}
	params := sharedtypes.DefaultParams()
	params.NumBlocksPerSession = n
	app := apptypes.Application{
		Address:                   info.AppAddress,
		DelegateeGatewayAddresses: append([]string{}, info.DelegateeGatewayAddresses...),
		PendingUndelegations:      map[uint64]apptypes.UndelegatingGatewayList{},
	}
	logger := polyzero.NewLogger(polyzero.WithOutput(io.Discard))
	deps := depinject.Supply(
		polylog.Logger(logger),
		client.AccountQueryClient(sessAccountQuerier{pubs: info.PublicKeys}),
		client.ApplicationQueryClient(sessAppQuerier{app: app}),
		client.SharedQueryClient(sessSharedQuerier{params: params}),
	)
	return rings.NewRingClient(deps)
}

// sessPoktHTTP builds what shannon-sdk's SerializeHTTPRequest / response serialization
// produce: headers through net/http (canonical names, values in order), deterministic bytes.
func sessPoktHTTP(name string, fields map[string]any, pairs [][2]string) ([]byte, error) {
	m, err := httpMessage(name)
	if err != nil {
		return nil, err
	}
	d := m.Descriptor()
	h := http.Header{}
	for _, p := range pairs {
		h.Add(p[0], p[1])
	}
	for field, v := range fields {
		switch x := v.(type) {
		case string:
			m.Set(d.Fields().ByName(protoreflect.Name(field)), protoreflect.ValueOfString(x))
		case []byte:
			m.Set(d.Fields().ByName(protoreflect.Name(field)), protoreflect.ValueOfBytes(x))
		case uint32:
			m.Set(d.Fields().ByName(protoreflect.Name(field)), protoreflect.ValueOfUint32(x))
		}
	}
	headers := m.Mutable(d.Fields().ByName("header")).Map()
	for key := range h {
		hv := headers.NewValue()
		hm := hv.Message()
		hm.Set(hm.Descriptor().Fields().ByName("key"), protoreflect.ValueOfString(key))
		list := hm.Mutable(hm.Descriptor().Fields().ByName("values")).List()
		for _, v := range h.Values(key) {
			list.Append(protoreflect.ValueOfString(v))
		}
		headers.Set(protoreflect.ValueOfString(key).MapKey(), hv)
	}
	return deterministic.Marshal(m)
}

func sessHeadersEqual(a, b *sessiontypes.SessionHeader) bool {
	return a != nil && b != nil &&
		a.ApplicationAddress == b.ApplicationAddress && a.ServiceId == b.ServiceId &&
		a.SessionId == b.SessionId && a.SessionStartBlockHeight == b.SessionStartBlockHeight &&
		a.SessionEndBlockHeight == b.SessionEndBlockHeight
}

// sessCanonicalRequest decodes a relay request and insists that its bytes are gogo's
// canonical encoding, so nothing the chain would re-encode differently slips through.
func sessCanonicalRequest(bz []byte) (*servicetypes.RelayRequest, error) {
	req := &servicetypes.RelayRequest{}
	if err := req.Unmarshal(bz); err != nil {
		return nil, fmt.Errorf("unmarshal request: %w", err)
	}
	again, err := req.Marshal()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, bz) {
		return nil, errors.New("request bytes are not gogo's canonical encoding")
	}
	return req, nil
}

func sessCanonicalResponse(bz []byte) (*servicetypes.RelayResponse, error) {
	res := &servicetypes.RelayResponse{}
	if err := res.Unmarshal(bz); err != nil {
		return nil, fmt.Errorf("unmarshal response: %w", err)
	}
	again, err := res.Marshal()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, bz) {
		return nil, errors.New("response bytes are not gogo's canonical encoding")
	}
	return res, nil
}

// sessPocketPrefixes gives the SDK pocketd's bech32 prefixes (cmd/pocketd InitSDKConfig),
// which address validation (SessionHeader.ValidateBasic) depends on, and returns a function
// that puts the previous ones back so no other generator sees the change.
func sessPocketPrefixes() (restore func()) {
	config := sdk.GetConfig()
	acc, accPub := config.GetBech32AccountAddrPrefix(), config.GetBech32AccountPubPrefix()
	val, valPub := config.GetBech32ValidatorAddrPrefix(), config.GetBech32ValidatorPubPrefix()
	cons, consPub := config.GetBech32ConsensusAddrPrefix(), config.GetBech32ConsensusPubPrefix()
	config.SetBech32PrefixForAccount("pokt", "poktpub")
	config.SetBech32PrefixForValidator("poktvaloper", "poktvaloperpub")
	config.SetBech32PrefixForConsensusNode("poktvalcons", "poktvalconspub")
	return func() {
		config.SetBech32PrefixForAccount(acc, accPub)
		config.SetBech32PrefixForValidator(val, valPub)
		config.SetBech32PrefixForConsensusNode(cons, consPub)
	}
}

// sessVerifyRequest runs the checks a relay miner applies to a request's signature.
func sessVerifyRequest(info sessRingInfo, req *servicetypes.RelayRequest) error {
	if err := req.ValidateBasic(); err != nil {
		return fmt.Errorf("ValidateBasic: %w", err)
	}
	rc, err := sessRingClient(info)
	if err != nil {
		return err
	}
	if err := rc.VerifyRelayRequestSignature(context.Background(), req); err != nil {
		return fmt.Errorf("VerifyRelayRequestSignature: %w", err)
	}
	return nil
}

func sessPubKey(b []byte) cryptotypes.PubKey { return &secp256k1.PubKey{Key: b} }

func sessAddressOf(pub []byte) string {
	addr, err := bech32.ConvertAndEncode("pokt", sessPubKey(pub).Address())
	if err != nil {
		return ""
	}
	return addr
}

// --- Go-built relays for TypeScript to verify ---

type sessRelayHeader struct {
	ApplicationAddress      string `json:"applicationAddress"`
	ServiceId               string `json:"serviceId"`
	SessionId               string `json:"sessionId"`
	SessionStartBlockHeight string `json:"sessionStartBlockHeight"`
	SessionEndBlockHeight   string `json:"sessionEndBlockHeight"`
}

type sessHTTPInput struct {
	Method  string      `json:"method"`
	URL     string      `json:"url"`
	Headers [][2]string `json:"headers"`
	Body    Hex         `json:"body"`
}

type sessRelayVector struct {
	Ring                 sessRingInfo    `json:"ring"`
	RingPublicKeys       []Hex           `json:"ringPublicKeys"`
	SignerRole           string          `json:"signerRole"`
	SessionHeader        sessRelayHeader `json:"sessionHeader"`
	SupplierAddress      string          `json:"supplierAddress"`
	SupplierPublicKey    Hex             `json:"supplierPublicKey"`
	HTTP                 sessHTTPInput   `json:"http"`
	HTTPBytes            Hex             `json:"httpBytes"`
	Request              Hex             `json:"request"`
	RequestSignableHash  Hex             `json:"requestSignableHash"`
	ResponsePayload      Hex             `json:"responsePayload"`
	Response             Hex             `json:"response"`
	ResponseSignableHash Hex             `json:"responseSignableHash"`
	Relay                Hex             `json:"relay"`
	RelayHash            Hex             `json:"relayHash"`
}

type sessRelayProtocolVectors struct {
	HeaderKeys [][2]string       `json:"headerKeys"`
	Relays     []sessRelayVector `json:"relays"`
}

func sessRandKey(r *rand.Rand) *secp256k1.PrivKey {
	for {
		b := randBytes(r, 32)
		k := &secp256k1.PrivKey{Key: b}
		if _, err := bech32.ConvertAndEncode("pokt", k.PubKey().Address()); err == nil && b[0] != 0 {
			return k
		}
	}
}

func sessKeyAddress(k *secp256k1.PrivKey) string {
	addr, err := bech32.ConvertAndEncode("pokt", k.PubKey().Address())
	if err != nil {
		panic(err)
	}
	return addr
}

var sessHeaderNames = []string{
	"content-type", "Content-Type", "accept", "AUTHORIZATION", "x-request-id", "X-Api-Key",
	"user-agent", "x y", "ü-header", "a-b-c", "WWW-authenticate", "0", "te", "x_under",
}

func genRelayProtocol(r *rand.Rand) (any, error) {
	defer sessPocketPrefixes()()
	out := sessRelayProtocolVectors{}
	for _, name := range sessHeaderNames {
		out.HeaderKeys = append(out.HeaderKeys, [2]string{name, textproto.CanonicalMIMEHeaderKey(name)})
	}
	for i := 0; i < 24; i++ {
		app := sessRandKey(r)
		supplier := sessRandKey(r)
		var gateways []*secp256k1.PrivKey
		for g := r.Intn(3); g > 0; g-- {
			gateways = append(gateways, sessRandKey(r))
		}
		info := sessRingInfo{
			AppAddress:                sessKeyAddress(app),
			PublicKeys:                map[string]Hex{sessKeyAddress(app): app.PubKey().Bytes()},
			DelegateeGatewayAddresses: []string{},
		}
		for _, g := range gateways {
			info.DelegateeGatewayAddresses = append(info.DelegateeGatewayAddresses, sessKeyAddress(g))
			info.PublicKeys[sessKeyAddress(g)] = g.PubKey().Bytes()
		}
		signer, role := app, "application"
		if len(gateways) > 0 && r.Intn(3) != 0 {
			signer, role = gateways[r.Intn(len(gateways))], "gateway"
		}

		shared := sharedtypes.Params{NumBlocksPerSession: 10}
		height := int64(1 + r.Intn(5000))
		serviceId := sessRandServiceId(r)
		sessionId, _ := sessionkeeper.GetSessionId(&shared, info.AppAddress, serviceId, randBytes(r, 32), height)
		header := &sessiontypes.SessionHeader{
			ApplicationAddress:      info.AppAddress,
			ServiceId:               serviceId,
			SessionId:               sessionId,
			SessionStartBlockHeight: sharedtypes.GetSessionStartHeight(&shared, height),
			SessionEndBlockHeight:   sharedtypes.GetSessionEndHeight(&shared, height),
		}

		httpIn := sessHTTPInput{
			Method: []string{"POST", "GET"}[r.Intn(2)],
			URL:    []string{"/v1/chat/completions", "http://llm.local:8080/v1/completions?stream=true", ""}[r.Intn(3)],
			Body:   []byte(`{"model":"m","prompt":"` + randWord(r) + `"}`),
		}
		for h := r.Intn(5); h > 0; h-- {
			httpIn.Headers = append(httpIn.Headers, [2]string{sessHeaderNames[r.Intn(len(sessHeaderNames))], randWord(r)})
		}
		httpBz, err := sessPoktHTTP("sdk.types.POKTHTTPRequest",
			map[string]any{"method": httpIn.Method, "url": httpIn.URL, "body_bz": []byte(httpIn.Body)}, httpIn.Headers)
		if err != nil {
			return nil, err
		}

		req := &servicetypes.RelayRequest{
			Meta:    servicetypes.RelayRequestMetadata{SessionHeader: header, SupplierOperatorAddress: sessKeyAddress(supplier)},
			Payload: httpBz,
		}
		signable, err := req.GetSignableBytesHash()
		if err != nil {
			return nil, err
		}
		rc, err := sessRingClient(info)
		if err != nil {
			return nil, err
		}
		appRing, err := rc.GetRingForAddressAtHeight(context.Background(), info.AppAddress, header.SessionEndBlockHeight)
		if err != nil {
			return nil, err
		}
		scalar, err := ring.Secp256k1().DecodeToScalar(signer.Key)
		if err != nil {
			return nil, err
		}
		sig, err := appRing.Sign(signable, scalar)
		if err != nil {
			return nil, err
		}
		if req.Meta.Signature, err = sig.Serialize(); err != nil {
			return nil, err
		}
		reqBz, err := req.Marshal()
		if err != nil {
			return nil, err
		}

		respPayload, err := sessPoktHTTP("sdk.types.POKTHTTPResponse",
			map[string]any{"status_code": uint32([]int{200, 200, 429, 500}[r.Intn(4)]), "body_bz": []byte(`{"choices":["` + randWord(r) + `"]}`)},
			[][2]string{{"content-type", "application/json"}})
		if err != nil {
			return nil, err
		}
		res := &servicetypes.RelayResponse{
			Meta:    servicetypes.RelayResponseMetadata{SessionHeader: header},
			Payload: respPayload,
		}
		if err := res.UpdatePayloadHash(); err != nil {
			return nil, err
		}
		resSignable, err := res.GetSignableBytesHash()
		if err != nil {
			return nil, err
		}
		if res.Meta.SupplierOperatorSignature, err = supplier.Sign(resSignable[:]); err != nil {
			return nil, err
		}
		resBz, err := res.Marshal()
		if err != nil {
			return nil, err
		}
		mined := *res
		mined.Payload = nil
		relay := &servicetypes.Relay{Req: req, Res: &mined}
		relayBz, err := relay.Marshal()
		if err != nil {
			return nil, err
		}
		relayHash, err := relay.GetHash()
		if err != nil {
			return nil, err
		}

		v := sessRelayVector{
			Ring: info, SignerRole: role, SupplierAddress: sessKeyAddress(supplier), SupplierPublicKey: supplier.PubKey().Bytes(),
			SessionHeader: sessRelayHeader{
				ApplicationAddress: header.ApplicationAddress, ServiceId: header.ServiceId, SessionId: header.SessionId,
				SessionStartBlockHeight: i64s(header.SessionStartBlockHeight), SessionEndBlockHeight: i64s(header.SessionEndBlockHeight),
			},
			HTTP: httpIn, HTTPBytes: httpBz, Request: reqBz, RequestSignableHash: signable[:],
			ResponsePayload: respPayload, Response: resBz, ResponseSignableHash: resSignable[:],
			Relay: relayBz, RelayHash: relayHash[:],
		}
		for _, p := range sig.PublicKeys() {
			v.RingPublicKeys = append(v.RingPublicKeys, p.Encode())
		}
		out.Relays = append(out.Relays, v)
	}
	return out, nil
}

func checkRelayProtocol(committed []byte) error {
	defer sessPocketPrefixes()()
	var v sessRelayProtocolVectors
	if err := json.Unmarshal(committed, &v); err != nil {
		return err
	}
	for _, k := range v.HeaderKeys {
		if textproto.CanonicalMIMEHeaderKey(k[0]) != k[1] {
			return fmt.Errorf("header key %q", k[0])
		}
	}
	if len(v.Relays) == 0 {
		return errors.New("no relays")
	}
	for i, c := range v.Relays {
		if err := sessCheckRelayVector(c); err != nil {
			return fmt.Errorf("relay %d: %w", i, err)
		}
	}
	return nil
}

func sessCheckRelayVector(c sessRelayVector) error {
	httpBz, err := sessPoktHTTP("sdk.types.POKTHTTPRequest",
		map[string]any{"method": c.HTTP.Method, "url": c.HTTP.URL, "body_bz": []byte(c.HTTP.Body)}, c.HTTP.Headers)
	if err != nil {
		return err
	}
	if !bytes.Equal(httpBz, c.HTTPBytes) {
		return errors.New("http payload differs")
	}
	req, err := sessCanonicalRequest(c.Request)
	if err != nil {
		return err
	}
	if err := sessVerifyRequest(c.Ring, req); err != nil {
		return err
	}
	if !bytes.Equal(req.Payload, c.HTTPBytes) {
		return errors.New("request payload differs")
	}
	h := req.Meta.SessionHeader
	if h.ApplicationAddress != c.SessionHeader.ApplicationAddress || h.ServiceId != c.SessionHeader.ServiceId ||
		h.SessionId != c.SessionHeader.SessionId || i64s(h.SessionStartBlockHeight) != c.SessionHeader.SessionStartBlockHeight ||
		i64s(h.SessionEndBlockHeight) != c.SessionHeader.SessionEndBlockHeight {
		return errors.New("session header differs from the request's")
	}
	if req.Meta.SupplierOperatorAddress != c.SupplierAddress || sessAddressOf(c.SupplierPublicKey) != c.SupplierAddress {
		return errors.New("supplier address")
	}
	signable, err := req.GetSignableBytesHash()
	if err != nil || !bytes.Equal(signable[:], c.RequestSignableHash) {
		return errors.New("request signable hash")
	}
	sig := new(ring.RingSig)
	if err := sig.Deserialize(ring.Secp256k1(), req.Meta.Signature); err != nil {
		return err
	}
	if len(sig.PublicKeys()) != len(c.RingPublicKeys) {
		return errors.New("ring size")
	}
	for i, p := range sig.PublicKeys() {
		if !bytes.Equal(p.Encode(), c.RingPublicKeys[i]) {
			return fmt.Errorf("ring member %d", i)
		}
	}
	res, err := sessCanonicalResponse(c.Response)
	if err != nil {
		return err
	}
	if !bytes.Equal(res.Payload, c.ResponsePayload) {
		return errors.New("response payload differs")
	}
	resSignable, err := res.GetSignableBytesHash()
	if err != nil || !bytes.Equal(resSignable[:], c.ResponseSignableHash) {
		return errors.New("response signable hash")
	}
	if err := sessCheckResponse(req, res, c.SupplierPublicKey); err != nil {
		return err
	}
	return sessCheckMinedRelay(c.Relay, c.RelayHash, c.Request, res, c.SupplierPublicKey)
}

// --- TypeScript-built output, verified by Go ---

type sessProducedHTTP struct {
	Name    string      `json:"name"`
	Method  string      `json:"method"`
	URL     string      `json:"url"`
	Headers [][2]string `json:"headers"`
	Body    Hex         `json:"body"`
	Bytes   Hex         `json:"bytes"`
	Status  *uint32     `json:"status,omitempty"`
}

func verifySessionHTTPRequests(raw json.RawMessage) (int, error) {
	cases, err := decodeCases[sessProducedHTTP](raw)
	if err != nil {
		return 0, err
	}
	for _, c := range cases {
		var want []byte
		if c.Status != nil {
			want, err = sessPoktHTTP("sdk.types.POKTHTTPResponse",
				map[string]any{"status_code": *c.Status, "body_bz": []byte(c.Body)}, c.Headers)
		} else {
			want, err = sessPoktHTTP("sdk.types.POKTHTTPRequest",
				map[string]any{"method": c.Method, "url": c.URL, "body_bz": []byte(c.Body)}, c.Headers)
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w", c.Name, err)
		}
		if !bytes.Equal(want, c.Bytes) {
			return 0, fmt.Errorf("%s: bytes differ from shannon-sdk's serialization", c.Name)
		}
	}
	return len(cases), nil
}

type sessProducedRequest struct {
	Name         string       `json:"name"`
	Ring         sessRingInfo `json:"ring"`
	Request      Hex          `json:"request"`
	SignableHash Hex          `json:"signableHash"`
}

func verifySessionRelayRequests(raw json.RawMessage) (int, error) {
	defer sessPocketPrefixes()()
	cases, err := decodeCases[sessProducedRequest](raw)
	if err != nil {
		return 0, err
	}
	for _, c := range cases {
		req, err := sessCanonicalRequest(c.Request)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", c.Name, err)
		}
		signable, err := req.GetSignableBytesHash()
		if err != nil {
			return 0, fmt.Errorf("%s: %w", c.Name, err)
		}
		if !bytes.Equal(signable[:], c.SignableHash) {
			return 0, fmt.Errorf("%s: signable bytes hash differs", c.Name)
		}
		if err := sessVerifyRequest(c.Ring, req); err != nil {
			return 0, fmt.Errorf("%s: %w", c.Name, err)
		}
	}
	return len(cases), nil
}

type sessProducedResponse struct {
	Name              string `json:"name"`
	Request           Hex    `json:"request"`
	Response          Hex    `json:"response"`
	SignableHash      Hex    `json:"signableHash"`
	SupplierPublicKey Hex    `json:"supplierPublicKey"`
	Relay             Hex    `json:"relay"`
	RelayHash         Hex    `json:"relayHash"`
}

func sessCheckResponse(req *servicetypes.RelayRequest, res *servicetypes.RelayResponse, pub []byte) error {
	if err := res.ValidateBasic(); err != nil {
		return fmt.Errorf("ValidateBasic: %w", err)
	}
	if !sessHeadersEqual(res.Meta.SessionHeader, req.Meta.SessionHeader) {
		return errors.New("response session header differs from the request's")
	}
	if err := res.VerifySupplierOperatorSignature(sessPubKey(pub)); err != nil {
		return fmt.Errorf("VerifySupplierOperatorSignature: %w", err)
	}
	return nil
}

// sessCheckMinedRelay checks a relay as the chain checks a proof's relay: both halves pass
// ValidateBasic, the response signature verifies, the request is the one sent, and the
// relay hash is SHA-256 of the bytes.
func sessCheckMinedRelay(relayBz, relayHash, reqBz []byte, final *servicetypes.RelayResponse, pub []byte) error {
	relay := &servicetypes.Relay{}
	if err := relay.Unmarshal(relayBz); err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	again, err := relay.Marshal()
	if err != nil || !bytes.Equal(again, relayBz) {
		return errors.New("relay bytes are not canonical")
	}
	if relay.Req == nil || relay.Res == nil {
		return errors.New("relay lacks a half")
	}
	if err := relay.Req.ValidateBasic(); err != nil {
		return err
	}
	if err := relay.Res.ValidateBasic(); err != nil {
		return err
	}
	if len(relay.Res.Payload) != 0 {
		return errors.New("mined relay keeps the response payload")
	}
	if err := relay.Res.VerifySupplierOperatorSignature(sessPubKey(pub)); err != nil {
		return err
	}
	reqAgain, _ := relay.Req.Marshal()
	if !bytes.Equal(reqAgain, reqBz) {
		return errors.New("relay request differs from the request sent")
	}
	if !bytes.Equal(relay.Res.PayloadHash, final.PayloadHash) ||
		!bytes.Equal(relay.Res.Meta.SupplierOperatorSignature, final.Meta.SupplierOperatorSignature) {
		return errors.New("relay response is not the signed response")
	}
	h, err := relay.GetHash()
	if err != nil {
		return err
	}
	if !bytes.Equal(h[:], relayHash) {
		return errors.New("relay hash differs")
	}
	return nil
}

func verifySessionRelayResponses(raw json.RawMessage) (int, error) {
	defer sessPocketPrefixes()()
	cases, err := decodeCases[sessProducedResponse](raw)
	if err != nil {
		return 0, err
	}
	for _, c := range cases {
		fail := func(err error) (int, error) { return 0, fmt.Errorf("%s: %w", c.Name, err) }
		req, err := sessCanonicalRequest(c.Request)
		if err != nil {
			return fail(err)
		}
		res, err := sessCanonicalResponse(c.Response)
		if err != nil {
			return fail(err)
		}
		if want := sha256.Sum256(res.Payload); !bytes.Equal(want[:], res.PayloadHash) {
			return fail(errors.New("payload hash is not SHA-256 of the payload"))
		}
		signable, err := res.GetSignableBytesHash()
		if err != nil {
			return fail(err)
		}
		if !bytes.Equal(signable[:], c.SignableHash) {
			return fail(errors.New("signable bytes hash differs"))
		}
		if err := sessCheckResponse(req, res, c.SupplierPublicKey); err != nil {
			return fail(err)
		}
		if err := sessCheckMinedRelay(c.Relay, c.RelayHash, c.Request, res, c.SupplierPublicKey); err != nil {
			return fail(err)
		}
	}
	return len(cases), nil
}

type sessProducedStream struct {
	Name              string       `json:"name"`
	Ring              sessRingInfo `json:"ring"`
	Request           Hex          `json:"request"`
	Stream            Hex          `json:"stream"`
	SupplierPublicKey Hex          `json:"supplierPublicKey"`
	Body              Hex          `json:"body"`
	Relay             Hex          `json:"relay"`
	RelayHash         Hex          `json:"relayHash"`
}

// sessStreamTag is the domain tag of the stream hash chain (docs/streaming.md).
const sessStreamTag = "pokt-relay-stream/v1"

func verifySessionRelayStreams(raw json.RawMessage) (int, error) {
	defer sessPocketPrefixes()()
	cases, err := decodeCases[sessProducedStream](raw)
	if err != nil {
		return 0, err
	}
	for _, c := range cases {
		fail := func(err error) (int, error) { return 0, fmt.Errorf("%s: %w", c.Name, err) }
		req, err := sessCanonicalRequest(c.Request)
		if err != nil {
			return fail(err)
		}
		if err := sessVerifyRequest(c.Ring, req); err != nil {
			return fail(err)
		}
		reqHash := sha256.Sum256(c.Request)
		link := sha256.Sum256(append([]byte(sessStreamTag), reqHash[:]...))
		rest := []byte(c.Stream)
		var body []byte
		var final *servicetypes.RelayResponse
		for i := 0; len(rest) > 0; i++ {
			if final != nil {
				return fail(errors.New("frame after the final frame"))
			}
			size, n := binary.Uvarint(rest)
			if n <= 0 || size == 0 || uint64(len(rest)-n) < size {
				return fail(fmt.Errorf("frame %d: bad length prefix", i))
			}
			frameBz := rest[n : n+int(size)]
			rest = rest[n+int(size):]
			frame, err := sessCanonicalResponse(frameBz)
			if err != nil {
				return fail(fmt.Errorf("frame %d: %w", i, err))
			}
			if err := sessCheckResponse(req, frame, c.SupplierPublicKey); err != nil {
				return fail(fmt.Errorf("frame %d: %w", i, err))
			}
			payloadHash := sha256.Sum256(frame.Payload)
			link = sha256.Sum256(append(link[:], payloadHash[:]...))
			if !bytes.Equal(frame.PayloadHash, link[:]) {
				return fail(fmt.Errorf("frame %d: payload hash is not the next chain link", i))
			}
			switch {
			case len(frame.Payload) == 0:
				if i == 0 {
					return fail(errors.New("stream without a head"))
				}
				final = frame
			case i == 0:
				head, err := sessHTTPResponseBody(frame.Payload)
				if err != nil {
					return fail(fmt.Errorf("head: %w", err))
				}
				body = append(body, head...)
			default:
				body = append(body, frame.Payload...)
			}
		}
		if final == nil {
			return fail(errors.New("stream ends without its final frame"))
		}
		if !bytes.Equal(body, c.Body) {
			return fail(errors.New("reassembled body differs"))
		}
		if err := sessCheckMinedRelay(c.Relay, c.RelayHash, c.Request, final, c.SupplierPublicKey); err != nil {
			return fail(err)
		}
	}
	return len(cases), nil
}

// sessHTTPResponseBody decodes a POKTHTTPResponse strictly and returns its body.
func sessHTTPResponseBody(bz []byte) ([]byte, error) {
	m, err := httpMessage("sdk.types.POKTHTTPResponse")
	if err != nil {
		return nil, err
	}
	if err := proto.Unmarshal(bz, m); err != nil {
		return nil, err
	}
	if len(m.GetUnknown()) > 0 {
		return nil, errors.New("unknown fields")
	}
	return m.Get(m.Descriptor().Fields().ByName("body_bz")).Bytes(), nil
}
