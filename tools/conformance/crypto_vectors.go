package main

// Vectors for @decai/crypto (packages/crypto/test/vectors): keys and addresses, supplier (cosmos
// secp256k1) signatures, ring-go's hash-to-curve and hash-to-scalar, ring signatures with their
// challenge chains and the negative cases, and poktroll's ring membership rule.

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"math/rand"
	"strconv"

	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	bip39 "github.com/cosmos/go-bip39"
	dleqtypes "github.com/pokt-network/go-dleq/types"
	"github.com/pokt-network/poktroll/pkg/crypto/rings"
)

func init() {
	registerGenerator("crypto-keys", generator{
		file:          "packages/crypto/test/vectors/crypto-keys.json",
		deterministic: true,
		run:           genCryptoKeys,
	})
	registerGenerator("crypto-ecdsa", generator{
		file:          "packages/crypto/test/vectors/crypto-ecdsa.json",
		deterministic: true,
		run:           genCryptoECDSA,
	})
	registerGenerator("crypto-ring-hashing", generator{
		file:          "packages/crypto/test/vectors/crypto-ring-hashing.json",
		deterministic: true,
		run:           genCryptoRingHashing,
	})
	registerGenerator("crypto-ring-signatures", generator{
		file:          "packages/crypto/test/vectors/crypto-ring-signatures.json",
		deterministic: false,
		run:           genCryptoRingSignatures,
		check:         checkCryptoRingSignatures,
	})
	registerGenerator("crypto-ring-addresses", generator{
		file:          "packages/crypto/test/vectors/crypto-ring-addresses.json",
		deterministic: true,
		run:           genCryptoRingAddresses,
	})
}

// --- keys, addresses, mnemonics, placeholder ---

type cryptoKeyVector struct {
	PrivateKey Hex    `json:"privateKey"`
	PublicKey  Hex    `json:"publicKey"`
	AddressHex string `json:"addressHex"` // CometBFT form (upper-case hex), as poktroll prints the placeholder
	Address    string `json:"address"`
}

type cryptoMnemonicVector struct {
	Mnemonic   string `json:"mnemonic"`
	Passphrase string `json:"passphrase"`
	Path       string `json:"path"`
	PrivateKey Hex    `json:"privateKey"`
	PublicKey  Hex    `json:"publicKey"`
	Address    string `json:"address"`
}

type cryptoPlaceholderVector struct {
	Secret     string `json:"secret"`
	PrivateKey Hex    `json:"privateKey"`
	PublicKey  Hex    `json:"publicKey"`
	// RingAddress is rings.PlaceholderRingAddress: the string poktroll puts into the address list.
	RingAddress string `json:"ringAddress"`
	Address     string `json:"address"`
}

func cryptoKeyVectorOf(priv *secp256k1.PrivKey) cryptoKeyVector {
	pub := priv.PubKey()
	return cryptoKeyVector{
		PrivateKey: priv.Key,
		PublicKey:  pub.Bytes(),
		AddressHex: pub.Address().String(),
		Address:    cryptoAddress(pub),
	}
}

