// `<checkpoint>.signal_rule.json`: the decision rule fitted per category on a checkpoint's validation period.
import Foundation
import MarketData
import MarketSupport

/// The rule file written by `marketgpt calibrate-signals` beside its checkpoint and read by `marketgpt signals`
/// (which then uses each category's values unless flags override them). Keys are snake_case, sorted; no clock
/// time is stored, so the same inputs give the same bytes.
public struct SignalRuleFile: Codable, Equatable, Sendable {
    public static let formatVersion = "marketgpt-signal-rule-1"
    /// The file name suffix appended to the checkpoint's path.
    public static let suffix = ".signal_rule.json"

    /// One category's fitted rule and what it was fitted on.
    public struct Category: Codable, Equatable, Sendable {
        public var confidenceThreshold: Double
        public var minReturn: Double
        public var horizon: Int
        /// s of the epistemic confidence 1/(1 + σ_epi/s) at `horizon` (nil for the other definitions).
        public var epistemicScale: Double?
        /// The validation period the search read (ISO dates, inclusive): no bar after `validationEnd` was loaded.
        public var validationStart: String
        public var validationEnd: String
        /// Signal dates and assets of the category in that period.
        public var dates: Int
        public var assets: Int
        /// The chosen configuration's validation figures: net-of-cost annualised Sharpe (null without trades),
        /// total return, round-trip trades and the share of asset-days with BUY or SELL.
        public var sharpe: Double?
        public var totalReturn: Double?
        public var trades: Int
        public var tradeRate: Double

        enum CodingKeys: String, CodingKey {
            case confidenceThreshold = "confidence_threshold", minReturn = "min_return", horizon
            case epistemicScale = "epistemic_scale", validationStart = "validation_start", validationEnd = "validation_end"
            case dates, assets, sharpe, totalReturn = "total_return", trades, tradeRate = "trade_rate"
        }

        public init(confidenceThreshold: Double, minReturn: Double, horizon: Int, epistemicScale: Double?, validationStart: String,
                    validationEnd: String, dates: Int, assets: Int, sharpe: Double?, totalReturn: Double?, trades: Int, tradeRate: Double) {
            self.confidenceThreshold = confidenceThreshold
            self.minReturn = minReturn
            self.horizon = horizon
            self.epistemicScale = epistemicScale
            self.validationStart = validationStart
            self.validationEnd = validationEnd
            self.dates = dates
            self.assets = assets
            self.sharpe = sharpe
            self.totalReturn = totalReturn
            self.trades = trades
            self.tradeRate = tradeRate
        }
    }

    /// The grid searched per category (its size = the number of configurations tried per category).
    public struct Grid: Codable, Equatable, Sendable {
        public var confidenceThresholds: [Double]
        public var minReturns: [Double]
        public var horizons: [Int]
        public var size: Int { confidenceThresholds.count * minReturns.count * horizons.count }

        enum CodingKeys: String, CodingKey {
            case confidenceThresholds = "confidence_thresholds", minReturns = "min_returns", horizons, size
        }

        public init(confidenceThresholds: [Double], minReturns: [Double], horizons: [Int]) {
            self.confidenceThresholds = confidenceThresholds
            self.minReturns = minReturns
            self.horizons = horizons
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            confidenceThresholds = try c.decode([Double].self, forKey: .confidenceThresholds)
            minReturns = try c.decode([Double].self, forKey: .minReturns)
            horizons = try c.decode([Int].self, forKey: .horizons)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(confidenceThresholds, forKey: .confidenceThresholds)
            try c.encode(minReturns, forKey: .minReturns)
            try c.encode(horizons, forKey: .horizons)
            try c.encode(size, forKey: .size)
        }

        /// The default grid: 10 confidence thresholds × 7 minimum returns × horizons 1…H.
        public static func standard(horizon: Int) -> Grid {
            Grid(confidenceThresholds: [0.5, 0.51, 0.52, 0.53, 0.55, 0.57, 0.6, 0.65, 0.7, 0.8],
                 minReturns: [0, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.01], horizons: Array(1...max(1, horizon)))
        }
    }

