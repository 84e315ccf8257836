package outbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// A full disk must not stop the outbox for good: the loss policy says old
// position history goes first. Rewriting a segment without its positions
// needs room for the rewritten file, which a full disk does not have, so
// the outbox keeps a reserve file of Options.Reserve bytes and gives it
// back before it compacts. The reserve is put back once there is room.

const reserveFile = "reserve"

func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// makeRoom frees at least need bytes, and a good share of the backlog, by
// releasing the reserve and dropping the oldest positions. It reports
// whether anything was freed.
func (o *Outbox) makeRoom(need int64) bool {
	freed := false
	if o.reserveOK {
		if err := os.Remove(filepath.Join(o.opts.Dir, reserveFile)); err == nil {
			freed = true
		}
		o.reserveOK = false
	}
	// A quarter of the backlog at least, so a full disk costs one rewrite
	// per quarter rather than one per append, and twice the reserve, so
	// the reserve can be put back for the next time.
	want := max(need, o.bytes()/4, 64<<10, 2*o.opts.Reserve)
	var got int64
	for got < want {
		s := o.oldestWith(true)
		if s == nil {
			break
		}
		before := o.bytes()
		var took int64
		drop := func(r *record) bool {
			if r.class != ClassPosition || took >= want-got {
				return false
			}
			took += r.size
			return true
		}
		if err := o.compact(s, drop, DropFullPosition); err != nil {
			o.lastErr = fmt.Sprintf("make room: %v", err)
			break
		}
		got += before - o.bytes()
		if before == o.bytes() {
			break
		}
	}
	if got > 0 {
		o.keepReserve()
	}
	return freed || got > 0
}

// keepReserve (re)creates the reserve file when it is missing; on a disk
// still full it stays missing and is tried again later.
func (o *Outbox) keepReserve() {
	if o.opts.Reserve <= 0 || o.reserveOK || o.closed {
		return
	}
	path := filepath.Join(o.opts.Dir, reserveFile)
	if st, err := os.Stat(path); err == nil && st.Size() >= o.opts.Reserve {
		o.reserveOK = true
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return
	}
	_, err = f.Write(make([]byte, o.opts.Reserve)) // written, not sparse: tmpfs and ext4 both count it
	if err == nil && o.opts.Fsync != FsyncNever {
		err = f.Sync()
	}
	f.Close()
	if err != nil {
		os.Remove(path)
		return
	}
	o.reserveOK = true
}

// openAck opens the ack file and gives it both slots now, so that no later
// acknowledgement needs a new disk block.
func (o *Outbox) openAck() error {
	f, err := os.OpenFile(filepath.Join(o.opts.Dir, ackFile), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return fmt.Errorf("outbox: ack file: %w", err)
	}
	o.ackF = f
	if st, err := f.Stat(); err == nil && st.Size() >= 2*ackSlot {
		return nil
	}
	for i := 0; i < 2; i++ {
		if err := o.writeAck(); err != nil {
			return err
		}
	}
	return nil
}
