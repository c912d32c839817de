// An append-only file written one whole record per write(2) call: no user-space buffer to lose.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Errors of the training logs (metrics.jsonl, TensorBoard events).
public struct TrainingLogError: Error, CustomStringConvertible, Equatable {
    /// The file concerned.
    public var path: String
    /// What went wrong.
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

/// A file opened with `O_APPEND`; each `append` hands the whole record to the kernel at once, so a
/// record is either written completely or (after a crash mid-call) is the last, partial line —
/// which `MetricsLogWriter` drops when it resumes.
final class AppendOnlyFile {
    let url: URL
    private var descriptor: Int32

    /// Opens (creating with mode 0644 if needed) `url` for appending.
    init(url: URL) throws {
        self.url = url
        descriptor = open(url.path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        if descriptor < 0 {
            throw TrainingLogError(path: url.path, reason: "cannot open for appending (\(String(cString: strerror(errno))))")
        }
    }

    /// Writes all of `bytes` (retrying short writes and EINTR).
    func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw TrainingLogError(path: url.path, reason: "write failed (\(String(cString: strerror(errno))))")
                }
                offset += written
            }
        }
    }

    /// Closes the file; further appends are a programmer error.
    func close() {
        if descriptor >= 0 {
            #if canImport(Glibc)
            _ = Glibc.close(descriptor)
            #else
            _ = Darwin.close(descriptor)
            #endif
            descriptor = -1
        }
    }

    deinit { close() }
}