func genCryptoKeys(r *rand.Rand) (any, error) {
	keys := []cryptoKeyVector{}
	// Edge keys first: 1, n-1, and a key with a leading zero byte.
	edge := [][]byte{
		append(make([]byte, 31), 1),
		new(big.Int).Sub(cryptoOrder, big.NewInt(1)).FillBytes(make([]byte, 32)),
		append([]byte{0}, randBytes(r, 31)...),
	}
	for _, k := range edge {
		keys = append(keys, cryptoKeyVectorOf(&secp256k1.PrivKey{Key: k}))
	}
	for i := 0; i < 24; i++ {
		keys = append(keys, cryptoKeyVectorOf(cryptoRandPrivKey(r)))
	}

	mnemonics := []cryptoMnemonicVector{}
	derive := hd.Secp256k1.Derive()
	type spec struct {
		entropyBits int
		passphrase  string
		path        string
	}
	specs := []spec{}
	for i := 0; i < 8; i++ {
		specs = append(specs, spec{256, "", "m/44'/118'/0'/0/0"}) // pocketd keys add defaults
	}
	specs = append(specs,
		spec{128, "", "m/44'/118'/0'/0/0"},
		spec{160, "", "m/44'/118'/0'/0/0"},
		spec{256, "correct horse battery staple", "m/44'/118'/0'/0/0"},
		spec{256, "", "m/44'/118'/0'/0/1"},
		spec{256, "", "m/44'/118'/1'/0/7"},
		spec{256, "", "m/44'/118'/2'/0/2147483647"},
	)
	for _, s := range specs {
		mnemonic, err := bip39.NewMnemonic(randBytes(r, s.entropyBits/8))
		if err != nil {
			return nil, err
		}
		privBz, err := derive(mnemonic, s.passphrase, s.path)
		if err != nil {
			return nil, err
		}
		priv := &secp256k1.PrivKey{Key: privBz}
		mnemonics = append(mnemonics, cryptoMnemonicVector{
			Mnemonic:   mnemonic,
			Passphrase: s.passphrase,
			Path:       s.path,
			PrivateKey: privBz,
			PublicKey:  priv.PubKey().Bytes(),
			Address:    cryptoAddress(priv.PubKey()),
		})
	}

	secret := "placeholder_ring_key_for_apps_without_gateways"
	placeholder := secp256k1.GenPrivKeyFromSecret([]byte(secret))
	if string(placeholder.PubKey().Bytes()) != string(rings.PlaceholderRingPubKey.Bytes()) {
		return nil, errors.New("GenPrivKeyFromSecret disagrees with rings.PlaceholderRingPubKey")
	}
	return map[string]any{
		"keys":      keys,
		"mnemonics": mnemonics,
		"placeholder": cryptoPlaceholderVector{
			Secret:      secret,
			PrivateKey:  placeholder.Key,
			PublicKey:   rings.PlaceholderRingPubKey.Bytes(),
			RingAddress: rings.PlaceholderRingAddress,
			Address:     cryptoAddress(rings.PlaceholderRingPubKey),
		},
	}, nil
}

// --- supplier signatures: cosmos secp256k1 PrivKey.Sign / PubKey.VerifySignature ---

type cryptoECDSAVector struct {
	Name       string `json:"name"`
	PrivateKey Hex    `json:"privateKey,omitempty"`
	PublicKey  Hex    `json:"publicKey"`
	Message    Hex    `json:"message"`
	Signature  Hex    `json:"signature"`
	Valid      bool   `json:"valid"`
}

func genCryptoECDSA(r *rand.Rand) (any, error) {
	valid := []cryptoECDSAVector{}
	invalid := []cryptoECDSAVector{}
	add := func(list *[]cryptoECDSAVector, name string, priv *secp256k1.PrivKey, pub, msg, sig []byte) {
		v := cryptoECDSAVector{
			Name:      name,
			PublicKey: pub,
			Message:   msg,
			Signature: sig,
			Valid:     (&secp256k1.PubKey{Key: pub}).VerifySignature(msg, sig),
		}
		if priv != nil {
			v.PrivateKey = priv.Key
		}
		*list = append(*list, v)
	}
	for i := 0; i < 32; i++ {
		priv := cryptoRandPrivKey(r)
		// Supplier signatures sign a 32-byte signable-bytes hash; other lengths exercise the
		// generic cosmos signer.
		msgLen := 32
		switch i % 8 {
		case 5:
			msgLen = 0
		case 6:
			msgLen = 1 + r.Intn(200)
		}
		msg := randBytes(r, msgLen)
		sig, err := priv.Sign(msg)
		if err != nil {
			return nil, err
		}
		add(&valid, fmt.Sprintf("sign-%d", i), priv, priv.PubKey().Bytes(), msg, sig)
	}
	for i, v := range valid {
		if !v.Valid {
			return nil, fmt.Errorf("%s does not verify in Go", v.Name)
		}
		if i >= 6 {
			continue
		}
		pub, msg, sig := []byte(v.PublicKey), []byte(v.Message), []byte(v.Signature)
		tweak := func(b []byte, at int) []byte {
			c := append([]byte{}, b...)
			c[at] ^= 0x01
			return c
		}
		add(&invalid, v.Name+"/flipped-r", nil, pub, msg, tweak(sig, 7))
		add(&invalid, v.Name+"/flipped-s", nil, pub, msg, tweak(sig, 40))
		if len(msg) > 0 {
			add(&invalid, v.Name+"/flipped-message", nil, pub, tweak(msg, 0), sig)
		}
		add(&invalid, v.Name+"/wrong-key", nil, valid[i+1].PublicKey, msg, sig)
		add(&invalid, v.Name+"/short", nil, pub, msg, sig[:63])
		add(&invalid, v.Name+"/long", nil, pub, msg, append(append([]byte{}, sig...), 0))
		add(&invalid, v.Name+"/der", nil, pub, msg, cryptoDER(sig))
		// High-S twin: the same (r, n − s) is a valid ECDSA signature that cosmos rejects.
		s := new(big.Int).SetBytes(sig[32:])
		high := append(append([]byte{}, sig[:32]...), new(big.Int).Sub(cryptoOrder, s).FillBytes(make([]byte, 32))...)
		add(&invalid, v.Name+"/high-s", nil, pub, msg, high)
		zeroR := append(make([]byte, 32), sig[32:]...)
		add(&invalid, v.Name+"/zero-r", nil, pub, msg, zeroR)
		zeroS := append(append([]byte{}, sig[:32]...), make([]byte, 32)...)
		add(&invalid, v.Name+"/zero-s", nil, pub, msg, zeroS)
		nS := append(append([]byte{}, sig[:32]...), cryptoOrder.FillBytes(make([]byte, 32))...)
		add(&invalid, v.Name+"/s-equals-n", nil, pub, msg, nS)
		badPub := append([]byte{0x05}, pub[1:]...)
		add(&invalid, v.Name+"/bad-key-prefix", nil, badPub, msg, sig)
	}
	// Values a cosmos verifier reduces mod n rather than rejecting: r and s above n.
	{
		v := valid[0]
		sig := []byte(v.Signature)
		rPlus := new(big.Int).Add(new(big.Int).SetBytes(sig[:32]), cryptoOrder)
		if rPlus.BitLen() <= 256 {
			add(&invalid, v.Name+"/r-plus-n", nil, v.PublicKey, v.Message, append(rPlus.FillBytes(make([]byte, 32)), sig[32:]...))
		}
		ff := append(append([]byte{}, sig[:32]...), bytesRepeat(0xff, 32)...)
		add(&invalid, v.Name+"/s-all-ones", nil, v.PublicKey, v.Message, ff)
	}
	return map[string]any{"valid": valid, "invalid": invalid}, nil
}

