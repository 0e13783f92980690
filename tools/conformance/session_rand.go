package main

import (
	"encoding/binary"
	"math"
	"math/rand"
	"strconv"
	"strings"

	poktrand "github.com/pokt-network/poktroll/pkg/crypto/rand"
)

// Go math/rand vectors: the value streams of rand.New(rand.NewSource(seed)) for many seeds
// (the proof requirement samples from it), plus poktroll's SeededFloat64 / SeededInt63 and
// encoding/binary.Varint, which turns a hash into the seed.

func init() {
	registerGenerator("go-rand", generator{
		file:          "packages/session/test/vectors/go-rand.json",
		deterministic: true,
		run:           genGoRand,
	})
	registerGenerator("seeded-rand", generator{
		file:          "packages/session/test/vectors/seeded-rand.json",
		deterministic: true,
		run:           genSeededRand,
	})
}

type goRandCase struct {
	Seed string `json:"seed"`
	// Ops is one line of "op[:arg]=value" steps applied in order to one generator; "skip:n"
	// draws n Int63 values first, so later values come from deep in the lagged-Fibonacci state.
	Ops string `json:"ops"`
}

func goRandSeed(r *rand.Rand) int64 {
	switch r.Intn(8) {
	case 0:
		return []int64{0, 1, -1, math.MaxInt64, math.MinInt64, math.MaxInt32, -math.MaxInt32, 89482311}[r.Intn(8)]
	case 1:
		return int64(math.MaxInt32) * (r.Int63n(1<<32) - 1<<31) // multiples of 2^31-1 seed as 0
	case 2:
		return int64(r.Intn(2000)) - 1000
	default:
		return int64(r.Uint64())
	}
}

func goRandN(r *rand.Rand, bits int) int64 {
	switch r.Intn(4) {
	case 0:
		return 1 << uint(r.Intn(bits))
	case 1:
		return 1 + int64(r.Intn(100))
	default:
		return 1 + r.Int63n(int64(1)<<uint(bits)-1)
	}
}

func genGoRand(r *rand.Rand) (any, error) {
	cases := make([]goRandCase, 0, 1500)
	for len(cases) < 1500 {
		seed := goRandSeed(r)
		g := rand.New(rand.NewSource(seed))
		var ops []string
		if r.Intn(5) == 0 {
			n := 600 + r.Intn(1500)
			for i := 0; i < n; i++ {
				g.Int63()
			}
			ops = append(ops, "skip:"+strconv.Itoa(n))
		}
		for steps := 4 + r.Intn(8); steps > 0; steps-- {
			switch r.Intn(9) {
			case 0:
				ops = append(ops, "uint64="+strconv.FormatUint(g.Uint64(), 10))
			case 1:
				ops = append(ops, "int63="+strconv.FormatInt(g.Int63(), 10))
			case 2:
				ops = append(ops, "int31="+strconv.FormatInt(int64(g.Int31()), 10))
			case 3:
				n := goRandN(r, 63)
				ops = append(ops, "int63n:"+strconv.FormatInt(n, 10)+"="+strconv.FormatInt(g.Int63n(n), 10))
			case 4:
				n := int32(goRandN(r, 31))
				ops = append(ops, "int31n:"+strconv.FormatInt(int64(n), 10)+"="+strconv.FormatInt(int64(g.Int31n(n)), 10))
			case 5:
				n := goRandN(r, 63)
				ops = append(ops, "intn:"+strconv.FormatInt(n, 10)+"="+strconv.Itoa(g.Intn(int(n))))
			case 6:
				ops = append(ops, "float32="+strconv.FormatFloat(float64(g.Float32()), 'g', -1, 32))
			case 7:
				ops = append(ops, "uint32="+strconv.FormatUint(uint64(g.Uint32()), 10))
			default:
				ops = append(ops, "float64="+strconv.FormatFloat(g.Float64(), 'g', -1, 64))
			}
		}
		cases = append(cases, goRandCase{Seed: i64s(seed), Ops: strings.Join(ops, " ")})
	}
	return cases, nil
}

type varintCase struct {
	Input Hex    `json:"input"`
	Value string `json:"value"`
	N     int    `json:"n"`
}

type seededCase struct {
	Input   Hex    `json:"input"`
	Float64 string `json:"float64"`
	Int63   string `json:"int63"`
}

type seededRandVectors struct {
	Varint []varintCase `json:"varint"`
	Seeded []seededCase `json:"seeded"`
}

// varintInput builds buffers that hit every branch of binary.Uvarint: short and long
// encodings, the 10th-byte overflow rule, truncation and empty input.
func varintInput(r *rand.Rand) []byte {
	switch r.Intn(6) {
	case 0:
		return randBytes(r, r.Intn(12))
	case 1:
		b := make([]byte, 9+r.Intn(3))
		for i := range b {
			b[i] = 0x80 | byte(r.Intn(128))
		}
		b = append(b, byte(r.Intn(4)))
		return b
	case 2:
		return binary.AppendVarint(nil, int64(r.Uint64()))
	case 3:
		b := make([]byte, 1+r.Intn(10))
		for i := range b {
			b[i] = 0x80 | byte(r.Intn(256))
		}
		return b
	default:
		return randBytes(r, 32)
	}
}

func genSeededRand(r *rand.Rand) (any, error) {
	var out seededRandVectors
	for i := 0; i < 1500; i++ {
		in := varintInput(r)
		v, n := binary.Varint(in)
		out.Varint = append(out.Varint, varintCase{Input: in, Value: i64s(v), N: n})
	}
	for i := 0; i < 2000; i++ {
		in := randBytes(r, r.Intn(100))
		out.Seeded = append(out.Seeded, seededCase{
			Input:   in,
			Float64: strconv.FormatFloat(poktrand.SeededFloat64(in), 'g', -1, 64),
			Int63:   i64s(poktrand.SeededInt63(in)),
		})
	}
	return out, nil
}
