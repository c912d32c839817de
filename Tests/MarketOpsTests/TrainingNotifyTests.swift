// Pre-training with `notify:`: epoch and checkpoint events reach a receiver on 127.0.0.1; the checkpoint keeps its drift reference.
import Foundation
import MarketData
import MarketModel
import MarketPipeline
@testable import MarketOps
import MarketTraining
import XCTest
import MarketSupport

final class TrainingNotifyTests: XCTestCase {
    func testPretrainingPostsEpochAndCheckpointEventsAndStoresTheDriftReference() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("train-notify-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let universe = try DriftTests.writeUniverse(folder, assets: 2, bars: 300, tail: 0, tailScale: 1, seed: 5)
        let store = FeatureStore(loaded: UniverseLoader.load(universe, dataDirectory: folder.appendingPathComponent("data")))
        let idTable = EmbeddingIDTable(universe: universe)
        let receiver = try FixtureServer { _ in .text("ok") }
        defer { receiver.shutdown() }
        let config = try StrictYAML.decode(TrainingRunConfig.self, from: """
            model: {context_length: 16, features: 7, width: 16, layers: 1, heads: 2, mlp_ratio: 2, dropout: 0.1,
                    asset_embedding_dropout: 0.1, horizon: 3, head: gaussian}
            training: {batch_size: 64, learning_rate: 2.0e-3, warmup_steps: 2, total_steps: 12, eval_every: 6,
                       eval_batches: 1, checkpoint_every: 6, log_every: 1, early_stopping_patience: 0, seed: 3}
            notify: {webhook_url_env: HOOK, format: json, events: [epoch, checkpoint, finish]}
            """, file: "t.yaml")
        let notifier = WebhookNotifier(settings: config.notify, environment: ["HOOK": receiver.baseURL + "/hook"])
        var options = PretrainingOptions(config: config, checkpointDirectory: folder.appendingPathComponent("ckpt"),
                                         runDirectory: nil, isTerminal: false, output: { _ in })
        options.onCheckpoint = { step in notifier.post(NotifyMessage(event: .checkpoint, source: "pretrain", status: "running", text: "step \(step)")) }
        options.onEpoch = { epoch, _ in notifier.post(NotifyMessage(event: .epoch, source: "pretrain", status: "running", text: "epoch \(epoch)")) }
        let summary = try Pretrainer.run(store: store, idTable: idTable, options: options)
        try AsyncBridge.wait { await notifier.shutdown() }
        let events = receiver.requests.compactMap { try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] }.compactMap { $0["event"] as? String }
        XCTAssertEqual(events.filter { $0 == "checkpoint" }.count, 2)   // steps 6 and 12
        XCTAssertGreaterThanOrEqual(events.filter { $0 == "epoch" }.count, 1, "\(events)")   // ~230 windows / 64 per batch: several epochs in 12 steps
        XCTAssertEqual(summary.step, 12)
        // The checkpoint keeps the training-range reference of every category.
        let checkpoint = try ModelCheckpoint.read(summary.checkpoint.weightsURL)
        let reference = try XCTUnwrap(try DriftGate.reference(of: checkpoint, file: "ckpt"))
        XCTAssertEqual(reference.categories.map(\.name), ["us_stocks"])
        XCTAssertEqual(reference.features.count, 6)
        XCTAssertLessThan(reference.categories[0].count[0], 2 * 300)   // train range only, not validation/test
    }
}