func bytesRepeat(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// cryptoDER wraps r‖s in ASN.1 DER, a format cosmos does not accept (wrong length).
func cryptoDER(sig []byte) []byte {
	enc := func(b []byte) []byte {
		i := 0
		for i < len(b)-1 && b[i] == 0 {
			i++
		}
		b = b[i:]
		if b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return append([]byte{0x02, byte(len(b))}, b...)
	}
	body := append(enc(sig[:32]), enc(sig[32:])...)
	return append([]byte{0x30, byte(len(body))}, body...)
}

// --- ring-go hashing: H_p (hash-to-curve) and the decred HashToScalar ---

type cryptoHashToCurveVector struct {
	PrivateKey Hex `json:"privateKey"`
	PublicKey  Hex `json:"publicKey"`
	HashPoint  Hex `json:"hashPoint"`
	KeyImage   Hex `json:"keyImage"`
}

type cryptoHashToScalarVector struct {
	Input Hex `json:"input"`
	// Scalar is go-dleq's decred HashToScalar(input), encoded as ring-go encodes scalars.
	Scalar Hex `json:"scalar"`
	// Textbook is sha3-512(input) mod n: differs from Scalar exactly when the quirk fires.
	Textbook Hex  `json:"textbook"`
	Quirk    bool `json:"quirk"`
}

func genCryptoRingHashing(r *rand.Rand) (any, error) {
	h2c := []cryptoHashToCurveVector{}
	for i := 0; i < 24; i++ {
		priv := cryptoRandPrivKey(r)
		hp, err := cryptoHashToCurve(priv.Key)
		if err != nil {
			return nil, err
		}
		hpPoint, err := cryptoPoint(hp)
		if err != nil {
			return nil, err
		}
		h2c = append(h2c, cryptoHashToCurveVector{
			PrivateKey: priv.Key,
			PublicKey:  priv.PubKey().Bytes(),
			HashPoint:  hp,
			KeyImage:   hpPoint.ScalarMul(cryptoScalar(priv.Key)).Encode(),
		})
	}

	h2s := []cryptoHashToScalarVector{}
	add := func(in []byte) (bool, error) {
		s, err := cryptoCurve.HashToScalar(in)
		if err != nil {
			return false, err
		}
		tb := cryptoTextbookScalar(in)
		q := hex.EncodeToString(s.Encode()) != hex.EncodeToString(tb)
		h2s = append(h2s, cryptoHashToScalarVector{Input: in, Scalar: s.Encode(), Textbook: tb, Quirk: q})
		return q, nil
	}
	// Ordinary inputs (challenge-sized: 32 + 33 + 33 bytes, and a few other lengths).
	for i := 0; i < 8; i++ {
		n := 98
		if i >= 6 {
			n = r.Intn(140)
		}
		if _, err := add(randBytes(r, n)); err != nil {
			return nil, err
		}
	}
	// Inputs chosen so that sha3-512 mod n has leading zero bytes: one byte (about 1 in 256) and
	// two bytes (about 1 in 65,536).
	for _, want := range []struct{ zeroBytes, count int }{{1, 16}, {2, 3}} {
		found := 0
		for found < want.count {
			in := randBytes(r, 98)
			tb := cryptoTextbookScalar(in)
			lead := 0
			for lead < 32 && tb[lead] == 0 {
				lead++
			}
			if lead != want.zeroBytes {
				continue
			}
			q, err := add(in)
			if err != nil {
				return nil, err
			}
			if !q {
				return nil, errors.New("expected the left-align quirk to fire")
			}
			found++
		}
	}
	return map[string]any{"hashToCurve": h2c, "hashToScalar": h2s}, nil
}

// --- ring signatures ---

type cryptoRingSigVector struct {
	Name        string `json:"name"`
	Message     Hex    `json:"message"`
	Ring        []Hex  `json:"ring"`
	SignerIndex int    `json:"signerIndex"`
	SignerKey   Hex    `json:"signerKey"`
	// RingKeys are every member's private key (test keys), so H_p and the chain can be rechecked.
	RingKeys  []Hex `json:"ringKeys"`
	Signature Hex   `json:"signature"`
	KeyImage  Hex   `json:"keyImage"`
	// Challenges are c_0..c_{n-1} as Go's verifier computes them; QuirkSteps lists every i whose
	// c_{i+1} (c_0 for the last) went through the decred left-align.
	Challenges []Hex `json:"challenges"`
	QuirkSteps []int `json:"quirkSteps"`
}

type cryptoRingNegVector struct {
	Name      string `json:"name"`
	Message   Hex    `json:"message"`
	Signature Hex    `json:"signature"`
	// What ring-go does with it: Deserialize succeeds, Verify returns true, or it panics.
	Deserializes bool `json:"deserializes"`
	Verifies     bool `json:"verifies"`
	GoPanics     bool `json:"goPanics"`
}

type cryptoRingSigFile struct {
	Valid    []cryptoRingSigVector `json:"valid"`
	Negative []cryptoRingNegVector `json:"negative"`
}

// cryptoMemberHp returns H_p for a ring member whose private key is in keys.
func cryptoMemberHp(keys map[string][]byte) func(pub []byte) ([]byte, error) {
	return func(pub []byte) ([]byte, error) {
		priv, ok := keys[string(pub)]
		if !ok {
			return nil, fmt.Errorf("no private key for ring member %x", pub)
		}
		return cryptoHashToCurve(priv)
	}
}

func cryptoMakeRingVector(name string, m [32]byte, privs [][]byte, signer int) (cryptoRingSigVector, error) {
	pubs := make([][]byte, len(privs))
	keys := map[string][]byte{}
	for i, p := range privs {
		pubs[i] = (&secp256k1.PrivKey{Key: p}).PubKey().Bytes()
		keys[string(pubs[i])] = p
	}
	sig, err := cryptoRingSign(m, pubs, privs[signer])
	if err != nil {
		return cryptoRingSigVector{}, err
	}
	return cryptoRingVectorOf(name, m, privs, signer, sig)
}

// cryptoRingVectorOf describes a serialized signature over the ring of privs' public keys.
func cryptoRingVectorOf(name string, m [32]byte, privs [][]byte, signer int, sig []byte) (cryptoRingSigVector, error) {
	pubs := make([][]byte, len(privs))
	keys := map[string][]byte{}
	for i, p := range privs {
		pubs[i] = (&secp256k1.PrivKey{Key: p}).PubKey().Bytes()
		keys[string(pubs[i])] = p
	}
	if d, ok, _ := cryptoRingVerify(m, sig); !d || !ok {
		return cryptoRingSigVector{}, errors.New(name + ": ring-go does not verify it")
	}
	chal, closes, quirk, err := cryptoChain(m, sig, cryptoMemberHp(keys))
	if err != nil {
		return cryptoRingSigVector{}, err
	}
	if !closes {
		return cryptoRingSigVector{}, errors.New(name + ": challenge chain does not close")
	}
	ringHex := make([]Hex, len(pubs))
	keyHex := make([]Hex, len(pubs))
	for i, p := range pubs {
		ringHex[i] = p
		keyHex[i] = privs[i]
	}
	chHex := make([]Hex, len(chal))
	for i, c := range chal {
		chHex[i] = c
	}
	return cryptoRingSigVector{
		Name:        name,
		Message:     m[:],
		Ring:        ringHex,
		SignerIndex: signer,
		SignerKey:   privs[signer],
		RingKeys:    keyHex,
		Signature:   sig,
		KeyImage:    sig[36:69],
		Challenges:  chHex,
		QuirkSteps:  quirk,
	}, nil
}

func genCryptoRingSignatures(r *rand.Rand) (any, error) {
	out := cryptoRingSigFile{Valid: []cryptoRingSigVector{}, Negative: []cryptoRingNegVector{}}
	var msg [32]byte
	randPrivs := func(n int) [][]byte {
		ps := make([][]byte, n)
		for i := range ps {
			ps[i] = cryptoRandPrivKey(r).Key
		}
		return ps
	}
	for _, size := range []int{2, 3, 8, 16} {
		for k := 0; k < 4; k++ {
			copy(msg[:], randBytes(r, 32))
			v, err := cryptoMakeRingVector(fmt.Sprintf("size-%d-%d", size, k), msg, randPrivs(size), r.Intn(size))
			if err != nil {
				return nil, err
			}
			out.Valid = append(out.Valid, v)
		}
	}
	// poktroll's ring for an app without gateways: [placeholder, app], signed by the app.
	placeholder := secp256k1.GenPrivKeyFromSecret([]byte("placeholder_ring_key_for_apps_without_gateways"))
	copy(msg[:], randBytes(r, 32))
	v, err := cryptoMakeRingVector("placeholder-and-app", msg, [][]byte{placeholder.Key, cryptoRandPrivKey(r).Key}, 1)
	if err != nil {
		return nil, err
	}
	out.Valid = append(out.Valid, v)
	// The older shannon-sdk ring [app, app]: a duplicate key is allowed and signs at index 0.
	app := cryptoRandPrivKey(r).Key
	copy(msg[:], randBytes(r, 32))
	if v, err = cryptoMakeRingVector("duplicate-app-key", msg, [][]byte{app, app}, 0); err != nil {
		return nil, err
	}
	out.Valid = append(out.Valid, v)

	// Valid signatures whose chain passes through the identity point (L_1 = O, and with a
	// duplicated key R_1 = O too): Go encodes the identity as 02‖00…00 and hashes on.
	for _, dup := range []bool{false, true} {
		privs := randPrivs(2)
		name := "identity-L"
		if dup {
			privs[1] = privs[0]
			name = "identity-L-and-R"
		}
		copy(msg[:], randBytes(r, 32))
		sig, err := cryptoIdentitySignature(msg, privs[0], privs[1])
		if err != nil {
			return nil, err
		}
		v, err := cryptoRingVectorOf(name, msg, privs, 0, sig)
		if err != nil {
			return nil, err
		}
		out.Valid = append(out.Valid, v)
	}

	// Signatures whose challenge chain hits the decred left-align quirk, searched on purpose:
	// for each ring size, sign fresh messages until a challenge has a leading zero byte.
	for _, want := range []struct{ size, count int }{{2, 8}, {3, 3}, {8, 2}} {
		privs := randPrivs(want.size)
		found := 0
		for tries := 0; found < want.count; tries++ {
			if tries > 20000 {
				return nil, errors.New("quirk search did not converge")
			}
			copy(msg[:], randBytes(r, 32))
			v, err := cryptoMakeRingVector(fmt.Sprintf("quirk-size-%d-%d", want.size, found), msg, privs, found%want.size)
			if err != nil {
				return nil, err
			}
			if len(v.QuirkSteps) == 0 {
				continue
			}
			out.Valid = append(out.Valid, v)
			found++
		}
	}

	// Negative and edge cases, all derived from a Go-made ring-2 signature.
	base := out.Valid[0]
	sig := []byte(base.Signature)
	neg := func(name string, m []byte, s []byte) {
		var mm [32]byte
		copy(mm[:], m)
		d, ok, panicked := cryptoRingVerify(mm, s)
		out.Negative = append(out.Negative, cryptoRingNegVector{Name: name, Message: m, Signature: s, Deserializes: d, Verifies: ok, GoPanics: panicked})
	}
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte{}, sig...)) }
	flip := func(at int) []byte { return mut(func(b []byte) []byte { b[at] ^= 0x01; return b }) }
	m := []byte(base.Message)
	otherMsg := append([]byte{}, m...)
	otherMsg[31] ^= 0x80
	neg("original", m, sig)
	neg("wrong-message", otherMsg, sig)
	neg("flipped-c0", m, flip(4+31))
	neg("flipped-key-image", m, flip(36+20))
	neg("flipped-s0", m, flip(69+5))
	neg("flipped-s1", m, flip(69+65+31))
	neg("flipped-member-1", m, flip(69+65+32+10))
	neg("swapped-members", m, mut(func(b []byte) []byte {
		a := append([]byte{}, b[69:69+65]...)
		copy(b[69:69+65], b[69+65:69+130])
		copy(b[69+65:69+130], a)
		return b
	}))
	neg("trailing-bytes", m, append(append([]byte{}, sig...), 0xde, 0xad, 0xbe, 0xef))
	neg("truncated-by-one", m, sig[:len(sig)-1])
	neg("truncated-header", m, sig[:3])
	neg("header-only", m, sig[:69])
	neg("empty", m, []byte{})
	neg("ring-size-0", m, mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b, 0); return b[:69] }))
	neg("ring-size-0-with-members", m, mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b, 0); return b }))
	neg("ring-size-1-prefix", m, mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b, 1); return b }))
	neg("ring-size-3-claimed", m, mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b, 3); return b }))
	neg("ring-size-huge", m, mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b, 0xffffffff); return b }))
	neg("member-prefix-04", m, mut(func(b []byte) []byte { b[69+32] = 0x04; return b }))
	neg("member-prefix-00", m, mut(func(b []byte) []byte { b[69+32] = 0x00; return b }))
	neg("key-image-prefix-05", m, mut(func(b []byte) []byte { b[36] = 0x05; return b }))
	neg("member-x-ge-p", m, mut(func(b []byte) []byte {
		copy(b[69+33:69+65], bytesRepeat(0xff, 32))
		return b
	}))
	neg("key-image-x-zero", m, mut(func(b []byte) []byte { copy(b[37:69], make([]byte, 32)); return b }))
	// An x with no curve point (x³ + 7 a non-residue), searched from the member's own x.
	neg("member-off-curve", m, mut(func(b []byte) []byte {
		x := new(big.Int).SetBytes(b[69+33 : 69+65])
		for {
			x.Add(x, big.NewInt(1))
			cand := append([]byte{0x02}, x.FillBytes(make([]byte, 32))...)
			if _, err := cryptoPoint(cand); err != nil {
				copy(b[69+32:69+65], cand)
				return b
			}
		}
	}))
	neg("key-image-negated", m, mut(func(b []byte) []byte { b[36] ^= 0x01; return b }))
	neg("s-all-ones", m, mut(func(b []byte) []byte { copy(b[69:69+32], bytesRepeat(0xff, 32)); return b }))
	neg("c0-all-ones", m, mut(func(b []byte) []byte { copy(b[4:36], bytesRepeat(0xff, 32)); return b }))
	neg("c0-zero", m, mut(func(b []byte) []byte { copy(b[4:36], make([]byte, 32)); return b }))
	// c0 = 0 and s0 = 0 make L_0 and R_0 the identity: Go hashes it as 02‖00…00.
	neg("c0-zero-s0-zero", m, mut(func(b []byte) []byte {
		copy(b[4:36], make([]byte, 32))
		copy(b[69:69+32], make([]byte, 32))
		return b
	}))
	// A one-member "ring": Go's Sign refuses it but Go's Verify accepts a valid one.
	one, err := cryptoOneMemberSignature(m, []byte(base.SignerKey))
	if err != nil {
		return nil, err
	}
	neg("ring-size-1-valid", m, one)
	for _, n := range out.Negative {
		if n.Name == "original" && !n.Verifies {
			return nil, errors.New("original signature does not verify")
		}
	}
	return out, nil
}

