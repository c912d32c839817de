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
/// Never stale, never ahead of its data: each file carries the key of everything its laws are a function of — this format,
/// the universe definition, which categories are rolling (whose laws a file holds), each category's model (every ensemble
/// member's weights, its config, id tables and feature normaliser) and which categories share a model (one batch), S, the
/// seed, the dropout mode, gap filling, and every asset's real bars dated ≤ o (a revised or added bar on or before o,
/// another checkpoint, seed or option changes the key; bars after o do not, so a new day's data leaves every earlier file
/// valid). A law of o is only read for dates after o (`rollingCalibrations`), and it was computed from the as-of-o view,
/// whose bars the key pins. A file of another key or format version is stale: recomputed and replaced. A file that is not
/// what this store wrote — checksum, header, bounds or values wrong — is an error naming the file and the reason (never
/// served, never a crash). Laws are stored as Float64 bit patterns, so a law read back is the law computed.
/// File layout (little-endian): the format line, key (UInt64), day (Int64), N (UInt32), then per asset: ticker (UInt16 length
/// + UTF-8), H (UInt16), per step: ν (Float64, +∞ for a Gaussian), M (UInt32), M locations, M scales (Float64 each); last, a
/// checksum (UInt64, `ContentHasher` over every byte before it).
final class RollingLawStore: @unchecked Sendable {
    /// The folder's name inside a signal folder.
    static let folderName = "rolling_laws"
    /// What every format line starts with; a file that does not is not a rolling-law file.
    static let formatPrefix = "marketgpt-rolling-laws-"
    /// The first line of every file; change it when what a file holds or how the laws are computed changes (older files
    /// are then stale, not damaged).
    static let format = formatPrefix + "2\n"
    /// Members per law a file may claim (K × S passes); more is refused before anything is allocated.
    static let maximumMembers = 1 << 20

    let folder: URL
    /// The key of everything but the data: format, universe, rolling categories, models and their grouping, options.
    private let runKey: UInt64
    /// Per asset (universe order): its real bars and the running hash after each bar (nil: no file).
    private let bars: [(series: OHLCVSeries, prefix: [UInt64])?]
    /// What a file may hold: ticker → horizon H of the rolling categories' assets.
    let horizons: [String: Int]

    /// The store of `job`'s laws in `folder` (created on the first write).
    init(folder: URL, job: SignalsJob) {
        self.folder = folder
        var run = ContentHasher()
        run.add(string: Self.format)
        run.add(string: String(describing: job.definition))
        let rolling = job.rollingCategories
        var horizons: [String: Int] = [:]
        var modelIndex: [ObjectIdentifier: Int] = [:]
        for category in job.definition.categories {
            run.add(word: rolling.contains(category.name) ? 1 : 0)
            guard let model = job.models.model(for: category.name) else { run.add(word: .max); continue }
            if rolling.contains(category.name) {
                for asset in category.assets { horizons[asset.ticker] = model.model.config.horizon }
            }
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
        self.horizons = horizons
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

    /// The key of origin `day`: the run's key and every asset's real bars dated ≤ `day` (nothing after it).
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

    /// The laws stored for origin `day`: nil when there is no file or it is stale (another key or format version: the caller
    /// recomputes and replaces it). Throws `PipelineError` naming the file and the reason when the file is damaged or was
    /// changed after it was written.
    func laws(day: DayNumber) throws -> [String: [PredictiveLaw]]? {
        let file = url(day: day)
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        do {
            return try Self.decode(data, key: key(day: day), day: day, horizons: horizons)
        } catch let error as Damage {
            throw PipelineError("\(file.path): not a valid rolling-law file (\(error.reason)); delete it and the next run recomputes it")
        }
    }

    /// Writes the laws of origin `day` atomically. Throws `PipelineError` naming the file when it cannot be written.
    func write(day: DayNumber, laws: [String: [PredictiveLaw]]) throws {
        let file = url(day: day)
        do { try AtomicFile.write(Self.encode(laws, key: key(day: day), day: day), to: file) } catch {
            throw PipelineError("\(file.path): cannot write the rolling laws (\(error.localizedDescription))")
        }
    }

    /// Deletes the files of origins before `day` — only files named `<ISO date>.laws`, anything else in the folder is left
    /// alone — and returns how many; a folder not written yet holds none. A file deleted meanwhile by another run is no
    /// error; one that cannot be deleted throws `PipelineError` naming it.
    @discardableResult
    func prune(before day: DayNumber) throws -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return 0 }
        var removed = 0
        for name in names.sorted() where name.hasSuffix(".laws") {
            guard let origin = CivilDate.parseISO(String(name.dropLast(".laws".count))), origin < day else { continue }
            let file = folder.appendingPathComponent(name)
            do { try FileManager.default.removeItem(at: file); removed += 1 } catch {
                guard FileManager.default.fileExists(atPath: file.path) else { continue }
                throw PipelineError("\(file.path): cannot delete an expired rolling-law file (\(error.localizedDescription))")
            }
        }
        return removed
    }

    /// Why a file is not one this store wrote.
    struct Damage: Error { let reason: String }

