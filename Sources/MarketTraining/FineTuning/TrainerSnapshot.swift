// TrainerSnapshot: an in-memory copy of a trainer's weights and AdamW moments, to undo one fine-tuning update.
import MarketTensor

/// The weights and optimizer moments (and AdamW's step count) of a `Trainer` at one moment; `restore` puts
/// them back exactly (bit for bit). The trainer's step counter and schedule position are not rewound.
struct TrainerSnapshot {
    let weights: [[Float]]
    let firstMoments: [[Float]], secondMoments: [[Float]]
    let stepCount: Int

    init(_ trainer: Trainer) {
        weights = trainer.model.parameters.map(\.scalars)
        firstMoments = trainer.optimizer.firstMoments.map(\.scalars)
        secondMoments = trainer.optimizer.secondMoments.map(\.scalars)
        stepCount = trainer.optimizer.stepCount
    }

    func restore(_ trainer: Trainer) {
        for (p, values) in zip(trainer.model.parameters, weights) { p.assign(values) }
        for (m, values) in zip(trainer.optimizer.firstMoments, firstMoments) { m.assign(values) }
        for (v, values) in zip(trainer.optimizer.secondMoments, secondMoments) { v.assign(values) }
        trainer.optimizer.stepCount = stepCount
    }
}
