// A minimal protobuf wire-format encoder: just the field kinds the TensorBoard Event/Summary messages use.

/// Appends protobuf wire-format fields to a byte buffer (proto3 encoding, fields in the order written).
///
/// Wire types: 0 varint, 1 64-bit little-endian, 2 length-delimited, 5 32-bit little-endian.
/// The tag of a field is `(fieldNumber << 3) | wireType`, itself a varint.
struct ProtobufWriter {
    /// The encoded message so far.
    private(set) var bytes: [UInt8] = []

    /// Base-128 varint, least significant group first, high bit = "more follows".
    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func appendTag(_ field: Int, wireType: Int) {
        appendVarint(UInt64((field << 3) | wireType))
    }

    /// `int64` field (wire type 0; negative values take ten bytes, two's complement).
    mutating func appendInt64(field: Int, _ value: Int64) {
        appendTag(field, wireType: 0)
        appendVarint(UInt64(bitPattern: value))
    }

    /// `double` field (wire type 1).
    mutating func appendDouble(field: Int, _ value: Double) {
        appendTag(field, wireType: 1)
        appendLittleEndian(value.bitPattern)
    }

    /// `float` field (wire type 5).
    mutating func appendFloat(field: Int, _ value: Float) {
        appendTag(field, wireType: 5)
        appendLittleEndian(value.bitPattern)
    }

    /// `string` field (wire type 2, UTF-8).
    mutating func appendString(field: Int, _ value: String) {
        appendBytes(field: field, Array(value.utf8))
    }

    /// `bytes` or embedded-message field (wire type 2).
    mutating func appendBytes(field: Int, _ value: [UInt8]) {
        appendTag(field, wireType: 2)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    private mutating func appendLittleEndian<I: FixedWidthInteger>(_ value: I) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
