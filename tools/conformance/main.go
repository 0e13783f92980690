// Command conformance is DecAI's Go reference harness. It links the exact upstream modules the
// chain runs (poktroll v0.1.35, smt v0.14.1, ring-go v0.2.0) and proves, in both directions, that
// the TypeScript packages produce and accept the same bytes:
//
//	conformance generate -root DIR   write every vector file under DIR (the repository root)
//	conformance check -root DIR      regenerate deterministic vectors and compare them with the
//	                                 committed files; re-verify the randomized ones
//	conformance verify -in DIR       verify what the TypeScript producers wrote into DIR
//	conformance bench [-only a,b]    time the Go reference operations and print JSON results,
//	                                 so TypeScript benchmarks can report ratios against Go
//
// Vector and output files are JSON; byte strings are lowercase hex.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// defaultSeed makes committed vectors reproducible: `generate` with the same seed writes the
// same files, byte for byte, for every deterministic generator.
const defaultSeed = 20261126

// generator produces one vector file from a seeded random source.
type generator struct {
	// file is the vector path relative to the repository root, e.g.
	// "packages/crypto/test/vectors/ecdsa.json".
	file string
	// deterministic generators produce the same output from the same seed; `check` compares
	// their committed files byte for byte.
	deterministic bool
	run           func(r *rand.Rand) (any, error)
	// check re-verifies a committed file of a randomized generator (for example, ring
	// signatures carry fresh randomness and can only be verified, not reproduced).
	check func(committed []byte) error
}

// verifier checks one kind of TypeScript-produced output and returns how many cases it checked.
type verifier func(cases json.RawMessage) (int, error)

// benchResult is one timed Go reference operation.
type benchResult struct {
	Name      string  `json:"name"`
	Ops       int     `json:"ops"`
	NsPerOp   float64 `json:"nsPerOp"`
	OpsPerSec float64 `json:"opsPerSec"`
}

var (
	generators = map[string]generator{}
	verifiers  = map[string]verifier{}
	benches    = map[string]func() []benchResult{}
)

// registerBench adds a group of Go reference timings (see timeOp in util.go).
func registerBench(name string, b func() []benchResult) {
	if _, dup := benches[name]; dup {
		panic("duplicate bench " + name)
	}
	benches[name] = b
}

func registerGenerator(name string, g generator) {
	if _, dup := generators[name]; dup {
		panic("duplicate generator " + name)
	}
	generators[name] = g
}

func registerVerifier(kind string, v verifier) {
	if _, dup := verifiers[kind]; dup {
		panic("duplicate verifier " + kind)
	}
	verifiers[kind] = v
}

// vectorFile is the envelope of every committed vector file.
type vectorFile struct {
	Generator string            `json:"generator"`
	Seed      int64             `json:"seed"`
	Upstream  map[string]string `json:"upstream"`
	Vectors   json.RawMessage   `json:"vectors"`
}

// producedFile is the envelope of every file the TypeScript producers write.
type producedFile struct {
	Kind  string          `json:"kind"`
	Cases json.RawMessage `json:"cases"`
}

var upstream = map[string]string{
	"poktroll": "v0.1.35",
	"smt":      "v0.14.1",
	"ring-go":  "v0.2.0",
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	root := fs.String("root", ".", "repository root")
	in := fs.String("in", "", "directory of TypeScript-produced files")
	only := fs.String("only", "", "comma-separated generator names (default: all)")
	seed := fs.Int64("seed", defaultSeed, "random seed")
	_ = fs.Parse(os.Args[2:])

	var err error
	switch os.Args[1] {
	case "generate":
		err = generate(*root, *seed, selected(*only))
	case "check":
		err = check(*root, *seed, selected(*only))
	case "verify":
		err = verify(*in)
	case "bench":
		err = runBenches(*only)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: conformance generate|check -root DIR [-only a,b] [-seed N] | verify -in DIR | bench [-only a,b]")
	os.Exit(2)
}

func selected(only string) []string {
	var names []string
	for name := range generators {
		if only == "" || strings.Contains(","+only+",", ","+name+",") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func render(name string, seed int64, g generator) ([]byte, error) {
	// Each generator gets its own stream so adding one never shifts another's vectors.
	r := rand.New(rand.NewSource(seed ^ int64(fnv(name))))
	v, err := g.run(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(vectorFile{Generator: name, Seed: seed, Upstream: upstream, Vectors: raw}, "", " ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

func generate(root string, seed int64, names []string) error {
	for _, name := range names {
		g := generators[name]
		out, err := render(name, seed, g)
		if err != nil {
			return err
		}
		path := filepath.Join(root, g.file)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, out, 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s\n", g.file)
	}
	return nil
}

func check(root string, seed int64, names []string) error {
	var failed []string
	for _, name := range names {
		g := generators[name]
		committed, err := os.ReadFile(filepath.Join(root, g.file))
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		if g.deterministic {
			fresh, err := render(name, seed, g)
			if err != nil {
				failed = append(failed, err.Error())
			} else if !bytes.Equal(fresh, committed) {
				failed = append(failed, fmt.Sprintf("%s: %s differs from what the Go reference generates (run `pnpm vectors`)", name, g.file))
			}
		}
		if g.check != nil {
			var vf vectorFile
			if err := json.Unmarshal(committed, &vf); err != nil {
				failed = append(failed, fmt.Sprintf("%s: %v", name, err))
			} else if err := g.check(vf.Vectors); err != nil {
				failed = append(failed, fmt.Sprintf("%s: %v", name, err))
			}
		}
		if g.deterministic || g.check != nil {
			fmt.Printf("ok   vectors %s\n", name)
		}
	}
	return report(failed)
}

func verify(dir string) error {
	if dir == "" {
		return errors.New("verify needs -in DIR")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var failed []string
	total := 0
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		var pf producedFile
		if err := json.Unmarshal(raw, &pf); err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", e.Name(), err))
			continue
		}
		v, ok := verifiers[pf.Kind]
		if !ok {
			failed = append(failed, fmt.Sprintf("%s: no verifier for kind %q", e.Name(), pf.Kind))
			continue
		}
		n, err := v(pf.Cases)
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s (%s): %v", e.Name(), pf.Kind, err))
			continue
		}
		if n == 0 {
			failed = append(failed, fmt.Sprintf("%s (%s): no cases", e.Name(), pf.Kind))
			continue
		}
		total += n
		fmt.Printf("ok   %-28s %6d cases verified by the Go reference\n", pf.Kind, n)
	}
	if total == 0 && len(failed) == 0 {
		failed = append(failed, "nothing to verify in "+dir)
	}
	return report(failed)
}

func runBenches(only string) error {
	var names []string
	for name := range benches {
		if only == "" || strings.Contains(","+only+",", ","+name+",") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	results := []benchResult{}
	for _, name := range names {
		results = append(results, benches[name]()...)
	}
	out, err := json.MarshalIndent(results, "", " ")
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}

func report(failed []string) error {
	if len(failed) == 0 {
		return nil
	}
	for _, f := range failed {
		fmt.Fprintln(os.Stderr, "FAIL", f)
	}
	return fmt.Errorf("%d check(s) failed", len(failed))
}

func fnv(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}
