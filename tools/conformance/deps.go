package main

import (
	_ "github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	_ "github.com/pokt-network/go-dleq/secp256k1"
	_ "github.com/pokt-network/poktroll/pkg/crypto/protocol"
	_ "github.com/pokt-network/poktroll/pkg/crypto/rand"
	_ "github.com/pokt-network/poktroll/x/proof/types"
	_ "github.com/pokt-network/poktroll/x/service/types"
	_ "github.com/pokt-network/poktroll/x/session/types"
	_ "github.com/pokt-network/poktroll/x/shared/types"
	_ "github.com/pokt-network/ring-go"
	_ "github.com/pokt-network/smt"
	_ "google.golang.org/protobuf/types/dynamicpb"
)
