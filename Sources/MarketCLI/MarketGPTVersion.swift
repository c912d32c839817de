// The version `marketgpt --version` prints.

/// The released version of MarketGPT.
enum MarketGPTVersion {
    static let string = "0.1.0"
}
