package main

// Vectors for @decai/protocol's error registry (src/gen/known-errors.ts): every error the chain
// and the relay miner register with errorsmod, as (codespace, code, Go name, description).
//   - chain: the Cosmos SDK's root codespace and each poktroll module's types/errors.go; these
//     are what failed transactions and queries report.
//   - relayMiner: the packages on poktroll's RelayMiner request path. The relay miner answers a
//     relay it cannot serve with RelayResponse.relay_miner_error = the first registered error in
//     the chain of wrapped errors (pkg/relayer/proxy/error_reply.go), so these, with the chain's
//     x/service, x/session and x/shared errors, are what gateways receive.
//
// Names and codes are read from the errors.go files of the pinned modules; every entry is then
// confirmed against the live errorsmod registry of this binary, which links those packages, so a
// stale or misread entry fails generation.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand"
	"path/filepath"
	"sort"
	"strconv"

	errorsmod "cosmossdk.io/errors"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/pokt-network/poktroll/pkg/client/query"
	"github.com/pokt-network/poktroll/pkg/crypto/rings"
	"github.com/pokt-network/poktroll/pkg/relayer/proxy"
	"github.com/pokt-network/poktroll/pkg/relayer/proxy/websockets"
	"github.com/pokt-network/poktroll/pkg/relayer/relay_authenticator"
	apptypes "github.com/pokt-network/poktroll/x/application/types"
	gatewaytypes "github.com/pokt-network/poktroll/x/gateway/types"
	migrationtypes "github.com/pokt-network/poktroll/x/migration/types"
	prooftypes "github.com/pokt-network/poktroll/x/proof/types"
	servicetypes "github.com/pokt-network/poktroll/x/service/types"
	sessiontypes "github.com/pokt-network/poktroll/x/session/types"
	sharedtypes "github.com/pokt-network/poktroll/x/shared/types"
	suppliertypes "github.com/pokt-network/poktroll/x/supplier/types"
	tokenomicstypes "github.com/pokt-network/poktroll/x/tokenomics/types"
)

func init() {
	registerGenerator("known-errors", generator{
		file:          "packages/protocol/test/vectors/errors.json",
		deterministic: true,
		run:           generateKnownErrors,
	})
}

type knownError struct {
	Codespace   string `json:"codespace"`
	Code        uint32 `json:"code"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

type knownErrorsVectors struct {
	Chain      []knownError `json:"chain"`
	RelayMiner []knownError `json:"relayMiner"`
}

// errorSource is one errors.go and the codespace its Register calls use.
type errorSource struct {
	file      string
	codespace string
}

// chainErrorSources: the SDK's root codespace and each poktroll module's, named by the modules'
// own ModuleName constants.
func chainErrorSources() ([]errorSource, error) {
	poktroll, err := moduleDir("github.com/pokt-network/poktroll@" + upstream["poktroll"])
	if err != nil {
		return nil, err
	}
	sdkDir, err := moduleDir("github.com/cosmos/cosmos-sdk@v0.53.7")
	if err != nil {
		return nil, err
	}
	modules := []string{
		apptypes.ModuleName, gatewaytypes.ModuleName, migrationtypes.ModuleName, prooftypes.ModuleName,
		servicetypes.ModuleName, sessiontypes.ModuleName, sharedtypes.ModuleName, suppliertypes.ModuleName,
		tokenomicstypes.ModuleName,
	}
	sources := []errorSource{{filepath.Join(sdkDir, "types/errors/errors.go"), sdkerrors.RootCodespace}}
	for _, m := range modules {
		sources = append(sources, errorSource{filepath.Join(poktroll, "x", m, "types/errors.go"), m})
	}
	return sources, nil
}

// relayMinerErrorSources: the relay miner's packages. Their codespaces are unexported variables,
// so each is taken from one of the package's registered errors.
func relayMinerErrorSources() ([]errorSource, error) {
	poktroll, err := moduleDir("github.com/pokt-network/poktroll@" + upstream["poktroll"])
	if err != nil {
		return nil, err
	}
	packages := []struct {
		dir    string
		sample *errorsmod.Error
	}{
		{"pkg/relayer/proxy", proxy.ErrRelayerProxyInvalidSession},
		{"pkg/relayer/relay_authenticator", relay_authenticator.ErrRelayAuthenticatorInvalidSession},
		{"pkg/crypto/rings", rings.ErrRingClientInvalidRelayRequest},
		{"pkg/relayer/proxy/websockets", websockets.ErrWebsocketsConnection},
		{"pkg/client/query", query.ErrQueryRetrieveSession},
	}
	var sources []errorSource
	for _, p := range packages {
		sources = append(sources, errorSource{filepath.Join(poktroll, p.dir, "errors.go"), p.sample.Codespace()})
	}
	return sources, nil
}

// readKnownErrors reads every `Err… = Register(codespace, code, "description")` of the sources
// and confirms each against the live registry (errorsmod.ABCIError finds registered errors by
// codespace and code).
func readKnownErrors(sources []errorSource) ([]knownError, error) {
	var known []knownError
	for _, src := range sources {
		file, err := parser.ParseFile(token.NewFileSet(), src.file, nil, 0)
		if err != nil {
			return nil, err
		}
		found := 0
		ast.Inspect(file, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok || len(spec.Names) != 1 || len(spec.Values) != 1 {
				return true
			}
			call, ok := spec.Values[0].(*ast.CallExpr)
			if !ok || len(call.Args) != 3 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Register" {
				return true
			}
			codeLit, ok1 := call.Args[1].(*ast.BasicLit)
			descLit, ok2 := call.Args[2].(*ast.BasicLit)
			if !ok1 || !ok2 {
				return true
			}
			code, _ := strconv.ParseUint(codeLit.Value, 10, 32)
			desc, _ := strconv.Unquote(descLit.Value)
			known = append(known, knownError{Codespace: src.codespace, Code: uint32(code), Name: spec.Names[0].Name, Description: desc})
			found++
			return true
		})
		if found == 0 {
			return nil, fmt.Errorf("%s: no registered errors found", src.file)
		}
	}
	for _, k := range known {
		got := errorsmod.ABCIError(k.Codespace, k.Code, "probe").Error()
		if got != "probe: "+k.Description {
			return nil, fmt.Errorf("%s (%s/%d) is not registered as %q (registry says %q)", k.Name, k.Codespace, k.Code, k.Description, got)
		}
	}
	sort.Slice(known, func(i, j int) bool {
		if known[i].Codespace != known[j].Codespace {
			return known[i].Codespace < known[j].Codespace
		}
		return known[i].Code < known[j].Code
	})
	return known, nil
}

func chainKnownErrors() ([]knownError, error) {
	sources, err := chainErrorSources()
	if err != nil {
		return nil, err
	}
	return readKnownErrors(sources)
}

func generateKnownErrors(_ *rand.Rand) (any, error) {
	chain, err := chainKnownErrors()
	if err != nil {
		return nil, err
	}
	sources, err := relayMinerErrorSources()
	if err != nil {
		return nil, err
	}
	relayMiner, err := readKnownErrors(sources)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, k := range chain {
		seen[k.Codespace] = true
	}
	for _, k := range relayMiner {
		if seen[k.Codespace] {
			return nil, fmt.Errorf("relay miner codespace %q is also a chain codespace", k.Codespace)
		}
	}
	return knownErrorsVectors{Chain: chain, RelayMiner: relayMiner}, nil
}
