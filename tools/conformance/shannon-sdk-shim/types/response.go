package types

import "google.golang.org/protobuf/reflect/protoreflect"

// POKTHTTPResponse is the HTTP response carried in a RelayResponse payload. poktroll's relayer
// proxy builds one when it serves a relay; the harness links that package only for the errors
// it registers and never serves a relay, so the type exists for the compiler alone.
type POKTHTTPResponse struct {
	StatusCode uint32
	Header     map[string]*Header
	BodyBz     []byte
}

// ProtoReflect makes the type a proto.Message, as the relayer proxy's signature requires.
func (*POKTHTTPResponse) ProtoReflect() protoreflect.Message {
	panic("shannon-sdk shim: POKTHTTPResponse is not encodable in the conformance harness")
}
