package nmea

import (
	"errors"
	"fmt"
	"strings"

	nmea "github.com/adrianmo/go-nmea"
)

// errChecksum marks checksum failures so Decode can give them their reason.
var errChecksum = errors.New("checksum")

// newSentenceParser configures go-nmea for what vehicle modems send: an
// optional checksum, text after the checksum, "* 72" with spaces, the
// unusual $DEVID address, and radiogw's own parsers for Kenwood and modem
// identity sentences.
func newSentenceParser(strict bool) *nmea.SentenceParser {
	return sentenceParser(func(s nmea.BaseSentence, fields string) error { return checkCRC(s, fields, strict) })
}

// newLooseParser is the parser for a second reading of a sentence whose
// checksum was wrong, on a source with checksum = "lenient": it checks none.
func newLooseParser() *nmea.SentenceParser {
	return sentenceParser(func(nmea.BaseSentence, string) error { return nil })
}

func sentenceParser(crc func(nmea.BaseSentence, string) error) *nmea.SentenceParser {
	p := &nmea.SentenceParser{
		CheckCRC:    crc,
		ParsePrefix: parsePrefix,
		CustomParsers: map[string]nmea.ParserFunc{
			nmea.TypeRMC: newRMC, // coords.go: go-nmea's fields, faster and stricter coordinates
			nmea.TypeGGA: newGGA,
			nmea.TypeGNS: newGNS,
			nmea.TypeGLL: newGLL,
			typePKNDS:    newKenwood,
			typePKLDS:    newKenwood,
			"SIWMDID":    newIdentity, // Sierra AirLink $PSIWMDID,<device id>
			"GID":        newIdentity, // $PGID,<imei>
			"CPTI":       newIdentity, // Cradlepoint $PCPTI,<router id>,...
			"DEVID":      newIdentity, // $DEVID,0x<hex id>
			"FID":        newIdentity, // $GPFID,<device id>, after the position it names
		},
	}
	// Chatter is recognised by type alone: go-nmea's field parsing would only
	// cost time, and vendors bend these formats ($GPTXT,NET,... from modems).
	for _, t := range chatterTypes {
		p.CustomParsers[t] = skipFields
	}
	return p
}

// "Q" is a query ($GPECQ,RMC): go-nmea v1.10.0 panics on a short one ("$Q").
var chatterTypes = []string{"GSA", "GSV", "TXT", "GST", "GBS", "GRS", "DTM", "HDT", "HDG", "HDM", "ALM", "MTK001", nmea.TypeQuery}

func skipFields(s nmea.BaseSentence) (nmea.Sentence, error) { return s, nil }

// parsePrefix is go-nmea's prefix split, except that $DEVID (five letters
// but no talker) keeps its whole name.
func parsePrefix(prefix string) (string, string, error) {
	if prefix == "DEVID" {
		return "", prefix, nil
	}
	return nmea.ParsePrefix(prefix)
}

// checkCRC accepts the checksum forms seen from modems: the standard two hex
// digits, spaces around '*', and anything after the two digits (ignored). A
// missing checksum is accepted unless strict.
func checkCRC(s nmea.BaseSentence, fields string, strict bool) error {
	star := strings.IndexByte(s.Raw, '*')
	if star < 0 {
		if strict {
			return fmt.Errorf("%w: missing", errChecksum)
		}
		return nil
	}
	want := strings.TrimLeft(s.Checksum, " ")
	w, ok := sumDigits(want)
	if !ok {
		return fmt.Errorf("%w: malformed %q", errChecksum, clip(s.Checksum))
	}
	if sumMatches(fields, w) {
		return nil
	}
	return fmt.Errorf("%w: computed %02X, sentence says %c%c", errChecksum, xor(fields), want[0], want[1])
}

// sumDigits reads the two hex digits a checksum field starts with.
func sumDigits[T string | []byte](want T) (byte, bool) {
	if len(want) < 2 || !isHex(want[0]) || !isHex(want[1]) {
		return 0, false
	}
	return hexVal(want[0])<<4 | hexVal(want[1]), true
}

// sumMatches reports whether w is the XOR of body, or of body without the
// trailing spaces some modems write before '*' ("...,A * 72").
func sumMatches[T string | []byte](body T, w byte) bool {
	if xor(body) == w {
		return true
	}
	n := len(body)
	for n > 0 && body[n-1] == ' ' {
		n--
	}
	return n != len(body) && xor(body[:n]) == w
}

func xor[T string | []byte](s T) byte {
	var c byte
	for i := 0; i < len(s); i++ {
		c ^= s[i]
	}
	return c
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f'
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// parse runs go-nmea, turning a panic inside it into an error: one odd line
// from a modem must not take the gateway down.
func parse(p *nmea.SentenceParser, line string) (s nmea.Sentence, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("nmea: parser failed on %q: %v", clip(line), r)
		}
	}()
	return p.Parse(line)
}
