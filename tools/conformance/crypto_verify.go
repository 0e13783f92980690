package main

// Verifiers for what @decai/crypto's producer (packages/crypto/test/conformance/produce.ts) writes,
// and the Go side of its benchmark.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"time"

	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
)

func init() {
	registerVerifier("crypto-ring-signatures", verifyCryptoRingSignatures)
	registerVerifier("crypto-ecdsa", verifyCryptoECDSA)
	registerVerifier("crypto-keys", verifyCryptoKeys)
	registerVerifier("crypto-ring-addresses", verifyCryptoRingAddresses)
	registerBench("crypto", benchCrypto)
}

// cryptoMinQuirkSignatures is how many produced signatures must pass through the decred
// left-align quirk for the run to count as having exercised it.
const cryptoMinQuirkSignatures = 16

type cryptoProducedRingSig struct {
	Name      string `json:"name"`
	Message   Hex    `json:"message"`
	Signature Hex    `json:"signature"`
	// RingKeys are the members' private keys (test keys) so Go can recompute H_p and walk the
	// challenge chain; QuirkSteps is where TypeScript saw the left-align fire.
	RingKeys   []Hex `json:"ringKeys"`
	QuirkSteps []int `json:"quirkSteps"`
}

func verifyCryptoRingSignatures(raw json.RawMessage) (int, error) {
	cases, err := decodeCases[cryptoProducedRingSig](raw)
	if err != nil {
		return 0, err
	}
	quirkSigs, quirkSteps := 0, 0
	sizes := map[int]int{}
	for _, c := range cases {
		if len(c.Message) != 32 {
			return 0, fmt.Errorf("%s: message is %d bytes", c.Name, len(c.Message))
		}
		var m [32]byte
		copy(m[:], c.Message)
		d, ok, panicked := cryptoRingVerify(m, c.Signature)
		if !d || !ok || panicked {
			return 0, fmt.Errorf("%s: ring-go rejects the signature (deserializes=%v verifies=%v panics=%v)", c.Name, d, ok, panicked)
		}
		n := int(uint32(c.Signature[0])<<24 | uint32(c.Signature[1])<<16 | uint32(c.Signature[2])<<8 | uint32(c.Signature[3]))
		if len(c.RingKeys) != n {
			return 0, fmt.Errorf("%s: %d ring keys for a ring of %d", c.Name, len(c.RingKeys), n)
		}
		keys := map[string][]byte{}
		for i, k := range c.RingKeys {
			pub := (&secp256k1.PrivKey{Key: k}).PubKey().Bytes()
			off := 69 + 65*i + 32
			if !bytes.Equal(pub, c.Signature[off:off+33]) {
				return 0, fmt.Errorf("%s: ring key %d does not match ring member %d", c.Name, i, i)
			}
			keys[string(pub)] = k
		}
		_, closes, steps, err := cryptoChain(m, c.Signature, cryptoMemberHp(keys))
		if err != nil {
			return 0, fmt.Errorf("%s: %v", c.Name, err)
		}
		if !closes {
			return 0, fmt.Errorf("%s: challenge chain does not close", c.Name)
		}
		if !slices.Equal(steps, c.QuirkSteps) && !(len(steps) == 0 && len(c.QuirkSteps) == 0) {
			return 0, fmt.Errorf("%s: Go sees the quirk at steps %v, TypeScript at %v", c.Name, steps, c.QuirkSteps)
		}
		if len(steps) > 0 {
			quirkSigs++
			quirkSteps += len(steps)
		}
		sizes[n]++
	}
	fmt.Printf("     crypto-ring-signatures: ring sizes %v; %d signatures (%d challenges) went through the decred left-align quirk\n", sizes, quirkSigs, quirkSteps)
	if quirkSigs < cryptoMinQuirkSignatures {
		return 0, fmt.Errorf("only %d signatures exercise the left-align quirk (want >= %d)", quirkSigs, cryptoMinQuirkSignatures)
	}
	return len(cases), nil
}

type cryptoProducedECDSA struct {
	Name       string `json:"name"`
	PrivateKey Hex    `json:"privateKey"`
	PublicKey  Hex    `json:"publicKey"`
	Message    Hex    `json:"message"`
	Signature  Hex    `json:"signature"`
}

func verifyCryptoECDSA(raw json.RawMessage) (int, error) {
	cases, err := decodeCases[cryptoProducedECDSA](raw)
	if err != nil {
		return 0, err
	}
	for _, c := range cases {
		priv := &secp256k1.PrivKey{Key: c.PrivateKey}
		if len(c.PrivateKey) != 32 || !bytes.Equal(priv.PubKey().Bytes(), c.PublicKey) {
			return 0, fmt.Errorf("%s: public key does not match the private key", c.Name)
		}
		if !(&secp256k1.PubKey{Key: c.PublicKey}).VerifySignature(c.Message, c.Signature) {
			return 0, fmt.Errorf("%s: cosmos VerifySignature rejects it", c.Name)
		}
		// RFC 6979 makes the signature a function of key and message: the bytes must be equal.
		want, err := priv.Sign(c.Message)
		if err != nil {
			return 0, err
		}
		if !bytes.Equal(want, c.Signature) {
			return 0, fmt.Errorf("%s: cosmos signs %x", c.Name, want)
		}
	}
	return len(cases), nil
}

