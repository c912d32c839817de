// swift-tools-version:6.0
// MarketGPT: one package, floors that only look down (see ../shared/docs/ARCHITECTURE.md).
import PackageDescription


let package = Package(
    name: "MarketGPT",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "marketgpt", targets: ["MarketCLI"]),
        .library(name: "MarketSupport", targets: ["MarketSupport"]),
        .library(name: "MarketTensor", targets: ["MarketTensor"]),
        .library(name: "MarketData", targets: ["MarketData"]),
        .library(name: "MarketSynthetic", targets: ["MarketSynthetic"]),
        .library(name: "MarketCharts", targets: ["MarketCharts"]),
        .library(name: "MarketModel", targets: ["MarketModel"]),
        .library(name: "MarketTraining", targets: ["MarketTraining"]),
        .library(name: "MarketSignals", targets: ["MarketSignals"]),
        .library(name: "MarketBacktest", targets: ["MarketBacktest"]),
        .library(name: "MarketPipeline", targets: ["MarketPipeline"]),
        .library(name: "MarketOps", targets: ["MarketOps"]),
        .library(name: "MarketServer", targets: ["MarketServer"]),
        .library(name: "MarketDistributed", targets: ["MarketDistributed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    // Each target lists exactly the modules its files import (README "Architecture" has the graph);
    // imports point down only.
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        // OpenMPI (Debian: libopenmpi-dev); pkg-config's ompi-c gives mpi.h's folder and -lmpi.
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .target(name: "MarketSupport", dependencies: [.product(name: "Yams", package: "Yams")]),
        // C kernels with AVX2/FMA paths chosen at run time, CPU feature tests, OpenBLAS's run-time core switch.
        // Optimised in debug builds too: the tests then run the same kernel code as a release build (and the
        // debug test suite's training steps stay fast).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "MarketTensor", dependencies: ["CBLAS", "CKernels", "MarketSupport"]),
        .target(name: "MarketData", dependencies: ["MarketSupport"]),
        .target(name: "MarketSynthetic", dependencies: ["MarketData", "MarketSupport", "CBLAS"]),
        .target(name: "MarketCharts", dependencies: ["MarketSupport"]),
        .target(name: "MarketModel", dependencies: ["MarketTensor", "MarketData", "MarketSupport"]),
        .target(name: "MarketTraining", dependencies: ["MarketModel", "MarketData", "MarketTensor", "MarketCharts", "MarketSupport"]),
        .target(name: "MarketSignals", dependencies: ["MarketModel", "MarketData", "MarketTensor", "MarketSupport"]),
        // MPI data-parallel training: the ProcessGroup of an mpirun job (all-reduce, watchdog).
        .target(name: "MarketDistributed", dependencies: ["CMPI", "MarketTraining"]),
        .target(name: "MarketBacktest", dependencies: ["MarketData", "MarketCharts", "MarketSupport"]),
        .target(name: "MarketPipeline", dependencies: [
            "MarketSupport", "MarketTensor", "MarketData", "MarketSynthetic", "MarketModel", "MarketTraining",
            "MarketSignals", "MarketBacktest", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // Operations: data fetch (AsyncHTTPClient), run registry (GRDB/SQLite), drift gate, notifications.
        .target(
            name: "MarketOps",
            dependencies: [
                "MarketData", "MarketModel", "MarketSignals", "MarketTraining", "MarketPipeline", "MarketSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ]),
        .target(
            name: "MarketServer",
            dependencies: [
                "MarketSupport", "MarketData", "MarketSynthetic", "MarketCharts", "MarketModel", "MarketSignals",
                "MarketBacktest", "MarketTraining", "MarketPipeline", "MarketOps",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]),
        .executableTarget(
            name: "MarketCLI",
            dependencies: [
                "MarketSupport", "MarketTensor", "MarketData", "MarketSynthetic", "MarketCharts", "MarketModel",
                "MarketTraining", "MarketSignals", "MarketBacktest", "MarketPipeline", "MarketOps", "MarketServer", "MarketDistributed", "CBLAS",
                "CKernels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Test helpers shared by every test target: the CLI runner, the Python runner, temporary folders.
        .target(name: "MarketTestSupport", path: "Tests/MarketTestSupport"),
        .testTarget(name: "MarketSupportTests", dependencies: ["MarketSupport", "MarketTestSupport"]),
        .testTarget(name: "MarketTensorTests", dependencies: ["MarketTensor", "MarketSupport", "CBLAS", "CKernels", "MarketTestSupport"]),
        .testTarget(name: "MarketDataTests", dependencies: ["MarketData", "MarketSupport", "MarketTestSupport"]),
        .testTarget(name: "MarketSyntheticTests", dependencies: ["MarketSynthetic", "MarketData", "MarketSupport", "CBLAS", "MarketTestSupport"]),
        .testTarget(name: "MarketChartsTests", dependencies: ["MarketCharts", "MarketSupport"]),
        .testTarget(name: "MarketModelTests", dependencies: ["MarketModel", "MarketTensor", "MarketData", "MarketSupport", "MarketTestSupport"]),
        .testTarget(name: "MarketTrainingTests", dependencies: ["MarketTraining", "MarketModel", "MarketData", "MarketTensor", "MarketSupport", "MarketTestSupport", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "MarketSignalsTests", dependencies: ["MarketSignals", "MarketModel", "MarketData", "MarketTensor", "MarketSupport", "MarketTestSupport"]),
        .testTarget(name: "MarketBacktestTests", dependencies: ["MarketBacktest", "MarketData", "MarketSupport", "MarketTestSupport"]),
        .testTarget(name: "MarketPipelineTests", dependencies: ["MarketPipeline", "MarketBacktest", "MarketSignals", "MarketSynthetic", "MarketModel", "MarketTensor", "MarketData", "MarketSupport", "MarketTestSupport"]),
        .testTarget(name: "MarketCLITests", dependencies: ["MarketCLI", "MarketPipeline", "MarketData", "MarketTensor", "MarketTraining", "MarketSupport", "MarketTestSupport"]),
        .testTarget(
            name: "MarketOpsTests",
            dependencies: [
                "MarketOps", "MarketData", "MarketModel", "MarketTraining", "MarketPipeline", "MarketSynthetic", "MarketTensor",
                "MarketSupport", "MarketTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(name: "MarketServerTests", dependencies: [
            "MarketServer", "MarketData", "MarketSupport", "MarketTestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
    ],
    // Swift 6 tools, Swift 5 language mode: our concurrency is explicit (DispatchQueue.concurrentPerform
    // over disjoint buffers), and strict checking would force @unchecked Sendable noise onto every kernel.
    swiftLanguageModes: [.v5]
)