// cryptoIdentitySignature signs m over [x0·G, x1·G] at index 0 with ring-go's primitives, but
// picks s_1 = −c_1·x1 so that L_1 = c_1·P_1 + s_1·G is the identity.
func cryptoIdentitySignature(m [32]byte, priv0, priv1 []byte) ([]byte, error) {
	x0, x1 := cryptoScalar(priv0), cryptoScalar(priv1)
	p0, p1 := cryptoCurve.ScalarBaseMul(x0), cryptoCurve.ScalarBaseMul(x1)
	h0Bz, err := cryptoHashToCurve(priv0)
	if err != nil {
		return nil, err
	}
	h1Bz, err := cryptoHashToCurve(priv1)
	if err != nil {
		return nil, err
	}
	h0, _ := cryptoPoint(h0Bz)
	h1, _ := cryptoPoint(h1Bz)
	image := cryptoCurve.ScalarMul(x0, h0)
	hash := func(l, r []byte) (dleqtypes.Scalar, error) {
		return cryptoCurve.HashToScalar(append(append(append([]byte{}, m[:]...), l...), r...))
	}
	u := cryptoCurve.NewRandomScalar()
	c1, err := hash(cryptoCurve.ScalarBaseMul(u).Encode(), cryptoCurve.ScalarMul(u, h0).Encode())
	if err != nil {
		return nil, err
	}
	s1 := c1.Mul(x1).Negate()
	l1 := cryptoCurve.ScalarMul(c1, p1).Add(cryptoCurve.ScalarBaseMul(s1))
	r1 := cryptoCurve.ScalarMul(c1, image).Add(cryptoCurve.ScalarMul(s1, h1))
	if !l1.IsZero() {
		return nil, errors.New("L_1 is not the identity")
	}
	c0, err := hash(l1.Encode(), r1.Encode())
	if err != nil {
		return nil, err
	}
	s0 := u.Sub(c0.Mul(x0))
	out := []byte{0, 0, 0, 2}
	out = append(out, c0.Encode()...)
	out = append(out, image.Encode()...)
	out = append(out, s0.Encode()...)
	out = append(out, p0.Encode()...)
	out = append(out, s1.Encode()...)
	out = append(out, p1.Encode()...)
	return out, nil
}

