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
        .library(name: "MarketOps", targets: ["MarketOps"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
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
        // Operations: data fetch (AsyncHTTPClient), run registry (GRDB/SQLite), drift gate, notifications.
        .target(
            name: "MarketOps",
            dependencies: [
                "MarketData", "MarketModel", "MarketSignals", "MarketTraining",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ]),
        .executableTarget(
            name: "MarketCLI",
            dependencies: [
                "MarketTensor", "MarketData", "MarketSynthetic", "MarketModel",
                "MarketTraining", "MarketSignals", "MarketBacktest", "MarketPipeline", "MarketOps", "CBLAS",
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
        .testTarget(
            name: "MarketOpsTests",
            dependencies: [
                "MarketOps", "MarketData", "MarketModel", "MarketTraining",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
    ],
    // Swift 6 tools, Swift 5 language mode: our concurrency is explicit (DispatchQueue.concurrentPerform
    // over disjoint buffers), and strict checking would force @unchecked Sendable noise onto every kernel.
    swiftLanguageModes: [.v5]
)
