// CRC-32C (Castagnoli) checksums and the TFRecord "masked" variant used by TensorBoard event files.

/// CRC-32C (Castagnoli polynomial, reflected 0x82F63B78), table-driven, one byte at a time.
///
/// `CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283` (the standard check value).
public enum CRC32C {
    /// The 256-entry lookup table for the reflected polynomial 0x82F63B78.
    static let table: [UInt32] = (0..<256).map { byte -> UInt32 in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    /// The CRC-32C of `bytes` (initial value and final xor 0xFFFFFFFF, as in iSCSI / RFC 3720).
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for byte in bytes { crc = t[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// The TFRecord mask: `((crc >> 15) | (crc << 17)) &+ 0xA282EAD8` (so that a CRC of data that
    /// itself contains CRCs is not trivially zero).
    public static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// `masked(checksum(bytes))`.
    public static func maskedChecksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        masked(checksum(bytes))
    }
}