// cryptoOneMemberSignature builds a valid ring signature over the ring [x·G] from ring-go's own
// primitives: c0 = H(m, u·G, u·H_p(P)), s0 = u − c0·x.
func cryptoOneMemberSignature(m []byte, priv []byte) ([]byte, error) {
	x := cryptoScalar(priv)
	pub := cryptoCurve.ScalarBaseMul(x)
	hpBz, err := cryptoHashToCurve(priv)
	if err != nil {
		return nil, err
	}
	hp, err := cryptoPoint(hpBz)
	if err != nil {
		return nil, err
	}
	u := cryptoCurve.NewRandomScalar()
	t := append(append(append([]byte{}, m...), cryptoCurve.ScalarBaseMul(u).Encode()...), cryptoCurve.ScalarMul(u, hp).Encode()...)
	c0, err := cryptoCurve.HashToScalar(t)
	if err != nil {
		return nil, err
	}
	s0 := u.Sub(c0.Mul(x))
	out := []byte{0, 0, 0, 1}
	out = append(out, c0.Encode()...)
	out = append(out, cryptoCurve.ScalarMul(x, hp).Encode()...)
	out = append(out, s0.Encode()...)
	out = append(out, pub.Encode()...)
	return out, nil
}

// checkCryptoRingVectorFields ties every committed field of a valid vector to its signature.
func checkCryptoRingVectorFields(v cryptoRingSigVector) error {
	sig := []byte(v.Signature)
	n := len(v.Ring)
	if len(sig) < 69+65*n || int(binary.BigEndian.Uint32(sig[:4])) != n || len(v.RingKeys) != n {
		return fmt.Errorf("%s: ring size differs from the signature", v.Name)
	}
	if !bytes.Equal(v.KeyImage, sig[36:69]) {
		return fmt.Errorf("%s: key image differs from the signature", v.Name)
	}
	for i := range v.Ring {
		off := 69 + 65*i + 32
		if !bytes.Equal(v.Ring[i], sig[off:off+33]) {
			return fmt.Errorf("%s: ring member %d differs from the signature", v.Name, i)
		}
		if !bytes.Equal((&secp256k1.PrivKey{Key: v.RingKeys[i]}).PubKey().Bytes(), v.Ring[i]) {
			return fmt.Errorf("%s: ring key %d does not match member %d", v.Name, i, i)
		}
	}
	if v.SignerIndex < 0 || v.SignerIndex >= n || !bytes.Equal(v.SignerKey, v.RingKeys[v.SignerIndex]) {
		return fmt.Errorf("%s: signer key is not the key at the signer index", v.Name)
	}
	return nil
}

