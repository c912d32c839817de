// One stage of `marketgpt quickstart`: its name, what it produced, and whether it ran.
import Foundation

/// What became of one quickstart stage.
enum QuickstartStageStatus: String {
    /// The stage ran and produced its artefacts.
    case done
    /// The stage had nothing to do (e.g. demo data already present) and reused what was there.
    case reused
    /// Part of the stage ran (its artefacts are real); the note names the part this build cannot run yet.
    case partial
    /// The library API this stage needs is not part of this build yet; nothing was produced or faked.
    case unavailable
}

/// The outcome of one stage, for the progress lines, the closing summary and `summary.json`.
struct QuickstartStageResult {
    /// Stable machine name, e.g. `demo_data`.
    var name: String
    /// One-line description, e.g. "demo data".
    var title: String
    var status: QuickstartStageStatus
    /// Wall time of the stage in seconds.
    var seconds: Double = 0
    /// Files and folders produced, as (label, path relative to the working folder).
    var artefacts: [(label: String, path: String)] = []
    /// Key figures, as (label, value); values are numbers or short text.
    var figures: [(label: String, value: String)] = []
    /// Why a stage was unavailable or reused, or a remark.
    var note: String = ""

    /// The JSON object written into `summary.json`.
    var json: [String: Any] {
        [
            "name": name, "title": title, "status": status.rawValue, "seconds": (seconds * 1000).rounded() / 1000,
            "artefacts": Dictionary(artefacts.map { ($0.label, $0.path) }, uniquingKeysWith: { _, last in last }),
            "figures": Dictionary(figures.map { ($0.label, $0.value) }, uniquingKeysWith: { _, last in last }),
            "note": note,
        ]
    }
}
