// `marketgpt bench --only linear --json`: the linear-kernel microbenchmark reports its figures next to sgemm's.
import Foundation
import XCTest
import MarketTestSupport

final class BenchLinearTests: XCTestCase {
    /// Every figure is there and positive, the ratios are the kernel's rate over sgemm's and over the FMA peak, the total is the three
    /// passes' combined rate, and sgemm's per-pass rates are noted on stderr (no speed is asserted: a debug build on
    /// a shared machine).
    func testLinearSuitePrintsKernelAndSgemmRates() throws {
        let result = try CLIRunner.run(["bench", "--only", "linear", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        if result.stderr.contains("no AVX-512") { throw XCTSkip("no AVX-512 on this CPU") }
        let figures = try JSONDecoder().decode([String: Double].self, from: Data(result.stdout.utf8))
        let names = ["linear_kernel_gflops", "linear_kernel_forward_gflops", "linear_kernel_input_grad_gflops",
                     "linear_kernel_weight_grad_gflops", "linear_sgemm_gflops", "linear_kernel_vs_sgemm",
                     "linear_fma_peak_gflops", "linear_kernel_fraction_of_fma_peak"]
        let bf16 = ["linear_bf16_forward_gflops", "linear_bf16_forward_vs_fp32", "linear_bf16_input_grad_gflops",
                    "linear_bf16_input_grad_vs_fp32"]   // CPUs with AVX-512 BF16 only
        XCTAssertTrue(Set(figures.keys) == Set(names) || Set(figures.keys) == Set(names + bf16), result.stdout)
        if let rate = figures["linear_bf16_forward_gflops"], let forward = figures["linear_kernel_forward_gflops"] {
            XCTAssertGreaterThan(rate, 0)
            XCTAssertEqual(try XCTUnwrap(figures["linear_bf16_forward_vs_fp32"]), rate / forward, accuracy: 1e-9 * rate / forward)
            let gradient = try XCTUnwrap(figures["linear_bf16_input_grad_gflops"]), fp32 = try XCTUnwrap(figures["linear_kernel_input_grad_gflops"])
            XCTAssertEqual(try XCTUnwrap(figures["linear_bf16_input_grad_vs_fp32"]), gradient / fp32, accuracy: 1e-9 * gradient / fp32)
        }
        for name in names { XCTAssertGreaterThan(figures[name] ?? 0, 0, name) }
        let kernel = try XCTUnwrap(figures["linear_kernel_gflops"]), blas = try XCTUnwrap(figures["linear_sgemm_gflops"])
        XCTAssertEqual(try XCTUnwrap(figures["linear_kernel_vs_sgemm"]), kernel / blas, accuracy: 1e-9 * kernel / blas)
        let peak = try XCTUnwrap(figures["linear_fma_peak_gflops"])
        XCTAssertEqual(try XCTUnwrap(figures["linear_kernel_fraction_of_fma_peak"]), kernel / peak, accuracy: 1e-9 * kernel / peak)
        let passes = ["forward", "input_grad", "weight_grad"].compactMap { figures["linear_kernel_\($0)_gflops"] }
        XCTAssertEqual(kernel, 3 / passes.map { 1 / $0 }.reduce(0, +), accuracy: 1e-9 * kernel, "three passes' time")
        XCTAssertTrue(result.stderr.contains("linear: sgemm forward"), result.stderr)
    }
}