func checkCryptoRingSignatures(committed []byte) error {
	var f cryptoRingSigFile
	if err := json.Unmarshal(committed, &f); err != nil {
		return err
	}
	sizes := map[int]int{}
	quirks := 0
	for _, v := range f.Valid {
		var m [32]byte
		copy(m[:], v.Message)
		d, ok, _ := cryptoRingVerify(m, v.Signature)
		if !d || !ok {
			return fmt.Errorf("%s: does not verify", v.Name)
		}
		if err := checkCryptoRingVectorFields(v); err != nil {
			return err
		}
		keys := map[string][]byte{}
		for i, k := range v.RingKeys {
			keys[string(v.Ring[i])] = k
		}
		chal, closes, q, err := cryptoChain(m, v.Signature, cryptoMemberHp(keys))
		if err != nil {
			return fmt.Errorf("%s: %v", v.Name, err)
		}
		if !closes || len(chal) != len(v.Challenges) || fmt.Sprint(q) != fmt.Sprint(v.QuirkSteps) {
			return fmt.Errorf("%s: challenge chain differs from the committed one", v.Name)
		}
		for i := range chal {
			if hex.EncodeToString(chal[i]) != hex.EncodeToString(v.Challenges[i]) {
				return fmt.Errorf("%s: challenge %d differs", v.Name, i)
			}
		}
		sizes[len(v.Ring)]++
		if len(v.QuirkSteps) > 0 {
			quirks++
		}
	}
	for _, n := range []int{2, 3, 8, 16} {
		if sizes[n] == 0 {
			return fmt.Errorf("no ring signature of size %d", n)
		}
	}
	if quirks == 0 {
		return errors.New("no vector exercises the left-align quirk")
	}
	for _, n := range f.Negative {
		var m [32]byte
		copy(m[:], n.Message)
		d, ok, panicked := cryptoRingVerify(m, n.Signature)
		if d != n.Deserializes || ok != n.Verifies || panicked != n.GoPanics {
			return fmt.Errorf("%s: Go now gives deserializes=%v verifies=%v panics=%v", n.Name, d, ok, panicked)
		}
	}
	return nil
}

