// swift-tools-version:6.0
// MarketGPT: one package, floors that only look down (see ../shared/docs/ARCHITECTURE.md).
import PackageDescription


let package = Package(
    name: "MarketGPT",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "marketgpt", targets: ["MarketCLI"]),
        .library(name: "MarketTensor", targets: ["MarketTensor"]),
        .library(name: "MarketData", targets: ["MarketData"]),
        .library(name: "MarketSynthetic", targets: ["MarketSynthetic"]),
        .library(name: "MarketModel", targets: ["MarketModel"]),
        .library(name: "MarketTraining", targets: ["MarketTraining"]),
        .library(name: "MarketSignals", targets: ["MarketSignals"]),
        .library(name: "MarketBacktest", targets: ["MarketBacktest"]),
        .library(name: "MarketPipeline", targets: ["MarketPipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .target(name: "MarketTensor", dependencies: ["CBLAS"]),
        .target(name: "MarketData", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "MarketSynthetic", dependencies: ["MarketData", "CBLAS"]),
        .target(name: "MarketModel", dependencies: ["MarketTensor", "MarketData"]),
        .target(name: "MarketTraining", dependencies: ["MarketModel", "MarketData", "MarketTensor", .product(name: "Yams", package: "Yams")]),
        .target(name: "MarketSignals", dependencies: ["MarketModel", "MarketData"]),
        .target(name: "MarketBacktest", dependencies: ["MarketData"]),
        .target(name: "MarketPipeline", dependencies: ["MarketData", "MarketSynthetic", "MarketModel", "MarketSignals", "MarketBacktest"]),
        .executableTarget(
            name: "MarketCLI",
            dependencies: [
                "MarketTensor", "MarketData", "MarketSynthetic", "MarketModel",
                "MarketTraining", "MarketSignals", "MarketBacktest", "MarketPipeline", "CBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]),
        .testTarget(name: "MarketTensorTests", dependencies: ["MarketTensor", "CBLAS"]),
        .testTarget(name: "MarketDataTests", dependencies: ["MarketData"]),
        .testTarget(name: "MarketSyntheticTests", dependencies: ["MarketSynthetic", "MarketData"]),
        .testTarget(name: "MarketModelTests", dependencies: ["MarketModel", "MarketTensor"]),
        .testTarget(name: "MarketTrainingTests", dependencies: ["MarketTraining", "MarketModel", "MarketData", "MarketTensor"]),
        .testTarget(name: "MarketSignalsTests", dependencies: ["MarketSignals", "MarketModel", "MarketData"]),
        .testTarget(name: "MarketBacktestTests", dependencies: ["MarketBacktest", "MarketData"]),
        .testTarget(name: "MarketCLITests", dependencies: ["MarketCLI"]),
    ],
    // Swift 6 tools, Swift 5 language mode: our concurrency is explicit (DispatchQueue.concurrentPerform
    // over disjoint buffers), and strict checking would force @unchecked Sendable noise onto every kernel.
    swiftLanguageModes: [.v5]
)