    /// The backtest settings the objective was computed with.
    public struct Costs: Codable, Equatable, Sendable {
        public var mode: String
        public var commission: Double
        public var slippageBps: Double
        public var borrowRate: Double

        enum CodingKeys: String, CodingKey { case mode, commission, slippageBps = "slippage_bps", borrowRate = "borrow_rate" }

        public init(mode: String, commission: Double, slippageBps: Double, borrowRate: Double) {
            self.mode = mode
            self.commission = commission
            self.slippageBps = slippageBps
            self.borrowRate = borrowRate
        }
    }

    public var format = SignalRuleFile.formatVersion
    /// The checkpoint's file name and content hash (the rule belongs to those weights).
    public var checkpoint: String
    public var contentHash: String?
    /// `sharpe` or `trade_rate`, and the target rate of the latter.
    public var objective: String
    public var targetRate: Double?
    /// The confidence definition the thresholds refer to (`ConfidenceMeasure.name`).
    public var confidence: String
    public var samples: Int
    public var seed: UInt64
    public var grid: Grid
    public var backtest: Costs
    /// Category name → its fitted rule.
    public var categories: [String: Category]
    /// Categories of the universe without a fitted rule → why (no validation period in the checkpoint, no real bar
    /// in it, not in the checkpoint); nil (key absent) when every category has one. `signals` decides them with the
    /// config's thresholds and the strategy report lists them as "no rule (reason)", outside the trial count.
    public var unfitted: [String: String]?

    enum CodingKeys: String, CodingKey {
        case format, checkpoint, contentHash = "content_hash", objective, targetRate = "target_rate", confidence, samples, seed
        case grid, backtest, categories, unfitted
    }

    public init(checkpoint: String, contentHash: String?, objective: String, targetRate: Double?, confidence: String, samples: Int,
                seed: UInt64, grid: Grid, backtest: Costs, categories: [String: Category], unfitted: [String: String]? = nil) {
        self.checkpoint = checkpoint
        self.contentHash = contentHash
        self.objective = objective
        self.targetRate = targetRate
        self.confidence = confidence
        self.samples = samples
        self.seed = seed
        self.grid = grid
        self.backtest = backtest
        self.categories = categories
        self.unfitted = unfitted?.isEmpty == true ? nil : unfitted
    }

    /// Why `category` has no fitted rule: the recorded reason, else "not in the rule file" (nil when it has one).
    public func unfittedReason(_ category: String) -> String? {
        categories[category] != nil ? nil : unfitted?[category] ?? "not in the rule file"
    }

    /// The rule file of a checkpoint: `<checkpoint path>.signal_rule.json`.
    public static func url(checkpoint: URL) -> URL { URL(fileURLWithPath: checkpoint.path + suffix) }

    /// Sorted, pretty JSON with a final newline.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Writes the file atomically.
    public func write(to url: URL) throws { try AtomicFile.write(jsonData(), to: url) }

    /// Reads a rule file; a bad file is a `SignalError.checkpoint` naming it and the reason.
    public static func read(_ url: URL) throws -> SignalRuleFile {
        let file: SignalRuleFile
        do { file = try JSONDecoder().decode(SignalRuleFile.self, from: Data(contentsOf: url)) } catch {
            throw SignalError.checkpoint(file: url.path, reason: "unreadable signal rule file (\(error))")
        }
        guard file.format == formatVersion else {
            throw SignalError.checkpoint(file: url.path, reason: "format '\(file.format)', expected '\(formatVersion)'")
        }
        return file
    }

    /// The `SignalRule` of each category (stale limit from `base`): its thresholds, horizon and confidence definition.
    public func rules(base: SignalRule) -> [String: SignalRule] {
        categories.mapValues { c in
            var rule = base
            rule.confidenceThreshold = c.confidenceThreshold
            rule.minReturn = c.minReturn
            rule.horizon = c.horizon
            rule.confidence = ConfidenceMeasure(name: confidence, scale: c.epistemicScale) ?? .probabilistic
            return rule
        }
    }
}