    /// The checksum of `bytes` (every byte, in 8-byte little-endian words, the last one zero-padded, then the length).
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var hasher = ContentHasher()
        var word: UInt64 = 0, shift: UInt64 = 0
        for byte in bytes {
            word |= UInt64(byte) << shift
            shift += 8
            if shift == 64 { hasher.add(word: word); word = 0; shift = 0 }
        }
        if shift > 0 { hasher.add(word: word) }
        hasher.add(word: UInt64(bytes.count))
        return hasher.state
    }

    /// `body` followed by its checksum: a complete file.
    static func sealed(_ body: Data) -> Data {
        var out = body
        withUnsafeBytes(of: checksum([UInt8](body)[...]).littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    static func encode(_ laws: [String: [PredictiveLaw]], key: UInt64, day: DayNumber) -> Data {
        var out = Data(format.utf8)
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        put(key); put(Int64(day)); put(UInt32(laws.count))
        for ticker in laws.keys.sorted() {
            let name = Array(ticker.utf8), steps = laws[ticker]!
            put(UInt16(name.count)); out.append(contentsOf: name); put(UInt16(steps.count))
            for law in steps {
                precondition(law.pitMap == nil, "RollingLawStore: raw laws carry no quantile map")
                put(law.family.degreesOfFreedom.bitPattern); put(UInt32(law.memberCount))
                for value in law.locations { put(value.bitPattern) }
                for value in law.scales { put(value.bitPattern) }
            }
        }
        return sealed(out)
    }

    /// The laws of `data` (ticker → (H) laws), or nil when it is a file of this store's kind for another key or format
    /// version (stale). Throws `Damage` when it is not what this store wrote: no format line, truncated, checksum wrong,
    /// another day, or counts and values out of bounds (`horizons`: the tickers a file may hold and each one's H) — every
    /// count is checked against the bytes left before anything is allocated.
    static func decode(_ data: Data, key: UInt64, day: DayNumber, horizons: [String: Int]) throws -> [String: [PredictiveLaw]]? {
        let bytes = [UInt8](data)
        let prefix = Array(formatPrefix.utf8), magic = Array(format.utf8)
        guard bytes.count >= prefix.count, Array(bytes[0..<prefix.count]) == prefix else {
            throw Damage(reason: "it does not start with '\(formatPrefix)'")
        }
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else { return nil }   // another format version
        let headerEnd = magic.count + 8 + 8 + 4
        guard bytes.count >= headerEnd + 8 else { throw Damage(reason: "truncated: \(bytes.count) bytes") }
        let body = bytes[0..<(bytes.count - 8)]
        var at = body.endIndex
        func take<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let size = MemoryLayout<T>.size
            guard at + size <= bytes.count else { throw Damage(reason: "truncated at byte \(at)") }
            var value: T = 0
            for i in 0..<size { value |= T(truncatingIfNeeded: bytes[at + i]) << (8 * i) }
            at += size
            return value
        }
        let stored = try take(UInt64.self)
        guard stored == checksum(body) else { throw Damage(reason: "checksum mismatch: changed after it was written") }
        let limit = body.endIndex
        at = magic.count
        func read<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
            guard at + MemoryLayout<T>.size <= limit else { throw Damage(reason: "truncated at byte \(at)") }
            return try take(type)
        }
        let fileKey = try read(UInt64.self), fileDay = try read(Int64.self)
        guard fileDay == Int64(day) else { throw Damage(reason: "it holds the laws of day \(fileDay), not \(CivilDate.isoString(day))") }
        guard fileKey == key else { return nil }   // stale: another checkpoint, option, universe or data
        let n = Int(try read(UInt32.self))
        guard n <= horizons.count else { throw Damage(reason: "\(n) assets, the rolling categories have \(horizons.count)") }
        var laws: [String: [PredictiveLaw]] = [:]
        for _ in 0..<n {
            let length = Int(try read(UInt16.self))
            guard at + length <= limit else { throw Damage(reason: "truncated at byte \(at)") }
            guard let ticker = String(bytes: bytes[at..<(at + length)], encoding: .utf8), let h = horizons[ticker] else {
                throw Damage(reason: "an asset at byte \(at) that is not in a rolling category")
            }
            at += length
            guard laws[ticker] == nil else { throw Damage(reason: "\(ticker) twice") }
            let steps = Int(try read(UInt16.self))
            guard steps == h else { throw Damage(reason: "\(ticker): \(steps) steps, the model forecasts \(h)") }
            var path: [PredictiveLaw] = []
            path.reserveCapacity(h)
            for step in 0..<h {
                let nu = Double(bitPattern: try read(UInt64.self)), m = Int(try read(UInt32.self))
                guard nu == .infinity || (nu.isFinite && nu > 0) else { throw Damage(reason: "\(ticker) step \(step + 1): degrees of freedom \(nu)") }
                guard m >= 1, m <= maximumMembers, at + m * 16 <= limit else {
                    throw Damage(reason: "\(ticker) step \(step + 1): \(m) members, \(limit - at) bytes left")
                }
                var locations = [Double](repeating: 0, count: m), scales = [Double](repeating: 0, count: m)
                for i in 0..<m { locations[i] = Double(bitPattern: try read(UInt64.self)) }
                for i in 0..<m { scales[i] = Double(bitPattern: try read(UInt64.self)) }
                guard locations.allSatisfy(\.isFinite), scales.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                    throw Damage(reason: "\(ticker) step \(step + 1): a location not finite or a scale not finite and > 0")
                }
                path.append(PredictiveLaw(family: nu == .infinity ? .gaussian : .studentT(degreesOfFreedom: nu), locations: locations, scales: scales))
            }
            laws[ticker] = path
        }
        guard at == limit else { throw Damage(reason: "\(limit - at) bytes after the last law") }
        return laws
    }
}
