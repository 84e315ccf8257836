package sim

// appendARSRegister appends a MOTOTRBO ARS device registration (the message
// a radio sends to port 4005 on power-up): a 2-byte size, header 0xF0
// (extended, acknowledge wanted, priority, control-user, PDU 0 registration),
// extension 0x20 (initial event), then the device ID, an empty user ID and
// an empty password, each length-prefixed.
func appendARSRegister(b []byte, deviceID string) []byte {
	size := 2 + 1 + len(deviceID) + 2
	b = append(b, byte(size>>8), byte(size), 0xF0, 0x20, byte(len(deviceID)))
	b = append(b, deviceID...)
	return append(b, 0, 0)
}
