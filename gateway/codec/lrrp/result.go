package lrrp

import (
	"errors"
	"fmt"

	"radiogw/gateway/decode"
)

// ResultError is a radio's answer that carries a non-zero result code instead
// of a position (no GPS fix yet, request not understood, ...). Decode returns
// it wrapped in a decode.Error with reason "result_code"; use ResultCode or
// errors.As to read the code.
type ResultError struct {
	Doc       DocType
	RequestID uint32
	Code      uint32
	Data      []byte // operation-error detail, if any (a copy)
}

func (e *ResultError) Error() string {
	return fmt.Sprintf("lrrp: %s request %08X: result code %d (0x%X)", e.Doc, e.RequestID, e.Code, e.Code)
}

// ResultCode extracts the LRRP result code from an error returned by Decode.
func ResultCode(err error) (uint32, bool) {
	var re *ResultError
	if errors.As(err, &re) {
		return re.Code, true
	}
	return 0, false
}

func resultError(d *Document) error {
	re := &ResultError{Doc: d.Type, RequestID: d.RequestID, Code: d.ResultCode}
	if len(d.ResultData) > 0 {
		re.Data = append([]byte(nil), d.ResultData...)
	}
	return &decode.Error{Reason: "result_code", Err: re}
}