// --- poktroll ring membership ---

type cryptoRingAddressVector struct {
	cryptoRingCase
	// Addresses is the sorted ring (placeholder as poktroll writes it), confirmed against
	// poktroll's ring client.
	Addresses []string `json:"addresses"`
}

func genCryptoRingAddresses(r *rand.Rand) (any, error) {
	newAddr := func(pubs map[string]Hex) string {
		priv := cryptoRandPrivKey(r)
		a := cryptoAddress(priv.PubKey())
		pubs[a] = priv.PubKey().Bytes()
		return a
	}
	out := []cryptoRingAddressVector{}
	for i := 0; i < 40; i++ {
		pubs := map[string]Hex{}
		c := cryptoRingCase{
			AppAddress:                newAddr(pubs),
			DelegateeGatewayAddresses: []string{},
			PendingUndelegations:      map[string][]string{},
			SessionEndHeight:          uint64(4 * (5 + r.Intn(20))),
			PublicKeys:                pubs,
		}
		nGw := []int{0, 0, 1, 2, 3, 7}[i%6]
		for j := 0; j < nGw; j++ {
			c.DelegateeGatewayAddresses = append(c.DelegateeGatewayAddresses, newAddr(pubs))
		}
		// Pending undelegations below, at and above the session end height; some gateways are
		// pending at two heights, and some were re-delegated (pending and active at once).
		if i%3 != 0 {
			for j := 0; j < 1+r.Intn(3); j++ {
				h := int(c.SessionEndHeight) + 4*(r.Intn(5)-2)
				key := strconv.Itoa(h)
				gw := newAddr(pubs)
				c.PendingUndelegations[key] = append(c.PendingUndelegations[key], gw)
				if r.Intn(3) == 0 {
					other := strconv.Itoa(h + 4)
					c.PendingUndelegations[other] = append(c.PendingUndelegations[other], gw)
				}
			}
			if len(c.DelegateeGatewayAddresses) > 0 && i%4 == 1 {
				key := strconv.Itoa(int(c.SessionEndHeight))
				c.PendingUndelegations[key] = append(c.PendingUndelegations[key], c.DelegateeGatewayAddresses[0])
			}
		}
		addrs, err := cryptoRingOrder(c)
		if err != nil {
			return nil, err
		}
		if err := cryptoCheckRingOrder(c, addrs); err != nil {
			return nil, fmt.Errorf("case %d: %w", i, err)
		}
		out = append(out, cryptoRingAddressVector{cryptoRingCase: c, Addresses: addrs})
	}
	// Sanity: at least one ring with the placeholder and one with a duplicate member.
	seenPlaceholder, seenDup := false, false
	for _, v := range out {
		set := map[string]int{}
		for _, a := range v.Addresses {
			set[a]++
			if a == rings.PlaceholderRingAddress {
				seenPlaceholder = true
			}
		}
		for _, n := range set {
			if n > 1 {
				seenDup = true
			}
		}
	}
	if !seenPlaceholder || !seenDup {
		return nil, errors.New("ring address vectors miss the placeholder or duplicate case")
	}
	return out, nil
}
