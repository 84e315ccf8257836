package source

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// ReadFrames reads r until it fails, cutting frames with split and handing
// each to fn with the time of the read that completed it. data is only valid
// during the call. Whatever is left unframed when the read fails is offered
// to split once more with atEOF set, so a half-written frame is counted
// (truncated) rather than silently lost. It returns the read error (io.EOF
// for a clean end).
//
// Unlike bufio.Scanner it never gives up on a long frame: the buffer holds
// max plus delimiters, and the splitters always consume once it is full.
func ReadFrames(r io.Reader, split bufio.SplitFunc, maxFrame int, fn func(data []byte, received time.Time), beforeRead func()) error {
	buf := make([]byte, max(4096, maxFrame+splitOverhead))
	start, end := 0, 0
	for {
		if start > 0 {
			end = copy(buf, buf[start:end])
			start = 0
		}
		if end == len(buf) {
			// Only a splitter that breaks the contract above gets here;
			// failing the stream beats spinning on it.
			return fmt.Errorf("splitter made no progress on a full %d-byte buffer", len(buf))
		}
		if beforeRead != nil {
			beforeRead()
		}
		n, rerr := r.Read(buf[end:])
		now := time.Now()
		end += n
		atEOF := rerr != nil
		for start < end {
			adv, tok, err := split(buf[start:end], atEOF)
			if err != nil {
				return fmt.Errorf("split: %w", err)
			}
			if adv < 0 || adv > end-start {
				return fmt.Errorf("split advanced %d of %d bytes", adv, end-start)
			}
			start += adv
			if tok != nil {
				fn(tok, now)
			}
			if adv == 0 {
				break
			}
		}
		if rerr != nil {
			return rerr
		}
	}
}
