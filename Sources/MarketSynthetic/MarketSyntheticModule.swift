// MarketSynthetic: module marker; the real files arrive with their issue.
/// The name and purpose of this module, for diagnostics.
public enum MarketSyntheticModule { public static let name = "MarketSynthetic" }
