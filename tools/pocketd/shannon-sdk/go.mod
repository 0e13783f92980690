// A stand-in for github.com/pokt-network/shannon-sdk, the module poktroll's relayer imports
// but whose pinned revision the Go module proxy does not serve. It provides only the `types`
// package pocketd's relayminer compiles against: the HTTP envelope messages (generated at build
// time from proto/sdk/types/http.proto by protoc-gen-go) and their helpers (http.go).
module github.com/pokt-network/shannon-sdk

go 1.26

require google.golang.org/protobuf v1.36.11
