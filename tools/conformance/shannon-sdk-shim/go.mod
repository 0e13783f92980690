// A stand-in for github.com/pokt-network/shannon-sdk, whose pinned revision the Go module proxy
// does not serve. poktroll's x/proof/types reaches shannon-sdk only through pkg/relayer's
// BuildServiceBackendRequest (DeserializeHTTPRequest and CopyToHTTPHeader), and pkg/relayer/proxy
// (linked for the errors it registers) names POKTHTTPResponse; the harness never calls either,
// but Go must compile them. The behaviour below follows the POKTHTTPRequest schema in
// proto/shannon-sdk/types/http.proto.
module github.com/pokt-network/shannon-sdk

go 1.26

require google.golang.org/protobuf v1.36.11
