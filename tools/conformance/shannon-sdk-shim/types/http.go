package types

import (
	"fmt"
	"net/http"

	"google.golang.org/protobuf/encoding/protowire"
)

// Header is one HTTP header with all of its values.
type Header struct {
	Key    string
	Values []string
}

// POKTHTTPRequest is the HTTP request carried in a RelayRequest payload.
type POKTHTTPRequest struct {
	Method string
	Header map[string]*Header
	Url    string
	BodyBz []byte
}

// DeserializeHTTPRequest decodes a serialized POKTHTTPRequest.
func DeserializeHTTPRequest(bz []byte) (*POKTHTTPRequest, error) {
	req := &POKTHTTPRequest{Header: map[string]*Header{}}
	err := eachField(bz, func(num protowire.Number, v []byte) error {
		switch num {
		case 1:
			req.Method = string(v)
		case 2:
			var key string
			header := &Header{}
			if err := eachField(v, func(n protowire.Number, ev []byte) error {
				switch n {
				case 1:
					key = string(ev)
				case 2:
					return eachField(ev, func(hn protowire.Number, hv []byte) error {
						switch hn {
						case 1:
							header.Key = string(hv)
						case 2:
							header.Values = append(header.Values, string(hv))
						}
						return nil
					})
				}
				return nil
			}); err != nil {
				return err
			}
			req.Header[key] = header
		case 3:
			req.Url = string(v)
		case 4:
			req.BodyBz = append([]byte(nil), v...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return req, nil
}

// CopyToHTTPHeader copies every header value into h.
func (r *POKTHTTPRequest) CopyToHTTPHeader(h http.Header) {
	for key, header := range r.Header {
		for _, value := range header.Values {
			h.Add(key, value)
		}
	}
}

// eachField walks the length-delimited fields of a message; other wire types are skipped.
func eachField(bz []byte, visit func(protowire.Number, []byte) error) error {
	for len(bz) > 0 {
		num, typ, n := protowire.ConsumeTag(bz)
		if n < 0 {
			return fmt.Errorf("bad tag: %w", protowire.ParseError(n))
		}
		bz = bz[n:]
		if typ != protowire.BytesType {
			m := protowire.ConsumeFieldValue(num, typ, bz)
			if m < 0 {
				return fmt.Errorf("bad field %d: %w", num, protowire.ParseError(m))
			}
			bz = bz[m:]
			continue
		}
		v, m := protowire.ConsumeBytes(bz)
		if m < 0 {
			return fmt.Errorf("bad field %d: %w", num, protowire.ParseError(m))
		}
		if err := visit(num, v); err != nil {
			return err
		}
		bz = bz[m:]
	}
	return nil
}
