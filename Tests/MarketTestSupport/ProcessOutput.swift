// Runs a child process and collects stdout and stderr concurrently, so a child that fills one pipe
// (64 KiB) while we read the other can never deadlock.
import Foundation

/// What a finished child process left behind.
public struct ProcessOutput: Sendable {
    /// The exit status (`terminationStatus`).
    public let status: Int32
    /// Everything written to stdout.
    public let stdout: Data
    /// Everything written to stderr.
    public let stderr: Data

    /// Runs `executable` with `arguments` (in `directory`, with `stdin` written to standard input when given)
    /// and waits for it. stderr is drained on a second thread while stdout is read here.
    public static func run(_ executable: URL, arguments: [String], in directory: URL? = nil,
                           environment: [String: String]? = nil, stdin: Data? = nil) throws -> ProcessOutput {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        signal(SIGPIPE, SIG_IGN)   // a child that exits before reading its stdin must not kill the test process
        try process.run()
        let group = DispatchGroup()
        let collected = Collected()
        group.enter()
        DispatchQueue.global().async {
            collected.stderr = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        if let stdin {
            group.enter()
            DispatchQueue.global().async {
                try? input.fileHandleForWriting.write(contentsOf: stdin)   // EPIPE when the child exited early: ignored
                try? input.fileHandleForWriting.close()
                group.leave()
            }
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessOutput(status: process.terminationStatus, stdout: stdoutData, stderr: collected.stderr)
    }

    private final class Collected: @unchecked Sendable {
        var stderr = Data()
    }
}
