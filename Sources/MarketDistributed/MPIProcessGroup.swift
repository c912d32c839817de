// MPIProcessGroup: the ProcessGroup of an `mpirun` job (OpenMPI through the CMPI shim), with a watchdog on every collective.
import CMPI
import Foundation
import MarketTraining

/// The ranks of an `mpirun -np N marketgpt …` job as a `ProcessGroup`.
///
/// MPI is initialised only when `mpirun` (or another PMIx launcher) started this process, i.e. when
/// `launchedByMPI` is true: a plain `marketgpt` run never calls `MPI_Init`, so it neither starts OpenMPI's
/// singleton runtime (a forked `orted`) nor depends on the MPI installation at run time beyond loading the
/// shared library. `MPI_ERRORS_RETURN` is set on `MPI_COMM_WORLD`: a failed collective comes back as an error
/// code, which ends the job with the rank, the collective and MPI's message. A watchdog thread ends the job
/// when one collective waits longer than `timeout` seconds (a rank that died without the launcher noticing,
/// or hangs), so no rank waits forever.
public final class MPIProcessGroup: ProcessGroup {
    /// This process's rank in `MPI_COMM_WORLD`.
    public let rank: Int
    /// The number of ranks in `MPI_COMM_WORLD`.
    public let size: Int
    /// Seconds one collective may wait before the job is ended.
    public let timeout: Double
    /// The group of this process once `start` ran (nil before, or when not launched by MPI).
    public private(set) static var current: MPIProcessGroup?

    private let world: MPI_Comm?
    private let watch = CollectiveWatch()
    private var spent = 0.0

    /// True when a launcher started this process as an MPI rank (`OMPI_COMM_WORLD_SIZE` from OpenMPI's
    /// `mpirun`, or `PMIX_RANK` from a PMIx launcher such as `srun --mpi=pmix`).
    public static func launchedByMPI(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
    }

    /// Initialises MPI (once per process; `MPI_THREAD_FUNNELED`: only the calling thread talks to MPI) and
    /// returns the world group. Throws `DistributedError` when MPI cannot start or `timeout` is not positive.
    public static func start(timeout: Double) throws -> MPIProcessGroup {
        if let current { return current }
        guard timeout > 0, timeout.isFinite else { throw DistributedError("the collective timeout must be > 0 seconds, found \(timeout)") }
        var provided: Int32 = 0
        let code = MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        guard code == MPI_SUCCESS else { throw DistributedError("MPI_Init_thread failed: \(errorString(code))") }
        let world = cmpi_comm_world()
        MPI_Comm_set_errhandler(world, cmpi_errors_return())
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(world, &rank)
        MPI_Comm_size(world, &size)
        let group = MPIProcessGroup(world: world, rank: Int(rank), size: Int(size), timeout: timeout)
        current = group
        return group
    }

    private init(world: MPI_Comm?, rank: Int, size: Int, timeout: Double) {
        self.world = world
        self.rank = rank
        self.size = size
        self.timeout = timeout
        watch.start(rank: rank, timeout: timeout)
    }

    public var collectiveSeconds: Double { spent }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>, what: String) {
        guard values.count > 0 else { return }
        collective(what) { MPI_Allreduce(cmpi_in_place(), values.baseAddress, Int32(values.count), cmpi_float(), cmpi_op_sum(), world) }
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>, what: String) {
        guard values.count > 0 else { return }
        collective(what) { MPI_Allreduce(cmpi_in_place(), values.baseAddress, Int32(values.count), cmpi_double(), cmpi_op_sum(), world) }
    }

    public func allGather(_ value: UInt64, what: String) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: size)
        var mine = value
        out.withUnsafeMutableBufferPointer { buffer in
            collective(what) { MPI_Allgather(&mine, 1, cmpi_uint64(), buffer.baseAddress, 1, cmpi_uint64(), world) }
        }
        return out
    }

    public func allGather(bytes: [UInt8], what: String) -> [[UInt8]] {
        let lengths = allGather(UInt64(bytes.count), what: what + " (lengths)").map { Int($0) }
        let total = lengths.reduce(0, +)
        guard total < Int(Int32.max) else {
            Self.report("marketgpt: rank \(rank) of \(size): \(what): \(total) bytes in all, more than one MPI message holds; ending the job")
            abort(code: 75)
        }
        let counts = lengths.map { Int32($0) }
        let offsets = lengths.indices.map { Int32(lengths.prefix($0).reduce(0, +)) }
        var all = [UInt8](repeating: 0, count: max(total, 1))
        bytes.withUnsafeBufferPointer { mine in
            all.withUnsafeMutableBufferPointer { buffer in
                collective(what) {
                    MPI_Allgatherv(mine.baseAddress, Int32(bytes.count), cmpi_byte(), buffer.baseAddress, counts, offsets, cmpi_byte(), world)
                }
            }
        }
        return lengths.indices.map { Array(all[Int(offsets[$0])..<(Int(offsets[$0]) + lengths[$0])]) }
    }

    /// Waits until every rank arrives (e.g. before rank 0 reports that the job finished).
    public func barrier(what: String) {
        collective(what) { MPI_Barrier(world) }
    }

    /// Ends MPI on this rank after a successful run (every rank must call it).
    public func finish() {
        watch.stop()
        MPI_Finalize()
        Self.current = nil
    }

    /// Ends the whole job (every rank) with exit code `code`; used after a rank printed its error.
    public func abort(code: Int32) -> Never {
        MPI_Abort(world, code)
        exit(code)
    }

    /// Runs one MPI call under the watchdog; a non-success code ends the job with a one-line message.
    private func collective(_ what: String, _ call: () -> Int32) {
        let started = DispatchTime.now().uptimeNanoseconds
        watch.begin(what)
        let code = call()
        watch.end()
        spent += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        guard code == MPI_SUCCESS else {
            Self.report("marketgpt: rank \(rank) of \(size): \(what) failed: \(Self.errorString(code)); a rank died or the network failed; ending the job")
            abort(code: 75)
        }
    }

    /// MPI's message for an error code.
    static func errorString(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        guard MPI_Error_string(code, &buffer, &length) == MPI_SUCCESS else { return "MPI error \(code)" }
        return String(cString: buffer)
    }

    /// Writes `line` to stderr at once (unbuffered).
    static func report(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// The error of setting up a distributed run (one line).
public struct DistributedError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
