// MarketModel: module marker; the real files arrive with their issue.
/// The name and purpose of this module, for diagnostics.
public enum MarketModelModule { public static let name = "MarketModel" }
