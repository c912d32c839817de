// The raw laws a rolling recalibration reads, persisted per origin beside a signal history: a nightly run pays one forecast.
import Foundation
import MarketData
import MarketModel
import MarketSignals
import MarketSupport

/// Per origin day o, the raw (uncalibrated) laws a signal run computed at o for the assets of its rolling categories with a
/// real bar at o (`SignalsJob.rawForecasts`: the events later dates' rolling recalibrations read), one file
/// `<signal folder>/rolling_laws/<o>.laws` written atomically — so the next night's run reads its look-back window instead
/// of forecasting every origin again (K × S passes each).
///
/// Never stale: each file carries the key of everything its laws are a function of — this format, the universe definition,
/// each category's model (every ensemble member's weights, its config, id tables and feature normaliser) and which
/// categories share a model (one batch), S, the seed, the dropout mode, gap filling, and every asset's real bars up to o (a revised or added bar on or before o, another checkpoint,
/// seed or option changes the key). A file whose key differs, or that cannot be parsed, is not served: the laws are
/// recomputed and the file replaced. Laws are stored as Float64 bit patterns, so a law read back is the law computed.
/// File layout (little-endian): the format line, key (UInt64), day (Int64), N (UInt32), then per asset: ticker (UInt16 length
/// + UTF-8), H (UInt16), per step: ν (Float64, +∞ for a Gaussian), M (UInt32), M locations, M scales (Float64 each).
final class RollingLawStore: @unchecked Sendable {
    /// The folder's name inside a signal folder.
    static let folderName = "rolling_laws"
    /// The first line of every file; change it when what a file holds or how the laws are computed changes.
    static let format = "marketgpt-rolling-laws-1\n"

    let folder: URL
    /// The key of everything but the data: format, universe, models and their grouping, options.
    private let runKey: UInt64
    /// Per asset (universe order): its real bars and the running hash after each bar (nil: no file).
    private let bars: [(series: OHLCVSeries, prefix: [UInt64])?]

    /// The store of `job`'s laws in `folder` (created on the first write).
    init(folder: URL, job: SignalsJob) {
        self.folder = folder
        var run = ContentHasher()
        run.add(string: Self.format)
        run.add(string: String(describing: job.definition))
        var modelIndex: [ObjectIdentifier: Int] = [:]
        for category in job.definition.categories.map(\.name) {
            guard let model = job.models.model(for: category) else { run.add(word: .max); continue }
            if let index = modelIndex[ObjectIdentifier(model)] { run.add(word: UInt64(index)); continue }
            modelIndex[ObjectIdentifier(model)] = modelIndex.count
            run.add(word: UInt64(modelIndex.count - 1))
            run.add(word: UInt64(model.members.count))
            // What turns bars into the model's inputs and what the passes draw: config (dropout rate), id tables, normaliser.
            run.add(string: model.model.config.jsonString())
            run.add(string: model.idTable.jsonString())
            run.add(string: model.normalizer.features.names.joined(separator: ","))
            for table in [model.normalizer.mean, model.normalizer.std] {
                for (id, values) in table.sorted(by: { $0.key < $1.key }) {
                    run.add(word: UInt64(bitPattern: Int64(id)))
                    for value in values { run.add(word: UInt64(value.bitPattern)) }
                }
            }
            for member in model.members {
                for (i, p) in member.parameters.enumerated() {
                    run.add(name: "\(i)", shape: p.shape, values: UnsafeBufferPointer(start: p.data, count: p.count))
                }
            }
        }
        run.add(word: UInt64(job.options.samples))
        run.add(word: job.options.seed)
        run.add(string: "\(job.options.dropout)")
        run.add(word: job.gapFill ? 1 : 0)
        runKey = run.state
        bars = job.session.files.assets.map { asset in
            guard let series = asset.real else { return nil }
            var hasher = ContentHasher()
            var prefix = [UInt64](repeating: 0, count: series.count)
            for i in 0..<series.count {
                hasher.add(word: UInt64(bitPattern: Int64(series.dates[i])))
                for value in [series.open[i], series.high[i], series.low[i], series.close[i], series.volume[i]] { hasher.add(word: value.bitPattern) }
                prefix[i] = hasher.state
            }
            return (series, prefix)
        }
    }

