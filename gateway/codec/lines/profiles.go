package lines

import (
	"sort"

	"radiogw/gateway/decode"
)

// Built-in profile names.
const (
	ProfileAppRpt        = "mdc1200-app-rpt"
	ProfileStar          = "star"
	ProfileMultimon      = "multimon"
	ProfileSDRTrunkMDC   = "sdrtrunk-mdc"
	ProfileTrunkRecorder = "trunk-recorder-json"
)

// BuiltinProfiles returns the built-in profiles by name. Each call returns a
// fresh copy, so callers may change it.
//
//   - mdc1200-app-rpt: AllStarLink app_rpt's MDC-1200 data strings, as in its
//     mdclog file ("20261123221405 1999 I1201") and its verbose log ("Got
//     MDC-1200 data I1201 from local system (1999)"): I<id> PTT ID,
//     E<id> emergency, S<id>-<code> status; <id> is 4 hex digits.
//   - star: GE-STAR / Zetron 4010 style decoder lines, one decode per line:
//     "#1234" PTT ID, "*1234" emergency, "#1234S3" status 3 from 1234
//     (IDs decimal, 1-16383).
//   - multimon: multimon-ng selcall lines ("ZVEI1: 12345", "CCIR: 12E45",
//     EEA, EIA, DZVEI, PZVEI): the tone sequence is the calling radio's ID,
//     a PTT start. "DTMF: 1" lines carry one digit each and are ignored.
//   - sdrtrunk-mdc: sdrtrunk's MDC-1200 message text ("MDC1200 UNIT:1201
//     BOT OPCODE:01 ARG:000 ..."), built from its MDCMessage.getMessage
//     format: the emergency flag, ANI (opcode 01) at BOT as PTT start and at
//     EOT as PTT end, opcode 32 (0x20) as emergency acknowledge. Status
//     (opcode 70) is not mapped: sdrtrunk prints only 6 of the argument's 8
//     bits, so the status number cannot be read back reliably.
//   - trunk-recorder-json: trunk-recorder's signalling decoder log lines,
//     {"type":"MDC1200"|"FLEETSYNC"|"STAR",...}, with or without the log
//     prefix; read as JSON, not by regex groups.
func BuiltinProfiles() map[string]decode.Profile {
	return map[string]decode.Profile{
		ProfileAppRpt: {Name: ProfileAppRpt, System: "mdc1200", Patterns: []decode.Pattern{
			{Kind: "ptt_start", Regex: `(?:^|\s)I(?P<unit>[0-9A-Fa-f]{4})(?:\s|$)`},
			{Kind: "emergency", Regex: `(?:^|\s)E(?P<unit>[0-9A-Fa-f]{4})(?:\s|$)`},
			{Kind: "status", Regex: `(?:^|\s)S(?P<unit>[0-9A-Fa-f]{4})-?(?P<status>[0-9A-Fa-f]{1,2})(?:\s|$)`},
		}},
		ProfileStar: {Name: ProfileStar, System: "star", Patterns: []decode.Pattern{
			{Kind: "status", Regex: `^#(?P<unit>\d{1,5})\s*S(?P<status>\d{1,2})$`},
			{Kind: "ptt_start", Regex: `^#(?P<unit>\d{1,5})$`},
			{Kind: "emergency", Regex: `^\*(?P<unit>\d{1,5})$`},
		}},
		ProfileMultimon: {Name: ProfileMultimon, System: "selcall", Patterns: []decode.Pattern{
			{Kind: "ptt_start", Regex: `^(?:ZVEI[123]|DZVEI|PZVEI|EEA|EIA|CCIR):\s*(?P<unit>[0-9A-F]{3,16})$`},
		}},
		ProfileSDRTrunkMDC: {Name: ProfileSDRTrunkMDC, System: "mdc1200", Patterns: []decode.Pattern{
			{Kind: "emergency", Regex: `^MDC1200 UNIT:(?P<unit>[0-9A-F]{1,4}) \*\*EMERGENCY\*\*`},
			{Kind: "emergency_ack", Regex: `^MDC1200 UNIT:(?P<unit>[0-9A-F]{1,4}) (?:BOT|EOT) OPCODE:32 `},
			{Kind: "ptt_start", Regex: `^MDC1200 UNIT:(?P<unit>[0-9A-F]{1,4}) BOT OPCODE:01 `},
			{Kind: "ptt_end", Regex: `^MDC1200 UNIT:(?P<unit>[0-9A-F]{1,4}) EOT OPCODE:01 `},
		}},
		ProfileTrunkRecorder: {Name: ProfileTrunkRecorder, System: "trunk-recorder", Patterns: []decode.Pattern{
			{Kind: KindJSON, Regex: `\{.*"type"\s*:\s*"(?:MDC1200|FLEETSYNC|STAR)"`},
		}},
	}
}

// BuiltinNames lists the built-in profile names, sorted.
func BuiltinNames() []string {
	m := BuiltinProfiles()
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
