package lrrp

import "strconv"

// DocType is the MBXML document identifier, the first uintvar of a datagram.
// Even identifiers carry a constant data table (CDT) before their elements,
// odd ones ("NCDT") do not; radios send the NCDT forms.
type DocType uint32

// LRRP document identifiers.
const (
	DocImmediateLocationRequest          DocType = 0x04
	DocImmediateLocationRequestNCDT      DocType = 0x05
	DocImmediateLocationReport           DocType = 0x06
	DocImmediateLocationReportNCDT       DocType = 0x07
	DocTriggeredLocationStartRequest     DocType = 0x08
	DocTriggeredLocationStartRequestNCDT DocType = 0x09
	DocTriggeredLocationStartAnswer      DocType = 0x0A
	DocTriggeredLocationStartAnswerNCDT  DocType = 0x0B
	DocTriggeredLocationReport           DocType = 0x0C
	DocTriggeredLocationReportNCDT       DocType = 0x0D
	DocTriggeredLocationStopRequest      DocType = 0x0E
	DocTriggeredLocationStopRequestNCDT  DocType = 0x0F
	DocTriggeredLocationStopAnswer       DocType = 0x10
	DocTriggeredLocationStopAnswerNCDT   DocType = 0x11
	DocUnsolicitedLocationReport         DocType = 0x12
	DocUnsolicitedLocationReportNCDT     DocType = 0x13
	DocLocationProtocolRequestNCDT       DocType = 0x14
	DocLocationProtocolReportNCDT        DocType = 0x15
	firstARRP                            DocType = 0x16 // accessory protocol (ARRP) ids start here
	lastARRP                             DocType = 0x27
)

// Class groups document types by what radiogw does with them.
type Class uint8

const (
	ClassUnknown Class = iota
	ClassRequest       // server -> radio: immediate/triggered/stop/protocol requests
	ClassAnswer        // radio -> server: triggered start/stop answers (result only)
	ClassReport        // radio -> server: immediate/triggered/unsolicited/protocol reports
)

// Class reports what kind of document t is.
func (t DocType) Class() Class {
	switch t {
	case DocImmediateLocationRequest, DocImmediateLocationRequestNCDT,
		DocTriggeredLocationStartRequest, DocTriggeredLocationStartRequestNCDT,
		DocTriggeredLocationStopRequest, DocTriggeredLocationStopRequestNCDT,
		DocLocationProtocolRequestNCDT:
		return ClassRequest
	case DocTriggeredLocationStartAnswer, DocTriggeredLocationStartAnswerNCDT,
		DocTriggeredLocationStopAnswer, DocTriggeredLocationStopAnswerNCDT:
		return ClassAnswer
	case DocImmediateLocationReport, DocImmediateLocationReportNCDT,
		DocTriggeredLocationReport, DocTriggeredLocationReportNCDT,
		DocUnsolicitedLocationReport, DocUnsolicitedLocationReportNCDT,
		DocLocationProtocolReportNCDT:
		return ClassReport
	}
	return ClassUnknown
}

// HasCDT reports whether documents of this type start with a constant data table.
func (t DocType) HasCDT() bool { return t%2 == 0 }

var docNames = map[DocType]string{
	DocImmediateLocationRequest:          "immediate-location-request",
	DocImmediateLocationRequestNCDT:      "immediate-location-request",
	DocImmediateLocationReport:           "immediate-location-report",
	DocImmediateLocationReportNCDT:       "immediate-location-report",
	DocTriggeredLocationStartRequest:     "triggered-location-request",
	DocTriggeredLocationStartRequestNCDT: "triggered-location-request",
	DocTriggeredLocationStartAnswer:      "triggered-location-answer",
	DocTriggeredLocationStartAnswerNCDT:  "triggered-location-answer",
	DocTriggeredLocationReport:           "triggered-location-report",
	DocTriggeredLocationReportNCDT:       "triggered-location-report",
	DocTriggeredLocationStopRequest:      "triggered-location-stop-request",
	DocTriggeredLocationStopRequestNCDT:  "triggered-location-stop-request",
	DocTriggeredLocationStopAnswer:       "triggered-location-stop-answer",
	DocTriggeredLocationStopAnswerNCDT:   "triggered-location-stop-answer",
	DocUnsolicitedLocationReport:         "unsolicited-location-report",
	DocUnsolicitedLocationReportNCDT:     "unsolicited-location-report",
	DocLocationProtocolRequestNCDT:       "location-protocol-request",
	DocLocationProtocolReportNCDT:        "location-protocol-report",
}

func (t DocType) String() string {
	if n, ok := docNames[t]; ok {
		return n
	}
	return "doc-0x" + strconv.FormatUint(uint64(t), 16)
}
