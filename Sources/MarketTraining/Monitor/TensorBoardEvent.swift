// TensorBoard Event and Summary protobuf messages and the TFRecord framing that stores them.

/// Encoders for the TensorBoard `Event` message (tensorflow/core/util/event.proto) and its framing.
///
/// ```
/// message Event   { double wall_time = 1; int64 step = 2;
///                   oneof what { string file_version = 3; Summary summary = 5; SessionLog session_log = 7; } }
/// message Summary { repeated Value value = 1; }
/// message Value   { string tag = 1; float simple_value = 2; }
/// message SessionLog { SessionStatus status = 1; }   // START = 1
/// ```
/// TFRecord framing of one record: `uint64 length (LE) · uint32 masked CRC-32C of those 8 bytes ·
/// data · uint32 masked CRC-32C of data`.
public enum TensorBoardEvent {
    /// The first record of every events file: `file_version = "brain.Event:2"`.
    public static func fileVersion(wallTime: Double) -> [UInt8] {
        var event = ProtobufWriter()
        event.appendDouble(field: 1, wallTime)
        event.appendInt64(field: 2, 0)
        event.appendString(field: 3, "brain.Event:2")
        return event.bytes
    }

    /// An event holding scalar summaries (`simple_value`), one `Value` per (tag, value) pair, in order.
    public static func scalars(_ values: [(tag: String, value: Double)], step: Int, wallTime: Double) -> [UInt8] {
        var summary = ProtobufWriter()
        for (tag, value) in values {
            var entry = ProtobufWriter()
            entry.appendString(field: 1, tag)
            entry.appendFloat(field: 2, Float(value))
            summary.appendBytes(field: 1, entry.bytes)
        }
        var event = ProtobufWriter()
        event.appendDouble(field: 1, wallTime)
        event.appendInt64(field: 2, Int64(step))
        event.appendBytes(field: 5, summary.bytes)
        return event.bytes
    }

    /// A `SessionLog { status: START }` event at `step`: TensorBoard then discards events of an earlier,
    /// interrupted session whose step is ≥ `step` (how a resumed run hides the steps it redoes).
    public static func sessionStart(step: Int, wallTime: Double) -> [UInt8] {
        var log = ProtobufWriter()
        log.appendVarint(UInt64((1 << 3) | 0))  // status, varint
        log.appendVarint(1)                     // START
        var event = ProtobufWriter()
        event.appendDouble(field: 1, wallTime)
        event.appendInt64(field: 2, Int64(step))
        event.appendBytes(field: 7, log.bytes)
        return event.bytes
    }

    /// Frames `data` as one TFRecord (length, masked CRC of length, data, masked CRC of data).
    public static func tfRecord(_ data: [UInt8]) -> [UInt8] {
        var record: [UInt8] = []
        record.reserveCapacity(data.count + 16)
        withUnsafeBytes(of: UInt64(data.count).littleEndian) { record.append(contentsOf: $0) }
        let lengthCRC = CRC32C.maskedChecksum(record[0..<8])
        withUnsafeBytes(of: lengthCRC.littleEndian) { record.append(contentsOf: $0) }
        record.append(contentsOf: data)
        withUnsafeBytes(of: CRC32C.maskedChecksum(data).littleEndian) { record.append(contentsOf: $0) }
        return record
    }
}