    /// The key of origin `day`: the run's key and every asset's real bars up to `day`.
    func key(day: DayNumber) -> UInt64 {
        var hasher = ContentHasher()
        hasher.add(word: runKey)
        hasher.add(word: UInt64(bitPattern: Int64(day)))
        for asset in bars {
            guard let asset else { hasher.add(word: 0); continue }
            let last = asset.series.lastIndex(onOrBefore: day)   // the bars dated ≤ day: 0…last
            hasher.add(word: UInt64(last.map { $0 + 1 } ?? 0))
            hasher.add(word: last.map { asset.prefix[$0] } ?? 0)
        }
        return hasher.state
    }

    /// The file of origin `day`.
    func url(day: DayNumber) -> URL { folder.appendingPathComponent(CivilDate.isoString(day) + ".laws") }

    /// The laws stored for origin `day` when its file exists, parses and carries this run's key for `day`; else nil.
    func laws(day: DayNumber) -> [String: [PredictiveLaw]]? {
        guard let data = FileManager.default.contents(atPath: url(day: day).path) else { return nil }
        return Self.decode(data, key: key(day: day), day: day)
    }

    /// Writes the laws of origin `day` atomically. Throws `PipelineError` naming the file when it cannot be written.
    func write(day: DayNumber, laws: [String: [PredictiveLaw]]) throws {
        let file = url(day: day)
        do { try AtomicFile.write(Self.encode(laws, key: key(day: day), day: day), to: file) } catch {
            throw PipelineError("\(file.path): cannot write the rolling laws (\(error.localizedDescription))")
        }
    }

    static func encode(_ laws: [String: [PredictiveLaw]], key: UInt64, day: DayNumber) -> Data {
        var out = Data(format.utf8)
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        put(key); put(Int64(day)); put(UInt32(laws.count))
        for ticker in laws.keys.sorted() {
            let name = Array(ticker.utf8), steps = laws[ticker]!
            put(UInt16(name.count)); out.append(contentsOf: name); put(UInt16(steps.count))
            for law in steps {
                put(law.family.degreesOfFreedom.bitPattern); put(UInt32(law.memberCount))
                for value in law.locations { put(value.bitPattern) }
                for value in law.scales { put(value.bitPattern) }
            }
        }
        return out
    }

    /// The laws of `data`, or nil when it is not a file of this format, key and day (truncated, damaged or stale).
    static func decode(_ data: Data, key: UInt64, day: DayNumber) -> [String: [PredictiveLaw]]? {
        let bytes = [UInt8](data)
        var at = 0
        func take<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard at + size <= bytes.count else { return nil }
            var value: T = 0
            for i in 0..<size { value |= T(truncatingIfNeeded: bytes[at + i]) << (8 * i) }
            at += size
            return value
        }
        let magic = Array(format.utf8)
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else { return nil }
        at = magic.count
        guard take(UInt64.self) == key, take(Int64.self) == Int64(day), let n = take(UInt32.self) else { return nil }
        var laws: [String: [PredictiveLaw]] = [:]
        for _ in 0..<n {
            guard let length = take(UInt16.self), at + Int(length) <= bytes.count else { return nil }
            let ticker = String(decoding: bytes[at..<(at + Int(length))], as: UTF8.self)
            at += Int(length)
            guard let h = take(UInt16.self) else { return nil }
            var steps: [PredictiveLaw] = []
            for _ in 0..<h {
                guard let nu = take(UInt64.self).map(Double.init(bitPattern:)), let m = take(UInt32.self), m >= 1,
                      at + Int(m) * 16 <= bytes.count else { return nil }
                let values = (0..<(2 * Int(m))).map { _ in Double(bitPattern: take(UInt64.self)!) }
                steps.append(PredictiveLaw(family: nu.isInfinite ? .gaussian : .studentT(degreesOfFreedom: nu), locations: Array(values[0..<Int(m)]),
                                           scales: Array(values[Int(m)...])))
            }
            laws[ticker] = steps
        }
        return at == bytes.count ? laws : nil
    }
}