type cryptoProducedKey struct {
	Name       string `json:"name"`
	Mnemonic   string `json:"mnemonic,omitempty"`
	Passphrase string `json:"passphrase,omitempty"`
	Path       string `json:"path,omitempty"`
	PrivateKey Hex    `json:"privateKey"`
	PublicKey  Hex    `json:"publicKey"`
	Address    string `json:"address"`
}

func verifyCryptoKeys(raw json.RawMessage) (int, error) {
	cases, err := decodeCases[cryptoProducedKey](raw)
	if err != nil {
		return 0, err
	}
	derive := hd.Secp256k1.Derive()
	for _, c := range cases {
		if c.Mnemonic != "" {
			bz, err := derive(c.Mnemonic, c.Passphrase, c.Path)
			if err != nil {
				return 0, fmt.Errorf("%s: %v", c.Name, err)
			}
			if !bytes.Equal(bz, c.PrivateKey) {
				return 0, fmt.Errorf("%s: cosmos derives %x", c.Name, bz)
			}
		}
		if len(c.PrivateKey) != 32 {
			return 0, fmt.Errorf("%s: private key is %d bytes", c.Name, len(c.PrivateKey))
		}
		pub := (&secp256k1.PrivKey{Key: c.PrivateKey}).PubKey()
		if !bytes.Equal(pub.Bytes(), c.PublicKey) {
			return 0, fmt.Errorf("%s: public key should be %x", c.Name, pub.Bytes())
		}
		if a := cryptoAddress(pub); a != c.Address {
			return 0, fmt.Errorf("%s: address should be %s", c.Name, a)
		}
	}
	return len(cases), nil
}

type cryptoProducedRingAddresses struct {
	Name string `json:"name"`
	cryptoRingCase
	Addresses []string `json:"addresses"`
}

func verifyCryptoRingAddresses(raw json.RawMessage) (int, error) {
	cases, err := decodeCases[cryptoProducedRingAddresses](raw)
	if err != nil {
		return 0, err
	}
	for _, c := range cases {
		for a, p := range c.PublicKeys {
			pub := &secp256k1.PubKey{Key: p}
			if len(p) != 33 || cryptoAddress(pub) != a {
				return 0, fmt.Errorf("%s: public key %x is not the key of %s", c.Name, []byte(p), a)
			}
		}
		want, err := cryptoRingOrder(c.cryptoRingCase)
		if err != nil {
			return 0, fmt.Errorf("%s: %v", c.Name, err)
		}
		if !slices.Equal(want, c.Addresses) {
			return 0, fmt.Errorf("%s: poktroll's ring is %v, TypeScript wrote %v", c.Name, want, c.Addresses)
		}
		if err := cryptoCheckRingOrder(c.cryptoRingCase, c.Addresses); err != nil {
			return 0, fmt.Errorf("%s: %v", c.Name, err)
		}
	}
	return len(cases), nil
}

// benchCrypto times the operations the TypeScript benchmark compares against: ring-go (decred,
// pure Go) sign and verify for a ring of 2, verification from the serialized bytes as poktroll
// does it, and cosmos secp256k1 supplier signatures over a 32-byte hash.
func benchCrypto() []benchResult {
	r := rand.New(rand.NewSource(1))
	const d = 1500 * time.Millisecond
	app, other := cryptoRandPrivKey(r), cryptoRandPrivKey(r)
	pubs := [][]byte{other.PubKey().Bytes(), app.PubKey().Bytes()}
	ringPub, err := cryptoRing(pubs)
	if err != nil {
		panic(err)
	}
	x := cryptoScalar(app.Key)
	msgs := make([][32]byte, 64)
	sigs := make([][]byte, len(msgs))
	for i := range msgs {
		copy(msgs[i][:], randBytes(r, 32))
		if sigs[i], err = cryptoRingSign(msgs[i], pubs, app.Key); err != nil {
			panic(err)
		}
	}
	var sink bool
	out := []benchResult{
		timeOp("ring-2 sign", d, func(i int) {
			sig, err := ringPub.Sign(msgs[i%len(msgs)], x)
			if err != nil {
				panic(err)
			}
			if _, err := sig.Serialize(); err != nil {
				panic(err)
			}
		}),
		timeOp("ring-2 verify", d, func(i int) {
			j := i % len(msgs)
			d, ok, _ := cryptoRingVerify(msgs[j], sigs[j])
			sink = sink != (d && ok)
		}),
	}
	hashes := make([][]byte, 64)
	ecdsaSigs := make([][]byte, len(hashes))
	for i := range hashes {
		hashes[i] = randBytes(r, 32)
		ecdsaSigs[i], _ = app.Sign(hashes[i])
	}
	pub := app.PubKey()
	out = append(out,
		timeOp("ecdsa sign", d, func(i int) {
			if _, err := app.Sign(hashes[i%len(hashes)]); err != nil {
				panic(err)
			}
		}),
		timeOp("ecdsa verify", d, func(i int) {
			j := i % len(hashes)
			if !pub.VerifySignature(hashes[j], ecdsaSigs[j]) {
				panic(errors.New("ecdsa bench signature does not verify"))
			}
		}),
	)
	_ = sink
	return out
}
